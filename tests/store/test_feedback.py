from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from medgen.errors import InvalidInputError, StorageError
from medgen.store import feedback, repo, run
from medgen.store.models import AuditEvent, GeneratedOutput, Rating, RatingScore
from medgen.types import OutputKind, UserInfo


def _output(factory: sessionmaker[Session], kind: OutputKind, **kw: object) -> int:
    with factory.begin() as s:
        return repo.record_output(s, kind, model_id=kw.pop("model_id", "m"), **kw)  # type: ignore[arg-type]


def test_criteria_cover_every_kind() -> None:
    assert [c.key for c in feedback.criteria_for("enhancement")] == [
        "noise_reduction",
        "detail_preserved",
        "artefacts_introduced",
    ]
    assert [c.key for c in feedback.criteria_for(OutputKind.REPORT)] == [
        "accuracy",
        "completeness",
        "wording",
    ]
    assert [c.key for c in feedback.criteria_for("education")] == ["accuracy", "clarity", "tone"]


def test_add_and_revise_keeps_history_latest_counts(
    factory: sessionmaker[Session], alice: UserInfo, bob: UserInfo
) -> None:
    out = _output(factory, OutputKind.ENHANCEMENT)
    with factory.begin() as s:
        first = feedback.add_rating(s, alice, out, 2, {"noise_reduction": 2}, " too smooth ")
    with factory.begin() as s:
        second = feedback.add_rating(
            s,
            alice,
            out,
            4,
            {"noise_reduction": 4, "detail_preserved": 5, "artefacts_introduced": None},
        )
        feedback.add_rating(s, bob, out, 5)
    assert (first.revision, second.revision) == (1, 2)
    assert first.comment == "too smooth"
    with factory() as s:
        latest = feedback.get_latest_rating(s, alice.id, out)
        assert latest is not None
        assert latest.id == second.id and latest.overall == 4
        assert dict(latest.scores) == {"noise_reduction": 4, "detail_preserved": 5}
        history = s.scalars(
            select(Rating).where(Rating.user_id == alice.id, Rating.output_id == out).order_by(Rating.revision)
        ).all()
        assert [h.overall for h in history] == [2, 4]
        assert {sc.criterion: sc.score for sc in history[0].scores} == {"noise_reduction": 2}
        bobs = feedback.get_latest_rating(s, bob.id, out)
        assert bobs is not None and (bobs.username, bobs.overall, bobs.revision) == ("bob", 5, 1)
        assert feedback.get_latest_rating(s, bob.id, out + 999) is None
        assert s.scalar(select(func.count(Rating.id))) == 3  # nothing overwritten
        latest = s.scalars(select(Rating.overall).where(Rating.id.in_(feedback.latest_rating_ids())))
        assert sorted(latest) == [4, 5]


@pytest.mark.parametrize(
    ("overall", "scores", "match"),
    [
        (0, {}, "overall rating"),
        (6, {}, "overall rating"),
        (True, {}, "overall rating"),
        (3, {"clarity": 3}, "not a criterion"),  # education criterion on a report
        (3, {"accuracy": 9}, "Accuracy"),
    ],
)
def test_invalid_ratings_are_refused_and_nothing_stored(
    factory: sessionmaker[Session],
    alice: UserInfo,
    overall: int,
    scores: dict[str, int],
    match: str,
) -> None:
    out = _output(factory, OutputKind.REPORT, draft_text="x")
    with pytest.raises(InvalidInputError, match=match), factory.begin() as s:
        feedback.add_rating(s, alice, out, overall, scores)
    with factory() as s:
        assert s.scalar(select(func.count(Rating.id))) == 0
        assert s.scalar(select(func.count(RatingScore.id))) == 0


def test_unknown_output_is_a_clear_error(factory: sessionmaker[Session], alice: UserInfo) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"), factory.begin() as s:
        feedback.add_rating(s, alice, 12345, 3)


def test_database_enforces_score_range(factory: sessionmaker[Session], alice: UserInfo) -> None:
    """The CHECK constraints hold even for code that bypasses add_rating."""
    from sqlalchemy.exc import IntegrityError

    out = _output(factory, OutputKind.REPORT)
    with pytest.raises(IntegrityError), factory.begin() as s:
        s.add(Rating(output_id=out, user_id=alice.id, revision=1, overall=7, comment=""))


def test_add_rating_audits_in_same_transaction(
    factory: sessionmaker[Session], alice: UserInfo
) -> None:
    out = _output(factory, OutputKind.EDUCATION, draft_text="Rest well.")
    fb = run(factory, feedback.add_rating, alice, out, 5, {"tone": 5}, "kind")
    with factory() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "rate")).one()
        assert ev.user_id == alice.id and ev.object_id == str(out)
        assert ev.detail == {"rating_id": fb.id, "revision": 1, "overall": 5}


def test_rating_storage_failure_saves_nothing(
    factory: sessionmaker[Session], alice: UserInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    out = _output(factory, OutputKind.REPORT)

    def broken_audit(*_a: object, **_k: object) -> None:
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))

    monkeypatch.setattr(feedback.repo, "add_audit", broken_audit)
    with pytest.raises(StorageError, match="try again"):
        run(factory, feedback.add_rating, alice, out, 3)
    with factory() as s:  # the rating row was rolled back with the failed audit
        assert s.scalar(select(func.count(Rating.id))) == 0


def test_edit_stats_follow_the_final_text(factory: sessionmaker[Session], alice: UserInfo) -> None:
    out = _output(factory, OutputKind.REPORT, draft_text="Normal chest radiograph.")
    enh = _output(factory, OutputKind.ENHANCEMENT)
    with factory.begin() as s:
        assert feedback.edit_stat(s, out) is None  # not signed yet: no final text
        s.get(GeneratedOutput, out).final_text = "Normal chest radiograph. No effusion."  # type: ignore[union-attr]
    with factory.begin() as s:
        assert feedback.edit_stat(s, out) == (2, 3, 5)
        assert feedback.refresh_edit_stats(s) == 0  # unchanged texts are not recomputed
        s.get(GeneratedOutput, out).final_text = "Normal radiograph."  # type: ignore[union-attr]
    with factory.begin() as s:
        assert feedback.refresh_edit_stats(s) == 1
        assert feedback.edit_stat(s, out) == (1, 3, 2)
        assert feedback.edit_stat(s, enh) is None


@pytest.mark.parametrize(
    ("comment", "ok"),
    [
        ("7 mm nodule missed; wording fine", True),
        ("scores 2-3 in 2026 were better", True),
        ("patient MRN 12345678", False),
        ("call 020 7946 0958", False),
        ("born 12/03/1961", False),
        ("exam 2026-11-25 looked off", False),
        ("ask jane.doe@example.org", False),
    ],
)
def test_comments_with_identifiers_are_refused(
    factory: sessionmaker[Session], alice: UserInfo, comment: str, ok: bool
) -> None:
    out = _output(factory, OutputKind.REPORT)
    if ok:
        run(factory, feedback.add_rating, alice, out, 3, None, comment)
        return
    with pytest.raises(InvalidInputError, match="must not identify a patient"):
        run(factory, feedback.add_rating, alice, out, 3, None, comment)
    with factory() as s:
        assert s.scalar(select(func.count(Rating.id))) == 0
