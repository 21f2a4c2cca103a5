"""Process-wide resources behind ``st.cache_resource`` (created once, never on a rerun)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from medgen import jobs
from medgen.config import get_settings
from medgen.errors import StorageError
from medgen.store import Factory, keys, run, session_factory

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def db() -> Factory:
    """Session factory for the configured database (schema created by ``make migrate``).

    First checks that the encryption key reads this database (:func:`medgen.store.keys.check_key`):
    a wrong or missing key raises :class:`~medgen.errors.EncryptionKeyError` (a message saying
    what to do, shown by ``app.py``) before any page reads a record; nothing is cached then, so
    the next run checks again once the key is fixed.

    Then marks jobs that a stopped server process left running as failed
    (:func:`medgen.jobs.recover`): this runs once per server process.
    """
    url = get_settings().database_url
    keys.check_key(url)
    factory = session_factory(url)
    try:
        jobs.recover(factory)
    except StorageError:
        log.error("could not check for interrupted background jobs (is the database migrated?)")
    return factory


def transact(work: Callable[Concatenate[Any, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(session, *args, **kwargs)``, a store function, in one unit of work on the app's database.

    Raises :class:`~medgen.errors.StorageError` (nothing saved) when the database fails.
    """
    return run(db(), work, *args, **kwargs)
