"""Several threads writing ratings at once: every row arrives exactly once, on both databases."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from medgen.store import feedback, repo, run
from medgen.store.models import AuditEvent, Rating
from medgen.types import OutputKind, Role

from .conftest import make_user

THREADS = 6
PER_THREAD = 15


def test_concurrent_rating_writes_arrive_exactly_once(factory: sessionmaker[Session]) -> None:
    users = [make_user(factory, f"rater{i}", Role.REVIEWER) for i in range(THREADS)]
    with factory.begin() as s:
        outputs = [
            repo.record_output(s, OutputKind.REPORT, model_id="lm") for _ in range(PER_THREAD)
        ]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i, out in enumerate(outputs):
                # every thread rates every output, and re-rates every third one (a revision)
                run(
                    factory, feedback.add_rating, users[t], out, 1 + (t + i) % 5, {"accuracy": 3}, f"t{t}-o{i}"
                )
                if i % 3 == 0:
                    run(factory, feedback.add_rating, users[t], out, 5, None, f"t{t}-o{i}-rev")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    revisions = PER_THREAD + len(range(0, PER_THREAD, 3))
    with factory() as s:
        comments = Counter(s.scalars(select(Rating.comment)))
        expected = {f"t{t}-o{i}" for t in range(THREADS) for i in range(PER_THREAD)}
        expected |= {f"t{t}-o{i}-rev" for t in range(THREADS) for i in range(0, PER_THREAD, 3)}
        assert set(comments) == expected
        assert all(n == 1 for n in comments.values()), "a rating was written twice"
        assert len(comments) == THREADS * revisions
        # each (user, output) pair has consecutive revisions 1..n and one audit event per write
        pairs = Counter((r.user_id, r.output_id, r.revision) for r in s.scalars(select(Rating)))
        assert all(n == 1 for n in pairs.values())
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "rate")).all()) == len(
            comments
        )
        latest = s.scalars(select(Rating).where(Rating.id.in_(feedback.latest_rating_ids()))).all()
        assert len(latest) == THREADS * PER_THREAD
        assert all(r.overall == 5 for r in latest if r.comment.endswith("-rev"))


def test_concurrent_revisions_of_one_rating_get_consecutive_numbers(
    factory: sessionmaker[Session],
) -> None:
    """Several windows of one user revising one signed report at once, while dashboards load."""
    from medgen.store import review
    from medgen.store.models import GeneratedOutput, TextEditStat

    solo = make_user(factory, "solo")
    with factory.begin() as s:
        out = repo.record_output(s, OutputKind.REPORT, model_id="lm", draft_text="a b c")
        s.get(GeneratedOutput, out).final_text = "a b d"  # type: ignore[union-attr]
    n_threads, per_thread = 4, 5
    barrier = threading.Barrier(n_threads)
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                run(factory, feedback.add_rating, solo, out, 1 + i % 5, None, f"t{t}-{i}")
                run(factory, review.load_dashboard, review.ReviewFilter())  # caches the edit distance
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    with factory() as s:
        rows = s.scalars(select(Rating).where(Rating.output_id == out)).all()
        assert sorted(r.revision for r in rows) == list(range(1, n_threads * per_thread + 1))
        assert len({r.comment for r in rows}) == n_threads * per_thread
        assert s.get(TextEditStat, out).edit_distance == 1  # type: ignore[union-attr]
