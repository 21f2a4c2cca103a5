"""Repository functions. Each takes ``session`` first; the caller owns ``with factory.begin()``.

They accept and return frozen dataclasses or plain values at the edges that pages use; ORM rows
stay inside the store layer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medgen.imaging.scan import Scan
from medgen.store.models import AuditEvent, GeneratedOutput, Image, Study
from medgen.types import AuditAction, OutputKind, UserInfo

log = logging.getLogger(__name__)


def record_scan(session: Session, scan: Scan, user: UserInfo | None = None) -> int:
    """Store the de-identified study and image rows for ``scan``; return the image id.

    The same pixel content uploaded again into the same study reuses the existing image row.
    """
    header = scan.header
    study_uid = header.study_uid or f"hash.{scan.content_hash[:40]}"
    study = session.scalar(select(Study).where(Study.study_uid == study_uid))
    if study is None:
        study = Study(
            study_uid=study_uid,
            modality=scan.modality.value,
            body_part=(header.body_part or "")[:64],
            description="",  # StudyDescription is removed by the de-identification
            created_by=user.id if user else None,
        )
        session.add(study)
        session.flush()
    existing = session.scalar(
        select(Image).where(Image.study_id == study.id, Image.content_hash == scan.content_hash)
    )
    if existing is not None:
        return existing.id
    rows, cols = scan.pixels.shape[-2:]
    image = Image(
        study_id=study.id,
        series_uid=header.series_uid or "",
        content_hash=scan.content_hash,
        rows=int(rows),
        cols=int(cols),
        n_slices=scan.n_slices,
        pixel_spacing_mm=float(scan.pixel_spacing[0]) if scan.pixel_spacing else None,
        meta=header.summary(),
    )
    session.add(image)
    session.flush()
    return image.id


def study_id_for_image(session: Session, image_id: int) -> int | None:
    return session.scalar(select(Image.study_id).where(Image.id == image_id))


def add_audit(
    session: Session,
    action: AuditAction | str,
    *,
    user: UserInfo | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = "ok",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append an audit event. ``detail`` must hold no PHI (ids, counts, model names only)."""
    session.add(
        AuditEvent(
            user_id=user.id if user else None,
            username=user.username if user else "",
            action=AuditAction(action).value,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            detail=dict(detail or {}),
        )
    )


def record_output(
    session: Session,
    kind: OutputKind | str,
    *,
    model_id: str,
    model_version: str = "",
    params: Mapping[str, Any] | None = None,
    input_hash: str = "",
    device: str = "",
    latency_ms: float | None = None,
    flags: list[Any] | None = None,
    draft_text: str | None = None,
    metrics: Mapping[str, Any] | None = None,
    preview_before: bytes | None = None,
    preview_after: bytes | None = None,
    study_id: int | None = None,
    parent_id: int | None = None,
    user: UserInfo | None = None,
) -> int:
    """Store one generated output (enhancement run, report draft, education text); return its id."""
    row = GeneratedOutput(
        kind=OutputKind(kind).value,
        model_id=model_id,
        model_version=model_version,
        params=dict(params or {}),
        input_hash=input_hash,
        device=device,
        latency_ms=latency_ms,
        flags=list(flags or []),
        draft_text=draft_text,
        status="draft",
        metrics=dict(metrics or {}),
        preview_before=preview_before,
        preview_after=preview_after,
        study_id=study_id,
        parent_id=parent_id,
        created_by=user.id if user else None,
    )
    session.add(row)
    session.flush()
    return row.id
