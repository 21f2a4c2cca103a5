"""``python -m medgen.auth create-user NAME --role admin``: recovery when no admin can sign in."""

from __future__ import annotations

import argparse
import getpass
import logging

from medgen.auth.accounts import provision_user
from medgen.errors import MedgenError
from medgen.store import run
from medgen.types import Role

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    """Create an account on the configured database (asks for the password twice)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description="Manage MedGen Studio accounts from the server.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create an account (asks for the password)")
    create.add_argument("username")
    create.add_argument("--role", default=Role.ADMIN.value, choices=[r.value for r in Role])
    create.add_argument("--name", default="", help="full name")
    create.add_argument("--sso-only", action="store_true", help="no password: single sign-on only")
    args = parser.parse_args(argv)
    password = None
    if not args.sso_only:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat the password: "):
            parser.exit(1, "The two passwords differ.\n")
    try:
        info = run(None, provision_user, args.username, args.name, args.role, password)
    except MedgenError as exc:
        parser.exit(1, f"{exc}\n")
    log.info("created %s (%s)", info.username, info.role.value)
