"""Recording, signing and listing report / education outputs (the text side of the store).

A recorded report starts as ``preliminary`` (a draft exists); a clinician edits and signs it
(``final``, with who and when). Signing is checked on the server side: only Role.CLINICIAN.
The caller owns the transaction (``with factory.begin() as s:``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medgen.errors import InvalidInputError, PermissionDeniedError
from medgen.store import repo
from medgen.store.models import GeneratedOutput, User
from medgen.text.education import EducationText
from medgen.text.report import ReportDraft, structure_flags
from medgen.types import AuditAction, OutputKind, Role, UserInfo

PRELIMINARY = "preliminary"
FINAL = "final"


@dataclass(frozen=True)
class StoredReport:
    """A report row as the pages and exporters see it (never the ORM row)."""

    id: int
    status: str
    draft_text: str
    final_text: str | None
    model_id: str
    model_version: str
    params: dict[str, Any]
    flags: list[Any]
    created_at: datetime
    signed_by: str | None
    signed_at: datetime | None
    study_id: int | None

    @property
    def text(self) -> str:
        return self.final_text if self.final_text is not None else self.draft_text


def record_report(session: Session, draft: ReportDraft, *, user: UserInfo | None,
                  study_id: int | None = None, input_hash: str = "", device: str = "") -> int:
    """Store a draft (status preliminary) with its guard flags; audit GENERATE. Returns the id."""
    out_id = repo.record_output(
        session, OutputKind.REPORT, model_id=draft.model_id, model_version=draft.model_version,
        params=dict(draft.params), input_hash=input_hash, device=device,
        latency_ms=draft.latency_ms, flags=draft.flag_dicts(), draft_text=draft.text,
        metrics={**dict(draft.metrics), "from_model": draft.from_model,
                 "n_flags": len(draft.flags), "template_text": draft.template_text},
        study_id=study_id, user=user,
    )
    row = session.get(GeneratedOutput, out_id)
    assert row is not None
    row.status = PRELIMINARY
    repo.add_audit(session, AuditAction.GENERATE, user=user, object_type="report",
                   object_id=out_id, detail={"model": draft.model_id, "flags": len(draft.flags),
                                             "from_model": draft.from_model})
    return out_id


def record_education(session: Session, edu: EducationText, *, user: UserInfo | None,
                     parent_id: int | None, device: str = "") -> int:
    out_id = repo.record_output(
        session, OutputKind.EDUCATION, model_id=edu.model_id, model_version=edu.model_version,
        params=dict(edu.params), device=device, latency_ms=edu.latency_ms,
        flags=edu.flag_dicts(), draft_text=edu.text, metrics=dict(edu.metrics),
        parent_id=parent_id, user=user,
    )
    repo.add_audit(session, AuditAction.GENERATE, user=user, object_type="education",
                   object_id=out_id, detail={"model": edu.model_id, "language": edu.language,
                                             "flags": len(edu.flags), "parent": parent_id})
    return out_id


def _to_stored(session: Session, row: GeneratedOutput) -> StoredReport:
    signer = None
    if row.signed_by is not None:
        u = session.get(User, row.signed_by)
        signer = (u.display_name or u.username) if u else str(row.signed_by)
    return StoredReport(row.id, row.status, row.draft_text or "", row.final_text, row.model_id,
                        row.model_version, dict(row.params or {}), list(row.flags or []),
                        row.created_at, signer, row.signed_at, row.study_id)


def get_report(session: Session, output_id: int) -> StoredReport:
    row = session.get(GeneratedOutput, output_id)
    if row is None or row.kind != OutputKind.REPORT.value:
        raise InvalidInputError(f"Report {output_id} does not exist.")
    return _to_stored(session, row)


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
    row = session.get(GeneratedOutput, output_id)
    if row is None or row.kind != OutputKind.REPORT.value:
        raise InvalidInputError(f"Report {output_id} does not exist.")
    if row.status == FINAL:
        raise InvalidInputError("This report is already signed; it cannot be signed again.")
    text = final_text.strip()
    if not text:
        raise InvalidInputError("The report text is empty; nothing was signed.")
    missing = structure_flags(text)
    if missing:
        names = ", ".join(f.span for f in missing)
        raise InvalidInputError(f"The report lacks the section(s) {names}; nothing was signed.")
    row.final_text = text
    row.status = FINAL
    row.signed_by = user.id
    row.signed_at = datetime.now(UTC)
    repo.add_audit(session, AuditAction.SIGN, user=user, object_type="report",
                   object_id=output_id, detail={"edited": text != (row.draft_text or "").strip()})
    session.flush()
    return _to_stored(session, row)


def list_reports(session: Session, status: str | None = None, limit: int = 50
                 ) -> list[StoredReport]:
    q = select(GeneratedOutput).where(GeneratedOutput.kind == OutputKind.REPORT.value)
    if status:
        q = q.where(GeneratedOutput.status == status)
    rows = session.scalars(q.order_by(GeneratedOutput.id.desc()).limit(limit)).all()
    return [_to_stored(session, r) for r in rows]


def audit_export(session: Session, output_id: int, fmt: str, user: UserInfo | None) -> None:
    repo.add_audit(session, AuditAction.EXPORT, user=user, object_type="report",
                   object_id=output_id, detail={"format": fmt})
