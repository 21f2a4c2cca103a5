"""Storage: SQLAlchemy 2 ORM, units of work, repository functions, Alembic migrations.

The only package that touches the database. Callers outside it run repository functions with
:func:`run` (or :func:`unit_of_work`), which map database errors to ``StorageError``.
"""

from medgen.store.db import Factory, run, session_factory, unit_of_work

__all__ = ["Factory", "run", "session_factory", "unit_of_work"]
