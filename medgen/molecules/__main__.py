"""CLI for scripts: ``python -m medgen.molecules sample --n N --out FILE.smi [--seed S] [--temperature T]``.

Writes N valid canonical SMILES, one per line (duplicates kept unless ``--unique``), decoded from
the shipped SMILES VAE (``--model`` to pick another card in weights/).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from medgen.errors import MedgenError, SampleLimitError
from medgen.molecules.chem import canonical_smiles
from medgen.molecules.generator import DEFAULT_MODEL_ID, TEMPERATURE_RANGE, load_generator

log = logging.getLogger(__name__)

#: Most molecules one CLI call writes.
MAX_CLI_N = 1_000_000
#: Give up after this many decoded strings per requested molecule.
MAX_TRIES_PER_MOLECULE = 20


def sample_to_file(n: int, out: Path, seed: int = 0, temperature: float | None = None,
                   unique: bool = False, model_id: str = DEFAULT_MODEL_ID) -> int:
    """Write ``n`` valid canonical SMILES to ``out``; returns the number of strings decoded
    (``temperature`` None: the model card's default)."""
    if not 1 <= n <= MAX_CLI_N:
        raise SampleLimitError(f"--n must be between 1 and {MAX_CLI_N}; got {n}.")
    lo, hi = TEMPERATURE_RANGE
    if temperature is not None and not lo <= temperature <= hi:
        raise SampleLimitError(f"--temperature must be between {lo:g} and {hi:g}; got {temperature:g}.")
    gen = load_generator(model_id)
    if temperature is None:
        temperature = gen.default_temperature
    kept: list[str] = []
    seen: set[str] = set()
    decoded, round_ = 0, 0
    while len(kept) < n:
        if decoded >= MAX_TRIES_PER_MOLECULE * n:
            raise MedgenError(
                f"Only {len(kept)} of {n} valid molecules after {decoded} tries; lower the "
                "temperature or drop --unique."
            )
        want = max(100, int(1.2 * (n - len(kept))))
        for s in gen.sample_smiles(want, temperature, seed=seed + 1_000_003 * round_):
            c = canonical_smiles(s) if s else None
            if c is None or (unique and c in seen):
                continue
            seen.add(c)
            kept.append(c)
            if len(kept) == n:
                break
        decoded += want
        round_ += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(kept) + "\n")
    return decoded


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m medgen.molecules",
                                 description="Generate molecules with the SMILES VAE.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("sample", help="write N valid SMILES, one per line")
    sp.add_argument("--n", type=int, required=True)
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--temperature", type=float, default=None,
                    help="sampling temperature (default: the model card's, 0.85 for smiles-vae-v3)")
    sp.add_argument("--unique", action="store_true", help="no repeated molecules")
    sp.add_argument("--model", default=DEFAULT_MODEL_ID)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        decoded = sample_to_file(args.n, args.out, args.seed, args.temperature, args.unique,
                                 args.model)
    except MedgenError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return 2
    log.info("wrote %d molecules to %s (%d decoded)", args.n, args.out, decoded)
    return 0


if __name__ == "__main__":
    sys.exit(main())
