"""Recording and signing report / education outputs: the clinical rules around the store.

A recorded report starts as ``preliminary`` (a draft exists); a clinician edits and signs it
(``final``, with who and when). Signing is checked on the server side: only Role.CLINICIAN, a
non-empty text with the five sections. The rows are written by :mod:`medgen.store.reports`; every
function takes ``session`` first and runs in the caller's unit of work
(``medgen.store.run(factory, sign.sign_report, ...)``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from medgen.errors import InvalidInputError, PermissionDeniedError
from medgen.store import reports
from medgen.store.reports import StoredReport, audit_export, get_report, list_reports
from medgen.text.education import EducationText
from medgen.text.report import ReportDraft, structure_flags
from medgen.types import OutputKind, ReportStatus, Role, UserInfo

__all__ = [
    "FINAL", "PRELIMINARY", "StoredReport", "audit_export", "get_report", "list_reports",
    "record_education", "record_report", "sign_report",
]

PRELIMINARY = ReportStatus.PRELIMINARY
FINAL = ReportStatus.FINAL


def record_report(session: Session, draft: ReportDraft, *, user: UserInfo | None,
                  image_id: int | None = None, input_hash: str = "", device: str = "") -> int:
    """Store a draft (status preliminary) with its guard flags; audit GENERATE. Returns the id."""
    return reports.record_text_output(
        session, OutputKind.REPORT, user=user, image_id=image_id,
        audit_detail={"model": draft.model_id, "flags": len(draft.flags), "from_model": draft.from_model},
        model_id=draft.model_id, model_version=draft.model_version, params=dict(draft.params),
        input_hash=input_hash, device=device, latency_ms=draft.latency_ms, flags=draft.flag_dicts(),
        draft_text=draft.text,
        metrics={**dict(draft.metrics), "from_model": draft.from_model,
                 "n_flags": len(draft.flags), "template_text": draft.template_text},
    )


def record_education(session: Session, edu: EducationText, *, user: UserInfo | None,
                     parent_id: int | None, device: str = "") -> int:
    """Store a patient text (a draft, child of its signed report); audit GENERATE. Returns the id."""
    return reports.record_text_output(
        session, OutputKind.EDUCATION, user=user,
        audit_detail={"model": edu.model_id, "language": edu.language, "flags": len(edu.flags),
                      "parent": parent_id},
        model_id=edu.model_id, model_version=edu.model_version, params=dict(edu.params),
        device=device, latency_ms=edu.latency_ms, flags=edu.flag_dicts(), draft_text=edu.text,
        metrics=dict(edu.metrics), parent_id=parent_id,
    )


def sign_report(session: Session, output_id: int, final_text: str, user: UserInfo | None
                ) -> StoredReport:
    """Sign a report: the edited text becomes final, with who and when; audit SIGN.

    Raises PermissionDeniedError unless ``user`` is a clinician, InvalidInputError for an
    empty text, a text without the five sections, or a report that is already signed.
    """
    if user is None or not user.has_role(Role.CLINICIAN):
        # (an audit row written here would be rolled back with the caller's transaction;
        # denials are audited by medgen.ui.state.require_user)
        raise PermissionDeniedError("Only a signed-in clinician can sign a report.")
    get_report(session, output_id)  # a clear error for an unknown id before the text checks
    text = final_text.strip()
    if not text:
        raise InvalidInputError("The report text is empty; nothing was signed.")
    missing = structure_flags(text)
    if missing:
        names = ", ".join(f.span for f in missing)
        raise InvalidInputError(f"The report lacks the section(s) {names}; nothing was signed.")
    return reports.sign(session, output_id, text, user)
