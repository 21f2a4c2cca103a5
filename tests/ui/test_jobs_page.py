"""AppTests: a whole-study background job started on the Compare page, followed on the Jobs page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pydicom
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from medgen import jobs
from medgen.config import get_settings
from medgen.enhance.cards import list_models
from medgen.store import jobs as store
from medgen.store import run
from medgen.types import JobKind, JobStatus, Role, UserInfo
from tests.enhance.conftest import CT_SERIES, scan_from_pydicom

ROOT = Path(__file__).resolve().parents[2]


def _user(username: str) -> UserInfo:
    from medgen.store import migrate
    from medgen.store.db import session_factory
    from medgen.store.models import User

    url = get_settings().database_url
    migrate.upgrade(url)
    with session_factory(url).begin() as s:
        row = s.scalar(select(User).where(User.username == username))
        if row is None:
            row = User(username=username, display_name=username, role=Role.CLINICIAN.value)
            s.add(row)
            s.flush()
        uid = row.id
    return UserInfo(id=uid, username=username, display_name=username, role=Role.CLINICIAN)


def _page(name: str, user: UserInfo, scan=None) -> AppTest:  # type: ignore[no-untyped-def]
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=120)
    at.session_state["auth.user"] = user
    if scan is not None:
        at.session_state["scan"] = scan
    return at


def _factory():  # type: ignore[no-untyped-def]
    from medgen.store.db import session_factory

    return session_factory(get_settings().database_url)


@pytest.mark.skipif(not list_models(), reason="no shipped weights")
def test_start_on_compare_then_follow_and_download_on_jobs_page() -> None:
    user = _user("dr_jobs")
    scan = scan_from_pydicom(CT_SERIES[:3])
    at = _page("compare.py", user, scan).run()
    assert not at.exception, at.exception
    at.button(key="compare.background").click().run()
    assert not at.exception, at.exception
    job_id = at.session_state["compare.job"]
    assert any(f"job #{job_id}" in s.value for s in at.success)
    assert jobs.wait(job_id, 300)
    info = run(_factory(), store.get_job, job_id)
    assert info.status is JobStatus.DONE, info.error
    assert info.kind is JobKind.BATCH_ENHANCE and info.created_by == user.id
    from medgen.store.models import AuditEvent, GeneratedOutput

    with _factory()() as s:
        out = s.get(GeneratedOutput, info.result["output_id"])
        assert out is not None and out.created_by == user.id
        enhance = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "enhance", AuditEvent.object_id == str(out.id))).one()
        assert enhance.user_id == user.id

    # a new browser session (the page left and opened again) sees the finished job
    page = _page("jobs.py", user).run()
    assert not page.exception, page.exception
    assert any(f"Job #{job_id}" in m.value and "done" in m.value for m in page.markdown)
    assert any(f"output #{info.result['output_id']}" in m.value for m in page.markdown)
    labels = [b.proto.label for b in page.get("download_button")]
    assert labels == ["Download the derived series (DICOM zip)"]
    archive = get_settings().data_dir / info.result["zip"]
    with zipfile.ZipFile(archive) as zf:
        dcm = [n for n in zf.namelist() if n.endswith(".dcm")]
        assert len(dcm) == 3
        assert "DERIVED" in list(pydicom.dcmread(io.BytesIO(zf.read(dcm[0]))).ImageType)


def test_jobs_page_lists_only_own_jobs_and_cancels() -> None:
    me, other = _user("dr_me"), _user("dr_other")
    factory = _factory()
    mine = run(factory, store.create_job, JobKind.BATCH_ENHANCE, me, "mine")
    run(factory, store.mark_running, mine, jobs.RUNNER)
    run(factory, store.update_progress, mine, {"done": 1, "total": 4, "stage": "enhancing"})
    theirs = run(factory, store.create_job, JobKind.BATCH_ENHANCE, other, "theirs")
    at = _page("jobs.py", me).run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert f"Job #{mine}" in text and f"Job #{theirs}" not in text
    assert at.get("progress")[0].proto.value == 25
    at.button(key=f"jobs.cancel.{mine}").click().run()
    assert not at.exception, at.exception
    assert run(factory, store.get_job, mine).cancel_requested
    assert any("Cancel requested" in c.value for c in at.caption)
    run(factory, store.finish_job, mine, JobStatus.FAILED, error="Interrupted by a test.")
    at = _page("jobs.py", me).run()
    assert any("Interrupted by a test." in e.value for e in at.error)


def test_single_slice_scan_offers_no_background_run() -> None:
    user = _user("dr_single")
    at = _page("compare.py", user, scan_from_pydicom(["CT_small.dcm"])).run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "compare.background"]


def test_jobs_page_queries_the_job_list_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    me = _user("dr_once")
    factory = _factory()
    job = run(factory, store.create_job, JobKind.BATCH_ENHANCE, me, "running one")
    run(factory, store.mark_running, job, jobs.RUNNER)
    calls: list[int] = []
    real = store.list_jobs

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "list_jobs", counting)
    at = _page("jobs.py", me).run()
    assert not at.exception, at.exception
    assert f"Job #{job}" in " ".join(m.value for m in at.markdown)
    assert len(calls) == 1  # the refresh decision and the list share one query
    run(factory, store.finish_job, job, JobStatus.FAILED, error="Stopped by a test.")
