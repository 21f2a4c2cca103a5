"""Is the SMILES VAE's latent space meaningful? ``python -m bench.molecules_latent [--model ID]``.

The lab's "explore around a molecule" and "interpolate" modes only make sense when nearby latent
points decode to similar molecules. On held-out MOSES test molecules (a seeded random sample of
``--seeds`` from the test split, never trained on), this measures:

- reconstruction: greedy decode of the posterior mean gives the molecule back (canonical SMILES);
- neighbourhood: for each seed molecule, ``--per-seed`` decodes of z = mu + r * N(0, I) at each
  radius r (the lab's explore call, temperature ``--temperature``); mean Tanimoto similarity
  (Morgan radius 2, 2048 bits) of the valid decodes to the seed, next to the same similarity of
  prior samples (z ~ N(0, I)) to the same seed, the baseline a collapsed model cannot beat;
- interpolation: ``--pairs`` pairs of test molecules, ``--steps`` greedy decodes on the line
  between their means (the lab's interpolate call): validity, distinct molecules per path, and the
  mean similarity to the start molecule in the first and the last third of the path (a meaningful
  path moves from A towards B).

Writes bench/results/molecules_latent_<model>.json and prints a markdown table; with
``--update-card`` the result goes into the model card under ``latent``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from medgen.molecules.chem import canonical_smiles, tanimoto_to
from medgen.molecules.data import DATA_DIR, load_split
from medgen.molecules.generator import (
    DEFAULT_MODEL_ID,
    MoleculeGenerator,
    load_generator,
    weights_dir,
)

log = logging.getLogger("bench.molecules_latent")
RESULTS = Path(__file__).resolve().parent / "results"


def _mean(xs: list[float]) -> float:
    return float(np.mean(xs)) if xs else float("nan")


def _valid_canon(raw: list[str]) -> list[str]:
    return [c for c in (canonical_smiles(s) if s else None for s in raw) if c]


def run(gen: MoleculeGenerator, seeds: list[str], per_seed: int, radii: list[float],
        temperature: float, pairs: int, steps: int, seed: int) -> dict[str, Any]:
    """Reconstruction, neighbourhood and interpolation figures (see the module docstring)."""
    t0 = time.perf_counter()
    z = torch.stack([gen.encode(s) for s in seeds])
    rec = gen.decode_latents(z, temperature=0.0)
    recon = sum(canonical_smiles(r) == canonical_smiles(s) for r, s in zip(rec, seeds, strict=True) if r)

    g = torch.Generator().manual_seed(seed)
    prior_raw = gen.decode_latents(torch.randn(len(seeds) * per_seed, z.shape[1], generator=g),
                                   temperature, g)
    neighbourhood: dict[str, Any] = {}
    prior_sims: list[float] = []
    for i, s in enumerate(seeds):
        pv = _valid_canon(prior_raw[i * per_seed : (i + 1) * per_seed])
        prior_sims += tanimoto_to(s, pv) if pv else []
    for r in radii:
        sims: list[float] = []
        n_valid = n_same = 0
        for i, s in enumerate(seeds):
            zz = z[i].unsqueeze(0) + r * torch.randn(per_seed, z.shape[1], generator=g)
            valid = _valid_canon(gen.decode_latents(zz, temperature, g))
            n_valid += len(valid)
            n_same += sum(v == canonical_smiles(s) for v in valid)
            sims += tanimoto_to(s, valid) if valid else []
        neighbourhood[f"r={r:g}"] = {
            "mean_tanimoto_to_seed": _mean(sims),
            "valid": n_valid / (len(seeds) * per_seed),
            "identical_to_seed": n_same / max(1, n_valid),
        }
    pair_idx = np.random.default_rng(seed).choice(len(seeds), size=(pairs, 2), replace=True)
    first: list[float] = []
    last: list[float] = []
    last_b: list[float] = []
    distinct: list[int] = []
    n_valid = 0
    w = torch.linspace(0, 1, steps).unsqueeze(1)
    for a, b in pair_idx:
        path = gen.decode_latents((1 - w) * z[a] + w * z[b], temperature=0.0)
        canon = [canonical_smiles(p) if p else None for p in path]
        n_valid += sum(c is not None for c in canon)
        distinct.append(len({c for c in canon if c}))
        third = max(1, steps // 3)
        for part, out, ref in ((canon[:third], first, seeds[a]), (canon[-third:], last, seeds[a]),
                               (canon[-third:], last_b, seeds[b])):
            ok = [c for c in part if c]
            out += tanimoto_to(ref, ok) if ok else []
    interp = {"valid": n_valid / (pairs * steps), "distinct_per_path": _mean([float(d) for d in distinct]),
              "sim_to_start_first_third": _mean(first), "sim_to_start_last_third": _mean(last),
              "sim_to_end_last_third": _mean(last_b)}
    return {
        "seeds": len(seeds), "per_seed": per_seed, "temperature": temperature, "seed": seed,
        "reconstruction": recon / len(seeds),
        "prior_mean_tanimoto_to_seed": _mean(prior_sims),
        "neighbourhood": neighbourhood,
        "interpolation": {"pairs": pairs, "steps": steps, **interp},
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def markdown(model_id: str, res: dict[str, Any]) -> str:
    lines = [
        f"Latent space of **{model_id}** ({res['seeds']} held-out MOSES test molecules, seeded sample, "
        f"{res['per_seed']} decodes each, T={res['temperature']:g}):", "",
        "| measure | value |", "|---|---:|",
        f"| reconstruction (greedy decode of the mean == input) | {res['reconstruction']:.3f} |",
        f"| prior samples: mean Tanimoto to the seed | {res['prior_mean_tanimoto_to_seed']:.3f} |",
    ]
    for r, v in res["neighbourhood"].items():
        lines.append(f"| neighbourhood {r}: mean Tanimoto to the seed / valid / identical | "
                     f"{v['mean_tanimoto_to_seed']:.3f} / {v['valid']:.3f} / {v['identical_to_seed']:.3f} |")
    i = res["interpolation"]
    lines += [
        f"| interpolation ({i['pairs']} pairs x {i['steps']} steps): valid | {i['valid']:.3f} |",
        f"| interpolation: distinct molecules per path | {i['distinct_per_path']:.1f} |",
        f"| interpolation: Tanimoto to A, first / last third | {i['sim_to_start_first_third']:.3f} / "
        f"{i['sim_to_start_last_third']:.3f} |",
        f"| interpolation: Tanimoto to B, last third | {i['sim_to_end_last_third']:.3f} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL_ID)
    ap.add_argument("--seeds", type=int, default=200, help="held-out test molecules (seeded sample)")
    ap.add_argument("--per-seed", type=int, default=20)
    ap.add_argument("--radii", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    ap.add_argument("--temperature", type=float, default=None,
                    help="sampling temperature (default: the model card's default)")
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=str(DATA_DIR))
    ap.add_argument("--update-card", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(args.threads)
    gen = load_generator(args.model, device="cpu")
    temperature = gen.default_temperature if args.temperature is None else args.temperature
    test = load_split("test", Path(args.data))
    pick = np.random.default_rng(args.seed).choice(len(test), size=args.seeds, replace=False)
    seeds = [test[i] for i in pick]
    res = run(gen, seeds, args.per_seed, args.radii, temperature, args.pairs, args.steps, args.seed)
    res["command"] = "python -m bench.molecules_latent " + " ".join(argv if argv is not None else
                                                                   __import__("sys").argv[1:])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"molecules_latent_{args.model}.json").write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(args.model, res)
    (RESULTS / f"molecules_latent_{args.model}.md").write_text(md)
    if args.update_card:
        path = weights_dir() / f"{args.model}.json"
        card = json.loads(path.read_text())
        card["latent"] = {**res, "table_md": md}
        path.write_text(json.dumps(card, indent=2) + "\n")
    print(md)  # noqa: T201 - benchmark output
    return res


if __name__ == "__main__":
    main()
