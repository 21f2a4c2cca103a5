"""Report and patient-text rows: record, sign, read, list (the text side of the store).

A recorded report starts as :attr:`~medgen.types.ReportStatus.PRELIMINARY`; signing makes it
``FINAL`` with who and when. The clinical checks (role, sections) live in :mod:`medgen.text.sign`,
which calls these functions inside its caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medgen.errors import InvalidInputError
from medgen.store import repo
from medgen.store.models import GeneratedOutput, User
from medgen.types import AuditAction, ObjectType, OutputKind, ReportStatus, UserInfo


@dataclass(frozen=True)
class StoredReport:
    """A report row as the pages and exporters see it (never the ORM row)."""

    id: int
    status: ReportStatus
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


def record_text_output(
    session: Session,
    kind: OutputKind,
    *,
    user: UserInfo | None,
    audit_detail: Mapping[str, Any],
    image_id: int | None = None,
    **fields: Any,
) -> int:
    """Store a report draft (preliminary) or a patient text (draft) and audit GENERATE; its id.

    ``image_id`` (the scan the report is about, if any) links the output to the image's study;
    ``fields`` are those of :func:`medgen.store.repo.record_output`.
    """
    kind = OutputKind(kind)
    study_id = repo.study_id_for_image(session, image_id) if image_id else None
    status = ReportStatus.PRELIMINARY if kind == OutputKind.REPORT else ReportStatus.DRAFT
    out_id = repo.record_output(session, kind, user=user, study_id=study_id, status=status, **fields)
    repo.add_audit(session, AuditAction.GENERATE, user=user, object_type=ObjectType(kind.value),
                   object_id=out_id, detail=dict(audit_detail))
    return out_id


def _report_row(session: Session, output_id: int) -> GeneratedOutput:
    row = session.get(GeneratedOutput, output_id)
    if row is None or row.kind != OutputKind.REPORT.value:
        raise InvalidInputError(f"Report {output_id} does not exist.")
    return row


def _to_stored(session: Session, row: GeneratedOutput) -> StoredReport:
    signer = None
    if row.signed_by is not None:
        u = session.get(User, row.signed_by)
        signer = (u.display_name or u.username) if u else str(row.signed_by)
    return StoredReport(row.id, ReportStatus(row.status), row.draft_text or "", row.final_text,
                        row.model_id, row.model_version, dict(row.params or {}),
                        list(row.flags or []), row.created_at, signer, row.signed_at, row.study_id)


def get_report(session: Session, output_id: int) -> StoredReport:
    """One stored report; InvalidInputError if there is none with this id."""
    return _to_stored(session, _report_row(session, output_id))


def sign(session: Session, output_id: int, text: str, user: UserInfo) -> StoredReport:
    """Make ``text`` the final text of a report, signed by ``user`` now; audit SIGN.

    The caller has checked the role and the text; a report already signed is refused.
    """
    row = _report_row(session, output_id)
    if row.status == ReportStatus.FINAL:
        raise InvalidInputError("This report is already signed; it cannot be signed again.")
    row.final_text = text
    row.status = ReportStatus.FINAL.value
    row.signed_by = user.id
    row.signed_at = datetime.now(UTC)
    repo.add_audit(session, AuditAction.SIGN, user=user, object_type=ObjectType.REPORT,
                   object_id=output_id, detail={"edited": text != (row.draft_text or "").strip()})
    session.flush()
    return _to_stored(session, row)


def list_reports(session: Session, status: ReportStatus | str | None = None, limit: int = 50
                 ) -> list[StoredReport]:
    """The newest reports (of one status when given), newest first."""
    q = select(GeneratedOutput).where(GeneratedOutput.kind == OutputKind.REPORT.value)
    if status:
        q = q.where(GeneratedOutput.status == ReportStatus(status).value)
    rows = session.scalars(q.order_by(GeneratedOutput.id.desc()).limit(limit)).all()
    return [_to_stored(session, r) for r in rows]


def audit_export(session: Session, output_id: int, fmt: str, user: UserInfo | None,
                 object_type: ObjectType | str = ObjectType.REPORT) -> None:
    """Audit a download (EXPORT) of an output in format ``fmt`` (pdf, fhir, dicom, png)."""
    repo.add_audit(session, AuditAction.EXPORT, user=user, object_type=object_type,
                   object_id=output_id, detail={"format": fmt})
