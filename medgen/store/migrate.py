"""Run Alembic migrations without an alembic.ini: ``python -m medgen.store.migrate [upgrade|downgrade REV]``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from medgen.config import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # '%' must be doubled for ConfigParser interpolation (passwords may contain it).
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description="Migrate the MedGen Studio database.")
    parser.add_argument("action", nargs="?", default="upgrade", choices=["upgrade", "downgrade"])
    parser.add_argument("revision", nargs="?", default=None)
    parser.add_argument("--url", default=None, help="database URL (default: MEDGEN_DATABASE_URL)")
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade(args.url, args.revision or "head")
    else:
        downgrade(args.url, args.revision or "base")


if __name__ == "__main__":
    main()
