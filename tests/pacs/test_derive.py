"""The derived series of "Send to PACS" (medgen.pacs.derive) for a whole series on the real
Orthanc: every slice re-identified, referencing its own original, stored and found back."""

from __future__ import annotations

import numpy as np
import pytest

from medgen.imaging import load_scans
from medgen.pacs import PacsClient, SourceHeader, upload_files
from medgen.pacs.derive import derivation_description, derived_for_pacs, series_description
from tests.pacs import seed


def test_descriptions_name_model_strength_and_review_use() -> None:
    text = derivation_description("ldct-gan-v1", "ab" * 32, "medium (52 %)")
    assert "AI-enhanced" in text and "ldct-gan-v1" in text and "strength medium (52 %)" in text
    assert "alongside the original series, never instead of it" in text
    assert "strength" not in derivation_description("ldct-gan-v1", "ab" * 32, None)
    assert len(series_description("a-very-long-model-identifier-" * 3)) == 64


def test_whole_series_derived_reidentified_stored(pacs: PacsClient) -> None:
    originals = pacs.retrieve_series(seed.SERIES_STUDY_UID, seed.SERIES_UID)
    header = SourceHeader.from_datasets(originals)
    scan = load_scans(upload_files(originals))  # de-identified, sorted by position
    assert scan.header.study_uid != seed.SERIES_STUDY_UID
    enhanced = scan.pixels - 7.0  # a known change in HU
    slices = list(range(scan.n_slices))
    derived = derived_for_pacs(scan, slices, enhanced, model_id="ldct-gan-v1",
                               model_version="cd" * 32, header=header, strength="80 %")
    by_uid = {str(ds.SOPInstanceUID): ds for ds in originals}
    assert len(derived) == seed.SERIES_SLICES
    assert len({str(ds.SeriesInstanceUID) for ds in derived}) == 1
    for k, ds in enumerate(derived):
        assert ds.StudyInstanceUID == seed.SERIES_STUDY_UID and ds.AccessionNumber == "MGT0001"
        assert "PatientIdentityRemoved" not in ds
        src = by_uid[ds.SourceImageSequence[0].ReferencedSOPInstanceUID]
        assert [float(v) for v in ds.ImagePositionPatient] == pytest.approx(
            [float(v) for v in src.ImagePositionPatient], abs=0.01)
        hu = src.pixel_array * float(src.RescaleSlope) + float(src.RescaleIntercept)
        np.testing.assert_allclose(ds.pixel_array, np.rint(enhanced[k]), atol=0.5)
        np.testing.assert_allclose(ds.pixel_array, hu - 7.0, atol=1.0)
        assert "strength 80 %" in ds.DerivationDescription
    result = pacs.store_instances(derived, study_uid=header.study_uid)
    assert result.n_stored == seed.SERIES_SLICES
    back = pacs.retrieve_series(seed.SERIES_STUDY_UID, result.series_uids[0])
    assert {str(ds.SourceImageSequence[0].ReferencedSOPInstanceUID) for ds in back} == set(by_uid)
    assert all(list(ds.ImageType)[:2] == ["DERIVED", "SECONDARY"] for ds in back)
