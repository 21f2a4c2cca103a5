"""The typed header of a loaded scan: :class:`ScanHeader`, built once from the de-identified data.

Modelled on highdicom: frozen dataclasses with typed fields (``None`` when the file does not say),
Enums for coded values and a ``from_dataset`` classmethod. The loader builds it
from the *de-identified* dataset(s) only (see :mod:`medgen.imaging.deid`), so every UID in it is a
replacement UID and nothing the de-identification removed can reappear through it. PNG, JPEG and
TIFF images get a header whose DICOM fields are all ``None`` (:meth:`ScanHeader.for_image`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from medgen.types import Modality


class ImageSource(enum.StrEnum):
    """Where the pixels came from."""

    DICOM = "dicom"
    IMAGE = "image"  # PNG / JPEG / TIFF


class Photometric(enum.StrEnum):
    """Photometric Interpretation (0028,0004), PS3.3 C.7.6.3.1.2."""

    MONOCHROME1 = "MONOCHROME1"
    MONOCHROME2 = "MONOCHROME2"
    PALETTE_COLOR = "PALETTE COLOR"
    RGB = "RGB"
    YBR_FULL = "YBR_FULL"
    YBR_FULL_422 = "YBR_FULL_422"
    YBR_PARTIAL_420 = "YBR_PARTIAL_420"
    YBR_ICT = "YBR_ICT"
    YBR_RCT = "YBR_RCT"

    @classmethod
    def parse(cls, value: object) -> Photometric | None:
        """The enum member for a DICOM value; ``None`` when missing or not a defined term."""
        try:
            return cls(str(value).strip().upper()) if value not in (None, "") else None
        except ValueError:
            return None


@dataclass(frozen=True)
class SliceGeometry:
    """One slice (or frame) of the scan: geometry and the reference to its source instance.

    Positions are in mm, patient coordinates (PS3.3 C.7.6.2). The UIDs are the de-identified
    replacements, used to reference the source from derived objects.
    """

    position: tuple[float, float, float] | None = None  # ImagePositionPatient (0020,0032)
    orientation: tuple[float, ...] | None = None  # ImageOrientationPatient (0020,0037), 6 values
    instance_number: int | None = None  # InstanceNumber (0020,0013)
    sop_class_uid: str | None = None  # SOPClassUID (0008,0016)
    sop_instance_uid: str | None = None  # replacement SOPInstanceUID (0008,0018)
    frame_number: int | None = None  # 1-based frame in a multi-frame source, else None


@dataclass(frozen=True)
class Code:
    """A coded entry (CodeValue, CodingSchemeDesignator, CodeMeaning)."""

    value: str
    scheme: str
    meaning: str


@dataclass(frozen=True)
class Equipment:
    """Equipment and acquisition parameters (General Equipment, CT / MR Image modules)."""

    manufacturer: str | None = None  # (0008,0070)
    model_name: str | None = None  # ManufacturerModelName (0008,1090)
    kernel: str | None = None  # ConvolutionKernel (0018,1210), values joined by "\\"
    kvp: float | None = None  # KVP (0018,0060), kV
    tube_current_ma: float | None = None  # XRayTubeCurrent (0018,1151), mA
    exposure_mas: float | None = None  # Exposure (0018,1152), mAs
    exposure_time_ms: float | None = None  # ExposureTime (0018,1150), ms
    field_strength_t: float | None = None  # MagneticFieldStrength (0018,0087), T
    repetition_time_ms: float | None = None  # RepetitionTime (0018,0080)
    echo_time_ms: float | None = None  # EchoTime (0018,0081)


@dataclass(frozen=True)
class Deidentification:
    """What the de-identification recorded in the dataset (PS3.3 C.7.1.1)."""

    patient_identity_removed: bool  # PatientIdentityRemoved (0012,0062) == YES
    method: str | None = None  # DeidentificationMethod (0012,0063)
    codes: tuple[Code, ...] = ()  # DeidentificationMethodCodeSequence (0012,0064)


#: ScanHeader text fields read as they are: field -> DICOM keyword.
_TEXT_FIELDS = {
    "sop_class_uid": "SOPClassUID", "study_uid": "StudyInstanceUID",
    "series_uid": "SeriesInstanceUID", "frame_of_reference_uid": "FrameOfReferenceUID",
    "body_part": "BodyPartExamined", "contrast_agent": "ContrastBolusAgent",
    "rescale_type": "RescaleType", "patient_position": "PatientPosition",
    "view_position": "ViewPosition", "image_laterality": "ImageLaterality",
    "laterality": "Laterality",
}
#: Equipment numeric fields: field -> DICOM keyword.
_EQUIPMENT_NUMBERS = {
    "kvp": "KVP", "tube_current_ma": "XRayTubeCurrent", "exposure_mas": "Exposure",
    "exposure_time_ms": "ExposureTime", "field_strength_t": "MagneticFieldStrength",
    "repetition_time_ms": "RepetitionTime", "echo_time_ms": "EchoTime",
}


@dataclass(frozen=True)
class ScanHeader:
    """Everything the app uses from a scan's header, typed; ``None`` where the file is silent."""

    source: ImageSource
    modality: Modality
    rows: int
    columns: int
    # Number of slices (series) or frames (multi-frame object, multi-page TIFF); 1 for one image.
    n_slices: int = 1
    sop_class_uid: str | None = None
    study_uid: str | None = None  # replacement StudyInstanceUID
    series_uid: str | None = None  # replacement SeriesInstanceUID
    frame_of_reference_uid: str | None = None  # replacement FrameOfReferenceUID
    series_number: int | None = None
    body_part: str | None = None  # BodyPartExamined, as written (upper case CS)
    contrast_agent: str | None = None  # ContrastBolusAgent; None when absent or empty
    image_type: tuple[str, ...] = ()
    slices: tuple[SliceGeometry, ...] = ()  # one per slice / frame (empty for plain images)
    pixel_spacing: tuple[float, float] | None = None  # (row, column) mm
    slice_thickness: float | None = None  # mm
    spacing_between_slices: float | None = None  # mm, as written in the file
    window: tuple[float, float] | None = None  # file's first (centre, width), before any inversion
    rescale: tuple[float, float] | None = None  # (slope, intercept) when the file has them
    rescale_type: str | None = None
    photometric: Photometric | None = None
    bits_allocated: int | None = None
    bits_stored: int | None = None
    transfer_syntax: str | None = None  # transfer syntax UID of the upload
    patient_position: str | None = None  # PatientPosition (0018,5100), e.g. HFS
    laterality: str | None = None  # ImageLaterality or Laterality
    view_position: str | None = None
    lossy_compression: bool | None = None  # LossyImageCompression (0028,2110) == "01"
    equipment: Equipment = Equipment()
    deidentification: Deidentification | None = None
    image_format: str | None = None  # PNG / JPEG / TIFF for plain images
    image_mode: str | None = None  # PIL mode of a plain image
    notes: tuple[str, ...] = ()  # what the loader changed for display (inversion, colour -> grey)

    @classmethod
    def from_dataset(
        cls, ds: Dataset, *, slices: Sequence[SliceGeometry] = (), notes: Sequence[str] = (),
    ) -> ScanHeader:
        """The header of a de-identified DICOM object, or of a series from its first slice.

        Parameters
        ----------
        ds : pydicom.dataset.Dataset
            The de-identified dataset (for a series: its first slice after sorting).
        slices : sequence of SliceGeometry
            Geometry and instance reference of every slice / frame, in display order.
        notes : sequence of str
            What the loader changed for display (shown next to the image).
        """
        tsuid = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
        slope, intercept = number(ds.get("RescaleSlope")), number(ds.get("RescaleIntercept"))
        frames = integer(ds.get("NumberOfFrames")) or 1
        deid = None
        if "PatientIdentityRemoved" in ds or "DeidentificationMethod" in ds:
            deid = Deidentification(
                patient_identity_removed=text(ds.get("PatientIdentityRemoved")) == "YES",
                method=text(ds.get("DeidentificationMethod")),
                codes=tuple(
                    Code(str(c.get("CodeValue", "")), str(c.get("CodingSchemeDesignator", "")),
                         str(c.get("CodeMeaning", "")))
                    for c in ds.get("DeidentificationMethodCodeSequence", [])
                ),
            )
        texts = {f: text(ds.get(kw)) for f, kw in _TEXT_FIELDS.items()}
        image_laterality, series_laterality = texts.pop("image_laterality"), texts.pop("laterality")
        return cls(
            source=ImageSource.DICOM,
            modality=Modality.parse(str(ds.get("Modality", ""))),
            rows=int(ds.Rows),
            columns=int(ds.Columns),
            n_slices=len(slices) or frames,
            series_number=integer(ds.get("SeriesNumber")),
            image_type=tuple(str(v) for v in values(ds.get("ImageType"))),
            slices=tuple(slices),
            pixel_spacing=pixel_spacing(ds),
            slice_thickness=number(ds.get("SliceThickness")),
            spacing_between_slices=number(ds.get("SpacingBetweenSlices")),
            window=file_window(ds),
            rescale=(slope if slope is not None else 1.0, intercept or 0.0)
            if slope is not None or intercept is not None else None,
            photometric=Photometric.parse(ds.get("PhotometricInterpretation")),
            bits_allocated=integer(ds.get("BitsAllocated")),
            bits_stored=integer(ds.get("BitsStored")),
            transfer_syntax=str(tsuid) if tsuid else None,
            laterality=image_laterality or series_laterality,
            lossy_compression=(text(ds.get("LossyImageCompression")) == "01")
            if "LossyImageCompression" in ds else None,
            equipment=Equipment(
                manufacturer=text(ds.get("Manufacturer")),
                model_name=text(ds.get("ManufacturerModelName")),
                kernel=text(ds.get("ConvolutionKernel")),
                **{f: number(ds.get(kw)) for f, kw in _EQUIPMENT_NUMBERS.items()},
            ),
            deidentification=deid,
            notes=tuple(notes),
            **texts,
        )

    @classmethod
    def for_image(
        cls, rows: int, columns: int, *, n_frames: int, image_format: str, mode: str, bits: int,
        notes: Sequence[str] = (),
    ) -> ScanHeader:
        """Header of a PNG / JPEG / TIFF image: no DICOM attributes (all ``None``)."""
        return cls(
            source=ImageSource.IMAGE, modality=Modality.OT, rows=rows, columns=columns,
            n_slices=n_frames, bits_stored=bits, image_format=image_format, image_mode=mode,
            notes=tuple(notes),
        )

    @property
    def transfer_syntax_name(self) -> str | None:
        return UID(self.transfer_syntax).name if self.transfer_syntax else None

    def summary(self) -> dict[str, str]:
        """Printable ``{DICOM keyword: value}`` of the known fields (viewer table, stored row)."""
        eq, d = self.equipment, self.deidentification
        win, resc, px = self.window, self.rescale, self.pixel_spacing
        pairs: list[tuple[str, object]] = [
            ("Format", self.image_format), ("Modality", self.modality.value),
            ("SOPClassUID", UID(self.sop_class_uid).name if self.sop_class_uid else None),
            ("StudyInstanceUID", self.study_uid), ("SeriesInstanceUID", self.series_uid),
            ("FrameOfReferenceUID", self.frame_of_reference_uid),
            ("BodyPartExamined", self.body_part), ("ContrastBolusAgent", self.contrast_agent),
            ("ImageType", "\\".join(self.image_type)), ("Rows", self.rows),
            ("Columns", self.columns), ("NumberOfSlices", self.n_slices if self.n_slices > 1 else None),
            ("PhotometricInterpretation", self.photometric.value if self.photometric else None),
            ("Mode", self.image_mode), ("BitsAllocated", self.bits_allocated),
            ("BitsStored", self.bits_stored), ("TransferSyntax", self.transfer_syntax_name),
            ("PixelSpacing", f"{px[0]:g}\\{px[1]:g}" if px else None),
            ("SliceThickness", self.slice_thickness),
            ("SpacingBetweenSlices", self.spacing_between_slices),
            ("WindowCenter", win[0] if win else None), ("WindowWidth", win[1] if win else None),
            ("RescaleSlope", resc[0] if resc else None),
            ("RescaleIntercept", resc[1] if resc else None), ("RescaleType", self.rescale_type),
            ("PatientPosition", self.patient_position), ("Laterality", self.laterality),
            ("ViewPosition", self.view_position),
            ("LossyImageCompression", None if self.lossy_compression is None
             else ("01" if self.lossy_compression else "00")),
            ("Manufacturer", eq.manufacturer), ("ManufacturerModelName", eq.model_name),
            ("ConvolutionKernel", eq.kernel), ("KVP", eq.kvp), ("XRayTubeCurrent", eq.tube_current_ma),
            ("Exposure", eq.exposure_mas), ("ExposureTime", eq.exposure_time_ms),
            ("MagneticFieldStrength", eq.field_strength_t), ("RepetitionTime", eq.repetition_time_ms),
            ("EchoTime", eq.echo_time_ms),
            ("PatientIdentityRemoved", None if d is None else ("YES" if d.patient_identity_removed else "NO")),
            ("DeidentificationMethod", d.method if d else None),
            ("DeidentificationMethodCodeSequence",
             "; ".join(f"({c.value}, {c.scheme}, {c.meaning})" for c in d.codes) if d else None),
        ]
        return {k: (f"{v:g}" if isinstance(v, float) else str(v))[:128]
                for k, v in pairs if v is not None and v != ""}


# ---------------------------------------------------------------- value helpers ---
def values(value: object) -> list[object]:
    """A DICOM value as a list (empty for None/empty; one item for a single value)."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return list(value)  # type: ignore[call-overload]
    return [value]


def text(value: object) -> str | None:
    """A string value (multi-values joined by "\\"), stripped; ``None`` when empty."""
    out = "\\".join(str(v) for v in values(value)).strip()
    return out or None


def number(value: object) -> float | None:
    """The first value as a finite float, else ``None``."""
    items = values(value)
    try:
        v = float(items[0])  # type: ignore[arg-type]
    except (IndexError, TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def integer(value: object) -> int | None:
    v = number(value)
    return int(v) if v is not None else None


def functional_item(ds: Dataset, seq_kw: str, frame: int | None = None) -> Dataset | None:
    """First item of a functional-group macro (per-frame if given, else shared), PS3.3 C.7.6.16."""
    groups = []
    if frame is not None and "PerFrameFunctionalGroupsSequence" in ds:
        pf = ds.PerFrameFunctionalGroupsSequence
        if frame < len(pf):
            groups.append(pf[frame])
    if "SharedFunctionalGroupsSequence" in ds and len(ds.SharedFunctionalGroupsSequence):
        groups.append(ds.SharedFunctionalGroupsSequence[0])
    for g in groups:
        if seq_kw in g and len(g[seq_kw].value):
            return g[seq_kw].value[0]
    return None


def pixel_spacing(ds: Dataset) -> tuple[float, float] | None:
    """(row, column) spacing in mm: PixelSpacing, ImagerPixelSpacing or the Pixel Measures macro."""
    candidates = [ds.get("PixelSpacing"), ds.get("ImagerPixelSpacing")]
    item = functional_item(ds, "PixelMeasuresSequence", 0)
    if item is not None:
        candidates.append(item.get("PixelSpacing"))
    for value in candidates:
        items = values(value)
        try:
            r, c = float(items[0]), float(items[1])  # type: ignore[arg-type]
        except (IndexError, TypeError, ValueError):
            continue
        if r > 0 and c > 0:
            return (r, c)
    return None


def file_window(ds: Dataset) -> tuple[float, float] | None:
    """The file's first (WindowCenter, WindowWidth), or the Frame VOI LUT macro's; None if absent."""
    c, w = number(ds.get("WindowCenter")), number(ds.get("WindowWidth"))
    if c is None or w is None:
        item = functional_item(ds, "FrameVOILUTSequence", 0)
        if item is not None:
            c, w = number(item.get("WindowCenter")), number(item.get("WindowWidth"))
    if c is None or w is None or w < 1:
        return None
    return (c, w)
