from __future__ import annotations

from pathlib import Path

import pytest

from medgen.molecules.__main__ import main
from medgen.molecules.chem import canonical_smiles


def test_cli_writes_n_valid_smiles(tmp_path: Path) -> None:
    out = tmp_path / "gen.smi"
    assert main(["sample", "--n", "25", "--out", str(out), "--seed", "3"]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 25
    assert all(canonical_smiles(s) == s for s in lines)
    out2 = tmp_path / "gen2.smi"
    assert main(["sample", "--n", "25", "--out", str(out2), "--seed", "3"]) == 0
    assert out2.read_text() == out.read_text()


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--n", "0", "--out", str(tmp_path / "x.smi")]) == 2
    assert "--n must be between" in capsys.readouterr().err
    assert main(["sample", "--n", "3", "--out", str(tmp_path / "x.smi"), "--temperature", "-1"]) == 2
    assert not (tmp_path / "x.smi").exists()


def test_cli_unique_and_temperature(tmp_path: Path) -> None:
    out = tmp_path / "u.smi"
    assert main(["sample", "--n", "10", "--out", str(out), "--temperature", "0.8", "--unique"]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == len(set(lines)) == 10
