"""The path the lead's migration takes: plain TEXT/JSON columns -> encrypted bytes, in place.

1. Alembic changes the column type to LargeBinary (SQLite: batch mode copies the values;
   PostgreSQL: ``USING convert_to(col, 'UTF8')``, JSON through ``col::text``).
2. :func:`medgen.store.keys.reencrypt` with ``encrypt_plaintext=True`` on the migration's own
   connection encrypts every existing value in the same transaction.
Afterwards the ORM with the encrypted types reads every record back unchanged, the raw bytes hold
no plaintext, and the schema matches the metadata.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    type_coerce,
)

from medgen.store import keys
from medgen.store.crypto import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    Keyring,
    generate_key,
    is_ciphertext,
    use_keyring,
)
from medgen.store.db import make_engine

OLD = MetaData()
Table(
    "mig_outputs",
    OLD,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("draft_text", Text),
    Column("params", JSON, nullable=False),
    Column("preview", LargeBinary),
)
NEW = MetaData()
new_table = Table(
    "mig_outputs",
    NEW,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("draft_text", EncryptedText()),
    Column("params", EncryptedJSON(), nullable=False),
    Column("preview", EncryptedBytes()),
)

ROWS: list[dict[str, Any]] = [
    {
        "id": i,
        "kind": "report" if i % 2 else "enhance",
        "draft_text": None if i == 3 else f"Draft {i}: 8 mm ground-glass nodule, left lower lobe.",
        "params": {"strength": i / 10, "findings": [f"nodule {i}"]},
        "preview": None if i == 4 else b"\x89PNG" + bytes([i]) * 300,
    }
    for i in range(1, 12)
]


def test_plain_columns_migrate_to_encrypted(empty_url: str) -> None:
    engine = make_engine(empty_url)
    ring = Keyring(current=generate_key())
    try:
        OLD.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(OLD.tables["mig_outputs"]), ROWS)

        with engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            ops = Operations(MigrationContext.configure(conn))
            if sqlite:
                with ops.batch_alter_table("mig_outputs") as batch:
                    batch.alter_column("draft_text", type_=LargeBinary, existing_type=Text)
                    batch.alter_column(
                        "params", type_=LargeBinary, existing_type=JSON, existing_nullable=False
                    )
            else:
                ops.alter_column(
                    "mig_outputs",
                    "draft_text",
                    type_=LargeBinary,
                    existing_type=Text,
                    postgresql_using="convert_to(draft_text, 'UTF8')",
                )
                ops.alter_column(
                    "mig_outputs",
                    "params",
                    type_=LargeBinary,
                    existing_type=JSON,
                    existing_nullable=False,
                    postgresql_using="convert_to(params::text, 'UTF8')",
                )
            report = keys.reencrypt(conn, NEW, ring, batch_size=4, encrypt_plaintext=True)
        assert report.values_reencrypted == 11 + 11 + 10 - 1  # draft (one NULL) + params + preview

        with use_keyring(ring), engine.connect() as conn:
            got = [
                dict(r._mapping) for r in conn.execute(select(new_table).order_by(new_table.c.id))
            ]
            assert got == ROWS
            for col in ("draft_text", "params", "preview"):
                raw = conn.execute(select(type_coerce(new_table.c[col], LargeBinary))).scalars()
                values = [v for v in raw if v is not None]
                assert values and all(is_ciphertext(v) for v in values)
                assert not any(b"nodule" in bytes(v) for v in values)
            diff = compare_metadata(MigrationContext.configure(conn), NEW)
            assert diff == [], diff
    finally:
        OLD.drop_all(engine)
        engine.dispose()
