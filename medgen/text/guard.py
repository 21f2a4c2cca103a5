"""Fact guard: every clinical fact in generated text must be supported by the source.

``check(source, text)`` returns one :class:`Flag` per unsupported span of ``text``:

- ``number``: a number (with or without unit) that the source does not contain;
- ``unit``: a number the source has, but with another unit ("6 cm" for "6 mm");
- ``laterality``: left / right / bilateral not stated for that organ in the source;
- ``location``: an anatomical location the source does not mention;
- ``negation``: a finding whose polarity is flipped ("no effusion" -> "effusion", or the reverse);
- ``diagnosis``: a finding, diagnosis or change term the source does not contain.

The check is lexical and deliberately strict: it works on a controlled vocabulary
(English and Simplified Chinese terms mapped to the same concepts, so a Chinese patient text
can be checked against an English report), negation scopes in the NegEx style, and
number/unit normalisation (mm <-> cm, month/months, ranges). It cannot judge a fact it has
no term for, and it does not bind a size to the lesion it belongs to; those limits are
stated in the README. The vocabulary (terms, organ families, units, cue words) is data in
:mod:`medgen.text.vocabulary` (loaded from ``guard_vocabulary.toml``); this module holds the
checker only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from medgen.text.vocabulary import (
    CUES,
    EN_TERMS,
    FINDING,
    LOC_FAMILY,
    LOCATION,
    UNIT_RE,
    UNITS,
    WORD_NUMBERS,
    ZH_DIGITS,
    ZH_TERMS,
)

# "no change" style phrases are not negated findings: keep "unchanged"/"没有变化" as terms
# and do not let their negation word act as a cue for following words.

_LATERALITY_EN = re.compile(CUES["laterality_en"])
# "right away", "was left untreated": not laterality.
_NOT_SIDE_AFTER = re.compile(CUES["not_side_after"])
_NOT_SIDE_BEFORE = re.compile(CUES["not_side_before"])
_LATERALITY_ZH = re.compile(CUES["laterality_zh"])
_NEG_CUES_EN = re.compile(CUES["negation_en"])
_POST_NEG_EN = re.compile(CUES["post_negation_en"])
_NEG_CUES_ZH = re.compile(CUES["negation_zh"])
_SCOPE_BREAK_EN = re.compile(CUES["scope_break_en"])
_VERBISH_EN = re.compile(CUES["verbish_en"])
_FINITE_EN = re.compile(CUES["finite_en"])
_CLAUSE_SPLIT = re.compile(r"[.;:!?\n。；！？：]")

_NUM = r"\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(
    rf"(?<![A-Za-z0-9_.])({_NUM})(?:\s*(?:-|to|x|×|by|到|至|或)\s*({_NUM}))?(?:\s*-?\s*({UNIT_RE})(?![a-z]))?"
)
_WORD_NUMBER_RE = re.compile(
    r"\b(" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r")\b"
    r"(?:\s*(?:-|to)\s*(" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r"))?"
    rf"(?:[\s-]+({UNIT_RE})(?![a-z]))?"
)
_ZH_NUMBER_RE = re.compile(
    r"([一二两三四五六七八九十]{1,3})(?:\s*(?:到|至|或)\s*([一二两三四五六七八九十]{1,3}))?"
    r"\s*(个月|毫米|厘米|年|周|天)"
)


class FlagKind(StrEnum):
    """What a flag says is wrong; the value is what is stored with a draft's flags."""

    #: a number (with or without unit) that the source does not contain
    NUMBER = "number"
    #: a number the source has, but with another unit
    UNIT = "unit"
    #: a side not stated for that organ in the source
    LATERALITY = "laterality"
    #: an anatomical location the source does not mention
    LOCATION = "location"
    #: a finding whose polarity is flipped
    NEGATION = "negation"
    #: a finding, diagnosis or change term the source does not contain
    DIAGNOSIS = "diagnosis"
    #: a required report section is missing (:func:`medgen.text.report.structure_flags`)
    STRUCTURE = "structure"
    #: the follow-up recommendation was changed (:func:`medgen.text.report.recommendation_flags`)
    RECOMMENDATION = "recommendation"


@dataclass(frozen=True)
class Flag:
    """One unsupported span of the generated text (``kind`` accepts a :class:`FlagKind` or str)."""

    kind: FlagKind
    start: int
    end: int
    span: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FlagKind(self.kind))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (``kind`` as its string value), as stored with a draft."""
        d = asdict(self)
        d["kind"] = self.kind.value
        return d


class Flagged:
    """Mixin for a generated result that carries the guard's ``flags``."""

    flags: tuple[Flag, ...]

    @property
    def passed(self) -> bool:
        """True when the guard flagged nothing."""
        return not self.flags

    def flag_dicts(self) -> list[dict[str, Any]]:
        """The flags as stored with the output (plain JSON values)."""
        return [f.to_dict() for f in self.flags]


@dataclass(frozen=True)
class _Mention:
    concept: str
    category: str
    start: int
    end: int
    negated: bool


def _lower(s: str) -> str:
    """Lower-case without changing the length (so offsets stay valid), unify dashes."""
    out = []
    for ch in s:
        lo = ch.lower()
        ch2 = lo if len(lo) == 1 else ch
        out.append("-" if ch2 in "‐‑‒–—―" else ch2)
    return "".join(out)


def _compile_terms() -> list[tuple[re.Pattern[str], str, str]]:
    pats = []
    for pat, concept, cat in EN_TERMS:
        pats.append((re.compile(rf"\b(?:{pat})\b"), concept, cat))
    for pat, concept, cat in ZH_TERMS:
        pats.append((re.compile(re.escape(pat)), concept, cat))
    return pats


_TERMS = _compile_terms()


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE_SPLIT.finditer(text):
        # a decimal point is not a clause boundary
        if m.group() == "." and 0 < m.start() < len(text) - 1 and text[m.start() - 1].isdigit() \
                and text[m.start() + 1].isdigit():
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [s for s in spans if s[1] > s[0]]


def _term_matches(low: str) -> list[tuple[int, int, str, str]]:
    """All vocabulary matches, longest first, without overlaps: (start, end, concept, category)."""
    found: list[tuple[int, int, str, str]] = []
    for pat, concept, cat in _TERMS:
        for m in pat.finditer(low):
            found.append((m.start(), m.end(), concept, cat))
    found.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
    taken: list[tuple[int, int, str, str]] = []
    for t in found:
        # overlaps are resolved within a category: "pleural effusion" is both the finding
        # "effusion" and the location "pleura"
        if all(t[1] <= o[0] or t[0] >= o[1] for o in taken if o[3] == t[3]):
            taken.append(t)
    return sorted(taken)


def _is_negated(low: str, clause: tuple[int, int], start: int, end: int,
                terms_in_clause: list[tuple[int, int, str, str]]) -> bool:
    c0, c1 = clause
    before = low[c0:start]
    # Chinese: a cue earlier in the clause (clauses also split at Chinese commas below).
    zh_cue = None
    for m in _NEG_CUES_ZH.finditer(before):
        zh_cue = m
    if zh_cue is not None:
        between = before[zh_cue.end():]
        if not re.search(r"[，,、]?(但|但是|可是|而)", between) and "，" not in between:
            # "没有变化" is the unchanged concept, not a negation of what follows
            if not low.startswith("变化", c0 + zh_cue.end()):
                return True
    last = None
    for m in _NEG_CUES_EN.finditer(before):
        last = m
    if last is not None:
        between = before[last.end():]
        broken = bool(_SCOPE_BREAK_EN.search(between) or _FINITE_EN.search(between))
        if not broken:
            # a comma or "and" followed by a verb-ish word or article before this term ends it
            for sep in re.finditer(r",|\band\b|\bwith\b", between):
                seg = between[sep.end():]
                if _VERBISH_EN.search(seg):
                    broken = True
                    break
        # "no change", "not changed": the cue belongs to a change phrase, not to this term
        if not broken and re.match(r"\s*(?:significant\s+)?(?:change|changed|interval change)\b",
                                   low[last.end():]) and low[last.end():start].strip():
            broken = True
        if not broken:
            return True
    after = low[end:c1]
    return bool(_POST_NEG_EN.match(after))


def _mentions(text: str) -> tuple[str, list[_Mention]]:
    low = _lower(text)
    out: list[_Mention] = []
    terms = _term_matches(low)
    clauses = _clauses(low)
    for t0, t1, concept, cat in terms:
        clause = next((c for c in clauses if c[0] <= t0 < c[1]), (0, len(low)))
        zh_comma = low.rfind("，", clause[0], t0)
        if zh_comma >= 0:
            clause = (zh_comma + 1, clause[1])
        neg = _is_negated(low, clause, t0, t1, terms)
        out.append(_Mention(concept, cat, t0, t1, neg))
    return low, out


_DATE_RE = re.compile(r"(?<!\d)(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})(?!\d)")
# List numbers ("IMPRESSION: 1. ...", "2) ...") at the start of a line or after a sentence.
_ENUMERATOR_RE = re.compile(r"((?:^|\n|[.:;]\s)\s*)(\d{1,2}[.)])(?=\s)")
_DIMENSION = {"mm": "length", "cm": "length", "month": "time", "year": "time", "week": "time",
              "day": "time"}


def _dates(low: str) -> Iterator[tuple[int, int, str]]:
    for m in _DATE_RE.finditer(low):
        yield m.start(), m.end(), m.group()


def _numbers(low: str) -> Iterator[tuple[int, int, float, str | None]]:
    """(start, end, value, unit) for every number; a range yields both ends with the unit.

    Dates are masked out (they are checked as whole strings by :func:`check`).
    """
    low = _DATE_RE.sub(lambda m: " " * len(m.group()), low)
    low = _ENUMERATOR_RE.sub(lambda m: m.group(1) + " " * len(m.group(2)), low)
    for m in _NUMBER_RE.finditer(low):
        unit = UNITS.get(m.group(3)) if m.group(3) else None
        yield m.start(1), m.end(1), float(m.group(1)), unit
        if m.group(2):
            yield m.start(2), m.end(2), float(m.group(2)), unit
    for m in _WORD_NUMBER_RE.finditer(low):
        unit = UNITS.get(m.group(3)) if m.group(3) else None
        yield m.start(1), m.end(1), float(WORD_NUMBERS[m.group(1)]), unit
        if m.group(2):
            yield m.start(2), m.end(2), float(WORD_NUMBERS[m.group(2)]), unit
    for m in _ZH_NUMBER_RE.finditer(low):
        unit = UNITS.get(m.group(3))
        for g in (1, 2):
            if m.group(g):
                v = _zh_value(m.group(g))
                if v is not None:
                    yield m.start(g), m.end(g), float(v), unit


def _zh_value(s: str) -> int | None:
    if len(s) == 1:
        return ZH_DIGITS.get(s)
    if s[0] == "十":  # 十二 = 12
        return 10 + (ZH_DIGITS.get(s[1], 0) if len(s) > 1 else 0)
    if len(s) >= 2 and s[1] == "十":  # 二十, 二十四
        tail = ZH_DIGITS.get(s[2], 0) if len(s) > 2 else 0
        return ZH_DIGITS.get(s[0], 0) * 10 + tail
    return None


def _to_mm(value: float, unit: str | None) -> float | None:
    if unit == "mm":
        return value
    if unit == "cm":
        return value * 10
    return None


def _lateralities(low: str) -> Iterator[tuple[int, int, str]]:
    for m in _LATERALITY_EN.finditer(low):
        side = m.group(1) or "bilateral"
        if m.group(1) and (_NOT_SIDE_AFTER.match(low, m.end())
                           or (m.group(1) == "left" and _NOT_SIDE_BEFORE.search(low[:m.start()]))):
            continue
        yield m.start(), m.end(), side
    for m in _LATERALITY_ZH.finditer(low):
        side = {"左": "left", "右": "right"}.get(m.group(1), "bilateral")
        yield m.start(), m.end(), side


def _locations_near(low: str, start: int, end: int, mentions: Iterable[_Mention]) -> set[str]:
    """Location concepts right after (or just before) a laterality word."""
    clause_end = len(low)
    m = _CLAUSE_SPLIT.search(low, end)
    if m:
        clause_end = m.start()
    after = [x for x in mentions if x.category == LOCATION and end <= x.start < min(end + 40, clause_end)]
    near = {x.concept for x in after[:2]}
    if not near:
        before = [x for x in mentions if x.category == LOCATION and start - 30 <= x.end <= start]
        near = {x.concept for x in before[-1:]}
    return near


@dataclass(frozen=True)
class SourceFacts:
    """What the source supports, extracted once (reuse it to check many texts)."""

    numbers: frozenset[tuple[float, str | None]]
    dates: frozenset[str]
    sizes_mm: frozenset[float]
    concepts: frozenset[tuple[str, bool]]
    locations: frozenset[str]
    sides: frozenset[tuple[str, str]]  # (side, family); family "" = anywhere

    @classmethod
    def of(cls, source: str) -> SourceFacts:
        low, mentions = _mentions(source)
        nums = {(v, u) for _, _, v, u in _numbers(low)}
        sizes = {mm for v, u in nums if (mm := _to_mm(v, u)) is not None}
        concepts = {(m.concept, m.negated) for m in mentions if m.category == FINDING}
        locs = {m.concept for m in mentions if m.category == LOCATION}
        sides: set[tuple[str, str]] = set()
        for s0, s1, side in _lateralities(low):
            sides.add((side, ""))
            for loc in _locations_near(low, s0, s1, mentions):
                sides.add((side, loc))
                sides.add((side, LOC_FAMILY.get(loc, loc)))
        dates = frozenset(d for _, _, d in _dates(low))
        return cls(frozenset(nums), dates, frozenset(sizes), frozenset(concepts), frozenset(locs),
                   frozenset(sides))


def check(source: str | SourceFacts, text: str) -> list[Flag]:
    """Flags for every fact in ``text`` that ``source`` does not support, in text order."""
    facts = source if isinstance(source, SourceFacts) else SourceFacts.of(source)
    low, mentions = _mentions(text)
    flags: list[Flag] = []

    def add(kind: FlagKind, s: int, e: int, reason: str) -> None:
        flags.append(Flag(kind, s, e, text[s:e], reason))

    src_values = {v for v, _ in facts.numbers}
    for s, e, value, unit in _numbers(low):
        shown = text[s:e] + (f" {unit}" if unit else "")
        if unit is None:
            if value not in src_values:
                add(FlagKind.NUMBER, s, e, f"the number {text[s:e]} is not in the findings")
            continue
        if (value, unit) in facts.numbers:
            continue
        mm = _to_mm(value, unit)
        if mm is not None and any(abs(mm - x) < 1e-6 for x in facts.sizes_mm):
            continue
        dim = _DIMENSION.get(unit, unit)
        if any(v == value and u is not None and _DIMENSION.get(u, u) == dim
               for v, u in facts.numbers):
            add(FlagKind.UNIT, s, e, f"{shown}: the findings give {text[s:e]} with another unit")
        else:
            add(FlagKind.NUMBER, s, e, f"{shown} is not in the findings")

    for s, e, date in _dates(low):
        if date not in facts.dates:
            add(FlagKind.NUMBER, s, e, f"the date {text[s:e]} is not in the findings")

    for m in mentions:
        span = text[m.start:m.end]
        if m.category == LOCATION:
            if m.concept not in facts.locations:
                add(FlagKind.LOCATION, m.start, m.end, f"the location '{span}' is not in the findings")
            continue
        if (m.concept, m.negated) in facts.concepts:
            continue
        if (m.concept, not m.negated) in facts.concepts:
            if m.negated:
                add(FlagKind.NEGATION, m.start, m.end, f"'{span}' is negated here but present in the findings")
            else:
                add(FlagKind.NEGATION, m.start, m.end, f"the findings say there is no {m.concept}")
        else:
            add(FlagKind.DIAGNOSIS, m.start, m.end, f"'{span}' is not in the findings")

    for s, e, side in _lateralities(low):
        fams = _locations_near(low, s, e, mentions)
        ok = any((side, f) in facts.sides for f in fams) if fams else (side, "") in facts.sides
        if not ok and side == "bilateral":
            ok = all(any((sd, f) in facts.sides for f in (fams or {""})) for sd in ("left", "right"))
        if not ok:
            where = f" for the {'/'.join(sorted(fams))}" if fams else ""
            add(FlagKind.LATERALITY, s, e, f"'{text[s:e]}'{where} is not the side given in the findings")

    flags.sort(key=lambda f: (f.start, f.end))
    return flags
