"""Settings read once from the environment.

Every knob of the app is here, with its default (the embedded defaults: SQLite, CPU or the
best available device, bundled models). Nothing else in medgen reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: Repository root (the folder holding app.py, weights/, data/).
ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a mis-set variable must say which one
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Application settings; build with :func:`get_settings` (cached) or directly in tests."""

    # SQLAlchemy URL of the database; default is a SQLite file under data_dir.
    database_url: str = ""
    # Folder for the default SQLite database and other generated state (never in git).
    data_dir: Path = ROOT / "data"
    # Folder holding shipped model weights and their JSON model cards.
    weights_dir: Path = ROOT / "weights"
    # "auto" (CUDA, then MPS, then CPU) or an explicit torch device string such as "cpu".
    device: str = "auto"
    # Language model: a registry name (see medgen.text) or a path to a local HF folder / GGUF file.
    lm: str = "qwen2.5-coder-1.5b"
    # Largest accepted upload, in megabytes (also server.maxUploadSize in .streamlit/config.toml).
    max_upload_mb: int = 500
    # Minutes of inactivity before a signed-in user is signed out.
    session_timeout_min: int = 15
    # Hours after sign-in when a server-side session ends however active it is (sign in again).
    session_max_hours: int = 12
    # Failed logins in a row before an account is locked, and for how long (minutes).
    max_failed_logins: int = 5
    lockout_min: int = 15
    # torch CPU threads for language-model generation (0 = torch default). On a shared or busy
    # CPU, 1 avoids OpenMP oversubscription (measured: see README "Reports and patient text").
    lm_threads: int = 0
    # Cache folder for converted models and other derived, re-creatable files.
    cache_dir: Path = field(default_factory=lambda: ROOT / "data" / "cache")
    # Encryption at rest (medgen/store/crypto.py): a 256-bit key as 64 hex digits or base64; empty =
    # the key file ``encryption_key_file`` (created on first start). Never in repr or logs.
    encryption_key: str = field(default="", repr=False)
    # Retired keys still needed to read values during an env-key rotation (comma separated).
    encryption_old_keys: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'medgen.db'}")

    @property
    def encryption_key_file(self) -> Path:
        """The key file used when MEDGEN_ENCRYPTION_KEY is not set (mode 0600)."""
        return self.data_dir / "encryption.key"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("MEDGEN_DATA_DIR", str(ROOT / "data")))
        return cls(
            database_url=os.environ.get("MEDGEN_DATABASE_URL", ""),
            data_dir=data_dir,
            weights_dir=Path(os.environ.get("MEDGEN_WEIGHTS_DIR", str(ROOT / "weights"))),
            device=os.environ.get("MEDGEN_DEVICE", "auto"),
            lm=os.environ.get("MEDGEN_LM", "qwen2.5-coder-1.5b"),
            max_upload_mb=_env_int("MEDGEN_MAX_UPLOAD_MB", 500),
            session_timeout_min=_env_int("MEDGEN_SESSION_TIMEOUT_MIN", 15),
            session_max_hours=_env_int("MEDGEN_SESSION_MAX_HOURS", 12),
            max_failed_logins=_env_int("MEDGEN_MAX_FAILED_LOGINS", 5),
            lockout_min=_env_int("MEDGEN_LOCKOUT_MIN", 15),
            cache_dir=Path(os.environ.get("MEDGEN_CACHE_DIR", str(data_dir / "cache"))),
            lm_threads=_env_int("MEDGEN_LM_THREADS", 0),
            encryption_key=os.environ.get("MEDGEN_ENCRYPTION_KEY", ""),
            encryption_old_keys=os.environ.get("MEDGEN_ENCRYPTION_OLD_KEYS", ""),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return Settings.from_env()
