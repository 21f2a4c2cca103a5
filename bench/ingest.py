"""Ingest benchmark: load (parse + de-identify + decode + HU) and render (window + PNG) times.

    python -m bench.ingest [--repeats 15]

Cases: one real 512x512 CT slice (pydicom-data 693_UNCR, uncompressed, and its JPEG 2000
lossless twin 693_J2KR), and a 20-slice 512x512 series. There is no real multi-slice CT series
in the offline test data, so the series is built from the real 693_UNCR slice: 20 copies with
distinct ImagePositionPatient (2.5 mm apart), SOP Instance UIDs and pixel offsets, uploaded in
shuffled order (so sorting is exercised). Writes bench/results/ingest.json, prints a markdown table.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import logging
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("bench.ingest")
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_MS_PER_SLICE = 300.0


def _testfile(name: str) -> bytes:
    from pydicom.data import get_testdata_file

    return Path(str(get_testdata_file(name, download=False))).read_bytes()


def build_series(n: int = 20) -> list[tuple[str, bytes]]:
    """n slices from the real 512x512 CT 693_UNCR with distinct positions (see module docstring)."""
    import pydicom

    base = pydicom.dcmread(io.BytesIO(_testfile("693_UNCR.dcm")))
    raw = base.pixel_array.astype(np.int32)
    info = np.iinfo(base.pixel_array.dtype)
    out = []
    for k in range(n):
        ds = copy.deepcopy(base)
        x, y, z = (float(v) for v in base.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z + 2.5 * k]
        ds.InstanceNumber = k + 1
        ds.SOPInstanceUID = f"{base.SOPInstanceUID}.{k + 1}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PixelData = np.clip(raw + 5 * k, info.min, info.max).astype(base.pixel_array.dtype).tobytes()
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        out.append((f"IM{k:04d}.dcm", buf.getvalue()))
    random.Random(0).shuffle(out)
    return out


def _median_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    fn()  # warm-up (imports, decoder plugins)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def run(repeats: int) -> dict[str, object]:
    from medgen.imaging import default_window, load_scan, load_scans, render_png

    cases = []

    def single(name: str) -> None:
        data = _testfile(name)

        def load_only() -> object:
            return load_scan(data, name)

        def load_render() -> object:
            scan = load_scan(data, name)
            c, w = default_window(scan.pixels, scan.modality, scan.is_hu, scan.default_window)
            return render_png(scan.pixels, c, w)

        load_ms, _ = _median_ms(load_only, repeats)
        total_ms, best = _median_ms(load_render, repeats)
        cases.append({"case": f"1 slice 512x512 CT ({name})", "slices": 1,
                      "load_ms": round(load_ms, 1), "load_render_ms": round(total_ms, 1),
                      "per_slice_ms": round(total_ms, 1), "best_ms": round(best, 1)})

    single("693_UNCR.dcm")
    single("693_J2KR.dcm")

    series = build_series(20)

    def series_load() -> object:
        return load_scans(series)

    def series_render() -> object:
        scan = load_scans(series)
        c, w = default_window(scan.pixels, scan.modality, scan.is_hu, scan.default_window)
        return [render_png(scan.slice(i), c, w) for i in range(scan.n_slices)]

    s_load, _ = _median_ms(series_load, max(3, repeats // 3))
    s_total, s_best = _median_ms(series_render, max(3, repeats // 3))
    cases.append({"case": "20-slice 512x512 CT series (built from 693_UNCR)", "slices": 20,
                  "load_ms": round(s_load, 1), "load_render_ms": round(s_total, 1),
                  "per_slice_ms": round(s_total / 20, 1), "best_ms": round(s_best, 1)})
    return {
        "command": "python -m bench.ingest",
        "repeats": repeats,
        "target_ms_per_slice": TARGET_MS_PER_SLICE,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "processor": platform.processor() or platform.machine(),
                    "numpy": np.__version__},
        "cases": cases,
        "all_within_target": all(c["per_slice_ms"] < TARGET_MS_PER_SLICE for c in cases),
    }


def table(results: dict[str, object]) -> str:
    lines = ["| case | load (ms, median) | load + render (ms, median) | per slice (ms) | target < 300 ms/slice |",
             "|---|---:|---:|---:|---|"]
    for c in results["cases"]:  # type: ignore[attr-defined]
        ok = "yes" if c["per_slice_ms"] < TARGET_MS_PER_SLICE else "NO"
        lines.append(f"| {c['case']} | {c['load_ms']} | {c['load_render_ms']} | {c['per_slice_ms']} | {ok} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    # Keep the de-identification salt of the benchmark out of the real data folder.
    os.environ.setdefault("MEDGEN_DATA_DIR", tempfile.mkdtemp(prefix="medgen-bench-"))
    results = run(args.repeats)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "ingest.md").write_text(table(results) + "\n")
    print(table(results))  # noqa: T201 - a CLI report


if __name__ == "__main__":
    main()
