"""LM runtimes side by side (issue 11): llama.cpp (GGUF-native) and transformers, same prompt and machine.

    nice -n 10 .venv/bin/python -m bench.text_runtimes                          # default model, both
    .venv/bin/python -m bench.text_runtimes --backends llamacpp --model smollm2-135m

Each backend runs in a fresh subprocess, as a fresh `make run` would:

- cold load: imports + loading the model from its file (llama.cpp: the registry's GGUF as it is;
  transformers: its bf16 cache, which must exist: the conversion is not timed here) + what the app
  does before it hands the model out (medgen.text.warmup: the report's system prompt only; the
  patient-text prompts are warmed in the background once the model is idle, as in the app);
- first draft after a fresh start: process start -> the first full draft streamed (load included);
- then a second, warm draft: first token, decode tokens/s, full draft time;
- peak RSS of the process (getrusage), guard flags on the warm draft (``finish_report``);
- the prompt tokens of the warm draft and how many were evaluated for it (the rest came from the
  KV cache: the system prompt and the user turn's static start), which does not depend on the
  machine's load, and (llama.cpp) the per-token prefill time in the same run (a bare ``eval`` of
  those tokens, median of 3) and the first token of a draft whose request was prefilled ahead
  (``LlamaCppModel.prefill``, as the Report page does while the form is valid and unchanged).

llama.cpp saves system-prompt states for later processes (``make run`` writes them for the app's
prompts). ``--states app`` (default) uses the app's folder, as after ``make run`` (a first run
there saves them); ``--states fresh`` starts from an empty folder: the first start ever, or the first
after a prompt or the model changed (the report's system prompt is evaluated before the draft).

The draft is bench/text.py's: the template report of a chest CT with one 7 mm solid nodule, FINDINGS +
IMPRESSION reworded, greedy, max 512 new tokens. Writes bench/results/text_runtimes[_tag].{json,md}.
Targets (issue 11): warm full draft <= 8 s, first token <= 1 s, first draft after a fresh start <= 15 s,
peak RSS <= 2.5 GB.
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
from typing import Any

T_START = time.perf_counter()

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGETS = {"draft_s": 8.0, "first_token_s": 1.0, "fresh_first_draft_s": 15.0, "peak_rss_mb": 2560}


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def child(backend: str, name: str, max_new_tokens: int, states: str) -> dict[str, object]:
    """Runs in a fresh process: load + warm, first draft, warm draft; report the numbers."""
    import tempfile

    from bench.text import _bench_findings
    from medgen.text.llm import GenerationParams, StreamStats
    from medgen.text.prompts import education_messages
    from medgen.text.report import finish_report, rewrite_stream, template_report
    from medgen.text.warmup import BackgroundWarm, warm_first

    saved: dict[str, object] = {}
    if backend == "llamacpp":
        from medgen.config import get_settings
        from medgen.text.llm.llamacpp import load_llamacpp, state_dir_for

        state_dir = (Path(tempfile.mkdtemp(prefix="medgen-states-")) if states == "fresh"
                     else state_dir_for(get_settings().cache_dir))
        lm: Any = load_llamacpp(name, state_dir=state_dir)
        threads = lm.llm.n_threads
    else:
        import torch

        from medgen.text.llm import load_model

        lm = load_model(name, "cpu", backend="transformers")
        threads = torch.get_num_threads()
    warm_first(lm)  # as medgen.ui.text does before it hands the model out
    background = BackgroundWarm(lm).start()  # patient-text prompts, when the model is idle
    cold = time.perf_counter() - T_START
    if backend == "llamacpp":
        saved = {"states": states, "states_read_before_first_draft": lm.states_loaded,
                 "states_evaluated_before_first_draft": lm.states_evaluated}

    f = _bench_findings()
    template = template_report(f)
    params = GenerationParams(max_new_tokens=max_new_tokens)
    first_stats = StreamStats()
    first_text = "".join(rewrite_stream(template, lm, params, stats=first_stats))
    fresh = time.perf_counter() - T_START

    # the patient-text prompt in between, so that the report's system prompt must come from the cache
    lm.generate(education_messages("A 7 mm solid nodule in the right upper lobe.", "en", 6),
                GenerationParams(max_new_tokens=8))
    stats = StreamStats()
    t0 = time.perf_counter()
    text = "".join(rewrite_stream(template, lm, params, stats=stats))
    total = time.perf_counter() - t0
    draft = finish_report(f, template, text, lm, stats, params)
    probe: dict[str, object] = {}
    if backend == "llamacpp":
        probe = _llamacpp_probe(lm, template, params, text)
    background.stop()
    if states == "fresh" and backend == "llamacpp":
        import shutil

        shutil.rmtree(state_dir, ignore_errors=True)
    gen_s = max((stats.total_s or total) - (stats.first_token_s or 0.0), 1e-9)
    return {
        "backend": backend,
        "model": name,
        "version": lm.version,
        "threads": threads,
        **saved,
        "cold_load_s": round(cold, 2),
        "fresh_first_draft_s": round(fresh, 2),
        "first_draft_first_token_s": round(first_stats.first_token_s or float("nan"), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "prompt_tokens": stats.prompt_tokens,
        "prompt_cached": stats.prompt_cached,
        "prompt_evaluated": stats.prompt_tokens - stats.prompt_cached,
        "new_tokens": stats.n_tokens,
        "first_token_s": round(stats.first_token_s or float("nan"), 3),
        "tokens_per_s": round(max(stats.n_tokens - 1, 0) / gen_s, 2),
        "draft_s": round(total, 2),
        "same_text_as_first_draft": text == first_text,
        "guard_flags": len(draft.flags),
        "flag_kinds": sorted({fl.kind for fl in draft.flags}),
        **probe,
        "text": draft.text,
    }


def _llamacpp_probe(lm: Any, template: str, params: Any, warm_text: str) -> dict[str, object]:
    """Prefill cost per token in this run, and a draft whose request was prefilled ahead.

    - ``prefill_s``: a bare ``llm.eval`` of the warm draft's evaluated tokens after restoring its
      cached start, 3 times (median, and its range): what the first token waits for, without the
      app's overhead; ``prefill_ms_per_token`` = median / tokens (load-dependent, same run);
    - ``prefilled_first_token_s``: after another prompt, ``lm.prefill`` (what the Report page
      starts while the form is valid and unchanged), then the same draft: its first token.
    """
    import statistics

    from medgen.text.llm import GenerationParams, StreamStats
    from medgen.text.prompts import education_messages
    from medgen.text.report import report_request, rewrite_stream

    msgs = report_request(template)
    prompt, _ = lm.prompt_tokens(msgs)
    times, n = [], 0
    for _ in range(3):
        with lm.queue.turn():
            lm.llm.reset()  # as after another prompt: the cached start is restored
            n = lm._restore_prefix(msgs, prompt) or 0
            t0 = time.perf_counter()
            lm.llm.eval(prompt[n:])
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    lm.generate(education_messages("A 7 mm solid nodule in the right upper lobe.", "en", 6),
                GenerationParams(max_new_tokens=8))
    t0 = time.perf_counter()
    ok = lm.prefill(msgs)
    prefill_call_s = time.perf_counter() - t0
    st = StreamStats()
    text = "".join(rewrite_stream(template, lm, params, stats=st))
    return {
        "prefill_tokens": len(prompt) - n,
        "prefill_s": round(med, 3),
        "prefill_s_range": [round(min(times), 3), round(max(times), 3)],
        "prefill_ms_per_token": round(1000 * med / max(len(prompt) - n, 1), 2),
        "speculative_prefill_ok": ok,
        "speculative_prefill_s": round(prefill_call_s, 2),
        "prefilled_prompt_evaluated": st.prompt_tokens - st.prompt_cached,
        "prefilled_first_token_s": round(st.first_token_s or float("nan"), 3),
        "prefilled_same_text": text == warm_text,
    }


def _verdict(row: dict[str, object]) -> str:
    missed = [k for k, limit in TARGETS.items() if float(row[k]) > limit]  # type: ignore[arg-type]
    return "all met" if not missed else "missed: " + ", ".join(missed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", nargs="*", default=["llamacpp", "transformers"])
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--max-new-tokens", type=int, default=512)
    ap.add_argument("--tag", default="")
    ap.add_argument("--states", choices=("app", "fresh"), default="app",
                    help="llama.cpp system-prompt states: the app's saved ones, or none saved yet")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.child:
        sys.stdout.write(json.dumps(child(args.child, args.model, args.max_new_tokens, args.states)) + "\n")
        return 0

    out: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.text_runtimes " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "MEDGEN_LM_THREADS": os.environ.get("MEDGEN_LM_THREADS", "0 (default)"),
        "nice": os.nice(0),
        "targets": TARGETS,
    }
    rows = []
    for backend in args.backends:
        before = _loadavg()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.text_runtimes", "--child", backend, "--model", args.model,
             "--max-new-tokens", str(args.max_new_tokens), "--states", args.states],
            cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"),
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-3000:])
            return proc.returncode
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row["loadavg_before"], row["loadavg_after"] = before, _loadavg()
        row["targets"] = _verdict(row)
        rows.append(row)
        sys.stdout.write(json.dumps({k: v for k, v in row.items() if k != "text"}) + "\n")
    out["runs"] = rows
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "text_runtimes" + (f"_{args.tag}" if args.tag else "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    lines = [
        f"Measured {out['date']} on {out['machine']}; `{out['command']}` (nice {out['nice']}, "
        f"MEDGEN_LM_THREADS={out['MEDGEN_LM_THREADS']}).", "",
        "| runtime | threads | cold load + warm-up s | first draft after fresh start s | first token s "
        "| prompt tokens evaluated / total | prefill ms/token (s) | first token, prefilled ahead s "
        "| tokens/s | new tokens | warm full draft s | peak RSS MB | guard flags | load avg before / after "
        "| targets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']}{' (states: ' + str(r['states']) + ')' if 'states' in r else ''} | {r['threads']} | {r['cold_load_s']} | {r['fresh_first_draft_s']} "
            f"| {r['first_token_s']} | {r['prompt_evaluated']} / {r['prompt_tokens']} "
            f"| {r.get('prefill_ms_per_token', '-')} ({r.get('prefill_s', '-')}) "
            f"| {r.get('prefilled_first_token_s', '-')} "
            f"| {r['tokens_per_s']} | {r['new_tokens']} | {r['draft_s']} "
            f"| {r['peak_rss_mb']} | {r['guard_flags']} {r['flag_kinds']} "
            f"| {r['loadavg_before']} / {r['loadavg_after']} | {r['targets']} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
