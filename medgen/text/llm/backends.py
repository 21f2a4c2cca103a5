"""Choosing and starting a runtime: :func:`load_model` is the one entry point.

Each runtime registers a loader in :data:`BACKENDS`; a loader takes the resolved
:class:`~medgen.text.llm.registry.ModelSource`, the torch device string, the cache root, the
CPU thread count and the display name, and returns a
:class:`~medgen.text.llm.base.LanguageModel`. A second runtime (llama.cpp) is one more entry,
chosen by the ``backend`` argument (a setting can pass it through).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from medgen.config import get_settings
from medgen.device import select_device
from medgen.errors import ModelError
from medgen.text.llm.base import LanguageModel
from medgen.text.llm.registry import ModelSource, resolve_source

log = logging.getLogger(__name__)

#: Loader signature: (source, device, cache_root, threads, name) -> LanguageModel.
Loader = Callable[[ModelSource, str, Path, int, str], LanguageModel]

DEFAULT_BACKEND = "transformers"


def _load_transformers(src: ModelSource, device: str, cache_root: Path, threads: int,
                       name: str) -> LanguageModel:
    from medgen.text.llm.hf import load_transformers

    return load_transformers(src, device, cache_root, threads, name)


#: Runtime name -> loader. The runtime's heavy imports happen inside its loader.
BACKENDS: dict[str, Loader] = {"transformers": _load_transformers}


def load_model(name: str | None = None, device: str | None = None,
               cache_root: Path | None = None, backend: str | None = None) -> LanguageModel:
    """Load a language model offline (a GGUF model is converted and cached on first use).

    Parameters
    ----------
    name
        A registry name or a path (default: ``Settings.lm``, i.e. ``MEDGEN_LM``).
    device
        A device setting for :func:`medgen.device.select_device` (default ``Settings.device``).
    cache_root
        Folder for derived files (default ``Settings.cache_dir``).
    backend
        A key of :data:`BACKENDS` (default ``"transformers"``).

    Raises
    ------
    ModelError
        The model is missing, corrupt or cannot be loaded, the device is unavailable, or the
        backend is unknown; the message says what to do.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = get_settings()
    name = name or settings.lm
    backend = backend or DEFAULT_BACKEND
    loader = BACKENDS.get(backend)
    if loader is None:
        raise ModelError(
            f"The language-model runtime '{backend}' is not available; use one of "
            f"{', '.join(sorted(BACKENDS))}."
        )
    dev = str(select_device(device or settings.device))
    src = resolve_source(name)
    lm = loader(src, dev, cache_root or settings.cache_dir, settings.lm_threads, name)
    log.info("loaded language model %s with %s on %s in %.1f s", name, backend, dev, lm.load_s)
    return lm
