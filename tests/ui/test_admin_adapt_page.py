"""AppTest of pages/admin_adapt.py: real CT slices zipped, a tiny adaptation, approval gating."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from medgen import jobs
from medgen.config import get_settings
from medgen.enhance import cards, site
from medgen.enhance.simulate import simulate_low_dose
from medgen.store import jobs as store
from medgen.store import run
from medgen.types import JobStatus, Role, UserInfo
from tests.enhance.test_adapt import BASE, PHI, TINY, _write_series

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "admin_adapt.py")


@pytest.fixture
def weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The configured weights folder is a temporary copy holding the shipped base model."""
    root = tmp_path / "weights"
    root.mkdir()
    for ext in ("json", "safetensors"):
        shutil.copy(ROOT / "weights" / f"{BASE}.{ext}", root / f"{BASE}.{ext}")
    monkeypatch.setenv("MEDGEN_WEIGHTS_DIR", str(root))
    get_settings.cache_clear()
    yield root
    monkeypatch.delenv("MEDGEN_WEIGHTS_DIR")
    get_settings.cache_clear()


def _user(username: str, role: Role) -> UserInfo:
    from medgen.store import migrate
    from medgen.store.db import session_factory
    from medgen.store.models import User

    url = get_settings().database_url
    migrate.upgrade(url)
    with session_factory(url).begin() as s:
        row = s.scalar(select(User).where(User.username == username))
        if row is None:
            row = User(username=username, display_name=username, role=role.value)
            s.add(row)
            s.flush()
        uid = row.id
    return UserInfo(id=uid, username=username, display_name=username, role=role)


def _zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    return buf.getvalue()


def _site_zips(tmp: Path) -> tuple[bytes, bytes]:
    """Real CT_small slices with PHI in the headers: 4 noisy (10 % dose) and 3 clean series."""
    from pydicom.data import get_testdata_file

    from medgen.enhance.data import read_dicom_hu

    src = get_testdata_file("CT_small.dcm", download=False)
    hu, px = read_dicom_hu(src)
    hu = np.maximum(hu[0], -1024.0)
    noisy, clean = tmp / "noisy", tmp / "clean"
    noisy.mkdir()
    clean.mkdir()
    for k in range(4):
        _write_series(src, noisy, simulate_low_dose(hu, px, 0.1, seed=k), k)
    for k, img in enumerate((hu, hu[:, ::-1], hu[::-1, :])):
        _write_series(src, clean, np.ascontiguousarray(img), k)
    return _zip(noisy), _zip(clean)


def _factory():  # type: ignore[no-untyped-def]
    from medgen.store.db import session_factory

    return session_factory(get_settings().database_url)


def _page(user: UserInfo) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["auth.user"] = user
    return at


def test_unapproved_model_is_hidden_from_the_picker(tmp_path: Path) -> None:
    for ext in ("json", "safetensors"):
        shutil.copy(ROOT / "weights" / f"{BASE}.{ext}", tmp_path / f"{BASE}.{ext}")
    card = cards.load_card(BASE, tmp_path)
    card["approved"] = False
    cards.card_path(BASE, tmp_path).write_text(__import__("json").dumps(card))
    assert cards.list_models(tmp_path) == []
    assert cards.pending_models(tmp_path) == [BASE]
    cards.set_approved(BASE, tmp_path)
    assert cards.list_models(tmp_path) == [BASE] and cards.pending_models(tmp_path) == []


def test_clinician_cannot_open_the_page() -> None:
    at = _page(_user("dr_not_admin", Role.CLINICIAN)).run()
    assert any("admin" in e.value for e in at.error)
    assert not at.get("file_uploader")


def test_adapt_follow_approve_and_audit(
    weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medgen.store.models import AuditEvent

    # a tiny run: the test config of tests/enhance/test_adapt.py (seconds, not minutes)
    monkeypatch.setattr(site, "adapt_job", partial(site.adapt_job, overrides={**TINY, "seed": 3}))
    admin = _user("site_admin", Role.ADMIN)
    noisy, clean = _site_zips(tmp_path)
    at = _page(admin).run()
    assert not at.exception, at.exception
    at.file_uploader(key="adapt.noisy").upload("noisy.zip", noisy, "application/zip")
    at.file_uploader(key="adapt.clean").upload("clean.zip", clean, "application/zip")
    at.text_input(key="adapt.out").input("site-a-test")
    at.number_input(key="adapt.minutes").set_value(0.5)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    [started] = [s.value for s in at.success]
    assert "4 series" in started and "3 series" in started
    job_id = int(started.split("#")[1].split()[0])
    assert jobs.wait(job_id, 600)
    info = run(_factory(), store.get_job, job_id)
    assert info.status is JobStatus.DONE, info.error
    assert info.result["status"] == "accepted", info.result
    assert info.result["approval"] == "pending" and info.progress["epoch"] >= 1
    assert set(info.progress["losses"]) and "time_left_s" in info.progress
    # pending: on disk, not in the clinicians' picker; the training data is gone
    assert "site-a-test" in cards.pending_models() and "site-a-test" not in cards.list_models()
    assert not any(site.training_root().glob("*/noisy"))
    text = (weights / "site-a-test.json").read_text()
    assert not any(v in text for v in PHI)

    page = _page(admin).run()  # coming back to the page
    assert not page.exception, page.exception
    assert any("site-a-test" in m.value and "pending" in m.value for m in page.markdown)
    page.button(key=f"adapt.approve.{job_id}").click().run()
    assert not page.exception, page.exception
    assert "site-a-test" in cards.list_models()
    with _factory()() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.user_id == admin.id)).all()
        actions = [(r.action, r.object_id) for r in rows]
    assert ("job_start", str(job_id)) in actions and ("model_approve", "site-a-test") in actions
    with pytest.raises(Exception, match="no model waiting"):
        run(_factory(), store.decide_model, job_id, admin, False, cards.remove_model)


def test_reject_deletes_the_model_and_cancel_is_audited(weights: Path) -> None:
    from medgen.store.models import AuditEvent

    admin = _user("site_admin2", Role.ADMIN)
    factory = _factory()
    for ext in ("json", "safetensors"):
        shutil.copy(weights / f"{BASE}.{ext}", weights / f"pending-x.{ext}")
    card = cards.load_card("pending-x")
    cards.card_path("pending-x").write_text(
        __import__("json").dumps({**card, "model_id": "pending-x", "approved": False,
                                  "weights_file": "pending-x.safetensors"})
    )
    job_id = run(factory, store.create_job, "site_adapt", admin, "x")
    run(factory, store.finish_job, job_id, JobStatus.DONE,
        result={"status": "accepted", "model_id": "pending-x", "approval": "pending",
                "epochs": 1, "validation": {}, "reasons": []})
    running = run(factory, store.create_job, "site_adapt", admin, "y")
    run(factory, store.mark_running, running, jobs.RUNNER)
    at = _page(admin).run()
    assert not at.exception, at.exception
    at.button(key=f"adapt.cancel.{running}").click().run()
    assert run(factory, store.get_job, running).cancel_requested
    at.button(key=f"adapt.reject.{job_id}").click().run()
    assert not at.exception, at.exception
    assert not (weights / "pending-x.json").exists()
    assert not (weights / "pending-x.safetensors").exists()
    with factory() as s:
        actions = {r.action for r in s.scalars(select(AuditEvent).where(AuditEvent.user_id == admin.id))}
    assert {"job_start", "job_cancel", "model_reject"} <= actions
    run(factory, store.finish_job, running, JobStatus.CANCELLED)
