"""End to end in real Chromium: an admin adapts a model to a site, approves it, a clinician sees it.

Its own app server, whose weights folder is a temporary copy (the run publishes a model there).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import serve_app
from tests.e2e.helpers import login, open_page, wait_idle
from tests.ui.test_admin_adapt_page import _site_zips

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
NEW = "site-e2e-v1"


def test_admin_adapts_approves_and_clinician_picks(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    weights = tmp_path / "weights"
    shutil.copytree(ROOT / "weights", weights)
    noisy, clean = _site_zips(tmp_path)
    (tmp_path / "noisy.zip").write_bytes(noisy)
    (tmp_path / "clean.zip").write_bytes(clean)
    data = tmp_path / "data"
    data.mkdir()
    # The workflow is under test here, not the training (tests/enhance/test_adapt.py): G keeps the
    # base weights (lr 0, no warm-up), so the checks accept it whatever the CPU speed; with the
    # shipped config a 0.5-minute run on a fast CPU can end noisier than the base and be refused.
    config = json.loads((ROOT / "medgen/enhance/configs/adapt.json").read_text())
    config.update(lr=0.0, lr_g=0.0, g_warmup_steps=0, rehearsal_weight=0.0)
    (tmp_path / "adapt-e2e.json").write_text(json.dumps(config))
    env = {"MEDGEN_WEIGHTS_DIR": str(weights), "MEDGEN_ADAPT_CONFIG": str(tmp_path / "adapt-e2e.json")}
    with serve_app(data, env) as server:
        ctx = browser.new_context(accept_downloads=True)
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        login(page, server, role="admin")
        open_page(page, "Site adaptation")
        page.get_by_role("heading", name="Site adaptation").wait_for()
        inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        inputs.nth(0).set_input_files(str(tmp_path / "noisy.zip"))
        inputs.nth(1).set_input_files(str(tmp_path / "clean.zip"))
        page.get_by_label("Name of the new model").fill(NEW)
        page.get_by_label("Maximum minutes").fill("0.5")
        page.get_by_role("button", name="Start adaptation").click()
        page.get_by_text(re.compile(r"Adaptation job #\d+ started")).wait_for()
        page.reload()  # leave and come back: the job is still listed, from the database
        page.get_by_role("heading", name="Adaptation jobs").wait_for()
        page.get_by_text(re.compile(rf"{NEW}.*pending")).wait_for(timeout=300_000)
        wait_idle(page)
        page.get_by_role("button", name="Approve for clinicians").click()
        page.get_by_text(re.compile(rf"{NEW}.*approved")).wait_for()
        assert (weights / f"{NEW}.safetensors").is_file()
        ctx.close()

        ctx = browser.new_context()
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        login(page, server, role="clinician")
        page.get_by_role("button", name="Load a sample study").click()
        page.locator('[data-testid="stImage"] img').first.wait_for(state="visible")
        open_page(page, "Compare")
        wait_idle(page)
        page.get_by_test_id("stSelectbox").filter(has_text="Model").click()
        page.get_by_role("option", name=NEW).wait_for()
        ctx.close()
