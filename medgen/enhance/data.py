"""Training data: real CT volumes that install offline -> cached (full dose, simulated low dose) pairs.

``python -m medgen.enhance.data --out data/ldct`` reads every source found on this machine,
simulates each slice at the requested dose levels (:mod:`medgen.enhance.simulate`) and writes
one ``<volume>.npz`` per source volume plus ``manifest.json`` (sources, licences, split).

The split is by source volume (patient), never by slice: :data:`SPLIT` below is the record.
"""

from __future__ import annotations

import argparse
import json
import logging
import plistlib
import tarfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from medgen.enhance.simulate import ScannerModel, pad_to_square, simulate_doses

log = logging.getLogger(__name__)

#: Where Debian's ``invesalius-examples`` installs its example head CT.
INVESALIUS_CRANIUM = Path("/usr/share/doc/invesalius-examples/examples/Cranium.inv3")
#: Lowest HU kept: values below (outside the reconstruction circle, padding) are air.
HU_MIN = -1024.0
#: A slice is used only if at least this fraction of its pixels is tissue (> -500 HU).
MIN_BODY_FRACTION = 0.12

#: Training dose levels (a wider noise range than the benchmark's 25 % and 10 %).
TRAIN_DOSES: tuple[float, ...] = (0.5, 0.25, 0.10, 0.05, 0.02)
#: Validation / test dose levels (the benchmark's).
EVAL_DOSES: tuple[float, ...] = (0.25, 0.10)


@dataclass(frozen=True)
class SourceInfo:
    """Where a volume comes from and under which licence."""

    name: str  # short id, file stem of the cached pairs
    source: str  # package and file
    licence: str
    region: str  # body region
    split: str  # "train" | "val" | "test"
    file: str = ""  # pydicom / pydicom-data test file name (DICOM sources)


#: The data split, by patient. Training: the only multi-slice real CT volume that installs
#: offline; validation and test: single slices of other patients (pydicom-data / pydicom), from
#: several body regions and scanners, never seen in training.
SPLIT: tuple[SourceInfo, ...] = (
    SourceInfo(
        "invesalius-cranium",
        "Debian invesalius-examples 3.1.99998-4: Cranium.inv3 (ProMED CT 0051, 108 slices)",
        "GPL-2 (Debian copyright file of invesalius-examples)",
        "head",
        "train",
    ),
    SourceInfo(
        "pydicom-J2K_pixelrep_mismatch",
        "pydicom 3.0.2 test file J2K_pixelrep_mismatch.dcm",
        "MIT (pydicom)",
        "head",
        "val",
        "J2K_pixelrep_mismatch.dcm",
    ),
    SourceInfo(
        "pydicom-CT_small",
        "pydicom 3.0.2 test file CT_small.dcm",
        "MIT (pydicom)",
        "unknown",
        "val",
        "CT_small.dcm",
    ),
    SourceInfo(
        "pydicom-data-693_UNCR",
        "pydicom-data 1.0.0: 693_UNCR.dcm (CQ500-CT-310)",
        "MIT (pydicom-data); CQ500 images CC BY-NC-SA 4.0 (qure.ai)",
        "head",
        "test",
        "693_UNCR.dcm",
    ),
    SourceInfo(
        "pydicom-data-bad_sequence",
        "pydicom-data 1.0.0: bad_sequence.dcm",
        "MIT (pydicom-data)",
        "neck",
        "test",
        "bad_sequence.dcm",
    ),
    SourceInfo(
        "pydicom-data-explicit_VR-UN",
        "pydicom-data 1.0.0: explicit_VR-UN.dcm (Pancreas-CT PANCREAS_0001)",
        "MIT (pydicom-data); Pancreas-CT (TCIA) CC BY 3.0",
        "abdomen",
        "test",
        "explicit_VR-UN.dcm",
    ),
)


@dataclass
class Volume:
    """A CT volume in HU, (slices, n, n) float32, square, with its pixel size in mm."""

    info: SourceInfo
    hu: np.ndarray
    pixel_mm: float
    extra: dict[str, str] = field(default_factory=dict)


def read_invesalius(path: Path) -> tuple[np.ndarray, float]:
    """Read an InVesalius 3 project (tar.gz with main.plist + matrix.dat, int16 HU)."""
    with tarfile.open(path, "r:gz") as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        if "main.plist" not in members:
            raise ValueError(f"{path} is not an InVesalius project (no main.plist)")
        main_f = tar.extractfile(members["main.plist"])
        if main_f is None:
            raise ValueError(f"{path}: unreadable main.plist")
        main = plistlib.loads(main_f.read())
        mat = main["matrix"]
        raw_f = tar.extractfile(members[mat["filename"]])
        if raw_f is None:
            raise ValueError(f"{path}: unreadable {mat['filename']}")
        arr = np.frombuffer(raw_f.read(), dtype=np.dtype(mat["dtype"])).reshape(tuple(mat["shape"]))
    spacing = float(main["spacing"][0])
    return arr.astype(np.float32), spacing


def read_dicom_hu(path: str | Path) -> tuple[np.ndarray, float]:
    """One CT DICOM file -> (slices, rows, cols) HU and the row pixel spacing in mm."""
    import pydicom

    ds = pydicom.dcmread(path)
    arr = ds.pixel_array.astype(np.float32)
    slope = float(getattr(ds, "RescaleSlope", 1.0))
    inter = float(getattr(ds, "RescaleIntercept", 0.0))
    hu = arr * slope + inter
    if hu.ndim == 2:
        hu = hu[None]
    spacing = ds.get("PixelSpacing")
    if spacing is None:
        raise ValueError(f"{path}: no PixelSpacing")
    return hu, float(spacing[0])


def _pydicom_file(name: str) -> Path | None:
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    return Path(found) if found else None


def load_volumes(invesalius: Path = INVESALIUS_CRANIUM) -> Iterator[Volume]:
    """Yield every source of :data:`SPLIT` available on this machine (missing ones are logged)."""
    for info in SPLIT:
        try:
            if info.name == "invesalius-cranium":
                if not invesalius.is_file():
                    log.warning(
                        "skipping %s: %s not found (apt-get install invesalius-examples)",
                        info.name,
                        invesalius,
                    )
                    continue
                hu, px = read_invesalius(invesalius)
            else:
                path = _pydicom_file(info.file)
                if path is None:
                    log.warning("skipping %s: file not installed", info.name)
                    continue
                hu, px = read_dicom_hu(path)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("skipping %s: %s", info.name, exc)
            continue
        hu = np.maximum(hu, HU_MIN)
        if hu.shape[1] != hu.shape[2]:
            hu = np.stack([pad_to_square(s, HU_MIN)[0] for s in hu])
        yield Volume(info, hu.astype(np.float32), px)


def body_fraction(hu: np.ndarray) -> float:
    return float((hu > -500).mean())


def build(
    out: Path,
    seed: int = 0,
    scanner: ScannerModel | None = None,
    invesalius: Path = INVESALIUS_CRANIUM,
    volumes: list[Volume] | None = None,
    only: tuple[str, ...] = (),
) -> dict:
    """Simulate every usable slice of every source and write ``out/<name>.npz`` + manifest."""
    out.mkdir(parents=True, exist_ok=True)
    sc = scanner or ScannerModel()
    manifest: dict = {
        "scanner": asdict(sc),
        "train_doses": TRAIN_DOSES,
        "eval_doses": EVAL_DOSES,
        "volumes": [],
    }
    for vol in volumes if volumes is not None else load_volumes(invesalius):
        doses = TRAIN_DOSES if vol.info.split == "train" else EVAL_DOSES
        keep = [i for i in range(vol.hu.shape[0]) if body_fraction(vol.hu[i]) >= MIN_BODY_FRACTION]
        t0 = time.perf_counter()
        full = vol.hu[keep]
        low = {d: np.empty_like(full) for d in doses}
        for j, i in enumerate(keep):
            sims = simulate_doses(
                full[j],
                vol.pixel_mm,
                doses,
                seed=seed * 100003 + i * 7 + hash_name(vol.info.name),
                scanner=sc,
            )
            for d in doses:
                low[d][j] = sims[d]
            if j % 10 == 9:
                log.info("%s: %d/%d slices", vol.info.name, j + 1, len(keep))
        arrays = {"full": np.round(full).astype(np.int16)}
        for d in doses:
            arrays[f"low_{int(round(d * 100)):03d}"] = np.round(
                np.clip(low[d], -32768, 32767)
            ).astype(np.int16)
        np.savez(
            out / f"{vol.info.name}.npz",
            pixel_mm=np.float32(vol.pixel_mm),
            slices=np.array(keep),
            **arrays,  # type: ignore[arg-type]
        )
        manifest["volumes"].append(
            {
                **asdict(vol.info),
                "pixel_mm": vol.pixel_mm,
                "n_slices": len(keep),
                "shape": list(full.shape[1:]),
                "doses": list(doses),
            }
        )
        log.info("%s: %d slices in %.1f s", vol.info.name, len(keep), time.perf_counter() - t0)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def hash_name(name: str) -> int:
    """A stable small integer from a volume name (Python's hash() is salted per process)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % 10007


@dataclass(frozen=True)
class PairSet:
    """Loaded pairs of one split: lists of (full, low) HU slices with their dose and volume."""

    full: list[np.ndarray]
    low: list[np.ndarray]
    dose: list[float]
    volume: list[str]

    def __len__(self) -> int:
        return len(self.full)


def load_split(root: Path, split: str, doses: tuple[float, ...] | None = None) -> PairSet:
    """Load the cached pairs of one split (``train``/``val``/``test``) from a built data folder."""
    manifest = json.loads((root / "manifest.json").read_text())
    full: list[np.ndarray] = []
    low: list[np.ndarray] = []
    dose: list[float] = []
    vols: list[str] = []
    for v in manifest["volumes"]:
        if v["split"] != split:
            continue
        with np.load(root / f"{v['name']}.npz") as z:
            f = z["full"].astype(np.float32)
            for d in v["doses"]:
                if doses is not None and not any(abs(d - x) < 1e-6 for x in doses):
                    continue
                lo = z[f"low_{int(round(d * 100)):03d}"].astype(np.float32)
                for i in range(f.shape[0]):
                    full.append(f[i])
                    low.append(lo[i])
                    dose.append(float(d))
                    vols.append(v["name"])
    if not full:
        raise ValueError(
            f"no {split} pairs in {root}; run python -m medgen.enhance.data --out {root}"
        )
    return PairSet(full, low, dose, vols)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Build the low-dose CT training pairs.")
    ap.add_argument("--out", type=Path, default=Path("data/ldct"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--invesalius", type=Path, default=INVESALIUS_CRANIUM)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--only", nargs="*", default=[], help="rebuild only these volumes (names in SPLIT)"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    import torch

    torch.set_num_threads(args.threads)
    build(args.out, seed=args.seed, invesalius=args.invesalius, only=tuple(args.only))


if __name__ == "__main__":
    main()
