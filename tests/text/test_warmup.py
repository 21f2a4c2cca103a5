"""Warm-up order of a freshly loaded model (medgen.text.warmup), on the real smollm2-135m GGUF."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from medgen.text.llm import GenerationParams
from medgen.text.llm.llamacpp import LlamaCppModel, load_llamacpp
from medgen.text.warmup import BackgroundWarm, first_messages, later_messages, warm_all, warm_first


@pytest.fixture()
def lm(tmp_path: Path) -> Iterator[LlamaCppModel]:
    model = load_llamacpp("smollm2-135m", state_dir=tmp_path)
    yield model
    model.close()


def _warmed(lm: LlamaCppModel) -> set[str]:
    return set(lm._prefixes)


def test_only_the_report_prompt_is_warmed_first(lm: LlamaCppModel) -> None:
    warm_first(lm)
    assert _warmed(lm) == {first_messages()[0]["content"]}
    assert lm.states_evaluated == 1


def test_background_warm_waits_until_the_model_is_idle(lm: LlamaCppModel) -> None:
    warm_first(lm)
    with lm.queue.ticket() as t:  # a user holds the model
        assert t.wait(0)
        bg = BackgroundWarm(lm, idle_s=0.2).start()
        time.sleep(1.0)
        assert bg.done == 0 and lm.states_evaluated == 1  # it never took the model from the user
    bg.join(120)
    assert bg.done == 2
    assert _warmed(lm) == {m[0]["content"] for m in [first_messages(), *later_messages()]}
    # warmed prompts serve requests from the cache
    edu = later_messages()[1]
    lm.generate(edu, GenerationParams(max_new_tokens=2))
    assert lm.last_prefix_hit > 30 and lm.states_evaluated == 3


def test_background_warm_can_be_stopped(lm: LlamaCppModel) -> None:
    with lm.queue.ticket() as t:
        assert t.wait(0)
        bg = BackgroundWarm(lm, idle_s=0.1).start()
        bg.stop(timeout=5)
    time.sleep(0.3)
    assert bg.done == 0 and lm.states_evaluated == 0


def test_warm_all_reads_what_an_earlier_process_saved(tmp_path: Path) -> None:
    first = load_llamacpp("smollm2-135m", state_dir=tmp_path)
    warm_all(first)
    assert (first.states_loaded, first.states_evaluated) == (0, 3)
    first.close()
    second = load_llamacpp("smollm2-135m", state_dir=tmp_path)
    try:
        warm_all(second)
        assert (second.states_loaded, second.states_evaluated) == (3, 0)
    finally:
        second.close()
