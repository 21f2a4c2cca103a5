"""Accounts, sign-in, lock-out, rehash and admin-only user changes, on a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from medgen import auth
from medgen.config import Settings
from medgen.errors import AuthError, PermissionDeniedError
from medgen.store.models import AuditEvent, User
from medgen.types import AuditAction, Role

PW = "correct horse battery"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CFG = Settings(max_failed_logins=3, lockout_min=10)


@pytest.fixture
def admin(session_factory):  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        return auth.create_first_admin(s, "Admin", "Ada Admin", "first boss secret 123")


def _events(factory, action: AuditAction | None = None) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with factory() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action.value)
        return list(s.scalars(stmt))


def _user(factory, name: str) -> User:  # type: ignore[no-untyped-def]
    with factory() as s:
        return s.scalars(select(User).where(User.username == name)).one()


def test_first_admin_only_once_and_no_default_account(session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        assert auth.needs_first_admin(s)
    with session_factory.begin() as s:
        info = auth.create_first_admin(s, "Admin", "", "first boss secret 123")
    assert info.role is Role.ADMIN and info.username == "admin" and info.display_name == "admin"
    with session_factory.begin() as s:
        assert not auth.needs_first_admin(s)
        with pytest.raises(PermissionDeniedError):
            auth.create_first_admin(s, "admin2", "", "another secret 12345")
    row = _user(session_factory, "admin")
    assert row.password_hash.startswith("$argon2id$") and "first boss" not in row.password_hash
    ev = _events(session_factory, AuditAction.USER_CHANGE)
    assert [e.detail["change"] for e in ev] == ["create_first_admin"]


@pytest.mark.parametrize(
    ("username", "password", "fragment"),
    [
        ("ab", PW, "3 to 64"),
        ("bad name", PW, "3 to 64"),
        ("-dash", PW, "3 to 64"),
        ("x" * 65, PW, "3 to 64"),
        ("carol", "short pw 1", "at least 12"),
        ("carol", "aaaaaaaaaaaaaaaa", "different characters"),
        ("carol", "my name is carol!", "username"),
        ("carol", " leading space pw", "space"),
    ],
)
def test_create_user_validation(session_factory, admin, username, password, fragment) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s, pytest.raises(auth.AccountValidationError, match=fragment):
        auth.create_user(s, admin, username, "", Role.CLINICIAN, password)
    with session_factory() as s:
        assert [u.username for u in auth.list_users(s)] == ["admin"]


def test_duplicate_username_and_unknown_role(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        auth.create_user(s, admin, "Carol", "Dr Carol", "clinician", PW)
    with session_factory.begin() as s, pytest.raises(auth.AccountValidationError, match="taken"):
        auth.create_user(s, admin, "carol", "", Role.REVIEWER, PW)
    with session_factory.begin() as s, pytest.raises(auth.AccountValidationError, match="role"):
        auth.create_user(s, admin, "dave", "", "superuser", PW)


def test_sign_in_success_records_login_and_resets_failures(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        auth.create_user(s, admin, "carol", "Dr Carol", Role.CLINICIAN, PW)
    with pytest.raises(auth.InvalidCredentialsError):
        auth.sign_in(session_factory, "carol", "wrong password!!", now=T0, settings=CFG)
    assert _user(session_factory, "carol").failed_logins == 1
    info = auth.sign_in(session_factory, " CAROL ", PW, now=T0, settings=CFG)
    assert info.username == "carol" and info.role is Role.CLINICIAN and info.display_name == "Dr Carol"
    row = _user(session_factory, "carol")
    assert row.failed_logins == 0 and row.last_login_at is not None
    logins = _events(session_factory, AuditAction.LOGIN)
    assert len(logins) == 1 and logins[0].user_id == info.id and logins[0].outcome == "ok"


def test_unknown_user_and_wrong_password_give_the_same_message(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
    with pytest.raises(auth.InvalidCredentialsError) as unknown:
        auth.sign_in(session_factory, "nobody", PW, now=T0, settings=CFG)
    with pytest.raises(auth.InvalidCredentialsError) as wrong:
        auth.sign_in(session_factory, "carol", "not the password", now=T0, settings=CFG)
    assert str(unknown.value) == str(wrong.value) == "The username or password is not correct."
    failed = _events(session_factory, AuditAction.LOGIN_FAILED)
    assert [e.detail["reason"] for e in failed] == ["unknown_user", "wrong_password"]
    assert failed[0].user_id is None and failed[1].username == "carol"
    # the typed password never reaches the audit trail
    assert all(PW not in str(e.detail) and "not the password" not in str(e.detail) for e in failed)


def test_lock_out_after_max_failures_then_expires(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
    for i in range(CFG.max_failed_logins - 1):
        with pytest.raises(auth.InvalidCredentialsError):
            auth.sign_in(session_factory, "carol", "wrong password!!", now=T0 + timedelta(seconds=i), settings=CFG)
    with pytest.raises(auth.AccountLockedError) as locked:
        auth.sign_in(session_factory, "carol", "wrong password!!", now=T0, settings=CFG)
    assert "locked" in str(locked.value) and "10 minutes" in str(locked.value) and "09:10 UTC" in str(locked.value)
    # even the right password is refused while locked, with how long is left
    with pytest.raises(auth.AccountLockedError) as still:
        auth.sign_in(session_factory, "carol", PW, now=T0 + timedelta(minutes=4), settings=CFG)
    assert still.value.minutes_left == 6 and "6 minutes" in str(still.value)
    lock_events = _events(session_factory, AuditAction.LOCKED_OUT)
    assert [e.outcome for e in lock_events] == ["locked", "denied"]
    # after the lock-out the right password works again and the counters are reset
    info = auth.sign_in(session_factory, "carol", PW, now=T0 + timedelta(minutes=10, seconds=1), settings=CFG)
    assert info.username == "carol"
    row = _user(session_factory, "carol")
    assert row.failed_logins == 0 and row.locked_until is None


def test_failed_count_survives_even_if_caller_rolls_back_the_error_path(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    """authenticate() flushes bookkeeping before raising; sign_in() commits it."""
    with session_factory.begin() as s:
        auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
    with session_factory() as s:
        with pytest.raises(auth.InvalidCredentialsError):
            auth.authenticate(s, "carol", "wrong password!!", now=T0, settings=CFG)
        assert s.scalars(select(User).where(User.username == "carol")).one().failed_logins == 1
        s.rollback()
    assert _user(session_factory, "carol").failed_logins == 0  # plain authenticate + rollback: lost
    with pytest.raises(auth.InvalidCredentialsError):
        auth.sign_in(session_factory, "carol", "wrong password!!", now=T0, settings=CFG)
    assert _user(session_factory, "carol").failed_logins == 1  # sign_in keeps it


def test_deactivated_account_refused_only_with_right_password(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        carol = auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
        auth.set_active(s, admin, carol.id, False)
    with pytest.raises(auth.InvalidCredentialsError):
        auth.sign_in(session_factory, "carol", "wrong password!!", now=T0, settings=CFG)
    with pytest.raises(auth.AccountDisabledError, match="deactivated"):
        auth.sign_in(session_factory, "carol", PW, now=T0, settings=CFG)
    with session_factory.begin() as s:
        assert auth.current_info(s, carol.id) is None
        auth.set_active(s, admin, carol.id, True)
    assert auth.sign_in(session_factory, "carol", PW, now=T0, settings=CFG).id == carol.id


def test_rehash_when_argon2_parameters_change(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with session_factory.begin() as s:
        s.add(User(username="old", display_name="", role="clinician", password_hash=weak.hash(PW)))
    before = _user(session_factory, "old").password_hash
    assert "m=8192" in before and auth.HASHER.check_needs_rehash(before)
    auth.sign_in(session_factory, "old", PW, now=T0, settings=CFG)
    after = _user(session_factory, "old").password_hash
    assert after != before and not auth.HASHER.check_needs_rehash(after)
    assert auth.sign_in(session_factory, "old", PW, now=T0, settings=CFG).username == "old"


def test_admin_only_changes_checked_server_side(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        carol = auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
        rita = auth.create_user(s, admin, "rita", "", Role.REVIEWER, PW)
    carol_info = auth.sign_in(session_factory, "carol", PW, now=T0, settings=CFG)
    calls = [
        lambda s: auth.create_user(s, carol_info, "eve", "", Role.ADMIN, PW),
        lambda s: auth.set_role(s, carol_info, carol.id, Role.ADMIN),
        lambda s: auth.set_active(s, carol_info, rita.id, False),
        lambda s: auth.reset_password(s, carol_info, rita.id, "a new password 99"),
        lambda s: auth.unlock(s, carol_info, rita.id),
    ]
    for call in calls:
        with session_factory.begin() as s, pytest.raises(PermissionDeniedError, match="administrator"):
            call(s)
    assert _user(session_factory, "carol").role == "clinician"
    assert _user(session_factory, "rita").is_active


def test_role_change_reset_unlock_and_audit(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        carol = auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
    for _ in range(CFG.max_failed_logins):
        with pytest.raises(AuthError):
            auth.sign_in(session_factory, "carol", "wrong password!!", now=T0, settings=CFG)
    with session_factory.begin() as s:
        assert auth.get_user(s, carol.id).locked_until is not None
        auth.unlock(s, admin, carol.id)
        auth.set_role(s, admin, carol.id, Role.REVIEWER)
        auth.reset_password(s, admin, carol.id, "brand new password 7")
    info = auth.sign_in(session_factory, "carol", "brand new password 7", now=T0, settings=CFG)
    assert info.role is Role.REVIEWER
    changes = [e.detail["change"] for e in _events(session_factory, AuditAction.USER_CHANGE)]
    assert changes == ["create_first_admin", "create", "unlock", "role", "reset_password"]
    role_ev = [e for e in _events(session_factory, AuditAction.USER_CHANGE) if e.detail["change"] == "role"][0]
    assert role_ev.user_id == admin.id and role_ev.object_id == str(carol.id)
    assert role_ev.detail["from"] == "clinician" and role_ev.detail["to"] == "reviewer"
    assert "brand new password" not in str([e.detail for e in _events(session_factory)])


def test_last_admin_cannot_be_demoted_or_deactivated(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s, pytest.raises(auth.AccountValidationError, match="last active"):
        auth.set_role(s, admin, admin.id, Role.CLINICIAN)
    with session_factory.begin() as s, pytest.raises(auth.AccountValidationError, match="last active"):
        auth.set_active(s, admin, admin.id, False)
    with session_factory.begin() as s:
        auth.create_user(s, admin, "second", "", Role.ADMIN, PW)
        auth.set_role(s, admin, admin.id, Role.CLINICIAN)  # now allowed
        assert auth.get_user(s, admin.id).role is Role.CLINICIAN


def test_sso_only_account_and_sso_mapping(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        rec = auth.create_user(s, admin, "Dr.Who@Hospital.org", "Dr Who", Role.CLINICIAN, None)
    assert rec.username == "dr.who@hospital.org" and not rec.has_password
    # an SSO-only account cannot be used with a password (not even an empty one)
    for pw in ("", "anything at all 1"):
        with pytest.raises(auth.InvalidCredentialsError):
            auth.sign_in(session_factory, "dr.who@hospital.org", pw, now=T0, settings=CFG)
    info = auth.sign_in_sso(session_factory, "DR.WHO@hospital.org", now=T0)
    assert info.role is Role.CLINICIAN and info.id == rec.id
    with pytest.raises(AuthError, match="no account for this address"):
        auth.sign_in_sso(session_factory, "stranger@example.org", now=T0)
    with session_factory() as s:
        assert [u.username for u in auth.list_users(s)] == ["admin", "dr.who@hospital.org"]
    reasons = [e.detail.get("method") for e in _events(session_factory) if e.action in ("login", "login_failed")]
    assert reasons.count("sso") == 2


def test_change_own_password_and_logout_audit(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        auth.create_user(s, admin, "carol", "", Role.CLINICIAN, PW)
    info = auth.sign_in(session_factory, "carol", PW, now=T0, settings=CFG)
    with session_factory.begin() as s, pytest.raises(auth.InvalidCredentialsError, match="current password"):
        auth.change_own_password(s, info, "not my password", "another good one 5")
    with session_factory.begin() as s:
        auth.change_own_password(s, info, PW, "another good one 5")
        auth.record_logout(s, info, reason="timeout")
    assert auth.sign_in(session_factory, "carol", "another good one 5", now=T0, settings=CFG).id == info.id
    (logout,) = _events(session_factory, AuditAction.LOGOUT)
    assert logout.detail == {"reason": "timeout"} and logout.user_id == info.id


def test_command_line_creates_a_recovery_admin(migrated_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from medgen.config import get_settings
    from medgen.store.db import session_factory

    monkeypatch.setenv("MEDGEN_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    answers = iter(["recovery passphrase 1", "recovery passphrase 1"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    try:
        auth.main(["create-user", "Rescue", "--role", "admin", "--name", "Rescue Admin"])
        info = auth.sign_in(session_factory(migrated_url), "rescue", "recovery passphrase 1", now=T0, settings=CFG)
        assert info.role is Role.ADMIN and info.display_name == "Rescue Admin"
        answers = iter(["short", "short"])
        with pytest.raises(SystemExit) as exit_info:
            auth.main(["create-user", "other", "--role", "clinician"])
        assert exit_info.value.code == 1
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s, a, uid: auth.set_role(s, a, uid, Role.REVIEWER), "role_change"),
        (lambda s, a, uid: auth.set_active(s, a, uid, False), "deactivated"),
        (lambda s, a, uid: auth.reset_password(s, a, uid, "a brand new passphrase 7"), "password_reset"),
    ],
    ids=["role", "deactivate", "reset_password"],
)
def test_account_changes_end_every_browser_session(session_factory, admin, change, reason) -> None:  # type: ignore[no-untyped-def]
    from medgen.store.models import AuthSession

    with session_factory.begin() as s:
        nurse = auth.create_user(s, admin, "nurse", "", Role.CLINICIAN, PW).info
    with session_factory.begin() as s:
        tabs = [auth.start_browser_session(s, nurse, None, "UA") for _ in range(2)]
        mine = auth.start_browser_session(s, admin, None, "UA")
    with session_factory.begin() as s:
        r = auth.resume(s, tabs[0].token, "UA")
        assert r.user == nurse and auth.session_alive(s, tabs[1].token)
    resumed = [e for e in _events(session_factory, AuditAction.LOGIN) if e.detail.get("method") == "session_resume"]
    assert [(e.user_id, e.detail["session_id"]) for e in resumed] == [(nurse.id, tabs[0].session_id)]

    with session_factory.begin() as s:
        change(s, admin, nurse.id)
    with session_factory.begin() as s:
        assert not auth.session_alive(s, tabs[1].token)
        refused = auth.resume(s, tabs[0].token, "UA")
        assert refused.user is None and refused.revoke_reason == reason
        assert auth.session_alive(s, mine.token)  # the administrator's own session is untouched
        reasons = {row.revoke_reason for row in s.scalars(select(AuthSession).where(AuthSession.user_id == nurse.id))}
    assert reasons == {reason}


def test_sign_out_revokes_the_tab_session(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        tab = auth.start_browser_session(s, admin, None, None)
        other = auth.start_browser_session(s, admin, None, None)
    with session_factory.begin() as s:
        auth.record_logout(s, admin, reason="user", token=tab.token)
    with session_factory.begin() as s:
        assert auth.resume(s, tab.token).revoke_reason == "sign_out"
        assert auth.session_alive(s, other.token)  # another device stays signed in


def test_session_idle_follows_the_most_recent_tab(session_factory, admin) -> None:  # type: ignore[no-untyped-def]
    """An idle tab only ends the shared sign-in when no other tab used it within the limit."""
    from medgen.store import sessions

    cfg = Settings(session_timeout_min=15)
    with session_factory.begin() as s:
        new = sessions.create_session(s, admin.id, now=T0)
    with session_factory.begin() as s:
        assert not auth.session_idle(s, new.token, now=T0 + timedelta(minutes=10), settings=cfg)
        assert auth.session_idle(s, new.token, now=T0 + timedelta(minutes=16), settings=cfg)
        assert sessions.touch_session(s, new.token, now=T0 + timedelta(minutes=14))  # another tab
        assert not auth.session_idle(s, new.token, now=T0 + timedelta(minutes=16), settings=cfg)
        assert sessions.revoke_session(s, new.token)
        assert auth.session_idle(s, new.token, now=T0 + timedelta(minutes=16), settings=cfg)
