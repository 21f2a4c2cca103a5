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


def _article(head: str) -> str:
    return "An" if head[:1].lower() in "aeiou" or head[:1] == "8" or head.startswith(
        ("11 ", "18 ")) else "A"


def describe_finding(f: Finding) -> str:
    """One finding as a sentence without its final period, from the form's fields only.

    'A 6 mm solid nodule in the right upper lobe'; 'An acute subdural haemorrhage over the right
    frontoparietal convexity, 8 mm thick'; 'A 2.1 cm simple renal cyst in the left kidney,
    Bosniak II'; 'Moderate hydrocephalus'. How a kind reads (article, preposition, where the
    size and qualifiers go) is data in :mod:`medgen.text.finding_kinds`; a free-text kind reads
    like a nodule did before.
    """
    spec = f.spec
    trailing = {o for g in spec.qualifiers if g.after for o in g.options} if spec else set()
    size = f"{_fmt_num(f.size)} {f.unit.value}" if f.size is not None else ""
    size_word = spec.size_word if spec else ""
    words = []
    if size and not size_word:
        words.append(size)
    if f.severity.value:
        words.append(f.severity.value)
    words += [q for q in f.qualifiers if q not in trailing]
    if f.descriptor is not Descriptor.OTHER:
        words.append(f.descriptor.value)
    loc, side = f.location.strip(), f.laterality.value
    if side and not loc:
        words.append(side)
    words.append(f.kind.strip() or "finding")
    head = " ".join(words)
    text = f"{_article(head)} {head}" if (spec is None or spec.countable) else head
    if loc:
        if side and side not in loc.lower():
            loc = f"{side} {loc}"
        text += f" {spec.preposition if spec else 'in the'} {loc}"
    if size and size_word:
        text += f", {size} {size_word}"
    if f.descriptor is Descriptor.PART_SOLID and f.solid_component is not None:
        text += f" with a {_fmt_num(f.solid_component)} {f.unit.value} solid component"
    after = [q for q in f.qualifiers if q in trailing]
    if after:
        text += ", " + ", ".join(after)
    if f.note.strip():
        text += f", {f.note.strip().rstrip('.')}"
    return text[:1].upper() + text[1:]


#: Said in the IMPRESSION when no follow-up rule of ours applies (the model may not add one).
NO_RULE = "No follow-up rule was applied."
#: Said instead when pulmonary nodules are present but the Fleischner table does not apply.
#: (It names no diagnosis: the guard would read one as a negated finding of the source.)
NO_RULE_NODULE = ("No follow-up rule was applied: the Fleischner Society 2017 table was not "
                  "confirmed to apply to this patient.")


def fleischner_applies(findings: Findings) -> bool:
    """The Fleischner 2017 table applies: CT, and the clinician confirmed incidental nodule(s)
    in an adult aged 35 or older without known cancer or immunosuppression."""
    return findings.fleischner_eligible and findings.modality.strip().upper() == "CT"


def recommendations(findings: Findings) -> tuple[Recommendation, ...]:
    """Rule-based follow-up: Fleischner 2017 for incidental pulmonary nodules, where it applies.

    Every other finding (and a nodule where the table does not apply) gets no rule: the draft
    says :data:`NO_RULE` and no recommendation is invented.
    """
    nodules = [f for f in findings.findings if f.is_lung_nodule]
    if not nodules or not fleischner_applies(findings):
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
    if f.impression_note.strip():
        imp.append(_sentence(f.impression_note))
    if not imp:
        imp = [_sentence(n) for n in f.negatives] or ["No findings were entered."]
    if recs:
        risk = "high" if f.high_risk else "low"
        imp.append(f"Fleischner risk category: {risk}.")
        imp += [f"Recommendation: {r.text}" for r in recs]
    elif any(x.is_lung_nodule for x in f.findings):
        imp.append(NO_RULE_NODULE)
    else:
        imp.append(NO_RULE)
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


# A sentence that recommends or schedules something (English and Chinese cues).
_RECOMMEND_CUE = re.compile(
    r"\b(?:recommend\w*|advis\w*|suggest\w*|should|follow[- ]?up|repeat\w*|consider\w*|"
    r"refer(?:ral|red)?|biops\w*|surveillance|re-?imag\w*|rescan\w*|correlat\w*)\b|"
    r"\b(?:in|at|after|within)\s+(?:\d+(?:\s*(?:-|to)\s*\d+)?|a|one|two|three|six|twelve)\s+"
    r"(?:days?|weeks?|months?|years?)\b|建议|复查|随访|应该")
_SENTENCE_END = re.compile(r"[.!?。！？;；\n]")
_LABEL = re.compile(r"^(?:[a-z][a-z /-]{0,30}:\s*)+")


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a decimal point does not end one."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        i = m.start()
        if m.group() == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() \
                and text[i + 1].isdigit():
            continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s0, s1 in spans:
        while s0 < s1 and text[s0].isspace():
            s0 += 1
        if s1 > s0 and text[s0:s1].strip(" .;；。"):
            out.append((s0, s1))
    return out


def _plain(s: str) -> str:
    return re.sub(r"[‐‑‒–—―]", "-", _norm(s))


def invented_recommendation_flags(source: str, text: str) -> list[Flag]:
    """A flag for each sentence of ``text`` that recommends or schedules something (follow-up,
    repeat imaging, biopsy, referral, "in 3 months", ...) and is not, word for word, in
    ``source`` (the template draft with its rule-based recommendations).

    The model only rewords; a recommendation can come only from our rules, so any other one is
    invented, whatever its wording (FlagKind.RECOMMENDATION).
    """
    src = _plain(source)
    flags = []
    for s0, s1 in _sentences(text):
        sent = text[s0:s1]
        if not _RECOMMEND_CUE.search(sent.lower()):
            continue
        core = _LABEL.sub("", _plain(sent)).strip(" .;；。")
        if core and core in src:
            continue
        span = sent.rstrip(".;；。!?！？\n ")
        flags.append(Flag(FlagKind.RECOMMENDATION, s0, s0 + len(span), span,
                          "a recommendation that is not in the findings or the follow-up rules; "
                          "the model may not add one"))
    return flags


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


_RULE_TAIL = re.compile(r"(?<=\.) (Recommendation: .*)\Z", re.S)


def split_rule_tail(body: str) -> tuple[str, str]:
    """(FINDINGS + IMPRESSION without the rule-based end of the impression, that end).

    The rule-based recommendation sentences that :func:`template_report` puts at the end of the
    IMPRESSION (after the Fleischner risk category), and the :data:`NO_RULE` /
    :data:`NO_RULE_NODULE` sentence where no rule applies, are kept word for word: the model does
    not see them (fewer prompt tokens: a faster first token; fewer to generate: a faster draft)
    and they are added after the model's text. Before, the 1.5B model left the "no follow-up
    rule" sentence out of 6 of 9 no-rule drafts (``bench/results/text_layout_check_*.json``,
    layout ``risk``). The model still sees everything else, the risk category included (without
    it the model dropped a negative finding in one of eight test cases).
    """
    m = _RULE_TAIL.search(body)
    if m is not None and re.search(r"IMPRESSION:.*Fleischner risk category: (?:low|high)\.\Z",
                                   body[:m.start()], re.S):
        return body[:m.start()], m.group(1).strip()
    for sentence in (NO_RULE_NODULE, NO_RULE):
        rest = body[:-len(sentence)].rstrip()
        if body.endswith(" " + sentence) and re.search(r"IMPRESSION:\s*\S[^\n]*\Z", rest):
            return rest, sentence
    return body, ""


def report_request(template: str) -> list[dict[str, str]]:
    """The messages :func:`rewrite_stream` sends the model for ``template`` (for a prefill)."""
    _, body = split_template(template)
    body, _ = split_rule_tail(body)
    return report_messages(body)


def rewrite_stream(template: str, lm: LanguageModel, params: GenerationParams | None = None,
                   stop_event: threading.Event | None = None,
                   stats: StreamStats | None = None) -> Iterator[str]:
    """Stream the draft: the fixed head first, then the model's rewrite of the findings and
    impression, then the rule-based end of the impression (:func:`split_rule_tail`; not when
    stopped, nor when the model already ended with it word for word)."""
    head, body = split_template(template)
    body, tail = split_rule_tail(body)
    stats = stats if stats is not None else StreamStats()
    if head:
        yield head + "\n"
    written: list[str] = []
    for piece in lm.stream(report_messages(body), params, stop_event, stats):
        written.append(piece)
        yield piece
    text = "".join(written)
    if (tail and not stats.stopped and not (stop_event is not None and stop_event.is_set())
            and not _norm(text).endswith(_norm(tail))):
        yield ("" if text[-1:].isspace() else " ") + tail


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
    head, body = split_template(template)
    _, tail = split_rule_tail(body)
    raw = model_text or ""
    if head and raw.startswith(head):
        rest = _clean_body(raw[len(head):])
        if tail:  # one space between the model's last sentence and the added follow-up
            rest = re.sub(r"\s+(?=" + re.escape(tail) + r"\Z)", " ", rest)
        text = f"{head}\n{rest}" if rest else ""
    else:
        text = clean_model_text(raw)
    if lm is None or not text:
        return ReportDraft(template, template, (), TEMPLATE_MODEL_ID, TEMPLATE_MODEL_ID, latency,
                           recs, False, bool(stats and stats.stopped), p, metrics)
    flags = tuple(sorted(structure_flags(text) + check(template, text)
                         + recommendation_flags(recs, text)
                         + invented_recommendation_flags(template, text),
                         key=lambda f: (f.start, f.end)))
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


__all__ = ["NO_RULE", "NO_RULE_NODULE", "ReportDraft", "SECTIONS", "Laterality",
           "NODULE_DESCRIPTORS", "draft_report", "fleischner_applies", "finish_report",
           "invented_recommendation_flags", "recommendations", "report_request", "rewrite_stream", "section",
           "split_rule_tail", "template_report"]
