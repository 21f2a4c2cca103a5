"""Coded values shared across layers (Enums) and small value types.

Arguments that take one of these accept ``Enum | str`` and normalise with ``Enum(value)``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class Modality(enum.StrEnum):
    """DICOM Modality (0008,0060) values the app knows; OT covers plain images."""

    CT = "CT"
    MR = "MR"
    CR = "CR"
    DX = "DX"
    MG = "MG"
    XA = "XA"
    US = "US"
    PT = "PT"
    NM = "NM"
    OT = "OT"

    @classmethod
    def parse(cls, value: str | None) -> Modality:
        """Map a DICOM modality string to the enum; unknown or missing values become OT."""
        if not value:
            return cls.OT
        try:
            return cls(str(value).strip().upper())
        except ValueError:
            return cls.OT


class Role(enum.StrEnum):
    """What a signed-in user may do (enforced on the server side)."""

    CLINICIAN = "clinician"  # upload, enhance, draft, sign, rate
    REVIEWER = "reviewer"  # quality review, rate
    ADMIN = "admin"  # users, audit
    RESEARCHER = "researcher"  # drug-design lab: generate and rate molecule sets


class OutputKind(enum.StrEnum):
    """Kinds of generated output that are recorded and rated."""

    ENHANCEMENT = "enhancement"
    REPORT = "report"
    EDUCATION = "education"
    MOLECULE_SET = "molecule_set"  # a set of generated molecules (drug-design lab)


@dataclass(frozen=True)
class UserInfo:
    """The signed-in user as pages see it (never the ORM row, never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}


class AuditAction(enum.StrEnum):
    """Audit-trail actions (medgen.store.repo.add_audit)."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    LOCKED_OUT = "locked_out"
    UPLOAD = "upload"
    ENHANCE = "enhance"
    GENERATE = "generate"
    SIGN = "sign"
    EXPORT = "export"
    RATE = "rate"
    USER_CHANGE = "user_change"
    ACCESS_DENIED = "access_denied"
    PACS_SEND = "pacs_send"  # a derived series sent to the PACS (STOW-RS), ok or failed
    JOB_START = "job_start"  # a background job was started (medgen.jobs)
    JOB_CANCEL = "job_cancel"  # a user asked a background job to stop
    JOB_FINISH = "job_finish"  # a background job ended (outcome ok or error; detail: status)
    MODEL_APPROVE = "model_approve"  # an admin approved a site-adapted model for clinicians
    MODEL_REJECT = "model_reject"  # an admin rejected (deleted) a pending site-adapted model


class ReportStatus(enum.StrEnum):
    """Status of a generated output (``generated_outputs.status``); reports follow FHIR's names."""

    DRAFT = "draft"  # recorded, no clinician has looked at it (enhancement runs, education texts)
    PRELIMINARY = "preliminary"  # a report draft awaiting signature
    FINAL = "final"  # signed by a clinician


class AuditOutcome(enum.StrEnum):
    """Outcome of an audited action (``audit_events.outcome``)."""

    OK = "ok"
    DENIED = "denied"  # refused: wrong password, unknown account, missing role, locked account
    LOCKED = "locked"  # this failure locked the account
    ERROR = "error"  # the action failed


class ObjectType(enum.StrEnum):
    """What an audit event is about (``audit_events.object_type``)."""

    NONE = ""
    USER = "user"
    PAGE = "page"
    IMAGE = "image"
    GENERATED_OUTPUT = "generated_output"
    REPORT = "report"
    EDUCATION = "education"
    AUDIT_CSV = "audit_csv"
    FEEDBACK_CSV = "feedback_csv"
    JOB = "job"
    MODEL = "model"


class JobStatus(enum.StrEnum):
    """Lifecycle of a background job (``jobs.status``, :mod:`medgen.jobs`)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED}


class JobKind(enum.StrEnum):
    """What a background job does."""

    BATCH_ENHANCE = "batch_enhance"  # whole-study enhancement started from the Compare page
    SITE_ADAPT = "site_adapt"  # site adaptation (CycleGAN) started by an admin


@dataclass(frozen=True)
class JobInfo:
    """A background job as pages see it (``progress``/``result`` hold counts, losses, ids, paths)."""

    id: int
    kind: JobKind
    status: JobStatus
    label: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    progress: dict[str, Any]
    result: dict[str, Any]
    error: str
    cancel_requested: bool

    @property
    def fraction(self) -> float:
        """Progress in [0, 1] from ``progress['done'] / progress['total']`` (0 when unknown)."""
        total = self.progress.get("total") or 0
        done = self.progress.get("done") or 0
        return min(1.0, max(0.0, float(done) / float(total))) if total else 0.0
