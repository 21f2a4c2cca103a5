"""Executors for the batch runner: in-process (default) or a pool of Ray actors.

Both run :class:`SeriesWorker`: it loads the model once (``Enhancer(model_id)``) and enhances
the de-identified pixels of one series at a time. Only those pixels (plus modality, HU flag and
strength) travel to a worker; reading, de-identification, writing, the PACS link and the
database stay with the driver, so workers need neither PACS credentials nor the database.

Ray: one actor per worker slot, each holding its own Enhancer (the model is loaded once per
actor, not per series). ``num_gpus=1`` per actor when the cluster has GPUs (Ray sets
``CUDA_VISIBLE_DEVICES`` and the Enhancer picks CUDA), else ``num_cpus=threads``. The actors
run with ``max_concurrency=2`` so the driver can ask a busy actor how many slices it has done.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medgen.enhance.infer import Enhancer, EnhanceResult

log = logging.getLogger(__name__)

#: The repository root (workers import medgen from here).
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, eq=False)
class EnhanceTask:
    """What a worker needs for one series: de-identified pixels (HU) and how to run."""

    pixels: np.ndarray
    modality: str
    is_hu: bool
    strength: str | int
    allow_mismatch: bool = False


def run_accepts_strength() -> bool:
    """True once ``Enhancer.run`` takes ``strength=`` (issue 10); until then it is recorded only."""
    return "strength" in inspect.signature(Enhancer.run).parameters


class SeriesWorker:
    """Holds one loaded model and enhances one series at a time (in-process or as a Ray actor)."""

    def __init__(self, model_id: str, threads: int | None = None) -> None:
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        self.enhancer = Enhancer(model_id)
        self._done = (0, 0)

    def enhance(
        self, task: EnhanceTask, progress: Callable[[int, int], None] | None = None
    ) -> EnhanceResult:
        """Enhance one series; raises the Enhancer's :class:`medgen.errors.ModelError`s."""
        kwargs: dict[str, Any] = {
            "modality": task.modality,
            "is_hu": task.is_hu,
            "allow_mismatch": task.allow_mismatch,
        }
        if run_accepts_strength():
            # a preset name or a whole percent (parse_strength); Enhancer.run resolves it with
            # the model card's calibrated presets
            kwargs["strength"] = task.strength

        def report(done: int, total: int) -> None:
            self._done = (done, total)
            if progress is not None:
                progress(done, total)

        self._done = (0, int(task.pixels.shape[0]) if task.pixels.ndim == 3 else 1)
        return self.enhancer.run(task.pixels, report, **kwargs)

    def progress(self) -> tuple[int, int]:
        """(slices done, slices in the current series)."""
        return self._done

    def device(self) -> str:
        return str(self.enhancer.device)


#: (tag, result or the exception that the worker raised)
Finished = tuple[int, EnhanceResult | BaseException]
#: progress(tag, slices done, slices total)
SliceProgress = Callable[[int, int, int], None]


class LocalExecutor:
    """Runs each series in this process, one at a time (the default)."""

    slots = 1

    def __init__(self, model_id: str, threads: int | None = None) -> None:
        t0 = time.perf_counter()
        self.worker = SeriesWorker(model_id, threads)
        self.load_s = time.perf_counter() - t0
        self.devices = (self.worker.device(),)
        self._queue: list[tuple[int, EnhanceTask]] = []
        self.description = f"in-process on {self.devices[0]}"

    def submit(self, tag: int, task: EnhanceTask) -> None:
        self._queue.append((tag, task))

    def poll(self, progress: SliceProgress | None = None) -> list[Finished]:
        if not self._queue:
            return []
        tag, task = self._queue.pop(0)

        def report(done: int, total: int) -> None:
            if progress:
                progress(tag, done, total)

        try:
            result: EnhanceResult | BaseException = self.worker.enhance(task, report)
        except Exception as exc:  # reported per series by the runner
            result = exc
        return [(tag, result)]

    @property
    def busy(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        pass


def _ray_cause(exc: BaseException) -> BaseException:
    """The exception raised inside a Ray task (RayTaskError wraps it), else ``exc``."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else exc


class RayExecutor:
    """A pool of Ray actors, one :class:`SeriesWorker` each.

    Parameters
    ----------
    model_id
        Loaded once per actor.
    address
        ``"auto"``: ``ray.init()`` (RAY_ADDRESS, else a cluster started with ``ray start`` on
        this machine, else a new local Ray); otherwise a cluster address such as ``head:6379``.
        When Ray is already initialised in this process it is used as it is.
    workers
        Number of actors; default: one per GPU of the cluster when it has GPUs, else
        ``CPUs // threads``.
    threads
        CPU threads (and Ray ``num_cpus``) per actor.
    """

    def __init__(
        self,
        model_id: str,
        address: str = "auto",
        workers: int | None = None,
        threads: int = 1,
    ) -> None:
        import ray

        self._ray = ray
        self._owns = False
        if not ray.is_initialized():
            ray.init(
                address=None if address == "auto" else address,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": _worker_env()},
            )
            self._owns = True
        resources = ray.cluster_resources()
        n_gpus = int(resources.get("GPU", 0))
        n_cpus = int(resources.get("CPU", 1))
        gpus_per_actor = 1 if n_gpus >= 1 else 0
        if workers is None:
            workers = n_gpus if n_gpus else max(1, n_cpus // max(threads, 1))
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        actor_cls = ray.remote(SeriesWorker).options(
            num_cpus=threads,
            num_gpus=gpus_per_actor,
            max_concurrency=2,
            runtime_env={"env_vars": _worker_env()},
        )
        t0 = time.perf_counter()
        self._actor_cls, self._model_id, self._threads = actor_cls, model_id, threads
        self.actors: list[Any] = [actor_cls.remote(model_id, threads) for _ in range(workers)]
        # Waits for every actor's model to load; raises the load error (e.g. missing weights).
        try:
            self.devices = tuple(ray.get([a.device.remote() for a in self.actors]))
        except Exception as exc:
            self.close()
            raise _ray_cause(exc) from exc
        self.load_s = time.perf_counter() - t0
        self.slots = len(self.actors)
        self._idle = list(range(self.slots))
        self._running: dict[Any, tuple[int, int]] = {}  # ObjectRef -> (tag, actor index)
        self.description = (
            f"Ray with {self.slots} workers ({', '.join(sorted(set(self.devices)))}; "
            f"{n_cpus} CPUs, {n_gpus} GPUs in the cluster)"
        )
        log.info("Ray pool ready: %s, models loaded in %.1f s", self.description, self.load_s)

    @property
    def busy(self) -> int:
        return len(self._running)

    def submit(self, tag: int, task: EnhanceTask) -> None:
        if not self._idle:
            raise RuntimeError("no idle Ray worker: poll() first")
        i = self._idle.pop(0)
        ref = self.actors[i].enhance.remote(task)
        self._running[ref] = (tag, i)

    def poll(self, progress: SliceProgress | None = None) -> list[Finished]:
        ray = self._ray
        if not self._running:
            return []
        ready, _ = ray.wait(list(self._running), num_returns=1, timeout=1.0)
        if progress:
            for ref, (tag, i) in list(self._running.items()):
                if ref in ready:
                    continue
                try:
                    done, total = ray.get(self.actors[i].progress.remote(), timeout=5)
                except Exception:  # a progress query is best effort
                    continue
                progress(tag, done, total)
        out: list[Finished] = []
        for ref in ready:
            tag, i = self._running.pop(ref)
            try:
                out.append((tag, ray.get(ref)))
            except ray.exceptions.RayActorError as exc:
                log.warning("Ray worker %d died; starting a new one", i)
                out.append(
                    (tag, RuntimeError(f"the Ray worker running it stopped ({type(exc).__name__})"))
                )
                self._replace(i)
            except Exception as exc:
                out.append((tag, _ray_cause(exc)))
            self._idle.append(i)
        return out

    def _replace(self, i: int) -> None:
        """A new actor in place of one that died (the series it ran is reported failed)."""
        try:
            self._ray.kill(self.actors[i], no_restart=True)
        except Exception:  # already gone
            pass
        self.actors[i] = self._actor_cls.remote(self._model_id, self._threads)

    def close(self) -> None:
        ray = self._ray
        for a in getattr(self, "actors", []):
            try:
                ray.kill(a, no_restart=True)
            except Exception:  # already gone
                pass
        if self._owns:
            ray.shutdown()


def _worker_env() -> dict[str, str]:
    """Environment for the actors: medgen importable from the repository root, offline."""
    path = os.environ.get("PYTHONPATH", "")
    env = {
        "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""),
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("MEDGEN_WEIGHTS_DIR", "MEDGEN_DEVICE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env
