"""PACS link errors. Each message says what failed and what the clinician can do next.

Messages never contain patient identifiers, UIDs or URLs with query strings (they may be shown
on screen and logged); only counts, HTTP status codes and the action that failed.
"""

from __future__ import annotations

from medgen.errors import MedgenError


class PacsError(MedgenError):
    """Any failure of the PACS link (base class)."""

    default_message = "The PACS could not be used. Try again, or ask IT to check the PACS link."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message)
        #: HTTP status code of the PACS answer, when there was one.
        self.status = status


class PacsNotConfiguredError(PacsError):
    """No DICOMweb URL is configured."""

    default_message = (
        "No PACS is configured. Ask an administrator to set MEDGEN_DICOMWEB_URL (or the "
        "[dicomweb] table of .streamlit/secrets.toml)."
    )


class PacsUnreachableError(PacsError):
    """The server refused the connection or its host name does not resolve."""


class PacsAuthError(PacsError):
    """The PACS rejected the credentials (HTTP 401) or the account's rights (HTTP 403)."""


class PacsTimeoutError(PacsError):
    """The PACS did not connect or answer within the configured timeout."""


class PacsNotFoundError(PacsError):
    """The study or series does not exist on the PACS (or is no longer there)."""


class PacsQueryError(PacsError):
    """A search without any criterion, or with an unusable one."""


class PartialRetrievalError(PacsError):
    """The PACS sent fewer instances of a series than its own query said it holds."""

    def __init__(self, expected: int, received: int) -> None:
        super().__init__(
            f"Only {received} of the {expected} images of this series arrived from the PACS "
            f"({expected - received} missing). Nothing was opened; open the series again to retry."
        )
        self.expected = expected
        self.received = received


class PartialStoreError(PacsError):
    """The PACS refused some (or all) instances of a STOW-RS store."""

    def __init__(self, sent: int, failed: int, reasons: tuple[str, ...] = ()) -> None:
        stored = sent - failed
        why = f" (reason: {', '.join(reasons)})" if reasons else ""
        if stored <= 0:
            what = f"The PACS refused all {sent} images that were sent{why}."
        else:
            what = (
                f"The PACS stored {stored} of the {sent} images that were sent; "
                f"{failed} failed{why}."
            )
        super().__init__(f"{what} Send the series again to retry, or ask IT to check the PACS.")
        self.sent = sent
        self.failed = failed
        self.reasons = reasons
