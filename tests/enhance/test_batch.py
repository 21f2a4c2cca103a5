"""Batch enhancement (python -m medgen.enhance.batch): in-process, on a local Ray, and against the
real Orthanc of ``.ci/with_orthanc.sh``.

The input folder holds real DICOM: two CT series built from the real 512 x 512 slice
pydicom-data ``693_UNCR.dcm`` (the builder of tests/pacs/seed.py), a third CT series with one
truncated file, pydicom's real ``MR_small.dcm`` and a text file.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from sqlalchemy import select

from medgen.config import DicomwebSettings
from medgen.enhance import batch
from medgen.enhance.batch import BatchOptions, parse_strength
from medgen.imaging.deid import installation_salt, replace_uid
from medgen.store import migrate
from medgen.store.db import get_engine, session_factory
from medgen.store.models import AuditEvent, GeneratedOutput
from tests.enhance.conftest import scan_from_pydicom
from tests.pacs import seed

pytestmark = pytest.mark.slow

#: Slices per built series (small: every slice is a real 512 x 512 CT image through the model).
N_A, N_B, N_C = 3, 2, 3


def _default_model() -> str:
    """The model a batch run uses without ``--model`` (the newest GAN)."""
    from medgen.enhance.cards import list_models

    return list_models()[0]


def _encode(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _series(n: int, series_uid: str, study_uid: str | None = None) -> list[Dataset]:
    """``n`` slices of the seed's real multi-slice CT series, as a series of its own."""
    out = []
    for f in seed.build_series(n):
        ds = f.dataset()
        ds.SeriesInstanceUID = series_uid
        if study_uid:
            ds.StudyInstanceUID = study_uid
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        out.append(ds)
    return out


@pytest.fixture(scope="module")
def series_folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("batch-in")
    uids = {"a": generate_uid(), "b": generate_uid(), "c": generate_uid()}
    for name, n in (("a", N_A), ("b", N_B), ("c", N_C)):
        sub = root / f"series-{name}"
        sub.mkdir()
        for i, ds in enumerate(_series(n, uids[name])):
            data = _encode(ds)
            if name == "c" and i == 1:
                data = data[: len(data) - 4096]  # truncated in the pixel data
            (sub / f"IM{i + 1:04d}.dcm").write_bytes(data)
    shutil.copy(seed._path("MR_small.dcm"), root / "mr.dcm")
    (root / "README.txt").write_text("exported from the scanner console\n")
    salt = installation_salt()
    keys = {name: replace_uid(uid, salt) for name, uid in uids.items()}
    return {"root": root, "keys": keys}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('batch-db') / 'batch.db'}"
    migrate.upgrade(url)
    yield url
    get_engine(url).dispose()


def _cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    rc = batch.main([str(a) for a in args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _pixels(folder: Path) -> list[np.ndarray]:
    return [pydicom.dcmread(p).pixel_array for p in sorted(folder.glob("*.dcm"))]


def _outputs(url: str) -> list[GeneratedOutput]:
    with session_factory(url).begin() as s:
        return list(s.scalars(select(GeneratedOutput).order_by(GeneratedOutput.id)))


@pytest.fixture(scope="module")
def in_process(
    series_folder: dict[str, object], db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """One in-process CLI run over the folder (shared by the tests below)."""
    out = tmp_path_factory.mktemp("batch-out-local")
    rc = batch.main(
        [
            "--folder", str(series_folder["root"]), "--out", str(out), "--db", db_url,
            "--threads", "1", "--strength", "70",
        ]
    )  # fmt: skip
    return {"rc": rc, "out": out}


def test_strength_values() -> None:
    assert parse_strength("Medium") == "medium"
    assert parse_strength("70%") == 70
    assert parse_strength(0) == 0
    for bad in ("101", "-1", "strong", "50.5"):
        with pytest.raises(ValueError, match="strength"):
            parse_strength(bad)
    with pytest.raises(ValueError, match="destination"):
        BatchOptions(model_id="ldct-gan-v1")


def test_cannot_start_without_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _cli(capsys, "--folder", tmp_path / "missing", "--out", tmp_path / "o")
    assert rc == 2 and "does not exist" in err
    rc, _, err = _cli(capsys, "--out", tmp_path / "o")
    assert rc == 2 and "exactly one input" in err


def test_in_process_run(
    in_process: dict[str, object], series_folder: dict[str, object], db_url: str
) -> None:
    keys: dict[str, str] = series_folder["keys"]  # type: ignore[assignment]
    out: Path = in_process["out"]  # type: ignore[assignment]
    assert in_process["rc"] == 1  # one series failed
    # one folder of derived DICOM per enhanced series, named by the replacement series UID
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted([keys["a"], keys["b"]])
    manifest = batch.Manifest(out / batch.MANIFEST_NAME)
    assert set(manifest.series) == {keys["a"], keys["b"]}

    originals = {
        name: [
            ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
            for ds in (
                pydicom.dcmread(p)
                for p in sorted((series_folder["root"] / f"series-{name}").glob("*.dcm"))  # type: ignore[operator]
            )
        ]
        for name in ("a", "b")
    }
    for name, n in (("a", N_A), ("b", N_B)):
        files = sorted((out / keys[name]).glob("*.dcm"))
        assert len(files) == n
        derived = [pydicom.dcmread(f) for f in files]
        assert {str(d.SeriesInstanceUID) for d in derived} == {
            manifest.series[keys[name]]["derived_series_uid"]
        }
        for d, orig in zip(derived, originals[name], strict=True):
            assert list(d.ImageType)[:2] == ["DERIVED", "SECONDARY"]
            assert _default_model() in d.DerivationDescription
            assert "at strength 70 %" in d.DerivationDescription
            assert d.StudyInstanceUID.startswith("2.25.")  # the replacement study UID
            enhanced = d.pixel_array.astype(np.float64)
            body = orig > -500
            # enhanced: changed, same anatomy (mean HU in the body within 20 HU), less noise
            assert np.abs(enhanced - orig).max() > 5
            assert abs(enhanced[body].mean() - orig[body].mean()) < 20
            assert np.diff(enhanced[body]).std() < np.diff(orig[body]).std()

    rows = _outputs(db_url)
    mine = [r for r in rows if r.params.get("source") == "batch"]
    assert len(mine) == 2
    by_uid = {r.params["series_uid"]: r for r in mine}
    for name in ("a", "b"):
        row = by_uid[manifest.series[keys[name]]["derived_series_uid"]]
        assert row.kind == "enhancement" and row.model_id == _default_model()
        assert row.params["strength"] == 70 and row.params["strength_applied"] is True
        assert row.params["strength_fraction"] == pytest.approx(0.7)
        assert row.params["guard_verdict"] == "inside"  # real CT of the seed series
        assert row.params["guard_score"] <= row.params["guard_threshold"]
        assert row.params["source_series_uid"] == keys[name]
        assert row.metrics["n_slices"] == (N_A if name == "a" else N_B)
        assert row.preview_before and row.preview_after and row.study_id is not None
    with session_factory(db_url).begin() as s:
        audit = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "enhance")))
    assert {a.object_id for a in audit} >= {str(r.id) for r in mine}
    assert all(a.detail.get("source") == "batch" for a in audit)


def test_summary_lists_failure_and_skips(
    in_process: dict[str, object],
    series_folder: dict[str, object],
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A rerun skips the finished series, fails the broken one again with the reason, and
    lists the MR series as skipped; nothing is recorded twice."""
    out: Path = in_process["out"]  # type: ignore[assignment]
    keys: dict[str, str] = series_folder["keys"]  # type: ignore[assignment]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.dcm")}
    n_rows = len(_outputs(db_url))
    rc, table, err = _cli(
        capsys, "--folder", series_folder["root"], "--out", out, "--db", db_url, "--strength", "70"
    )
    assert rc == 1
    lines = {line.split()[1]: line for line in table.split("\n\n")[0].splitlines()[1:]}
    assert len(lines) == 4 and {k[-8:] for k in keys.values()} <= set(lines)
    (mr,) = [line for line in lines.values() if line.split()[2] == "MR"]
    assert "finished by an earlier run" in lines[keys["a"][-8:]]
    assert "finished by an earlier run" in lines[keys["b"][-8:]]
    assert "failed" in lines[keys["c"][-8:]] and "IM0002.dcm" in lines[keys["c"][-8:]]
    assert "damaged or truncated" in lines[keys["c"][-8:]]
    assert "skipped" in mr and "not CT (MR)" in mr
    assert "1 non-DICOM files ignored" in table
    assert "FAILED" in err and "rerun to retry" in err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.dcm")} == before
    assert len(_outputs(db_url)) == n_rows
    # a different strength is a different run: not skipped
    opts = BatchOptions(model_id="ldct-gan-v1", strength="high", out_dir=out)
    assert not batch.Manifest(out / batch.MANIFEST_NAME).finished(keys["a"], opts)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=200 * 2**20,
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
    )
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_matches_in_process_and_resumes(
    local_ray: None,
    in_process: dict[str, object],
    series_folder: dict[str, object],
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keys: dict[str, str] = series_folder["keys"]  # type: ignore[assignment]
    local_out: Path = in_process["out"]  # type: ignore[assignment]
    out = tmp_path / "ray-out"
    args = ["--folder", series_folder["root"], "--out", out, "--db", db_url, "--strength", "70"]
    rc, table, err = _cli(capsys, *args, "--ray", "auto", "--workers", "2")
    assert rc == 1, err
    assert "Ray with 2 workers" in table
    for name in ("a", "b"):
        ray_px, local_px = _pixels(out / keys[name]), _pixels(local_out / keys[name])
        assert len(ray_px) == len(local_px) > 0
        for a, b in zip(ray_px, local_px, strict=True):
            np.testing.assert_array_equal(a, b)  # pixel-equal derived series
    failed = [line for line in table.splitlines() if keys["c"][-8:] in line]
    assert len(failed) == 1 and "failed" in failed[0] and "IM0002.dcm" in failed[0]
    assert not (out / keys["c"]).exists()

    # resumable: the second run skips both finished series (no worker is even started)
    rc, table, _ = _cli(capsys, *args, "--ray", "auto", "--workers", "2")
    assert rc == 1
    assert table.count("finished by an earlier run") == 2
    assert "0 enhanced" in table


def test_ray_reports_a_worker_error_per_series(
    local_ray: None, series_folder: dict[str, object], db_url: str, tmp_path: Path
) -> None:
    """An error raised on a Ray worker (here the model refuses a non-HU input) fails that series
    only, with the Enhancer's own message."""
    from medgen.enhance.batch_ray import EnhanceTask, RayExecutor

    ex = RayExecutor("ldct-gan-v1", workers=1)
    try:
        ct = np.full((1, 64, 64), 40.0, dtype=np.float32)
        ex.submit(1, EnhanceTask(ct, "MR", False, "medium"))
        got: list[tuple[int, object]] = []
        while not got:
            got = ex.poll()
        (tag, res) = got[0]
        assert tag == 1 and "trained on CT" in str(res)
        # a flat 40 HU square is not what the model was trained on: the input guard refuses it,
        # and the refusal travels back from the worker with its message
        ex.submit(2, EnhanceTask(ct, "CT", True, "medium"))
        got = []
        while not got:
            got = ex.poll()
        assert "outside what the model was trained on" in str(got[0][1])
        real = scan_from_pydicom(["CT_small.dcm"]).pixels[None].astype(np.float32)
        ex.submit(3, EnhanceTask(real, "CT", True, "medium"))
        got = []
        while not got:
            got = ex.poll()
        assert got[0][1].pixels.shape == real.shape  # type: ignore[union-attr]
        assert got[0][1].guard.verdict.value == "inside"  # type: ignore[union-attr]
    finally:
        ex.close()


# ------------------------------------------------------------------------ real Orthanc


@pytest.fixture
def pacs_settings() -> DicomwebSettings:
    from tests.pacs.conftest import orthanc_settings

    return orthanc_settings()


def test_study_from_pacs_sent_back(
    pacs_settings,  # type: ignore[no-untyped-def]
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--study UID --send: the derived series is stored in the same study (QIDO finds it),
    re-identified, DERIVED, each slice referencing its original; a rerun skips it."""
    from medgen.pacs import PacsClient

    pacs = PacsClient(pacs_settings)
    study_uid = generate_uid()
    originals = _series(3, generate_uid(), study_uid)
    for ds in originals:
        ds.PatientID = "BATCH-TEST-1"
        ds.AccessionNumber = "MGTBATCH1"
    pacs.store_instances(originals)
    try:
        _study_round_trip(
            pacs, pacs_settings, originals, study_uid, db_url, tmp_path, monkeypatch, capsys
        )
    finally:
        _delete_study(pacs_settings, study_uid)  # the PACS tests count the seeded studies


def _delete_study(settings, study_uid: str) -> None:  # type: ignore[no-untyped-def]
    """Remove a test study through Orthanc's REST API (DICOMweb has no delete)."""
    import requests

    root = settings.url.split("/dicom-web")[0]
    auth = (settings.user, settings.password)
    found = requests.post(f"{root}/tools/lookup", data=study_uid, auth=auth, timeout=30)
    found.raise_for_status()
    for item in found.json():
        if item.get("Type") == "Study":
            requests.delete(
                f"{root}/studies/{item['ID']}", auth=auth, timeout=30
            ).raise_for_status()


def _study_round_trip(  # type: ignore[no-untyped-def]
    pacs,
    pacs_settings,
    originals: list[Dataset],
    study_uid: str,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from medgen.pacs import PacsClient

    monkeypatch.setattr(batch, "connect", lambda: PacsClient(pacs_settings))

    manifest = tmp_path / "m.json"
    rc, table, err = _cli(
        capsys, "--study", study_uid, "--send", "--manifest", manifest, "--db", db_url,
        "--threads", "1",
    )  # fmt: skip
    assert rc == 0, err + table
    entry = next(iter(batch.Manifest(manifest).series.values()))
    assert entry["sent"] == 3
    listed = {s.series_uid: s for s in pacs.list_series(study_uid)}
    derived_uid = entry["derived_series_uid"]
    assert set(listed) == {str(originals[0].SeriesInstanceUID), derived_uid}
    assert listed[derived_uid].n_instances == 3
    assert listed[derived_uid].description.startswith(f"AI-enhanced {_default_model()}")
    back = pacs.retrieve_series(study_uid, derived_uid)
    source_sops = {str(ds.SOPInstanceUID) for ds in originals}
    assert {str(ds.SourceImageSequence[0].ReferencedSOPInstanceUID) for ds in back} == source_sops
    for ds in back:
        assert ds.StudyInstanceUID == study_uid and ds.PatientID == "BATCH-TEST-1"
        assert list(ds.ImageType)[:2] == ["DERIVED", "SECONDARY"]
        assert "at strength medium (" in ds.DerivationDescription
    # recorded with both audit events, no original identifier in the database row
    (row,) = [r for r in _outputs(db_url) if r.params.get("series_uid") == derived_uid]
    assert row.params["destinations"] == ["pacs"]
    assert study_uid not in str(row.params) and "BATCH-TEST-1" not in str(row.params)
    with session_factory(db_url).begin() as s:
        actions = {
            a.action
            for a in s.scalars(select(AuditEvent).where(AuditEvent.object_id == str(row.id)))
        }
    assert actions == {"enhance", "export"}

    rc, table, _ = _cli(
        capsys, "--study", study_uid, "--send", "--manifest", manifest, "--db", db_url
    )
    assert rc == 0 and "finished by an earlier run" in table
    assert len(pacs.list_series(study_uid)) == 2  # nothing sent twice
    assert study_uid not in table and "BATCH-TEST-1" not in table

    # a PACS search (--query) finds the study: its original series is enhanced into a folder,
    # the derived series that the batch sent is recognised and not enhanced again
    out = tmp_path / "query-out"
    rc, table, err = _cli(
        capsys, "--query", "--accession", "MGTBATCH1", "--out", out, "--db", db_url,
        "--threads", "1",
    )  # fmt: skip
    assert rc == 0, err + table
    assert "2 series: 1 enhanced (3 slices), 1 skipped, 0 failed" in table
    assert "already an enhanced series" in table
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert len(list(folder.glob("*.dcm"))) == 3
