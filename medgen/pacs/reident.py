"""Between the PACS and the app: ingest a retrieved series like an upload; put a derived series
back into its source study.

Opening: :func:`upload_files` turns retrieved instances into the ``(name, bytes)`` pairs that
:func:`medgen.imaging.load_scans` takes, so a PACS series goes through the same ingestion path
(and de-identification) as an upload. The names carry no identifier.

Sending back: before ingestion, :meth:`SourceHeader.from_datasets` keeps what is needed to
re-identify a derived series: the original patient, study and frame-of-reference attributes and
the original SOP Class / Instance UIDs with their slice positions. It lives in memory for that
session only (never stored, logged or audited; its ``repr`` shows counts only). The app builds
its derived series from the de-identified scan (new Series and SOP Instance UIDs, replacement
study UID); :func:`reidentify` restores the original study and patient, sets ImageType
``DERIVED\\SECONDARY`` and points each instance's SourceImageSequence at its original slice.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence

#: Attributes restored from the source series: Patient, General Study, Patient Study and Frame
#: of Reference modules (PS3.3 C.7.1.1, C.7.2.1, C.7.2.2, C.7.4.1), and the character set that
#: their text needs.
IDENTITY_KEYWORDS: tuple[str, ...] = (
    "SpecificCharacterSet",
    # Patient
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "IssuerOfPatientIDQualifiersSequence",
    "OtherPatientIDsSequence",
    "PatientBirthDate",
    "PatientBirthTime",
    "PatientSex",
    "PatientComments",
    "EthnicGroup",
    # General Study
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
    "IssuerOfAccessionNumberSequence",
    "StudyDescription",
    "ProcedureCodeSequence",
    # Patient Study
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    # Frame of Reference
    "FrameOfReferenceUID",
    "PositionReferenceIndicator",
)

#: Attributes that describe the de-identification of the app's copy; wrong once re-identified.
DEID_KEYWORDS: tuple[str, ...] = (
    "PatientIdentityRemoved",
    "DeidentificationMethod",
    "DeidentificationMethodCodeSequence",
    "LongitudinalTemporalInformationModified",
)

#: Purpose of reference for SourceImageSequence items (DICOM CID 7202, DCM 121322).
SOURCE_PURPOSE = ("121322", "DCM", "Source image for image processing operation")


@dataclass(frozen=True)
class SourceInstance:
    """One original instance: its UIDs (repr hidden) and where the slice lies."""

    sop_class_uid: str = field(repr=False)
    sop_instance_uid: str = field(repr=False)
    position: tuple[float, float, float] | None
    instance_number: int | None


@dataclass(frozen=True)
class SourceHeader:
    """What re-identifies a derived series; in memory, for one session only.

    ``identity_json`` holds the :data:`IDENTITY_KEYWORDS` attributes of the source series as
    DICOM JSON (PS3.18 F.2). Everything but the counts is kept out of ``repr``.
    """

    study_uid: str = field(repr=False)
    series_uid: str = field(repr=False)
    identity_json: str = field(repr=False)
    sources: tuple[SourceInstance, ...] = field(repr=False)
    n_instances: int = 0

    @classmethod
    def from_datasets(cls, datasets: Sequence[Dataset]) -> SourceHeader:
        """Capture the header of one retrieved series (before it is de-identified).

        Raises
        ------
        ValueError
            No dataset, or datasets of several studies or series.
        """
        if not datasets:
            raise ValueError("SourceHeader needs at least one dataset")
        studies = {str(ds.get("StudyInstanceUID", "")) for ds in datasets}
        series = {str(ds.get("SeriesInstanceUID", "")) for ds in datasets}
        if len(studies) != 1 or len(series) != 1 or "" in studies or "" in series:
            raise ValueError("SourceHeader needs the instances of exactly one series")
        first = datasets[0]
        identity = Dataset()
        for kw in IDENTITY_KEYWORDS:
            if kw in first:
                setattr(identity, kw, copy.deepcopy(first[kw].value))
        sources = tuple(
            SourceInstance(
                sop_class_uid=str(ds.SOPClassUID),
                sop_instance_uid=str(ds.SOPInstanceUID),
                position=_position(ds),
                instance_number=_instance_number(ds),
            )
            for ds in datasets
        )
        return cls(
            study_uid=studies.pop(),
            series_uid=series.pop(),
            identity_json=json.dumps(identity.to_json_dict()),
            sources=sources,
            n_instances=len(sources),
        )

    def identity(self) -> Dataset:
        """The stored attributes as a fresh Dataset."""
        return Dataset.from_json(self.identity_json)


def _position(ds: Dataset) -> tuple[float, float, float] | None:
    value = ds.get("ImagePositionPatient")
    if value is None or len(value) != 3:
        return None
    x, y, z = (float(v) for v in value)
    return (x, y, z)


def _instance_number(ds: Dataset) -> int | None:
    value = ds.get("InstanceNumber")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def dicom_bytes(ds: Dataset) -> bytes:
    """One instance encoded as a DICOM file (preamble and file meta)."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def upload_files(datasets: Sequence[Dataset]) -> list[tuple[str, bytes]]:
    """Retrieved instances as the ``(name, bytes)`` pairs of an upload, for
    :func:`medgen.imaging.load_scans` (names ``pacs-0001.dcm``, ... carry no identifier)."""
    return [(f"pacs-{i + 1:04d}.dcm", dicom_bytes(ds)) for i, ds in enumerate(datasets)]


def _match_sources(derived: Sequence[Dataset], header: SourceHeader) -> list[SourceInstance]:
    """The source instance of each derived instance: same slice position (0.01 mm), else same
    InstanceNumber, else the same index when there is one source and one derived instance."""

    def key(pos: tuple[float, float, float] | None) -> tuple[int, int, int] | None:
        return (
            None if pos is None else (round(pos[0] * 100), round(pos[1] * 100), round(pos[2] * 100))
        )

    by_pos = {key(s.position): s for s in header.sources if s.position is not None}
    by_num = {s.instance_number: s for s in header.sources if s.instance_number is not None}
    out = []
    for ds in derived:
        pos_key = key(_position(ds))
        if pos_key is not None and len(by_pos) == header.n_instances and pos_key in by_pos:
            out.append(by_pos[pos_key])
        elif len(by_num) == header.n_instances and _instance_number(ds) in by_num:
            out.append(by_num[_instance_number(ds)])  # type: ignore[index]
        elif len(derived) == header.n_instances == 1:
            out.append(header.sources[0])
        else:
            raise ValueError(
                "a derived instance matches no source slice (neither position nor instance number)"
            )
    return out


def reidentify(derived: Sequence[Dataset], header: SourceHeader) -> list[Dataset]:
    """Copies of ``derived`` ready to be stored in the source study (STOW-RS).

    Keeps each instance's own Series / SOP Instance UIDs, pixels, geometry and descriptions;
    restores the :data:`IDENTITY_KEYWORDS` of the source (original Study Instance UID, patient
    and study attributes, frame of reference); removes the de-identification marks
    (:data:`DEID_KEYWORDS`); sets ImageType ``DERIVED\\SECONDARY`` and a SourceImageSequence item
    referencing the original instance of the same slice.

    Raises
    ------
    ValueError
        A derived instance cannot be matched to a source slice, or it reuses a source SOP
        Instance UID or the source Series Instance UID.
    """
    sources = _match_sources(derived, header)
    identity = header.identity()
    original_sops = {s.sop_instance_uid for s in header.sources}
    out = []
    for ds, src in zip(derived, sources, strict=True):
        if str(ds.SOPInstanceUID) in original_sops or ds.SeriesInstanceUID == header.series_uid:
            raise ValueError("a derived instance must have new Series and SOP Instance UIDs")
        new = copy.deepcopy(ds)
        for kw in IDENTITY_KEYWORDS:
            # The source had none: no replacement value may stay. A FrameOfReferenceUID the
            # exporter generated for a source without one stays (type 1 in CT; it names nothing).
            if kw in new and kw not in identity and kw != "FrameOfReferenceUID":
                del new[kw]
        for elem in identity:
            new[elem.tag] = copy.deepcopy(elem)
        for kw in DEID_KEYWORDS:
            if kw in new:
                del new[kw]
        image_type = [str(v) for v in (new.get("ImageType") or [])]
        new.ImageType = ["DERIVED", "SECONDARY", *image_type[2:]]
        ref = Dataset()
        ref.ReferencedSOPClassUID = src.sop_class_uid
        ref.ReferencedSOPInstanceUID = src.sop_instance_uid
        purpose = Dataset()
        purpose.CodeValue, purpose.CodingSchemeDesignator, purpose.CodeMeaning = SOURCE_PURPOSE
        ref.PurposeOfReferenceCodeSequence = DicomSequence([purpose])
        new.SourceImageSequence = DicomSequence([ref])
        out.append(new)
    return out
