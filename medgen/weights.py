"""Shipped model files: the weights folder, JSON model cards and sha256-checked safetensors.

The one place every shipped model (the CT denoisers, the VAE input guard, the SMILES VAE) reads
its card and weights from, and writes them to. A card names its weights file and that file's
sha256; a file that does not match is refused (:class:`~medgen.errors.ModelIntegrityError`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medgen.config import get_settings
from medgen.errors import ModelError, ModelIntegrityError

if TYPE_CHECKING:  # torch is imported only where weights are read or written
    import torch


def weights_dir() -> Path:
    """The configured weights folder (``MEDGEN_WEIGHTS_DIR``, default ``weights/``)."""
    return get_settings().weights_dir


def card_path(model_id: str, root: Path | None = None) -> Path:
    return (root or weights_dir()) / f"{model_id}.json"


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_card(
    model_id: str,
    root: Path | None = None,
    *,
    required: Iterable[str] = (),
    task: str | None = None,
    label: str = "Model",
) -> dict[str, Any]:
    """Read a model card; ModelError with an actionable message if the name, file or content is bad.

    ``required`` keys must be present and, with ``task``, the card's ``task`` must equal it.
    """
    if not model_id or "/" in model_id or "\\" in model_id or model_id.startswith("."):
        raise ModelError(f"'{model_id}' is not a valid model name.")
    path = card_path(model_id, root)
    if not path.is_file():
        raise ModelError(
            f"{label} '{model_id}' is not installed (no model card {path.name} in the weights folder)."
        )
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelError(f"The model card of '{model_id}' is not valid JSON ({exc.msg}).") from exc
    if not isinstance(card, dict):
        raise ModelError(f"The model card of '{model_id}' is not a JSON object.")
    missing = [k for k in required if k not in card]
    if missing:
        raise ModelError(f"The model card of '{model_id}' lacks {', '.join(missing)}.")
    if task is not None and card.get("task") != task:
        raise ModelError(f"'{model_id}' is not a {task} model (its card says {card.get('task')!r}).")
    return card


def load_verified(
    card: Mapping[str, Any], root: Path | None = None
) -> dict[str, torch.Tensor]:
    """The state dict of a card's weights file, after checking the file's sha256 against the card."""
    model_id = str(card.get("model_id", "?"))
    wpath = (root or weights_dir()) / str(card["weights_file"])
    if not wpath.is_file():
        raise ModelError(
            f"The weights of '{model_id}' ({wpath.name}) are missing from the weights folder."
        )
    digest = sha256_file(wpath)
    if digest != card["sha256"]:
        raise ModelIntegrityError(
            f"The weights of '{model_id}' do not match their model card (sha256 {digest[:12]}... "
            f"instead of {str(card['sha256'])[:12]}...). The file may be corrupt or replaced; "
            "reinstall it."
        )
    from safetensors.torch import load_file

    return load_file(str(wpath))


def write_weights(
    state: Mapping[str, torch.Tensor], model_id: str, root: Path | None = None
) -> dict[str, Any]:
    """Save ``state`` as ``<model_id>.safetensors``; the card fields that describe the file."""
    from safetensors.torch import save_file

    base = root or weights_dir()
    base.mkdir(parents=True, exist_ok=True)
    wfile = f"{model_id}.safetensors"
    save_file(
        {k: v.contiguous() for k, v in state.items()}, str(base / wfile),
        metadata={"model_id": model_id},
    )
    return {
        "weights_file": wfile,
        "sha256": sha256_file(base / wfile),
        "size_bytes": (base / wfile).stat().st_size,
    }


def export_model(
    state: Mapping[str, torch.Tensor],
    model_id: str,
    card: Mapping[str, Any],
    card_fields: Mapping[str, Any],
    *,
    keep: Iterable[str] = (),
    root: Path | None = None,
) -> dict[str, Any]:
    """Write ``state`` as ``<model_id>.safetensors`` and its card; return the card written.

    The card is the previous card (if any), updated with the descriptive ``card_fields``, then with
    ``card`` (what the export itself knows) and the weights file's name, sha256 and size. The keys
    in ``keep`` (e.g. benchmark results) stay as the previous card had them.
    """
    base = root or weights_dir()
    path = card_path(model_id, base)
    previous = json.loads(path.read_text()) if path.is_file() else {}
    merged = {**previous, **card_fields, **card, **write_weights(state, model_id, base)}
    for key in keep:
        if key in previous:
            merged[key] = previous[key]
    path.write_text(json.dumps(merged, indent=2) + "\n")
    return merged
