"""Enhance every CT series of a study, a PACS search or a folder, in the background.

CLI::

    python -m medgen.enhance.batch --folder DIR --out OUT
    python -m medgen.enhance.batch --study STUDY_UID --send [--out OUT]
    python -m medgen.enhance.batch --patient-id ID --date-from 2024-01-01 --modality CT --send
    python -m medgen.enhance.batch --folder DIR --out OUT --ray auto      # or --ray HEAD:6379

For each CT series (other modalities are skipped and listed): read it through the upload path
(de-identified), enhance it (in-process, or on a Ray actor holding the model), build the derived
series (:func:`medgen.imaging.export.derived_datasets`: new Series/SOP Instance UIDs, DERIVED),
write it to ``OUT/<key>/`` and/or store it in its source study on the PACS (re-identified from
the header kept in memory, :func:`medgen.pacs.reidentify`), then record it in the database like
an interactive run (an ``enhancement`` output with source ``batch``, plus audit events).

Resumable: ``batch-manifest.json`` (in OUT, or ``--manifest``) lists the finished series by
their replacement (de-identified) Series Instance UID; a rerun with the same model, strength and
destinations skips them. A failed series does not stop the others; it is listed at the end with
the reason, and the exit status is 1 if any series failed (2 when the batch could not start).
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import hashlib
import io
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pydicom

from medgen.enhance.batch_ray import (
    EnhanceTask,
    LocalExecutor,
    RayExecutor,
    run_accepts_strength,
)
from medgen.enhance.batch_sources import (
    AlreadyEnhancedError,
    LoadedSeries,
    SeriesJob,
    folder_jobs,
    load_job,
    pacs_jobs,
)
from medgen.enhance.infer import EnhanceResult
from medgen.errors import MedgenError
from medgen.imaging.export import derived_datasets, dicom_bytes, png_bytes
from medgen.pacs import PacsClient, connect, reidentify
from medgen.types import Modality, UserInfo

log = logging.getLogger(__name__)

MANIFEST_NAME = "batch-manifest.json"
#: Strength presets (issue 10: Low / Medium / High, default Medium) or a percentage 0-100.
STRENGTH_PRESETS = ("low", "medium", "high")
DEFAULT_STRENGTH = "medium"


class SeriesStatus(enum.StrEnum):
    """What happened to one series."""

    DONE = "done"
    SKIPPED = "skipped"  # not CT, or finished by an earlier run
    FAILED = "failed"


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch (everything but the input)."""

    model_id: str
    strength: str | int = DEFAULT_STRENGTH
    out_dir: Path | None = None  # derived DICOM per series under out_dir/<key>/
    send: bool = False  # STOW-RS into the source study
    manifest: Path | None = None  # default out_dir/batch-manifest.json
    database_url: str | None = None  # default: the configured database
    ray: str | None = None  # None: in-process; "auto" or a cluster address
    workers: int | None = None  # Ray actors (default: GPUs, else CPUs // threads)
    threads: int | None = None  # torch threads per worker (Ray: num_cpus per actor)
    user: UserInfo | None = None  # who started it (a background job from the app); None: the CLI

    def __post_init__(self) -> None:
        if self.out_dir is None and not self.send:
            raise ValueError("choose a destination: an out folder and/or send to the PACS")
        object.__setattr__(self, "strength", parse_strength(self.strength))


@dataclass(frozen=True)
class SeriesOutcome:
    """One line of the summary. No identifiers: the key is the replacement Series UID."""

    index: int
    key: str
    modality: str
    status: SeriesStatus
    reason: str = ""
    n_slices: int = 0
    seconds: float = 0.0  # enhancement wall time on the worker
    derived_series_uid: str = ""
    output_id: int | None = None
    out_path: str = ""
    sent: int = 0  # instances stored on the PACS
    device: str = ""

    @property
    def label(self) -> str:
        return f"series {self.index} [{self.key[-8:]}]"


@dataclass(frozen=True)
class BatchSummary:
    """Every series of a batch and the totals."""

    outcomes: tuple[SeriesOutcome, ...]
    executor: str
    wall_s: float
    not_dicom_files: int = 0
    startup_s: float = 0.0  # loading the model(s); on Ray also starting the actors

    def count(self, status: SeriesStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> tuple[SeriesOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == SeriesStatus.FAILED)

    @property
    def slices_done(self) -> int:
        return sum(o.n_slices for o in self.outcomes if o.status == SeriesStatus.DONE)


def parse_strength(value: str | int | float) -> str | int:
    """``low`` / ``medium`` / ``high`` or a whole percentage 0-100 (``"70"``, ``"70%"``)."""
    text = str(value).strip().lower().rstrip("%").strip()
    if text in STRENGTH_PRESETS:
        return text
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 100 or number != int(number):
        raise ValueError(
            f"strength must be low, medium, high or a whole number 0-100, got {value!r}"
        )
    return int(number)


def strength_text(strength: str | int) -> str:
    return f"{strength} %" if isinstance(strength, int) else str(strength)


# ---------------------------------------------------------------------------- manifest


class Manifest:
    """``batch-manifest.json``: finished series by key (replacement Series UID), rewritten
    atomically after each series so that an interrupted batch resumes where it stopped."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.series: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text())
                self.series = dict(data.get("series", {}))
            except (OSError, ValueError, AttributeError) as exc:
                raise MedgenError(
                    f"The batch manifest {self.path} is unreadable ({type(exc).__name__}); "
                    "move it away to start the batch again from the beginning."
                ) from exc

    def finished(self, key: str, opts: BatchOptions) -> bool:
        entry = self.series.get(key)
        if not entry or entry.get("status") != SeriesStatus.DONE:
            return False
        same_run = entry.get("model_id") == opts.model_id and entry.get("strength") == opts.strength
        wrote = opts.out_dir is None or bool(entry.get("out_path"))
        if opts.out_dir is not None and entry.get("out_path"):
            wrote = (opts.out_dir / str(entry["out_path"])).is_dir()
        sent = not opts.send or bool(entry.get("sent"))
        return same_run and wrote and sent

    def put(self, outcome: SeriesOutcome, opts: BatchOptions) -> None:
        entry = {k: v for k, v in asdict(outcome).items() if k not in ("index", "key")}
        entry.update(
            model_id=opts.model_id,
            strength=opts.strength,
            finished_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        self.series[outcome.key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": 1, "series": self.series}, indent=1, default=str))
        os.replace(tmp, self.path)


def default_manifest(opts: BatchOptions, input_id: str) -> Path:
    if opts.manifest is not None:
        return opts.manifest
    if opts.out_dir is not None:
        return opts.out_dir / MANIFEST_NAME
    from medgen.config import get_settings

    digest = hashlib.sha256(input_id.encode()).hexdigest()[:16]
    return get_settings().data_dir / "batch" / f"manifest-{digest}.json"


# ---------------------------------------------------------------------------- database


def record_series(
    database_url: str | None,
    loaded: LoadedSeries,
    result: EnhanceResult,
    *,
    params: dict[str, Any],
    metrics: dict[str, Any],
    previews: tuple[bytes, bytes],
    sent: int,
    user: UserInfo | None = None,
) -> int:
    """Record one finished series like an interactive run, in one transaction: the
    de-identified scan (study/image rows), an ``enhancement`` output, an ENHANCE audit event
    and, when it was stored on the PACS, an EXPORT audit event. Returns the output id.

    All of the batch's database code is here (the lead swaps it for the unit-of-work helper).
    """
    from medgen.store import repo, session_factory, unit_of_work
    from medgen.types import AuditAction, ObjectType, OutputKind

    scan = loaded.scan
    message = (
        "The enhanced series could not be recorded in the database (nothing was recorded). "
        "Check that the database is reachable and migrated (make migrate), then rerun the "
        "batch: finished series are skipped."
    )
    with unit_of_work(session_factory(database_url), message=message) as s:
        image_id = repo.record_scan(s, scan, user)
        output_id = repo.record_output(
            s,
            OutputKind.ENHANCEMENT,
            model_id=result.model_id,
            model_version=result.model_version,
            params=params,
            input_hash=scan.content_hash,
            device=result.device,
            latency_ms=result.ms,
            flags=list(result.warnings),
            metrics=metrics,
            preview_before=previews[0],
            preview_after=previews[1],
            study_id=repo.study_id_for_image(s, image_id),
            user=user,
        )
        detail = {
            "model_id": result.model_id,
            "n_slices": scan.n_slices,
            "device": result.device,
            "source": "batch",
        }
        repo.add_audit(
            s,
            AuditAction.ENHANCE,
            user=user,
            object_type=ObjectType.GENERATED_OUTPUT,
            object_id=output_id,
            detail=detail,
        )
        if sent:
            repo.add_audit(
                s,
                AuditAction.EXPORT,
                object_type=ObjectType.GENERATED_OUTPUT,
                object_id=output_id,
                detail={"format": "dicomweb", "n_instances": sent, "source": "batch"},
            )
    return output_id


# ---------------------------------------------------------------------------- one series


def _derived(
    loaded: LoadedSeries, result: EnhanceResult, opts: BatchOptions, applied: bool
) -> list[Any]:
    """The derived series with descriptions naming model and strength."""
    if applied and result.strength is not None:
        label = result.strength.label
        datasets = derived_datasets(
            loaded.scan, result.pixels, result.model_id, result.model_version, strength=label
        )
        strength = strength_text(opts.strength)
        for ds in datasets:
            ds.SeriesDescription = (
                f"AI-enhanced {result.model_id} {strength} (review w/ original)"[:64]
            )
        return datasets
    datasets = derived_datasets(loaded.scan, result.pixels, result.model_id, result.model_version)
    strength = strength_text(opts.strength)
    note = (
        f" Strength {strength}."
        if applied
        else f" Strength {strength} requested; this model version has no strength control "
        "(full model output)."
    )
    for ds in datasets:
        ds.SeriesDescription = f"AI-enhanced {result.model_id} {strength} (review w/ original)"[:64]
        ds.DerivationDescription = (str(ds.DerivationDescription) + note)[:1024]
    return datasets


def _write_series(datasets: Sequence[Any], out_dir: Path, name: str) -> Path:
    """``out_dir/name/IM0001.dcm ...``, written to a temporary folder and renamed at the end."""
    final = out_dir / name
    tmp = out_dir / f".{name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for i, ds in enumerate(datasets):
        (tmp / f"IM{i + 1:04d}.dcm").write_bytes(dicom_bytes(ds))
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


def _metrics(
    loaded: LoadedSeries, result: EnhanceResult
) -> tuple[dict[str, Any], tuple[bytes, bytes]]:
    before = (
        loaded.scan.pixels
        if loaded.scan.pixels.ndim == 2
        else loaded.scan.pixels[loaded.scan.n_slices // 2]
    )
    after = result.pixels if result.pixels.ndim == 2 else result.pixels[len(result.pixels) // 2]
    body = before > -500
    noise = before - after
    c, w = loaded.scan.default_window or (40.0, 400.0)
    metrics = {
        "removed_noise_sd_hu": round(float(noise[body].std() if body.any() else noise.std()), 2),
        "median_slice_ms": round(result.median_slice_ms, 1),
        "n_slices": loaded.scan.n_slices,
    }
    previews = (png_bytes(before, c, w, max_size=256), png_bytes(after, c, w, max_size=256))
    return metrics, previews


def finish_series(
    job: SeriesJob,
    loaded: LoadedSeries,
    result: EnhanceResult,
    opts: BatchOptions,
    pacs: PacsClient | None,
) -> SeriesOutcome:
    """Derived series -> out folder and/or PACS -> database. Raises on the first failure."""
    applied = run_accepts_strength()
    datasets = _derived(loaded, result, opts, applied)
    derived_uid = str(datasets[0].SeriesInstanceUID)
    out_path = ""
    if opts.out_dir is not None:
        out_path = _write_series(datasets, opts.out_dir, job.key).name
    sent = 0
    if opts.send:
        if pacs is None or loaded.header is None:
            raise ValueError("sending needs a PACS connection and the source header")
        # Encoded and read back: a complete file meta and preamble (derived_datasets leaves them
        # out; dicomweb-client then sends, and Orthanc keeps, a stream that pydicom cannot read).
        files = [pydicom.dcmread(io.BytesIO(dicom_bytes(ds))) for ds in datasets]
        stored = pacs.store_instances(reidentify(files, loaded.header))
        sent = stored.n_stored
    params = {
        "source": "batch",
        "slices": "all",
        "override": False,
        "strength": opts.strength,
        "strength_applied": applied,
        "series_uid": derived_uid,  # replacement UID of the derived series
        "source_series_uid": str(loaded.scan.header.series_uid or job.key),
        "destinations": [d for d, on in (("folder", out_path), ("pacs", sent)) if on],
        "guard_verdict": None,
    }
    if result.strength is not None:
        params["strength_fraction"] = round(result.strength.fraction, 4)
    if result.guard is not None:
        params.update(result.guard.as_params())
    metrics, previews = _metrics(loaded, result)
    output_id = record_series(
        opts.database_url,
        loaded,
        result,
        params=params,
        metrics=metrics,
        previews=previews,
        sent=sent,
        user=opts.user,
    )
    return SeriesOutcome(
        job.index,
        job.key,
        job.modality,
        SeriesStatus.DONE,
        n_slices=loaded.scan.n_slices,
        seconds=round(result.ms / 1000.0, 3),
        derived_series_uid=derived_uid,
        output_id=output_id,
        out_path=out_path,
        sent=sent,
        device=result.device,
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MedgenError):
        return str(exc)
    log.warning("batch series failed with %s", type(exc).__name__)
    return f"unexpected {type(exc).__name__}: {exc}"[:300]


# ---------------------------------------------------------------------------- the batch

#: on_series(outcome) after each series; on_slices(job, done, total) while one runs.
SeriesCallback = Callable[[SeriesOutcome], None]
SliceCallback = Callable[[SeriesJob, int, int], None]


def run_batch(
    jobs: Sequence[SeriesJob],
    opts: BatchOptions,
    *,
    pacs: PacsClient | None = None,
    manifest_path: Path,
    on_series: SeriesCallback | None = None,
    on_slices: SliceCallback | None = None,
    not_dicom_files: int = 0,
) -> BatchSummary:
    """Run every job; never raises for one series (its outcome is FAILED with the reason).

    Raises only when the batch cannot start (unreadable manifest, model or Ray not loadable).
    """
    t0 = time.perf_counter()
    manifest = Manifest(manifest_path)
    outcomes: dict[int, SeriesOutcome] = {}

    def settle(outcome: SeriesOutcome) -> None:
        outcomes[outcome.index] = outcome
        log.info(
            "batch %s (%s): %s, %d slices, %.1f s",
            outcome.label,
            outcome.modality,
            outcome.status,
            outcome.n_slices,
            outcome.seconds,
        )
        if outcome.status == SeriesStatus.DONE:
            manifest.put(outcome, opts)
        if on_series:
            on_series(outcome)

    def ended(
        job: SeriesJob, status: SeriesStatus, reason: str, **earlier: Any
    ) -> SeriesOutcome:
        return SeriesOutcome(job.index, job.key, job.modality, status, reason, **earlier)

    def skipped(job: SeriesJob, reason: str, **earlier: Any) -> SeriesOutcome:
        return ended(job, SeriesStatus.SKIPPED, reason, **earlier)

    def failed(
        job: SeriesJob, exc: BaseException, loaded: LoadedSeries | None = None, **earlier: Any
    ) -> SeriesOutcome:
        if loaded is not None:
            earlier["n_slices"] = loaded.scan.n_slices
        return ended(job, SeriesStatus.FAILED, _reason(exc), **earlier)

    pending: list[SeriesJob] = []
    for job in jobs:
        if manifest.finished(job.key, opts):
            prev = manifest.series[job.key]
            settle(skipped(
                job, "finished by an earlier run",
                n_slices=int(prev.get("n_slices", 0)),
                derived_series_uid=str(prev.get("derived_series_uid", "")),
                output_id=prev.get("output_id"),
                out_path=str(prev.get("out_path", "")),
                sent=int(prev.get("sent", 0)),
            ))
        elif job.skip:
            settle(skipped(job, job.skip))
        elif not job.problem and job.modality != Modality.CT.value:
            settle(skipped(job, f"not CT ({job.modality or 'no modality'}): the model is for CT only"))
        else:
            pending.append(job)

    executor: LocalExecutor | RayExecutor | None = None
    description = "nothing to enhance"
    startup_s = 0.0
    if pending:
        if opts.ray:
            executor = RayExecutor(
                opts.model_id, opts.ray, workers=opts.workers, threads=opts.threads or 1
            )
        else:
            executor = LocalExecutor(opts.model_id, opts.threads)
        description = executor.description
        startup_s = executor.load_s
        log.info("batch: %d series to enhance, %s", len(pending), description)
    by_tag: dict[int, tuple[SeriesJob, LoadedSeries]] = {}
    try:
        while executor is not None and (pending or executor.busy):
            while pending and executor.busy < executor.slots:
                job = pending.pop(0)
                try:
                    loaded = load_job(job, pacs, keep_header=opts.send)
                except AlreadyEnhancedError as exc:
                    settle(skipped(job, str(exc)))
                    continue
                except Exception as exc:  # one series: reported, the others go on
                    settle(failed(job, exc))
                    continue
                scan = loaded.scan
                by_tag[job.index] = (job, loaded)
                executor.submit(
                    job.index,
                    EnhanceTask(
                        np.ascontiguousarray(scan.pixels),
                        scan.modality.value,
                        scan.is_hu,
                        opts.strength,
                    ),
                )

            def slices(tag: int, done: int, total: int) -> None:
                if on_slices and tag in by_tag:
                    on_slices(by_tag[tag][0], done, total)

            for tag, res in executor.poll(slices):
                job, loaded = by_tag.pop(tag)
                if isinstance(res, BaseException):
                    settle(failed(job, res, loaded))
                    continue
                try:
                    settle(finish_series(job, loaded, res, opts, pacs))
                except Exception as exc:
                    settle(
                        failed(
                            job, exc, loaded, seconds=round(res.ms / 1000.0, 3), device=res.device
                        )
                    )
    finally:
        if executor is not None:
            executor.close()
    ordered = tuple(outcomes[k] for k in sorted(outcomes))
    return BatchSummary(
        ordered, description, time.perf_counter() - t0, not_dicom_files, round(startup_s, 2)
    )


# ---------------------------------------------------------------------------- output


def summary_table(summary: BatchSummary) -> str:
    """The final table (plain text, one row per series) and the totals."""
    rows = [("#", "series", "modality", "slices", "status", "s", "slices/s", "output", "reason")]
    for o in summary.outcomes:
        rate = f"{o.n_slices / o.seconds:.2f}" if o.seconds and o.status == "done" else ""
        where = ", ".join(
            x
            for x in (
                o.out_path and f"folder {o.out_path[-12:]}",
                o.sent and f"PACS {o.sent} images",
                o.output_id is not None and f"output #{o.output_id}",
            )
            if x
        )
        rows.append(
            (
                str(o.index),
                o.key[-8:],
                o.modality or "?",
                str(o.n_slices or ""),
                str(o.status),
                f"{o.seconds:.1f}" if o.seconds else "",
                rate,
                where,
                o.reason,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    ]
    total = (
        f"{len(summary.outcomes)} series: {summary.count(SeriesStatus.DONE)} enhanced "
        f"({summary.slices_done} slices), {summary.count(SeriesStatus.SKIPPED)} skipped, "
        f"{summary.count(SeriesStatus.FAILED)} failed; {summary.wall_s:.1f} s wall "
        f"({summary.startup_s:.1f} s loading the model), {summary.executor}."
    )
    if summary.not_dicom_files:
        total += f" {summary.not_dicom_files} non-DICOM files ignored."
    return "\n".join([*lines, "", total])


class _Console:
    """Progress on stderr: a rewritten line per slice on a terminal, a plain line per series."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.total = total
        self.seen = 0

    def slices(self, job: SeriesJob, done: int, total: int) -> None:
        if self.tty:
            self.stream.write(f"\r  {job.label}: slice {done}/{total}   ")
            self.stream.flush()

    def series(self, o: SeriesOutcome) -> None:
        self.seen += 1
        if self.tty:
            self.stream.write("\r" + " " * 60 + "\r")
        what = {
            SeriesStatus.DONE: f"enhanced {o.n_slices} slices in {o.seconds:.1f} s on {o.device}",
            SeriesStatus.SKIPPED: f"skipped: {o.reason}",
            SeriesStatus.FAILED: f"FAILED: {o.reason}",
        }[o.status]
        self.stream.write(f"[{self.seen}/{self.total}] {o.label} {o.modality}: {what}\n")
        self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m medgen.enhance.batch",
        description="Enhance every CT series of a study, a PACS search or a folder.",
    )
    src = ap.add_argument_group("input (one of)")
    src.add_argument("--study", metavar="UID", help="a Study Instance UID on the PACS (DICOMweb)")
    src.add_argument(
        "--folder", type=Path, metavar="DIR", help="DICOM files (searched recursively)"
    )
    src.add_argument("--query", action="store_true", help="search the PACS with the criteria below")
    src.add_argument("--patient-id", default="", help="PACS search: patient ID")
    src.add_argument("--accession", default="", help="PACS search: accession number")
    src.add_argument("--date-from", default=None, help="PACS search: study date from (YYYY-MM-DD)")
    src.add_argument("--date-to", default=None, help="PACS search: study date to (YYYY-MM-DD)")
    src.add_argument("--modality", default="", help="PACS search: modality in the study (e.g. CT)")
    src.add_argument("--limit", type=int, default=20, help="PACS search: at most this many studies")
    ap.add_argument("--model", default=None, help="model id (default: the default model)")
    ap.add_argument(
        "--strength",
        default=DEFAULT_STRENGTH,
        help="low, medium (default), high or 0-100 (recorded; applied once the model supports it)",
    )
    ap.add_argument("--out", type=Path, metavar="DIR", help="write derived DICOM per series here")
    ap.add_argument(
        "--send", action="store_true", help="store the derived series in the source study (STOW-RS)"
    )
    ap.add_argument("--manifest", type=Path, help="resume file (default: OUT/batch-manifest.json)")
    ap.add_argument("--db", default=None, help="SQLAlchemy URL (default: the configured database)")
    ap.add_argument(
        "--ray", default=None, metavar="auto|ADDRESS", help="run on Ray (auto, or HEAD:6379)"
    )
    ap.add_argument(
        "--workers", type=int, default=None, help="Ray workers (default: GPUs, else CPUs/threads)"
    )
    ap.add_argument("--threads", type=int, default=None, help="torch threads per worker")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every step")
    return ap


def _input(args: argparse.Namespace) -> tuple[list[SeriesJob], int, PacsClient | None, str]:
    """(jobs, non-DICOM files, PACS client or None, an id of the input for the manifest name)."""
    chosen = [x for x in (args.study, args.folder, args.query) if x]
    if len(chosen) != 1:
        raise MedgenError(
            "Give exactly one input: --study UID, --folder DIR or --query (with criteria)."
        )
    pacs = connect() if (args.study or args.query or args.send) else None
    if args.folder:
        jobs, not_dicom = folder_jobs(args.folder)
        return jobs, not_dicom, pacs, f"folder:{Path(args.folder).resolve()}"
    assert pacs is not None
    if args.study:
        return pacs_jobs(pacs, [args.study]), 0, pacs, f"study:{args.study}"
    studies = pacs.search_studies(
        patient_id=args.patient_id,
        accession=args.accession,
        date_from=args.date_from,
        date_to=args.date_to,
        modality=args.modality,
        limit=args.limit,
    )
    key = "|".join(
        str(x)
        for x in (args.patient_id, args.accession, args.date_from, args.date_to, args.modality)
    )
    return pacs_jobs(pacs, [s.study_uid for s in studies]), 0, pacs, f"query:{key}"


def main(
    argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """CLI entry point; returns the exit status (0 ok, 1 a series failed, 2 could not start)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        from medgen.enhance.cards import list_models

        model_id = args.model or (list_models() or [""])[0]
        if not model_id:
            raise MedgenError("No enhancement model is installed in the weights folder.")
        opts = BatchOptions(
            model_id=model_id,
            strength=args.strength,
            out_dir=args.out,
            send=args.send,
            manifest=args.manifest,
            database_url=args.db,
            ray=args.ray,
            workers=args.workers,
            threads=args.threads,
        )
        jobs, not_dicom, pacs, input_id = _input(args)
        manifest = default_manifest(opts, input_id)
        err.write(
            f"{len(jobs)} series found; model {model_id}, strength {strength_text(opts.strength)}; "
            f"resume file {manifest}\n"
        )
        console = _Console(err, len(jobs))
        summary = run_batch(
            jobs,
            opts,
            pacs=pacs,
            manifest_path=manifest,
            on_series=console.series,
            on_slices=console.slices,
            not_dicom_files=not_dicom,
        )
    except (MedgenError, ValueError) as exc:
        err.write(f"The batch could not start: {exc}\n")
        return 2
    out.write(summary_table(summary) + "\n")
    if summary.failed:
        err.write(
            f"{len(summary.failed)} series failed (listed above with the reason); rerun to retry them.\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "BatchOptions",
    "BatchSummary",
    "SeriesOutcome",
    "SeriesStatus",
    "main",
    "parse_strength",
    "record_series",
    "run_batch",
    "summary_table",
]
