"""Benchmark of the feedback store: word edit distance and quality-review queries.

``python -m bench.feedback [--outputs N] [--postgres URL]`` prints a table: the word edit
distance of ``rapidfuzz`` (what medgen uses) against the textbook dynamic programme, then the time to load the Quality
Review dashboard and to export CSV over N outputs with ~2 ratings each, on a fresh SQLite file
(and on PostgreSQL when a URL of an empty database is given).
"""

from __future__ import annotations

import argparse
import logging
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from medgen.store import feedback, migrate, repo, review
from medgen.store.db import make_engine
from medgen.store.models import GeneratedOutput, User
from medgen.types import OutputKind, Role, UserInfo

log = logging.getLogger("bench.feedback")


def _reference(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def _best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_edit_distance(n_words: int, rng: random.Random) -> tuple[float, float]:
    vocab = [f"w{i}" for i in range(300)]
    draft = [rng.choice(vocab) for _ in range(n_words)]
    final = [w if rng.random() > 0.1 else rng.choice(vocab) for w in draft]  # ~10 % edited
    fast = _best_of(lambda: Levenshtein.distance(draft, final))
    slow = _best_of(lambda: _reference(draft, final), repeat=1)
    assert Levenshtein.distance(draft, final) == _reference(draft, final)
    return fast, slow


def seed(url: str, n_outputs: int, rng: random.Random) -> None:
    from sqlalchemy.orm import sessionmaker

    migrate.upgrade(url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:
        users = []
        for i in range(10):
            row = User(username=f"bench{i}", display_name="", role=Role.REVIEWER.value)
            s.add(row)
            s.flush()
            users.append(UserInfo(row.id, row.username, "", Role.REVIEWER))
        kinds = list(OutputKind)
        for i in range(n_outputs):
            kind = kinds[i % 3]
            text = " ".join(f"w{rng.randrange(300)}" for _ in range(120))
            oid = repo.record_output(
                s, kind, model_id=f"model-{i % 4}", model_version=f"v{i % 4}",
                device=rng.choice(["cpu", "cuda"]), latency_ms=rng.uniform(10, 500),
                flags=[{"kind": "number"}] if rng.random() < 0.2 else [],
                draft_text=None if kind == OutputKind.ENHANCEMENT else text,
            )  # fmt: skip
            if kind != OutputKind.ENHANCEMENT:
                s.get(GeneratedOutput, oid).final_text = text.replace("w1", "x1")  # type: ignore[union-attr]
            for u in rng.sample(users, 2):
                crit = {c.key: rng.randint(1, 5) for c in feedback.criteria_for(kind)}
                feedback.add_rating(s, u, oid, rng.randint(1, 5), crit, "ok")
    engine.dispose()


def bench_queries(url: str) -> tuple[float, float, float]:
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:  # first load also computes the edit distances
        t0 = time.perf_counter()
        review.load_dashboard(s, review.ReviewFilter())
        first = time.perf_counter() - t0
    with factory.begin() as s:
        warm = _best_of(lambda: review.load_dashboard(s, review.ReviewFilter()))
        export = _best_of(lambda: review.export_csv(s, review.ReviewFilter()))
    engine.dispose()
    return first, warm, export


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outputs", type=int, default=2000)
    parser.add_argument("--postgres", default=None, help="URL of an EMPTY PostgreSQL database")
    args = parser.parse_args(argv)
    rng = random.Random(0)
    print("| words | rapidfuzz (ms) | textbook DP (ms) |")
    print("|---:|---:|---:|")
    for n in (100, 500, 2000):
        fast, slow = bench_edit_distance(n, rng)
        print(f"| {n} | {fast * 1e3:.3f} | {slow * 1e3:.1f} |")
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        print(f"\n{args.outputs} outputs, {2 * args.outputs} ratings\n")
        print("| database | first dashboard load (s) | dashboard (s) | CSV export (s) |")
        print("|---|---:|---:|---:|")
        for name, url in targets:
            seed(url, args.outputs, rng)
            first, warm, export = bench_queries(url)
            print(f"| {name} | {first:.2f} | {warm:.2f} | {export:.2f} |")


if __name__ == "__main__":
    main()
