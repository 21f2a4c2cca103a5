from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from medgen.store.models import AuditEvent
from medgen.types import OutputKind, Role, UserInfo
from tests.store.seed import (
    GAN_V2,
    Seeded,
    point_app_at,
    reset_app_database,
    seed_review_data,
    user,
)

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "review.py")


@pytest.fixture
def seeded(
    migrated_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[sessionmaker[Session], Seeded]]:
    point_app_at(monkeypatch, migrated_url)
    yield session_factory, seed_review_data(session_factory)
    monkeypatch.undo()
    reset_app_database()


def _page(who: UserInfo | None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if who is not None:
        at.session_state["auth.user"] = who
    return at.run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_clinicians_cannot_open_quality_review(seeded) -> None:  # type: ignore[no-untyped-def]
    _, data = seeded
    at = _page(data.clinician)
    assert not at.exception
    assert "cannot open this page" in at.error[0].value
    assert len(at.metric) == 0
    assert "Please sign in" in _page(None).warning[0].value


def test_reviewer_sees_seeded_outputs_and_filters(seeded) -> None:  # type: ignore[no-untyped-def]
    _, data = seeded
    at = _page(data.reviewer)
    assert not at.exception, at.exception
    assert _metrics(at) == {
        "Outputs": "4",
        "Ratings (latest per user)": "5",
        "Mean overall": "3.00 / 5",
    }
    lowest = at.dataframe[0].value
    assert list(lowest["output"])[:2] == [data.enh_v1, data.report]
    # drill-down of the worst output: the image pair and both raters' comments
    assert at.selectbox(key="review.pick").value == data.enh_v1
    assert [im.captions for im in at.image] == [["Before"], ["After (enhanced)"]]
    texts = [t.value for t in at.text]
    assert any("too smooth" in t for t in texts)
    assert any("streaks at the skull base" in t for t in texts)
    # open the report: its text and guard flag
    at.selectbox(key="review.pick").set_value(data.report).run()
    texts = [t.value for t in at.text]
    assert any("7 mm nodule" in t for t in texts)
    assert any("kind: number, text: 7 mm" in t for t in texts)
    assert any("3 word edits" in c.value for c in at.caption)

    # the reviewer rates the report from the drill-down: counted at the next full rerun
    at.feedback[0].set_value(0)  # 1 star
    at.form_submit_button[0].click().run()
    assert "revision 2" in at.success[0].value  # dr_review had rated it 3 before
    at.multiselect(key="review.kinds").set_value([OutputKind.REPORT]).run()
    assert _metrics(at)["Ratings (latest per user)"] == "1"  # dr_review's revision counts once
    assert _metrics(at)["Mean overall"] == "1.00 / 5"

    at.multiselect(key="review.kinds").set_value([OutputKind.ENHANCEMENT]).run()
    assert _metrics(at)["Outputs"] == "2" and _metrics(at)["Ratings (latest per user)"] == "3"
    at.multiselect(key="review.models").set_value([("ct-denoise", GAN_V2)]).run()
    assert _metrics(at)["Ratings (latest per user)"] == "1"
    assert _metrics(at)["Mean overall"] == "5.00 / 5"


def test_csv_export_is_filtered_and_audited(seeded) -> None:  # type: ignore[no-untyped-def]
    factory, data = seeded
    at = _page(data.reviewer)
    at.multiselect(key="review.kinds").set_value([OutputKind.REPORT, OutputKind.EDUCATION]).run()
    assert len(at.get("download_button")) == 0
    at.button(key="review.export").click().run()
    assert not at.exception
    csv_bytes, n, flt, _ = at.session_state["review.csv"]
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode())))
    assert n == len(rows) == 2 and {r["kind"] for r in rows} == {"report", "education"}
    assert len(at.get("download_button")) == 1
    with factory() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert ev.user_id == data.reviewer.id and ev.detail["rows"] == 2
        assert ev.detail["filter"]["kinds"] == ["report", "education"]
    # changing the filter hides the stale download
    at.multiselect(key="review.kinds").set_value([]).run()
    assert len(at.get("download_button")) == 0


def test_database_outage_is_a_clear_message(seeded) -> None:  # type: ignore[no-untyped-def]
    factory, data = seeded
    with factory.begin() as s:
        s.execute(text("ALTER TABLE ratings RENAME TO ratings_away"))
    at = _page(data.reviewer)
    assert not at.exception
    assert "could not be read" in at.error[0].value


def test_empty_database_shows_empty_charts(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medgen.store.db import session_factory

    point_app_at(monkeypatch, migrated_url)
    try:
        with session_factory(migrated_url).begin() as s:
            rev = user(s, "rev_empty", Role.REVIEWER)
        at = _page(rev)
        assert not at.exception
        assert "No generated outputs" in at.info[0].value
        assert _metrics(at)["Mean overall"] == "–"
    finally:
        monkeypatch.undo()
        reset_app_database()


def test_date_range_filters_everything(seeded) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    _, data = seeded
    at = _page(data.reviewer)
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    at.date_input(key="review.dates").set_value((tomorrow, tomorrow + timedelta(days=2))).run()
    assert not at.exception
    assert _metrics(at)["Outputs"] == "0" and _metrics(at)["Ratings (latest per user)"] == "0"
    assert any("No rated outputs match" in c.value for c in at.caption)
