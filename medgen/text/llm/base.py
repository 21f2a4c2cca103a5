"""What every language-model runtime offers: the :class:`LanguageModel` protocol and its values.

A runtime (transformers today, llama.cpp next) implements :class:`LanguageModel`; the rest of
the app (report and education builders, pages) sees only this protocol, so a second runtime
needs no change outside :mod:`medgen.text.llm`.
"""

from __future__ import annotations

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


@runtime_checkable
class LanguageModel(Protocol):
    """A loaded chat model. Implementations serialise generation (one stream at a time)."""

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
