"""The converted-model cache of the transformers runtime.

transformers dequantizes a GGUF file on load (about a minute for 1.5B), so the first load saves
a bf16 safetensors copy under ``Settings.cache_dir / "lm" / "<name>-<key>"`` with a
``medgen.json`` stamp (cache format, name, GGUF sha256); later loads take seconds. Deleting the
folder is always safe: it is rebuilt from the GGUF file (or the model packages).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from medgen.errors import ModelError
from medgen.text.llm.registry import ModelSource, gguf_file

log = logging.getLogger(__name__)

CACHE_FORMAT = 1


def cache_dir_for(src: ModelSource, cache_root: Path) -> Path:
    """The cache folder of a GGUF model (keyed by its pinned sha256, else by its path)."""
    key = src.sha256[:12] if src.sha256 else hashlib.sha256(
        str(src.gguf or src.hf_dir).encode()
    ).hexdigest()[:12]
    return cache_root / "lm" / f"{src.name}-{key}"


def cached_sha256(folder: Path) -> str:
    """The GGUF sha256 stamped on a complete cache folder of this format, else ""."""
    meta_path = folder / "medgen.json"
    if not meta_path.is_file():
        return ""
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("format") == CACHE_FORMAT:
            return str(meta["sha256"])
    except (ValueError, KeyError):
        pass
    return ""


def folder_digest(folder: Path) -> str:
    """A cheap identity of an HF folder: its JSON files and the names and sizes of its weights."""
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.json")):
        h.update(p.read_bytes())
    for p in sorted(folder.glob("*.safetensors")):
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    return h.hexdigest()


def convert_gguf(src: ModelSource, target: Path) -> str:
    """Dequantize a GGUF file with transformers, save a bf16 safetensors copy; its sha256."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf, sha, assembled = gguf_file(src, target.parent)
    log.info("converting %s (%s) to a bf16 safetensors cache at %s", src.name, gguf, target)
    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model: Any = AutoModelForCausalLM.from_pretrained(
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
        json.dumps({"format": CACHE_FORMAT, "name": src.name, "sha256": sha, "gguf": gguf.name})
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.replace(target)
    if assembled:
        gguf.unlink(missing_ok=True)  # 1 GB; re-creatable from the packages
    return sha


def hf_folder(src: ModelSource, cache_root: Path) -> tuple[Path, str]:
    """An HF folder transformers can load for ``src`` and the weights' sha256.

    A GGUF model is converted into the cache on the first call (a cache miss).
    """
    if src.hf_dir is not None:
        return src.hf_dir, folder_digest(src.hf_dir)
    folder = cache_dir_for(src, cache_root)
    sha = cached_sha256(folder)
    if not sha:
        sha = convert_gguf(src, folder)
    return folder, sha
