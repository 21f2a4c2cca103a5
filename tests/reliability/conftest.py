"""Fixtures of the fault-injection tests: both database backends, a fixed encryption key.

The backend fixtures are those of the store tests (SQLite, and a real PostgreSQL from
``MEDGEN_TEST_POSTGRES_URL``: run under ``.ci/with_postgres.sh``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medgen.store.crypto import Keyring, encode_key, generate_key, use_keyring
from tests.store.conftest import db_url, empty_url, factory  # noqa: F401 - fixtures


@pytest.fixture
def keyring() -> Iterator[Keyring]:
    """A fresh key installed for this process (and handed to child processes as base64)."""
    ring = Keyring(current=generate_key())
    with use_keyring(ring):
        yield ring


def key_env(ring: Keyring) -> str:
    return encode_key(ring.current)
