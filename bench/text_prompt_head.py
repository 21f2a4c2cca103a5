"""Report prompt layouts and the KV-cached start of the request: same output? fewer tokens? (issue 11)

    nice -n 10 .venv/bin/python -m bench.text_prompt_head                        # prev,now -> text_prompt_head.json
    nice -n 10 .venv/bin/python -m bench.text_prompt_head --layouts prev,headline --tag headline

Layouts of the report request (greedy qwen2.5-coder-1.5b on llama.cpp, max 512 new tokens):

- ``prev``: ``{body}\\n\\nRewritten sections:``, only the system prompt kept in the KV cache (main
  before this change);
- ``now`` (medgen.text.prompts): the same text; the system prompt, the chat template's user-turn
  tokens and ``FINDINGS:`` are kept (:func:`medgen.text.prompts.report_head`);
- ``headline`` (tried and rejected): ``Sections to rewrite:\\n{body}`` with nothing after the body,
  the head line kept too (4 fewer tokens evaluated than ``now``; the model merged negatives more
  often and once invented "No further action is required").

``text_prompt_head.json`` (``prev,now``) was written at commit a87912d, when the "No follow-up
rule was applied." sentence was still part of the prompt; since then :func:`split_rule_tail` keeps
it out and adds it word for word (``--layouts now --tag norule`` -> ``text_prompt_head_norule.json``;
``prev`` here now uses that split too).

Cases: the 22 of ``bench.text_layout_check`` (a + b: chest nodules of every Fleischner row kind,
no-rule nodules, abdomen, pelvis, head, knee, pleura). Per draft: guard flags (``finish_report``),
the template's FINDINGS sentences not found word for word in the model's FINDINGS ("dropped": an
omission or a rewording such as merged negatives; read the texts to tell), prompt tokens and how
many were evaluated for the request (not served from a cached prefix); per case, whether the
layouts gave the same text. Each layout's first request also evaluates its cached part, so the
evaluated-token summary leaves it out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.text_layout_check import cases_a, cases_b, dropped
from medgen.text.llm import GenerationParams, StreamStats
from medgen.text.llm.llamacpp import LlamaCppModel, load_llamacpp
from medgen.text.prompts import REPORT_SYSTEM, report_head, report_messages
from medgen.text.report import finish_report, split_rule_tail, split_template, template_report

RESULTS = Path(__file__).resolve().parent / "results"


def headline_messages(body: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": REPORT_SYSTEM},
            {"role": "user", "content": f"Sections to rewrite:\n{body}"}]


def _model(name: str, layout: str) -> LlamaCppModel:
    lm = load_llamacpp(name)
    if layout == "now":
        lm.warm(report_head())
    elif layout == "headline":
        lm.warm(headline_messages("FINDINGS:"))
    # prev: the first request evaluates and keeps the system prompt (the previous behaviour)
    return lm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--cases", choices=("a", "b", "ab"), default="ab")
    ap.add_argument("--layouts", default="prev,now")
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    layouts = args.layouts.split(",")
    cases = {**(cases_a() if "a" in args.cases else {}), **(cases_b() if "b" in args.cases else {})}
    build = {"prev": report_messages, "now": report_messages, "headline": headline_messages}
    params = GenerationParams(max_new_tokens=512)
    rows: dict[str, dict[str, object]] = {}
    texts: dict[str, dict[str, str]] = {}
    summary: dict[str, dict[str, object]] = {}
    version = ""
    for lay in layouts:  # one model per layout: each keeps only its own prefixes
        lm = _model(args.model, lay)
        version = lm.version
        flags, drops, evaluated_n = 0, 0, []
        for name, f in cases.items():
            t = template_report(f)
            head, body = split_template(t)
            inp, tail = split_rule_tail(body)
            st = StreamStats()
            gen = lm.generate(build[lay](inp), params, stats=st)
            d = finish_report(f, t, head + "\n" + gen + (" " + tail if tail else ""), lm, st, params)
            evaluated = st.prompt_tokens - st.prompt_cached
            miss = dropped(t, d.text)
            rows[f"{name}/{lay}"] = {"flags": [(fl.kind, fl.span) for fl in d.flags], "dropped": miss,
                                     "text": d.text, "prompt_tokens": st.prompt_tokens,
                                     "evaluated": evaluated, "new_tokens": st.n_tokens}
            texts.setdefault(name, {})[lay] = d.text
            flags += len(d.flags)
            drops += len(miss)
            evaluated_n.append(evaluated)
            print(f"{name:22s} {lay:8s} flags={len(d.flags)} dropped={miss} prompt={st.prompt_tokens} "
                  f"evaluated={evaluated} new={st.n_tokens}", flush=True)
        lm.close()
        ev = sorted(evaluated_n[1:])
        summary[lay] = {"guard_flags": flags, "dropped_sentences": drops,
                        "evaluated_min_median_max": [ev[0], ev[len(ev) // 2], ev[-1]]}
    same = sum(len(set(v.values())) == 1 for v in texts.values())
    out = {"model": version, "layouts": layouts, "cases": len(cases), "same_text_in_all_layouts": same,
           "summary": summary, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    stem = "text_prompt_head" + (f"_{args.tag}" if args.tag else "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "rows"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
