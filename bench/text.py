"""Text benchmark: LM speed per model on this CPU, and guard quality on the fixture set.

    .venv/bin/python -m bench.text                      # guard + both models
    .venv/bin/python -m bench.text --models smollm2-135m
    .venv/bin/python -m bench.text --guard-only
    .venv/bin/python -m bench.text --backends llamacpp transformers   # default: MEDGEN_LM_BACKEND

Writes bench/results/text.json and bench/results/text.md. Each model is measured in a fresh
subprocess per model and runtime (cold load = first load in a new process: llama.cpp reads the
GGUF file, transformers its safetensors cache, import included; warm load = a second load in the same process), with peak RSS from
getrusage. The draft is the template report of a fixed chest CT with one nodule, reworded with
greedy decoding and max_new_tokens=512.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
log = logging.getLogger("bench.text")


def guard_quality(held_out: bool = False) -> dict[str, object]:
    from bench.text_guard_cases import CASES, HELD_OUT, SOURCES
    from medgen.text.guard import SourceFacts, check

    if held_out:
        CASES = HELD_OUT  # noqa: N806

    t0 = time.perf_counter()
    for _ in range(3):  # guard speed: source extraction + every check, per case
        for src, _, text in CASES:
            check(SOURCES[src], text)
    ms_per_case = (time.perf_counter() - t0) * 1000 / (3 * len(CASES))
    facts = {k: SourceFacts.of(v) for k, v in SOURCES.items()}
    planted = [c for c in CASES if c[1] != "clean"]
    clean = [c for c in CASES if c[1] == "clean"]
    by_kind: dict[str, list[int]] = {}
    misses, false_flags = [], []
    for src, kind, text in planted:
        hit = bool(check(facts[src], text))
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += hit
        by_kind[kind][1] += 1
        if not hit:
            misses.append(text)
    for src, _, text in clean:
        flags = check(facts[src], text)
        if flags:
            false_flags.append({"text": text, "flags": [f.to_dict() for f in flags]})
    return {
        "cases": len(CASES),
        "planted": len(planted),
        "clean": len(clean),
        "recall": sum(v[0] for v in by_kind.values()) / len(planted),
        "false_flag_rate": len(false_flags) / len(clean),
        "recall_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_kind.items())},
        "ms_per_case": round(ms_per_case, 1),
        "misses": misses,
        "false_flags": false_flags,
    }


def _bench_findings():  # type: ignore[no-untyped-def]
    from medgen.text.findings import Finding, Findings

    return Findings(
        indication="Chronic cough.", high_risk=False, fleischner_eligible=True,
        findings=(Finding(location="upper lobe", laterality="right", size=7, descriptor="solid"),),
        negatives=("No pleural effusion", "No pneumothorax", "No mediastinal lymphadenopathy"),
    )


def model_run(name: str, max_new_tokens: int, backend: str | None = None) -> dict[str, object]:
    """Runs inside a fresh process: load twice, stream one draft, report the numbers."""
    t0 = time.perf_counter()
    from medgen.text.llm import GenerationParams, StreamStats, load_model
    from medgen.text.prompts import report_head
    from medgen.text.report import finish_report, rewrite_stream, template_report

    lm = load_model(name, backend=backend)
    cold = time.perf_counter() - t0
    t1 = time.perf_counter()
    lm2 = load_model(name, backend=backend)
    warm = time.perf_counter() - t1
    del lm2
    f = _bench_findings()
    template = template_report(f)
    params = GenerationParams(max_new_tokens=max_new_tokens)
    # warm-up as the app does on load (system-prompt KV cache, first-call overheads), then
    # the measured draft
    lm.warm(report_head())
    lm.generate([{"role": "user", "content": "Say OK."}], GenerationParams(max_new_tokens=4))
    stats = StreamStats()
    t2 = time.perf_counter()
    text = "".join(rewrite_stream(template, lm, params, stats=stats))
    total = time.perf_counter() - t2
    draft = finish_report(f, template, text, lm, stats, params)
    gen_s = max((stats.total_s or total) - (stats.first_token_s or 0.0), 1e-9)
    return {
        "model": name,
        "backend": backend or "",
        "version": lm.version,
        "device": lm.device,
        "cold_load_s": round(cold, 2),
        "warm_load_s": round(warm, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "prompt_tokens": stats.prompt_tokens,
        "new_tokens": stats.n_tokens,
        "first_token_s": round(stats.first_token_s or float("nan"), 2),
        "tokens_per_s": round(max(stats.n_tokens - 1, 0) / gen_s, 2),
        "draft_s": round(total, 2),
        "guard_flags": len(draft.flags),
        "flag_kinds": sorted({fl.kind for fl in draft.flags}),
        "text": draft.text,
    }


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", nargs="*", default=["smollm2-135m", "qwen2.5-coder-1.5b"])
    ap.add_argument("--guard-only", action="store_true")
    ap.add_argument("--backends", nargs="*", default=None,
                    help="runtimes to measure (default: MEDGEN_LM_BACKEND, i.e. llamacpp)")
    ap.add_argument("--max-new-tokens", type=int, default=512)
    ap.add_argument("--tag", default="", help="suffix for the result files (e.g. threads1)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--backend", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.child:
        print(json.dumps(model_run(args.child, args.max_new_tokens, args.backend)))
        return 0

    out: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.text " + " ".join(argv if argv is not None else sys.argv[1:]),
        "MEDGEN_LM_THREADS": os.environ.get("MEDGEN_LM_THREADS", "0 (runtime default)"),
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.python_version()}",
        "torch_threads": None,
    }
    import torch

    out["torch_threads"] = torch.get_num_threads()
    out["guard"] = guard_quality()
    out["guard_held_out"] = guard_quality(held_out=True)
    g, h = out["guard"], out["guard_held_out"]
    assert isinstance(g, dict) and isinstance(h, dict)
    for label, x in (("guard", g), ("held-out", h)):
        print(f"{label}: {x['cases']} cases, recall {x['recall']:.1%} ({x['recall_by_kind']}), "
              f"false flags {x['false_flag_rate']:.1%}, {x['ms_per_case']} ms per case")
    models = []
    if not args.guard_only:
        from medgen.config import get_settings

        backends = args.backends or [str(get_settings().lm_backend)]
        for name, backend in [(m, b) for b in backends for m in args.models]:
            load_before = _loadavg()
            proc = subprocess.run(
                [sys.executable, "-m", "bench.text", "--child", name, "--backend", backend,
                 "--max-new-tokens", str(args.max_new_tokens)],
                cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"),
            )
            if proc.returncode != 0:
                print(proc.stderr[-2000:], file=sys.stderr)
                return proc.returncode
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["loadavg_before"] = load_before
            row["loadavg_after"] = _loadavg()
            models.append(row)
            print({k: v for k, v in row.items() if k != "text"})
    out["models"] = models
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = ("text" if not args.guard_only else "text_guard") + (f"_{args.tag}" if args.tag else "")
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    lines = [f"Measured {out['date']} on {out['machine']}; `{out['command']}` with "
             f"MEDGEN_LM_THREADS={out['MEDGEN_LM_THREADS']} (process default torch threads "
             f"{out['torch_threads']}).",
             "", "| model | backend | cold load s | warm load s | peak RSS MB | first token s | tokens/s "
             "| new tokens | full draft s | guard flags | load avg before/after |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in models:
        lines.append(f"| {r['model']} | {r['backend']} | {r['cold_load_s']} | {r['warm_load_s']} | {r['peak_rss_mb']} "
                     f"| {r['first_token_s']} | {r['tokens_per_s']} | {r['new_tokens']} "
                     f"| {r['draft_s']} | {r['guard_flags']} {r['flag_kinds']} "
                     f"| {r['loadavg_before']} / {r['loadavg_after']} |")
    lines += ["", f"Guard: {g['cases']} cases ({g['planted']} planted, {g['clean']} clean): "
              f"recall {g['recall']:.1%}, false-flag rate {g['false_flag_rate']:.1%}; "
              f"by kind {g['recall_by_kind']}.",
              f"Held-out batch: {h['cases']} cases ({h['planted']} planted, {h['clean']} clean): "
              f"recall {h['recall']:.1%}, false-flag rate {h['false_flag_rate']:.1%}; "
              f"by kind {h['recall_by_kind']}."]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
