"""Whole-study enhancement as a background job (issue 13): the batch path over a loaded scan.

The Compare page hands over the de-identified series it has loaded (an upload or a PACS
series); :func:`study_job` returns the job function that :func:`medgen.jobs.start` runs in a
daemon thread. It enhances every slice with the chosen model and strength on the batch worker
(:class:`~medgen.enhance.batch_ray.LocalExecutor`), then writes, records and audits the derived
series exactly like ``python -m medgen.enhance.batch`` (:func:`medgen.enhance.batch.finish_series`)
into a per-job folder ``<data dir>/jobs/<job id>/`` plus a zip of it for download.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from medgen.config import get_settings
from medgen.enhance.batch import BatchOptions, finish_series
from medgen.enhance.batch_ray import EnhanceTask, LocalExecutor
from medgen.enhance.batch_sources import LoadedSeries, SeriesJob
from medgen.errors import GenerationError, MedgenError
from medgen.imaging.scan import Scan
from medgen.jobs import JobCancelled, JobContext, JobFn
from medgen.types import Modality, UserInfo

log = logging.getLogger(__name__)

ZIP_NAME = "derived-series.zip"


def job_dir(job_id: int, root: Path | None = None) -> Path:
    """Where job ``job_id`` writes its derived series (under the data directory)."""
    return (root or get_settings().data_dir) / "jobs" / str(job_id)


def _zip_folder(folder: Path, target: Path) -> Path:
    tmp = target.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*.dcm")):
            zf.write(path, path.relative_to(folder.parent).as_posix())
    tmp.replace(target)
    return target


def study_job(
    scan: Scan,
    model_id: str,
    strength: str | int,
    *,
    root: Path | None = None,
    database_url: str | None = None,
    user: UserInfo | None = None,
) -> JobFn:
    """The job function enhancing every slice of ``scan`` (a de-identified CT series).

    Its result: the recorded output id, the derived Series UID (replacement), the folder and the
    zip (relative to the data directory), slices and seconds. The output and its audit event
    are attributed to ``user``. Cancelling stops between slices
    and removes the partial folder.
    """
    if scan.modality is not Modality.CT:
        raise GenerationError("Only CT series can be enhanced in the background.")

    def work(ctx: JobContext) -> Mapping[str, Any]:
        base = root or get_settings().data_dir
        out_dir = job_dir(ctx.job_id, base)
        out_dir.mkdir(parents=True, exist_ok=True)
        total = scan.n_slices
        ctx.progress({"done": 0, "total": total, "stage": "loading the model"})
        executor = LocalExecutor(model_id)
        key = scan.header.series_uid or f"hash.{scan.content_hash[:40]}"
        job = SeriesJob(index=1, key=key, modality=scan.modality.value, n_files=total, origin="app")

        def slices(_tag: int, done: int, n: int) -> None:
            ctx.progress({"done": done, "total": n, "stage": "enhancing"})
            if ctx.should_stop():
                raise JobCancelled

        try:
            executor.submit(
                1, EnhanceTask(np.ascontiguousarray(scan.pixels), "CT", scan.is_hu, strength)
            )
            [(_tag, res)] = executor.poll(slices)
            if isinstance(res, JobCancelled) or ctx.should_stop():
                raise JobCancelled
            if isinstance(res, MedgenError):
                raise res
            if isinstance(res, BaseException):
                raise GenerationError(
                    f"The series could not be enhanced ({type(res).__name__})."
                ) from res
            ctx.progress({"done": total, "total": total, "stage": "writing the derived series"})
            opts = BatchOptions(
                model_id=model_id, strength=strength, out_dir=out_dir, database_url=database_url,
                user=user,
            )
            outcome = finish_series(job, LoadedSeries(scan), res, opts, None)
        except JobCancelled:
            shutil.rmtree(out_dir, ignore_errors=True)
            raise
        finally:
            executor.close()
        archive = _zip_folder(out_dir / outcome.out_path, out_dir / ZIP_NAME)
        return {
            "output_id": outcome.output_id,
            "derived_series_uid": outcome.derived_series_uid,
            "folder": (out_dir / outcome.out_path).relative_to(base).as_posix(),
            "zip": archive.relative_to(base).as_posix(),
            "n_slices": outcome.n_slices,
            "seconds": outcome.seconds,
            "device": outcome.device,
            "model_id": model_id,
            "strength": str(opts.strength),
        }

    return work
