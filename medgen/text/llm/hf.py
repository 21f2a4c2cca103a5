"""The transformers runtime (the reference :class:`~medgen.text.llm.base.LanguageModel`).

Loads the bf16 safetensors copy from :mod:`medgen.text.llm.cache`, streams generation from a
worker thread (``TextIteratorStreamer``), stops on an event or when the consumer goes away, and
reuses the KV cache of the fixed system prompt across requests (a faster first token).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medgen.errors import GenerationError, ModelError
from medgen.text.llm.base import GenerationParams, Messages, RequestQueue, StreamStats
from medgen.text.llm.cache import hf_folder
from medgen.text.llm.registry import ModelSource

log = logging.getLogger(__name__)


@dataclass
class TransformersLM:
    """A loaded causal LM with its tokenizer; generation is serialised by :attr:`queue`."""

    name: str
    # LM name + weights sha256 prefix, stored as generated_outputs.model_version.
    version: str
    device: str
    model: Any
    tokenizer: Any
    load_s: float = 0.0
    # Reuse the KV cache of the (fixed) system prompt across requests: faster first token.
    prefix_cache: bool = True
    # First come, first served turns on the model (generation is serialised).
    queue: RequestQueue = field(default_factory=RequestQueue, repr=False)
    _prefixes: dict[str, tuple[list[int], Any]] = field(default_factory=dict, repr=False)

    def _cached_prefix(self, messages: Messages, input_ids: Any) -> Any:
        """A copy of the KV cache for the system-prompt tokens that start ``input_ids``, or None."""
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

    @property
    def waiting(self) -> int:
        """Requests queued behind the one that holds the model."""
        return self.queue.waiting

    def warm(self, messages: Messages) -> None:
        """Precompute the system-prompt KV cache for requests shaped like ``messages``."""
        with self.queue.turn():
            self._cached_prefix(messages, self.prompt_ids(messages)["input_ids"])

    def prompt_ids(self, messages: Messages) -> Any:
        """The tokenised chat prompt (with the generation prompt), on the model's device."""
        enc = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return {k: v.to(self.device) for k, v in enc.items()}

    def stream(
        self,
        messages: Messages,
        params: GenerationParams | None = None,
        stop_event: threading.Event | None = None,
        stats: StreamStats | None = None,
    ) -> Iterator[str]:
        """Yield text pieces as they are generated. Setting ``stop_event`` stops generation.

        Closing the generator (a Streamlit rerun interrupting ``st.write_stream``) stops the
        generation thread too. Requests take turns through :attr:`queue`; setting ``stop_event``
        while queued cancels the request without generating.
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
                    stats.prompt_cached = int(prefix.get_seq_length())
                with torch.no_grad():
                    out = self.model.generate(**gen_kwargs)
                counted.append(int(out.shape[-1]) - stats.prompt_tokens)
            except BaseException as exc:  # surfaced to the consumer below
                errors.append(exc)
                streamer.end()

        with self.queue.turn(stop) as ready:
            if not ready:  # cancelled while queued: nothing generated
                stats.stopped = True
                stats.total_s = time.perf_counter() - stats.started
                return
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
        messages: Messages,
        params: GenerationParams | None = None,
        stats: StreamStats | None = None,
    ) -> str:
        """The whole text of :meth:`stream`."""
        return "".join(self.stream(messages, params, stats=stats))


def load_transformers(src: ModelSource, device: str, cache_root: Path, threads: int = 0,
                      name: str | None = None) -> TransformersLM:
    """Load ``src`` with transformers on ``device`` (converting a GGUF file on first use).

    ``threads`` > 0 sets torch's CPU threads (only on CPU); ``name`` (default ``src.name``) is
    the name the model is known by (the ``MEDGEN_LM`` value).
    """
    name = name or src.name
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    on_cpu = torch.device(device).type == "cpu"
    if threads > 0 and on_cpu:
        torch.set_num_threads(threads)
    folder, sha = hf_folder(src, cache_root)
    dtype = torch.bfloat16 if on_cpu else torch.float16
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype,
                                                          local_files_only=True)
    except Exception as exc:
        raise ModelError(
            f"The language model '{name}' could not be loaded from {folder} "
            f"({type(exc).__name__}). Delete that folder to rebuild it, or check MEDGEN_LM."
        ) from exc
    model.to(device)
    model.eval()
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    took = time.perf_counter() - t0
    return TransformersLM(name=name, version=f"{name}@{sha[:12]}", device=device,
                          model=model, tokenizer=tokenizer, load_s=took)
