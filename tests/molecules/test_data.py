from __future__ import annotations

from pathlib import Path

import pytest

from medgen.molecules.data import DATA_DIR, MissingDataError, load_split, unpack_wheel

WHEEL = DATA_DIR / "molsets-0.3.1-py3-none-any.whl"


def test_unpack_wheel_gives_the_splits_and_the_licence(tmp_path: Path) -> None:
    if not WHEEL.is_file():
        pytest.fail("run `make molecules-data` (a prerequisite of `make test`)")
    written = {p.name for p in unpack_wheel(WHEEL, tmp_path)}
    assert {"train.csv.gz", "test.csv.gz", "test_scaffolds.csv.gz", "mcf.csv", "wehi_pains.csv",
            "LICENSE"} <= written
    assert "MIT" in (tmp_path / "METADATA").read_text() or "MIT" in (tmp_path / "LICENSE").read_text()
    first = load_split("test", tmp_path, limit=3)
    assert first == load_split("test", DATA_DIR, limit=3) and len(first) == 3


def test_missing_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="make molecules-data"):
        load_split("train", tmp_path)
    with pytest.raises(ValueError):
        load_split("validation", tmp_path)
