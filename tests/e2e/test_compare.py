"""End to end in real Chromium: sign in, load a sample CT in the Viewer, enhance it on Compare."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import login, open_page

pytestmark = pytest.mark.e2e


def test_enhance_sample_ct_and_compare(app_server, page):  # type: ignore[no-untyped-def]
    login(page, app_server, role="clinician")
    page.get_by_role("button", name="Load a sample study").click()
    page.locator('[data-testid="stImage"] img').first.wait_for(state="visible", timeout=60_000)
    open_page(page, "Compare")
    page.get_by_text("never instead of", exact=False).first.wait_for()
    # the shipped input guard judges the sample before anything runs, and the strength control
    # offers the presets with Medium as the default
    page.get_by_text(re.compile(r"This image is within .*guard score [\d.]+; threshold [\d.]+")).first.wait_for(
        timeout=60_000
    )
    page.get_by_text("Strength", exact=True).first.wait_for()
    page.get_by_text("Medium", exact=True).first.wait_for()
    page.get_by_role("button", name="Enhance", exact=True).click()
    page.get_by_text(re.compile(r"ms per slice")).first.wait_for(timeout=180_000)
    # the page is still rendering below the timing line: wait for each part, do not count early
    page.get_by_role("button", name=re.compile("Download enhanced DICOM")).wait_for()
    page.get_by_role("button", name=re.compile("Download enhanced PNG")).wait_for()
    for text in ("Original", "Enhanced", "Removed noise", "Line profile", "ROI statistics"):
        page.get_by_text(text, exact=False).first.wait_for()
    # both images of the side-by-side view are real 512x512 renderings
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
        ".filter(i => i.complete && i.naturalWidth >= 512).length >= 2"
    )
