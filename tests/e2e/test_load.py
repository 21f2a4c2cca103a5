"""Real Chromium, one real server: 3 clinicians at once sign in, upload the same real CT series,
enhance it, draft a report with the test LM and sign it; no step fails and every output is stored
exactly once (the code of ``python -m bench.load``, which runs 8 sessions and times them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.load import EXPECTED_PER_USER, STEPS, run_benchmark
from tests.e2e.conftest import serve_app

os.environ.setdefault("MEDGEN_LM", "smollm2-135m")  # read by serve_app
os.environ.setdefault("MEDGEN_LM_THREADS", "1")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SESSIONS = 3


def test_three_concurrent_clinicians_store_everything_once(tmp_path: Path) -> None:
    # a server of its own: the counts below are of a database no other test wrote to
    data = tmp_path / "data"
    data.mkdir()
    with serve_app(data) as server:
        out = run_benchmark(server, SESSIONS, tokens=32, timeout_s=180, warmup=False,
                            prefix="e2e-load", shots=tmp_path)
    assert out["errors"] == [], f"{out['errors']} (screenshots in {tmp_path})"
    for step in STEPS:
        assert out["steps"][step]["n"] == SESSIONS, step
    storage = out["storage"]
    assert list(storage["problems"]) == []
    assert len(storage["per_user"]) == SESSIONS
    for counts in storage["per_user"].values():
        assert counts == EXPECTED_PER_USER
    # the same series uploaded three times is one study and one image (de-duplicated by content)
    assert storage["shared"]["images_of_the_series"] == 1
    assert storage["shared"]["outputs"] == 2 * SESSIONS
