from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from medgen.store import feedback, repo
from medgen.store.models import AuditEvent, GeneratedOutput, Rating
from medgen.types import OutputKind, Role, UserInfo
from tests.store.seed import point_app_at, reset_app_database, user

SCRIPT = str(Path(__file__).with_name("rating_panel_script.py"))


@pytest.fixture
def app_db(
    migrated_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[sessionmaker[Session]]:
    point_app_at(monkeypatch, migrated_url)
    yield session_factory
    monkeypatch.undo()
    reset_app_database()


def _app(output_id: int, kind: OutputKind, who: UserInfo | None) -> AppTest:
    at = AppTest.from_file(SCRIPT, default_timeout=30)
    at.session_state["test.output_id"] = output_id
    at.session_state["test.kind"] = kind
    if who is not None:
        at.session_state["auth.user"] = who
    return at.run()


def _setup(factory: sessionmaker[Session], kind: OutputKind, **kw: object) -> tuple[UserInfo, int]:
    with factory.begin() as s:
        clin = user(s, "dr_panel", Role.CLINICIAN)
        out = repo.record_output(s, kind, model_id="m", user=clin, **kw)  # type: ignore[arg-type]
    return clin, out


def test_signed_out_users_are_asked_to_sign_in(app_db: sessionmaker[Session]) -> None:
    _, out = _setup(app_db, OutputKind.REPORT)
    at = _app(out, OutputKind.REPORT, None)
    assert not at.exception
    assert any("Sign in" in c.value for c in at.caption)
    assert len(at.feedback) == 0


def test_rate_then_revise_keeps_history(app_db: sessionmaker[Session]) -> None:
    clin, out = _setup(app_db, OutputKind.ENHANCEMENT)
    at = _app(out, OutputKind.ENHANCEMENT, clin)
    assert not at.exception
    assert [w.label for w in at.segmented_control] == [
        "Noise reduction",
        "Detail preserved",
        "Artefacts introduced",
    ]
    at.form_submit_button[0].click().run()  # no stars chosen yet
    assert "overall rating" in at.warning[0].value
    at.feedback[0].set_value(3)  # 4 stars (0-based)
    at.segmented_control[0].set_value(5)
    at.segmented_control[2].set_value(2)
    at.text_input[0].input("slight streaks")
    at.form_submit_button[0].click().run()
    assert not at.exception and "saved" in at.success[0].value
    with app_db() as s:
        fb = feedback.get_latest_rating(s, clin.id, out)
        assert fb is not None and fb.overall == 4 and fb.comment == "slight streaks"
        assert dict(fb.scores) == {"noise_reduction": 5, "artefacts_introduced": 2}
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "rate")) == 1

    # a fresh session (page reload) shows the saved rating, and saving again is a revision
    at = _app(out, OutputKind.ENHANCEMENT, clin)
    assert at.feedback[0].value == 3 and at.segmented_control[0].value == 5
    assert at.text_input[0].value == "slight streaks"
    assert at.form_submit_button[0].label == "Revise rating"
    at.feedback[0].set_value(1)
    at.form_submit_button[0].click().run()
    assert "revision 2" in at.success[0].value
    with app_db() as s:
        revisions = s.scalars(select(Rating).where(Rating.output_id == out).order_by(Rating.revision))
        assert [r.overall for r in revisions] == [4, 2]


def test_database_failure_keeps_inputs_for_retry(app_db: sessionmaker[Session]) -> None:
    clin, out = _setup(app_db, OutputKind.EDUCATION, draft_text="Rest and drink water.")
    at = _app(out, OutputKind.EDUCATION, clin)
    at.feedback[0].set_value(4)
    at.segmented_control[1].set_value(3)  # clarity
    at.text_input[0].input("good tone")
    with app_db.begin() as s:  # the database loses the ratings table under the app's feet
        s.execute(text("ALTER TABLE ratings RENAME TO ratings_away"))
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert "could not be saved" in at.error[0].value
    assert at.feedback[0].value == 4 and at.segmented_control[1].value == 3
    assert at.text_input[0].value == "good tone"
    with app_db.begin() as s:
        assert s.scalar(select(func.count(AuditEvent.id))) == 0  # nothing half-stored
        s.execute(text("ALTER TABLE ratings_away RENAME TO ratings"))
    at.form_submit_button[0].click().run()  # retry with the same inputs
    assert not at.error and "saved" in at.success[0].value
    with app_db() as s:
        assert s.scalar(select(func.count(Rating.id))) == 1


def test_text_outputs_show_draft_to_final_edit_distance(app_db: sessionmaker[Session]) -> None:
    clin, out = _setup(app_db, OutputKind.REPORT, draft_text="No acute findings.")
    with app_db.begin() as s:
        s.get(GeneratedOutput, out).final_text = "No acute intracranial findings."  # type: ignore[union-attr]
    at = _app(out, OutputKind.REPORT, clin)
    assert any("1 word edits (3 → 4 words)" in c.value for c in at.caption)
