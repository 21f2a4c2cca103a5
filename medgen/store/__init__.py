"""Storage: SQLAlchemy 2 ORM, session factory, repository functions, Alembic migrations."""

# Installs the append-only guard on AuditEvent for every session (see medgen/store/audit.py).
from medgen.store import audit as _audit  # noqa: E402,F401
