"""Encryption at rest: AES-GCM format, keyring and key file, column types on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import ForeignKey, LargeBinary, MetaData, Text, select, text, type_coerce
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from medgen.config import Settings
from medgen.errors import DecryptionError, EncryptionKeyError, MedgenError, StorageError
from medgen.store import crypto
from medgen.store.crypto import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    Keyring,
    check_database,
    encrypted_columns,
    generate_key,
    load_keyring,
    use_keyring,
)
from medgen.store.db import make_engine

SENTENCE = "Spiculated 14 mm nodule in the right upper lobe, suspicious for malignancy."
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


class CryptoBase(DeclarativeBase):
    metadata = MetaData()


class Note(CryptoBase):
    """A stand-in for the real tables: clinical fields encrypted, the filter fields plain."""

    __tablename__ = "crypto_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Text, default="report")
    body: Mapped[str | None] = mapped_column(EncryptedText())
    other: Mapped[str | None] = mapped_column(EncryptedText())
    image: Mapped[bytes | None] = mapped_column(EncryptedBytes())
    params: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    plain: Mapped[str | None] = mapped_column(Text)  # control: proves the raw read can see text


class NoteChild(CryptoBase):
    __tablename__ = "crypto_note_children"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("crypto_notes.id"))
    body: Mapped[str | None] = mapped_column(EncryptedText())


def windows(s: str, n: int = 8) -> list[bytes]:
    """Every n-character piece of ``s`` (UTF-8): 'no part of the sentence' means none appears."""
    return [s[i : i + n].encode() for i in range(0, len(s) - n + 1)]


@pytest.fixture
def ring() -> Keyring:
    return Keyring(current=generate_key())


# --- format and keyring ---------------------------------------------------------------------


def test_round_trip_and_format(ring: Keyring) -> None:
    blob = ring.encrypt(SENTENCE.encode(), "t.c")
    assert blob[:4] == b"MGX\x01"
    assert blob[4:12] == ring.current_id
    assert len(blob) == 4 + 8 + 12 + len(SENTENCE.encode()) + 16
    assert SENTENCE.encode() not in blob
    assert ring.decrypt(blob, "t.c") == SENTENCE.encode()
    # random 96-bit nonce: the same text twice gives different bytes
    assert ring.encrypt(SENTENCE.encode(), "t.c") != blob
    assert ring.decrypt(ring.encrypt(b"", "t.c"), "t.c") == b""


@pytest.mark.parametrize("region", ["nonce", "ciphertext", "tag", "version"])
def test_tamper_detected(ring: Keyring, region: str) -> None:
    blob = bytearray(ring.encrypt(SENTENCE.encode(), "t.c"))
    pos = {"nonce": 12 + 3, "ciphertext": 24 + 5, "tag": len(blob) - 1, "version": 3}[region]
    blob[pos] ^= 0x01
    with pytest.raises(DecryptionError):
        ring.decrypt(bytes(blob), "t.c")


def test_truncated_value_detected(ring: Keyring) -> None:
    blob = ring.encrypt(SENTENCE.encode(), "t.c")
    with pytest.raises(DecryptionError):
        ring.decrypt(blob[:-1], "t.c")
    with pytest.raises(DecryptionError):
        ring.decrypt(blob[:20], "t.c")


def test_wrong_key_gives_clear_error(ring: Keyring) -> None:
    blob = ring.encrypt(SENTENCE.encode(), "t.c")
    other = Keyring(current=generate_key())
    with pytest.raises(EncryptionKeyError, match="encryption key does not match this database"):
        other.decrypt(blob, "t.c")
    assert issubclass(EncryptionKeyError, MedgenError)
    assert issubclass(DecryptionError, StorageError)


def test_associated_data_binds_value_to_its_column(ring: Keyring) -> None:
    blob = ring.encrypt(SENTENCE.encode(), "generated_outputs.draft_text")
    with pytest.raises(DecryptionError):
        ring.decrypt(blob, "generated_outputs.final_text")
    with pytest.raises(DecryptionError):
        ring.decrypt(blob, "ratings.draft_text")


def test_old_keys_still_decrypt_after_rotation(ring: Keyring) -> None:
    blob = ring.encrypt(b"old", "t.c")
    rotated = ring.rotated()
    assert rotated.current != ring.current and rotated.old == (ring.current,)
    assert rotated.decrypt(blob, "t.c") == b"old"
    assert rotated.encrypt(b"new", "t.c")[4:12] == rotated.current_id
    with pytest.raises(EncryptionKeyError):
        rotated.retired().decrypt(blob, "t.c")


def test_repr_never_shows_key(ring: Keyring) -> None:
    shown = repr(ring)
    assert ring.current_id.hex() in shown
    assert crypto.encode_key(ring.current) not in shown and ring.current.hex() not in shown


# --- key sources ----------------------------------------------------------------------------


def test_key_file_created_0600_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    path = settings.encryption_key_file
    assert load_keyring(settings, create=False) is None and not path.exists()
    first = load_keyring(settings)
    assert first is not None and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_keyring(settings)
    assert again is not None and again.current == first.current
    # the key is in the file and nowhere else in the data directory (no temp files left)
    assert [p.name for p in path.parent.iterdir()] == ["encryption.key"]
    assert crypto.encode_key(first.current) in path.read_text()


def test_key_file_creation_race_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "encryption.key"
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        results.append(crypto.create_key_file(path).current)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert crypto.read_key_file(path).current == results[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encryption.key"]


def test_env_key_overrides_file(tmp_path: Path) -> None:
    file_ring = load_keyring(Settings(data_dir=tmp_path))
    assert file_ring is not None
    key = generate_key()
    for written in (
        key.hex(),
        base64.b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode(),
    ):
        ring = load_keyring(Settings(data_dir=tmp_path, encryption_key=written))
        assert ring is not None and ring.current == key
    old = generate_key()
    ring = load_keyring(
        Settings(data_dir=tmp_path, encryption_key=key.hex(), encryption_old_keys=f" {old.hex()} ,")
    )
    assert ring is not None and ring.old == (old,)


def test_env_key_without_file_creates_no_file(tmp_path: Path) -> None:
    load_keyring(Settings(data_dir=tmp_path, encryption_key=generate_key().hex()))
    assert not (tmp_path / "encryption.key").exists()


@pytest.mark.parametrize(
    "bad", ["secret", "00" * 31, "zz" * 32, base64.b64encode(b"x" * 16).decode()]
)
def test_bad_env_key_is_refused_without_echoing_it(tmp_path: Path, bad: str) -> None:
    with pytest.raises(EncryptionKeyError, match="MEDGEN_ENCRYPTION_KEY is not a valid") as info:
        load_keyring(Settings(data_dir=tmp_path, encryption_key=bad))
    assert bad not in str(info.value)


def test_settings_repr_hides_key(tmp_path: Path) -> None:
    key = generate_key().hex()
    assert key not in repr(Settings(data_dir=tmp_path, encryption_key=key))


# --- column types on a real database (SQLite file and PostgreSQL) ---------------------------


def test_types_find_their_columns() -> None:
    found = {f"{c.table.name}.{c.name}" for c in encrypted_columns(CryptoBase.metadata)}
    assert found == {
        "crypto_notes.body",
        "crypto_notes.other",
        "crypto_notes.image",
        "crypto_notes.params",
        "crypto_note_children.body",
    }
    assert Note.__table__.c.body.type.context == "crypto_notes.body"  # type: ignore[attr-defined]
    assert NoteChild.__table__.c.body.type.context == "crypto_note_children.body"  # type: ignore[attr-defined]


def test_one_instance_on_two_columns_is_refused() -> None:
    from sqlalchemy import Column, Integer, Table

    shared = EncryptedText()
    md = MetaData()
    Table("a", md, Column("id", Integer, primary_key=True), Column("x", shared))
    with pytest.raises(ValueError, match="own instance"):
        Table("b", md, Column("id", Integer, primary_key=True), Column("y", shared))


def _raw_values(conn: Any) -> list[bytes]:
    rows = conn.execute(
        select(
            type_coerce(Note.__table__.c.body, LargeBinary),
            type_coerce(Note.__table__.c.image, LargeBinary),
            type_coerce(Note.__table__.c.params, LargeBinary),
        )
    ).all()
    return [bytes(v) for row in rows for v in row if v is not None]


def test_database_holds_no_plaintext(empty_url: str, ring: Keyring, tmp_path: Path) -> None:
    engine = make_engine(empty_url)
    try:
        CryptoBase.metadata.create_all(engine)
        with use_keyring(ring):
            with Session(engine) as s, s.begin():
                s.add(
                    Note(
                        body=SENTENCE,
                        image=PNG,
                        params={"finding": SENTENCE, "size_mm": 14},
                        plain="control sentence kept in clear",
                    )
                )
            with Session(engine) as s:
                note = s.scalars(select(Note)).one()
                assert note.body == SENTENCE
                assert note.image == PNG
                assert note.params == {"finding": SENTENCE, "size_mm": 14}
            with engine.connect() as conn:
                raw = _raw_values(conn)
                assert len(raw) == 3 and all(crypto.is_ciphertext(v) for v in raw)
                for value in raw:
                    assert not any(w in value for w in windows(SENTENCE))
                    assert PNG[:64] not in value
                if engine.dialect.name == "postgresql":
                    # the server's own text rendering of the whole row
                    dump = conn.execute(text("SELECT t::text FROM crypto_notes t")).scalar_one()
                    assert "control sentence kept in clear" in dump
                    assert not any(w.decode() in dump for w in windows(SENTENCE))
                    assert (
                        conn.execute(
                            text(
                                "SELECT count(*) FROM crypto_notes WHERE position(:w in encode(body, 'escape')) > 0"
                            ),
                            {"w": "nodule"},
                        ).scalar_one()
                        == 0
                    )
        if engine.dialect.name == "sqlite":
            engine.dispose()
            files = list(tmp_path.glob("store.db*"))  # the database file and its WAL
            blob = b"".join(p.read_bytes() for p in files)
            assert b"control sentence kept in clear" in blob  # the raw read does see plain text
            assert not any(w in blob for w in windows(SENTENCE))
            assert PNG[8:72] not in blob
    finally:
        CryptoBase.metadata.drop_all(engine)
        engine.dispose()


def test_database_copy_without_key_is_unreadable(empty_url: str, ring: Keyring) -> None:
    engine = make_engine(empty_url)
    try:
        CryptoBase.metadata.create_all(engine)
        with use_keyring(ring), Session(engine) as s, s.begin():
            s.add(Note(body=SENTENCE))
        with use_keyring(Keyring(current=generate_key())), Session(engine) as s:
            with pytest.raises(EncryptionKeyError, match="does not match this database"):
                s.scalars(select(Note)).one()
    finally:
        CryptoBase.metadata.drop_all(engine)
        engine.dispose()


def test_value_moved_to_another_column_is_refused(empty_url: str, ring: Keyring) -> None:
    engine = make_engine(empty_url)
    try:
        CryptoBase.metadata.create_all(engine)
        with use_keyring(ring):
            with Session(engine) as s, s.begin():
                s.add(Note(id=1, body=SENTENCE, other="benign"))
            with engine.begin() as conn:
                conn.execute(text("UPDATE crypto_notes SET other = body"))
            with Session(engine) as s:
                with pytest.raises(DecryptionError):
                    s.scalars(select(Note)).one()
    finally:
        CryptoBase.metadata.drop_all(engine)
        engine.dispose()


def test_null_stays_null_and_empty_string_round_trips(empty_url: str, ring: Keyring) -> None:
    engine = make_engine(empty_url)
    try:
        CryptoBase.metadata.create_all(engine)
        with use_keyring(ring):
            with Session(engine) as s, s.begin():
                s.add_all([Note(id=1, body=None), Note(id=2, body="")])
            with Session(engine) as s:
                assert [n.body for n in s.scalars(select(Note).order_by(Note.id))] == [None, ""]
    finally:
        CryptoBase.metadata.drop_all(engine)
        engine.dispose()


# --- start-up check -------------------------------------------------------------------------


def _encrypted_db(url: str, ring: Keyring) -> None:
    engine = make_engine(url)
    CryptoBase.metadata.create_all(engine)
    with use_keyring(ring), Session(engine) as s, s.begin():
        s.add(Note(body=SENTENCE))
    engine.dispose()


def test_startup_creates_key_for_new_database(sqlite_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=sqlite_url)
    engine = make_engine(sqlite_url)
    CryptoBase.metadata.create_all(engine)
    try:
        ring = check_database(engine, CryptoBase.metadata, settings)
        assert settings.encryption_key_file.exists()
        assert crypto.active_keyring() is ring
    finally:
        crypto.set_active_keyring(None)
        engine.dispose()


def test_startup_missing_key_with_encrypted_database(sqlite_url: str, tmp_path: Path) -> None:
    _encrypted_db(sqlite_url, Keyring(current=generate_key()))
    settings = Settings(data_dir=tmp_path / "fresh", database_url=sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with pytest.raises(
            EncryptionKeyError, match="holds encrypted records but no encryption key"
        ):
            check_database(engine, CryptoBase.metadata, settings)
        assert not settings.encryption_key_file.exists()  # no new key that could never read it
    finally:
        engine.dispose()


def test_startup_wrong_key(sqlite_url: str, tmp_path: Path) -> None:
    _encrypted_db(sqlite_url, Keyring(current=generate_key()))
    settings = Settings(data_dir=tmp_path, encryption_key=generate_key().hex())
    engine = make_engine(sqlite_url)
    try:
        with pytest.raises(EncryptionKeyError, match="does not match this database"):
            check_database(engine, CryptoBase.metadata, settings)
    finally:
        engine.dispose()


def test_startup_right_key(sqlite_url: str, tmp_path: Path) -> None:
    key = generate_key()
    _encrypted_db(sqlite_url, Keyring(current=key))
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(key).decode())
    engine = make_engine(sqlite_url)
    try:
        check_database(engine, CryptoBase.metadata, settings)
        with Session(engine) as s:
            assert s.scalars(select(Note.body)).one() == SENTENCE
    finally:
        crypto.set_active_keyring(None)
        engine.dispose()


def test_key_file_is_not_world_readable_even_with_open_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        crypto.create_key_file(tmp_path / "k" / "encryption.key")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k" / "encryption.key").stat().st_mode) == 0o600
