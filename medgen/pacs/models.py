"""Typed results of the PACS link (frozen dataclasses, no pydicom or HTTP objects).

Patient identifiers (name, ID, accession number) are carried in :class:`StudySummary` only so that
the clinician can pick the right patient among the search results. They are excluded from
``repr`` (hence from logs and tracebacks) and must never be stored, logged or audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StudySummary:
    """One study found by a QIDO-RS search."""

    study_uid: str
    study_date: dt.date | None
    description: str
    modalities: tuple[str, ...]  # ModalitiesInStudy, e.g. ("CT",) or ("CT", "SR")
    n_series: int | None  # None when the PACS does not report it
    n_instances: int | None
    # Identifiers for picking the patient on screen only: never stored, logged or audited.
    patient_name: str = field(default="", repr=False)
    patient_id: str = field(default="", repr=False)
    accession: str = field(default="", repr=False)


@dataclass(frozen=True)
class SeriesSummary:
    """One series of a study (QIDO-RS)."""

    study_uid: str
    series_uid: str
    modality: str
    description: str
    n_instances: int | None
    series_number: int | None = None


@dataclass(frozen=True)
class StoreResult:
    """What a STOW-RS store put on the PACS (all instances stored; partial stores raise)."""

    study_uid: str
    series_uids: tuple[str, ...]
    n_stored: int


@dataclass(frozen=True)
class PacsStatus:
    """Answer of :meth:`PacsClient.check_connection`."""

    host: str  # scheme://host:port, no path, query or credentials
    auth: str  # "basic", "bearer" or "none"
    elapsed_ms: float
