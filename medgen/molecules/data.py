"""The MOSES benchmark data (Polykovskiy et al. 2020; MIT licence), as unpacked by ``make molecules-data``.

``make molecules-data`` runs ``pip download --no-deps molsets==0.3.1`` into ``data/molecules/`` and
unpacks ``moses/dataset/data/{train,test,test_scaffolds}.csv.gz`` (one ``SMILES`` column, canonical
RDKit SMILES from ZINC Clean Leads) plus ``moses/metrics/{mcf,wehi_pains}.csv`` (the structural
alerts of the MOSES filters metric) and the wheel's LICENSE. Nothing here downloads anything.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np

from medgen.config import ROOT
from medgen.errors import MedgenError

#: Default folder of the unpacked MOSES files.
DATA_DIR = ROOT / "data" / "molecules"

SPLITS = ("train", "test", "test_scaffolds")


class MissingDataError(MedgenError):
    """The MOSES files are not unpacked yet."""

    default_message = "The MOSES data is missing; run `make molecules-data` first."


def split_path(split: str, data_dir: Path | None = None) -> Path:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return Path(data_dir or DATA_DIR) / f"{split}.csv.gz"


def load_split(split: str, data_dir: Path | None = None, limit: int | None = None) -> list[str]:
    """SMILES of one MOSES split, in file order (the first ``limit`` if given)."""
    path = split_path(split, data_dir)
    if not path.is_file():
        raise MissingDataError(f"{path} is missing; run `make molecules-data` first.")
    out: list[str] = []
    with gzip.open(path, "rt", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        if header[0] != "SMILES":
            raise MissingDataError(f"{path} does not look like a MOSES split (header {header}).")
        for row in reader:
            if row and row[0]:
                out.append(row[0])
                if limit is not None and len(out) >= limit:
                    break
    return out


def _subset_index(n: int, size: int, seed: int) -> np.ndarray:
    """Indices of the seeded training subset: ``default_rng(seed).choice(n, size, replace=False)``."""
    return np.random.default_rng(seed).choice(n, size=min(size, n), replace=False)


def train_subset(train: list[str], size: int, seed: int) -> list[str]:
    """The seeded random training subset of the MOSES train split (``medgen.molecules.train``)."""
    return [train[i] for i in _subset_index(len(train), size, seed)]


def train_holdout(train: list[str], size: int, seed: int, n: int) -> list[str]:
    """``n`` molecules of the MOSES train split that are NOT in :func:`train_subset` ``(size,
    seed)``: a seeded permutation of the rest, so a shorter holdout is a prefix of a longer one.

    Validation (losses, prior validity, the sampling temperature and its FCD reference) uses
    these, which keeps the MOSES test split untouched for the benchmark.
    """
    free = np.ones(len(train), dtype=bool)
    free[_subset_index(len(train), size, seed)] = False
    rest = np.flatnonzero(free)
    order = np.random.default_rng(seed + 104_729).permutation(len(rest))[:n]
    return [train[int(rest[i])] for i in order]


#: Files taken from the molsets wheel: member path -> file name in ``data_dir``.
WHEEL_MEMBERS = {
    "moses/dataset/data/train.csv.gz": "train.csv.gz",
    "moses/dataset/data/test.csv.gz": "test.csv.gz",
    "moses/dataset/data/test_scaffolds.csv.gz": "test_scaffolds.csv.gz",
    "moses/metrics/mcf.csv": "mcf.csv",
    "moses/metrics/wehi_pains.csv": "wehi_pains.csv",
    "molsets-0.3.1.dist-info/LICENSE": "LICENSE",
    "molsets-0.3.1.dist-info/METADATA": "METADATA",
}


def unpack_wheel(wheel: Path, data_dir: Path | None = None) -> list[Path]:
    """Copy the MOSES splits, filter alerts and licence out of a downloaded molsets wheel."""
    import zipfile

    out_dir = Path(data_dir or DATA_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        missing = [m for m in WHEEL_MEMBERS if m not in names]
        if missing:
            raise MissingDataError(f"{wheel.name} lacks {missing}; is it molsets 0.3.1?")
        for member, name in WHEEL_MEMBERS.items():
            target = out_dir / name
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(zf.read(member))
            tmp.replace(target)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    import argparse
    import logging

    ap = argparse.ArgumentParser(description="Unpack the MOSES data from a molsets wheel.")
    ap.add_argument("--wheel", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    for p in unpack_wheel(args.wheel, args.out):
        logging.getLogger(__name__).info("wrote %s", p)


if __name__ == "__main__":
    main()
