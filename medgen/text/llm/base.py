"""What every language-model runtime offers: the :class:`LanguageModel` protocol and its values.

A runtime (transformers today, llama.cpp next) implements :class:`LanguageModel`; the rest of
the app (report and education builders, pages) sees only this protocol, so a second runtime
needs no change outside :mod:`medgen.text.llm`.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

#: Chat messages: ``[{"role": "system" | "user" | "assistant", "content": "..."}]``.
Messages = Sequence[dict[str, str]]


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
    # Prompt tokens served from a KV-cache prefix (not evaluated for this request); 0 if unknown.
    prompt_cached: int = 0


class Ticket:
    """A place in a :class:`RequestQueue`; made by :meth:`RequestQueue.ticket`."""

    def __init__(self, queue: RequestQueue, number: int) -> None:
        self.queue = queue
        self.number = number

    @property
    def place(self) -> int:
        """Requests ahead of this one: 0 when it is this one's turn, -1 once it has left."""
        return self.queue.place(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for this ticket's turn; True when it has come."""
        return self.queue.wait(self, timeout)

    def leave(self) -> None:
        """Leave the queue (cancel the wait, or hand the model on after generating)."""
        self.queue.leave(self)

    def __repr__(self) -> str:
        return f"Ticket({self.number}, place={self.place})"


class RequestQueue:
    """First come, first served turns on one model: generation is serialised through it.

    Every request takes a :class:`Ticket`; the ticket at the head of the line holds the model.
    A caller that wants to show its place before generating (a page: "N requests ahead of you")
    takes its ticket with ``with queue.ticket() as t:`` and polls ``t.place`` / ``t.wait(...)``;
    a stream started inside that block by the same thread runs on that ticket instead of
    queueing again. Leaving the line (the ``with`` block ending, e.g. a Streamlit rerun after a
    Stop click) cancels a wait without generating.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: list[Ticket] = []
        self._numbers = itertools.count(1)
        self._local = threading.local()

    @property
    def waiting(self) -> int:
        """Requests queued behind the one that holds the model."""
        with self._cond:
            return max(len(self._line) - 1, 0)

    @property
    def idle(self) -> bool:
        """Nobody holds the model and nobody waits for it."""
        with self._cond:
            return not self._line

    def join(self) -> Ticket:
        """A new ticket at the end of the line (call :meth:`leave` when done)."""
        with self._cond:
            t = Ticket(self, next(self._numbers))
            self._line.append(t)
            return t

    def join_if_idle(self) -> Ticket | None:
        """A ticket that holds the model now, when nobody holds or waits for it; else None.

        Never waits: for work that must not delay a request (a speculative prefill). Call
        :meth:`leave` when done.
        """
        with self._cond:
            if self._line:
                return None
            t = Ticket(self, next(self._numbers))
            self._line.append(t)
            return t

    def place(self, ticket: Ticket) -> int:
        with self._cond:
            return self._line.index(ticket) if ticket in self._line else -1

    def wait(self, ticket: Ticket, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._line) and self._line[0] is ticket, timeout)

    def leave(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket in self._line:
                self._line.remove(ticket)
                self._cond.notify_all()

    @contextlib.contextmanager
    def ticket(self) -> Iterator[Ticket]:
        """Take a ticket for this thread; streams started in the block use it. Leaves on exit."""
        t = self.join()
        outer = getattr(self._local, "ticket", None)
        self._local.ticket = t
        try:
            yield t
        finally:
            self._local.ticket = outer
            self.leave(t)

    @contextlib.contextmanager
    def turn(self, stop_event: threading.Event | None = None, poll_s: float = 0.05) -> Iterator[bool]:
        """Hold the model for the block: yields True once it is this request's turn.

        Runs on the thread's ticket from :meth:`ticket` when there is one, else on a new ticket
        (left at the end). Yields False without waiting further when ``stop_event`` is set while
        queued (the request was cancelled before it generated anything).
        """
        held: Ticket | None = getattr(self._local, "ticket", None)
        own = held is None or self.place(held) < 0
        t = self.join() if own else held
        assert t is not None
        try:
            while not t.wait(poll_s if stop_event is not None else None):
                if stop_event is not None and stop_event.is_set():
                    break
            else:
                yield True
                return
            yield False
        finally:
            if own:
                self.leave(t)


@runtime_checkable
class LanguageModel(Protocol):
    """A loaded chat model. Implementations serialise generation (one stream at a time).

    Runtimes serialise through a :class:`RequestQueue` exposed as ``queue`` (not part of this
    protocol, so a plain model still fits; :func:`medgen.ui.text.model_turn` checks for it).
    """

    #: Registry name or file/folder name of the model.
    name: str
    #: Name + weights sha256 prefix, stored as ``generated_outputs.model_version``.
    version: str
    #: The torch device string it runs on ("cpu", "cuda", ...), stored with each output.
    device: str
    #: Seconds the load took.
    load_s: float

    def stream(self, messages: Messages, params: GenerationParams | None = None,
               stop_event: threading.Event | None = None,
               stats: StreamStats | None = None) -> Iterator[str]:
        """Yield text pieces as they are generated.

        Setting ``stop_event`` stops generation; closing the generator (a Streamlit rerun
        interrupting ``st.write_stream``) stops it too and sets ``stop_event``. ``stats`` is
        filled as the stream runs. A failure raises :class:`~medgen.errors.GenerationError`.
        """
        ...

    def generate(self, messages: Messages, params: GenerationParams | None = None,
                 stats: StreamStats | None = None) -> str:
        """The whole text of :meth:`stream`."""
        ...

    def warm(self, messages: Messages) -> None:
        """Prepare for requests shaped like ``messages`` (e.g. cache the system prompt)."""
        ...
