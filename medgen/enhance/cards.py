"""Model cards and shipped weights: ``weights/<model_id>.safetensors`` + ``weights/<model_id>.json``.

The card records what the model is for (modality, body regions), how it was made (architecture
args, data sources and licences, split, dose levels, training config and time) and how well it
does (held-out metrics written by bench/enhance.py), plus the sha256 of the weights file that the
loader checks.

CLI::

    python -m medgen.enhance.cards export --checkpoint runs/ldct-l1/best.pt --model-id ldct-l1-v1 \\
        --title "..." --data data/ldct
    python -m medgen.enhance.cards metrics --bench bench/results/enhance.json
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path
from typing import Any

import torch

from medgen.weights import (  # noqa: F401 - sha256_file re-exported for callers of cards
    card_path,
    export_model,
    load_verified,
    read_card,
    sha256_file,
    weights_dir,
)

log = logging.getLogger(__name__)

#: Keys every card must have (the loader refuses a card without them).
REQUIRED_KEYS = ("model_id", "architecture", "modality", "sha256", "weights_file")


def is_approved(card: dict[str, Any]) -> bool:
    """A card without ``approved`` is approved; a site-adapted model waits with ``approved: false``."""
    return card.get("approved", True) is not False


def list_models(root: Path | None = None, *, include_pending: bool = False) -> list[str]:
    """Model ids with a card and a weights file in ``root`` (default: Settings.weights_dir).

    Models waiting for an admin's approval (``approved: false``, :func:`is_approved`) are left
    out unless ``include_pending``: clinicians never see them in the Compare page's picker.
    """
    base = root or weights_dir()
    ids = []
    for p in sorted(base.glob("*.json")):
        try:
            card = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError):
            log.warning("unreadable model card %s", p)
            continue
        if (
            isinstance(card, dict)
            and card.get("task") == "ldct-denoising"
            and (base / str(card.get("weights_file"))).is_file()
            and (include_pending or is_approved(card))
        ):
            ids.append(p.stem)
    # The GAN first, newest version first (ids[0] is the default everywhere), then the rest.
    return sorted(ids, key=lambda m: (0 if "gan" in m else 1, -_version(m), m))


def _version(model_id: str) -> int:
    """The trailing ``-vN`` of a model id (``ldct-gan-v2`` -> 2; 0 without one)."""
    m = re.search(r"-v(\d+)$", model_id)
    return int(m.group(1)) if m else 0


def pending_models(root: Path | None = None) -> list[str]:
    """Model ids waiting for an admin's approval (site-adapted models, issue 12)."""
    approved = set(list_models(root))
    return [m for m in list_models(root, include_pending=True) if m not in approved]


def set_approved(model_id: str, root: Path | None = None) -> dict[str, Any]:
    """Mark a pending model approved (its card's ``approved`` becomes true); the updated card."""
    card = load_card(model_id, root)
    card["approved"] = True
    card_path(model_id, root).write_text(json.dumps(card, indent=2) + "\n")
    return card


def remove_model(model_id: str, root: Path | None = None) -> None:
    """Delete a model's weights file and card (a rejected site-adapted model)."""
    card = load_card(model_id, root)
    (card_path(model_id, root).parent / str(card["weights_file"])).unlink(missing_ok=True)
    card_path(model_id, root).unlink(missing_ok=True)


def load_card(model_id: str, root: Path | None = None) -> dict[str, Any]:
    """Read and validate a model card (ModelError with an actionable message if missing/broken)."""
    return read_card(model_id, root, required=REQUIRED_KEYS)


def load_state(
    model_id: str, root: Path | None = None
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Card + state dict of a shipped model, after checking the sha256 of the weights file."""
    card = load_card(model_id, root)
    return card, load_verified(card, root)


def export(
    checkpoint: Path,
    model_id: str,
    card_fields: dict[str, Any],
    root: Path | None = None,
) -> dict[str, Any]:
    """Write the generator of a training checkpoint as safetensors + card (sha256 filled in)."""
    base = root or weights_dir()
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    card: dict[str, Any] = {
        "model_id": model_id,
        "task": "ldct-denoising",
        "architecture": {"class": "medgen.enhance.nets.Generator", "args": ck["model_args"]},
        "training": {
            "config": ck.get("config"),
            "epochs_completed": int(ck.get("epoch", -1)) + 1,
            "training_time_s": round(float(ck.get("elapsed_s", 0.0)), 1),
            "validation_at_export": ck.get("val"),
        },
    }
    merged = export_model(ck["model"], model_id, card, card_fields, keep=("metrics",), root=base)
    log.info("exported %s (%s)", model_id, merged["sha256"][:12])
    return merged


def write_metrics(bench_json: Path, root: Path | None = None) -> list[str]:
    """Copy each model's held-out metrics from a benchmark result into its card."""
    base = root or weights_dir()
    bench = json.loads(Path(bench_json).read_text())
    updated = []
    for model_id in list_models(base):
        rows = [r for r in bench["rows"] if r.get("model_id") == model_id]
        if not rows:
            continue
        path = card_path(model_id, base)
        card = json.loads(path.read_text())
        card["metrics"] = {
            "source": f"bench/enhance.py ({bench['command']})",
            "window": bench["window"],
            "test_set": bench["test_set"],
            "baseline_rows": [r for r in bench["rows"] if r.get("model_id") is None],
            "rows": rows,
        }
        path.write_text(json.dumps(card, indent=2) + "\n")
        updated.append(model_id)
    return updated


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Export shipped weights and model cards.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("export")
    ex.add_argument("--checkpoint", type=Path, required=True)
    ex.add_argument("--model-id", required=True)
    ex.add_argument(
        "--fields", type=Path, required=True, help="JSON with the descriptive card fields"
    )
    me = sub.add_parser("metrics")
    me.add_argument("--bench", type=Path, default=Path("bench/results/enhance.json"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.cmd == "export":
        export(args.checkpoint, args.model_id, json.loads(args.fields.read_text()))
    else:
        log.info("updated %s", write_metrics(args.bench))


if __name__ == "__main__":
    main()
