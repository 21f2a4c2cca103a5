"""GGUF-native runtime (llama.cpp): real smollm2-135m GGUF from the registry, no mocks."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from medgen.errors import ModelError
from medgen.text.llm import GenerationParams, StreamStats
from medgen.text.llm.llamacpp import LlamaCppModel, default_threads, gguf_file, load_llamacpp
from medgen.text.prompts import education_messages, report_messages
from medgen.text.report import rewrite_stream, template_report

BODY = ("FINDINGS: A 7 mm solid nodule in the right upper lobe. No pleural effusion.\n"
        "IMPRESSION: 7 mm solid nodule in the right upper lobe.")


@pytest.fixture(scope="module")
def lm() -> LlamaCppModel:
    return load_llamacpp("smollm2-135m")  # threads: MEDGEN_LM_THREADS (conftest: 1)


def test_registry_gguf_is_loaded_directly(lm: LlamaCppModel) -> None:
    path, sha = gguf_file("smollm2-135m")
    assert path.suffix == ".gguf" and path.is_file()
    assert lm.version == f"smollm2-135m@{sha[:12]}" and lm.model_id == "smollm2-135m"
    assert lm.n_ctx >= 4096 and lm.device == "cpu"
    assert default_threads() >= 1


def test_streams_tokens(lm: LlamaCppModel) -> None:
    stats = StreamStats()
    pieces = list(lm.stream(report_messages(BODY), GenerationParams(max_new_tokens=40), stats=stats))
    assert len(pieces) >= 5, pieces  # several pieces, not one blob at the end
    assert "".join(pieces).strip()
    assert stats.prompt_tokens > 50
    assert 0 < stats.first_token_s < stats.total_s
    assert 5 <= stats.n_tokens <= 40
    assert not stats.stopped


def test_max_new_tokens_bounds_the_output(lm: LlamaCppModel) -> None:
    stats = StreamStats()
    lm.generate([{"role": "user", "content": "Count from one to one hundred in words."}],
                GenerationParams(max_new_tokens=7), stats=stats)
    assert stats.n_tokens == 7


def test_greedy_output_is_deterministic(lm: LlamaCppModel) -> None:
    msgs = report_messages(BODY)
    p = GenerationParams(max_new_tokens=48)
    a = lm.generate(msgs, p)
    lm.generate(education_messages("A small nodule.", "en", 6), GenerationParams(max_new_tokens=8))
    b = lm.generate(msgs, p)  # after another prompt: restored from the system-prompt cache
    assert a and a == b


def test_prefix_cache_gives_the_same_greedy_text_as_no_cache(lm: LlamaCppModel) -> None:
    path, _ = gguf_file("smollm2-135m")
    plain = load_llamacpp(str(path), prefix_cache=False)
    try:
        p = GenerationParams(max_new_tokens=32)
        msgs = report_messages(BODY)
        assert plain.generate(msgs, p) == lm.generate(msgs, p)
        assert plain.last_prefix_hit == 0  # a fresh model without the cache evaluated everything
    finally:
        plain.close()


def test_system_prompt_state_is_reused_across_alternating_prompts(lm: LlamaCppModel) -> None:
    report = report_messages(BODY)
    edu = education_messages("7 mm nodule in the right lung.", "zh", 6)
    lm.warm(report)
    lm.warm(edu)
    n_report_system = len(lm._system_tokens(report, lm.prompt_tokens(report)[0]))
    n_edu_system = len(lm._system_tokens(edu, lm.prompt_tokens(edu)[0]))
    assert n_report_system > 30 and n_edu_system > 30
    p = GenerationParams(max_new_tokens=4)
    for msgs, n in ((report, n_report_system), (edu, n_edu_system), (report, n_report_system)):
        lm.generate(msgs, p)
        assert lm.last_prefix_hit >= n, (lm.last_prefix_hit, n)
    # a new system prompt is evaluated in full the first time
    other = [{"role": "system", "content": "You are a terse assistant for unit tests. " * 4},
             {"role": "user", "content": "Say OK."}]
    lm.generate(other, p)
    assert lm.last_prefix_hit < 8
    lm.generate(other, p)
    assert lm.last_prefix_hit >= 30


def test_the_static_start_of_the_user_turn_is_cached_with_the_system_prompt() -> None:
    """Only the findings and the turn's closing tokens are evaluated per report request."""
    from medgen.text.prompts import report_head

    lm = load_llamacpp("smollm2-135m")  # a fresh model: only what this test warms is kept

    body = ("FINDINGS: A 2.1 cm simple renal cyst in the right kidney. No free fluid.\n"
            "IMPRESSION: A 2.1 cm simple renal cyst in the right kidney. No follow-up rule was applied.")
    msgs = report_messages(body)
    prompt, _ = lm.prompt_tokens(msgs)
    static = lm.static_tokens(report_head())
    n_system = len(lm._system_tokens(msgs, prompt))
    assert prompt[:len(static)] == static
    assert len(static) >= n_system + 3  # + the user turn's template tokens and "FINDINGS:"
    rest = lm.llm.detokenize(prompt[len(static):]).decode()
    assert rest.startswith(" A 2.1 cm") and "FINDINGS" not in rest
    lm.warm(report_head())
    p = GenerationParams(max_new_tokens=12)
    for _ in range(2):  # the second time after another prompt: restored from the kept state
        stats = StreamStats()
        text = lm.generate(msgs, p, stats=stats)
        assert lm.last_prefix_hit == stats.prompt_cached == len(static)
        assert stats.prompt_tokens - stats.prompt_cached == len(prompt) - len(static)
        lm.generate(education_messages("A small nodule.", "en", 6), GenerationParams(max_new_tokens=2))
    path, _ = gguf_file("smollm2-135m")
    plain = load_llamacpp(str(path), prefix_cache=False)
    try:
        assert plain.generate(msgs, p) == text  # the cached start changes nothing in the output
    finally:
        plain.close()
    _edu_heads_are_kept(lm)
    lm.close()


def _edu_heads_are_kept(lm: LlamaCppModel) -> None:
    from medgen.text.prompts import education_head

    for lang in ("en", "zh"):  # patient text: the user turn's head is kept too
        edu = education_messages("A 7 mm solid nodule in the right upper lobe.", lang, 6)
        e_prompt, _ = lm.prompt_tokens(edu)
        e_static = lm.static_tokens(education_head(lang, 6))
        assert e_prompt[:len(e_static)] == e_static
        assert len(e_static) > len(lm._system_tokens(edu, e_prompt))
        lm.warm(education_head(lang, 6))
        lm.generate(edu, GenerationParams(max_new_tokens=2))
        assert lm.last_prefix_hit == len(e_static)


def test_a_request_that_does_not_start_like_a_warmed_head_uses_the_system_prompt(lm: LlamaCppModel) -> None:
    from medgen.text.prompts import REPORT_SYSTEM, report_head

    lm.warm(report_head())
    other = [{"role": "system", "content": REPORT_SYSTEM}, {"role": "user", "content": "IMPRESSION: Normal."}]
    prompt, _ = lm.prompt_tokens(other)
    lm.generate(other, GenerationParams(max_new_tokens=2))
    n_system = len(lm._system_tokens(other, prompt))
    assert n_system > 30 and lm.last_prefix_hit >= n_system
    assert lm.last_prefix_hit < len(lm.static_tokens(report_head()))


def test_a_prefilled_request_samples_its_first_token_at_once_with_the_same_text(lm: LlamaCppModel) -> None:
    from medgen.text.prompts import report_head

    msgs = report_messages(BODY.replace("7 mm", "9 mm"))
    other = report_messages(BODY.replace("7 mm", "5 mm"))
    p = GenerationParams(max_new_tokens=24)
    path, _ = gguf_file("smollm2-135m")
    plain = load_llamacpp(str(path), prefix_cache=False)
    try:
        expected, expected_other = plain.generate(msgs, p), plain.generate(other, p)
    finally:
        plain.close()
    lm.warm(report_head())
    before = lm.prefilled
    assert lm.prefill(msgs)
    assert lm.prefilled == before + 1
    assert lm.prefill(msgs)  # already in the KV cache: nothing more to evaluate
    stats = StreamStats()
    assert lm.generate(msgs, p, stats=stats) == expected
    assert stats.prompt_cached == stats.prompt_tokens  # nothing evaluated for the request
    # a prefill for one form, then a request for another: that request is unaffected
    assert lm.prefill(msgs)
    stats = StreamStats()
    assert lm.generate(other, p, stats=stats) == expected_other
    assert stats.prompt_cached < stats.prompt_tokens
    # cancelled before it starts: nothing evaluated, and the request still gives the same text
    cancel = threading.Event()
    cancel.set()
    assert not lm.prefill(msgs, cancel)
    assert lm.generate(msgs, p) == expected


def test_a_prefill_never_waits_for_the_model_and_needs_a_warmed_start(lm: LlamaCppModel) -> None:
    msgs = report_messages(BODY)
    with lm.queue.ticket() as t:  # a user holds the model
        assert t.wait(0)
        assert not lm.prefill(msgs)  # returns at once
    no_system = [{"role": "user", "content": "Say OK."}]
    assert not lm.prefill(no_system)
    unwarmed = [{"role": "system", "content": "A system prompt nobody warmed. " * 4},
                {"role": "user", "content": "Say OK."}]
    assert not lm.prefill(unwarmed)  # never evaluates a whole system prompt speculatively
    assert lm.queue.idle


def test_prefill_later_keeps_one_prefill_per_model_and_the_last_prompt_wins(lm: LlamaCppModel) -> None:
    from medgen.text.prompts import report_head
    from medgen.text.warmup import prefill_later

    lm.warm(report_head())
    a, b = report_messages(BODY), report_messages(BODY.replace("7 mm", "8 mm"))
    with lm.queue.ticket() as t:  # the model is busy: the prefill waits for it to become idle
        assert t.wait(0)
        first = prefill_later(lm, a)
        assert first is not None and prefill_later(lm, a) is first  # same form: the same prefill
        second = prefill_later(lm, b)
        assert second is not None and second is not first and first.cancel.is_set()
        time.sleep(0.3)
        assert not second.done.is_set()  # it never took the model from the user
    assert second.done.wait(60) and second.ok
    assert first.done.wait(5) and not first.ok
    stats = StreamStats()
    lm.generate(b, GenerationParams(max_new_tokens=2), stats=stats)
    assert stats.prompt_cached == stats.prompt_tokens

    class NoPrefill:  # the transformers backend has no prefill: left alone
        pass

    assert prefill_later(NoPrefill(), a) is None  # type: ignore[arg-type]


def test_stop_event_stops_generation(lm: LlamaCppModel) -> None:
    stop = threading.Event()
    stats = StreamStats()
    pieces = []
    for piece in lm.stream([{"role": "user", "content": "Write a long story about the sea."}],
                           GenerationParams(max_new_tokens=300), stop_event=stop, stats=stats):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
    assert len(pieces) == 3
    assert stats.stopped and stats.n_tokens <= 5


def test_closing_the_stream_releases_the_model(lm: LlamaCppModel) -> None:
    gen = lm.stream([{"role": "user", "content": "Write a long story about the sea."}],
                    GenerationParams(max_new_tokens=300))
    next(gen)
    gen.close()  # what a Streamlit rerun does to st.write_stream's generator
    assert lm.generate([{"role": "user", "content": "Say OK."}], GenerationParams(max_new_tokens=3))


def test_generation_is_serialised_and_waiting_is_counted(lm: LlamaCppModel) -> None:
    done: list[str] = []
    second = threading.Thread(
        target=lambda: done.append(lm.generate([{"role": "user", "content": "Say OK."}],
                                               GenerationParams(max_new_tokens=3))))
    for i, _ in enumerate(lm.stream([{"role": "user", "content": "Write a long story."}],
                                    GenerationParams(max_new_tokens=20))):
        if i == 0:
            second.start()
            deadline = time.monotonic() + 30
            while lm.waiting != 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert lm.waiting == 1  # the second request queues behind this stream
            time.sleep(0.2)
            assert not done
    second.join(60)
    assert done and lm.waiting == 0


def test_report_rewrite_streams_through_this_runtime(lm: LlamaCppModel) -> None:
    from medgen.text.findings import Finding, Findings

    f = Findings(findings=(Finding(location="upper lobe", laterality="right", size=7, descriptor="solid"),))
    text = "".join(rewrite_stream(template_report(f), lm, GenerationParams(max_new_tokens=24)))
    assert text.strip()


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="neither a known model"):
        load_llamacpp(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelError, match="no config.json"):
        load_llamacpp(str(tmp_path))
    hf = tmp_path / "hf-model"
    hf.mkdir()
    (hf / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="MEDGEN_LM_BACKEND=transformers"):
        load_llamacpp(str(hf))
    txt = tmp_path / "model.bin"
    txt.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        load_llamacpp(str(txt))
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelError, match="could not be read as a GGUF"):
        load_llamacpp(str(bad))


def test_a_queued_request_knows_its_place_and_can_cancel(lm: LlamaCppModel) -> None:
    """Two users: the second sees one request ahead of it, cancels, and generates nothing."""
    seen: dict[str, object] = {}
    go_on = threading.Event()

    def second_user() -> None:
        stop = threading.Event()
        stats = StreamStats()
        with lm.queue.ticket() as t:
            seen["place"] = t.place
            seen["waiting"] = lm.waiting
            seen["turn"] = t.wait(0.2)
            stop.set()  # the Stop button while waiting
            seen["pieces"] = list(lm.stream([{"role": "user", "content": "Say OK."}],
                                            GenerationParams(max_new_tokens=3), stop, stats))
        seen["stats"] = stats
        go_on.set()

    user2 = threading.Thread(target=second_user)
    pieces = []
    for piece in lm.stream([{"role": "user", "content": "Write a long story."}],
                           GenerationParams(max_new_tokens=12)):
        pieces.append(piece)
        if len(pieces) == 1:
            user2.start()
            assert go_on.wait(30)  # the second user gave up while this stream held the model
    user2.join(30)
    assert seen["place"] == 1 and seen["waiting"] == 1 and seen["turn"] is False
    stats = seen["stats"]
    assert isinstance(stats, StreamStats)
    assert seen["pieces"] == [] and stats.stopped and stats.n_tokens == 0 and stats.first_token_s is None
    assert len(pieces) > 1 and lm.waiting == 0  # the first stream went on; nobody is left queued


def test_places_move_up_in_arrival_order(lm: LlamaCppModel) -> None:
    with lm.queue.ticket() as first:
        assert first.place == 0 and first.wait(0)
        with lm.queue.ticket() as second, lm.queue.ticket() as third:
            assert (second.place, third.place, lm.waiting) == (1, 2, 2)
            second.leave()  # cancelled
            assert (second.place, third.place) == (-1, 1)
            assert not third.wait(0.05)
        # the ticket held by this thread is used by a stream started in its block (no second place)
        text = lm.generate([{"role": "user", "content": "Say OK."}], GenerationParams(max_new_tokens=3))
        assert text and first.place == 0
    assert first.place == -1 and lm.waiting == 0


def test_saved_system_prompt_state_is_read_by_a_new_process(tmp_path: Path) -> None:
    """A second model (as in a fresh process) reads the saved state instead of evaluating it, and
    its greedy text is the same as the first model's and as a model without any cache."""
    path, _ = gguf_file("smollm2-135m")
    msgs = report_messages(BODY)
    p = GenerationParams(max_new_tokens=32)
    first = load_llamacpp(str(path), state_dir=tmp_path)
    try:
        first.warm(msgs)
        assert (first.states_loaded, first.states_evaluated) == (0, 1)
        files = list(tmp_path.glob("*.kv"))
        assert len(files) == 1 and files[0].stat().st_size > 10_000
        text_first = first.generate(msgs, p)
    finally:
        first.close()
    second = load_llamacpp(str(path), state_dir=tmp_path)
    plain = load_llamacpp(str(path), prefix_cache=False)
    try:
        second.warm(msgs)
        assert (second.states_loaded, second.states_evaluated) == (1, 0)
        n_system = len(second._system_tokens(msgs, second.prompt_tokens(msgs)[0]))
        text_second = second.generate(msgs, p)
        assert second.last_prefix_hit >= n_system > 30  # the system prompt came from the file
        assert second.states_evaluated == 0
        assert text_second == text_first == plain.generate(msgs, p)
        # another system prompt has its own file
        second.warm(education_messages("", "zh", 6))
        assert second.states_evaluated == 1 and len(list(tmp_path.glob("*.kv"))) == 2
    finally:
        second.close()
        plain.close()


def test_a_damaged_saved_state_is_evaluated_again(tmp_path: Path) -> None:
    path, _ = gguf_file("smollm2-135m")
    msgs = report_messages(BODY)
    p = GenerationParams(max_new_tokens=24)
    lm1 = load_llamacpp(str(path), state_dir=tmp_path)
    lm1.warm(msgs)
    good = lm1.generate(msgs, p)
    lm1.close()
    (kv,) = tmp_path.glob("*.kv")
    data = bytearray(kv.read_bytes())
    data[-100] ^= 0xFF  # one flipped byte in the KV data: the checksum no longer matches
    kv.write_bytes(bytes(data))
    lm2 = load_llamacpp(str(path), state_dir=tmp_path)
    try:
        lm2.warm(msgs)
        assert (lm2.states_loaded, lm2.states_evaluated) == (0, 1)  # evaluated, and saved again
        assert lm2.generate(msgs, p) == good
    finally:
        lm2.close()
    lm3 = load_llamacpp(str(path), state_dir=tmp_path)
    try:
        lm3.warm(msgs)
        assert (lm3.states_loaded, lm3.states_evaluated) == (1, 0)  # the rewritten file is intact
    finally:
        lm3.close()


def test_an_unwritable_state_folder_only_keeps_states_in_memory(tmp_path: Path) -> None:
    path, _ = gguf_file("smollm2-135m")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")
    lm2 = load_llamacpp(str(path), state_dir=blocker / "states")
    try:
        msgs = report_messages(BODY)
        lm2.warm(msgs)
        assert lm2.states_evaluated == 1
        assert lm2.generate(msgs, GenerationParams(max_new_tokens=4))
        assert lm2.last_prefix_hit > 30
    finally:
        lm2.close()
