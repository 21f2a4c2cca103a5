"""The writing process is SIGKILLed at random points, several times, then restarted.

A child process (:mod:`tests.reliability.writer`) runs the real write paths of ``medgen.store``
(upload of a real CT slice, enhancement record with previews and its audit event, report draft,
signature, rating) on SQLite and on a real PostgreSQL. It is SIGKILLed at random points, then
started again (the restart: it reopens the database and goes on writing). Even rounds: the
child kills itself after a random ORM flush, i.e. certainly inside an open transaction, between
its statements. Odd rounds: the parent kills it at a random moment (mostly right after it
announced a unit of work, so the kill usually lands inside the write); these rounds must commit
writes again after the previous kill. At the end the parent checks
through ``medgen.store``:

* nothing committed is lost: every write the child reported as committed is there, unchanged;
* nothing half-written is visible: no image without its study and UPLOAD event, no output
  without its ENHANCE / GENERATE event, no signed report without its SIGN event, no rating
  without its scores and RATE event, no audit event pointing at nothing, no write stored twice;
* every encrypted field decrypts (and previews equal the bytes written, byte for byte);
* SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check`` are clean.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker

from medgen.store import run
from medgen.store.crypto import Keyring
from medgen.store.models import AuditEvent, GeneratedOutput, Image, Rating, Study
from medgen.types import OutputKind, ReportStatus, Role
from tests.store.conftest import make_user

from . import writer
from .conftest import key_env

ROOT = Path(__file__).resolve().parents[2]
#: Kill/restart cycles per backend (raise with MEDGEN_FAULT_ROUNDS for a longer soak).
ROUNDS = int(os.environ.get("MEDGEN_FAULT_ROUNDS", "4"))

pytestmark = pytest.mark.skipif(not writer.DICOM.exists(), reason=f"{writer.DICOM} missing: run `make ldct-real`")


@dataclass
class Round:
    committed: list[tuple[str, int, str]] = field(default_factory=list)  # (op, id, token)
    in_flight: str | None = None  # "op token" announced but not reported committed at the kill
    self_killed: bool = False  # the writer killed itself after a flush, inside a transaction


def _reader(pipe, lines: queue.Queue[str | None]) -> None:  # type: ignore[no-untyped-def]
    for line in pipe:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _kill_round(url: str, clin: int, rev: int, tag: str, rng: random.Random, env: dict[str, str],
                log: Path, kill_at_flush: int = 0) -> Round:
    """Start the writer, let it write for a random while, SIGKILL it (mid-write when it can).

    With ``kill_at_flush`` > 0 the writer kills itself after that many flushes instead.
    """
    with log.open("a") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.writer", url, str(clin), str(rev), tag,
             str(kill_at_flush)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1,
        )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    result = Round()

    def take(line: str) -> None:
        kind, *rest = line.split()
        if kind == "BEGIN":
            result.in_flight = " ".join(rest)
        elif kind == "KILLSELF":
            result.self_killed = True
        elif kind == "OK":
            op, obj_id, token = rest
            result.committed.append((op, int(obj_id), token))
            result.in_flight = None

    deadline = time.monotonic() + 60
    while (line := lines.get(timeout=max(0.1, deadline - time.monotonic()))) != "READY":
        assert line is not None, f"the writer died before it was ready (see {log}: {log.read_text()[-2000:]})"
    if kill_at_flush:
        while (line := lines.get(timeout=60)) is not None:
            take(line)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL and result.self_killed, log.read_text()[-2000:]
        return result
    kill_at = time.monotonic() + rng.uniform(0.05, 0.8)
    at_begin = rng.random() < 0.75  # most kills wait for the next BEGIN: inside a unit of work
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.0, kill_at - time.monotonic()) if not at_begin else 5)
            except queue.Empty:
                break
            assert line is not None, f"the writer died by itself (see {log}: {log.read_text()[-2000:]})"
            take(line)
            if time.monotonic() >= kill_at and (not at_begin or line.startswith("BEGIN")):
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    while (line := lines.get(timeout=10)) is not None:  # what the pipe still held
        take(line)
    return result


def _check(session: Session, rounds: list[Round], dialect: str) -> dict[str, int]:
    """Every committed write is there, unchanged; nothing half-written; everything decrypts."""
    # Loading the rows decrypts every encrypted column (a failed tag raises DecryptionError).
    studies = {s.id: s for s in session.scalars(select(Study))}
    images = {i.id: i for i in session.scalars(select(Image))}
    outputs = {o.id: o for o in session.scalars(select(GeneratedOutput))}
    ratings = {r.id: r for r in session.scalars(select(Rating).options(selectinload(Rating.scores)))}
    events = list(session.scalars(select(AuditEvent)))
    by_action: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        by_action[e.action][e.object_id] += 1

    # nothing committed is lost, nothing changed
    for r in rounds:
        for op, obj_id, token in r.committed:
            if op == "upload":
                assert obj_id in images, f"committed upload {token} (image {obj_id}) lost"
                assert images[obj_id].study.study_uid == writer.study_uid(token)
            elif op == "enhance":
                o = outputs.get(obj_id)
                assert o is not None and o.params["token"] == token, f"committed enhancement {token} lost"
            elif op == "report":
                o = outputs.get(obj_id)
                assert o is not None and o.draft_text == writer.report_text(token), f"report {token} lost"
            elif op == "sign":
                o = outputs[obj_id]
                assert o.status == ReportStatus.FINAL.value, f"committed signature {token} lost"
                assert o.final_text == writer.report_text(token) + " Signed."
            else:
                assert obj_id in ratings and ratings[obj_id].comment == f"rating {token}", f"rating {token} lost"

    # nothing half-written: every row has its parts and its audit event, every event its row
    for s in studies.values():
        assert s.images, f"study {s.id} without its image (half an upload)"
    for i in images.values():
        assert by_action["upload"][str(i.id)] == 1, f"image {i.id} without exactly one UPLOAD event"
        assert isinstance(i.meta, dict) and i.meta, f"image {i.id} metadata did not decrypt"
    tokens: Counter[str] = Counter()
    for o in outputs.values():
        token = o.params["token"]
        tokens[token] += 1
        if o.kind == OutputKind.ENHANCEMENT.value:
            assert by_action["enhance"][str(o.id)] == 1, f"enhancement {o.id} without its ENHANCE event"
            assert o.preview_before == writer.payload(token, "before"), f"output {o.id}: torn preview"
            assert o.preview_after == writer.payload(token, "after"), f"output {o.id}: torn preview"
            assert o.metrics == {"token": token}
        else:
            assert by_action["generate"][str(o.id)] == 1, f"report {o.id} without its GENERATE event"
            assert o.draft_text == writer.report_text(token)
            signed = o.status == ReportStatus.FINAL.value
            assert by_action["sign"][str(o.id)] == int(signed), f"report {o.id}: SIGN event"
            assert (o.final_text is not None) == signed and (o.signed_at is not None) == signed
    assert all(n == 1 for n in tokens.values()), "an output was stored twice"
    rate_events = {e.detail["rating_id"]: e for e in events if e.action == "rate"}
    for r in ratings.values():
        assert {c.criterion: c.score for c in r.scores} == {"noise_reduction": 4, "artefacts_introduced": 2}
        assert r.id in rate_events and rate_events[r.id].object_id == str(r.output_id), f"rating {r.id}"
    assert set(rate_events) == set(ratings), "a RATE event without its rating"
    for action, ids in (("upload", images), ("enhance", outputs), ("generate", outputs), ("sign", outputs)):
        dangling = set(by_action[action]) - {str(k) for k in ids}
        assert not dangling, f"{action} events for rows that do not exist: {dangling}"
    if dialect == "sqlite":
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []
    return {"images": len(images), "outputs": len(outputs), "ratings": len(ratings),
            "events": len(events)}


def test_sigkill_mid_write_loses_nothing_committed_and_leaves_nothing_half_written(
    db_url: str, factory: sessionmaker[Session], keyring: Keyring, tmp_path: Path
) -> None:
    clin = make_user(factory, "dr_kill", Role.CLINICIAN)
    rev = make_user(factory, "rev_kill", Role.REVIEWER)
    env = {**os.environ, "MEDGEN_ENCRYPTION_KEY": key_env(keyring), "MEDGEN_DATA_DIR": str(tmp_path),
           "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    log = tmp_path / "writer.log"
    rounds = []
    for n in range(ROUNDS):
        kill_at_flush = 0 if n % 2 else rng.randint(1, 60)
        r = _kill_round(db_url, clin.id, rev.id, f"r{n}", rng, env, log, kill_at_flush)
        if not kill_at_flush:
            assert r.committed, f"round {n} (seed {seed}): the restarted writer committed nothing"
        rounds.append(r)
    dialect = factory.kw["bind"].dialect.name
    counts = run(factory, _check, rounds, dialect)
    mid = sum(r.in_flight is not None for r in rounds)
    certain = sum(r.self_killed for r in rounds)
    print(f"\n{dialect}: seed {seed}, {ROUNDS} SIGKILLs, {mid} after a unit of work began, {certain} "
          f"certainly after a flush inside one ({', '.join(r.in_flight or '-' for r in rounds)}); "
          f"{sum(len(r.committed) for r in rounds)} committed writes reported, all found; {counts}")


def test_the_check_sees_half_written_and_lost_rows(factory: sessionmaker[Session], keyring: Keyring) -> None:
    """The checks above can fail: an output without its audit event, or a lost commit, is caught."""
    from medgen.store import repo

    with factory.begin() as s:  # an enhancement row whose ENHANCE event was never written
        out = repo.record_output(s, OutputKind.ENHANCEMENT, model_id="m", params={"token": "t-0"},
                                 preview_before=writer.payload("t-0", "before"),
                                 preview_after=writer.payload("t-0", "after"), metrics={"token": "t-0"})
    dialect = factory.kw["bind"].dialect.name
    with pytest.raises(AssertionError, match="without its ENHANCE event"):
        run(factory, _check, [], dialect)
    lost = Round(committed=[("rate", 999_999, "t-9")])
    with factory.begin() as s:
        repo.add_audit(s, "enhance", object_type="generated_output", object_id=out)
    run(factory, _check, [], dialect)  # complete now
    with pytest.raises(AssertionError, match="rating t-9 lost"):
        run(factory, _check, [lost], dialect)
