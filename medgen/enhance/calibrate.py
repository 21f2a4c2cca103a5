"""Calibrate the Low / Medium / High strength presets of each shipped model on VALIDATION data.

For every validation patient of :data:`medgen.enhance.data.SPLIT` (never the real-noise test
series), simulated low-dose slices at the evaluation doses (:mod:`medgen.enhance.simulate`) are
enhanced at 100 % strength; uniform soft-tissue ROIs are found on the full-dose slice
(:func:`medgen.enhance.realnoise.find_uniform_rois`) and, for each blend fraction ``s`` on a grid,
the noise SD reduction ``1 - SD(blend) / SD(low dose)`` in those ROIs is averaged over slices and
doses. Each preset gets the ``s`` whose mean reduction is closest to its target (30 / 50 / 70 %),
written to the model card's ``strength_presets`` (the weights, and so their sha256, are untouched).

CLI::

    nice -n 10 python -m medgen.enhance.calibrate            # every model in weights/
    python -m medgen.enhance.calibrate --models ldct-gan-v1 --doses 0.25 0.1
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from medgen.enhance import realnoise
from medgen.enhance.cards import card_path, list_models, weights_dir
from medgen.enhance.data import EVAL_DOSES, hash_name, load_volumes
from medgen.enhance.infer import Enhancer
from medgen.enhance.simulate import simulate_doses
from medgen.enhance.strength import PRESET_TARGET_SD_REDUCTION, blend

log = logging.getLogger(__name__)

GRID = np.round(np.arange(0.0, 1.0001, 0.01), 2)


def validation_cases(doses: tuple[float, ...], seed: int = 0) -> list[dict]:
    """(full, low, pixel_mm, dose, name) of every validation slice at every dose."""
    cases = []
    for vol in load_volumes():
        if vol.info.split != "val":
            continue
        for i, full in enumerate(vol.hu):
            sims = simulate_doses(full, vol.pixel_mm, doses, seed=seed + i + hash_name(vol.info.name))
            for d in doses:
                cases.append(
                    {"name": vol.info.name, "full": full, "low": sims[d], "px": vol.pixel_mm, "dose": d}
                )
    if not cases:
        raise SystemExit("no validation CT found (pydicom test files); see make ldct-data")
    return cases


def calibrate_model(model_id: str, cases: list[dict], roi: int) -> dict:
    enh = Enhancer(model_id)
    curves = []
    per_case = []
    for c in cases:
        rois = realnoise.find_uniform_rois(c["full"], c["px"], size=roi)
        if not rois:
            log.warning("%s dose %.2f: no uniform ROI, skipped", c["name"], c["dose"])
            continue
        out = enh.run(c["low"], strength=100, allow_mismatch=True).pixels
        sd_in = realnoise.noise_stats(c["low"], rois, c["px"]).sd_hu
        red = np.array(
            [
                1.0 - realnoise.noise_stats(blend(c["low"], out, float(s)), rois, c["px"]).sd_hu / sd_in
                for s in GRID
            ]
        )
        curves.append(red)
        per_case.append(
            {"volume": c["name"], "dose": c["dose"], "n_rois": len(rois), "sd_low_dose_hu": round(sd_in, 1)}
        )
        log.info("%s %s dose %.2f: %d ROIs, SD %.1f HU, reduction at 100 %% %.2f",
                 model_id, c["name"], c["dose"], len(rois), sd_in, red[-1])
    mean = np.mean(curves, axis=0)
    fractions, measured = {}, {}
    for preset, target in PRESET_TARGET_SD_REDUCTION.items():
        k = int(np.argmin(np.abs(mean - target)))
        fractions[preset.value] = float(GRID[k])
        measured[preset.value] = round(float(mean[k]), 3)
    return {
        "fractions": fractions,
        "target_sd_reduction": {p.value: t for p, t in PRESET_TARGET_SD_REDUCTION.items()},
        "validation_sd_reduction": measured,
        "validation_sd_reduction_at_100": round(float(mean[-1]), 3),
        "cases": per_case,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Calibrate the strength presets on validation data.")
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--doses", type=float, nargs="*", default=list(EVAL_DOSES))
    ap.add_argument("--roi", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--weights", type=Path, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    import torch

    torch.set_num_threads(args.threads)
    base = args.weights or weights_dir()
    cases = validation_cases(tuple(args.doses))
    command = "python -m medgen.enhance.calibrate " + " ".join(argv if argv is not None else sys.argv[1:])
    for mid in args.models or list_models(base):
        res = calibrate_model(mid, cases, args.roi)
        path = card_path(mid, base)
        card = json.loads(path.read_text())
        previous = card.get("strength_presets", {})
        res = {
            **res,
            "blend": "out = input + s * (model(input) - input)",
            "calibration": (
                f"validation split of medgen.enhance.data.SPLIT ({', '.join(sorted({c['name'] for c in cases}))}), "
                f"simulated low dose {', '.join(f'{int(d * 100)} %' for d in args.doses)}; uniform "
                f"{args.roi} px soft-tissue ROIs found on the full-dose slice; s chosen on a 0.01 grid "
                "so that the mean noise SD reduction is closest to the target"
            ),
            "command": command.strip(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        }
        if "real_noise_test" in previous:
            res["real_noise_test"] = previous["real_noise_test"]
        card["strength_presets"] = res
        path.write_text(json.dumps(card, indent=2) + "\n")
        log.info("%s: presets %s (validation reduction %s)", mid, res["fractions"], res["validation_sd_reduction"])


if __name__ == "__main__":
    main()
