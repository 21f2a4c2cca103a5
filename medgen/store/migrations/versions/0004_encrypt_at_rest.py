"""Encryption at rest: clinical text, JSON and previews become AES-GCM bytes (issue 14).

The columns change to ``LargeBinary`` (BLOB / bytea) and every existing value is encrypted in the
same transaction, with the configured key (``MEDGEN_ENCRYPTION_KEY`` or the key file, created on
first use); a failure rolls the whole step back. The downgrade decrypts every value and restores
the plain column types.

SQLite changes a column type by copying the table (Alembic batch mode); foreign keys are switched
off for that copy, otherwise dropping the old ``generated_outputs`` would cascade into ``ratings``.
PostgreSQL converts in place (``ALTER COLUMN ... TYPE bytea USING convert_to(...)``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

# (table, column, plain type, nullable); the key/value context is "table.column" as in the ORM.
COLUMNS: list[tuple[str, str, Any, bool]] = [
    ("studies", "description", sa.String(128), False),
    ("images", "meta", sa.JSON(), False),
    ("generated_outputs", "params", sa.JSON(), False),
    ("generated_outputs", "flags", sa.JSON(), False),
    ("generated_outputs", "draft_text", sa.Text(), True),
    ("generated_outputs", "final_text", sa.Text(), True),
    ("generated_outputs", "metrics", sa.JSON(), False),
    ("generated_outputs", "preview_before", sa.LargeBinary(), True),
    ("generated_outputs", "preview_after", sa.LargeBinary(), True),
    ("ratings", "comment", sa.Text(), False),
]


def _by_table() -> dict[str, list[tuple[str, Any, bool]]]:
    out: dict[str, list[tuple[str, Any, bool]]] = defaultdict(list)
    for table, column, typ, nullable in COLUMNS:
        out[table].append((column, typ, nullable))
    return out


def _metadata() -> sa.MetaData:
    """These tables as this migration knows them: id + the encrypted columns (no ORM import)."""
    from medgen.store.crypto import EncryptedBytes, EncryptedJSON, EncryptedText

    md = sa.MetaData()
    for table, cols in _by_table().items():
        columns: list[sa.Column[Any]] = [sa.Column("id", sa.Integer, primary_key=True)]
        for column, typ, nullable in cols:
            ctx = f"{table}.{column}"
            enc: Any
            if isinstance(typ, sa.JSON):
                enc = EncryptedJSON(context=ctx)
            elif isinstance(typ, sa.LargeBinary):
                enc = EncryptedBytes(context=ctx)
            else:
                enc = EncryptedText(context=ctx)
            columns.append(sa.Column(column, enc, nullable=nullable))
        sa.Table(table, md, *columns)
    return md


def _sqlite_foreign_keys_off(conn: sa.Connection) -> None:
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "SQLite foreign keys could not be switched off for this migration (a transaction was "
            "already open); run `python -m medgen.store.migrate upgrade` on its own."
        )


def _sqlite_check(conn: sa.Connection) -> None:
    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if bad:
        raise RuntimeError(f"foreign key check failed after the table copy: {bad[:5]}")


def _alter_types(to_binary: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for table, cols in _by_table().items():
            with op.batch_alter_table(table) as batch:
                for column, typ, nullable in cols:
                    if isinstance(typ, sa.LargeBinary):
                        continue
                    new, old = (sa.LargeBinary(), typ) if to_binary else (typ, sa.LargeBinary())
                    batch.alter_column(
                        column, type_=new, existing_type=old, existing_nullable=nullable
                    )
        _sqlite_check(conn)
        return
    for table, column, typ, nullable in COLUMNS:
        if isinstance(typ, sa.LargeBinary):
            continue
        if to_binary:
            source = f"{column}::text" if isinstance(typ, sa.JSON) else column
            using = f"convert_to({source}, 'UTF8')"
            new, old = sa.LargeBinary(), typ
        else:
            using = f"convert_from({column}, 'UTF8')"
            if isinstance(typ, sa.JSON):
                using += "::json"
            new, old = typ, sa.LargeBinary()
        op.alter_column(
            table, column, type_=new, existing_type=old, existing_nullable=nullable,
            postgresql_using=using,
        )


def upgrade() -> None:
    from medgen.store import crypto, keys

    keyring = crypto.active_keyring()  # before any change: a bad key stops the migration here
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_foreign_keys_off(conn)
    _alter_types(to_binary=True)
    # Every value still plain is encrypted on this connection: one transaction with the type change.
    report = keys.reencrypt(conn, _metadata(), keyring, encrypt_plaintext=True)
    log.info("encrypted %d stored values", report.values_reencrypted)


def downgrade() -> None:
    from medgen.store import crypto

    conn = op.get_bind()
    keyring = crypto.active_keyring()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys_off(conn)  # before the first write (SQLite ignores it in a transaction)
    md = _metadata()
    for table in md.sorted_tables:
        cols = [c for c in table.columns if c.name != "id"]
        raw = [sa.type_coerce(c, sa.LargeBinary).label(c.name) for c in cols]
        for row in conn.execute(sa.select(table.c.id, *raw).order_by(table.c.id)).all():
            values: dict[str, Any] = {}
            for i, col in enumerate(cols):
                blob = row[i + 1]
                if blob is None or not crypto.is_ciphertext(blob):
                    continue
                plain = keyring.decrypt(bytes(blob), crypto.column_context(col))
                if sqlite and not isinstance(col.type, crypto.EncryptedBytes):
                    # stored as TEXT, as the plain column type reads it
                    values[col.name] = sa.type_coerce(plain.decode("utf-8"), sa.Text)
                else:
                    values[col.name] = sa.type_coerce(plain, sa.LargeBinary)
            if values:
                conn.execute(sa.update(table).where(table.c.id == row[0]).values(values))
    _alter_types(to_binary=False)
