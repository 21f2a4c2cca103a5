"""Quality Review in real Chromium: seeded ratings are counted in charts and table; CSV download."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from medgen.store.db import session_factory
from medgen.store.review import model_label
from medgen.types import Role
from tests.e2e.helpers import wait_idle
from tests.store.seed import GAN_V1, Seeded, seed_review_data

pytestmark = pytest.mark.e2e


def _choose_model(page: Any, label: str) -> None:
    """Add a model version to the filter (typing narrows the long, virtualised option list)."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Model version")
    box.get_by_role("combobox").click()
    box.get_by_role("combobox").fill(label)
    page.get_by_role("option", name=label, exact=True).click()


def check_quality_review(page: Any, data: Seeded, tag: str, download_dir: Path) -> None:
    """Drive the Quality Review page (already signed in as a reviewer, page open)."""
    label = model_label(f"ct-denoise{tag}", GAN_V1)
    page.get_by_role("heading", name="Quality review").wait_for()
    # narrow to the seeded model version (the e2e database is shared with other tests)
    _choose_model(page, label)
    page.keyboard.press("Escape")
    _wait_metrics(
        page, {"Outputs": "1", "Ratings (latest per user)": "2", "Mean overall": "1.50 / 5"}
    )
    # the charts are drawn for the seeded model (plotly renders its label into the SVG)
    page.locator(".js-plotly-plot").filter(has_text=label).nth(1).wait_for()
    assert page.locator(".js-plotly-plot").filter(has_text=label).count() >= 2
    # lowest-rated table + drill-down: the seeded output, its image pair and both comments
    pick = page.get_by_test_id("stSelectbox").filter(has_text="Open an output")
    shown = pick.get_by_role("combobox").input_value()
    assert shown.startswith(f"#{data.enh_v1} · enhancement · {label}"), shown
    page.get_by_text("too smooth").wait_for()
    page.get_by_text("streaks at the skull base").wait_for()
    page.get_by_test_id("stImage").nth(1).wait_for()
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


def _metric_texts(page: Any) -> dict[str, str]:
    texts = page.get_by_test_id("stMetric").all_inner_texts()
    return {t.split("\n")[0]: t.split("\n")[-1] for t in texts}


def _wait_metrics(page: Any, expected: dict[str, str]) -> None:
    """Wait until the metric row shows ``expected`` (reruns render progressively), then check."""
    try:
        page.wait_for_function(
            """exp => {
                const got = {};
                for (const m of document.querySelectorAll('[data-testid=stMetric]')) {
                    const lines = m.innerText.split('\\n');
                    got[lines[0]] = lines[lines.length - 1];
                }
                return Object.keys(exp).every(k => got[k] === exp[k]);
            }""",
            arg=expected,
            timeout=20_000,
        )
    finally:
        assert _metric_texts(page) == expected


def rate_each_kind_in_drill_down(page: Any, data: Seeded, tag: str) -> None:
    """Rate an enhanced image, a report and a patient text from the drill-down's rating panel,
    then see the new ratings counted (continues from :func:`check_quality_review`)."""
    _choose_model(page, f"smollm2-135m{tag}")
    page.keyboard.press("Escape")
    # v1 + the text model: (1 + 2 + 3 + 4) / 4
    _wait_metrics(
        page, {"Outputs": "3", "Ratings (latest per user)": "4", "Mean overall": "2.50 / 5"}
    )
    for output_id, stars in ((data.enh_v1, 4), (data.report, 2), (data.education, 5)):
        pick = page.get_by_test_id("stSelectbox").filter(has_text="Open an output")
        pick.get_by_role("combobox").click()
        pick.get_by_role("combobox").fill(f"#{output_id} ·")
        page.get_by_role("option", name=re.compile(rf"^#{output_id} ·")).click()
        wait_idle(page)  # the drill-down of the chosen output has replaced the previous one
        # the stars of this output's panel (keyed widgets carry a st-key-<key> class)
        page.locator(f".st-key-rating-{output_id}-overall").get_by_label(
            f"{stars} out of 5 stars"
        ).click()
        wait_idle(page)
        page.get_by_test_id("stForm").get_by_role("button", name="Save rating").click()
        page.get_by_test_id("stAlertContentSuccess").filter(has_text=f"{stars}/5").wait_for()
    page.get_by_text("Include earlier revisions").click()  # any widget outside the panel reruns all
    # latest ratings: enh_v1 1, 2, 4; report 3, 2; education 4, 5 -> 21 / 7
    _wait_metrics(
        page, {"Outputs": "3", "Ratings (latest per user)": "7", "Mean overall": "3.00 / 5"}
    )


def test_reviewer_sees_seeded_feedback_and_downloads_csv(
    app_server: dict[str, str], page: Any, tmp_path: Path
) -> None:
    from tests.e2e.helpers import login

    tag = f"_{uuid.uuid4().hex[:6]}"
    data = seed_review_data(session_factory(app_server["database_url"]), tag=tag)
    login(page, app_server, role=Role.REVIEWER)
    page.get_by_role("link", name="Quality review").click()
    check_quality_review(page, data, tag, tmp_path)
    rate_each_kind_in_drill_down(page, data, tag)
