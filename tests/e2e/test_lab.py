"""Drug-design lab in real Chromium: a researcher samples, filters, sees depictions, downloads SDF, rates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rdkit import Chem
from sqlalchemy import select

from medgen.store import feedback
from medgen.store.db import session_factory
from medgen.store.models import AuditEvent, GeneratedOutput
from tests.e2e.form_helpers import type_into
from tests.e2e.helpers import login, wait_idle

pytestmark = pytest.mark.e2e

MATCH = re.compile(r"(\d+) of (\d+) molecules match the filters")


def _match_counts(page: Any) -> tuple[int, int]:
    text = page.get_by_text(MATCH).inner_text()
    m = MATCH.search(text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def _wait_images(page: Any, n: int) -> None:
    """Wait until exactly ``n`` depictions are on the page (the grid renders progressively)."""
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stImage]').length === n", arg=n, timeout=60_000
    )
    assert page.get_by_test_id("stImage").count() == n


def test_researcher_samples_filters_downloads_and_rates(
    app_server: dict[str, str], page: Any, tmp_path: Path
) -> None:
    login(page, app_server, role="researcher")
    page.get_by_role("heading", name="Drug-design lab").wait_for()  # the researcher's start page
    page.get_by_text("Research use only: generated structures are unverified hypotheses").wait_for()
    nav = page.locator("[data-testid='stSidebarNav']")
    assert nav.get_by_role("link", name="Viewer").count() == 0

    type_into(page, "Molecules (at most 1000)", "40")
    type_into(page, "Seed", "11")
    page.get_by_role("button", name="Generate").click()
    page.get_by_text(MATCH).wait_for(timeout=120_000)
    wait_idle(page)
    shown, total = _match_counts(page)
    assert shown == total > 0
    _wait_images(page, min(total, 48))  # 2-D depictions

    # filter: QED at least 0.6 (every drawn molecule's caption then shows QED >= 0.6)
    page.get_by_text("Filter by property").click()
    type_into(page, "QED min", "0.6")
    wait_idle(page)
    kept, total2 = _match_counts(page)
    assert total2 == total and kept <= total
    _wait_images(page, min(kept, 48))
    qeds = [float(q) for q in re.findall(r"QED (\d\.\d\d)", page.locator("[data-testid='stMain']").inner_text())]
    assert len(qeds) == min(kept, 48) and all(q >= 0.6 for q in qeds), qeds

    assert 0 < kept, "no sampled molecule has QED >= 0.6: choose another seed for this test"
    # SDF download of the filtered molecules
    with page.expect_download() as info:
        page.get_by_role("button", name="Download SDF").click()
    target = tmp_path / "molecules.sdf"
    info.value.save_as(target)
    mols = [m for m in Chem.SDMolSupplier(str(target)) if m is not None]
    assert len(mols) == kept

    # the stored set and its rating
    factory = session_factory(app_server["database_url"])
    with factory() as s:
        out = s.scalars(
            select(GeneratedOutput).where(GeneratedOutput.kind == "molecule_set")
            .order_by(GeneratedOutput.id.desc())
        ).first()
        assert out is not None and out.params["n"] == 40 and out.params["seed"] == 11
        assert len((out.draft_text or "").splitlines()) == total
        out_id, creator = out.id, out.created_by
    page.get_by_text(f"Output #{out_id}").first.wait_for()
    page.locator(f".st-key-rating-{out_id}-overall").get_by_label("4 out of 5 stars").click()
    wait_idle(page)
    page.get_by_test_id("stForm").get_by_role("button", name="Save rating").click()
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="4/5").wait_for()
    with factory() as s:
        fb = feedback.get_latest_rating(s, int(creator or 0), out_id)
        assert fb is not None and fb.overall == 4
        exports = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_id == str(out_id))).all()
        assert [(e.detail["format"], e.detail["molecules"]) for e in exports] == [("sdf", kept)]
