"""Audit trail: filtered queries, CSV export, and the append-only guard."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.orm import Session

from medgen.store import audit
from medgen.store.db import make_engine
from medgen.store.models import AuditEvent, User
from medgen.store.repo import add_audit
from medgen.types import AuditAction, ObjectType, Role, UserInfo

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def trail(session_factory):  # type: ignore[no-untyped-def]
    """Two users and six events over three days."""
    with session_factory.begin() as s:
        s.add_all([User(username="carol", role="clinician"), User(username="rita", role="reviewer")])
        s.flush()
        ids = {u.username: u.id for u in s.scalars(select(User))}
    carol = UserInfo(ids["carol"], "carol", "Carol", Role.CLINICIAN)
    rita = UserInfo(ids["rita"], "rita", "Rita", Role.REVIEWER)
    rows = [
        (0, AuditAction.LOGIN, carol, "ok", {}),
        (1, AuditAction.UPLOAD, carol, "ok", {"study": "2.25.1"}),
        (25, AuditAction.GENERATE, carol, "error", {"model": "smollm2"}),
        (26, AuditAction.LOGIN, rita, "ok", {}),
        (49, AuditAction.RATE, rita, "ok", {"stars": 4}),
        (50, AuditAction.LOGIN_FAILED, None, "denied", {"reason": "unknown_user"}),
    ]
    with session_factory.begin() as s:
        for hours, action, user, outcome, detail in rows:
            add_audit(s, action, user=user, object_type=ObjectType.USER, object_id=hours, outcome=outcome, detail=detail)
            (pending,) = [o for o in s.new if isinstance(o, AuditEvent)]
            pending.at = T0 + timedelta(hours=hours)  # placed in time before it is first written
            s.flush()
    return carol, rita


def test_filters(session_factory, trail) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        every = audit.query_events(s)
        assert [e.object_id for e in every] == ["50", "49", "26", "25", "1", "0"]  # newest first
        day2 = audit.query_events(s, audit.AuditFilter(start=T0 + timedelta(hours=24), end=T0 + timedelta(hours=48)))
        assert [e.action for e in day2] == ["login", "generate"]
        assert {e.username for e in audit.query_events(s, audit.AuditFilter(username="rita"))} == {"rita"}
        logins = audit.query_events(s, audit.AuditFilter(action=AuditAction.LOGIN))
        assert [e.username for e in logins] == ["rita", "carol"]
        errors = audit.query_events(s, audit.AuditFilter(outcome="error"))
        assert [(e.action, e.detail) for e in errors] == [("generate", {"model": "smollm2"})]
        both = audit.query_events(s, audit.AuditFilter(username="carol", action="upload"))
        assert len(both) == 1 and both[0].at == T0 + timedelta(hours=1)
        assert len(audit.query_events(s, audit.AuditFilter(limit=2))) == 2
        assert audit.distinct_values(s, "username") == ["carol", "rita"]
        assert audit.distinct_values(s, "outcome") == ["denied", "error", "ok"]


def test_filter_values_are_bound_parameters_not_sql(session_factory, trail) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        assert audit.query_events(s, audit.AuditFilter(username="x' OR '1'='1")) == []
        assert audit.query_events(s, audit.AuditFilter(outcome="ok' --")) == []
        assert len(audit.query_events(s)) == 6


def test_csv_export_round_trips_and_neutralises_formulas(session_factory, trail) -> None:  # type: ignore[no-untyped-def]
    carol, _ = trail
    with session_factory.begin() as s:
        add_audit(s, AuditAction.EXPORT, user=carol, object_type=ObjectType.REPORT,
                  object_id='=HYPERLINK("http://x")', detail={"n": 1})
    with session_factory() as s:
        records = audit.query_events(s)
    data = audit.to_csv(records)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0].keys()) == list(audit.CSV_COLUMNS)
    assert len(rows) == 7
    assert rows[0]["object_id"].startswith("'=")  # a spreadsheet shows it as text, runs nothing
    upload = next(r for r in rows if r["action"] == "upload")
    assert upload["username"] == "carol" and upload["detail"] == '{"study": "2.25.1"}'
    assert upload["at"] == (T0 + timedelta(hours=1)).isoformat()


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(session_factory, trail) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        ev = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        ev.outcome = "tampered"
        with pytest.raises(audit.AuditImmutableError):
            s.commit()
        s.rollback()
        ev = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        s.delete(ev)
        with pytest.raises(audit.AuditImmutableError):
            s.commit()
        s.rollback()
        with pytest.raises(audit.AuditImmutableError):
            s.execute(update(AuditEvent).values(outcome="tampered"))
        s.rollback()
        with pytest.raises(audit.AuditImmutableError):
            s.execute(delete(AuditEvent).where(AuditEvent.id > 0))
        s.rollback()
    engine = session_factory.kw["bind"]
    for sql in ("UPDATE audit_events SET outcome = 'tampered'", 'delete from "audit_events"',
                "  Delete From audit_events WHERE id = 1"):
        with engine.connect() as conn, pytest.raises(audit.AuditImmutableError):
            conn.execute(text(sql))
    with session_factory() as s:
        outcomes = [e.outcome for e in s.scalars(select(AuditEvent))]
    assert len(outcomes) == 6 and "tampered" not in outcomes


def test_other_tables_still_update_and_new_events_still_append(session_factory, trail) -> None:  # type: ignore[no-untyped-def]
    carol, _ = trail
    with session_factory.begin() as s:
        s.execute(update(User).where(User.id == carol.id).values(display_name="Dr Carol"))
        add_audit(s, AuditAction.SIGN, user=carol, object_type=ObjectType.REPORT, object_id=7)
    with session_factory() as s:
        assert s.get(User, carol.id).display_name == "Dr Carol"
        assert len(audit.query_events(s)) == 7


def test_module_offers_no_update_or_delete() -> None:
    names = [n for n in dir(audit) if not n.startswith("_")]
    assert not [n for n in names if any(w in n.lower() for w in ("update", "delete", "remove", "edit", "purge"))]


def test_guard_is_attached_to_the_apps_engines_only(session_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Another engine in the process (another library's database) may update its own audit_events."""
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with other.begin() as conn:
        conn.execute(text("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, outcome TEXT)"))
        conn.execute(text("INSERT INTO audit_events (outcome) VALUES ('ok')"))
        conn.execute(text("UPDATE audit_events SET outcome = 'changed'"))
        assert conn.execute(text("SELECT outcome FROM audit_events")).scalar() == "changed"
        conn.execute(text("DELETE FROM audit_events"))
    with Session(other) as s:  # a plain Session on it is not guarded either
        s.execute(text("INSERT INTO audit_events (outcome) VALUES ('ok')"))
        s.execute(text("UPDATE audit_events SET outcome = 'again'"))
        s.commit()
    other.dispose()
    # while a fresh engine of the app (make_engine) is guarded from the start
    app_engine = make_engine(str(session_factory.kw["bind"].url))
    with app_engine.connect() as conn, pytest.raises(audit.AuditImmutableError):
        conn.execute(text("DELETE FROM audit_events"))
    app_engine.dispose()
