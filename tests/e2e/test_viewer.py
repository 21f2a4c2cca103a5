"""Real Chromium: sign in as a clinician, upload a real DICOM file, see the image and metadata."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import login
from tests.imaging.conftest import path_of

pytestmark = pytest.mark.e2e


def test_upload_dicom_shows_image_and_metadata(app_server: dict[str, str], page) -> None:  # type: ignore[no-untyped-def]
    login(page, app_server, role="clinician")
    page.get_by_role("heading", name="Viewer").wait_for()
    dicom = path_of("CT_small.dcm")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(dicom))

    image = page.locator('[data-testid="stImage"] img').first
    image.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=\"stImage\"] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert image.evaluate("i => i.naturalWidth") == 128  # the 128x128 CT slice, not a placeholder

    table = page.locator('[data-testid="stTable"]')
    table.wait_for()
    text = table.inner_text()
    assert "PatientIdentityRemoved" in text and "YES" in text
    assert "CT Image Storage" in text
    assert "CompressedSamples" not in text  # the original patient name is never shown
    assert page.get_by_text("Window preset").is_visible()
