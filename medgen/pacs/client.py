"""DICOMweb client for the PACS link: QIDO-RS search, WADO-RS retrieve, STOW-RS store.

Built on the maintained ``dicomweb-client`` package (DICOM PS3.18). Every network or HTTP failure
is turned into a :class:`~medgen.pacs.errors.PacsError` naming what failed. Logging: only the
action, counts, HTTP status codes and durations; never identifiers, UIDs or query strings
(``dicomweb_client`` and ``urllib3`` debug lines would carry them: see :func:`_quiet_third_party_logs`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pydicom
import requests
import retrying
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset

from medgen.config import DicomwebSettings, get_settings
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

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Study-level attributes asked for in a search (PS3.18 Table 10.6.1-5 plus the counts).
STUDY_FIELDS = (
    "StudyInstanceUID",
    "StudyDate",
    "StudyDescription",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances",
    "PatientName",
    "PatientID",
    "AccessionNumber",
)
SERIES_FIELDS = (
    "SeriesInstanceUID",
    "Modality",
    "SeriesDescription",
    "SeriesNumber",
    "NumberOfSeriesRelatedInstances",
)

#: STOW-RS Failure Reason (0008,1197) codes, PS3.18 Table I.2-1 / PS3.4 Annex B.
_FAILURE_REASONS = {
    0x0110: "processing failure",
    0x0112: "no such object instance",
    0x0122: "SOP class not supported",
    0x0124: "not authorized",
    0xA700: "PACS out of resources",
    0xA900: "data set does not match the study",
    0xC000: "PACS cannot understand the data set",
    0xC122: "referenced transfer syntax not supported",
}


class _DropRecords(logging.Filter):
    """Drops every record of the logger it is attached to (its lines name UIDs and queries)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


_UID = re.compile(r"\d+(?:\.\d+){4,}")  # UIDs, not IPv4 addresses


class _StripQuery(logging.Filter):
    """Cuts query strings (search criteria: patient IDs, accession numbers) and replaces UIDs in
    request paths with ``<uid>`` in urllib3's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _UID.sub("<uid>", a.split("?", 1)[0]) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def _quiet_third_party_logs() -> None:
    """dicomweb_client logs request URLs (with query strings) and failed SOP Instance UIDs;
    urllib3 logs request paths at DEBUG. Neither may reach a log: drop the former, strip the
    query strings from the latter. medgen.pacs logs its own counts and status codes."""
    web = logging.getLogger("dicomweb_client.web")
    if not any(isinstance(f, _DropRecords) for f in web.filters):
        web.addFilter(_DropRecords())
    pool = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _StripQuery) for f in pool.filters):
        pool.addFilter(_StripQuery())


_quiet_third_party_logs()


def _as_da(value: dt.date | str | None, name: str) -> str:
    """A date (or ``YYYYMMDD`` / ``YYYY-MM-DD`` string) as a DICOM DA value; "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    text = str(value).strip().replace("-", "")
    try:
        dt.datetime.strptime(text, "%Y%m%d")
    except ValueError as exc:
        raise PacsQueryError(f"The {name} must be a date such as 2024-03-14.") from exc
    return text


def _parse_da(value: object) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(value), "%Y%m%d").date() if value else None
    except ValueError:
        return None


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value)


class PacsClient:
    """A connection to one DICOMweb PACS.

    Parameters
    ----------
    settings
        The PACS link settings; default: ``get_settings().dicomweb``.
    timeout_s
        Overrides ``settings.timeout_s`` (seconds to connect and to wait for each answer).
    retries
        Attempts per request when the PACS answers 429/408/503/504 (exponential back-off).

    Raises
    ------
    PacsNotConfiguredError
        When no DICOMweb URL is configured.
    """

    def __init__(
        self,
        settings: DicomwebSettings | None = None,
        *,
        timeout_s: float | None = None,
        retries: int = 3,
    ) -> None:
        cfg = get_settings().dicomweb if settings is None else settings
        if not cfg.configured:
            raise PacsNotConfiguredError()
        self.settings = cfg
        self.timeout_s = cfg.timeout_s if timeout_s is None else timeout_s
        parts = urlsplit(cfg.url)
        #: scheme://host:port, safe to show and log (no path, query or credentials).
        self.host = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        session = requests.Session()
        if cfg.token:
            session.headers["Authorization"] = f"Bearer {cfg.token}"
        elif cfg.user:
            session.auth = (cfg.user, cfg.password)
        try:
            self._client = DICOMwebClient(cfg.url, session=session, timeout=self.timeout_s)
        except ValueError as exc:
            raise PacsNotConfiguredError(
                "The configured DICOMweb address is not a valid URL. Ask an administrator to "
                "correct MEDGEN_DICOMWEB_URL."
            ) from exc
        self._client.set_http_retry_params(
            retry=retries > 1, max_attempts=max(retries, 1), wait_exponential_multiplier=250
        )

    # -- error handling -------------------------------------------------------------------

    def _call(self, action: str, fn: Callable[[], T], *, root_request: bool = False) -> T:
        """Run one request; map every transport/HTTP failure to a PacsError about ``action``.

        ``root_request``: the request is on ``/studies`` itself, so a 404 means that the
        configured address is not a DICOMweb root (not a missing study).
        """
        t0 = time.perf_counter()
        try:
            result = fn()
        except requests.exceptions.Timeout as exc:
            log.warning("PACS %s: timed out after %.1f s", action, self.timeout_s)
            raise PacsTimeoutError(
                f"The PACS did not answer within {self.timeout_s:g} s while {action}. It may be "
                "busy or the network slow: try again, or ask IT to check the PACS link."
            ) from exc
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            log.warning("PACS %s: HTTP %s", action, status)
            if status == 404 and root_request:
                raise PacsNotConfiguredError(
                    f"The server at {self.host} answered, but has no DICOMweb service at the "
                    "configured address (HTTP 404). Ask an administrator to check "
                    "MEDGEN_DICOMWEB_URL (it usually ends in /dicom-web).",
                    status=404,
                ) from exc
            raise self._http_error(action, status) from exc
        except requests.exceptions.ConnectionError as exc:
            log.warning("PACS %s: connection failed (%s)", action, type(exc).__name__)
            raise PacsUnreachableError(
                f"The PACS at {self.host} could not be reached while {action} (connection "
                "refused or host not found). Check that the PACS is running and that the "
                "DICOMweb address is right, then try again."
            ) from exc
        except retrying.RetryError as exc:
            response = exc.last_attempt.value if exc.last_attempt else None
            status = getattr(response, "status_code", None)
            log.warning("PACS %s: HTTP %s after retries", action, status)
            raise PacsError(
                f"The PACS is busy (HTTP {status}) and did not accept the request while {action}, "
                "even after retrying. Try again in a few minutes.",
                status=status,
            ) from exc
        except requests.exceptions.RequestException as exc:
            log.warning("PACS %s: request failed (%s)", action, type(exc).__name__)
            raise PacsError(
                f"The request to the PACS failed while {action}. Try again, or ask IT to check "
                "the PACS link.",
            ) from exc
        except (ValueError, KeyError) as exc:  # an answer that is not DICOMweb
            log.warning("PACS %s: unreadable answer (%s)", action, type(exc).__name__)
            raise PacsError(
                f"The PACS answered with something that is not valid DICOMweb while {action}. "
                "Check that the configured address is the DICOMweb root of the PACS.",
            ) from exc
        log.info("PACS %s: ok in %.0f ms", action, (time.perf_counter() - t0) * 1000)
        return result

    def _http_error(self, action: str, status: int | None) -> PacsError:
        if status in (401, 403):
            which = "refused the credentials" if status == 401 else "denied access to this account"
            return PacsAuthError(
                f"The PACS {which} (HTTP {status}) while {action}. Check the PACS user name and "
                "password (or token) in the settings, or ask IT for access.",
                status=status,
            )
        if status == 404:
            return PacsNotFoundError(
                f"The PACS has no such study or series (HTTP 404) while {action}. It may have "
                "been moved or deleted: search again.",
                status=status,
            )
        return PacsError(
            f"The PACS answered with an error (HTTP {status}) while {action}. Try again; if it "
            "persists, ask IT to check the PACS.",
            status=status,
        )

    # -- QIDO-RS -----------------------------------------------------------------------------

    def check_connection(self) -> PacsStatus:
        """One minimal QIDO-RS query (``/studies?limit=1``): raises a PacsError if it fails."""
        t0 = time.perf_counter()
        self._call(
            "checking the connection",
            lambda: self._client.search_for_studies(limit=1, fields=["StudyInstanceUID"]),
            root_request=True,
        )
        return PacsStatus(self.host, self.settings.auth, (time.perf_counter() - t0) * 1000)

    def search_studies(
        self,
        *,
        patient_id: str = "",
        accession: str = "",
        date_from: dt.date | str | None = None,
        date_to: dt.date | str | None = None,
        modality: str = "",
        limit: int = 100,
    ) -> list[StudySummary]:
        """Search studies (QIDO-RS ``/studies``), newest first.

        Parameters
        ----------
        patient_id, accession
            Exact values (QIDO wildcards ``*`` and ``?`` are passed through).
        date_from, date_to
            Study date range, inclusive; either end may be open.
        modality
            A modality in the study (ModalitiesInStudy), e.g. ``"CT"``.
        limit
            At most this many studies.

        Raises
        ------
        PacsQueryError
            No criterion given, or an unreadable date.
        """
        filters: dict[str, Any] = {}
        if patient_id.strip():
            filters["PatientID"] = patient_id.strip()
        if accession.strip():
            filters["AccessionNumber"] = accession.strip()
        start, end = _as_da(date_from, "start date"), _as_da(date_to, "end date")
        if start and end and start > end:
            raise PacsQueryError("The start date is after the end date.")
        if start or end:
            filters["StudyDate"] = f"{start}-{end}" if start != end else start
        if modality.strip():
            filters["ModalitiesInStudy"] = modality.strip().upper()
        if not filters:
            raise PacsQueryError(
                "Enter a patient ID, an accession number, a date range or a modality to search."
            )
        found = self._call(
            "searching studies",
            lambda: self._client.search_for_studies(
                search_filters=filters, fields=list(STUDY_FIELDS), limit=limit
            ),
            root_request=True,
        )
        studies = [self._study(pydicom.Dataset.from_json(item)) for item in found]
        log.info("PACS search: %d criteria, %d studies", len(filters), len(studies))
        return sorted(studies, key=lambda s: s.study_date or dt.date.min, reverse=True)

    @staticmethod
    def _study(ds: Dataset) -> StudySummary:
        mods = ds.get("ModalitiesInStudy", [])
        modalities = (mods,) if isinstance(mods, str) else tuple(str(m) for m in mods)
        return StudySummary(
            study_uid=_text(ds, "StudyInstanceUID"),
            study_date=_parse_da(ds.get("StudyDate")),
            description=_text(ds, "StudyDescription"),
            modalities=tuple(m for m in modalities if m),
            n_series=_int_or_none(ds.get("NumberOfStudyRelatedSeries")),
            n_instances=_int_or_none(ds.get("NumberOfStudyRelatedInstances")),
            patient_name=_text(ds, "PatientName"),
            patient_id=_text(ds, "PatientID"),
            accession=_text(ds, "AccessionNumber"),
        )

    def list_series(self, study_uid: str) -> list[SeriesSummary]:
        """The series of one study (QIDO-RS ``/studies/{uid}/series``), by series number."""
        return self._series(study_uid, "listing the series of a study")

    def _series(
        self, study_uid: str, action: str, series_uid: str | None = None
    ) -> list[SeriesSummary]:
        filters = {"SeriesInstanceUID": series_uid} if series_uid else None
        found = self._call(
            action,
            lambda: self._client.search_for_series(
                study_instance_uid=study_uid, search_filters=filters, fields=list(SERIES_FIELDS)
            ),
        )
        out = []
        for item in found:
            ds = pydicom.Dataset.from_json(item)
            out.append(
                SeriesSummary(
                    study_uid=study_uid,
                    series_uid=_text(ds, "SeriesInstanceUID"),
                    modality=_text(ds, "Modality"),
                    description=_text(ds, "SeriesDescription"),
                    n_instances=_int_or_none(ds.get("NumberOfSeriesRelatedInstances")),
                    series_number=_int_or_none(ds.get("SeriesNumber")),
                )
            )
        log.info("PACS series query: %d series", len(out))
        return sorted(out, key=lambda s: (s.series_number is None, s.series_number or 0))

    # -- WADO-RS -----------------------------------------------------------------------------

    def retrieve_series(self, study_uid: str, series_uid: str) -> list[Dataset]:
        """Every instance of a series (WADO-RS), in the transfer syntax the PACS holds.

        The instance count is checked against the PACS's own QIDO-RS count: a retrieval that
        returns fewer instances raises :class:`PartialRetrievalError` (nothing is returned).

        Raises
        ------
        PacsNotFoundError
            The series is not in that study.
        PartialRetrievalError
            Fewer instances arrived than the PACS said it holds.
        """
        listed = self._series(study_uid, "looking up the series", series_uid=series_uid)
        match = [s for s in listed if s.series_uid == series_uid]
        if not match:
            raise PacsNotFoundError(
                "The PACS has no such series in this study. It may have been moved or deleted: "
                "search again."
            )
        expected = match[0].n_instances
        datasets = self._call(
            "retrieving a series",
            lambda: self._client.retrieve_series(
                study_uid, series_uid, media_types=(("application/dicom", "*"),)
            ),
        )
        mine = [ds for ds in datasets if ds.get("SeriesInstanceUID") == series_uid]
        unique = {ds.get("SOPInstanceUID") for ds in mine}
        received = len(unique)
        log.info("PACS retrieve: %d instances (expected %s)", received, expected)
        if received == 0:
            raise PacsNotFoundError(
                "The PACS returned no images for this series. Search again, or ask IT to check "
                "the PACS."
            )
        if expected is not None and received < expected:
            raise PartialRetrievalError(expected, received)
        return mine

    # -- STOW-RS -----------------------------------------------------------------------------

    def store_instances(
        self, datasets: Sequence[Dataset], study_uid: str | None = None
    ) -> StoreResult:
        """Store instances (STOW-RS) into one study; all or an error.

        Parameters
        ----------
        datasets
            Complete instances with file meta (``file_meta.TransferSyntaxUID``), all of one study.
        study_uid
            The target study (default: the datasets' StudyInstanceUID). The request goes to
            ``/studies/{study_uid}``, so the PACS itself refuses instances of another study.

        Raises
        ------
        ValueError
            Empty input, datasets of several studies, or a dataset without file meta / UIDs.
        PartialStoreError
            The PACS reported failed instances (FailedSOPSequence) or acknowledged fewer than
            were sent; the message gives the counts.
        """
        if not datasets:
            raise ValueError("store_instances needs at least one dataset")
        studies = {str(ds.get("StudyInstanceUID", "")) for ds in datasets}
        target = study_uid or (next(iter(studies)) if len(studies) == 1 else "")
        if not target or "" in studies:
            raise ValueError("every dataset needs a StudyInstanceUID, all of the same study")
        for ds in datasets:
            meta = getattr(ds, "file_meta", None)
            if meta is None or "TransferSyntaxUID" not in meta:
                raise ValueError("every dataset needs file_meta with a TransferSyntaxUID")
            if not ds.get("SOPInstanceUID") or not ds.get("SOPClassUID"):
                raise ValueError("every dataset needs a SOPInstanceUID and a SOPClassUID")
        sent = len(datasets)
        try:
            answer = self._call(
                "sending images",
                lambda: self._client.store_instances(list(datasets), study_instance_uid=target),
            )
        except PacsError as exc:
            # A 409 / 400 answer still lists the failed instances: report the counts.
            cause = exc.__cause__
            response = getattr(cause, "response", None)
            parsed = _parse_stow_body(response) if response is not None else None
            if parsed is not None and "FailedSOPSequence" in parsed:
                failed, reasons = _failures(parsed)
                log.warning("PACS store: %d of %d failed (HTTP %s)", failed, sent, exc.status)
                raise PartialStoreError(sent, max(failed, 1), reasons) from exc
            raise
        failed, reasons = _failures(answer)
        referenced = len(answer.get("ReferencedSOPSequence", []) or [])
        if not failed and referenced < sent:
            failed = sent - referenced
        if failed:
            log.warning("PACS store: %d of %d failed", failed, sent)
            raise PartialStoreError(sent, failed, reasons)
        series = tuple(sorted({str(ds.SeriesInstanceUID) for ds in datasets}))
        log.info("PACS store: %d instances in %d series", sent, len(series))
        return StoreResult(study_uid=target, series_uids=series, n_stored=sent)


def _parse_stow_body(response: requests.Response) -> Dataset | None:
    """The DICOM JSON body of a failed STOW-RS answer, or None when it has none."""
    if not response.content:
        return None
    try:
        return pydicom.Dataset.from_json(response.json())
    except (ValueError, TypeError, KeyError):
        return None


def _failures(answer: Dataset) -> tuple[int, tuple[str, ...]]:
    """(number of failed instances, distinct failure reasons in words) of a STOW-RS answer."""
    items: Iterable[Dataset] = answer.get("FailedSOPSequence", []) or []
    count, reasons = 0, []
    for item in items:
        count += 1
        code = item.get("FailureReason")
        text = (
            _FAILURE_REASONS.get(int(code), f"code 0x{int(code):04X}") if code is not None else ""
        )
        if text and text not in reasons:
            reasons.append(text)
    return count, tuple(reasons)


def connect(
    settings: DicomwebSettings | None = None, *, timeout_s: float | None = None
) -> PacsClient:
    """A :class:`PacsClient` for the configured PACS (raises PacsNotConfiguredError if none)."""
    return PacsClient(settings, timeout_s=timeout_s)
