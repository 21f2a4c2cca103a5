"""Entry points: bytes -> de-identified Scan (:func:`load_scan`, :func:`load_scans`).

Every failure is a :class:`medgen.errors.MedgenError` whose message tells the clinician what to
do; any other exception escaping a decoder is converted at this boundary (and counted as a bug
in the log by type only, never with file names or header values).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import TypeVar

from medgen.errors import FileTooLargeError, InvalidInputError, UnsupportedFileError
from medgen.imaging import archive, dicom, raster
from medgen.imaging.assemble import scan_from_datasets
from medgen.imaging.scan import Scan

log = logging.getLogger(__name__)

T = TypeVar("T")

_IMAGE_EXT = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}

#: Most files accepted in one series upload (after unpacking zips).
MAX_FILES = archive.MAX_ENTRIES


def _limit(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    from medgen.config import get_settings

    return get_settings().max_upload_bytes


def _display_name(filename: str) -> str:
    name = PurePosixPath(str(filename).replace("\\", "/")).name or "the file"
    return name[:80]


def _guarded(fn: Callable[[], T], filename: str) -> T:
    return dicom.guarded(fn, filename, f"{filename} could not be read: its content is damaged or in "
                         "an unexpected layout. Export it again and upload the new copy.", bug=True)


def _check_size(data: bytes, name: str, max_bytes: int) -> None:
    if len(data) == 0:
        raise InvalidInputError(f"{name} is empty (0 bytes). Check the export and upload it again.")
    if len(data) > max_bytes:
        raise FileTooLargeError(
            f"{name} is {len(data) / 2**20:.1f} MB, over the upload limit of "
            f"{max_bytes / 2**20:.0f} MB. Upload a smaller file or split the series."
        )


def load_scan(data: bytes, filename: str, *, max_bytes: int | None = None) -> Scan:
    """Read one uploaded file: DICOM (single or multi-frame), PNG/JPEG/TIFF, or a .zip series.

    Parameters
    ----------
    data : bytes
        The uploaded bytes (never written to disk).
    filename : str
        The name as uploaded; used only to pick the format and in messages.
    max_bytes : int, optional
        Upload limit; default ``Settings.max_upload_bytes``.

    Raises
    ------
    medgen.errors.InvalidInputError
        (or a subclass) with a message a clinician can act on.
    """
    name = _display_name(filename)
    _check_size(data, name, _limit(max_bytes))
    if archive.is_zip(data):
        return load_scans([(filename, data)], max_bytes=max_bytes)

    def run() -> Scan:
        if not dicom.has_dicom_preamble(data) and raster.looks_like_image(data):
            return raster.load_raster(data, name)
        ext = PurePosixPath(name.lower()).suffix
        if ext in _IMAGE_EXT:
            raise UnsupportedFileError(
                f"{name} is named like an image but its content is not PNG, JPEG or TIFF. "
                "Save it again in one of these formats, or upload the DICOM file."
            )
        ds = dicom.read_dataset(data, name)
        return scan_from_datasets([(name, ds)])

    return _guarded(run, name)


def load_scans(files: Sequence[tuple[str, bytes]], *, max_bytes: int | None = None) -> Scan:
    """Read several uploaded files (and/or .zip archives) as one series -> a 3-D Scan.

    One file in total behaves like :func:`load_scan`. Several files must be single-frame DICOM
    slices of one series; they are sorted by position along the slice normal, then
    InstanceNumber.
    """
    if not files:
        raise InvalidInputError("No file was uploaded. Choose DICOM, PNG, JPEG, TIFF or .zip files.")
    limit = _limit(max_bytes)
    expanded: list[tuple[str, bytes]] = []
    for filename, data in files:
        name = _display_name(filename)
        _check_size(data, name, limit)
        if archive.is_zip(data):
            expanded.extend(archive.extract_zip(data, name))
        else:
            expanded.append((filename, data))
        if len(expanded) > MAX_FILES:
            raise FileTooLargeError(
                f"More than {MAX_FILES} files were uploaded at once. Upload one series at a time."
            )
    if len(expanded) == 1:
        fname, fdata = expanded[0]
        if archive.is_zip(fdata):
            raise InvalidInputError("Nested zip archives are not accepted.")
        return load_scan(fdata, fname, max_bytes=limit)

    def run() -> Scan:
        items = []
        for fname, fdata in expanded:
            name = _display_name(fname)
            if len(fdata) == 0:
                raise InvalidInputError(f"{name} is empty (0 bytes). Remove it and try again.")
            if not dicom.has_dicom_preamble(fdata) and raster.looks_like_image(fdata):
                raise InvalidInputError(
                    f"{name} is a plain image; several files can only be combined when they are "
                    "DICOM slices of one series. Upload the image on its own."
                )
            items.append((name, dicom.read_dataset(fdata, name)))
        return scan_from_datasets(items)

    return _guarded(run, f"The {len(expanded)} uploaded files")
