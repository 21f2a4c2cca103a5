from __future__ import annotations

import io
import json
import plistlib
import tarfile

import numpy as np
import pytest

from medgen.enhance.data import SPLIT, load_split, read_invesalius


def test_split_is_by_patient():
    names = [s.name for s in SPLIT]
    assert len(names) == len(set(names))
    splits = {s.split for s in SPLIT}
    assert splits == {"train", "val", "test"}
    assert all(s.licence for s in SPLIT)


def test_tiny_build_writes_pairs_and_manifest(tiny_data):
    manifest = json.loads((tiny_data / "manifest.json").read_text())
    assert {v["name"]: v["split"] for v in manifest["volumes"]} == {
        "tiny-train": "train",
        "tiny-val": "val",
    }
    train = load_split(tiny_data, "train")
    val = load_split(tiny_data, "val", (0.25,))
    assert set(train.dose) == set(manifest["train_doses"])
    assert set(val.dose) == {0.25}
    assert set(train.volume).isdisjoint(val.volume)
    # low dose differs from full dose by noise only (zero mean, SD grows as dose drops)
    sd = {
        d: float(np.std(lo - f)) for f, lo, d in zip(train.full, train.low, train.dose, strict=True)
    }
    assert sd[0.5] < sd[0.25] < sd[0.1] < sd[0.02]
    with pytest.raises(ValueError, match="no test pairs"):
        load_split(tiny_data, "test")


def test_read_invesalius_project(tmp_path):
    """A synthetic .inv3 (same layout as Debian's Cranium.inv3) is read as int16 HU with spacing."""
    vol = (np.arange(2 * 4 * 4, dtype=np.int16) - 1000).reshape(2, 4, 4)
    main = {
        "matrix": {"dtype": "int16", "filename": "matrix.dat", "shape": [2, 4, 4]},
        "spacing": [0.5, 0.5, 1.5],
        "modality": "CT",
    }
    path = tmp_path / "x.inv3"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("main.plist", plistlib.dumps(main)), ("matrix.dat", vol.tobytes())):
            info = tarfile.TarInfo(f"tmpdir/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    hu, px = read_invesalius(path)
    assert px == 0.5
    np.testing.assert_array_equal(hu, vol.astype(np.float32))


def test_read_real_cranium_if_installed():
    from medgen.enhance.data import INVESALIUS_CRANIUM

    if not INVESALIUS_CRANIUM.is_file():
        pytest.skip("Debian invesalius-examples not installed (make ldct-data installs it)")
    hu, px = read_invesalius(INVESALIUS_CRANIUM)
    assert hu.shape == (108, 256, 256)
    assert -1100 < hu.min() < -900 and hu.max() > 1000  # air and bone in HU
    assert px == pytest.approx(0.957, abs=0.001)
