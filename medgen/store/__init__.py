"""Storage: SQLAlchemy 2 ORM, session factory, repository functions, Alembic migrations."""
