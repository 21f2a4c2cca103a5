"""Repository functions for studies, images and generated outputs. Each takes ``session`` first;
the caller runs them in a unit of work (:func:`medgen.store.run` / :func:`medgen.store.unit_of_work`).

They accept and return frozen dataclasses or plain values at the edges that pages use; ORM rows
stay inside the store layer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medgen.imaging.scan import Scan

if TYPE_CHECKING:
    from medgen.molecules.generator import MoleculeSet
from medgen.store.audit import add_audit
from medgen.store.models import GeneratedOutput, Image, Study
from medgen.types import AuditAction, ObjectType, OutputKind, ReportStatus, UserInfo

__all__ = [
    "add_audit", "record_enhancement", "record_molecule_set", "record_output", "record_scan",
    "store_upload", "study_id_for_image",
]

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
    status: ReportStatus | str = ReportStatus.DRAFT,
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
        status=ReportStatus(status).value,
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


def store_upload(
    session: Session, scan: Scan, user: UserInfo | None, *, origin: str, n_files: int
) -> int:
    """Record the de-identified study/image of an upload and its UPLOAD audit event; the image id."""
    image_id = record_scan(session, scan, user)
    add_audit(
        session, AuditAction.UPLOAD, user=user, object_type=ObjectType.IMAGE, object_id=image_id,
        detail={"origin": origin, "files": n_files, "modality": scan.modality.value,
                "slices": scan.n_slices, "shape": list(scan.shape)},
    )
    return image_id


def record_enhancement(
    session: Session, *, image_id: int | None, user: UserInfo, model_id: str, device: str,
    n_slices: int, **fields: Any,
) -> int:
    """Record an enhancement run (linked to the study of ``image_id``) and audit ENHANCE; its id.

    ``fields`` are those of :func:`record_output` (model_version, params, device, previews, ...).
    """
    study_id = study_id_for_image(session, image_id) if image_id else None
    output_id = record_output(
        session, OutputKind.ENHANCEMENT, model_id=model_id, device=device, study_id=study_id,
        user=user, **fields,
    )
    add_audit(
        session, AuditAction.ENHANCE, user=user, object_type=ObjectType.GENERATED_OUTPUT,
        object_id=output_id,
        detail={"model_id": model_id, "n_slices": n_slices, "device": device},
    )
    return output_id


def record_molecule_set(
    session: Session, mset: MoleculeSet, *, user: UserInfo | None, model_version: str = "",
    device: str = "",
) -> int:
    """Record a generated molecule set (kind ``molecule_set``) and audit GENERATE; its id.

    Stored: the model id and ``model_version`` (the weights' sha256 from the card), the call's
    parameters with its mode, the canonical SMILES one per line (``draft_text``, encrypted at rest
    like every output text), counts (generated / valid / distinct) and the wall time. No patient
    data is involved; properties and depictions are recomputed from the SMILES when shown.
    """
    smiles = list(mset.smiles)
    params = {"mode": mset.mode, **dict(mset.params)}
    metrics = {
        "n_generated": mset.n_generated, "n_valid": mset.n_valid, "n_distinct": len(smiles),
        "validity": round(mset.validity, 4),
    }
    output_id = record_output(
        session, OutputKind.MOLECULE_SET, model_id=mset.model_id, model_version=model_version,
        params=params, device=device, latency_ms=float(mset.ms), draft_text="\n".join(smiles),
        metrics=metrics, user=user,
    )
    add_audit(
        session, AuditAction.GENERATE, user=user, object_type=ObjectType.GENERATED_OUTPUT,
        object_id=output_id,
        detail={"kind": OutputKind.MOLECULE_SET.value, "model_id": mset.model_id,
                "mode": mset.mode, "n_distinct": len(smiles)},
    )
    return output_id
