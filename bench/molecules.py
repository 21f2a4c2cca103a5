"""MOSES benchmark of the shipped SMILES VAE: ``python -m bench.molecules [--n 30000]``.

Samples ``--n`` strings from the prior (z ~ N(0, I), temperature ``--temperature``, seed ``--seed``)
and computes the MOSES metrics with medgen.molecules.metrics (our code + RDKit + fcd-torch):
validity, unique@1k, unique@10k, novelty (vs the MOSES train split), IntDiv1, filters,
FCD/Test and FCD/TestSF. Reference FCD statistics are computed on a seeded random subset of
``--ref-n`` molecules of each test split (MOSES itself uses the full splits' statistics, which it
ships only as a pickle; see metrics.fcd_reference_stats). Speed: wall time to sample 1,000
molecules and score them (validity, canonical SMILES, all RDKit properties), median of
``--speed-repeats`` runs, on this machine's CPU with ``--threads`` torch threads.

Writes bench/results/molecules_<model>.json and .md (``--out`` to change), prints the markdown table, and with
``--update-card`` copies the result into the model card (weights/<model>.json).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from medgen.molecules import metrics as M
from medgen.molecules.chem import mol_from_smiles
from medgen.molecules.data import DATA_DIR, load_split
from medgen.molecules.generator import DEFAULT_MODEL_ID, load_generator, weights_dir
from medgen.molecules.grammar import MASKS, make_mask

log = logging.getLogger("bench.molecules")
RESULTS = Path(__file__).resolve().parent / "results"

#: Published MOSES baselines (Polykovskiy et al. 2020, Table 2; molsets README).
BASELINES = {
    "CharRNN": {"valid": 0.975, "unique@10k": 0.999, "novelty": 0.842, "FCD/Test": 0.073},
    "VAE": {"valid": 0.977, "unique@10k": 0.998, "novelty": 0.695, "FCD/Test": 0.099},
}
#: Targets for a CPU-trained model (issue 15): (metric, comparison, threshold).
TARGETS = [
    ("valid", ">=", 0.95),
    ("unique@10k", ">=", 0.99),
    ("novelty", ">=", 0.80),
    ("FCD/Test", "<=", 1.0),
    ("sample_and_score_1000_s", "<=", 5.0),
]


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(args.threads)
    gen = load_generator(args.model, device="cpu")
    if args.mask != "card":  # ablation: decode with another mask than the card's
        gen.grammar = make_mask(args.mask, gen.vocab, max_tokens=gen.model.cfg.max_len - 1)
        gen.mask_kind, gen.length_budget = args.mask, args.mask == "valence"
    if args.no_budget:
        gen.grammar = make_mask(gen.mask_kind, gen.vocab, max_tokens=None)
        gen.length_budget = False
    timings: dict[str, float] = {}

    if args.temperature is None:
        args.temperature = gen.default_temperature
    # Speed first (before the big arrays fill the caches). Wall time is what a user waits; the
    # process CPU time is what the work costs, without the waits for other jobs on a shared CPU.
    speed, speed_cpu = [], []
    for r in range(args.speed_repeats):
        c0 = time.process_time()
        mset, dt = timed(gen.sample, 1000, temperature=args.temperature, seed=10_000 + r)
        speed.append(dt)
        speed_cpu.append(time.process_time() - c0)
        log.info("1000 sampled + scored in %.2f s wall, %.2f s CPU (%d valid, %d distinct)", dt,
                 speed_cpu[-1], mset.n_valid, len(mset.molecules))

    # Speed breakdown: decoding alone, for the same 1000.
    _, decode_1000 = timed(gen.sample_smiles, 1000, args.temperature, 10_000)
    timings["decode_1000_s"] = decode_1000

    # Reconstruction: greedy decode of the posterior mean of held-out test molecules.
    test_probe = load_split("test", Path(args.data))[-args.recon_n :]
    z = torch.stack([gen.encode(s) for s in test_probe])
    rec = gen.decode_latents(z, temperature=0.0)
    recon_exact = sum(M.canonical_valid([r]) == M.canonical_valid([s]) for r, s in zip(rec, test_probe,
                                                                          strict=True))

    raw, timings["sample_s"] = timed(gen.sample_smiles, args.n, args.temperature, args.seed)
    log.info("sampled %d strings in %.1f s", len(raw), timings["sample_s"])
    metrics: dict[str, float] = {}
    metrics["valid"] = M.fraction_valid(raw)
    canon = M.canonical_valid(raw)
    metrics["unique@1k"] = M.fraction_unique(canon, 1000)
    metrics["unique@10k"] = M.fraction_unique(canon, 10000)

    train, timings["load_train_s"] = timed(load_split, "train", Path(args.data))
    train_set = set(train)
    # MOSES compares against the stored train strings (RDKit-canonical in 2020); measure how many
    # of them this RDKit would write differently, on a seeded sample.
    rng = np.random.default_rng(0)
    probe = [train[i] for i in rng.choice(len(train), size=5000, replace=False)]
    changed = sum(M.canonical_valid([s])[0] != s for s in probe) / len(probe)
    metrics["novelty"], timings["novelty_s"] = timed(M.novelty, canon, train_set)
    del train, train_set

    mols = [mol_from_smiles(s) for s in canon]
    metrics["IntDiv1"], timings["intdiv_s"] = timed(M.internal_diversity, mols)
    filters = M.MosesFilters.from_data_dir(Path(args.data))
    metrics["filters"], timings["filters_s"] = timed(M.fraction_passes_filters, mols, filters)

    gen_stats, timings["fcd_gen_stats_s"] = timed(M.fcd_stats, canon)
    ref_n = {}
    for split, key in (("test", "FCD/Test"), ("test_scaffolds", "FCD/TestSF")):
        (ref, n), timings[f"fcd_ref_{split}_s"] = timed(
            M.fcd_reference_stats, split, args.ref_n, 0, Path(args.data),
            Path(args.fcd_cache) if args.fcd_cache else None)
        metrics[key] = M.fcd(gen_stats, ref)
        ref_n[split] = n
    metrics["sample_and_score_1000_s"] = float(np.median(speed))
    metrics["sample_and_score_1000_cpu_s"] = float(np.median(speed_cpu))
    metrics["reconstruction"] = recon_exact / len(test_probe)

    targets = []
    for name, op, thr in TARGETS:
        v = metrics[name]
        met = v >= thr if op == ">=" else v <= thr
        targets.append({"metric": name, "target": f"{op} {thr:g}", "value": v, "met": bool(met)})
    return {
        "command": "python -m bench.molecules " + " ".join(args.argv),
        "model_id": args.model,
        "n_samples": args.n,
        "temperature": args.temperature,
        "mask": gen.mask_kind,
        "length_budget": gen.length_budget,
        "seed": args.seed,
        "n_valid": len(canon),
        "reference": {
            "test_set": "MOSES test split (molsets 0.3.1)",
            "fcd_reference_molecules": ref_n,
            "novelty_train_molecules": "MOSES train split, 1,584,663 stored SMILES (compared as stored, as MOSES does)",
            "train_smiles_recanonicalised_differently_fraction": changed,
            "filters": filters.source,
            "reconstruction": f"greedy decode of the posterior mean == input, last {len(test_probe)} "
                              "molecules of the MOSES test split",
        },
        "metrics": metrics,
        "baselines": BASELINES,
        "targets": targets,
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "speed_runs_s": [round(s, 2) for s in speed],
        "speed_runs_cpu_s": [round(s, 2) for s in speed_cpu],
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": args.threads,
            "load_average_1min_at_start": args.load_at_start,
            "load_average_1min_at_end": round(os.getloadavg()[0], 1),
            "note": "shared 2-core machine; other jobs were running",
        },
        "versions": {"torch": torch.__version__, "rdkit": __import__("rdkit").__version__,
                     "fcd_torch": "1.0.7"},
    }


def markdown(res: dict[str, Any]) -> str:
    m = res["metrics"]
    cols = ["valid", "unique@1k", "unique@10k", "novelty", "IntDiv1", "filters", "FCD/Test",
            "FCD/TestSF"]
    lines = [
        "| model | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
        f"| **{res['model_id']}** (ours, {res['n_samples']:,} samples, T={res['temperature']:g}, "
        f"mask {res.get('mask', 'card')}) | "
        + " | ".join(f"{m[c]:.3f}" for c in cols) + " |",
    ]
    for name, b in res["baselines"].items():
        lines.append(f"| MOSES {name} (published) | "
                     + " | ".join(f"{b[c]:.3f}" if c in b else "" for c in cols) + " |")
    lines += ["", f"Reconstruction ({res['reference']['reconstruction']}): "
              f"{m['reconstruction']:.3f}.", "",
              "| target | value | met |", "|---|---:|:---:|"]
    for t in res["targets"]:
        lines.append(f"| {t['metric']} {t['target']} | {t['value']:.3f} | "
                     f"{'met' if t['met'] else 'NOT met'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import sys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL_ID)
    ap.add_argument("--n", type=int, default=30_000)
    ap.add_argument("--temperature", type=float, default=None,
                    help="sampling temperature (default: the model card's sampling.temperature)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mask", choices=("card", *MASKS), default="card",
                    help="decoding mask (default: the card's sampling.mask)")
    ap.add_argument("--no-budget", action="store_true", help="valence mask without its length budget")
    ap.add_argument("--ref-n", type=int, default=10_000, help="reference molecules per test split for FCD")
    ap.add_argument("--speed-repeats", type=int, default=3)
    ap.add_argument("--recon-n", type=int, default=500, help="test molecules for reconstruction")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=str(DATA_DIR))
    ap.add_argument("--fcd-cache", default=None,
                    help="folder for the cached reference FCD statistics (default: --data)")
    ap.add_argument("--out", type=Path, default=None,
                    help="result JSON (default bench/results/molecules_<model>.json)")
    ap.add_argument("--update-card", action="store_true", help="write the result into the model card")
    args = ap.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    args.load_at_start = round(os.getloadavg()[0], 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.out is None:
        args.out = RESULTS / f"molecules_{args.model}.json"
    res = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    args.out.with_suffix(".md").write_text(md)
    if args.update_card:
        card_path = weights_dir() / f"{args.model}.json"
        card = json.loads(card_path.read_text())
        card["benchmark"] = {k: res[k] for k in ("command", "n_samples", "temperature", "mask",
                                                 "length_budget", "seed",
                                                 "reference", "metrics", "baselines", "targets",
                                                 "machine", "timings_s", "speed_runs_s",
                                                 "speed_runs_cpu_s")}
        card["benchmark"]["table_md"] = md
        card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(md)  # noqa: T201 - benchmark output
    return res


if __name__ == "__main__":
    main()
