"""Choosing and starting a runtime: :func:`load_model` is the one entry point.

Each runtime registers a loader in :data:`BACKENDS`; a loader takes the resolved
:class:`~medgen.text.llm.registry.ModelSource`, the torch device string, the cache root, the
CPU thread count and the display name, and returns a
:class:`~medgen.text.llm.base.LanguageModel`. Two runtimes are registered: ``llamacpp`` (the
default: the GGUF file as it is, :mod:`medgen.text.llm.llamacpp`; system-prompt states are
saved under ``cache_root / "lm" / "prompt-state"`` for later processes) and ``transformers`` (the
reference runtime, :mod:`medgen.text.llm.hf`; it dequantises a GGUF file to bf16 once and also
reads Hugging Face folders). ``MEDGEN_LM_BACKEND`` (``Settings.lm_backend``) chooses.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from medgen.config import LmBackend, get_settings
from medgen.device import select_device
from medgen.errors import ModelError
from medgen.text.llm.base import LanguageModel
from medgen.text.llm.registry import ModelSource, resolve_source

log = logging.getLogger(__name__)

#: Loader signature: (source, device, cache_root, threads, name) -> LanguageModel.
Loader = Callable[[ModelSource, str, Path, int, str], LanguageModel]

DEFAULT_BACKEND = LmBackend.LLAMACPP.value


def _load_transformers(src: ModelSource, device: str, cache_root: Path, threads: int,
                       name: str) -> LanguageModel:
    from medgen.text.llm.hf import load_transformers

    return load_transformers(src, device, cache_root, threads, name)


def _load_llamacpp(src: ModelSource, device: str, cache_root: Path, threads: int,
                   name: str) -> LanguageModel:
    from medgen.text.llm.llamacpp import load_source, state_dir_for

    if device != "cpu":
        log.info("the llama.cpp runtime runs on the CPU (device setting %s not used)", device)
    return load_source(src, cache_root, n_threads=threads or None, state_dir=state_dir_for(cache_root))


#: Runtime name -> loader. The runtime's heavy imports happen inside its loader.
BACKENDS: dict[str, Loader] = {
    LmBackend.LLAMACPP.value: _load_llamacpp,
    LmBackend.TRANSFORMERS.value: _load_transformers,
}


def load_model(name: str | None = None, device: str | None = None,
               cache_root: Path | None = None, backend: str | None = None) -> LanguageModel:
    """Load a language model offline with the configured runtime.

    Parameters
    ----------
    name
        A registry name or a path (default: ``Settings.lm``, i.e. ``MEDGEN_LM``).
    device
        A device setting for :func:`medgen.device.select_device` (default ``Settings.device``).
    cache_root
        Folder for derived files (default ``Settings.cache_dir``).
    backend
        A key of :data:`BACKENDS` (default ``Settings.lm_backend``, i.e. ``MEDGEN_LM_BACKEND``,
        itself ``"llamacpp"`` by default).

    Raises
    ------
    ModelError
        The model is missing, corrupt or cannot be loaded, the device is unavailable, the
        backend is unknown, or the runtime cannot read this kind of model (a Hugging Face folder
        with llama.cpp); the message says what to do.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = get_settings()
    name = name or settings.lm
    backend = str(backend or settings.lm_backend or DEFAULT_BACKEND)
    loader = BACKENDS.get(backend)
    if loader is None:
        raise ModelError(
            f"The language-model runtime '{backend}' is not available; use one of "
            f"{', '.join(sorted(BACKENDS))} (MEDGEN_LM_BACKEND)."
        )
    dev = str(select_device(device or settings.device))
    src = resolve_source(name)
    lm = loader(src, dev, cache_root or settings.cache_dir, settings.lm_threads, name)
    log.info("loaded language model %s with %s on %s in %.1f s", name, backend, dev, lm.load_s)
    return lm
