"""Settings read once from the environment.

Every knob of the app is here, with its default (the embedded defaults: SQLite, CPU or the
best available device, bundled models). Nothing else in medgen reads ``os.environ``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

#: Repository root (the folder holding app.py, weights/, data/).
ROOT = Path(__file__).resolve().parent.parent
#: Streamlit's secrets file (git-ignored); its ``[dicomweb]`` table configures the PACS link.
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"


def _env_number(name: str, default: float, kind: type[float] | type[int]) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw)
    except ValueError as exc:  # a mis-set variable must say which one
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, got {raw!r}") from exc


def _env_int(name: str, default: int) -> int:
    return int(_env_number(name, default, int))


def _env_float(name: str, default: float) -> float:
    return float(_env_number(name, default, float))


@dataclass(frozen=True)
class DicomwebSettings:
    """The PACS link (DICOMweb). Not configured (``url`` empty) unless set.

    Credentials: ``user`` + ``password`` (HTTP basic) or ``token`` (HTTP bearer), never both.
    They are kept out of ``repr`` so that they never reach a log.
    """

    # DICOMweb root, e.g. "https://pacs.example.org/dicom-web" ("" = not configured).
    url: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    # Seconds to wait for the PACS to connect or answer before giving up.
    timeout_s: float = 30.0
    # Where the URL came from: "environment", a secrets file path, or "" (not configured).
    source: str = ""

    def __post_init__(self) -> None:
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError(
                f"MEDGEN_DICOMWEB_URL must start with http:// or https://, got {self.url!r}"
            )
        if self.token and (self.user or self.password):
            raise ValueError(
                "Set either MEDGEN_DICOMWEB_TOKEN or MEDGEN_DICOMWEB_USER/PASSWORD, not both"
            )
        if bool(self.user) != bool(self.password):
            raise ValueError("MEDGEN_DICOMWEB_USER and MEDGEN_DICOMWEB_PASSWORD go together")
        if self.timeout_s <= 0:
            raise ValueError(f"MEDGEN_DICOMWEB_TIMEOUT_S must be positive, got {self.timeout_s}")

    @property
    def configured(self) -> bool:
        """True when a DICOMweb URL is set."""
        return bool(self.url)

    @property
    def auth(self) -> str:
        """The HTTP authentication used: ``"basic"``, ``"bearer"`` or ``"none"``."""
        if self.token:
            return "bearer"
        return "basic" if self.user else "none"

    @classmethod
    def from_env(cls, secrets_file: Path | None = None) -> DicomwebSettings:
        """From the environment when ``MEDGEN_DICOMWEB_URL`` is set, else from the ``[dicomweb]``
        table of ``.streamlit/secrets.toml`` (keys ``url``, ``user``, ``password``, ``token``,
        ``timeout_s``). The two are never mixed, so credentials always come with their URL.
        """
        if os.environ.get("MEDGEN_DICOMWEB_URL", "").strip():
            return cls(
                url=os.environ["MEDGEN_DICOMWEB_URL"].strip().rstrip("/"),
                user=os.environ.get("MEDGEN_DICOMWEB_USER", "").strip(),
                password=os.environ.get("MEDGEN_DICOMWEB_PASSWORD", ""),
                token=os.environ.get("MEDGEN_DICOMWEB_TOKEN", "").strip(),
                timeout_s=_env_float("MEDGEN_DICOMWEB_TIMEOUT_S", 30.0),
                source="environment",
            )
        path = SECRETS_FILE if secrets_file is None else secrets_file
        if not path.is_file():
            return cls()
        try:
            with path.open("rb") as f:
                table = tomllib.load(f).get("dicomweb", {})
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path} is not valid TOML: {exc}") from exc
        if not isinstance(table, dict):
            raise ValueError(f"{path}: [dicomweb] must be a table")
        url = str(table.get("url", "") or "").strip().rstrip("/")
        if not url:
            return cls()
        timeout = table.get("timeout_s", 30.0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            raise ValueError(f"{path}: [dicomweb] timeout_s must be a number of seconds")
        return cls(
            url=url,
            user=str(table.get("user", "") or "").strip(),
            password=str(table.get("password", "") or ""),
            token=str(table.get("token", "") or "").strip(),
            timeout_s=float(timeout),
            source=str(path),
        )


class LmBackend(StrEnum):
    """Language-model runtimes (``MEDGEN_LM_BACKEND``)."""

    LLAMACPP = "llamacpp"
    TRANSFORMERS = "transformers"

    @classmethod
    def parse(cls, value: LmBackend | str, name: str = "lm_backend") -> LmBackend:
        """``value`` as a backend ("" means the default, llamacpp); ValueError naming the choices."""
        raw = str(value).strip().lower() or cls.LLAMACPP.value
        try:
            return cls(raw)
        except ValueError:
            raise ValueError(
                f"{name} must be one of {', '.join(b.value for b in cls)}, got {str(value)!r}"
            ) from None


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
    # CPU threads for language-model generation (0 = the runtime's default: llama.cpp uses the
    # usable CPUs, at most 8; torch its own default). On a shared or busy CPU, 1 avoids
    # oversubscription (measured: see README "Language models").
    lm_threads: int = 0
    # Read a valid, unchanged findings form's request ahead of the "Draft report" click
    # (llama.cpp only; MEDGEN_LM_PREFILL=0 turns it off). On by default since the cause of the
    # load-test failures once blamed on it was found elsewhere: a rerun closed the open
    # "Generation settings" expander (fixed; it also failed CI with the read-ahead off).
    lm_prefill: bool = True
    # Language-model runtime (MEDGEN_LM_BACKEND): llama.cpp (default, GGUF files as they are) or
    # transformers (the reference runtime; also reads Hugging Face folders).
    lm_backend: LmBackend = field(default_factory=lambda: LmBackend.LLAMACPP)
    # Site adaptation (issue 12): a JSON training config replacing the shipped
    # medgen/enhance/configs/adapt.json (None = the shipped one).
    adapt_config: Path | None = None
    # Cache folder for converted models and other derived, re-creatable files.
    cache_dir: Path = field(default_factory=lambda: ROOT / "data" / "cache")
    # Encryption at rest (medgen/store/crypto.py): a 256-bit key as 64 hex digits or base64; empty =
    # the key file ``encryption_key_file`` (created on first start). Never in repr or logs.
    encryption_key: str = field(default="", repr=False)
    # Retired keys still needed to read values during an env-key rotation (comma separated).
    encryption_old_keys: str = field(default="", repr=False)
    # PACS link over DICOMweb (MEDGEN_DICOMWEB_* or [dicomweb] in .streamlit/secrets.toml).
    dicomweb: DicomwebSettings = field(default_factory=DicomwebSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lm_backend", LmBackend.parse(self.lm_backend))
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
            adapt_config=Path(os.environ["MEDGEN_ADAPT_CONFIG"])
            if os.environ.get("MEDGEN_ADAPT_CONFIG") else None,
            lm_threads=_env_int("MEDGEN_LM_THREADS", 0),
            lm_prefill=os.environ.get("MEDGEN_LM_PREFILL", "1").strip().lower() not in ("0", "false", "no", "off"),
            lm_backend=LmBackend.parse(os.environ.get("MEDGEN_LM_BACKEND", ""), "MEDGEN_LM_BACKEND"),
            encryption_key=os.environ.get("MEDGEN_ENCRYPTION_KEY", ""),
            encryption_old_keys=os.environ.get("MEDGEN_ENCRYPTION_OLD_KEYS", ""),
            dicomweb=DicomwebSettings.from_env(),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return Settings.from_env()
