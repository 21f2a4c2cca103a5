"""PACS link settings: environment, .streamlit/secrets.toml, "not configured"."""

from __future__ import annotations

from pathlib import Path

import pytest

from medgen.config import DicomwebSettings, Settings

ENV = (
    "MEDGEN_DICOMWEB_URL",
    "MEDGEN_DICOMWEB_USER",
    "MEDGEN_DICOMWEB_PASSWORD",
    "MEDGEN_DICOMWEB_TOKEN",
    "MEDGEN_DICOMWEB_TIMEOUT_S",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def _secrets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_not_configured_when_absent(tmp_path: Path) -> None:
    cfg = DicomwebSettings.from_env(secrets_file=tmp_path / "missing.toml")
    assert not cfg.configured
    assert (cfg.url, cfg.auth, cfg.source) == ("", "none", "")
    # a secrets file without a [dicomweb] table is "not configured" too
    other = _secrets(tmp_path, '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    assert not DicomwebSettings.from_env(secrets_file=other).configured


def test_read_from_secrets_toml(tmp_path: Path) -> None:
    path = _secrets(
        tmp_path,
        '[dicomweb]\nurl = "https://pacs.example.org/dicom-web/"\nuser = "reader"\n'
        'password = "s3cret-pw"\ntimeout_s = 12.5\n',
    )
    cfg = DicomwebSettings.from_env(secrets_file=path)
    assert cfg.configured
    assert cfg.url == "https://pacs.example.org/dicom-web"
    assert (cfg.user, cfg.password, cfg.auth) == ("reader", "s3cret-pw", "basic")
    assert cfg.timeout_s == 12.5
    assert cfg.source == str(path)
    assert "s3cret-pw" not in repr(cfg)


def test_environment_replaces_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With MEDGEN_DICOMWEB_URL set, the environment configures the link alone: credentials
    from the file never go to another server."""
    path = _secrets(tmp_path, '[dicomweb]\nurl = "https://a.example/dicom-web"\ntoken = "tok-1"\n')
    assert DicomwebSettings.from_env(secrets_file=path).auth == "bearer"
    monkeypatch.setenv("MEDGEN_DICOMWEB_URL", "http://b.example:8042/dicom-web")
    monkeypatch.setenv("MEDGEN_DICOMWEB_TIMEOUT_S", "5")
    cfg = DicomwebSettings.from_env(secrets_file=path)
    assert (cfg.url, cfg.source, cfg.timeout_s) == (
        "http://b.example:8042/dicom-web",
        "environment",
        5.0,
    )
    assert (cfg.token, cfg.auth) == ("", "none")
    monkeypatch.setenv("MEDGEN_DICOMWEB_TOKEN", "tok-2")
    cfg = DicomwebSettings.from_env(secrets_file=path)
    assert (cfg.auth, cfg.token) == ("bearer", "tok-2")
    assert "tok-2" not in repr(cfg)


def test_settings_carry_the_pacs_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDGEN_DICOMWEB_URL", "http://pacs:8042/dicom-web")
    monkeypatch.setenv("MEDGEN_DICOMWEB_TOKEN", "bearer-token")
    settings = Settings.from_env()
    assert settings.dicomweb.configured and settings.dicomweb.auth == "bearer"
    assert "bearer-token" not in repr(settings)
    assert not Settings().dicomweb.configured


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "pacs:8042/dicom-web"}, "must start with http"),
        ({"url": "http://p/dw", "user": "u", "password": "p", "token": "t"}, "not both"),
        ({"url": "http://p/dw", "user": "u"}, "go together"),
        ({"url": "http://p/dw", "timeout_s": 0}, "must be positive"),
    ],
)
def test_misconfiguration_names_the_variable(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DicomwebSettings(**kwargs)


def test_bad_values_in_files_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="not valid TOML"):
        DicomwebSettings.from_env(secrets_file=_secrets(tmp_path, "[dicomweb\n"))
    with pytest.raises(ValueError, match="timeout_s must be a number"):
        DicomwebSettings.from_env(
            secrets_file=_secrets(tmp_path, '[dicomweb]\nurl = "http://p/dw"\ntimeout_s = "x"\n')
        )
    monkeypatch.setenv("MEDGEN_DICOMWEB_URL", "http://p/dw")
    monkeypatch.setenv("MEDGEN_DICOMWEB_TIMEOUT_S", "soon")
    with pytest.raises(ValueError, match="MEDGEN_DICOMWEB_TIMEOUT_S must be a number"):
        DicomwebSettings.from_env(secrets_file=tmp_path / "missing.toml")
