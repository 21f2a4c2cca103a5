"""Shared set-up for the report / education AppTests (a migrated DB, a clinician, small LM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medgen.types import Role, UserInfo

ROOT = Path(__file__).resolve().parents[2]


def make_env(monkeypatch: pytest.MonkeyPatch, url: str, lm: str = "smollm2-135m") -> None:
    from medgen.config import get_settings

    monkeypatch.setenv("MEDGEN_DATABASE_URL", url)
    monkeypatch.setenv("MEDGEN_LM", lm)
    monkeypatch.setenv("MEDGEN_DEVICE", "cpu")
    monkeypatch.setenv("MEDGEN_LM_THREADS", "1")  # one llama.cpp thread: steady on a shared CPU
    get_settings.cache_clear()
    from medgen.ui.resources import db

    db.clear()  # st.cache_resource outlives one AppTest: bind to this test's database


def make_user(url: str, role: Role = Role.CLINICIAN, username: str = "dr.test") -> UserInfo:
    from medgen.store.db import session_factory
    from medgen.store.models import User

    with session_factory(url).begin() as s:
        row = User(username=username, display_name=f"Dr {username}", role=role.value,
                   password_hash=None)
        s.add(row)
        s.flush()
        return UserInfo(id=row.id, username=username, display_name=f"Dr {username}", role=role)


def app(path: str):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / path), default_timeout=600)
