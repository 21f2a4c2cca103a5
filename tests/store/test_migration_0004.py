"""Migration 0004 on a database with plaintext records (SQLite and PostgreSQL).

Upgrade: every clinical value becomes AES-GCM bytes in place, the ORM reads every record back
unchanged, nothing cascades away (ratings, scores, edit statistics, images stay), the schema
matches the models. Downgrade: every value decrypted back to the plain column types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from medgen.config import get_settings
from medgen.errors import EncryptionKeyError
from medgen.store import crypto, migrate
from medgen.store.crypto import Keyring, generate_key, is_ciphertext, use_keyring
from medgen.store.db import make_engine, session_factory
from medgen.store.models import Base, GeneratedOutput, Image, Rating, Study

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DRAFT = "Findings: 7 mm solid nodule in the right upper lobe, unchanged since the prior study."
FINAL = DRAFT + " Impression: follow-up CT in 12 months."
COMMENT = "Laterality was correct but the impression missed the follow-up interval."
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PLAIN: dict[str, dict[str, Any]] = {
    "studies": {"description": "Thorax low-dose screening series"},
    "images": {"meta": {"window": "lung", "note": "reconstruction kernel sharpened"}},
    "generated_outputs": {
        "params": {"findings": {"size_mm": 7, "location": "right upper lobe"}, "strength": 0.6},
        "flags": [{"kind": "number", "text": "12 months"}],
        "draft_text": DRAFT,
        "final_text": FINAL,
        "metrics": {"psnr": 31.5, "note": "guard checked all sentences"},
        "preview_before": PNG,
        "preview_after": PNG[::-1],
    },
    "ratings": {"comment": COMMENT},
}
FRAGMENTS = [b"nodule in the right", b"reconstruction kernel", b"Thorax low-dose", b"impression missed",
             b"right upper lobe", b"guard checked", b"12 months"]


def _seed(engine: sa.Engine) -> None:
    md = sa.MetaData()
    md.reflect(engine)
    t = md.tables
    with engine.begin() as conn:
        conn.execute(sa.insert(t["users"]), [{"id": 1, "username": "ana", "display_name": "Ana", "role": "clinician",
                                              "is_active": True, "failed_logins": 0, "created_at": NOW}])
        conn.execute(sa.insert(t["studies"]), [{"id": 1, "study_uid": "2.25.1", "modality": "CT", "body_part": "CHEST",
                                                "created_at": NOW, **PLAIN["studies"]}])
        conn.execute(sa.insert(t["images"]), [{"id": 1, "study_id": 1, "series_uid": "2.25.2", "content_hash": "a" * 64,
                                               "rows": 64, "cols": 64, "n_slices": 3, "created_at": NOW,
                                               **PLAIN["images"]}])
        base = {"kind": "report", "model_id": "smollm2-135m", "model_version": "v1", "input_hash": "",
                "device": "cpu", "status": "signed", "study_id": 1, "created_by": 1, "created_at": NOW}
        conn.execute(sa.insert(t["generated_outputs"]), [{"id": 1, **base, **PLAIN["generated_outputs"]}])
        conn.execute(sa.insert(t["generated_outputs"]), [{  # a child with NULLs and empty JSON
            "id": 2, **base, "parent_id": 1, "params": {}, "flags": [], "metrics": {}, "draft_text": None,
            "final_text": None, "preview_before": None, "preview_after": None,
        }])
        conn.execute(sa.insert(t["ratings"]), [{"id": 1, "output_id": 1, "user_id": 1, "revision": 1, "overall": 4,
                                                "created_at": NOW, **PLAIN["ratings"]}])
        conn.execute(sa.insert(t["rating_scores"]), [{"id": 1, "rating_id": 1, "criterion": "accuracy", "score": 4}])
        conn.execute(sa.insert(t["text_edit_stats"]), [{"output_id": 1, "draft_words": 14, "final_words": 21,
                                                        "edit_distance": 7, "text_hash": "b" * 64, "computed_at": NOW}])


def _raw(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    md = sa.MetaData()
    md.reflect(engine)
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for table, cols in PLAIN.items():
            tab = md.tables[table]
            row = conn.execute(sa.select(*(tab.c[c] for c in cols)).where(tab.c.id == 1)).one()
            out[table] = dict(row._mapping)
    return out


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608 - fixed names
                for t in ("studies", "images", "generated_outputs", "ratings", "rating_scores", "text_edit_stats")}


def test_0004_encrypts_existing_records_and_downgrade_decrypts(empty_url: str) -> None:
    ring = Keyring(current=generate_key())
    migrate.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    try:
        _seed(engine)
        before = _counts(engine)
        with use_keyring(ring):
            migrate.upgrade(empty_url)
        engine.dispose()
        assert _counts(engine) == before  # nothing cascaded away in the SQLite table copies

        raw = _raw(engine)
        for table, values in raw.items():
            for col, value in values.items():
                assert isinstance(value, bytes | memoryview) and is_ciphertext(bytes(value)), (table, col)
                assert not any(f in bytes(value) for f in FRAGMENTS), (table, col)
        assert bytes(raw["generated_outputs"]["preview_before"]).find(PNG[:8]) == -1

        with use_keyring(ring), session_factory(empty_url)() as s:
            out = s.get(GeneratedOutput, 1)
            assert out is not None
            assert {c: getattr(out, c) for c in PLAIN["generated_outputs"]} == PLAIN["generated_outputs"]
            child = s.get(GeneratedOutput, 2)
            assert child is not None and (child.params, child.flags, child.draft_text) == ({}, [], None)
            assert s.get(Study, 1).description == PLAIN["studies"]["description"]  # type: ignore[union-attr]
            assert s.get(Image, 1).meta == PLAIN["images"]["meta"]  # type: ignore[union-attr]
            assert s.get(Rating, 1).comment == COMMENT  # type: ignore[union-attr]
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []

        with use_keyring(ring):
            migrate.downgrade(empty_url, "0003")
        engine.dispose()
        assert _counts(engine) == before
        assert _raw(engine) == PLAIN  # plain types again, every value decrypted
    finally:
        engine.dispose()


def test_0004_upgrade_refuses_a_malformed_key_and_changes_nothing(empty_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    migrate.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    try:
        _seed(engine)
        monkeypatch.setenv("MEDGEN_ENCRYPTION_KEY", "not-a-key")
        get_settings.cache_clear()
        crypto.set_active_keyring(None)
        try:
            with pytest.raises(EncryptionKeyError):
                migrate.upgrade(empty_url)
        finally:
            monkeypatch.delenv("MEDGEN_ENCRYPTION_KEY")
            get_settings.cache_clear()
            crypto.set_active_keyring(None)
        engine.dispose()
        assert _raw(engine) == PLAIN
    finally:
        engine.dispose()
