"""Does keeping the Recommendation sentences out of the report prompt change what the model writes?

    nice -n 10 .venv/bin/python -m bench.text_layout_check --cases a   # 8 cases -> text_layout_check_a.json
    nice -n 10 .venv/bin/python -m bench.text_layout_check --cases b   # 14 cases -> text_layout_check_b.json

Greedy qwen2.5-coder-1.5b drafts (llama.cpp, max 512 new tokens) of each case with three prompt layouts:

- ``before``: the whole FINDINGS + IMPRESSION and the old system prompt ("Copy the recommendation
  sentence word for word");
- ``full``: the impression's whole rule-based end (risk category + recommendation, or the "no
  follow-up rule" sentence) kept out of the prompt and added after the model's text;
- ``risk`` (what medgen.text.report does now): only the ``Recommendation: ...`` sentences kept out.

Per draft: guard flags (``finish_report``) and the template's FINDINGS sentences not found word for
word in the model's FINDINGS ("dropped": an omission or a rewording; read the texts to tell).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from bench.text import _bench_findings
from medgen.text import prompts as P
from medgen.text.findings import Finding, Findings
from medgen.text.llm import GenerationParams, StreamStats
from medgen.text.llm.llamacpp import load_llamacpp
from medgen.text.report import (
    NO_RULE,
    NO_RULE_NODULE,
    finish_report,
    split_rule_tail,
    split_template,
    template_report,
)

RESULTS = Path(__file__).resolve().parent / "results"
SYS_BEFORE = (
    "You are a radiology report editor. Rewrite the FINDINGS and IMPRESSION sections you are "
    "given into fluent, concise radiology prose. Rules: keep the two headings FINDINGS and "
    "IMPRESSION exactly, each followed by a colon. Use only the facts given: never add, remove "
    "or change a number, unit, side (left/right), location, finding, negative finding or "
    "diagnosis. Copy the recommendation sentence word for word. Output only the two sections."
)


def cases_a() -> dict[str, Findings]:
    CASES = {
        "bench-7mm-solid": _bench_findings(),
        "part-solid-high-risk": Findings(indication="Smoker.", high_risk=True, fleischner_eligible=True,
            findings=(Finding(location="lower lobe", laterality="left", size=9, descriptor="part-solid", solid_component=4),),
            negatives=("No pleural effusion",)),
        "two-ggn": Findings(fleischner_eligible=True, findings=(
            Finding(location="upper lobe", laterality="right", size=5, descriptor="ground-glass"),
            Finding(location="middle lobe", laterality="right", size=7, descriptor="ground-glass")),
            negatives=("No pneumothorax",)),
        "nodule-no-rule": Findings(indication="Known lymphoma.", fleischner_eligible=False,
            findings=(Finding(location="upper lobe", laterality="left", size=6, descriptor="solid"),),
            negatives=("No pleural effusion",)),
        "pelvis-renal-cyst": Findings(body_part="pelvis", contrast="with contrast", indication="Pelvic pain.",
            findings=(Finding(location="lower pole of the kidney", kind="renal cyst", laterality="right", size=2.1, unit="cm", qualifiers=("simple",)),),
            negatives=("No free fluid", "No lymphadenopathy")),
        "head-haemorrhage": Findings(body_part="head", indication="Fall.", findings=(
            Finding(location="frontal convexity", kind="subdural haemorrhage", laterality="left", size=8, qualifiers=("acute",)),),
            negatives=("No midline shift", "No skull fracture")),
    }
    CASES["4mm-solid-low"] = Findings(fleischner_eligible=True, indication="Incidental.",
        findings=(Finding(location="lower lobe", laterality="right", size=4, descriptor="solid"),),
        negatives=("No pleural effusion", "No pneumothorax"))
    CASES["12mm-solid-high-2neg"] = Findings(fleischner_eligible=True, high_risk=True, indication="Weight loss.",
        findings=(Finding(location="upper lobe", laterality="left", size=12, descriptor="solid"),),
        negatives=("No mediastinal lymphadenopathy", "No pleural effusion"))

    return CASES


def cases_b() -> dict[str, Findings]:
    CASES = {}
    lobes = [("upper lobe", "right"), ("middle lobe", "right"), ("lower lobe", "left"), ("upper lobe", "left"), ("lower lobe", "right")]
    negsets = [("No pleural effusion", "No pneumothorax"), ("No mediastinal lymphadenopathy",), ("No pneumothorax", "No pleural effusion", "No consolidation"), ("No pleural effusion",)]
    specs = [(3, "solid", False), (5, "ground-glass", False), (8, "solid", True), (15, "solid", False), (6, "part-solid", True), (10, "ground-glass", True)]
    for i, (sz, desc, hr) in enumerate(specs):
        loc, side = lobes[i % 5]
        kw = {"solid_component": 3} if desc == "part-solid" else {}
        CASES[f"n{i}-{sz}mm-{desc}"] = Findings(fleischner_eligible=True, high_risk=hr, indication="Incidental finding.",
            findings=(Finding(location=loc, laterality=side, size=sz, descriptor=desc, **kw),), negatives=negsets[i % 4])
    CASES["two-solid"] = Findings(fleischner_eligible=True, findings=(Finding(location="upper lobe", laterality="left", size=4, descriptor="solid"), Finding(location="lower lobe", laterality="right", size=6, descriptor="solid")), negatives=negsets[0])
    CASES["nodule-young"] = Findings(fleischner_eligible=False, indication="Age 28.", findings=(Finding(location="lower lobe", laterality="left", size=5, descriptor="solid"),), negatives=negsets[2])
    CASES["liver-cyst"] = Findings(body_part="abdomen", contrast="with contrast", indication="Abdominal pain.", findings=(Finding(location="segment 7 of the liver", kind="cyst", size=14, qualifiers=("simple",)),), negatives=("No free fluid", "No biliary dilatation"))
    CASES["gallstones"] = Findings(body_part="abdomen", indication="Right upper quadrant pain.", findings=(Finding(location="gallbladder", kind="gallstone", size=9),), negatives=("No gallbladder wall thickening", "No free fluid"))
    CASES["head-infarct"] = Findings(body_part="head", indication="Stroke symptoms.", findings=(Finding(location="parietal lobe", kind="infarct", laterality="right"),), negatives=("No haemorrhage", "No midline shift"))
    CASES["knee-effusion"] = Findings(modality="MR", body_part="knee", contrast="without contrast", indication="Knee pain.", findings=(Finding(location="knee joint", kind="joint effusion", laterality="left"),), negatives=("No fracture",))
    CASES["pleural-effusion"] = Findings(indication="Dyspnoea.", findings=(Finding(location="pleural space", kind="pleural effusion", laterality="right"),), negatives=("No pneumothorax", "No consolidation"))
    CASES["renal-stone"] = Findings(body_part="abdomen", indication="Flank pain.", findings=(Finding(location="lower pole of the kidney", kind="renal calculus", laterality="left", size=5),), negatives=("No hydronephrosis", "No free fluid"))
    return CASES


def full_split(body: str) -> tuple[str, str]:
    m = re.search(r" (?:Fleischner risk category: (?:low|high)\. .*|" + re.escape(NO_RULE_NODULE) + "|"
                  + re.escape(NO_RULE) + r")\Z", body, re.S)
    if m is None or "IMPRESSION:" not in body[:m.start()]:
        return body, ""
    return body[:m.start()], m.group(0).strip()


def _sentences(t: str) -> list[str]:
    return [x.strip().rstrip(".") for x in re.split(r"(?<=[a-z0-9)])\.\s+", t.replace("\n", " ")) if x.strip()]


def dropped(template: str, text: str) -> list[str]:
    def norm(x: str) -> str:
        return re.sub(r"\s+", " ", x).strip().lower()
    _, body = split_template(template)
    findings = body.split("IMPRESSION:")[0].replace("FINDINGS:", "")
    return [x for x in _sentences(findings) if norm(x) not in norm(text.split("IMPRESSION:")[0])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", choices=("a", "b"), default="a")
    ap.add_argument("--layouts", default="before,full,risk")
    args = ap.parse_args(argv)
    sys_now = P.REPORT_SYSTEM
    cases = cases_a() if args.cases == "a" else cases_b()
    lm = load_llamacpp("qwen2.5-coder-1.5b")
    out: dict[str, object] = {}
    params = GenerationParams(max_new_tokens=512)
    for name, f in cases.items():
        t = template_report(f)
        head, body = split_template(t)
        for lay in args.layouts.split(","):
            if lay == "before":
                P.REPORT_SYSTEM, (inp, app) = SYS_BEFORE, (body, "")
            elif lay == "full":
                P.REPORT_SYSTEM, (inp, app) = sys_now, full_split(body)
            else:
                P.REPORT_SYSTEM, (inp, app) = sys_now, split_rule_tail(body)
            st = StreamStats()
            gen = lm.generate(P.report_messages(inp), params, stats=st)
            d = finish_report(f, t, head + "\n" + gen + (" " + app if app else ""), lm, st, params)
            row = {"flags": [(fl.kind, fl.span) for fl in d.flags], "dropped": dropped(t, d.text),
                   "text": d.text, "prompt_tokens": st.prompt_tokens, "new_tokens": st.n_tokens}
            out[f"{name}/{lay}"] = row
            print(f"{name:22s} {lay:6s} flags={len(d.flags)} dropped={row['dropped']} "
                  f"prompt={st.prompt_tokens} new={st.n_tokens}", flush=True)
    P.REPORT_SYSTEM = sys_now
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"text_layout_check_{args.cases}.json").write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
