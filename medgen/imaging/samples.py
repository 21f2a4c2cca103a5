"""Bundled sample studies: real DICOM files shipped by pydicom and the pydicom-data package.

They are read from the installed packages (``get_testdata_file(..., download=False)``), never
downloaded, and go through the same ingest path as an upload (de-identification included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from medgen.errors import InvalidInputError


@dataclass(frozen=True)
class Sample:
    """A sample study: label shown to the user, the test-data file names, and where they come from."""

    label: str
    files: tuple[str, ...]
    source: str


SAMPLES: tuple[Sample, ...] = (
    Sample("CT head slice, 512x512 (HU)", ("693_UNCR.dcm",), "pydicom-data (CQ500 CT)"),
    Sample("MR head, 10-frame multi-frame", ("emri_small.dcm",), "pydicom test files"),
    Sample("CR chest radiograph (MONOCHROME1)", ("RG1_UNCR.dcm",), "pydicom-data"),
    Sample("CT small slice, 128x128 (HU)", ("CT_small.dcm",), "pydicom test files"),
)


def sample_path(name: str) -> Path:
    """Local path of a bundled test file (never downloads)."""
    from pydicom.data import get_testdata_file

    try:
        path = get_testdata_file(name, download=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise InvalidInputError(f"The sample file {name} is not installed (pydicom-data).") from exc
    if not path:
        raise InvalidInputError(f"The sample file {name} is not installed (pydicom-data).")
    return Path(str(path))


def sample_files(label: str) -> list[tuple[str, bytes]]:
    """``[(name, bytes)]`` of the sample with this label."""
    for s in SAMPLES:
        if s.label == label:
            return [(n, sample_path(n).read_bytes()) for n in s.files]
    raise InvalidInputError(f"Unknown sample {label!r}; choose one from the list.")
