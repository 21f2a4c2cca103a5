"""Disk full: the data directory (SQLite database + encryption key file) on a small real tmpfs.

The data directory is a 4 MiB tmpfs mounted for the test (needs root, as in CI; skipped with the
reason otherwise). The app (rating panel under AppTest) runs on it; the disk is then filled with
a file until the kernel answers ENOSPC, and a rating is saved: the clinician reads that the disk
is full, the rating stays on screen, nothing is half-stored. The key file cannot be written
either, and leaves nothing behind. Once the filler file is deleted, the same session saves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from medgen.errors import DiskFullError
from medgen.store import feedback, migrate, run
from medgen.store.crypto import Keyring, create_key_file
from medgen.store.db import session_factory
from medgen.store.models import AuditEvent, Rating
from tests.reliability.conftest import open_rating_panel, seed_output
from tests.store.seed import point_app_at, reset_app_database

SIZE = "4m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A freshly mounted tmpfs of :data:`SIZE` (unmounted afterwards)."""
    mnt = tmp_path / "data"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the disk-full test needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): no real full disk to test")
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(directory: Path) -> Path:
    """Write a file into ``directory`` until the disk answers ENOSPC; return the file."""
    filler = directory / "filler.bin"
    with filler.open("wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == 28, exc  # ENOSPC
    assert shutil.disk_usage(directory).free < 4096
    return filler


def test_full_data_disk_gives_a_clear_message_keeps_input_and_recovers(
    small_disk: Path, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_key_file(small_disk / "encryption.key", keyring)  # the app reads the key from here
    url = f"sqlite:///{small_disk / 'medgen.db'}"
    migrate.upgrade(url)
    factory: sessionmaker[Session] = session_factory(url)
    clin, out = seed_output(factory, "dr_full")
    monkeypatch.setenv("MEDGEN_DATA_DIR", str(small_disk))
    monkeypatch.delenv("MEDGEN_ENCRYPTION_KEY", raising=False)
    point_app_at(monkeypatch, url)
    try:
        at = open_rating_panel(out, clin)
        at.feedback[0].set_value(2)  # 3 stars
        at.segmented_control[2].set_value(4)
        at.text_input[0].input("noise left in the liver")

        with factory().connection() as conn:  # an empty WAL: the next write needs new disk space
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        assert busy == 0 and (small_disk / "medgen.db-wal").stat().st_size == 0
        filler = fill(small_disk)

        at.form_submit_button[0].click().run()
        assert not at.exception  # no traceback on screen
        message = at.error[0].value
        assert "could not be saved" in message and "disk is full" in message, message
        assert "sqlite" not in message.lower() and "Traceback" not in message
        assert at.feedback[0].value == 2 and at.segmented_control[2].value == 4
        assert at.text_input[0].value == "noise left in the liver"
        with pytest.raises(DiskFullError, match="disk is full"):  # the typed error, store level
            run(factory, feedback.add_rating, clin, out, 3, None, "again")
        with factory() as s:  # nothing half-stored (reads still work on a full disk)
            assert s.scalar(select(func.count(Rating.id))) == 0
            assert s.scalar(select(func.count(AuditEvent.id))) == 0
        # a new key file cannot be written either: a clear error, and no partial file left
        before = sorted(p.name for p in small_disk.iterdir())
        with pytest.raises(DiskFullError, match="disk is full"):
            create_key_file(small_disk / "other.key")
        assert sorted(p.name for p in small_disk.iterdir()) == before

        filler.unlink()  # the administrator frees space; the app is not restarted
        at.form_submit_button[0].click().run()
        assert not at.exception and not at.error
        assert "saved" in at.success[0].value
        with factory() as s:
            assert s.scalar(select(func.count(Rating.id))) == 1
            assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "rate")) == 1
            fb = feedback.get_latest_rating(s, clin.id, out)
            assert fb is not None and fb.overall == 3 and fb.comment == "noise left in the liver"
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        factory.kw["bind"].dispose()
        monkeypatch.undo()
        reset_app_database()
