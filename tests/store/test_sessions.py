"""Server-side sign-in sessions on SQLite and PostgreSQL, and their migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from medgen.config import Settings
from medgen.store import migrate, sessions
from medgen.store.db import make_engine
from medgen.store.models import AuthSession, Base, User
from medgen.store.sessions import ResumeFailure, RevokeReason
from medgen.types import Role, UserInfo

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SETTINGS = Settings(data_dir=Path("/nonexistent"), session_timeout_min=15, session_max_hours=12)
UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140"


def start(factory: sessionmaker[Session], user: UserInfo, **kw: object) -> sessions.NewSession:
    with factory.begin() as s:
        return sessions.create_session(s, user.id, now=kw.pop("now", T0), settings=SETTINGS, **kw)  # type: ignore[arg-type]


def resume(
    factory: sessionmaker[Session], token: str | None, at: datetime, ua: str | None = None
) -> sessions.Resumed:
    with factory.begin() as s:
        return sessions.resume_session(s, token, now=at, user_agent=ua, settings=SETTINGS)


def test_token_is_random_256_bit_and_stored_only_hashed(
    factory: sessionmaker[Session], alice: UserInfo
) -> None:
    new = start(factory, alice)
    other = start(factory, alice)
    assert new.token != other.token
    assert len(new.token) >= 43  # 32 bytes, URL-safe base64
    assert new.token not in repr(new)
    with factory() as s:
        rows = s.scalars(select(AuthSession)).all()
        stored = {r.token_hash for r in rows}
        assert sessions.hash_token(new.token) in stored
        dump = " ".join(str(v) for r in rows for v in vars(r).values())
        assert new.token not in dump and other.token not in dump
        row = s.get(AuthSession, new.session_id)
        assert row is not None
        assert sessions._utc(row.expires_at) == T0 + timedelta(hours=12)


def test_resume_within_limit_and_updates_last_seen(
    factory: sessionmaker[Session], alice: UserInfo
) -> None:
    new = start(factory, alice)
    r = resume(factory, new.token, T0 + timedelta(minutes=14))
    assert r.ok and r.user == alice and r.session_id == new.session_id
    # activity moved the inactivity window: 14 + 14 minutes after sign-in is still fine
    assert resume(factory, new.token, T0 + timedelta(minutes=28)).ok
    with factory() as s:
        row = s.get(AuthSession, new.session_id)
        assert row is not None and sessions._utc(row.last_seen_at) == T0 + timedelta(minutes=28)


def test_idle_past_limit_ends_session_for_good(
    factory: sessionmaker[Session], alice: UserInfo
) -> None:
    new = start(factory, alice)
    r = resume(factory, new.token, T0 + timedelta(minutes=15, seconds=1))
    assert not r.ok and r.failure is ResumeFailure.IDLE
    # revoked on the spot: even a clock going back does not bring it back
    r2 = resume(factory, new.token, T0 + timedelta(minutes=1))
    assert r2.failure is ResumeFailure.REVOKED and r2.revoke_reason == "timeout"


def test_absolute_expiry(factory: sessionmaker[Session], alice: UserInfo) -> None:
    new = start(factory, alice)
    at = T0
    while at < T0 + timedelta(hours=12) - timedelta(minutes=10):
        at += timedelta(minutes=10)
        assert resume(factory, new.token, at).ok
    r = resume(factory, new.token, T0 + timedelta(hours=12))
    assert r.failure is ResumeFailure.EXPIRED


def test_sign_out_revokes_and_copied_token_fails(
    factory: sessionmaker[Session], alice: UserInfo
) -> None:
    new = start(factory, alice)
    copied = new.token
    with factory.begin() as s:
        assert sessions.revoke_session(s, new.token, now=T0 + timedelta(minutes=1))
        assert not sessions.revoke_session(s, new.token)  # already revoked
    r = resume(factory, copied, T0 + timedelta(minutes=2))
    assert r.failure is ResumeFailure.REVOKED and r.revoke_reason == "sign_out"


@pytest.mark.parametrize(
    "reason",
    [
        RevokeReason.DEACTIVATED,
        RevokeReason.ROLE_CHANGE,
        RevokeReason.PASSWORD_RESET,
        "sign_out_everywhere",
    ],
)
def test_revoke_all_for_user(
    factory: sessionmaker[Session], alice: UserInfo, bob: UserInfo, reason: RevokeReason | str
) -> None:
    a1, a2, b1 = start(factory, alice), start(factory, alice), start(factory, bob)
    with factory.begin() as s:
        assert sessions.revoke_all_for_user(s, alice.id, reason, now=T0) == 2
        assert sessions.revoke_all_for_user(s, alice.id, reason, now=T0) == 0
    for t in (a1.token, a2.token):
        r = resume(factory, t, T0 + timedelta(minutes=1))
        assert r.failure is ResumeFailure.REVOKED and r.revoke_reason == RevokeReason(reason).value
    assert resume(factory, b1.token, T0 + timedelta(minutes=1)).user == bob


def test_revoke_all_except_current(factory: sessionmaker[Session], alice: UserInfo) -> None:
    keep, other = start(factory, alice), start(factory, alice)
    with factory.begin() as s:
        n = sessions.revoke_all_for_user(
            s, alice.id, RevokeReason.PASSWORD_RESET, except_session_id=keep.session_id
        )
    assert n == 1
    assert resume(factory, keep.token, T0).ok
    assert not resume(factory, other.token, T0).ok


def test_rotation_at_sign_in_revokes_previous_token(
    factory: sessionmaker[Session], alice: UserInfo, bob: UserInfo
) -> None:
    planted = start(factory, bob)  # e.g. a token an attacker fixed in a shared browser
    fresh = start(factory, alice, previous_token=planted.token, now=T0 + timedelta(minutes=1))
    assert fresh.token != planted.token
    r = resume(factory, planted.token, T0 + timedelta(minutes=2))
    assert r.failure is ResumeFailure.REVOKED and r.revoke_reason == "rotated"
    assert resume(factory, fresh.token, T0 + timedelta(minutes=2)).user == alice


def test_deactivated_user_cannot_resume(factory: sessionmaker[Session], alice: UserInfo) -> None:
    new = start(factory, alice)
    with factory.begin() as s:
        s.execute(update(User).where(User.id == alice.id).values(is_active=False))
    r = resume(factory, new.token, T0 + timedelta(minutes=1))
    assert r.failure is ResumeFailure.USER_INACTIVE
    with factory.begin() as s:
        s.execute(update(User).where(User.id == alice.id).values(is_active=True))
    assert not resume(factory, new.token, T0 + timedelta(minutes=2)).ok  # stays ended


def test_resume_reports_current_role(factory: sessionmaker[Session], alice: UserInfo) -> None:
    new = start(factory, alice)
    with factory.begin() as s:
        s.execute(update(User).where(User.id == alice.id).values(role=Role.REVIEWER.value))
    r = resume(factory, new.token, T0 + timedelta(minutes=1))
    assert r.user is not None and r.user.role is Role.REVIEWER


def test_user_agent_binding(factory: sessionmaker[Session], alice: UserInfo) -> None:
    new = start(factory, alice, user_agent=UA)
    assert resume(factory, new.token, T0, ua=UA).ok
    r = resume(factory, new.token, T0, ua="curl/8.0")
    assert r.failure is ResumeFailure.USER_AGENT


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 43])
def test_unknown_tokens(factory: sessionmaker[Session], alice: UserInfo, token: str | None) -> None:
    start(factory, alice)
    assert resume(factory, token, T0).failure is ResumeFailure.UNKNOWN


def test_touch_session(factory: sessionmaker[Session], alice: UserInfo) -> None:
    new = start(factory, alice)
    with factory.begin() as s:
        assert sessions.touch_session(s, new.token, now=T0 + timedelta(minutes=10))
    # 10 + 14 minutes: alive only because the touch moved last_seen
    assert resume(factory, new.token, T0 + timedelta(minutes=24)).ok
    with factory.begin() as s:
        sessions.revoke_session(s, new.token)
        assert not sessions.touch_session(s, new.token, now=T0 + timedelta(minutes=25))


def test_token_hash_unique(factory: sessionmaker[Session], alice: UserInfo) -> None:
    with pytest.raises(IntegrityError), factory.begin() as s:
        for _ in range(2):
            s.add(
                AuthSession(
                    token_hash="0" * 64,
                    user_id=alice.id,
                    created_at=T0,
                    last_seen_at=T0,
                    expires_at=T0 + timedelta(hours=1),
                )
            )
            s.flush()


def test_purge_and_user_delete_cascades(factory: sessionmaker[Session], alice: UserInfo) -> None:
    old = start(factory, alice)
    live = start(factory, alice, now=T0 + timedelta(days=3))
    with factory.begin() as s:
        sessions.revoke_session(s, old.token, now=T0)
        assert (
            sessions.purge_sessions(s, older_than=timedelta(days=1), now=T0 + timedelta(days=3))
            == 1
        )
        assert sessions.live_sessions(s, alice.id, now=T0 + timedelta(days=3)) == 1
    with factory.begin() as s:
        assert s.scalar(select(AuthSession.id)) == live.session_id
        s.execute(text("DELETE FROM users WHERE id = :i"), {"i": alice.id})  # ON DELETE CASCADE
    with factory() as s:
        assert s.scalar(select(AuthSession.id)) is None


def test_migration_0003_up_down(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], f"migrations and ORM disagree on {engine.dialect.name}: {diff}"
        insp = inspect(engine)
        assert "auth_sessions" in insp.get_table_names()
        uniques = {u["name"] for u in insp.get_unique_constraints("auth_sessions")}
        assert "uq_auth_sessions_token_hash" in uniques
        fks = insp.get_foreign_keys("auth_sessions")
        assert fks[0]["referred_table"] == "users"
        assert (fks[0].get("options") or {}).get("ondelete", "").upper() == "CASCADE"
        migrate.downgrade(empty_url, "0002")
        engine.dispose()
        tables = set(inspect(engine).get_table_names())
        assert "auth_sessions" not in tables and "ratings" in tables
        migrate.upgrade(empty_url)
        engine.dispose()
        assert "auth_sessions" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
