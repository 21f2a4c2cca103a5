"""GGUF-native language-model runtime on llama.cpp (llama-cpp-python), issue 11.

The registry's GGUF file is loaded as it is: no dequantisation and no conversion step. The split
qwen2.5-coder-1.5b file is concatenated once (sha256 checked) into ``Settings.cache_dir / "lm" /
"gguf"``; a marker beside it records size, mtime and sha256 so that later loads skip the hash.

:class:`LlamaCppModel` offers the same surface as the transformers-backed ``LanguageModel`` that
``medgen.text.report``, ``medgen.text.education`` and ``medgen.ui.text`` use: ``name``, ``version``,
``device``, ``load_s``, ``warm(messages)``, ``stream(messages, params, stop_event, stats)`` and
``generate(messages, params, stats)``, with the same :class:`GenerationParams` and
:class:`StreamStats`. Generation is serialised by a lock; ``waiting`` tells how many streams wait for
it. The KV state of each warmed request start (the system prompt and the static start of the user
turn, :meth:`LlamaCppModel.warm`) is kept per sequence (``llama_state_seq_*``, a few MB for a few
hundred tokens) and restored in front of a request that starts with it, so the first token only
waits for the request's own tokens, even when report and patient-text requests alternate.
:meth:`LlamaCppModel.prefill` evaluates a likely request while the model is idle (the Report page's
form, valid and unchanged), so that its first token comes at once.

With a ``state_dir`` (the app's loader passes ``Settings.cache_dir / "lm" / "prompt-state"``) each
system-prompt state is also saved to a file, keyed by the model's sha256, the llama.cpp build and
the exact tokens, and read back by a later process instead of being evaluated again: a fresh start
restores its system prompts in milliseconds rather than prefilling a few hundred tokens (seconds on
two CPU cores). The file's sha256 is checked; a missing, stale or unreadable file only means the
prompt is evaluated as before. ``python -m medgen.text.llm.llamacpp`` (``make lm-file``, part of
``make run``) writes them for the app's system prompts.

This module relies on a few attributes of ``llama_cpp.Llama`` that are not public (``_ctx``,
``_input_ids``, ``n_tokens``, ``input_ids``, ``_requires_eval``); they are checked by
tests/text/test_llamacpp.py against the pinned ``llama-cpp-python`` version.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from medgen.config import get_settings
from medgen.errors import GenerationError, ModelError, ModelIntegrityError
from medgen.text.llm.base import GenerationParams, RequestQueue, StreamStats
from medgen.text.llm.registry import QWEN_SHA256, ModelSource, resolve_source
from medgen.text.llm.registry import assemble_qwen as _assemble_qwen
from medgen.weights import sha256_file as _sha256

log = logging.getLogger(__name__)

#: Context window (prompt + generated tokens). The report prompt is about 300 tokens.
DEFAULT_N_CTX = 4096
#: Upper bound on the default thread count (decoding a small model does not scale further).
MAX_DEFAULT_THREADS = 8
#: Kept prompt prefixes per system prompt (the system prompt alone, its user-turn starts).
MAX_PREFIXES_PER_SYSTEM = 4
#: Tokens a speculative prefill evaluates between checks for a waiting request (about 0.1 s on
#: two cores): a request arriving meanwhile waits for one chunk at most.
PREFILL_CHUNK = 8
_MARKER_FORMAT = 1
#: First bytes of a saved system-prompt state file (format version 1), then the sha256 of the state.
_STATE_MAGIC = b"MGKV1\n"


def default_threads() -> int:
    """Threads for decoding and prompt evaluation: ``MEDGEN_LM_THREADS``, or the usable CPUs (<= 8).

    ``MEDGEN_LM_THREADS=0`` (the default) means "the runtime's default", as for torch: here the
    number of CPUs this process may run on, capped at :data:`MAX_DEFAULT_THREADS` (2 on this machine).
    """
    n = get_settings().lm_threads
    if n > 0:
        return n
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_THREADS))


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelError(
            "The GGUF runtime (llama-cpp-python) is not installed. Run `make setup` (it builds it once, "
            "about 6 minutes), or set MEDGEN_LM_BACKEND=transformers."
        ) from exc
    return llama_cpp


def _verified_assembly(cache_root: Path) -> tuple[Path, str]:
    """The assembled qwen GGUF file (built once from the package parts) and its sha256."""
    folder = cache_root / "lm" / "gguf"
    path = folder / f"qwen2.5-coder-1.5b-{QWEN_SHA256[:12]}.gguf"
    marker = path.with_name(path.name + ".json")
    if path.is_file() and marker.is_file():
        try:
            meta = json.loads(marker.read_text())
            st = path.stat()
            if (meta.get("format") == _MARKER_FORMAT and meta.get("sha256") == QWEN_SHA256
                    and meta.get("size") == st.st_size and meta.get("mtime_ns") == st.st_mtime_ns):
                return path, QWEN_SHA256
        except (ValueError, OSError):
            pass
    log.info("assembling the qwen2.5-coder-1.5b GGUF file from its package parts at %s", path)
    _assemble_qwen(path)  # checks the sha256 of the whole file
    st = path.stat()
    marker.write_text(json.dumps({"format": _MARKER_FORMAT, "sha256": QWEN_SHA256,
                                  "size": st.st_size, "mtime_ns": st.st_mtime_ns}))
    return path, QWEN_SHA256


def source_gguf(src: ModelSource, cache_root: Path) -> tuple[Path, str]:
    """The GGUF file of a resolved ``MEDGEN_LM`` and its sha256 (a pinned sha256 is checked).

    Raises :class:`ModelError` for a Hugging Face folder (this runtime reads GGUF files only) and
    ``ModelIntegrityError`` when a file does not match its pinned sha256.
    """
    if src.hf_dir is not None:
        raise ModelError(
            f"MEDGEN_LM points to the Hugging Face model folder {src.hf_dir}; the default llama.cpp "
            "runtime reads GGUF files only. Set MEDGEN_LM_BACKEND=transformers to use this folder, "
            "or set MEDGEN_LM to a .gguf file or a known model."
        )
    if src.is_split:
        return _verified_assembly(cache_root)
    assert src.gguf is not None
    sha = _sha256(src.gguf)
    if src.sha256 and sha != src.sha256:
        raise ModelIntegrityError(
            f"The model file {src.gguf} does not match its pinned sha256; reinstall its package."
        )
    return src.gguf, sha


def gguf_file(name: str, cache_root: Path | None = None) -> tuple[Path, str]:
    """The GGUF file of a registry name or a ``.gguf`` path, and its sha256.

    Raises :class:`ModelError` (missing package, unknown name, not a GGUF file, a Hugging Face
    folder) or ``ModelIntegrityError`` (the qwen parts do not match their pinned sha256).
    """
    return source_gguf(resolve_source(name), cache_root or get_settings().cache_dir)


@dataclass(frozen=True)
class _Prefix:
    tokens: tuple[int, ...]
    state: bytes  # llama_state_seq_get_data of sequence 0 after evaluating ``tokens``


_SYSTEM_INFO: list[str] = []


def _system_info() -> str:
    """llama.cpp's CPU feature line (part of a saved state's key: kernels change the numbers)."""
    if not _SYSTEM_INFO:
        raw = _llama_cpp().llama_print_system_info()
        _SYSTEM_INFO.append(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
    return _SYSTEM_INFO[0]


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


#: Models to close before the interpreter tears llama_cpp's module down: a model still open at
#: exit is freed by ``Llama.__del__`` after its C bindings are gone ("NoneType is not callable").
_OPEN: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _close_open_models() -> None:
    for llm in list(_OPEN):
        with contextlib.suppress(Exception):
            llm.close()


class LlamaCppModel:
    """A GGUF model served by llama.cpp; same public surface as ``medgen.text.llm.LanguageModel``.

    Parameters
    ----------
    name, version
        Registry name (or file stem) and ``name@sha256-prefix`` (stored as the output's model version).
    llm
        The ``llama_cpp.Llama`` instance.
    load_s
        Seconds the load took (file resolution included).
    prefix_cache
        Keep and restore the KV state of each system prompt (default on).
    state_dir
        Folder where system-prompt states are saved for later processes; None keeps them in
        memory only.
    """

    device = "cpu"

    def __init__(self, name: str, version: str, llm: Any, load_s: float = 0.0,
                 prefix_cache: bool = True, state_dir: Path | None = None) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = name
        self.version = version
        self.load_s = load_s
        self.prefix_cache = prefix_cache
        self.state_dir = state_dir
        self.llm = llm
        with contextlib.suppress(TypeError):  # a stand-in without weak references
            _OPEN.add(llm)
        #: Prompt tokens served from the KV cache in the last request (for tests and the benchmark).
        self.last_prefix_hit = 0
        #: System prompts read from ``state_dir`` / evaluated here (for tests and the benchmark).
        self.states_loaded = 0
        self.states_evaluated = 0
        #: Prompts evaluated in full ahead of their request (:meth:`prefill`).
        self.prefilled = 0
        #: First come, first served turns on the model (generation is serialised).
        self.queue = RequestQueue()
        #: Kept prompt prefixes (KV states) per system prompt.
        self._prefixes: dict[str, list[_Prefix]] = {}
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"The model file of '{name}' has no chat template; it cannot be used for chat.")
        eos = llm.token_eos()
        bos = llm.token_bos()
        eos_text = llm._model.token_get_text(eos) if eos != -1 else ""
        bos_text = llm._model.token_get_text(bos) if bos != -1 else ""
        self._chat = Jinja2ChatFormatter(template=template, eos_token=eos_text, bos_token=bos_text,
                                         stop_token_ids=[eos])
        self._chat_head = Jinja2ChatFormatter(template=template, eos_token=eos_text, bos_token=bos_text,
                                              add_generation_prompt=False, stop_token_ids=[eos])

    # ------------------------------------------------------------------ identity
    @property
    def model_id(self) -> str:
        return self.name

    @property
    def n_ctx(self) -> int:
        return int(self.llm.n_ctx())

    @property
    def waiting(self) -> int:
        """How many requests are queued behind the one that holds the model."""
        return self.queue.waiting

    # ------------------------------------------------------------------ prompts
    def prompt_tokens(self, messages: Sequence[dict[str, str]]) -> tuple[list[int], list[str]]:
        """The chat template applied to ``messages`` (with the assistant turn opened), tokenised."""
        res = self._chat(messages=cast(Any, [dict(m) for m in messages]))
        ids = self.llm.tokenize(res.prompt.encode("utf-8"), add_bos=not res.added_special, special=True)
        stop = res.stop if isinstance(res.stop, list) else [res.stop] if res.stop else []
        return ids, stop

    def _system_tokens(self, messages: Sequence[dict[str, str]], full: Sequence[int]) -> list[int]:
        """The tokens of ``full`` covered by the system message (at least one prompt token stays)."""
        if not messages or messages[0].get("role") != "system":
            return []
        res = self._chat_head(messages=cast(Any, [dict(messages[0])]))
        head = self.llm.tokenize(res.prompt.encode("utf-8"), add_bos=not res.added_special, special=True)
        n = min(_common_prefix(head, full), len(full) - 1)
        return list(full[:n]) if n >= 8 else []

    def static_tokens(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """The tokens every request shaped like ``messages`` starts with.

        ``messages`` ends with the static start of the request's last message (e.g. the system
        prompt and the fixed first line of the user turn): the prompt up to the end of that
        content, chat-template tokens included, without what closes the turn. Found as the common
        prefix of two renderings that differ only after that content, so it holds for any chat
        template; a request whose tokens differ at the seam only loses the last token or two of the
        saving (the cache is used only where the tokens match exactly).
        """
        if not messages:
            return []
        a, _ = self.prompt_tokens(messages)
        last = dict(messages[-1])
        last["content"] = last.get("content", "") + " x"
        b, _ = self.prompt_tokens([*messages[:-1], last])
        n = _common_prefix(a, b)
        return list(a[:n]) if n >= 8 else []

    # ------------------------------------------------------------------ KV prefix cache
    def _save_prefix(self, key: str, tokens: list[int]) -> _Prefix:
        """Evaluate ``tokens`` from an empty KV cache and keep their state (in memory and on disk)."""
        lc = _llama_cpp()
        llm = self.llm
        llm.reset()
        llm.eval(tokens)
        ctx = llm._ctx.ctx
        size = int(lc.llama_state_seq_get_size(ctx, 0))
        buf = (ctypes.c_uint8 * size)()
        n = int(lc.llama_state_seq_get_data(ctx, buf, size, 0))
        entry = _Prefix(tuple(tokens), bytes(buf)[:n])
        self._keep(key, entry)
        self.states_evaluated += 1
        log.debug("cached %d prompt-prefix tokens (%d bytes of KV state)", len(tokens), n)
        self._write_state(entry)
        return entry

    def _keep(self, key: str, entry: _Prefix) -> None:
        kept = [e for e in self._prefixes.get(key, []) if e.tokens != entry.tokens]
        self._prefixes[key] = [*kept, entry][-MAX_PREFIXES_PER_SYSTEM:]

    # ------------------------------------------------------------------ saved states (files)
    def _state_file(self, tokens: Sequence[int]) -> Path | None:
        """The file of the state of ``tokens`` for this model file and llama.cpp build."""
        if self.state_dir is None:
            return None
        lc = _llama_cpp()
        h = hashlib.sha256()
        h.update(f"{self.version}|{lc.__version__}|{_system_info()}|{self.n_ctx}|".encode())
        h.update(",".join(map(str, tokens)).encode())
        return self.state_dir / f"{self.name}-{h.hexdigest()[:24]}.kv"

    def _write_state(self, entry: _Prefix) -> None:
        path = self._state_file(entry.tokens)
        if path is None:
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(_STATE_MAGIC + hashlib.sha256(entry.state).digest() + entry.state)
            tmp.replace(path)
        except OSError as exc:  # a read-only cache: the state stays in memory only
            log.warning("could not save the system-prompt state to %s: %s", path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _read_state(self, tokens: Sequence[int]) -> _Prefix | None:
        """The saved state of ``tokens`` when its file exists and is intact, else None."""
        path = self._state_file(tokens)
        if path is None or not path.is_file():
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("could not read the saved system-prompt state %s: %s", path, exc)
            return None
        head = len(_STATE_MAGIC) + 32
        state = data[head:]
        if not data.startswith(_STATE_MAGIC) or hashlib.sha256(state).digest() != data[len(_STATE_MAGIC):head]:
            log.warning("the saved system-prompt state %s is damaged; evaluating the prompt again", path)
            return None
        self.states_loaded += 1
        return _Prefix(tuple(tokens), state)

    def _prefix_for(self, key: str, tokens: list[int]) -> _Prefix | None:
        """The kept state of exactly ``tokens`` (system prompt ``key``): memory, then file."""
        t = tuple(tokens)
        for entry in self._prefixes.get(key, []):
            if entry.tokens == t:
                return entry
        found = self._read_state(tokens)
        if found is not None:
            self._keep(key, found)
        return found

    def _longest_kept(self, key: str, prompt: Sequence[int]) -> tuple[_Prefix, int] | None:
        """The kept state sharing the longest start with ``prompt``, and how many tokens it covers.

        A state is usable up to its common prefix with the prompt (the KV cells after it are
        dropped), with at least one prompt token left to evaluate; None below 8 tokens.
        """
        best: tuple[_Prefix, int] | None = None
        for entry in self._prefixes.get(key, []):
            n = min(_common_prefix(entry.tokens, prompt), len(prompt) - 1)
            if n >= 8 and (best is None or n > best[1]):
                best = (entry, n)
        return best

    def _restore_prefix(self, messages: Sequence[dict[str, str]], prompt: list[int]) -> int | None:
        """Put the longest cached prefix of ``prompt`` in the KV cache of sequence 0.

        The cached prefixes are those warmed (:meth:`warm`: the system prompt and, for the app's
        prompts, the static start of the user turn) and, failing those, the system prompt alone
        (read from its file or evaluated now). Returns how many prompt tokens are served from a
        cache (0 when the system prompt was new and has just been evaluated), or None when no
        system prompt applies.
        """
        if not self.prefix_cache:
            return None
        if not messages or messages[0].get("role") != "system":
            return None
        key = messages[0]["content"]
        kept = self._longest_kept(key, prompt)
        if kept is None:
            sys_tokens = self._system_tokens(messages, prompt)
            if not sys_tokens:
                return None
            entry = self._prefix_for(key, sys_tokens)
            if entry is None:
                self._save_prefix(key, sys_tokens)
                return 0  # evaluated now; the KV cache holds exactly the system prompt
            kept = (entry, len(entry.tokens))
        entry, n = kept
        llm = self.llm
        current = _common_prefix(llm._input_ids.tolist(), prompt)
        if current >= n:
            return current  # the live KV cache covers it (the same start just before)
        lc = _llama_cpp()
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (ctypes.c_uint8 * len(entry.state)).from_buffer_copy(entry.state)
        if int(lc.llama_state_seq_set_data(llm._ctx.ctx, buf, len(entry.state), 0)) == 0:
            log.warning("could not restore a cached prompt prefix; evaluating it again")
            self._prefixes[key] = [e for e in self._prefixes.get(key, []) if e is not entry]
            llm.reset()
            self._save_prefix(key, list(entry.tokens))  # also replaces an unusable saved file
            return 0
        llm.input_ids[:n] = entry.tokens[:n]
        llm.n_tokens = n  # the next eval drops the state's cells after n (llama.cpp's Llama.eval)
        llm._requires_eval = True
        return n

    def warm(self, messages: Sequence[dict[str, str]]) -> None:
        """Keep the start of requests shaped like ``messages`` ready (:meth:`static_tokens`).

        ``messages`` is a system prompt, optionally followed by the static start of the user turn
        (``medgen.text.prompts.report_head``); a whole request works too (its own prefix is kept).
        The state is read from ``state_dir`` when saved there by an earlier process
        (milliseconds), else evaluated now (and saved).
        """
        if not self.prefix_cache or not messages or messages[0].get("role") != "system":
            return
        with self.queue.turn():
            tokens = self.static_tokens(messages)
            key = messages[0]["content"]
            if tokens and self._prefix_for(key, tokens) is None:
                self._save_prefix(key, tokens)

    def prefill(self, messages: Sequence[dict[str, str]], cancel: threading.Event | None = None) -> bool:
        """Evaluate the prompt of ``messages`` now, before it is requested (speculative prefill).

        A request with exactly these messages that comes next then samples its first token at
        once (llama.cpp's exact prompt-cache hit); any other request works as before (it restores
        its own cached prefix). Never waits for the model and never holds up a request: returns
        False at once when someone holds or waits for the model, and gives it up after the chunk
        in progress (:data:`PREFILL_CHUNK` tokens) as soon as a request waits or ``cancel`` is
        set; the tokens evaluated by then stay usable. Builds only on a kept prefix
        (:meth:`warm`): returns False when none applies. Returns True when the whole prompt is
        in the KV cache.
        """
        cancel = cancel or threading.Event()
        if not self.prefix_cache or not messages or messages[0].get("role") != "system":
            return False
        ticket = self.queue.join_if_idle()
        if ticket is None:
            return False
        llm = self.llm
        try:
            prompt, _ = self.prompt_tokens(messages)
            kept = self._longest_kept(messages[0]["content"], prompt)
            if len(prompt) >= self.n_ctx or kept is None or kept[1] < len(self._system_tokens(messages, prompt)):
                return False
            done = self._restore_prefix(messages, prompt) or 0
            if done >= len(prompt) and int(llm.n_tokens) == len(prompt) and not llm._requires_eval:
                return True  # prefilled already
            done = min(done, len(prompt) - 1)
            llm.n_tokens = done  # drop what follows the common prefix (eval clears its KV cells)
            while done < len(prompt):
                if cancel.is_set() or self.queue.waiting > 0:
                    return False
                chunk = prompt[done:done + PREFILL_CHUNK]
                llm.eval(chunk)
                done += len(chunk)
            self.prefilled += 1
            return True
        except Exception as exc:  # noqa: BLE001 - speculative: a failure only loses the head start
            log.warning("speculative prefill failed: %r", exc)
            llm.reset()
            return False
        finally:
            ticket.leave()

    # ------------------------------------------------------------------ generation
    def stream(
        self,
        messages: Sequence[dict[str, str]],
        params: GenerationParams | None = None,
        stop_event: threading.Event | None = None,
        stats: StreamStats | None = None,
    ) -> Iterator[str]:
        """Yield text pieces as they are generated; setting ``stop_event`` stops after the next token.

        Closing the generator (a Streamlit rerun interrupting ``st.write_stream``) stops too.
        Requests take turns through :attr:`queue`; setting ``stop_event`` while queued cancels the
        request without generating (``stats.stopped``). Greedy when ``params.temperature == 0`` (the default), else top-p 0.95 sampling.
        """
        params = params or GenerationParams()
        stop = stop_event or threading.Event()
        stats = stats if stats is not None else StreamStats()
        with self.queue.turn(stop) as ready:
            if not ready:  # cancelled while queued: nothing generated
                stats.stopped = True
                stats.total_s = time.perf_counter() - stats.started
                return
            stats.started = time.perf_counter()
            llm = self.llm
            try:
                prompt, stop_strings = self.prompt_tokens(messages)
            except Exception as exc:
                raise GenerationError(
                    f"The prompt could not be built with the model's chat template ({type(exc).__name__})."
                ) from exc
            stats.prompt_tokens = len(prompt)
            room = self.n_ctx - len(prompt)
            if room < 1:
                raise GenerationError(
                    f"The text is too long for the model ({len(prompt)} tokens, at most {self.n_ctx}); "
                    "shorten it, the template draft is kept."
                )
            sampling: dict[str, Any] = (
                {"temperature": params.temperature, "top_p": 0.95, "top_k": 0, "min_p": 0.0}
                if params.temperature > 0 else {"temperature": 0.0}
            )
            finish: str | None = None
            got_any = False
            it: Any = None
            completed = False
            try:
                hit = self._restore_prefix(messages, prompt)
                if hit is None:  # no system prompt: llama.cpp still reuses a common prefix of the last request
                    hit = _common_prefix(llm._input_ids.tolist(), prompt)
                exact = (hit >= len(prompt) and int(llm.n_tokens) == len(prompt)
                         and not llm._requires_eval)  # prefilled: llama.cpp samples at once
                self.last_prefix_hit = len(prompt) if exact else min(hit, len(prompt) - 1)
                stats.prompt_cached = self.last_prefix_hit
                it = llm.create_completion(
                    prompt=prompt, max_tokens=min(params.max_new_tokens, room), stream=True,
                    repeat_penalty=params.repetition_penalty, stop=stop_strings or None, **sampling,
                )
                for chunk in it:
                    choice = chunk["choices"][0]
                    finish = choice.get("finish_reason") or finish
                    piece = choice.get("text") or ""
                    if piece:
                        got_any = True
                        if stats.first_token_s is None:
                            stats.first_token_s = time.perf_counter() - stats.started
                        yield piece
                    if stop.is_set():
                        break
                completed = not stop.is_set()
            except GeneratorExit:
                stop.set()  # the consumer went away (a rerun, the Stop button): stop too
                raise
            except Exception as exc:
                log.error("generation failed: %r", exc)
                raise GenerationError(
                    f"Text generation failed ({type(exc).__name__}); the template draft is kept."
                ) from exc
            finally:
                if it is not None:
                    it.close()
                stats.total_s = time.perf_counter() - stats.started
                # generated tokens = those evaluated after the prompt, plus the last sampled one when
                # generation ended on it (length limit, Stop) rather than on end-of-text
                evaluated = max(int(llm.n_tokens) - len(prompt), 0)
                stats.n_tokens = evaluated + (1 if got_any and finish != "stop" else 0)
                stats.stopped = stats.stopped or stop.is_set() or not completed

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        params: GenerationParams | None = None,
        stats: StreamStats | None = None,
    ) -> str:
        return "".join(self.stream(messages, params, stats=stats))

    def close(self) -> None:
        """Free the model and its context now (otherwise on garbage collection)."""
        with self.queue.turn():
            self._prefixes.clear()
            close = getattr(self.llm, "close", None)
            if close is not None:
                close()


def state_dir_for(cache_root: Path) -> Path:
    """Where the app keeps saved system-prompt states: ``cache_root / "lm" / "prompt-state"``."""
    return cache_root / "lm" / "prompt-state"


def load_llamacpp(name: str | None = None, cache_root: Path | None = None, *,
                  n_threads: int | None = None, n_ctx: int = DEFAULT_N_CTX,
                  prefix_cache: bool = True, state_dir: Path | None = None) -> LlamaCppModel:
    """Load a registry model (or a ``.gguf`` path) into llama.cpp, offline.

    ``n_threads`` defaults to :func:`default_threads` (``MEDGEN_LM_THREADS``) for both decoding and
    prompt evaluation. ``state_dir`` (default None: memory only) keeps system-prompt states across
    processes (:func:`state_dir_for`). Raises :class:`ModelError` with what to do for a missing
    runtime, package or file.
    """
    name = name or get_settings().lm
    return load_source(resolve_source(name), cache_root or get_settings().cache_dir,
                       n_threads=n_threads, n_ctx=n_ctx, prefix_cache=prefix_cache, state_dir=state_dir)


def load_source(src: ModelSource, cache_root: Path, *, n_threads: int | None = None,
                n_ctx: int = DEFAULT_N_CTX, prefix_cache: bool = True,
                state_dir: Path | None = None) -> LlamaCppModel:
    """Load a resolved ``MEDGEN_LM`` (see :func:`load_llamacpp`); the model is named ``src.name``."""
    t0 = time.perf_counter()
    path, sha = source_gguf(src, cache_root)
    lc = _llama_cpp()
    threads = n_threads or default_threads()
    try:
        llm = lc.Llama(model_path=str(path), n_ctx=max(n_ctx, 512), n_threads=threads,
                       n_threads_batch=threads, n_batch=512, n_gpu_layers=0, verbose=False)
    except Exception as exc:  # llama.cpp raises ValueError for an unreadable file
        raise ModelError(
            f"The model file {path.name} could not be read as a GGUF language model "
            f"({type(exc).__name__}: {str(exc)[:200]}). It may be corrupt or unsupported."
        ) from exc
    took = time.perf_counter() - t0
    log.info("loaded %s with llama.cpp (%d threads, n_ctx %d) in %.1f s", src.name, threads, n_ctx, took)
    return LlamaCppModel(src.name, f"{src.name}@{sha[:12]}", llm, took, prefix_cache=prefix_cache,
                         state_dir=state_dir)


def prepare(name: str | None = None) -> Path | None:
    """Make the configured model's GGUF file ready (assemble and verify the split qwen file once).

    Run by ``make run`` (``make lm-file``) so that the first draft does not wait for it; returns the
    file, or None for a model the llama.cpp runtime does not read (a Hugging Face folder). Run as
    a module, it then also saves the app's system-prompt states
    (:func:`medgen.text.warmup.save_prompt_states`).
    """
    name = name or get_settings().lm
    try:
        path, _ = gguf_file(name)
    except ModelError as exc:
        log.warning("%s", exc)
        return None
    return path


if __name__ == "__main__":  # python -m medgen.text.llm.llamacpp (make lm-file, part of make run)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if prepare() is not None:  # the model's file, then the app's system-prompt states (saved once)
        from medgen.text.warmup import save_prompt_states

        try:
            save_prompt_states()
        except ModelError as exc:
            log.warning("system-prompt states not saved: %s", exc)
