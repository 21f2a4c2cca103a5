"""Process-wide resources behind ``st.cache_resource`` (created once, never on a rerun)."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from medgen.config import get_settings
from medgen.store.db import session_factory

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def db() -> sessionmaker[Session]:
    """Session factory for the configured database (schema created by ``make migrate``)."""
    return session_factory(get_settings().database_url)
