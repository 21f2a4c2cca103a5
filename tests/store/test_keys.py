"""Key rotation: every record stays readable; an interrupted rotation finishes when rerun."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, LargeBinary, MetaData, String, Text, insert, select, type_coerce
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from medgen.config import Settings
from medgen.errors import DecryptionError, EncryptionKeyError
from medgen.store import crypto, keys
from medgen.store.crypto import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    Keyring,
    generate_key,
    key_ids_in_use,
    read_key_file,
    use_keyring,
)
from medgen.store.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
N_DOCS = 23


class RotBase(DeclarativeBase):
    metadata = MetaData()


class Doc(RotBase):
    __tablename__ = "rot_docs"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str | None] = mapped_column(EncryptedText())
    image: Mapped[bytes | None] = mapped_column(EncryptedBytes())


class Pair(RotBase):
    """Composite primary key: exercises the row-value pagination."""

    __tablename__ = "rot_pairs"

    a: Mapped[str] = mapped_column(String(8), primary_key=True)
    b: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)


def expected_docs() -> dict[int, tuple[str | None, bytes | None]]:
    return {
        i: (None if i % 7 == 0 else f"report {i}: no acute findings", bytes([i]) * (i + 1))
        for i in range(1, N_DOCS + 1)
    }


def expected_pairs() -> dict[tuple[str, int], dict[str, Any]]:
    return {(a, b): {"finding": f"{a}{b}", "mm": b} for a in ("x", "y") for b in range(4)}


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    eng = make_engine(empty_url)
    RotBase.metadata.create_all(eng)
    yield eng
    RotBase.metadata.drop_all(eng)
    eng.dispose()


def fill(engine: Engine, ring: Keyring) -> None:
    with use_keyring(ring), Session(engine) as s, s.begin():
        for i, (t, img) in expected_docs().items():
            s.add(Doc(id=i, text=t, image=img))
        for (a, b), data in expected_pairs().items():
            s.add(Pair(a=a, b=b, data=data))


def read_all(
    engine: Engine, ring: Keyring
) -> tuple[dict[int, tuple[str | None, bytes | None]], dict[tuple[str, int], dict[str, Any]]]:
    with use_keyring(ring), Session(engine) as s:
        docs = {d.id: (d.text, d.image) for d in s.scalars(select(Doc))}
        pairs = {(p.a, p.b): p.data for p in s.scalars(select(Pair))}
    return docs, pairs


def key_file_settings(tmp_path: Path) -> tuple[Settings, Keyring]:
    settings = Settings(data_dir=tmp_path / "keys")
    ring = crypto.load_keyring(settings)
    assert ring is not None
    return settings, ring


def test_rotation_keeps_every_record_readable(engine: Engine, tmp_path: Path) -> None:
    settings, old = key_file_settings(tmp_path)
    fill(engine, old)
    assert key_ids_in_use(engine, RotBase.metadata) == {old.current_id.hex(): 2 * N_DOCS - 3 + 8}

    result = keys.rotate(engine, RotBase.metadata, settings, batch_size=5)

    new = read_key_file(settings.encryption_key_file)
    assert new.current != old.current and new.old == ()  # old key retired from the file
    assert result.retired == (old.current_id.hex(),)
    assert result.report.values_reencrypted == 2 * N_DOCS - 3 + 8
    assert result.report.batches >= N_DOCS // 5
    assert key_ids_in_use(engine, RotBase.metadata) == {new.current_id.hex(): 2 * N_DOCS - 3 + 8}
    assert read_all(engine, new) == (expected_docs(), expected_pairs())
    with pytest.raises(EncryptionKeyError):
        read_all(engine, old)  # the retired key no longer opens anything


def test_interrupted_after_one_batch_then_rerun_completes(engine: Engine, tmp_path: Path) -> None:
    settings, old = key_file_settings(tmp_path)
    fill(engine, old)

    def stop(report: keys.RotationReport) -> None:
        raise keys.RotationInterrupted

    with pytest.raises(keys.RotationInterrupted):
        keys.rotate(engine, RotBase.metadata, settings, batch_size=5, on_batch=stop)

    mid = read_key_file(settings.encryption_key_file)
    assert mid.current != old.current and mid.old == (old.current,)  # both keys on disk
    counts = key_ids_in_use(engine, RotBase.metadata)
    assert counts[mid.current_id.hex()] == 2 * 5  # one batch: rows 1-5, text and image each
    assert counts[old.current_id.hex()] > 0
    # the app (reading the key file) still reads everything, whichever key each value is under
    assert read_all(engine, mid) == (expected_docs(), expected_pairs())

    result = keys.rotate(engine, RotBase.metadata, settings, batch_size=5)
    final = read_key_file(settings.encryption_key_file)
    assert final.current == mid.current and final.old == ()  # same new key, not a third one
    assert result.report.values_skipped == 10  # the committed batch was not redone
    assert key_ids_in_use(engine, RotBase.metadata) == {final.current_id.hex(): 2 * N_DOCS - 3 + 8}
    assert read_all(engine, final) == (expected_docs(), expected_pairs())


def test_crash_inside_a_batch_rolls_that_batch_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, old = key_file_settings(tmp_path)
    fill(engine, old)
    real_encrypt = Keyring.encrypt
    calls = {"n": 0}

    def failing_encrypt(self: Keyring, plaintext: bytes, context: str) -> bytes:
        calls["n"] += 1
        if calls["n"] == 13:  # inside the second batch of rot_docs
            raise RuntimeError("power cut")
        return real_encrypt(self, plaintext, context)

    monkeypatch.setattr(Keyring, "encrypt", failing_encrypt)
    with pytest.raises(RuntimeError, match="power cut"):
        keys.rotate(engine, RotBase.metadata, settings, batch_size=5)
    monkeypatch.setattr(Keyring, "encrypt", real_encrypt)

    mid = read_key_file(settings.encryption_key_file)
    counts = key_ids_in_use(engine, RotBase.metadata)
    assert counts[mid.current_id.hex()] == 10  # only the first, committed batch
    keys.rotate(engine, RotBase.metadata, settings, batch_size=5)
    final = read_key_file(settings.encryption_key_file)
    assert final.current == mid.current and final.old == ()
    assert read_all(engine, final) == (expected_docs(), expected_pairs())


def test_env_key_rotation(engine: Engine, tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    fill(engine, Keyring(current=old))
    settings = Settings(data_dir=tmp_path, encryption_key=new.hex(), encryption_old_keys=old.hex())
    result = keys.rotate(engine, RotBase.metadata, settings, batch_size=4)
    assert "Remove MEDGEN_ENCRYPTION_OLD_KEYS" in result.message
    assert not settings.encryption_key_file.exists()  # env keys never go to a file
    assert read_all(engine, Keyring(current=new)) == (expected_docs(), expected_pairs())


def test_value_under_unknown_key_stops_rotation(engine: Engine, tmp_path: Path) -> None:
    fill(engine, Keyring(current=generate_key()))
    settings = Settings(data_dir=tmp_path, encryption_key=generate_key().hex())
    with pytest.raises(EncryptionKeyError, match="does not match"):
        keys.rotate(engine, RotBase.metadata, settings)


def test_encrypt_plaintext_values(engine: Engine, tmp_path: Path) -> None:
    """Values written before a column became encrypted are encrypted on request.

    SQLite keeps an old TEXT value as TEXT when a migration changes the column type; PostgreSQL
    converts it to bytea (``USING convert_to(col, 'UTF8')``): both forms are covered.
    """
    old_text: Any = (
        type_coerce("old plain report", Text)
        if engine.dialect.name == "sqlite"
        else type_coerce(b"old plain report", LargeBinary)
    )
    with engine.begin() as conn:
        conn.execute(
            insert(Doc.__table__).values(
                id=1, text=old_text, image=type_coerce(b"png", LargeBinary)
            )
        )
    settings, _ = key_file_settings(tmp_path)
    with pytest.raises(DecryptionError, match="--encrypt-plaintext"):
        keys.rotate(engine, RotBase.metadata, settings)
    keys.rotate(engine, RotBase.metadata, settings, encrypt_plaintext=True)
    ring = read_key_file(settings.encryption_key_file)
    assert read_all(engine, ring)[0] == {1: ("old plain report", b"png")}
    assert set(key_ids_in_use(engine, RotBase.metadata)) == {ring.current_id.hex()}


def test_cli_generate_status_rotate(sqlite_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, MEDGEN_DATA_DIR=str(tmp_path / "data"), MEDGEN_DATABASE_URL=sqlite_url)
    env.pop("MEDGEN_ENCRYPTION_KEY", None)
    run = [sys.executable, "-m", "medgen.store.keys"]
    gen = subprocess.run([*run, "generate"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert gen.returncode == 0 and len(crypto.parse_key(gen.stdout)) == 32
    subprocess.run(
        [sys.executable, "-m", "medgen.store.migrate", "upgrade"], env=env, cwd=ROOT, check=True
    )
    key_file = tmp_path / "data" / "encryption.key"
    crypto.create_key_file(key_file)
    before = read_key_file(key_file).current_id
    rot = subprocess.run([*run, "rotate"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert rot.returncode == 0, rot.stderr
    after = read_key_file(key_file)
    assert after.current_id != before and after.old == ()
    assert "Back up" in rot.stdout
    assert crypto.encode_key(after.current) not in rot.stdout + rot.stderr  # never printed
    st = subprocess.run([*run, "status"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert st.returncode == 0 and after.current_id.hex() in st.stdout
