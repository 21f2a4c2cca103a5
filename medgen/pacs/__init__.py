"""PACS link over DICOMweb: search (QIDO-RS), retrieve (WADO-RS), store derived series (STOW-RS).

Usage::

    from medgen.pacs import connect
    pacs = connect()                      # PacsNotConfiguredError when MEDGEN_DICOMWEB_URL is unset
    studies = pacs.search_studies(patient_id="1CT1", modality="CT")
    series = pacs.list_series(studies[0].study_uid)
    datasets = pacs.retrieve_series(series[0].study_uid, series[0].series_uid)
    header = SourceHeader.from_datasets(datasets)     # session memory only, before de-identification
    scan = medgen.imaging.load_scans(upload_files(datasets))  # the upload path (de-identifies)
    ...                                               # derived series built from the scan
    result = pacs.store_instances(reidentify(derived, header))  # all stored, or PartialStoreError

Identifiers in :class:`StudySummary` are for display only: never store, log or audit them.
"""

from __future__ import annotations

from medgen.pacs.client import PacsClient, connect
from medgen.pacs.errors import (
    PacsAuthError,
    PacsError,
    PacsNotConfiguredError,
    PacsNotFoundError,
    PacsQueryError,
    PacsTimeoutError,
    PacsUnreachableError,
    PartialRetrievalError,
    PartialStoreError,
)
from medgen.pacs.models import PacsStatus, SeriesSummary, StoreResult, StudySummary
from medgen.pacs.reident import SourceHeader, SourceInstance, reidentify, upload_files

__all__ = [
    "PacsAuthError",
    "PacsClient",
    "PacsError",
    "PacsNotConfiguredError",
    "PacsNotFoundError",
    "PacsQueryError",
    "PacsStatus",
    "PacsTimeoutError",
    "PacsUnreachableError",
    "PartialRetrievalError",
    "PartialStoreError",
    "SeriesSummary",
    "SourceHeader",
    "SourceInstance",
    "StoreResult",
    "StudySummary",
    "connect",
    "reidentify",
    "upload_files",
]
