"""Where a batch gets its series: a folder of DICOM files or a PACS (a study or a search).

:func:`folder_jobs` and :func:`pacs_jobs` list the series (:class:`SeriesJob`) without reading
pixels; :func:`load_job` reads one series through the upload path
(:func:`medgen.imaging.load_scans`, which de-identifies) and, when the result goes back to the
PACS, keeps its original header (:class:`medgen.pacs.SourceHeader`) in memory.

A series is named everywhere (manifest, out folder, logs, database) by its *replacement* Series
Instance UID, the de-identified UID that ingestion gives it on this installation
(:func:`medgen.imaging.deid.replace_uid` with the installation salt): it is known before the
pixels are read, so a rerun can skip a finished series without retrieving it again.
Original UIDs stay in memory (fields kept out of ``repr``).
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from medgen.errors import InvalidInputError, MedgenError
from medgen.imaging import load_scans
from medgen.imaging.deid import installation_salt, replace_uid
from medgen.imaging.scan import Scan
from medgen.pacs import PacsClient, SourceHeader, upload_files

log = logging.getLogger(__name__)

#: Marker of a series this app derived (DerivationDescription of medgen.imaging.export).
OWN_DERIVATION = "MedGen Studio"
ALREADY_ENHANCED = "already an enhanced series made by MedGen Studio (not enhanced again)"


class AlreadyEnhancedError(MedgenError):
    """The series is itself the output of an enhancement (it is skipped, not failed)."""

    default_message = ALREADY_ENHANCED


def is_own_derived(ds: Dataset) -> bool:
    """True for an instance that medgen derived (its DerivationDescription names the app)."""
    return OWN_DERIVATION in str(ds.get("DerivationDescription", "") or "")


@dataclass(frozen=True)
class SeriesJob:
    """One series to enhance.

    ``key`` is the replacement (de-identified) Series Instance UID; ``origin`` is ``"folder"`` or
    ``"pacs"``. Folder jobs carry their file paths; PACS jobs the original study and series UIDs
    (in memory only). ``problem`` is set when the series cannot be processed at all (e.g. a file
    whose header cannot be read).
    """

    index: int
    key: str
    modality: str
    n_files: int | None
    origin: str
    paths: tuple[Path, ...] = field(default=(), repr=False)
    study_uid: str = field(default="", repr=False)
    series_uid: str = field(default="", repr=False)
    problem: str = ""
    skip: str = ""  # why it is not enhanced (e.g. it is itself an enhanced series)

    @property
    def label(self) -> str:
        """A short name without identifiers: position in the batch and the start of the key."""
        return f"series {self.index} [{self.key[-8:]}]"


@dataclass(frozen=True, eq=False)
class LoadedSeries:
    """A series read through the upload path; ``header`` only when it goes back to a PACS."""

    scan: Scan
    header: SourceHeader | None = field(default=None, repr=False)


def _display_name(path: Path) -> str:
    return PurePosixPath(str(path).replace("\\", "/")).name[:80] or "a file"


def _looks_like_dicom(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    return len(head) == 132 and head[128:132] == b"DICM"


def folder_jobs(folder: Path) -> tuple[list[SeriesJob], int]:
    """The series of the DICOM files under ``folder`` (recursively), grouped by
    SeriesInstanceUID, and the number of files skipped because they are not DICOM.

    Only headers are read here (no pixel data). A file with a DICOM preamble whose header cannot
    be read becomes a job with a ``problem`` (reported as failed); other non-DICOM files (notes,
    thumbnails) are counted and skipped.

    Raises
    ------
    InvalidInputError
        ``folder`` is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InvalidInputError(f"The input folder {root} does not exist or is not a folder.")
    salt = installation_salt()
    groups: dict[str, list[Path]] = defaultdict(list)
    modality: dict[str, str] = {}
    own: set[str] = set()
    broken: list[tuple[Path, str]] = []
    not_dicom = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
            if _looks_like_dicom(path):
                broken.append((path, type(exc).__name__))
            else:
                not_dicom += 1
            continue
        uid = str(ds.get("SeriesInstanceUID", "") or "")
        if not uid:  # no series: the file is a series of its own
            uid = str(ds.get("SOPInstanceUID", "") or path)
        key = replace_uid(uid, salt)
        groups[key].append(path)
        modality.setdefault(key, str(ds.get("Modality", "") or "").upper())
        if is_own_derived(ds):
            own.add(key)
    jobs = [
        SeriesJob(
            0,
            key,
            modality[key],
            len(paths),
            "folder",
            paths=tuple(paths),
            skip=ALREADY_ENHANCED if key in own else "",
        )
        for key, paths in groups.items()
    ]
    for path, why in broken:
        jobs.append(
            SeriesJob(
                0,
                replace_uid(f"file:{path.resolve()}", salt),
                "",
                1,
                "folder",
                paths=(path,),
                problem=f"{_display_name(path)} is not a readable DICOM file ({why}).",
            )
        )
    jobs.sort(key=lambda j: (j.paths[0] if j.paths else Path(""), j.key))
    jobs = [
        SeriesJob(
            i + 1, j.key, j.modality, j.n_files, j.origin, j.paths, problem=j.problem, skip=j.skip
        )
        for i, j in enumerate(jobs)
    ]
    log.info("folder: %d series, %d non-DICOM files skipped", len(jobs), not_dicom)
    return jobs, not_dicom


def pacs_jobs(pacs: PacsClient, study_uids: Sequence[str]) -> list[SeriesJob]:
    """The series of the given studies (QIDO-RS), in study then series order."""
    salt = installation_salt()
    jobs: list[SeriesJob] = []
    for study_uid in study_uids:
        for s in pacs.list_series(study_uid):
            jobs.append(
                SeriesJob(
                    len(jobs) + 1,
                    replace_uid(s.series_uid, salt),
                    s.modality.upper(),
                    s.n_instances,
                    "pacs",
                    study_uid=s.study_uid,
                    series_uid=s.series_uid,
                )
            )
    log.info("PACS: %d series in %d studies", len(jobs), len(study_uids))
    return jobs


def load_job(job: SeriesJob, pacs: PacsClient | None, *, keep_header: bool) -> LoadedSeries:
    """Read one series through the upload path (de-identified Scan).

    ``keep_header``: also capture the original header (for re-identification when sending to a
    PACS). Raises :class:`medgen.errors.MedgenError` subclasses with actionable messages.
    """
    if job.problem:
        raise InvalidInputError(job.problem)
    if job.origin == "pacs":
        if pacs is None:
            raise ValueError("a PACS series needs a PacsClient")
        datasets = pacs.retrieve_series(job.study_uid, job.series_uid)
        if datasets and is_own_derived(datasets[0]):
            raise AlreadyEnhancedError()
        header = SourceHeader.from_datasets(datasets) if keep_header else None
        return LoadedSeries(load_scans(upload_files(datasets)), header)
    files = []
    for path in job.paths:
        try:
            files.append((_display_name(path), path.read_bytes()))
        except OSError as exc:
            raise InvalidInputError(
                f"{_display_name(path)} could not be read from disk ({type(exc).__name__})."
            ) from exc
    scan = load_scans(files)
    header = None
    if keep_header:
        header = SourceHeader.from_datasets(_headers(files))
    return LoadedSeries(scan, header)


def _headers(files: Sequence[tuple[str, bytes]]) -> list[Dataset]:
    """Headers (no pixels) of files that :func:`load_scans` has just read successfully."""
    return [pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True) for _, data in files]
