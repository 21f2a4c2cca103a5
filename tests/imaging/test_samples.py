"""Every bundled sample study loads from the installed packages (offline) through the ingest path."""

from __future__ import annotations

import pytest

from medgen.errors import InvalidInputError
from medgen.imaging import load_scans
from medgen.imaging.samples import SAMPLES, sample_files
from medgen.types import Modality

EXPECTED = {
    "CT head slice, 512x512 (HU)": (Modality.CT, (512, 512), True),
    "MR head, 10-frame multi-frame": (Modality.MR, (10, 64, 64), False),
    "CR chest radiograph (MONOCHROME1)": (Modality.CR, (1955, 1841), False),
    "CT small slice, 128x128 (HU)": (Modality.CT, (128, 128), True),
}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.files[0])
def test_sample_loads(sample) -> None:  # type: ignore[no-untyped-def]
    scan = load_scans(sample_files(sample.label))  # what the Viewer's sample button does
    modality, shape, is_hu = EXPECTED[sample.label]
    assert (scan.modality, scan.shape, scan.is_hu) == (modality, shape, is_hu)
    assert scan.header.deidentification is not None
    assert scan.header.deidentification.patient_identity_removed


def test_unknown_sample() -> None:
    with pytest.raises(InvalidInputError, match="Unknown sample"):
        sample_files("nope")
