"""Encryption key management: ``python -m medgen.store.keys {status,rotate,generate}``.

``rotate`` re-encrypts every value of every encrypted column (any column whose type is one of
:mod:`medgen.store.crypto`'s types, found through the ORM metadata) under a new key, then retires
the old key. It is resumable:

1. With the key file: a new key is generated and written to the key file *before* any value is
   touched, as the first line, the old key staying below it (both keys read). With
   ``MEDGEN_ENCRYPTION_KEY``: the operator sets the new key there and the old one in
   ``MEDGEN_ENCRYPTION_OLD_KEYS`` (environment variables cannot be rewritten by a program).
2. Rows are read in primary-key order in batches; each batch is one committed transaction. A value
   already under the new key id is skipped, and an update only replaces the exact bytes it read
   (a value changed meanwhile is left for the next run).
3. When no value remains under an old key, the old key is removed from the key file (or the
   command says to remove ``MEDGEN_ENCRYPTION_OLD_KEYS``).

Interrupted anywhere (Ctrl-C, power loss), running ``rotate`` again finishes the same rotation:
the key file still lists the new key first and the old one below, so no key is generated twice and
every value stays readable. Run it with the app stopped, and back up the key file afterwards.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    Text,
    and_,
    inspect,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from medgen.config import Settings, get_settings
from medgen.errors import DecryptionError, EncryptionKeyError, MedgenError
from medgen.store.crypto import (
    Keyring,
    blob_key_id,
    check_database,
    column_context,
    encode_key,
    encrypted_columns,
    generate_key,
    is_ciphertext,
    key_ids_in_use,
    load_keyring,
    read_key_file,
    write_key_file,
)

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500


class RotationInterrupted(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a progress callback to stop after a committed batch (tests, dry runs)."""


@dataclass
class RotationReport:
    """What one run of :func:`reencrypt` did."""

    key_id: str
    rows_seen: int = 0
    values_reencrypted: int = 0
    values_skipped: int = 0  # already under the new key
    values_conflicted: int = 0  # changed by someone else between read and update
    batches: int = 0
    per_column: dict[str, int] = field(default_factory=dict)


def _columns_by_table(columns: Sequence[Column[Any]]) -> dict[Table, list[Column[Any]]]:
    out: dict[Table, list[Column[Any]]] = defaultdict(list)
    for col in columns:
        out[col.table].append(col)  # type: ignore[index]
    return out


def _plain_bytes(value: Any) -> bytes:
    """A pre-encryption value as bytes (TEXT columns come back as str)."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def _unchanged(col: Column[Any], value: Any) -> Any:
    """SQL condition: ``col`` still holds exactly the raw ``value`` read a moment ago."""
    if isinstance(value, str):  # a TEXT value from before the column was encrypted
        return type_coerce(col, Text) == type_coerce(value, Text)
    return type_coerce(col, LargeBinary) == type_coerce(bytes(value), LargeBinary)


def _batch(bind: Engine | Connection) -> AbstractContextManager[Connection]:
    # An Engine: each batch is its own committed transaction. A Connection (inside an Alembic
    # migration): the batches run in the caller's transaction, which commits them all at once.
    return bind.begin() if isinstance(bind, Engine) else nullcontext(bind)


def reencrypt(
    engine: Engine | Connection,
    metadata: MetaData,
    keyring: Keyring,
    *,
    batch_size: int = DEFAULT_BATCH,
    encrypt_plaintext: bool = False,
    on_batch: Callable[[RotationReport], None] | None = None,
) -> RotationReport:
    """Re-encrypt every stored encrypted value not yet under ``keyring.current``.

    Parameters
    ----------
    engine, metadata
        The database (an Engine, or a Connection whose transaction the caller owns, as in an
        Alembic migration) and the ORM metadata whose encrypted columns are rotated.
    keyring
        Current key = target; old keys = the ones values may still be under.
    batch_size
        Rows per committed transaction.
    encrypt_plaintext
        Encrypt values that are not encrypted yet (a column just switched to an encrypted type);
        otherwise such a value raises :class:`~medgen.errors.DecryptionError`.
    on_batch
        Called after each committed batch with the running report (may raise
        :class:`RotationInterrupted` to stop).

    Raises
    ------
    EncryptionKeyError
        A value is under a key that is in neither the current nor the old keys.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    target = keyring.current_id
    report = RotationReport(key_id=target.hex())
    existing = set(inspect(engine).get_table_names())
    for table, cols in _columns_by_table(encrypted_columns(metadata)).items():
        if table.name not in existing:
            continue
        pk = list(table.primary_key.columns)
        if not pk:
            raise ValueError(f"table {table.name} has no primary key; it cannot be rotated")
        raw = [type_coerce(c, LargeBinary).label(c.name) for c in cols]
        last: tuple[Any, ...] | None = None
        while True:
            stmt = select(*pk, *raw).order_by(*pk).limit(batch_size)
            if last is not None:
                stmt = stmt.where(pk[0] > last[0] if len(pk) == 1 else tuple_(*pk) > tuple_(*last))
            with _batch(engine) as conn:
                rows = conn.execute(stmt).all()
                if not rows:
                    break
                for row in rows:
                    key = tuple(row[: len(pk)])
                    report.rows_seen += 1
                    new_values: dict[str, Any] = {}
                    guards = []
                    for i, col in enumerate(cols):
                        value = row[len(pk) + i]
                        if value is None:
                            continue
                        if is_ciphertext(value):
                            if blob_key_id(value) == target:
                                report.values_skipped += 1
                                continue
                            plain = keyring.decrypt(bytes(value), column_context(col))
                        elif encrypt_plaintext:
                            plain = _plain_bytes(value)
                        else:
                            raise DecryptionError(
                                f"{table.name}.{col.name} holds a value that is not encrypted; "
                                "rerun with --encrypt-plaintext to encrypt such values."
                            )
                        new_values[col.name] = type_coerce(
                            keyring.encrypt(plain, column_context(col)), LargeBinary
                        )
                        guards.append(_unchanged(col, value))
                    if not new_values:
                        continue
                    where = and_(*(c == v for c, v in zip(pk, key, strict=True)), *guards)
                    n = conn.execute(update(table).where(where).values(new_values)).rowcount
                    if n == 1:
                        report.values_reencrypted += len(new_values)
                        name = table.name
                        for c in new_values:
                            report.per_column[f"{name}.{c}"] = (
                                report.per_column.get(f"{name}.{c}", 0) + 1
                            )
                    else:
                        report.values_conflicted += len(new_values)
                last = tuple(rows[-1][: len(pk)])
            report.batches += 1
            log.info(
                "rotation: %s up to %s, %d values re-encrypted so far",
                table.name,
                last,
                report.values_reencrypted,
            )
            if on_batch is not None:
                on_batch(report)
            if len(rows) < batch_size:
                break
    return report


def pending(engine: Engine, metadata: MetaData, keyring: Keyring) -> dict[str, int]:
    """Stored values not under the current key, by key id (hex) or "plaintext"."""
    counts = key_ids_in_use(engine, metadata)
    counts.pop(keyring.current_id.hex(), None)
    return counts


@dataclass(frozen=True)
class RotationResult:
    report: RotationReport
    retired: tuple[str, ...]  # key ids removed from the key file
    message: str


def rotate(
    engine: Engine,
    metadata: MetaData,
    settings: Settings | None = None,
    *,
    batch_size: int = DEFAULT_BATCH,
    encrypt_plaintext: bool = False,
    on_batch: Callable[[RotationReport], None] | None = None,
) -> RotationResult:
    """Rotate to a new key (or resume a rotation), re-encrypt everything, retire the old key."""
    settings = settings or get_settings()
    using_env = bool(settings.encryption_key.strip())
    if using_env:
        keyring = load_keyring(settings, create=False)
        assert keyring is not None
    else:
        path = settings.encryption_key_file
        if not path.exists():
            raise EncryptionKeyError(
                f"No key file at {path} and MEDGEN_ENCRYPTION_KEY is not set: nothing to rotate."
            )
        keyring = read_key_file(path)
        if keyring.old:
            log.info("resuming the rotation to key id %s", keyring.current_id.hex())
        else:
            keyring = keyring.rotated()
            write_key_file(path, keyring)  # both keys on disk before any value changes
            log.info("rotating to new key id %s", keyring.current_id.hex())
    report = reencrypt(
        engine,
        metadata,
        keyring,
        batch_size=batch_size,
        encrypt_plaintext=encrypt_plaintext,
        on_batch=on_batch,
    )
    left = pending(engine, metadata, keyring)
    if left:
        raise MedgenError(
            f"{sum(left.values())} values are still under other keys ({', '.join(left)}); "
            "they changed during the rotation. Stop the app and run the rotation again."
        )
    retired = tuple(k.hex() for k in keyring.old_ids)
    if using_env:
        message = f"All values are under key id {keyring.current_id.hex()}. " + (
            "Remove MEDGEN_ENCRYPTION_OLD_KEYS from the environment."
            if keyring.old
            else "Nothing else to do."
        )
    else:
        write_key_file(settings.encryption_key_file, keyring.retired())
        message = (
            f"All values are under key id {keyring.current_id.hex()}; retired "
            f"{', '.join(retired) or 'no key'}. Back up {settings.encryption_key_file} now: "
            "older backups of the key file cannot read the data any more."
        )
    return RotationResult(report=report, retired=retired, message=message)


def default_metadata() -> MetaData:
    """The app's ORM metadata, with every table module imported."""
    from medgen.store import models

    return models.Base.metadata


def check_key(url: str | None = None, settings: Settings | None = None) -> Keyring:
    """Start-up check: the configured key reads the database at ``url``; install it; return it.

    Raises
    ------
    EncryptionKeyError
        No key while the database holds encrypted values, a malformed key, or a key that did not
        write them (the message says what to do; nothing is shown before this check passes).
    StorageError
        The database could not be read (unreachable, or a sampled value failed its integrity
        check: :class:`~medgen.errors.DecryptionError`).
    """
    from medgen.store.db import get_engine, storage_error

    settings = settings or get_settings()
    try:
        return check_database(get_engine(url or settings.database_url), default_metadata(), settings)
    except SQLAlchemyError as exc:
        log.error("encryption key check: database error %s", type(exc).__name__)
        raise storage_error(exc) from exc


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(
        prog="python -m medgen.store.keys", description="Manage the encryption-at-rest key."
    )
    parser.add_argument("--url", default=None, help="database URL (default: MEDGEN_DATABASE_URL)")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("status", help="which key ids the stored values are under")
    rot = sub.add_parser("rotate", help="re-encrypt everything under a new key (resumable)")
    rot.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    rot.add_argument(
        "--encrypt-plaintext",
        action="store_true",
        help="also encrypt values stored before their column was encrypted",
    )
    sub.add_parser("generate", help="print a new random key (for MEDGEN_ENCRYPTION_KEY)")
    args = parser.parse_args(argv)

    if args.action == "generate":
        sys.stdout.write(encode_key(generate_key()) + "\n")
        return 0
    from medgen.store.db import make_engine

    settings = get_settings()
    engine = make_engine(args.url or settings.database_url)
    metadata = default_metadata()
    try:
        if args.action == "status":
            keyring = load_keyring(settings, create=False)
            counts = key_ids_in_use(engine, metadata)
            sys.stdout.write(
                json.dumps(
                    {
                        "current_key_id": keyring.current_id.hex() if keyring else None,
                        "old_key_ids": [k.hex() for k in keyring.old_ids] if keyring else [],
                        "values_by_key_id": counts,
                    },
                    indent=2,
                )
                + "\n"
            )
            return 0
        result = rotate(
            engine,
            metadata,
            settings,
            batch_size=args.batch_size,
            encrypt_plaintext=args.encrypt_plaintext,
        )
        r = result.report
        log.info(
            "rotation done: %d rows, %d values re-encrypted, %d already done, %d batches",
            r.rows_seen,
            r.values_reencrypted,
            r.values_skipped,
            r.batches,
        )
        sys.stdout.write(result.message + "\n")
        return 0
    except MedgenError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
