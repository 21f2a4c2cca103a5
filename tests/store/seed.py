"""Known feedback data for the review tests (store, AppTest and browser): every number is derived
from what is seeded here, so the assertions can check the dashboard's arithmetic."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from medgen.store import feedback, repo, run
from medgen.store.models import GeneratedOutput, User
from medgen.types import OutputKind, Role, UserInfo

GAN_V1 = "a1" * 32  # weights sha256 of two GAN versions
GAN_V2 = "b2" * 32
LM = "smollm2-135m"


def png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (32, 32), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


@dataclass(frozen=True)
class Seeded:
    clinician: UserInfo
    reviewer: UserInfo
    enh_v1: int
    enh_v2: int
    report: int
    education: int


def user(s: Session, username: str, role: Role) -> UserInfo:
    row = User(username=username, display_name=username.title(), role=role.value)
    s.add(row)
    s.flush()
    return UserInfo(id=row.id, username=username, display_name=row.display_name, role=role)


def seed_review_data(factory: sessionmaker[Session], tag: str = "") -> Seeded:
    """Seed users, four outputs and six ratings; ``tag`` makes names unique in a shared database."""
    gan, lm = f"ct-denoise{tag}", f"{LM}{tag}"
    with factory.begin() as s:
        clin = user(s, f"dr_clin{tag}", Role.CLINICIAN)
        rev = user(s, f"dr_review{tag}", Role.REVIEWER)
        enh_v1 = repo.record_output(
            s,
            OutputKind.ENHANCEMENT,
            model_id=gan,
            model_version=GAN_V1,
            device="cpu",
            latency_ms=120.0,
            preview_before=png(1),
            preview_after=png(2),
            user=clin,
        )
        enh_v2 = repo.record_output(
            s,
            OutputKind.ENHANCEMENT,
            model_id=gan,
            model_version=GAN_V2,
            device="cuda",
            latency_ms=15.0,
            preview_before=png(3),
            preview_after=png(4),
            user=clin,
        )
        report = repo.record_output(
            s,
            OutputKind.REPORT,
            model_id=lm,
            model_version=lm,
            device="cpu",
            latency_ms=900.0,
            flags=[{"kind": "number", "text": "7 mm"}],
            draft_text="Findings: 7 mm nodule in the left lower lobe. No effusion.",
            user=clin,
        )
        s.get(GeneratedOutput, report).final_text = (  # type: ignore[union-attr]
            "Findings: nodule in the left lower lobe. No pleural effusion."
        )
        education = repo.record_output(
            s,
            OutputKind.EDUCATION,
            model_id=lm,
            model_version=lm,
            device="cpu",
            draft_text="Your scan shows a small spot in the lung.",
            user=clin,
        )
    # ratings: enh_v1 bad (1 by clinician, revised from 3), enh_v2 good, report mediocre
    run(factory, feedback.add_rating, clin, enh_v1, 3, {"noise_reduction": 3})
    run(factory, feedback.add_rating,
        clin,
        enh_v1,
        1,
        {"noise_reduction": 2, "detail_preserved": 1, "artefacts_introduced": 1},
        '=HYPERLINK("x") streaks at the skull base',
    )
    run(factory, feedback.add_rating, rev, enh_v1, 2, {"noise_reduction": 2}, "too smooth")
    run(factory, feedback.add_rating,
        clin,
        enh_v2,
        5,
        {"noise_reduction": 5, "detail_preserved": 4, "artefacts_introduced": 5},
    )
    run(factory, feedback.add_rating,
        rev,
        report,
        3,
        {"accuracy": 2, "completeness": 4, "wording": 3},
        "invented a size",
    )
    run(factory, feedback.add_rating, rev, education, 4, {"clarity": 5, "tone": 4})
    return Seeded(clin, rev, enh_v1, enh_v2, report, education)


def point_app_at(monkeypatch, url: str) -> None:  # type: ignore[no-untyped-def]
    """Make the Streamlit app (medgen.ui.resources.db) use ``url`` for this test only."""
    from medgen.config import get_settings
    from medgen.ui import resources

    monkeypatch.setenv("MEDGEN_DATABASE_URL", url)
    get_settings.cache_clear()
    resources.db.clear()


def reset_app_database() -> None:
    from medgen.config import get_settings
    from medgen.ui import resources

    get_settings.cache_clear()
    resources.db.clear()
