"""medgen.enhance.site: zips -> de-identified training folder; the job keeps or deletes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medgen import jobs
from medgen.enhance import site
from medgen.errors import InvalidInputError
from tests.enhance.test_adapt import BASE, PHI, TINY
from tests.ui.test_admin_adapt_page import ROOT, _site_zips


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    return _site_zips(tmp_path_factory.mktemp("zips"))


def _ingest(zips: tuple[bytes, bytes], dest: Path) -> None:
    for data, name in zip(zips, site.SETS, strict=True):
        site.ingest_zip(data, f"{name}.zip", name, dest)


def test_ingest_writes_only_deidentified_slices(zips: tuple[bytes, bytes], tmp_path: Path) -> None:
    noisy = site.ingest_zip(zips[0], "noisy.zip", "noisy", tmp_path)
    assert (noisy.series, noisy.slices, noisy.skipped) == (4, 4, 0)
    files = sorted((tmp_path / "noisy").iterdir())
    assert [f.suffix for f in files] == [".npz"] * 4
    blob = b"".join(f.read_bytes() for f in files)
    with np.load(files[0]) as z:
        blob += bytes(str(z["scanner"]), "utf-8")
        assert z["slices"].shape == (1, 128, 128)
    assert not any(p.encode() in blob for p in PHI)
    [series] = site.load_training(tmp_path, "noisy")[:1]
    assert series.scanner["ConvolutionKernel"] == "BONE"
    with pytest.raises(InvalidInputError):
        site.ingest_zip(b"PK\x05\x06" + b"\0" * 18, "empty.zip", "clean", tmp_path)


@pytest.mark.parametrize("keep", [False, True])
def test_cancelled_job_keeps_or_deletes_training_data(
    zips: tuple[bytes, bytes], tmp_path: Path, keep: bool
) -> None:
    training = tmp_path / "training"
    _ingest(zips, training)
    weights = tmp_path / "w"
    weights.mkdir()
    for ext in ("json", "safetensors"):
        (weights / f"{BASE}.{ext}").write_bytes((ROOT / "weights" / f"{BASE}.{ext}").read_bytes())
    fn = site.adapt_job(training, BASE, "never", max_minutes=1, keep_data=keep,
                        weights_root=weights, overrides={**TINY, "epochs": 5})
    seen: list[dict[str, Any]] = []
    ctx = jobs.JobContext(1, lambda p: seen.append(dict(p)),
                          lambda: any("epoch" in p for p in seen))
    with pytest.raises(jobs.JobCancelled):
        fn(ctx)
    assert seen[-1]["epoch"] == 1 and set(seen[-1]["losses"]) and seen[-1]["time_left_s"] >= 0
    assert training.exists() is keep
    assert not (weights / "never.json").exists()
