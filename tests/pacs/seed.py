"""Real test DICOM for the throwaway Orthanc of ``.ci/with_orthanc.sh``.

    python -m tests.pacs.seed --orthanc http://127.0.0.1:PORT --user medgen --password-env VAR

Seeds, through Orthanc's own REST API (``POST /instances``, not through medgen.pacs):

- three real single-slice studies, unchanged: pydicom's ``CT_small.dcm`` (CT, 2004-01-19),
  ``MR_small.dcm`` (MR, 2004-08-26) and pydicom-data's ``explicit_VR-UN.dcm`` (Pancreas-CT, CT,
  2015-11-24, JPEG 2000 lossless);
- one multi-slice CT series. No real multi-slice CT series installs offline as DICOM (Debian
  ``invesalius-examples`` ships its head CT as an InVesalius project, not DICOM), so, as
  bench/ingest.py does, the series is built from the real 512x512 slice pydicom-data
  ``693_UNCR.dcm`` (CQ500-CT-310): :data:`SERIES_SLICES` copies with distinct
  ImagePositionPatient (2.5 mm apart), InstanceNumber, SOP Instance UIDs and pixel offsets, in a
  study of its own whose Study/Series Instance UIDs, AccessionNumber, StudyDate and
  StudyDescription are set here (693_UNCR has no accession number or study date).

Everything is deterministic, so the tests rebuild the same datasets to compare what the server
returns with what was seeded.
"""

from __future__ import annotations

import argparse
import base64
import copy
import io
import json
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

#: Real single-slice files seeded unchanged: (file name, what the tests know about them).
SINGLE_FILES: tuple[str, ...] = ("CT_small.dcm", "MR_small.dcm", "explicit_VR-UN.dcm")
#: Source slice of the multi-slice series and the number of slices.
SERIES_SOURCE = "693_UNCR.dcm"
SERIES_SLICES = 12
#: Identifiers of the built series' study (set by this seed, see the module docstring).
SERIES_STUDY_UID = generate_uid(entropy_srcs=["medgen-test", "series-study"])
SERIES_UID = generate_uid(entropy_srcs=["medgen-test", "series"])
SERIES_ACCESSION = "MGT0001"
SERIES_STUDY_DATE = "20230314"
SERIES_STUDY_DESCRIPTION = "Head CT (seeded multi-slice test series)"


@dataclass(frozen=True)
class SeedFile:
    """One seeded instance: a name for messages and its encoded bytes."""

    name: str
    data: bytes

    def dataset(self) -> Dataset:
        return pydicom.dcmread(io.BytesIO(self.data))


def _path(name: str) -> Path:
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    if not found:
        raise FileNotFoundError(f"test file {name} is not installed (pydicom / pydicom-data)")
    return Path(str(found))


def build_series(n: int = SERIES_SLICES) -> list[SeedFile]:
    """The multi-slice CT series built from the real slice 693_UNCR (see module docstring)."""
    base = pydicom.dcmread(_path(SERIES_SOURCE))
    raw = base.pixel_array.astype(np.int32)
    info = np.iinfo(base.pixel_array.dtype)
    out = []
    for k in range(n):
        ds = copy.deepcopy(base)
        x, y, z = (float(v) for v in base.ImagePositionPatient)
        ds.StudyInstanceUID = SERIES_STUDY_UID
        ds.SeriesInstanceUID = SERIES_UID
        ds.AccessionNumber = SERIES_ACCESSION
        ds.StudyDate = SERIES_STUDY_DATE
        ds.StudyDescription = SERIES_STUDY_DESCRIPTION
        ds.ImagePositionPatient = [x, y, z + 2.5 * k]
        ds.InstanceNumber = k + 1
        ds.SOPInstanceUID = generate_uid(entropy_srcs=["medgen-test", "series-slice", str(k)])
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        pixels = np.clip(raw + 5 * k, info.min, info.max).astype(base.pixel_array.dtype)
        ds.PixelData = pixels.tobytes()
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        out.append(SeedFile(f"{SERIES_SOURCE}#{k + 1}", buf.getvalue()))
    return out


def seed_files() -> list[SeedFile]:
    """Every seeded instance, in upload order."""
    singles = [SeedFile(name, _path(name).read_bytes()) for name in SINGLE_FILES]
    return singles + build_series()


def single(name: str) -> Dataset:
    """The seeded dataset of one of :data:`SINGLE_FILES`."""
    return pydicom.dcmread(_path(name))


def upload(base: str, user: str, password: str) -> int:
    """POST every seed file to Orthanc's REST API; returns the number stored."""
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    stored = 0
    for item in seed_files():
        req = urllib.request.Request(
            f"{base.rstrip('/')}/instances",
            data=item.data,
            method="POST",
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/dicom"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            status = json.loads(resp.read()).get("Status")
        if status not in ("Success", "AlreadyStored"):
            raise RuntimeError(f"Orthanc did not store {item.name}: {status}")
        stored += 1
    return stored


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orthanc", required=True, help="Orthanc base URL (REST API root)")
    ap.add_argument("--user", required=True)
    ap.add_argument(
        "--password-env", required=True, help="environment variable holding the password"
    )
    args = ap.parse_args(argv)
    n = upload(args.orthanc, args.user, os.environ[args.password_env])
    sys.stdout.write(
        f"Seeded {n} instances: {', '.join(SINGLE_FILES)} and a {SERIES_SLICES}-slice CT series "
        f"built from {SERIES_SOURCE}\n"
    )


if __name__ == "__main__":
    main()
