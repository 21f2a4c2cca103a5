"""End to end in real Chromium against the real throwaway Orthanc of ``.ci/with_orthanc.sh``:
a clinician searches the PACS, opens the seeded multi-slice CT series, enhances a slice on Compare,
sends it back, and the derived series is then found by QIDO-RS in the same study.

    .ci/with_orthanc.sh .venv/bin/python -m pytest tests/e2e/test_pacs.py -q

Skipped without the Orthanc variables, except under CI / MEDGEN_REQUIRE_ORTHANC=1.
Screenshots (the PACS search and the confirmation) go to ``MEDGEN_E2E_SHOTS`` (default: the
test's temp dir).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from medgen.config import DicomwebSettings
from medgen.pacs import PacsClient
from tests.e2e.conftest import serve_app
from tests.e2e.helpers import login, open_page, wait_idle
from tests.pacs import seed

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pacs_settings() -> DicomwebSettings:
    from tests.pacs.conftest import orthanc_settings

    return orthanc_settings()


@pytest.fixture(scope="module")
def pacs_app(
    pacs_settings: DicomwebSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """An app server whose PACS link is the test Orthanc (MEDGEN_DICOMWEB_*)."""
    link = {
        "MEDGEN_DICOMWEB_URL": pacs_settings.url,
        "MEDGEN_DICOMWEB_USER": pacs_settings.user,
        "MEDGEN_DICOMWEB_PASSWORD": pacs_settings.password,
        "MEDGEN_DICOMWEB_TIMEOUT_S": "120",
    }
    with serve_app(tmp_path_factory.mktemp("e2e-pacs"), link) as server:
        yield server


def test_search_open_enhance_send_back(pacs_app, pacs_settings, page, tmp_path):  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("MEDGEN_E2E_SHOTS", str(tmp_path)))
    shots.mkdir(parents=True, exist_ok=True)
    pacs = PacsClient(pacs_settings)
    before = {s.series_uid for s in pacs.list_series(seed.SERIES_STUDY_UID)}

    login(page, pacs_app, role="clinician")
    page.get_by_role("tab", name="PACS").click()
    page.get_by_label("Accession number").fill(seed.SERIES_ACCESSION)
    page.get_by_role("button", name="Search PACS").click()
    open_button = page.get_by_role("button", name="Open series")
    open_button.wait_for(timeout=60_000)
    wait_idle(page)
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for()  # studies, then series table
    page.screenshot(path=str(shots / "pacs_search.png"), full_page=True)

    open_button.click()
    page.get_by_text("PACS: CT series", exact=False).first.wait_for(timeout=120_000)
    page.locator('[data-testid="stImage"] img').first.wait_for(state="visible", timeout=60_000)
    wait_idle(page)

    open_page(page, "Compare")
    page.get_by_text("never instead of", exact=False).first.wait_for()
    page.get_by_role("button", name="Enhance", exact=True).click()
    page.get_by_text(re.compile(r"ms per slice")).first.wait_for(timeout=300_000)
    send = page.get_by_role("button", name="Send to PACS")
    send.wait_for(timeout=60_000)
    send.click()
    confirmation = page.get_by_text("Sent to the PACS", exact=False).first
    confirmation.wait_for(timeout=120_000)
    text = confirmation.inner_text()
    assert "1 image," in text and seed.SERIES_STUDY_DESCRIPTION in text
    wait_idle(page)
    confirmation.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "pacs_sent.png"))

    # QIDO-RS: the derived series is in the same study, DERIVED\SECONDARY, referencing originals
    new = [s for s in pacs.list_series(seed.SERIES_STUDY_UID) if s.series_uid not in before]
    assert len(new) == 1, new
    derived = new[0]
    assert derived.modality == "CT" and derived.n_instances == 1
    assert derived.description.startswith("AI-enhanced")
    (instance,) = pacs.retrieve_series(seed.SERIES_STUDY_UID, derived.series_uid)
    assert list(instance.ImageType)[:2] == ["DERIVED", "SECONDARY"]
    originals = {str(f.dataset().SOPInstanceUID): f.dataset() for f in seed.build_series()}
    ref = instance.SourceImageSequence[0]
    assert ref.ReferencedSOPInstanceUID in originals
    source = originals[ref.ReferencedSOPInstanceUID]
    assert ref.ReferencedSOPClassUID == source.SOPClassUID
    # the derived slice lies where its source slice lies
    assert [float(v) for v in instance.ImagePositionPatient] == pytest.approx(
        [float(v) for v in source.ImagePositionPatient], abs=0.01
    )
    assert instance.PatientID == source.PatientID  # re-identified for the PACS
