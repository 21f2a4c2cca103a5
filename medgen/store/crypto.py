"""Encryption at rest: AES-256-GCM per value, a keyring for rotation, SQLAlchemy column types.

Why AES-GCM from ``cryptography`` and not SQLCipher
----------------------------------------------------
* The same code protects SQLite and PostgreSQL: the database only ever sees opaque bytes
  (``LargeBinary``: BLOB / bytea). SQLCipher covers SQLite files only and needs a native build of
  its own (``sqlcipher3`` wheels, a patched libsqlite), PostgreSQL would need something else.
* Each value is authenticated (GCM tag): a flipped byte, a truncated value, or a value copied into
  another column or table (associated data ``table.column``) is refused, never shown as garbage.
* Each value names the key that wrote it (key id), so a key can be rotated row by row, resumably,
  while the app keeps reading both keys (:mod:`medgen.store.keys`).
* ``cryptography`` is a pinned wheel (already pulled in by Authlib); no compiler, no system library.
* What it does not do: hide which rows exist, their sizes, or the ids, dates, kinds and numbers
  the dashboard filters on (those stay plain on purpose); an encrypted column cannot be searched
  or filtered in SQL (GCM uses a random nonce, so equal texts give different bytes).

Ciphertext format (version 1)::

    b"MGX" | version (1 byte, 0x01) | key id (8 bytes) | nonce (12 bytes, random) | ciphertext+tag

The associated data is ``header | key id | "table.column"`` (UTF-8), so a value only decrypts in
the column it was written for. The key id is the first 8 bytes of SHA-256 over a label and the key:
it identifies a key without revealing it.

Keys: ``MEDGEN_ENCRYPTION_KEY`` (64 hex digits or base64 of 32 bytes), optionally with
``MEDGEN_ENCRYPTION_OLD_KEYS`` (comma separated) during a rotation; otherwise the key file
``$MEDGEN_DATA_DIR/encryption.key`` (mode 0600), created atomically on first start. The file holds
one key per line, the first is the current one; further lines are older keys still being retired.
Keys are never logged and never stored in the database.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import logging
import os
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    LargeBinary,
    MetaData,
    event,
    inspect,
    select,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from medgen.config import Settings, get_settings
from medgen.errors import DecryptionError, DiskFullError, EncryptionKeyError

log = logging.getLogger(__name__)

MAGIC = b"MGX"
VERSION = 1
HEADER = MAGIC + bytes([VERSION])
KEY_LEN = 32  # AES-256
KEY_ID_LEN = 8
NONCE_LEN = 12  # 96-bit random nonce, the GCM standard size
TAG_LEN = 16
#: Bytes before the ciphertext: header, key id, nonce.
PREFIX_LEN = len(HEADER) + KEY_ID_LEN + NONCE_LEN

_KEY_ID_LABEL = b"medgen-encryption-key-id\x00"
_KEY_FILE_HEADER = (
    "# MedGen Studio encryption keys (AES-256-GCM). Keep a backup of this file in a safe place,\n"
    "# apart from the database backups: without it the encrypted records cannot be read.\n"
    "# One key per line (base64); the first is the current key, the others are being retired.\n"
)

MISMATCH_MESSAGE = (
    "The encryption key does not match this database: the data was written with another key. "
    "Set MEDGEN_ENCRYPTION_KEY to the right key, or restore the key file "
    "(encryption.key in the data directory) from your key backup."
)
MISSING_MESSAGE = (
    "This database holds encrypted records but no encryption key was found. Set "
    "MEDGEN_ENCRYPTION_KEY, or restore the key file {path} from your key backup; "
    "a new key would not be able to read the existing records."
)
BAD_KEY_MESSAGE = (
    "{source} is not a valid encryption key: it must be 256 bits written as 64 hex digits or "
    "as base64 (generate one with `python -m medgen.store.keys generate`)."
)


# --- keys -----------------------------------------------------------------------------------


def generate_key() -> bytes:
    """A new random 256-bit key."""
    return secrets.token_bytes(KEY_LEN)


def key_id(key: bytes) -> bytes:
    """The 8-byte id of ``key`` (a truncated SHA-256; reveals nothing usable about the key)."""
    return hashlib.sha256(_KEY_ID_LABEL + key).digest()[:KEY_ID_LEN]


def encode_key(key: bytes) -> str:
    """``key`` as standard base64 (the key file and MEDGEN_ENCRYPTION_KEY format)."""
    return base64.b64encode(key).decode("ascii")


def parse_key(text: str, source: str = "MEDGEN_ENCRYPTION_KEY") -> bytes:
    """Decode a 256-bit key written as 64 hex digits or as (standard or URL-safe) base64.

    Raises
    ------
    EncryptionKeyError
        The text is not a 256-bit key; the message names ``source`` and never the value.
    """
    raw = text.strip()
    if len(raw) == 2 * KEY_LEN:
        try:
            return bytes.fromhex(raw)
        except ValueError:
            pass
    try:
        padded = raw + "=" * (-len(raw) % 4)
        alt = b"-_" if ("-" in raw or "_" in raw) else None
        key = base64.b64decode(padded, altchars=alt, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_LEN:
        raise EncryptionKeyError(BAD_KEY_MESSAGE.format(source=source))
    return key


@dataclass(frozen=True)
class Keyring:
    """The current key (encrypts) and older keys (still decrypt), looked up by key id.

    ``repr`` shows key ids only, never key material.
    """

    current: bytes = field(repr=False)
    old: tuple[bytes, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        for k in (self.current, *self.old):
            if len(k) != KEY_LEN:
                raise EncryptionKeyError(BAD_KEY_MESSAGE.format(source="A keyring entry"))

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_id.hex()}, old={[k.hex() for k in self.old_ids]})"

    @property
    def current_id(self) -> bytes:
        return key_id(self.current)

    @property
    def old_ids(self) -> tuple[bytes, ...]:
        return tuple(key_id(k) for k in self.old)

    @cached_property
    def keys(self) -> dict[bytes, bytes]:
        """key id -> key, for every key of the ring (computed once per ring)."""
        return {key_id(k): k for k in (*self.old, self.current)}

    def rotated(self, new_key: bytes | None = None) -> Keyring:
        """A ring whose current key is ``new_key`` (default: a fresh one); the others become old."""
        new_key = new_key or generate_key()
        olds = [k for k in (self.current, *self.old) if k != new_key]
        return Keyring(current=new_key, old=tuple(olds))

    def retired(self) -> Keyring:
        """The ring without its old keys (after every value was re-encrypted)."""
        return Keyring(current=self.current)

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt ``plaintext`` for the column ``context`` (``"table.column"``) with the current key."""
        kid = self.current_id
        nonce = secrets.token_bytes(NONCE_LEN)
        aad = _aad(kid, context)
        return HEADER + kid + nonce + AESGCM(self.current).encrypt(nonce, plaintext, aad)

    def decrypt(self, blob: bytes, context: str) -> bytes:
        """Decrypt a value written by :meth:`encrypt` for the same ``context``.

        Raises
        ------
        EncryptionKeyError
            The value was written with a key that is not in this ring.
        DecryptionError
            The value is not in the encrypted format, or fails authentication (altered, truncated,
            or written for another column).
        """
        blob = bytes(blob)
        if not is_ciphertext(blob):
            raise DecryptionError(
                "A stored record is not in the encrypted format (it may predate encryption or be "
                "damaged) and is not shown. An administrator can encrypt old records with "
                "`python -m medgen.store.keys rotate --encrypt-plaintext`."
            )
        kid = blob[len(HEADER) : len(HEADER) + KEY_ID_LEN]
        key = self.keys.get(kid)
        if key is None:
            raise EncryptionKeyError(MISMATCH_MESSAGE)
        nonce = blob[len(HEADER) + KEY_ID_LEN : PREFIX_LEN]
        try:
            return AESGCM(key).decrypt(nonce, blob[PREFIX_LEN:], _aad(kid, context))
        except InvalidTag:
            raise DecryptionError() from None


def _aad(kid: bytes, context: str) -> bytes:
    return HEADER + kid + context.encode("utf-8")


def is_ciphertext(blob: bytes | memoryview | str | None) -> bool:
    """Whether ``blob`` has the header and minimum length of a version-1 encrypted value."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        return False
    b = bytes(blob[: len(HEADER)])
    return b == HEADER and len(blob) >= PREFIX_LEN + TAG_LEN


def blob_key_id(blob: bytes | memoryview) -> bytes | None:
    """The key id an encrypted value was written with (``None`` when it is not encrypted)."""
    if not is_ciphertext(blob):
        return None
    return bytes(blob[len(HEADER) : len(HEADER) + KEY_ID_LEN])


# --- key file -------------------------------------------------------------------------------


def read_key_file(path: Path) -> Keyring:
    """Read a keyring file (first key current, later keys old)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "encryption key file %s is readable by other users (mode %o); it should be 0600",
            path,
            stat.S_IMODE(mode),
        )
    lines = [
        ln.strip()
        for ln in path.read_text(encoding="ascii", errors="replace").splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not lines:
        raise EncryptionKeyError(
            f"The encryption key file {path} holds no key. Restore it from your key backup."
        )
    keys = [parse_key(ln, source=f"A line of {path}") for ln in lines]
    return Keyring(current=keys[0], old=tuple(keys[1:]))


def _key_file_text(keyring: Keyring) -> str:
    return _KEY_FILE_HEADER + "".join(encode_key(k) + "\n" for k in (keyring.current, *keyring.old))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


KEY_FILE_DISK_FULL_MESSAGE = (
    "The server's disk is full, so the encryption key file {path} could not be written and "
    "nothing was saved. Ask an administrator to free disk space in the data directory, then "
    "try again."
)


def _write_temp(path: Path, text: str) -> Path:
    """``text`` in a new 0600 file next to ``path``, synced; removed again if writing fails.

    Raises :class:`~medgen.errors.DiskFullError` when the disk is full (nothing is left behind).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    except OSError as exc:
        _raise_if_disk_full(exc, path)
        raise
    try:
        try:
            os.fchmod(fd, 0o600)
            data = text.encode("ascii")
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, "short write", tmp)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        _raise_if_disk_full(exc, path)
        raise
    return Path(tmp)


def _raise_if_disk_full(exc: OSError, path: Path) -> None:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        log.error("disk full while writing the encryption key file %s", path)
        raise DiskFullError(KEY_FILE_DISK_FULL_MESSAGE.format(path=path)) from exc


def create_key_file(path: Path, keyring: Keyring | None = None) -> Keyring:
    """Create the key file atomically with mode 0600; if it appeared meanwhile, use that one.

    The new file is written completely under a temporary name and then hard-linked into place,
    which fails if another process created the file first: no reader ever sees half a key, and
    two processes starting at once agree on one key.
    """
    keyring = keyring or Keyring(current=generate_key())
    tmp = _write_temp(path, _key_file_text(keyring))
    try:
        os.link(tmp, path)
    except FileExistsError:
        log.info("encryption key file %s was created by another process; using it", path)
        return read_key_file(path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    log.info("created encryption key file %s (key id %s)", path, keyring.current_id.hex())
    return keyring


def write_key_file(path: Path, keyring: Keyring) -> None:
    """Replace the key file atomically (mode 0600) with ``keyring``."""
    tmp = _write_temp(path, _key_file_text(keyring))
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def load_keyring(settings: Settings | None = None, *, create: bool = True) -> Keyring | None:
    """The configured keyring: MEDGEN_ENCRYPTION_KEY if set, else the key file.

    Parameters
    ----------
    settings
        Defaults to :func:`medgen.config.get_settings`.
    create
        Create the key file when there is neither an environment key nor a file; when False,
        return ``None`` in that case.
    """
    settings = settings or get_settings()
    if settings.encryption_key.strip():
        current = parse_key(settings.encryption_key)
        old = tuple(
            parse_key(part, source="MEDGEN_ENCRYPTION_OLD_KEYS")
            for part in settings.encryption_old_keys.split(",")
            if part.strip()
        )
        return Keyring(current=current, old=old)
    path = settings.encryption_key_file
    if path.exists():
        return read_key_file(path)
    if not create:
        return None
    return create_key_file(path)


# --- the process-wide keyring used by the column types --------------------------------------

_lock = threading.Lock()
_active: Keyring | None = None


def set_active_keyring(keyring: Keyring | None) -> None:
    """Install ``keyring`` for every encrypted column in this process (``None``: reload lazily)."""
    global _active
    with _lock:
        _active = keyring


def active_keyring() -> Keyring:
    """The keyring the column types use; loaded (and the key file created) on first use."""
    global _active
    with _lock:
        if _active is None:
            _active = load_keyring(create=True)
        assert _active is not None
        return _active


@contextmanager
def use_keyring(keyring: Keyring) -> Iterator[Keyring]:
    """Temporarily install ``keyring`` (tests, the rotation CLI)."""
    global _active
    with _lock:
        previous = _active
        _active = keyring
    try:
        yield keyring
    finally:
        with _lock:
            _active = previous


# --- SQLAlchemy column types ----------------------------------------------------------------

T = TypeVar("T")


class _Encrypted(TypeDecorator[T]):
    """Base of the encrypted column types: Python value <-> bytes <-> AES-GCM blob (LargeBinary).

    ``context`` is the associated data; by default it is ``"table.column"``, filled in when the
    column is attached to its table. Use one type instance per column.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str | None = None) -> None:
        super().__init__()
        self.context = context
        self._explicit_context = context is not None
        self._owner: int | None = None  # id() of the Column this instance belongs to

    def copy(self, **kw: Any) -> _Encrypted[T]:
        # A copy (dialect adaptation, a column copied by a mixin or Table.to_metadata) is free to
        # join a new column, and then learns that column's table name.
        inst = super().copy(**kw)
        inst._owner = None
        return inst

    # SQLAlchemy calls this when the type is given to a Column (TypeDecorator is a
    # SchemaEventTarget); we then learn the table name when the column joins its table.
    def _set_parent(self, parent: Any, outer: bool = False, **kw: Any) -> None:
        super()._set_parent(parent, outer=outer, **kw)
        if self._explicit_context or not isinstance(parent, Column):
            return
        if self._owner is not None and self._owner != id(parent):
            raise ValueError(
                f"one {type(self).__name__} instance is used by two columns "
                f"({self.context or 'unattached'} and {parent.name}); give each column its own instance"
            )
        self._owner = id(parent)

        def _attached(column: Column[Any], table: Any) -> None:
            self.context = f"{table.name}.{column.name}"

        event.listen(parent, "after_parent_attach", _attached)

    def _require_context(self) -> str:
        if not self.context:
            raise RuntimeError(
                f"{type(self).__name__} is not attached to a table column; pass context='table.column'"
            )
        return self.context

    def to_bytes(self, value: T) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> T:  # pragma: no cover - abstract
        raise NotImplementedError

    def process_bind_param(self, value: T | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return active_keyring().encrypt(self.to_bytes(value), self._require_context())

    def process_result_value(self, value: Any, dialect: Dialect) -> T | None:
        if value is None:
            return None
        return self.from_bytes(active_keyring().decrypt(bytes(value), self._require_context()))

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        raise NotImplementedError("encrypted values are never rendered into SQL text")


class EncryptedText(_Encrypted[str]):
    """A ``str`` column stored encrypted (UTF-8, then AES-GCM) as bytes."""

    cache_ok = True

    def to_bytes(self, value: str) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"EncryptedText expects str, got {type(value).__name__}")
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")

    @property
    def python_type(self) -> type[Any]:
        return str


class EncryptedBytes(_Encrypted[bytes]):
    """A ``bytes`` column (e.g. PNG previews) stored encrypted."""

    cache_ok = True

    def to_bytes(self, value: bytes) -> bytes:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"EncryptedBytes expects bytes, got {type(value).__name__}")
        return bytes(value)

    def from_bytes(self, data: bytes) -> bytes:
        return data

    @property
    def python_type(self) -> type[Any]:
        return bytes


class EncryptedJSON(_Encrypted[Any]):
    """A JSON value (dict/list/str/number) stored encrypted; compact UTF-8 JSON inside."""

    cache_ok = True

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))


ENCRYPTED_TYPES: tuple[type[_Encrypted[Any]], ...] = (EncryptedText, EncryptedBytes, EncryptedJSON)


def encrypted_columns(metadata: MetaData | Iterable[Any]) -> list[Column[Any]]:
    """Every column of ``metadata`` (or of the given tables) whose type is an encrypted type."""
    tables = metadata.sorted_tables if isinstance(metadata, MetaData) else list(metadata)
    return [c for t in tables for c in t.columns if isinstance(c.type, _Encrypted)]


def column_context(column: Column[Any]) -> str:
    """The associated-data label of an encrypted column."""
    typ = column.type
    assert isinstance(typ, _Encrypted)
    return typ.context or f"{column.table.name}.{column.name}"


# --- start-up check -------------------------------------------------------------------------


def sample_ciphertexts(engine: Engine, metadata: MetaData) -> list[tuple[Column[Any], bytes]]:
    """One stored raw value (the first non-NULL) of each encrypted column whose table exists."""
    existing = set(inspect(engine).get_table_names())
    out: list[tuple[Column[Any], bytes]] = []
    with engine.connect() as conn:
        for col in encrypted_columns(metadata):
            if col.table.name not in existing:
                continue
            raw = type_coerce(col, LargeBinary)
            value = conn.execute(select(raw).where(col.is_not(None)).limit(1)).scalar()
            if value is not None:
                out.append((col, bytes(value) if not isinstance(value, str) else value))
    return out


def check_database(engine: Engine, metadata: MetaData, settings: Settings | None = None) -> Keyring:
    """Start-up check: find the key, make sure it reads this database, install it; return it.

    * No key configured and no key file: if the database already holds encrypted values, raise
      :class:`EncryptionKeyError` (a new key would not read them); otherwise create the key file.
    * A key that did not write the stored values: :class:`EncryptionKeyError`, before any
      page shows anything.

    Raises
    ------
    EncryptionKeyError
    DecryptionError
        A sampled value fails authentication (tampered data).
    """
    settings = settings or get_settings()
    samples = sample_ciphertexts(engine, metadata)
    keyring = load_keyring(settings, create=False)
    if keyring is None:
        if any(is_ciphertext(b) for _, b in samples):
            raise EncryptionKeyError(MISSING_MESSAGE.format(path=settings.encryption_key_file))
        keyring = load_keyring(settings, create=True)
        assert keyring is not None
    for col, blob in samples:
        if is_ciphertext(blob):
            keyring.decrypt(blob, column_context(col))
    set_active_keyring(keyring)
    return keyring


def key_ids_in_use(
    engine: Engine | Connection,
    metadata: MetaData,
    columns: Sequence[Column[Any]] | None = None,
) -> dict[str, int]:
    """How many stored values each key id (hex) encrypts ("plaintext" for unencrypted values)."""
    counts: dict[str, int] = {}
    existing = set(inspect(engine).get_table_names())
    with engine.connect() if isinstance(engine, Engine) else nullcontext(engine) as conn:
        for col in columns or encrypted_columns(metadata):
            if col.table.name not in existing:
                continue
            raw = type_coerce(col, LargeBinary)
            for (value,) in conn.execute(select(raw).where(col.is_not(None))):
                kid = blob_key_id(value)
                label = kid.hex() if kid is not None else "plaintext"
                counts[label] = counts.get(label, 0) + 1
    return counts
