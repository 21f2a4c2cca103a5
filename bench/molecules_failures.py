"""Why generated SMILES are invalid: ``python -m bench.molecules_failures --model ID``.

Samples ``--n`` prior strings (seed ``--seed``, the card's temperature unless ``--temperature``)
with the card's decoding mask, or ``--mask none|syntax|valence``, and sorts every string RDKit
rejects into one class:

- ``empty``: nothing decoded;
- ``syntax``: RDKit cannot even read it without sanitising (``MolFromSmiles(sanitize=False)`` is
  None): unbalanced branches, a ring bond never closed, a duplicated ring bond, a bond at the end;
- ``valence``: sanitising raises ``AtomValenceException`` (an atom with more bonds than allowed);
- ``kekulize``: ``KekulizeException`` / ``AtomKekulizeException`` (aromatic atoms that admit no
  alternating single/double bond assignment, or an aromatic atom outside a ring);
- ``other``: any other sanitisation error (the message is kept).

Writes bench/results/molecules_failures_<name>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from rdkit import Chem, RDLogger

from medgen.molecules.generator import MoleculeGenerator, load_generator

log = logging.getLogger("bench.molecules_failures")
RESULTS = Path(__file__).resolve().parent / "results"
CLASSES = ("valid", "empty", "syntax", "valence", "kekulize", "other")


def classify(smiles: str) -> tuple[str, str]:
    """Failure class of one string (``"valid"`` if RDKit parses and sanitises it) and detail."""
    if not smiles:
        return "empty", ""
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    if mol is None:
        return "syntax", ""
    try:
        Chem.SanitizeMol(mol)
    except Chem.AtomValenceException as exc:
        return "valence", str(exc)
    except (Chem.KekulizeException, Chem.AtomKekulizeException) as exc:
        return "kekulize", str(exc)
    except Exception as exc:  # noqa: BLE001 - RDKit raises several untyped sanitisation errors
        return "other", str(exc)
    return "valid", ""


def tally(raw: Sequence[str]) -> dict[str, Any]:
    """Counts and fractions per class, plus up to five examples of each failure class."""
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    try:
        labelled = [(s, *classify(s)) for s in raw]
    finally:
        RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]
    counts = Counter(c for _, c, _ in labelled)
    examples: dict[str, list[str]] = {}
    for s, c, detail in labelled:
        if c != "valid" and len(examples.setdefault(c, [])) < 5:
            examples[c].append(f"{s}  [{detail}]" if detail else s)
    n = len(raw)
    return {"n": n, "counts": {c: counts.get(c, 0) for c in CLASSES},
            "fractions": {c: counts.get(c, 0) / n for c in CLASSES}, "examples": examples}


def set_mask(gen: MoleculeGenerator, mask: str) -> None:
    """Replace the generator's decoding mask (``card`` keeps it)."""
    if mask == "card":
        return
    from medgen.molecules.grammar import make_mask

    gen.grammar = make_mask(mask, gen.vocab, max_tokens=gen.model.cfg.max_len - 1)
    gen.mask_kind, gen.length_budget = mask, mask == "valence"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="shipped model id")
    ap.add_argument("--checkpoint", type=Path, default=None, help="or a training checkpoint")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=float, default=None)
    ap.add_argument("--mask", choices=("card", "none", "syntax", "valence"), default="card")
    ap.add_argument("--no-budget", action="store_true", help="valence mask without its length budget")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(1)
    if args.checkpoint is not None:
        from bench.molecules_temperature import from_checkpoint

        gen = from_checkpoint(args.checkpoint)
        name = args.checkpoint.parent.name
    else:
        gen = load_generator(args.model or "smiles-vae-v2", device="cpu")
        name = gen.model_id
    set_mask(gen, args.mask)
    if args.no_budget:
        from medgen.molecules.grammar import make_mask

        gen.grammar = make_mask(gen.mask_kind, gen.vocab, max_tokens=None)
        gen.length_budget = False
    temperature = gen.default_temperature if args.temperature is None else args.temperature
    raw = gen.sample_smiles(args.n, temperature, args.seed)
    res = {"source": gen.model_id, "temperature": temperature, "seed": args.seed,
           "mask": gen.mask_kind, "length_budget": gen.length_budget,
           "command": "python -m bench.molecules_failures " + " ".join(argv or [])}
    res.update(tally(raw))
    out = args.out or RESULTS / f"molecules_failures_{name}_T{temperature:g}_{args.mask}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print("| class | count | fraction |\n|---|---:|---:|")  # noqa: T201
    for c in CLASSES:
        print(f"| {c} | {res['counts'][c]} | {res['fractions'][c]:.3f} |")  # noqa: T201
    for c, ex in res["examples"].items():
        print(c, *ex[:3], sep="\n  ")  # noqa: T201
    return res


if __name__ == "__main__":
    main()
