"""The whole-study background job (medgen.enhance.background) on real CT slices."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pydicom
import pytest
from sqlalchemy import select

from medgen import jobs
from medgen.enhance.background import study_job
from medgen.enhance.cards import list_models
from medgen.store import jobs as store
from medgen.store import run
from medgen.store.models import AuditEvent, GeneratedOutput
from medgen.types import JobKind, JobStatus, Role
from tests.enhance.conftest import CT_SERIES, scan_from_pydicom
from tests.store.conftest import make_user

pytestmark = pytest.mark.skipif(not list_models(), reason="no shipped weights")


def test_job_writes_records_and_zips_the_derived_series(
    session_factory: Any, migrated_url: str, tmp_path: Path
) -> None:
    user = make_user(session_factory, "dr_bg", Role.CLINICIAN)
    scan = scan_from_pydicom(CT_SERIES[:3])
    model = list_models()[0]
    fn = study_job(scan, model, "medium", root=tmp_path, database_url=migrated_url)
    job_id = jobs.start(session_factory, JobKind.BATCH_ENHANCE, user, fn, label="3 slices")
    assert jobs.wait(job_id, 300)
    info = run(session_factory, store.get_job, job_id)
    assert info.status is JobStatus.DONE, info.error
    assert info.progress["done"] == info.progress["total"] == 3
    res = info.result
    assert res["n_slices"] == 3 and res["zip"].startswith(f"jobs/{job_id}/")
    with zipfile.ZipFile(tmp_path / res["zip"]) as zf:
        names = [n for n in zf.namelist() if n.endswith(".dcm")]
        assert len(names) == 3
        ds = pydicom.dcmread(io.BytesIO(zf.read(names[0])))
    assert "DERIVED" in list(ds.ImageType)
    assert ds.SeriesInstanceUID == res["derived_series_uid"] != scan.header.series_uid
    with session_factory() as s:
        out = s.get(GeneratedOutput, res["output_id"])
        assert out is not None and out.model_id == model and out.params["source"] == "batch"
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"job_start", "enhance", "job_finish"} <= actions


def test_cancel_between_slices_removes_the_partial_folder(
    migrated_url: str, tmp_path: Path
) -> None:
    scan = scan_from_pydicom(CT_SERIES[:3])
    fn = study_job(scan, list_models()[0], 50, root=tmp_path, database_url=migrated_url)
    seen: list[dict[str, Any]] = []
    ctx = jobs.JobContext(
        job_id=99,
        progress=lambda p: seen.append(dict(p)),
        should_stop=lambda: any(p.get("stage") == "enhancing" for p in seen),
    )
    with pytest.raises(jobs.JobCancelled):
        fn(ctx)
    assert not (tmp_path / "jobs" / "99").exists()
    assert seen[-1]["done"] < 3


def test_refuses_a_non_ct_scan(tmp_path: Path) -> None:
    from pydicom.data import get_testdata_file

    from medgen.errors import GenerationError
    from medgen.imaging import load_scans

    mr = load_scans([("mr.dcm", Path(str(get_testdata_file("MR_small.dcm"))).read_bytes())])
    with pytest.raises(GenerationError):
        study_job(mr, "any", "medium", root=tmp_path)

