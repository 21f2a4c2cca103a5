"""Getting a freshly loaded language model ready: which system prompts to warm, and when.

A fresh process must not make the first report wait for prompts it does not need yet. So:

- :func:`warm_first` warms only the report's system prompt, before the model is handed out;
- :class:`BackgroundWarm` warms the patient-text prompts (English, Chinese) afterwards, one at a
  time and only once the model has been idle for a moment, so that it rarely delays a request.

With the llama.cpp runtime a warm-up reads a saved state when an earlier process (or ``make run``)
saved one (milliseconds), else evaluates the system prompt (about a second per prompt on two CPU
cores). The app (:mod:`medgen.ui.text`), ``make run`` (:func:`save_prompt_states`) and the runtime
benchmark (``bench/text_runtimes.py``) all use these functions.
"""

from __future__ import annotations

import logging
import threading
import time

from medgen.errors import MedgenError, ModelError
from medgen.text.llm import LanguageModel, Messages, RequestQueue, load_model
from medgen.text.prompts import education_head, report_head

log = logging.getLogger(__name__)

#: Seconds without any request before a background warm-up takes the model.
IDLE_S = 1.0


def first_messages() -> Messages:
    """The request start warmed before the model is handed out (the report's, up to ``FINDINGS:``)."""
    return report_head()


def later_messages() -> list[Messages]:
    """Request starts warmed in the background (patient text in English and Chinese, grade 6)."""
    return [education_head(lang, 6) for lang in ("en", "zh")]


def warm_first(lm: LanguageModel) -> None:
    """Warm the report's system prompt (before the first draft)."""
    lm.warm(first_messages())


def warm_all(lm: LanguageModel) -> None:
    """Warm every system prompt of the app now, in order (``make run``, tests)."""
    for messages in [first_messages(), *later_messages()]:
        lm.warm(messages)


class BackgroundWarm:
    """Warm :func:`later_messages` on a daemon thread whenever the model is idle.

    Each prompt waits until nobody has held or waited for the model for ``idle_s`` seconds; a
    request arriving during a warm-up waits for that one prompt only. :meth:`stop` ends it early
    (before the next prompt). A failure is logged and ends the warm-up (requests still work: they
    evaluate their system prompt themselves).
    """

    def __init__(self, lm: LanguageModel, idle_s: float = IDLE_S,
                 messages: list[Messages] | None = None) -> None:
        self.lm = lm
        self.idle_s = idle_s
        self.messages = later_messages() if messages is None else messages
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medgen-lm-warm", daemon=True)

    def start(self) -> BackgroundWarm:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Warm no further prompt; wait up to ``timeout`` s for the one in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _wait_idle(self) -> bool:
        queue = getattr(self.lm, "queue", None)
        if not isinstance(queue, RequestQueue):
            return not self._stop.is_set()
        since: float | None = None
        while not self._stop.is_set():
            now = time.monotonic()
            if queue.idle:
                since = now if since is None else since
                if now - since >= self.idle_s:
                    return True
            else:
                since = None
            self._stop.wait(0.05)
        return False

    def _run(self) -> None:
        for messages in self.messages:
            if not self._wait_idle():
                return
            try:
                self.lm.warm(messages)
            except Exception as exc:  # noqa: BLE001 - a warm-up must never take the app down
                log.warning("background warm-up of a system prompt failed: %r", exc)
                return
            self.done += 1


class Prefill:
    """Evaluate one request's prompt on a daemon thread, ahead of the request (speculative).

    For a model with ``prefill(messages, cancel)`` (llama.cpp): once the model is idle, its
    ``prefill`` evaluates the prompt in small chunks and gives the model up as soon as a request
    waits (it never holds a request up for more than one chunk). :func:`prefill_later` keeps one
    per model: a new prompt cancels the previous one. Gives up after ``patience_s`` seconds
    without an idle model.
    """

    def __init__(self, lm: LanguageModel, messages: Messages, idle_s: float = 0.2,
                 patience_s: float = 30.0) -> None:
        self.lm, self.messages = lm, [dict(m) for m in messages]
        self.idle_s, self.patience_s = idle_s, patience_s
        self.cancel = threading.Event()
        self.done = threading.Event()
        self.ok = False
        self._thread = threading.Thread(target=self._run, name="medgen-lm-prefill", daemon=True)

    def start(self) -> Prefill:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            queue = getattr(self.lm, "queue", None)
            deadline = time.monotonic() + self.patience_s
            since: float | None = None
            while not self.cancel.is_set() and time.monotonic() < deadline:
                if not isinstance(queue, RequestQueue) or queue.idle:
                    since = time.monotonic() if since is None else since
                    if time.monotonic() - since >= self.idle_s:
                        self.ok = bool(self.lm.prefill(self.messages, self.cancel))  # type: ignore[attr-defined]
                        if self.ok or self.cancel.is_set():
                            return
                        since = None  # a request came first: try again once the model is idle
                else:
                    since = None
                self.cancel.wait(0.05)
        except Exception as exc:  # noqa: BLE001 - speculative: a failure only loses the head start
            log.warning("speculative prefill failed: %r", exc)
        finally:
            self.done.set()


_prefills: dict[int, Prefill] = {}
_prefills_lock = threading.Lock()


def prefill_later(lm: LanguageModel, messages: Messages) -> Prefill | None:
    """Start evaluating ``messages``' prompt in the background, unless it already is (or was).

    The last prompt asked for per model wins: a different one cancels the previous prefill. A
    model without ``prefill`` (transformers) is left alone: returns None.
    """
    if not callable(getattr(lm, "prefill", None)):
        return None
    with _prefills_lock:
        current = _prefills.get(id(lm))
        if current is not None and current.lm is lm and current.messages == [dict(m) for m in messages]:
            return current
        if current is not None:
            current.cancel.set()
        job = Prefill(lm, messages)
        _prefills[id(lm)] = job
    return job.start()


class ModelLoading:
    """One process-wide load of the language model, on a background thread.

    Started by :func:`medgen.ui.text.start_loading` when a page that drafts text opens, so that a click on
    "Draft" rarely waits for the load. The thread loads the model, warms the report's system prompt
    (:func:`warm_first`), hands the model out, then warms the patient-text
    prompts while the model is idle (:class:`BackgroundWarm`).
    """

    def __init__(self, name: str, device: str, backend: str) -> None:
        self.name, self.device, self.backend = name, device, backend
        self.lm: LanguageModel | None = None
        self.error: MedgenError | None = None
        self.background: BackgroundWarm | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medgen-lm-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            lm = load_model(self.name, self.device, backend=self.backend)
            warm_first(lm)  # the report's system prompt: a fast first token on the first draft
            self.lm = lm
            self.background = BackgroundWarm(lm).start()
        except MedgenError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - shown to the user as a ModelError, never a traceback
            log.exception("loading the language model failed")
            self.error = ModelError(
                f"The language model could not be loaded ({type(exc).__name__}). Ask an "
                "administrator to check the model file (`make lm-file` prepares it)."
            )
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` s for the load to end (loaded or failed); True when it has."""
        return self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> LanguageModel:
        """The loaded model (waits up to ``timeout`` s); raises the load's :class:`MedgenError`."""
        if not self._done.wait(timeout):
            raise ModelError("The language model is still loading; try again in a moment.")
        if self.error is not None:
            raise self.error
        assert self.lm is not None
        return self.lm


def save_prompt_states(name: str | None = None) -> int:
    """Load the configured model with saved states on and warm every app prompt (``make run``).

    Returns how many system prompts had to be evaluated (0 when all were saved already). Only the
    llama.cpp runtime saves states; other runtimes are skipped (0).
    """
    from medgen.config import LmBackend, get_settings
    from medgen.text.llm.llamacpp import load_llamacpp, state_dir_for

    settings = get_settings()
    if str(settings.lm_backend) != LmBackend.LLAMACPP.value:
        return 0
    lm = load_llamacpp(name, state_dir=state_dir_for(settings.cache_dir))
    try:
        warm_all(lm)
        log.info("system-prompt states: %d read, %d evaluated and saved in %s",
                 lm.states_loaded, lm.states_evaluated, lm.state_dir)
        return lm.states_evaluated
    finally:
        lm.close()
