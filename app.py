"""MedGen Studio entrypoint: a router only (page config, login gate, role-based navigation, run)."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from medgen.config import get_settings
from medgen.errors import MedgenError, StorageError
from medgen.types import Role
from medgen.ui import auth as ui_auth

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
get_settings()  # read the environment once (also sets HF_HUB_OFFLINE=1)

st.set_page_config(page_title="MedGen Studio", page_icon=":material/radiology:", layout="wide")

PAGES_DIR = Path(__file__).resolve().parent / "pages"

# Every page: file in pages/ -> (section, title, icon). Add one line per new page.
PAGES: dict[str, tuple[str, str, str]] = {
    "viewer.py": ("Scans", "Viewer", ":material/image_search:"),
    "compare.py": ("Scans", "Compare", ":material/compare:"),
    "jobs.py": ("Scans", "Jobs", ":material/work_history:"),
    "report.py": ("Reports", "Draft report", ":material/edit_note:"),
    "education.py": ("Reports", "Patient education", ":material/school:"),
    "review.py": ("Quality", "Quality review", ":material/insights:"),
    "lab.py": ("Research", "Drug-design lab", ":material/science:"),
    "admin_users.py": ("Administration", "Users", ":material/group:"),
    "admin_audit.py": ("Administration", "Audit trail", ":material/policy:"),
    "admin_adapt.py": ("Administration", "Site adaptation", ":material/tune:"),
    "account.py": ("Account", "My account", ":material/person:"),
}

# Which role sees which pages (the first existing one is the role's start page). Each page ALSO
# checks the role itself with require_user(...): a page not listed here cannot even be routed to.
ROLE_PAGES: dict[Role, list[str]] = {
    Role.CLINICIAN: ["viewer.py", "compare.py", "jobs.py", "report.py", "education.py", "account.py"],
    Role.REVIEWER: ["review.py", "account.py"],
    Role.ADMIN: ["admin_users.py", "admin_audit.py", "admin_adapt.py", "review.py", "account.py"],
    Role.RESEARCHER: ["lab.py", "account.py"],
}


def navigation_for(role: Role) -> dict[str, list[st.Page]]:
    """The sections and pages ``role`` may open; pages not yet on disk are left out."""
    sections: dict[str, list[st.Page]] = {}
    for name in ROLE_PAGES[role]:
        if not (PAGES_DIR / name).exists():
            continue
        section, title, icon = PAGES[name]
        first = not sections
        sections.setdefault(section, []).append(
            st.Page(f"pages/{name}", title=title, icon=icon, default=first)
        )
    return sections


try:
    user = ui_auth.gate()
except MedgenError as exc:
    st.error(str(exc))
    st.stop()

if user is None:
    pg = st.navigation([st.Page(ui_auth.login_page, title="Sign in", url_path="login")], position="hidden")
else:
    pg = st.navigation(navigation_for(user.role))
    ui_auth.account_sidebar(user)
try:
    pg.run()
except StorageError as exc:
    # A page's database call that the page itself does not catch: the cause (database down, disk
    # full, ...) in words a clinician can act on, never Streamlit's redacted traceback. Widgets the
    # page drew before the failure keep their values for the next try.
    logging.getLogger("medgen.app").warning("page failed on storage: %s", type(exc).__name__)
    st.error(f"{exc} Try again once this is fixed; nothing on this page was saved.")
