"""Site adaptation as a background job (issue 12, admin page "Site adaptation").

Uploaded zips (noisy set, clean set) are read in memory through the normal loader (safe zip
extraction, one de-identified :class:`~medgen.imaging.Scan` per series); only the de-identified
HU slices and scanner facts are written, as ``.npz``, to a training folder under the data
directory. :func:`adapt_job` returns the job function: it runs
:func:`medgen.enhance.adapt.run_adaptation` with progress (epoch, losses, validation figures,
time left) and cancel, publishes an accepted model as *pending* (card ``approved: false``:
hidden from clinicians until an admin approves it), and deletes the training folder afterwards
unless the admin chose to keep it.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom

from medgen.config import get_settings
from medgen.enhance import adapt as ad
from medgen.enhance import cards
from medgen.errors import InvalidInputError, MedgenError
from medgen.imaging import load_scans
from medgen.imaging.archive import extract_zip
from medgen.jobs import JobCancelled, JobContext, JobFn

log = logging.getLogger(__name__)

SETS = ("noisy", "clean")
MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class TrainingSet:
    """What was ingested for one set: counts only (no identifiers)."""

    name: str
    series: int
    slices: int
    skipped: int


def training_root() -> Path:
    return get_settings().data_dir / "adapt-training"


def new_training_dir() -> Path:
    """A fresh folder for one run's de-identified training slices."""
    path = training_root() / uuid.uuid4().hex[:16]
    path.mkdir(parents=True)
    return path


def _series_groups(entries: list[tuple[str, bytes]]) -> tuple[list[list[tuple[str, bytes]]], int]:
    groups: dict[str, list[tuple[str, bytes]]] = {}
    skipped = 0
    for name, data in entries:
        try:
            ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
        except Exception:  # noqa: BLE001 - not DICOM (notes, thumbnails): skipped and counted
            skipped += 1
            continue
        groups.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((name, data))
    return list(groups.values()), skipped


def ingest_zip(data: bytes, filename: str, set_name: str, dest: Path) -> TrainingSet:
    """Read one uploaded zip of CT DICOM series (de-identified) into ``dest/<set_name>/*.npz``."""
    if set_name not in SETS:
        raise ValueError(f"unknown training set {set_name!r}")
    entries = extract_zip(data, filename)
    groups, skipped = _series_groups(entries)
    out = dest / set_name
    out.mkdir(parents=True, exist_ok=True)
    n_series = n_slices = 0
    for group in groups:
        try:
            scan = load_scans(group)
        except MedgenError as exc:
            log.warning("site adaptation: skipping a series of %d file(s): %s", len(group), exc)
            skipped += len(group)
            continue
        for series in ad.series_from_scans([scan]):
            np.savez_compressed(
                out / f"series-{n_series:04d}.npz",
                slices=series.slices.astype(np.int16),
                pixel_mm=np.float32(series.pixel_mm),
                scanner=np.array(json.dumps(series.scanner)),
            )
            n_series += 1
            n_slices += len(series.slices)
    if not n_series:
        raise InvalidInputError(
            f"No usable CT slices in the {set_name} set ({filename}): upload a zip of CT DICOM "
            "series in Hounsfield units with body in the image."
        )
    return TrainingSet(set_name, n_series, n_slices, skipped)


def load_training(dest: Path, set_name: str) -> list[ad.SeriesData]:
    """The de-identified series written by :func:`ingest_zip`."""
    out = []
    for path in sorted((dest / set_name).glob("*.npz")):
        with np.load(path) as z:
            out.append(
                ad.SeriesData(
                    z["slices"].astype(np.float32), float(z["pixel_mm"]), "dicom",
                    json.loads(str(z["scanner"])),
                )
            )
    if not out:
        raise ad.AdaptError(f"The {set_name} training set is empty or was deleted.")
    return out


def _finite(values: Mapping[str, Any]) -> dict[str, float | None]:
    """JSON-safe figures (PostgreSQL's JSON has no NaN)."""
    out: dict[str, float | None] = {}
    for k, v in values.items():
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        out[k] = round(f, 4) if math.isfinite(f) else None
    return out


def epoch_progress(r: ad.EpochReport) -> dict[str, Any]:
    """An epoch report as the job's progress."""
    return {
        "stage": "training",
        "done": r.epoch,
        "total": r.epochs,
        "epoch": r.epoch,
        "epochs": r.epochs,
        "elapsed_s": round(r.elapsed_s, 1),
        "time_left_s": round(r.time_left_s, 1),
        "losses": _finite(r.losses),
        "validation": _finite(r.validation),
        "passed": bool(r.passed),
        "failures": list(r.failures),
        "best_epoch": r.best_epoch,
        "epsilon": r.epsilon,
    }


def check_model_id(out_id: str) -> str:
    out_id = out_id.strip().lower()
    if not MODEL_ID.match(out_id):
        raise InvalidInputError(
            "The new model's name must be 2-64 lower-case letters, digits, '.', '_' or '-'."
        )
    if out_id in cards.list_models(include_pending=True):
        raise InvalidInputError(f"A model named '{out_id}' already exists; choose another name.")
    return out_id


def adapt_job(
    training: Path,
    base_id: str,
    out_id: str,
    *,
    max_minutes: float,
    dp_epsilon: float = 0.0,
    keep_data: bool = False,
    weights_root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> JobFn:
    """The job function: adapt, publish an accepted model as pending, clean up the training data."""
    cfg = ad.AdaptConfig.load(
        get_settings().adapt_config or ad.DEFAULT_CONFIG,
        **{"max_minutes": max_minutes, "dp_epsilon": dp_epsilon, **dict(overrides or {})}
    )

    def work(ctx: JobContext) -> Mapping[str, Any]:
        try:
            ctx.progress({"stage": "reading the training sets", "done": 0, "total": cfg.epochs})
            noisy, clean = load_training(training, "noisy"), load_training(training, "clean")
            res = ad.run_adaptation(
                cfg, noisy, clean, base_id, weights_root=weights_root,
                progress=lambda r: ctx.progress(epoch_progress(r)), should_stop=ctx.should_stop,
            )
            if res.status == "cancelled":
                raise JobCancelled
            result: dict[str, Any] = {
                "status": res.status,
                "reasons": list(res.reasons),
                "model_id": None,
                "base_model": base_id,
                "epochs": len(res.history),
                "training_data_kept": keep_data,
            }
            if keep_data:
                result["training_data"] = training.relative_to(training_root().parent).as_posix()
            if res.status == "accepted":
                res.card_fields["approved"] = False
                card = ad.publish(res, out_id, weights_root)
                validation = card.get("adaptation", {}).get("validation", {})
                result.update(
                    model_id=out_id, approval="pending",
                    validation={"base": _finite(validation.get("base") or {}),
                                "adapted": _finite(validation.get("adapted") or {})},
                )
            return result
        finally:
            if not keep_data:
                shutil.rmtree(training, ignore_errors=True)

    return work
