"""bench/enhance.py: the issue-10 target check and the reuse of baseline rows (no computation)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.enhance import reusable_baselines, targets


def _row(method, dose, psnr, per_slice, ms, model_id=None):
    return {"method": method, "model_id": model_id, "dose": dose, "psnr": psnr, "n_slices": 2,
            "ms_per_512": ms, "per_slice_psnr": per_slice}


def test_targets_count_slices_below_bm3d_and_speed():
    rows = [
        _row("low-dose input", 0.25, 35.0, {"a#0": 35.0, "b#0": 35.0}, 0.0),
        _row("BM3D (true sigma)", 0.25, 44.0, {"a#0": 44.0, "b#0": 44.0}, 7000.0),
        _row("m", 0.25, 44.5, {"a#0": 45.5, "b#0": 43.5}, 100.0, "m"),
    ]
    t = targets(rows)["m 25%"]
    assert t["gain_over_input_db"] == pytest.approx(9.5)
    assert t["gain_over_bm3d_db"] == pytest.approx(0.5)
    assert t["slices_below_bm3d"] == 1 and t["slices_below_bm3d_by_volume"] == {"b": 1}
    assert t["speedup_vs_bm3d"] == pytest.approx(70.0)
    assert t["met"] == {"plus_8_db_over_input": True, "bm3d_plus_1_db": False,
                        "never_below_bm3d": False, "speed_250_ms": True, "speed_25x_bm3d": True}


def test_baselines_are_reused_only_from_the_same_test_set(tmp_path: Path):
    rows = [_row("low-dose input", 0.25, 35.0, {}, 0.0), _row("m", 0.25, 40.0, {}, 1.0, "m")]
    p = tmp_path / "a.json"
    p.write_text(json.dumps({"test_set": "T", "rows": rows}))
    got = reusable_baselines([p], "T", (0.25,), 2)
    assert list(got) == [("low-dose input", 0.25)]  # model rows are never reused
    assert got[("low-dose input", 0.25)]["quality_from"] == str(p)
    with pytest.raises(SystemExit, match="another test set"):
        reusable_baselines([p], "other", (0.25,), 2)
    with pytest.raises(SystemExit, match="number of test slices"):
        reusable_baselines([p], "T", (0.25,), 3)
