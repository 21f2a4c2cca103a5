"""Quality Review in real Chromium: seeded ratings are counted in charts and table; CSV download."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest

from medgen.store.db import session_factory
from medgen.store.review import model_label
from medgen.types import Role
from tests.store.seed import GAN_V1, Seeded, seed_review_data

pytestmark = pytest.mark.e2e


def check_quality_review(page: Any, data: Seeded, tag: str, download_dir: Path) -> None:
    """Drive the Quality Review page (already signed in as a reviewer, page open)."""
    label = model_label(f"ct-denoise{tag}", GAN_V1)
    page.get_by_role("heading", name="Quality review").wait_for()
    # narrow to the seeded model version (the e2e database is shared with other tests)
    page.get_by_test_id("stMultiSelect").filter(has_text="Model version").click()
    page.get_by_role("option", name=label).click()
    page.keyboard.press("Escape")
    metrics = page.get_by_test_id("stMetric")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetric]')]"
        ".some(m => m.innerText.includes('1.50 / 5'))"
    )
    texts = {t.split("\n")[0]: t.split("\n")[-1] for t in metrics.all_inner_texts()}
    assert texts == {
        "Outputs": "1",
        "Ratings (latest per user)": "2",
        "Mean overall": "1.50 / 5",
    }
    # the charts are drawn for the seeded model (plotly renders its label into the SVG)
    assert page.locator(".js-plotly-plot").filter(has_text=label).count() >= 2
    # lowest-rated table + drill-down: the seeded output, its image pair and both comments
    pick = page.get_by_test_id("stSelectbox").filter(has_text="Open an output")
    shown = pick.get_by_role("combobox").input_value()
    assert shown.startswith(f"#{data.enh_v1} · enhancement · {label}"), shown
    page.get_by_text("too smooth").wait_for()
    page.get_by_text("streaks at the skull base").wait_for()
    assert page.get_by_test_id("stImage").count() == 2
    # CSV export of the filtered feedback
    page.get_by_role("button", name="Prepare CSV of the filtered feedback").click()
    button = page.get_by_role("button", name="Download CSV (2 ratings)")
    with page.expect_download() as info:
        button.click()
    target = download_dir / "feedback.csv"
    info.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {(r["output_id"], r["rater"], r["overall"]) for r in rows} == {
        (str(data.enh_v1), f"dr_clin{tag}", "1"),
        (str(data.enh_v1), f"dr_review{tag}", "2"),
    }


def test_reviewer_sees_seeded_feedback_and_downloads_csv(
    app_server: dict[str, str], page: Any, tmp_path: Path
) -> None:
    try:
        from tests.e2e.helpers import login
    except ImportError:
        pytest.skip("login helper not merged yet")
    tag = f"_{uuid.uuid4().hex[:6]}"
    data = seed_review_data(session_factory(app_server["database_url"]), tag=tag)
    login(page, app_server, role=Role.REVIEWER)
    page.get_by_role("link", name="Quality review").click()
    check_quality_review(page, data, tag, tmp_path)
