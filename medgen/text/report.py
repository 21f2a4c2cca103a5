"""Draft reports: a deterministic template from the findings, reworded by the LM, then guarded.

``draft_report(findings, header)`` always produces a template draft; with a model it streams a
rewrite (``rewrite_stream``) and checks it (``finish_report``). The recommendation sentences
come from :mod:`medgen.text.fleischner`, never from the model.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from medgen.text.findings import (
    NODULE_DESCRIPTORS,
    Descriptor,
    Finding,
    Findings,
    Laterality,
    findings_from_header,
)
from medgen.text.fleischner import Recommendation, fleischner_recommendation
from medgen.text.guard import Flag, Flagged, FlagKind, check
from medgen.text.llm import GenerationParams, LanguageModel, StreamStats
from medgen.text.prompts import report_messages

if TYPE_CHECKING:
    from medgen.imaging.header import ScanHeader

SECTIONS = ("EXAMINATION", "TECHNIQUE", "COMPARISON", "FINDINGS", "IMPRESSION")
TEMPLATE_MODEL_ID = "template"


@dataclass(frozen=True)
class ReportDraft(Flagged):
    """A draft report: the text to show, the template it came from, and the guard's flags."""

    text: str
    template_text: str
    flags: tuple[Flag, ...]
    model_id: str
    model_version: str
    latency_ms: float
    recommendations: tuple[Recommendation, ...] = ()
    # True when ``text`` is the model's rewrite (False: the template itself).
    from_model: bool = False
    stopped: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)



def _fmt_num(x: float) -> str:
    return f"{x:g}"


def describe_finding(f: Finding) -> str:
    """'A 6 mm solid nodule in the right upper lobe' (no final period)."""
    words = []
    if f.size is not None:
        words.append(f"{_fmt_num(f.size)} {f.unit.value}")
    if f.descriptor is not Descriptor.OTHER:
        words.append(f.descriptor.value)
    words.append(f.kind.strip() or "finding")
    head = " ".join(words)
    article = "An" if head[:1].lower() in "aeiou" or head[:1] == "8" or head.startswith(
        ("11 ", "18 ")) else "A"
    loc = f.location.strip()
    side = f.laterality.value
    if side and side not in loc.lower():
        loc = f"{side} {loc}"
    text = f"{article} {head} in the {loc}"
    if f.descriptor is Descriptor.PART_SOLID and f.solid_component is not None:
        text += f" with a {_fmt_num(f.solid_component)} {f.unit.value} solid component"
    if f.note.strip():
        text += f", {f.note.strip().rstrip('.')}"
    return text


def recommendations(findings: Findings) -> tuple[Recommendation, ...]:
    """Rule-based follow-up for the findings (Fleischner 2017 for incidental lung nodules)."""
    nodules = [f for f in findings.findings if f.is_lung_nodule]
    if not nodules:
        return ()
    if len(nodules) == 1:
        n = nodules[0]
        assert n.size_mm is not None
        return (fleischner_recommendation(
            n.size_mm, n.descriptor, False, findings.high_risk, n.solid_component_mm),)
    subsolid = [n for n in nodules if n.descriptor is not Descriptor.SOLID]
    pool = subsolid or nodules
    largest = max(pool, key=lambda n: n.size_mm or 0.0)
    assert largest.size_mm is not None
    return (fleischner_recommendation(
        largest.size_mm, largest.descriptor, True, findings.high_risk,
        largest.solid_component_mm),)


def _sentence(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    s = s[0].upper() + s[1:]
    return s if s.endswith((".", "!", "?")) else s + "."


def template_report(findings: Findings) -> str:
    """The deterministic draft: every fact from the form, nothing else."""
    f = findings
    exam = f"{f.modality} {f.body_part} {f.contrast}".strip()
    lines = [f"EXAMINATION: {_sentence(exam)}"]
    if f.indication.strip():
        lines[0] += f" Indication: {_sentence(f.indication)}"
    technique = f"{f.modality} of the {f.body_part} was performed {f.contrast}."
    if f.enhancement.strip():
        technique += f" Images were also reviewed after enhancement ({f.enhancement.strip()})."
    lines.append(f"TECHNIQUE: {technique}")
    lines.append(f"COMPARISON: {_sentence(f.comparison) if f.comparison.strip() else 'None.'}")
    body = [_sentence(describe_finding(x)) for x in f.findings]
    body += [_sentence(n) for n in f.negatives]
    lines.append("FINDINGS: " + (" ".join(body) if body else "No findings were entered."))
    imp = [_sentence(describe_finding(x)) for x in f.findings]
    recs = recommendations(f)
    if recs:
        risk = "high" if f.high_risk else "low"
        imp.append(f"Fleischner risk category: {risk}.")
        imp += [f"Recommendation: {r.text}" for r in recs]
    if f.impression_note.strip():
        imp.append(_sentence(f.impression_note))
    if not imp:
        imp = [_sentence(n) for n in f.negatives] or ["No findings were entered."]
    lines.append("IMPRESSION: " + " ".join(imp))
    return "\n".join(lines)


def clean_model_text(text: str) -> str:
    """Strip code fences and chatter around the report; put each section on its own line."""
    t = text.strip()
    t = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", t).strip()
    first = re.search(r"EXAMINATION\s*:", t)
    if first:
        t = t[first.start():]
    for name in SECTIONS[1:]:
        t = re.sub(rf"\s*\**{name}\**\s*:\s*", f"\n{name}: ", t)
    t = re.sub(r"\*\*(EXAMINATION)\*\*", r"\1", t)
    return t.strip()


def structure_flags(text: str) -> list[Flag]:
    """A flag for each of the five sections that the text lacks."""
    flags = []
    for name in SECTIONS:
        if not re.search(rf"(^|\n)\s*{name}\s*:", text):
            flags.append(Flag(FlagKind.STRUCTURE, 0, 0, name, f"the section {name} is missing"))
    return flags


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def recommendation_flags(recs: tuple[Recommendation, ...], text: str) -> list[Flag]:
    """A flag for each rule-based recommendation that the text does not contain word for word."""
    body = _norm(text)
    return [Flag(FlagKind.RECOMMENDATION, 0, 0, r.text,
                 "the rule-based recommendation is missing or reworded; it must be copied "
                 f"word for word: {r.text}")
            for r in recs if _norm(r.text).rstrip(".") not in body]


def section(text: str, name: str) -> str:
    """The body of one section of a report ("" when absent)."""
    m = re.search(rf"(?:^|\n)\s*{name}\s*:\s*(.*?)(?=\n\s*(?:{'|'.join(SECTIONS)})\s*:|\Z)",
                  text, flags=re.S)
    return m.group(1).strip() if m else ""


def split_template(template: str) -> tuple[str, str]:
    """(EXAMINATION + TECHNIQUE + COMPARISON lines, FINDINGS + IMPRESSION lines).

    The first part is formulaic and kept verbatim; only the second is reworded by the model
    (fewer tokens to generate: a faster draft).
    """
    m = re.search(r"(?m)^FINDINGS\s*:", template)
    if m is None:
        return "", template
    return template[:m.start()].rstrip("\n"), template[m.start():]


def rewrite_stream(template: str, lm: LanguageModel, params: GenerationParams | None = None,
                   stop_event: threading.Event | None = None,
                   stats: StreamStats | None = None) -> Iterator[str]:
    """Stream the draft: the fixed head first, then the model's rewrite of the rest."""
    head, body = split_template(template)
    if head:
        yield head + "\n"
    yield from lm.stream(report_messages(body), params, stop_event, stats)


def _clean_body(text: str) -> str:
    t = re.sub(r"```[a-zA-Z]*", "", text).strip()
    t = t.replace("**", "")
    first = re.search(r"FINDINGS\s*:", t)
    if first:
        t = t[first.start():]
    t = re.sub(r"\s*IMPRESSION\s*:\s*", "\nIMPRESSION: ", t)
    return t.strip()


def finish_report(findings: Findings, template: str, model_text: str | None,
                  lm: LanguageModel | None, stats: StreamStats | None = None,
                  params: GenerationParams | None = None) -> ReportDraft:
    """Guard the model text against the template; fall back to the template when empty."""
    recs = recommendations(findings)
    p = asdict(params or GenerationParams())
    p["findings"] = findings.to_dict()
    latency = (stats.total_s or 0.0) * 1000 if stats else 0.0
    metrics: dict[str, Any] = {}
    if stats is not None:
        metrics = {"first_token_s": stats.first_token_s, "total_s": stats.total_s,
                   "new_tokens": stats.n_tokens, "prompt_tokens": stats.prompt_tokens,
                   "stopped": stats.stopped}
    head, _ = split_template(template)
    raw = model_text or ""
    if head and raw.startswith(head):
        rest = _clean_body(raw[len(head):])
        text = f"{head}\n{rest}" if rest else ""
    else:
        text = clean_model_text(raw)
    if lm is None or not text:
        return ReportDraft(template, template, (), TEMPLATE_MODEL_ID, TEMPLATE_MODEL_ID, latency,
                           recs, False, bool(stats and stats.stopped), p, metrics)
    flags = tuple(structure_flags(text) + check(template, text) + recommendation_flags(recs, text))
    return ReportDraft(text, template, flags, lm.name, lm.version, latency, recs, True,
                       bool(stats and stats.stopped), p, metrics)


def draft_report(findings: Findings, header: ScanHeader | None = None,
                 lm: LanguageModel | None = None, params: GenerationParams | None = None
                 ) -> ReportDraft:
    """Template draft, reworded by ``lm`` when given, and guarded (non-streaming form).

    ``header`` (the de-identified scan header) fills exam fields the form left empty.
    """
    if header is not None:
        base = findings_from_header(header)
        findings = replace(findings, modality=findings.modality or base.modality,
                           body_part=findings.body_part or base.body_part)
    template = template_report(findings)
    if lm is None:
        return finish_report(findings, template, None, None)
    stats = StreamStats()
    t0 = time.perf_counter()
    text = "".join(rewrite_stream(template, lm, params, stats=stats))
    stats.total_s = stats.total_s or time.perf_counter() - t0
    return finish_report(findings, template, text, lm, stats, params)


__all__ = ["ReportDraft", "SECTIONS", "Laterality", "NODULE_DESCRIPTORS", "draft_report",
           "finish_report", "recommendations", "rewrite_stream", "section", "template_report"]
