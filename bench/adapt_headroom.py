"""Is the simulated site far enough from the base for +1 dB? ``python -m bench.adapt_headroom``.

Two diagnostics on the cached simulated site of :mod:`bench.adapt` (nothing here is a method):

1. **Noise-type gap**: the base on the site's paired test patient (lung1, site noise) vs the base
   on the *same* lung1 slices with the base's own training noise (default scanner) at several
   doses; comparing at equal input PSNR shows how much the base loses to the site's noise texture.
2. **Supervised ceiling** (``--oracle-steps N``): the base fine-tuned with plain L1 on the paired
   (site-noisy, full-dose) *training* slices of the adaptation patient (lung2; the same slices the
   CycleGAN sees unpaired, validation block excluded), scored on lung1. What a perfect synthetic
   pair generator could at most give in that many steps; not publishable, a diagnostic.

Writes bench/results/adapt_headroom.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch

from bench import adapt as ba
from medgen.enhance import adapt as ad
from medgen.enhance.metrics import psnr
from medgen.enhance.nets import Generator
from medgen.enhance.simulate import simulate_doses

log = logging.getLogger("bench.adapt_headroom")


def _mean_psnr(gen: Generator, pairs: list[tuple[np.ndarray, np.ndarray]]) -> float:
    dev = torch.device("cpu")
    return round(float(np.mean([psnr(f, ad.apply(gen, lo, dev)) for lo, f in pairs])), 3)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="ldct-gan-v2")
    ap.add_argument("--nrrd-dir", type=Path, default=ba.NRRD_DIR)
    ap.add_argument("--cache", type=Path, default=Path("data/adapt-bench"))
    ap.add_argument("--n-noisy", type=int, default=20)
    ap.add_argument("--n-clean", type=int, default=20)
    ap.add_argument("--n-test", type=int, default=6)
    ap.add_argument("--doses", default="0.1,0.05,0.03,0.02")
    ap.add_argument("--oracle-steps", type=int, default=300)
    ap.add_argument("--oracle-lr", type=float, default=2e-5)
    ap.add_argument("--out", type=Path, default=ba.RESULTS / "adapt_headroom.json")
    for key, val in ba.SITE.items():
        ap.add_argument(f"--site-{key.replace('_', '-')}", type=float, default=val)
    args = ap.parse_args(argv)
    for key in ba.SITE:
        ba.SITE[key] = getattr(args, f"site_{key}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    site = ba.build_site(args.nrrd_dir, args.cache, args.n_noisy, args.n_clean, args.n_test)
    _, base = ad.load_base(args.base)
    test = list(zip(site["test_low"], site["test_full"], strict=True))
    out: dict = {
        "command": "python -m bench.adapt_headroom "
        + " ".join(argv if argv is not None else __import__("sys").argv[1:]),
        "base": args.base,
        "site": ba.SITE,
        "site_test": {
            "input_psnr": round(float(np.mean([psnr(f, lo) for lo, f in test])), 3),
            "base_psnr": _mean_psnr(base, test),
        },
    }
    doses = tuple(float(d) for d in args.doses.split(","))
    px = float(site["test_px"])
    sims = [simulate_doses(f, px, doses, seed=5 + i) for i, f in enumerate(site["test_full"])]
    own = []
    for d in doses:
        pairs = [(s[d], f) for s, f in zip(sims, site["test_full"], strict=True)]
        own.append(
            {
                "dose": d,
                "input_psnr": round(float(np.mean([psnr(f, lo) for lo, f in pairs])), 3),
                "base_psnr": _mean_psnr(base, pairs),
            }
        )
    out["same_slices_base_training_noise"] = own
    # base output PSNR interpolated at the site's input PSNR
    xs = [r["input_psnr"] for r in own][::-1]
    ys = [r["base_psnr"] for r in own][::-1]
    at = float(np.interp(out["site_test"]["input_psnr"], xs, ys))
    out["base_psnr_own_noise_at_site_input_psnr"] = round(at, 3)
    out["noise_type_gap_db"] = round(at - out["site_test"]["base_psnr"], 3)
    log.info("%s", json.dumps(out))

    k = len(site["noisy"])
    n_val = max(1, int(round(0.2 * k)))
    # the adaptation's no-reference checks need uniform ROIs on its noisy validation slices
    from medgen.enhance import realnoise as rn

    out["validation_uniform_rois"] = sum(
        len(rn.find_regions(s, float(site["noisy_px"]), roi_size=ad.VAL_ROI_PX).rois)
        for s in site["noisy"][k - n_val :]
    )
    if args.oracle_steps > 0:
        train = [(site["noisy"][i], site["noisy_full"][i]) for i in range(k - n_val - 1)]
        val_pairs = list(
            zip(site["noisy"][k - n_val :], site["noisy_full"][k - n_val :], strict=True)
        )
        gen = Generator(**base.model_args)
        gen.load_state_dict(base.state_dict())
        opt = torch.optim.Adam(gen.parameters(), lr=args.oracle_lr)
        rng = np.random.default_rng(0)
        p = 64
        t = time.perf_counter()
        curve = []
        for step in range(1, args.oracle_steps + 1):
            xs_, ys_ = [], []
            for _ in range(4):
                lo, fu = train[int(rng.integers(len(train)))]
                r, c = (int(v) for v in rng.integers(0, lo.shape[0] - p + 1, 2))
                xs_.append(lo[r : r + p, c : c + p])
                ys_.append(fu[r : r + p, c : c + p])
            x = torch.from_numpy(np.stack(xs_)[:, None].copy())
            y = torch.from_numpy(np.stack(ys_)[:, None].copy())
            loss = (gen(x) - y).abs().mean() / 100.0
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 100 == 0 or step == args.oracle_steps:
                curve.append(
                    {
                        "step": step,
                        "val_psnr": _mean_psnr(gen, val_pairs),
                        "test_psnr": _mean_psnr(gen, test),
                    }
                )
                log.info("oracle %s", curve[-1])
        out["supervised_ceiling"] = {
            "what": "L1 fine-tune of the base on paired lung2 site slices (train block only)",
            "lr": args.oracle_lr,
            "batch": "4 x 64 px",
            "base_val_psnr": _mean_psnr(base, val_pairs),
            "curve": curve,
            "wall_s": round(time.perf_counter() - t, 1),
        }
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
