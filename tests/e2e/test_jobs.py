"""End to end in real Chromium: a whole-study background job from Compare, found on the Jobs page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.helpers import login, open_page, wait_idle

pytestmark = pytest.mark.e2e

CT_SERIES = ("2062", "2392", "2693")


def test_background_study_job_on_the_jobs_page(app_server, page):  # type: ignore[no-untyped-def]
    from pydicom.data import get_testdata_file

    files = [str(Path(str(get_testdata_file(n, download=False)))) for n in CT_SERIES]
    login(page, app_server, role="clinician")
    page.get_by_role("heading", name="Viewer").wait_for()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
    page.locator('[data-testid="stImage"] img').first.wait_for(state="visible", timeout=60_000)
    open_page(page, "Compare")
    page.get_by_role("button", name="Enhance the whole study in the background").click()
    page.get_by_text(re.compile(r"Background job #\d+ started")).wait_for(timeout=60_000)
    open_page(page, "Jobs")  # leave Compare; the job goes on in the server
    page.get_by_role("heading", name="Jobs").wait_for()
    # the page refreshes itself while the job runs: wait for "done" without reloading
    page.get_by_text(re.compile(r"Job #\d+.*\(done\)")).wait_for(timeout=180_000)
    page.get_by_role("button", name="Download the derived series (DICOM zip)").wait_for()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the derived series (DICOM zip)").click()
    path = info.value.path()
    import zipfile

    with zipfile.ZipFile(path) as zf:
        assert len([n for n in zf.namelist() if n.endswith(".dcm")]) == 3
