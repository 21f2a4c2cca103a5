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
stated in the README. Words outside the vocabulary are checked too: a word absent from the
source is suspect unless it is everyday wording (the Dale-Chall list, the discourse of letters, or
common in general English by its wordfreq Zipf frequency) and no clinical word (term patterns, the
findings form's kinds, the clinical lists). The vocabulary (terms, organ families, units, cue words) is data in
:mod:`medgen.text.vocabulary` (loaded from ``guard_vocabulary.toml``); this module holds the
checker only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

import snowballstemmer
from wordfreq import zipf_frequency

from medgen.text.finding_kinds import KINDS
from medgen.text.vocabulary import (
    CUES,
    EN_LEXICON,
    EN_NEGATED_TERMS,
    EN_TERMS,
    FAMILIAR_EN,
    FINDING,
    GENERAL,
    IMPLIES,
    IMPLIES_NEGATED,
    INHERENT_SIDE,
    LOC_FAMILY,
    LOCATION,
    REGIONS,
    SEVERITY,
    UNIT_RE,
    UNITS,
    WORD_NUMBERS,
    ZH_DIGITS,
    ZH_LEXICON,
    ZH_NEGATED_TERMS,
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
_NEXT_WORD = re.compile(r"[ -]([a-z]+)\b")
_NO_OTHER = re.compile(r"\b(?:no|without)\s+(?:other|additional|further|second|more)\s+(?:[a-z-]+\s+){0,2}$")
_OTHER = re.compile(r"\b(?:other|additional|another|further|second|more|extra)\s+(?:[a-z-]+\s+){0,3}$")
_NO_SUBJECT = re.compile(r"\s*(?:[a-z-]+\s+){1,3}(?:is|are|was|were|has been|have been|appears?|seems?|looks?)\s+"
                         r"(?:[a-z]+ly\s+)?(?:[a-z]+\s+(?:or|and|nor)\s+)*$")
_ZH_PSEUDO_NEG = re.compile(r"不能排除|不排除|不除外|无法排除|未能排除|不能除外")
_EN_PSEUDO_NEG = re.compile(r"\b(?:cannot|can not|can't|could not|couldn't|not|unable to)\s+(?:be\s+)?"
                            r"(?:exclude[sd]?|rule[sd]?\s+out)\b|\bnot\s+(?:be\s+)?(?:exclude[sd]?|ruled?\s+out)$")
_NEG_THAT = re.compile(r"\s*(?:(?:clear|definite|convincing|any)\s+)?(?:signs?|evidence|suggestion|indication)\s+that\b")

_NUM = r"\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(
    rf"(?<![A-Za-z0-9_.颈胸腰骶])({_NUM})(?:\s*(?:-|to|x|×|by|到|至|或)\s*({_NUM}))?(?:\s*-?\s*({UNIT_RE})(?![a-z]))?"
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
    #: clinical content (a word or phrase outside the vocabulary) that the source does not support
    UNSUPPORTED = "unsupported"
    #: a descriptor or severity the source gives to another lesion, or not to this one
    DESCRIPTOR = "descriptor"
    #: a size the source gives to another lesion
    SIZE = "size"
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


def _compile_terms() -> list[tuple[re.Pattern[str], str, str, bool]]:
    pats = []
    for pat, concept, cat in EN_TERMS:
        pats.append((re.compile(rf"\b(?:{pat})\b"), concept, cat, False))
    for pat, concept in EN_NEGATED_TERMS:
        pats.append((re.compile(rf"\b(?:{pat})\b"), concept, FINDING, True))
    for pat, concept, cat in ZH_TERMS:
        pats.append((re.compile(re.escape(pat)), concept, cat, False))
    for pat, concept in ZH_NEGATED_TERMS:
        pats.append((re.compile(re.escape(pat)), concept, FINDING, True))
    return pats


_TERMS = _compile_terms()
#: English term patterns matched at the end of a longer word ("osteo|chondral")
_EMBEDDED_TERMS = [(re.compile(rf"(?<=[a-z])(?:{pat})\b"), concept, cat, False) for pat, concept, cat in EN_TERMS]


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


def _term_matches(low: str) -> list[tuple[int, int, str, str, bool]]:
    """All vocabulary matches, longest first, without overlaps.

    Each is (start, end, concept, category, negated in itself).
    """
    found: list[tuple[int, int, str, str, bool]] = []
    for pat, concept, cat, neg in _TERMS:
        for m in pat.finditer(low):
            found.append((m.start(), m.end(), concept, cat, neg))
    found.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
    taken: list[tuple[int, int, str, str, bool]] = []
    for t in found:
        # overlaps are resolved within a category: "pleural effusion" is both the finding
        # "effusion" and the location "pleura"
        if all(t[1] <= o[0] or t[0] >= o[1] for o in taken if o[3] == t[3]):
            taken.append(t)
    return sorted(taken)


def _is_negated(low: str, clause: tuple[int, int], start: int, end: int) -> bool:
    c0, c1 = clause
    before = low[c0:start]
    # Chinese: a cue earlier in the clause (clauses also split at Chinese commas below).
    zh_cue = None
    for m in _NEG_CUES_ZH.finditer(before):
        if _ZH_PSEUDO_NEG.match(before, m.start()):
            continue  # "不能排除": cannot be excluded, i.e. possible
        zh_cue = m
    if zh_cue is not None:
        between = before[zh_cue.end():]
        if not re.search(r"[，,、]?(但|但是|可是|而)", between) and "，" not in between:
            # "没有变化" is the unchanged concept, not a negation of what follows
            if not low.startswith("变化", c0 + zh_cue.end()):
                return True
    last = None
    for m in _NEG_CUES_EN.finditer(before):
        if _EN_PSEUDO_NEG.search(before, max(0, m.start() - 16), m.end()):
            continue  # "cannot exclude", "not ruled out": possible, not negated
        last = m
    if last is not None:
        between = before[last.end():]
        whole_clause = bool(_NEG_THAT.match(between)  # "no signs that it is infected"
                            or (last.group() in ("no", "none") and _NO_SUBJECT.match(between)))  # "no bones are broken"
        broken = bool(_SCOPE_BREAK_EN.search(between) or (_FINITE_EN.search(between) and not whole_clause))
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


_NON_PREFIX = re.compile(r"\bnon[- ]?$")


def _mentions(text: str) -> tuple[str, list[_Mention]]:
    low = _lower(text)
    out: list[_Mention] = []
    terms = _term_matches(low)
    clauses = _clauses(low)
    for t0, t1, concept, cat, inherent in terms:
        if concept in SEVERITY and t0 > 0 and low[t0 - 1] in "最更":
            continue  # "以两肺底部最明显": where it is most marked, not a severity
        # "non-dilated", "non enhancing": the prefix negates any finding term
        prefixed = cat == FINDING and not inherent and bool(_NON_PREFIX.search(low, max(0, t0 - 5), t0))
        neg = inherent or prefixed or _is_negated(low, _clause_of(low, clauses, t0), t0, t1)
        out.append(_Mention(concept, cat, t0, t1, neg))
    for m in _ZH_LEVEL_RE.finditer(low):  # "胸12" = t12, "颈5-6" = c5-c6
        a = f"{_ZH_SPINE[m.group(1)]}{m.group(2)}"
        b = f"{_ZH_SPINE[m.group(3) or m.group(1)]}{m.group(4)}" if m.group(4) else ""
        out.append(_Mention(f"{a}-{b}" if b else a, LOCATION, m.start(), m.end(), False))
    for m in _LEVEL_RE.finditer(low):  # spinal levels are places of their own ("l4-l5")
        a = f"{m.group(1)}{m.group(2)}"
        concept = f"{a}-{m.group(3) or m.group(1)}{m.group(4)}" if m.group(4) else a
        out.append(_Mention(concept, LOCATION, m.start(), m.end(), False))
    out.sort(key=lambda x: (x.start, x.end))
    return low, out


_LEVEL_RE = re.compile(r"(?<![a-z0-9])([ctls])(\d{1,2})(?:\s*(?:-|/|to)\s*([ctls])?(\d{1,2}))?(?![a-z0-9])"
                       r"(?!\s*(?:/|-?weighted|signal|hyper|hypo|flair|sequence|image))")
_ZH_LEVEL_RE = re.compile(r"([颈胸腰骶])(\d{1,2})(?:\s*[-/~～]\s*([颈胸腰骶])?(\d{1,2}))?(?!\d)")
_ZH_SPINE = {"颈": "c", "胸": "t", "腰": "l", "骶": "s"}
_LEVEL_CONCEPT = re.compile(r"[ctls]\d{1,2}(?:-[ctls]\d{1,2})?")


def _levels(locs: Iterable[str]) -> set[str]:
    """Spinal levels among ``locs``, a range also as its two ends ("l4-l5" -> l4, l5)."""
    return {y for x in locs if _LEVEL_CONCEPT.fullmatch(x) for y in (x, *x.split("-"))}


def _clause_of(low: str, clauses: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    """The clause holding ``pos`` (a Chinese comma starts a new negation scope)."""
    clause = next((c for c in clauses if c[0] <= pos < c[1]), (0, len(low)))
    zh_comma = low.rfind("，", clause[0], pos)
    if zh_comma >= 0:
        clause = (zh_comma + 1, clause[1])
    return clause


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
    low = _ZH_LEVEL_RE.sub(lambda m: " " * len(m.group()), low)  # spinal levels are places
    low = _LEVEL_RE.sub(lambda m: " " * len(m.group()), low)
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


def _locations_near(low: str, start: int, end: int, mentions: Iterable[_Mention],
                    n: int = 2) -> set[str]:
    """Location concepts right after (or just before) a laterality word."""
    clause_end = len(low)
    m = _CLAUSE_SPLIT.search(low, end)
    if m:
        clause_end = m.start()
    if low[start:end][:1] in "左右双两":  # Chinese: the place follows its side word directly (左侧额叶, 右肾)
        gap = re.match(r"侧?的?", low[end:]).end()  # type: ignore[union-attr]
        return {x.concept for x in mentions if x.category == LOCATION and x.start == end + gap}
    after = [x for x in mentions if x.category == LOCATION and end <= x.start < min(end + 40, clause_end)]
    near = {x.concept for x in after[:n]}
    if not near:
        c0 = max((m.end() for m in _CLAUSE_SPLIT.finditer(low, 0, start)), default=0)
        before = [x for x in mentions if x.category == LOCATION and max(c0, start - 30) <= x.start
                  and x.end <= start]
        near = {x.concept for x in before[-1:]}
    return near



# ---- general content: words outside the vocabulary, lesions with their attributes ----------

_STEMMER = snowballstemmer.stemmer("english")
_WORD_RE = re.compile(r"[a-z]+(?:['’][a-z]+)*(?:-[a-z]+)*")
_MODIFIERS = frozenset(GENERAL["modifier_concepts"])
_SEGMENT_SPLIT = re.compile(r",|，|、|\band\b|\bwith\b|\bwhile\b|\bwhereas\b|\bbut\b|和|以及|并且|但")
_GRADE_RE = re.compile(r"\bgrade\s*(1|2|3|iii|ii|i|one|two|three)\b|([123])级")
_GRADES = {"1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3, "one": 1, "two": 2, "three": 3}
_DIRECTION_KEYS = frozenset(f"={i}" for i, g in enumerate(GENERAL["synonyms"])
                            if g and g[0] in GENERAL.get("direction_groups", ()))
_GROUP_OF_HEAD = {g[0]: f"={i}" for i, g in enumerate(GENERAL["synonyms"]) if g}
#: direction group key -> the key of its opposite ("top" <-> "bottom")
_OPPOSITE = {_GROUP_OF_HEAD[a]: _GROUP_OF_HEAD[b] for x, y in GENERAL.get("direction_opposites", ())
             for a, b in ((x, y), (y, x))}
_ZH_SEVERITY = {w: lvl for w, lvl in SEVERITY.items() if not w.isascii()}
_WITH_NO_CUT = re.compile(r"(?:consistent|compatible|keeping|together|along)\s*$")
_SAME_LESION = re.compile(CUES.get("same_lesion", r"(?!x)x"))
_CITATION = re.compile(CUES.get("citation", r"(?!x)x"))
_ZH_STOP = set("的有是在了个一您你这那也和与及或但没无未不很较稍还并就都其它它们及处见到")


#: British -> American spelling of medical words, applied before stemming so either spelling of
#: the report supports the other: haem/hem, paed/ped, oedema/edema, diarrhoea, tumour/tumor,
#: centre/center, -ise/-ize.
_SPELLING = ((re.compile(r"(?<=[a-z])ae(?=[a-z])"), "e"), (re.compile(r"^oe(?=[a-z])"), "e"),
             (re.compile(r"(?<=rrh)oe"), "e"), (re.compile(r"(?<=.{2}[mlhvid])our(?=s?$|ed$|ing$|able$)"), "or"),
             (re.compile(r"(?<=.{3}[tb])re(?=s?$)"), "er"),
             (re.compile(r"(?<=.{3})is(?=e$|ed$|es$|ing$|ation$|ations$)"), "iz"))


def _respell(word: str) -> str:
    """The American spelling of a British-spelled word (other words unchanged)."""
    for pat, rep in _SPELLING:
        word = pat.sub(rep, word)
    return word


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(_respell(word)))


def _stems(words: str) -> frozenset[str]:
    out = set()
    for w in words.split():
        out.add(w)
        out.add(_stem(w.replace("-", "")))
    return frozenset(out)


_FILLER = _stems(GENERAL["filler"]) | _stems(" ".join(UNITS))
_ANATOMY = _stems(GENERAL["anatomy"])
_SYNONYM_GROUPS: dict[str, set[str]] = {}
for _i, _group in enumerate(GENERAL["synonyms"]):
    for _w in _group:
        _SYNONYM_GROUPS.setdefault(_stem(_w.replace("-", "")), set()).add(f"={_i}")
_LAY_PHRASES = [(re.compile(rf"\b(?:{pat})\b"), word) for pat, word in GENERAL.get("lay_phrases", [])]
_ZH_CLINICAL = re.compile("|".join(re.escape(x) for x in sorted(GENERAL["zh_clinical"], key=len, reverse=True)))
_ZH_FILLER = re.compile("|".join(re.escape(x) for x in GENERAL["zh_filler"]))


# Everyday words: familiar English (Dale-Chall) or the discourse of letters to patients, minus every
# word the vocabulary knows as clinical (synonym groups, severity scale, anatomy, lay_clinical, places).
# generic part words of the anatomy list ("a 20 cm segment"): everyday, not clinical on their own
_PART_WORDS = frozenset("segment segments region regions zone zones portion part parts area areas side sides "
                        "space spaces surface".split())
_DISCOURSE = frozenset(GENERAL.get("discourse", "").split())
_EVERYDAY = FAMILIAR_EN | _DISCOURSE
_CLINICAL_WORDS = frozenset(
    w for words in (
        [x for g in GENERAL["synonyms"] for x in g],
        [w for w in SEVERITY if w.isascii()],
        [w for w in GENERAL["anatomy"].split() if w not in _PART_WORDS],
        GENERAL.get("lay_clinical", "").split(),
        [w for k, v in REGIONS.items() for x in [k, *v] for w in x.split()],
        [w for k, v in LOC_FAMILY.items() for x in (k, v) for w in x.split()],
        [w for k, v in IMPLIES.items() for x in [k, *v] for w in x.split()],
    ) for w in words)
# Clinical words grown from the data the repo already has: every word of the term patterns (English
# findings, descriptors and places) and of the findings form's kinds and qualifiers. Such a word is
# never everyday by its frequency alone, however common it is in general English.
_TERM_WORDS = frozenset(
    w for words in (
        [w for pat, _, _ in EN_TERMS for w in re.findall(r"[a-z]{3,}", pat)],
        [w for pat, _ in EN_NEGATED_TERMS for w in re.findall(r"[a-z]{3,}", pat)],
        [w for k in KINDS for w in re.findall(r"[a-z]{3,}", k.name.lower())],
        [w for k in KINDS for g in k.qualifiers for o in g.options for w in re.findall(r"[a-z]{3,}", o.lower())],
        GENERAL.get("clinical_common", "").split(),
    ) for w in words)
# Greek / Latin endings of findings, procedures and tests ("-itis", "-oma", "-ectomy", "-gram"): a
# word with one is never everyday by its frequency alone.
_CLINICAL_ENDING = re.compile(r"(?:itis|osis|oses|omas?|omata|a?emia|pathy|plasia|trophy|ectasis|megaly|rrhage|rrhoea|"
                              r"rrhea|algia|ectomy|otomy|ostomy|plasty|scopy|gram|graphy|cele|lith|iasis|sclerosis)$")
_CLINICAL_STEMS = frozenset(_stem(w.replace("-", "")) for w in _CLINICAL_WORDS)
_TERM_STEMS = frozenset(_stem(w) for w in _TERM_WORDS) | _CLINICAL_STEMS
#: Zipf frequency (wordfreq, general English) from which a non-clinical word counts as everyday:
#: common words absent from the source are lay wording, rare / technical ones are suspect.
_EVERYDAY_ZIPF = float(GENERAL.get("everyday_zipf", 99.0))
_LEMMA_RULES = (("ies", "y"), ("ied", "y"), ("iest", "y"), ("ier", "y"), ("ily", "y"), ("es", ""),
                ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("er", ""), ("er", "e"),
                ("est", ""), ("est", "e"), ("ly", ""), ("ness", ""))


def _lemmas(word: str) -> set[str]:
    """The word and the base forms an English inflection may come from ("biggest" -> "big")."""
    out = {word}
    for suffix, rep in _LEMMA_RULES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            base = word[: -len(suffix)] + rep
            out.add(base)
            if not rep and len(base) >= 3 and base[-1] == base[-2]:
                out.add(base[:-1])  # "bigg" -> "big", "tipped" -> "tip"
    return out


@lru_cache(maxsize=65536)
def _is_everyday(word: str) -> bool:
    """True for an everyday word that names no finding, place, size or change ("reassuring",
    "decide", "whether"); such a word is not flagged when the source lacks it. Hyphenated words
    are everyday when every part is."""
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        return all(_is_everyday(p) or _is_filler(p) for p in parts)
    lemmas = _lemmas(word) | _lemmas(_respell(word))  # "gynaecologist"
    if lemmas & _PART_WORDS:
        return True
    if any(x in _CLINICAL_WORDS or _stem(x) in _CLINICAL_STEMS for x in lemmas):
        return False
    if any(x in _EVERYDAY for x in lemmas):
        return True
    return _common_english(word) and not _CLINICAL_ENDING.search(word) \
        and not any(x in _TERM_WORDS or _stem(x) in _TERM_STEMS for x in lemmas)


@lru_cache(maxsize=65536)
def _common_english(word: str) -> bool:
    """True when ``word`` is common in general English (wordfreq Zipf >= ``everyday_zipf``)."""
    return zipf_frequency(word, "en") >= _EVERYDAY_ZIPF


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[frozenset[str], bool]:
    """Lookup keys of one word (its stem and synonym groups), and whether it is "non-..."."""
    w = word.replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    neg = False
    m = re.match(r"non-?(.{4,})$", w) or re.match(r"un([a-z]{4,})$", w)
    if m and (w.startswith("non") or _stem(m.group(1)) in _SYNONYM_GROUPS):  # "uninjured": not injured
        neg, w = True, m.group(1)
    st = _stem(w.replace("-", ""))
    level = {f"severity={SEVERITY[w]}"} if w in SEVERITY else set()  # "a bit" is "mild"
    return frozenset({st} | _SYNONYM_GROUPS.get(st, set()) | level), neg


@lru_cache(maxsize=65536)
def _is_filler(word: str) -> bool:
    if word in _FILLER:
        return True
    if _stem(word.replace("-", "")) in _FILLER:
        return True
    return "-" in word and all(p in _FILLER or _stem(p) in _FILLER for p in word.split("-") if p)


def _words(low: str, clauses: list[tuple[int, int]]) -> Iterator[tuple[int, int, str, frozenset[str], bool]]:
    """(start, end, word, keys, negated) for every English content word (filler left out)."""
    for m in _WORD_RE.finditer(low):
        w = m.group()
        if _is_filler(w):
            continue
        keys, pneg = _word_keys(w)
        neg = _is_negated(low, _clause_of(low, clauses, m.start()), m.start(), m.end())
        yield m.start(), m.end(), w, keys, neg != pneg


@dataclass(frozen=True)
class _Lesion:
    heads: frozenset[str]
    polar_heads: frozenset[tuple[str, bool]]
    severity: frozenset[int]
    mods: frozenset[tuple[str, bool]]
    sizes: frozenset[float]
    sides: frozenset[str]
    locs: frozenset[str]
    mod_spans: tuple[tuple[int, int, str, bool], ...]
    size_spans: tuple[tuple[int, int, float], ...]
    start: int = 0
    end: int = 0
    #: direction groups of its plain place words ("posterior" horn, "upper" pole)
    dirs: frozenset[str] = frozenset()
    #: (place, stem of a word right before it that no term covers): which ligament, which artery
    quals: frozenset[tuple[str, str]] = frozenset()


def _lesions(low: str, mentions: list[_Mention]) -> list[_Lesion]:
    """One (lesion, descriptors, sizes, sides, locations) tuple per lesion named in a clause.

    A clause is split into segments at commas, "and", "with", ...; a segment that names a
    finding starts a lesion, one that does not adds its attributes to the lesion before it
    (or, at the start of a clause, all but its sizes to the next one).
    """
    cites = [m.span() for m in _CITATION.finditer(low)]  # "(... guidelines for ... nodules)"

    def free(pos: int) -> bool:
        return not any(a <= pos < b for a, b in cites)

    mentions = [m for m in mentions if free(m.start)]
    sizes = [(s, e, mm) for s, e, v, u in _numbers(low) if (mm := _to_mm(v, u)) is not None and free(s)]
    sides = [x for x in _lateralities(low) if free(x[0])]
    out: list[_Lesion] = []
    for c0, c1 in _clauses(low):
        cuts = [c0] + [m.start() for m in _SEGMENT_SPLIT.finditer(low, c0, c1)
                       if not (m.group() == "with" and _WITH_NO_CUT.search(low, max(c0, m.start() - 16), m.start()))
                       and not any(x.start < m.start() < x.end for x in mentions)  # "wear and tear"
                       ] + [c1]
        groups: list[dict[str, Any]] = []
        pending: dict[str, Any] | None = None
        for a, b in zip(cuts, cuts[1:], strict=False):
            seg: dict[str, Any] = {
                "span": [a, b],
                "heads": {m.concept for m in mentions if a <= m.start < b and m.category == FINDING
                          and m.concept not in _MODIFIERS},
                "polar": {(m.concept, m.negated) for m in mentions if a <= m.start < b
                          and m.category == FINDING and m.concept not in _MODIFIERS},
                "severity": {SEVERITY[w.group()] for w in _WORD_RE.finditer(low, a, b)
                             if w.group() in SEVERITY and not re.search(r"\b(?:most|more)\s+$", low[a:w.start()])}
                | {_GRADES[g.group(1) or g.group(2)] for g in _GRADE_RE.finditer(low, a, b)}
                | {lvl for w, lvl in _ZH_SEVERITY.items() if w in low[a:b]},
                "mods": [(m.start, m.end, m.concept, m.negated) for m in mentions
                         if a <= m.start < b and m.category == FINDING and m.concept in _MODIFIERS],
                "sizes": [x for x in sizes if a <= x[0] < b],
                "sides": {x[2] for x in sides if a <= x[0] < b},
                "locs": {m.concept for m in mentions if a <= m.start < b and m.category == LOCATION},
                "dirs": _directions(low, a, b, mentions),
                "quals": _place_qualifiers(low, a, b, mentions),
            }
            if seg["heads"] and groups and _SAME_LESION.match(low, a + 1 if low[a] in ",，" else a):
                g = groups[-1]  # "a 7 cm mass, consistent with a lipoma": one lesion
                for k in ("heads", "polar", "sides", "locs", "severity", "dirs", "quals"):
                    g[k] |= seg[k]
                g["mods"] += seg["mods"]
                g["sizes"] += seg["sizes"]
                g["span"][1] = b
            elif seg["heads"]:
                if groups and not seg["locs"] and not seg["sides"] and _BUT_SAME_SUBJECT.fullmatch(low, a, b):
                    # "the ligament is thickened but intact": one subject, two predicates
                    seg["locs"] = set(groups[-1]["locs"])
                    seg["sides"] = set(groups[-1]["sides"])
                    seg["quals"] = set(groups[-1]["quals"])
                if pending is not None and low[a] != "，":  # "A 2 cm, enhancing mass"
                    own = _own_noun(low, pending["span"][0], pending["span"][1], mentions)  # "Severe narrowing ..., with cysts"
                    seg["mods"] = [x for x in pending["mods"] if not own or x[2] not in SEVERITY] + seg["mods"]
                    seg["sizes"] = pending["sizes"] + seg["sizes"]
                    for k in ("sides", "locs", "dirs", "quals") + (() if own else ("severity",)):
                        seg[k] |= pending[k]
                    pending = None
                groups.append(seg)
            elif groups and low[a] == "，" and seg["locs"] and not seg["locs"] & groups[-1]["locs"]:
                continue  # "关节里有中等量积液，软骨轻度变薄": another structure, not the effusion
            elif groups:
                g = groups[-1]
                if _own_noun(low, a, b, mentions):  # "and mild shift of ...": not this lesion's severity
                    seg["mods"] = [x for x in seg["mods"] if x[2] not in SEVERITY]
                g["mods"] += seg["mods"]
                g["sizes"] += seg["sizes"]
                g["sides"] |= seg["sides"]
                g["locs"] |= seg["locs"]
                g["dirs"] |= seg["dirs"]
                g["quals"] |= seg["quals"]
                if not _own_noun(low, a, b, mentions):
                    g["severity"] |= seg["severity"]
                g["span"][1] = b
            elif pending is None:
                pending = seg
            else:
                for k in ("mods", "sizes"):
                    pending[k] += seg[k]
                for k in ("sides", "locs", "severity", "dirs", "quals"):
                    pending[k] |= seg[k]
        for g in groups:
            out.append(_Lesion(
                frozenset(g["heads"]), frozenset(g["polar"]), frozenset(g["severity"]),
                frozenset((c, n) for _, _, c, n in g["mods"]),
                frozenset(mm for _, _, mm in g["sizes"]), frozenset(g["sides"]),
                frozenset(g["locs"]), tuple(g["mods"]), tuple(g["sizes"]), start=g["span"][0],
                end=g["span"][1], dirs=frozenset(g["dirs"]), quals=frozenset(g["quals"])))
    return out


_BUT_SAME_SUBJECT = re.compile(r"\s*(?:but|yet)\s+(?:(?:is|are|was|were|remains?|otherwise|still)\s+)?[a-z-]+\s*")


def _place_qualifiers(low: str, a: int, b: int, mentions: list[_Mention]) -> set[tuple[str, str]]:
    """(place, stem) for the up to two content words right before each place of low[a:b] that no
    term covers ("the calcaneofibular ligament" -> (ligament, calcaneofibular))."""
    out: set[tuple[str, str]] = set()
    for m in mentions:
        if m.category != LOCATION or not a <= m.start < b:
            continue
        before = list(_WORD_RE.finditer(low, max(a, m.start - 40), m.start))[-2:]
        for w in reversed(before):
            x = w.group()
            if re.search(r"[^\sa-z-]", low[w.end():m.start]):
                break  # a comma or a bracket in between: another phrase
            if any(o.start <= w.start() < o.end for o in mentions) or _is_filler(x) or x in _SIDE_WORDS \
                    or x in SEVERITY:
                break
            out.add((m.concept, _stem(x.replace("-", ""))))
    return out


def _directions(low: str, a: int, b: int, mentions: list[_Mention]) -> set[str]:
    """Direction groups of the plain place words in low[a:b] outside terms ("posterior" horn)."""
    out: set[str] = set()
    for w in _WORD_RE.finditer(low, a, b):
        if any(m.start <= w.start() < m.end for m in mentions):
            continue
        out |= _word_keys(w.group())[0] & _DIRECTION_KEYS
    return out


def _own_noun(low: str, a: int, b: int, mentions: list[_Mention]) -> bool:
    """True when the segment low[a:b] holds a content word that no term covers (its own noun);
    in Chinese, two uncovered Han characters right after a severity word ("轻度后凸")."""
    for zw in _ZH_SEVERITY:
        i = low.find(zw, a, b)
        if i >= 0:
            j = i + len(zw)
            nxt = low[j:j + 2]
            if len(nxt) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in nxt) \
                    and not any(m.start <= j < m.end for m in mentions):
                return True
    for w in _WORD_RE.finditer(low, a, b):
        x = w.group()
        if _is_filler(x) or x in SEVERITY or x in _SIDE_WORDS or re.fullmatch(r"(?:left|right)ward", x):
            continue
        if not any(m.start <= w.start() < m.end for m in mentions):
            return True
    return False


def _zh_clinical_spans(low: str, covered: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Chinese clinical-looking words that no vocabulary term covers."""
    filler = [(m.start(), m.end()) for m in _ZH_FILLER.finditer(low)]
    taken = covered + filler
    for m in _ZH_CLINICAL.finditer(low):
        s, e = m.span()
        if any(a < e and s < b for a, b in taken):
            continue
        # widen to the word: up to two Han characters either side that are not function words
        while s > 0 and e - s < 4 and "\u4e00" <= low[s - 1] <= "\u9fff" and low[s - 1] not in _ZH_STOP \
                and not any(a < s and s - 1 < b for a, b in taken):
            s -= 1
        taken.append((s, e))
        yield s, e


_NORMAL_WORDS = r"(?:intact|normal|unremarkable|preserved|clear|patent|congruent)"
# "X is intact", "intact X", "X: normal" (not "enhances normally")
_NORMAL_CUE = re.compile(rf"\b(?:is|are|was|were|remains?|appears?|looks?|otherwise)\s+(?:\w+\s+)?{_NORMAL_WORDS}\b"
                         rf"|(?:^|[:.]\s*|\b(?:an?|the)\s+){_NORMAL_WORDS}\b|:\s*{_NORMAL_WORDS}\b|完好|正常|完整")


def _normal_places(low: str, mentions: list[_Mention]) -> Iterator[tuple[str, str]]:
    """(place, side) for every place of a clause that calls it intact / normal / clear and states
    no finding there ("The medial malleolus is intact.", "The right lung is clear."), unless the
    source states a finding at that place elsewhere ("The frontal sinuses are clear" next to a
    maxillary sinusitis: "sinus" is not normal)."""
    positive: set[tuple[str, str]] = set()
    for les in _lesions(low, mentions):
        if any(not n for _, n in les.polar_heads):
            # the lesion's own place (a lesion naming several places may use them as references:
            # "5 cm above its calcaneal insertion") and the places its finding implies
            own = _around(les.locs) if len(les.locs) == 1 else set()
            for loc in own | {i for h in les.heads for i in IMPLIES.get(h, ())}:
                positive |= {(loc, sd) for sd in les.sides or {""}}
    for place, side in _normal_places_raw(low, mentions):
        if (place, side) in positive or (place, "") in positive or (not side and any(p == place for p, _ in positive)):
            continue
        yield place, side


def _normal_places_raw(low: str, mentions: list[_Mention]) -> Iterator[tuple[str, str]]:
    for c0, c1 in _clauses(low):
        if not _NORMAL_CUE.search(low, c0, c1):
            continue
        here = [m for m in mentions if c0 <= m.start < c1]
        if any(m.category == FINDING and not m.negated and m.concept not in _MODIFIERS for m in here):
            continue
        sides = {x[2] for x in _lateralities(low[:c1]) if x[0] >= c0}
        side = next(iter(sides)) if len(sides) == 1 else ""
        for m in here:
            if m.category == LOCATION:
                yield m.concept, side


def _at_normal_place(facts: SourceFacts, locs: Iterable[str], sides: Iterable[str],
                     strict: bool = False) -> set[str]:
    """The places among ``locs`` that the source calls normal (side-compatible; ``strict``: a
    place the source calls normal on one side only counts when the text names that side)."""
    sides = set(sides)
    return {loc for loc in locs for place, side in facts.normal_places
            if (place == loc or (not strict and loc in _around({place})))
            and (not side or side in sides or (not sides and not strict))}


def _regions(locs: Iterable[str]) -> set[str]:
    """The body regions that contain any of ``locs`` (transitively: "radius" -> "forearm", "arm")."""
    out: set[str] = set()
    todo = list(locs)
    while todo:
        for r in REGIONS.get(todo.pop(), ()):
            if r not in out:
                out.add(r)
                todo.append(r)
    return out


@dataclass(frozen=True)
class SourceFacts:
    """What the source supports, extracted once (reuse it to check many texts)."""

    numbers: frozenset[tuple[float, str | None]]
    dates: frozenset[str]
    sizes_mm: frozenset[float]
    concepts: frozenset[tuple[str, bool]]
    locations: frozenset[str]
    sides: frozenset[tuple[str, str]]  # (side, family); family "" = anywhere
    #: word key (stem or synonym group) -> the polarities it has in the source
    words: dict[str, frozenset[bool]] = field(default_factory=dict)
    lesions: tuple[_Lesion, ...] = ()
    #: (size in mm, the word right after it): "a 2 cm gap"
    size_words: frozenset[tuple[float, str]] = frozenset()
    #: every prefix (5+ letters) of every source word ("stenosed" is supported by "stenosis")
    prefixes: frozenset[str] = frozenset()
    #: the source's words in order (abbreviations are matched against them)
    word_seq: tuple[str, ...] = ()
    #: places the source calls intact / normal / clear, with the side it names ("" = none)
    normal_places: frozenset[tuple[str, str]] = frozenset()
    #: sides given as a direction ("rightward shift", "displaced to the left")
    directions: frozenset[str] = frozenset()
    #: findings the source denies beyond those it names ("No other liver lesion")
    no_other: frozenset[str] = frozenset()
    #: (size in mm, the places named in its sentence part) for every size of the source
    size_places: frozenset[tuple[float, frozenset[str]]] = frozenset()
    #: every source word (outside a negated modifier phrase) -> its polarities
    polar_words: dict[str, frozenset[bool]] = field(default_factory=dict)
    #: synonym groups of the words of the source's finding terms -> their polarities
    term_groups: dict[str, frozenset[bool]] = field(default_factory=dict)
    #: every source word part in order: (stem, start of its clause, its polarities); the bilingual
    #: lexicon's English equivalents are looked up in it
    tokens: tuple[tuple[str, int, frozenset[bool]], ...] = ()
    #: stem -> its positions in ``tokens``
    token_pos: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, source: str) -> SourceFacts:
        low, mentions = _mentions(source)
        nums = {(v, u) for _, _, v, u in _numbers(low)}
        sizes = {mm for v, u in nums if (mm := _to_mm(v, u)) is not None}
        concepts = {(m.concept, m.negated) for m in mentions if m.category == FINDING}
        locs = {m.concept for m in mentions if m.category == LOCATION}
        implied_words: set[tuple[str, bool]] = set()
        for m in mentions:  # "appendicitis" supports "inflammation", "radius" supports "bone"
            for implied in IMPLIES.get(m.concept, ()):
                concepts.add((implied, m.negated))
                locs.add(implied)
                if m.category == LOCATION:  # a place states nothing: "ventricle" -> fluid, either way
                    implied_words |= {(implied, False), (implied, True)}
                else:  # "no lymphadenopathy" -> not enlarged
                    implied_words.add((implied, m.negated))
            if m.negated:  # "no consolidation" -> no pneumonia
                for implied in IMPLIES_NEGATED.get(m.concept, ()):
                    concepts.add((implied, True))
                    implied_words.add((implied, True))
        # a place named inside a compound word ("osteochondral": cartilage, "perinephric": kidney
        # when the vocabulary has the root) is a place of the source too
        locs |= {concept for pat, concept, cat, _ in _EMBEDDED_TERMS if cat == LOCATION and pat.search(low)}
        locs |= {LOC_FAMILY[x] for x in locs if x in LOC_FAMILY}  # "frontal lobe" supports "brain"
        for w in set(_WORD_RE.findall(low)):  # "infrarenal aorta": the kidney is a reference place
            if _PLACE_ADJECTIVE.match(w):
                root = re.sub(r"^(?:peri|para|sub|intra|extra|retro|infra|supra|inter|trans|juxta|pre|post)-?", "", w)
                locs |= {t[2] for t in _term_matches(root) if t[3] == LOCATION}
        locs |= _regions(locs)  # ... and "head"
        locs |= _levels(locs)  # "l4-l5" supports "l4" and "l5"
        spine = {x[0] for x in locs if _LEVEL_CONCEPT.fullmatch(x)}  # "c5-c6": the cervical spine
        spinal = {"cervical spine" if c == "c" else "lumbar" if c in "ls" else "spine" for c in spine}
        locs |= _around(spinal)
        # "grade 2 sprain" states a moderate severity
        concepts |= {({1: "mild", 2: "moderate", 3: "severe"}[_GRADES[g.group(1) or g.group(2)]], False)
                     for g in _GRADE_RE.finditer(low)}
        sides: set[tuple[str, str]] = set()
        for m in mentions:  # "the ovaries are unremarkable": both ovaries
            if m.category == LOCATION and low[m.start:m.end].endswith("s") and not m.concept.endswith("s") \
                    and not _LATERALITY_EN.search(re.split(r"[.;:\n]", low[max(0, m.start - 25):m.start])[-1]):
                sides |= {("bilateral", m.concept), ("bilateral", LOC_FAMILY.get(m.concept, m.concept))}
        for m in mentions:  # the lingula is in the left lung
            if m.category == LOCATION and m.concept in INHERENT_SIDE:
                side = INHERENT_SIDE[m.concept]
                sides |= {(side, ""), (side, m.concept), (side, LOC_FAMILY.get(m.concept, m.concept))}
        for s0, s1, side in _lateralities(low):
            sides.add((side, ""))
            for loc in _locations_near(low, s0, s1, mentions):
                sides.add((side, loc))
                sides.add((side, LOC_FAMILY.get(loc, loc)))
                sides |= {(side, r) for r in _regions({loc, LOC_FAMILY.get(loc, loc)})}
        dates = frozenset(d for _, _, d in _dates(low))
        words: dict[str, set[bool]] = {}
        polar_words: dict[str, set[bool]] = {}
        clauses = _clauses(low)
        tokens: list[tuple[str, int, frozenset[bool]]] = []
        for wm in _WORD_RE.finditer(low):
            clause = _clause_of(low, clauses, wm.start())
            neg = _is_negated(low, clause, wm.start(), wm.end())
            whole = wm.group()
            parts0 = [p for p in whole.split("-") if p]
            if parts0 and parts0[0] == "non":  # "non-displaced": the rest is negated
                tokens += [(_stem(p), clause[0], frozenset({not neg})) for p in parts0[1:]]
            elif neg and _place_after_preposition(low, wm.start()):
                # a place after a preposition ("no hemorrhage within the lesion"): no polarity of its own
                tokens += [(_stem(p), clause[0], frozenset({False, True})) for p in parts0]
            else:
                tokens += [(_stem(p), clause[0], frozenset({neg})) for p in parts0]
            if neg and not _is_filler(whole) and (nxt := _NEXT_WORD.match(low, wm.end())) \
                    and not _is_filler(nxt.group(1)):
                for k in _word_keys(whole)[0]:  # "no cord signal abnormality": "signal" is a modifier
                    words.setdefault(k, set()).update((False, True))
                continue
            parts = [whole] + (whole.split("-") if "-" in whole and not _word_keys(whole)[1] else [])
            for w in parts:
                keys, pneg = _word_keys(w)
                polar_words.setdefault(w, set()).add(neg != pneg)
                for k in keys:
                    words.setdefault(k, set()).add(neg != pneg)
        place_words = [_stem(w.replace("-", "")) for m in mentions if m.category == LOCATION
                       for w in _WORD_RE.findall(low, m.start, m.end)]
        for stem in place_words + [q for _, q in _place_qualifiers(low, 0, len(low), mentions)]:
            words.setdefault(stem, set()).update((False, True))  # "urinary" bladder: a place word, no polarity
        named = {(m.concept, m.negated) for m in mentions} | implied_words
        places = {m.concept for m in mentions if m.category == LOCATION} | _around(spinal)
        places |= {LOC_FAMILY.get(x, x) for x in places}
        named |= {(x, n) for x in places | _regions(places) for n in (False, True)}  # places have no polarity
        for concept, neg in named:  # concept names as words
            for w in concept.split():
                for k in _word_keys(w)[0]:
                    words.setdefault(k, set()).add(neg)
        term_groups: dict[str, set[bool]] = {}
        for m in mentions:
            if m.category == FINDING:
                for w in _WORD_RE.findall(low, m.start, m.end) + m.concept.split():
                    for k in _word_keys(w)[0]:
                        if k.startswith("="):
                            term_groups.setdefault(k, set()).add(m.negated)
        return cls(frozenset(nums), dates, frozenset(sizes), frozenset(concepts), frozenset(locs),
                   frozenset(sides), {k: frozenset(v) for k, v in words.items()},
                   tuple(_lesions(low, mentions)),
                   prefixes=frozenset(w[:n] for w in _WORD_RE.findall(low) for n in range(5, len(w) + 1)),
                   size_words=frozenset((mm, w) for _, mm, w in _size_words(low, mentions)),
                   word_seq=tuple(w for w in re.findall(r"[a-z]+", low) if not _is_filler(w) or len(w) > 3),
                   normal_places=frozenset(_normal_places(low, mentions)),
                   no_other=frozenset(m.concept for m in mentions if m.negated and m.category == FINDING
                                      and _NO_OTHER.search(low, max(0, m.start - 40), m.start)),
                   directions=frozenset(side for s0, s1, side in _lateralities(low)
                                        if low[s0:s1].endswith("ward")
                                        or _DIRECTION.search(low, max(0, s0 - 60), s0)),
                   term_groups={k: frozenset(v) for k, v in term_groups.items()},
                   polar_words={k: frozenset(v) for k, v in polar_words.items()},
                   tokens=tuple(tokens),
                   token_pos=_positions(tokens),
                   size_places=frozenset((mm, frozenset(p)) for _, mm, p in _size_places(low, mentions)))


def _positions(tokens: list[tuple[str, int, frozenset[bool]]]) -> dict[str, tuple[int, ...]]:
    """stem -> its positions in ``tokens`` (one pass)."""
    pos: dict[str, list[int]] = {}
    for i, t in enumerate(tokens):
        pos.setdefault(t[0], []).append(i)
    return {st: tuple(v) for st, v in pos.items()}


_HAN = re.compile(r"[\u4e00-\u9fff]")
_AFTER_PREPOSITION = re.compile(r"\b(?:into|in|of|within|on|at|around|near|from|inside|to|beside|behind|under)"
                                r"\s+(?:(?:the|a|an|its|their)\s+)?$")
_EVIDENCE_OF = re.compile(r"\b(?:signs?|evidence|suggestion|features?|findings?|indication)\s+(?:of|for)\s+(?:the\s+)?$")


def _place_after_preposition(low: str, pos: int) -> bool:
    """True when the word at ``pos`` follows a preposition ("no hemorrhage within the lesion"), not
    "evidence of" and the like: a place there has no polarity of its own."""
    return bool(_AFTER_PREPOSITION.search(low, max(0, pos - 20), pos)) \
        and not _EVIDENCE_OF.search(low, max(0, pos - 30), pos)


def _phrase_stems(phrase: str, skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The word stems of a lexicon phrase in order (words in ``skip`` left out)."""
    return tuple(_stem(w) for w in re.split(r"[\s-]+", phrase) if w and w not in skip)


#: the bilingual lexicon: (Chinese word, kind, English equivalents as word-stem tuples)
_LEXICON = [(zh, kind, tuple(_phrase_stems(en) for en in ens), ens) for zh, kind, ens in ZH_LEXICON]
_LEXICON_RE = re.compile("|".join(re.escape(zh) for zh, _, _, _ in _LEXICON))
_LEXICON_OF = {zh: (kind, stems, ens) for zh, kind, stems, ens in _LEXICON}


@lru_cache(maxsize=4096)
def _lexicon_concepts(kind: str, en: str) -> tuple[tuple[str, str, bool], ...]:
    """The vocabulary concepts of one English equivalent of a lexicon word (a place's places, a
    finding's findings; negated in itself: "intact" = no tear). Descriptors and severities are left
    out: they would bind to no lesion of their own."""
    found = dict.fromkeys((c, cat, inherent) for _, _, c, cat, inherent in _term_matches(en)
                          if (cat == LOCATION) == (kind == "place"))
    return tuple(x for x in found if x[0] not in _MODIFIERS and x[0] not in SEVERITY)


#: the most words an English equivalent's words may be apart in the source ("superior sagittal
#: and right transverse sinuses" names the superior sagittal sinus)
_LEXICON_GAP = 3


def _equivalent_polarities(facts: SourceFacts, stems: tuple[tuple[str, ...], ...]) -> dict[int, set[bool]]:
    """For each English equivalent (by index) that occurs in the source, its polarities there: its
    word stems in order within one sentence part, at most ``_LEXICON_GAP`` words apart; the polarity
    is that of its last word (the head of the phrase)."""
    toks = facts.tokens
    out: dict[int, set[bool]] = {}
    for n, eq in enumerate(stems):
        for i in facts.token_pos.get(eq[0], ()):
            clause = toks[i][1]
            j, ok = i, True
            for w in eq[1:]:
                nxt = next((k for k in range(j + 1, min(len(toks), j + 2 + _LEXICON_GAP))
                            if toks[k][0] == w and toks[k][1] == clause), None)
                if nxt is None:
                    ok = False
                    break
                j = nxt
            if ok:
                out.setdefault(n, set()).update(toks[j][2])
    return out


_PART_QUALIFIERS = frozenset(_stem(w) for w in "anterior posterior medial lateral superior inferior upper lower "
                             "middle ascending descending internal external proximal distal main "
                             "front back inner outer".split())


def _other_part(facts: SourceFacts, stems: tuple[tuple[str, ...], ...]) -> bool:
    """True when a qualified place ("posterior mediastinum") is, in the source, the same place with
    another qualifier ("anterior mediastinum"): a place changed within its organ."""
    toks = facts.tokens
    for eq in stems:
        if len(eq) < 2 or eq[0] not in _PART_QUALIFIERS:
            continue
        rest = eq[1:]
        for i in range(1, len(toks) - len(rest) + 1):
            if all(toks[i + k][0] == w for k, w in enumerate(rest)) and any(  # ("descending thoracic aorta")
                    toks[j][0] in _PART_QUALIFIERS and toks[j][0] != eq[0] and toks[j][1] == toks[i][1]
                    for j in range(max(0, i - 2), i)):
                return True
    return False


_LAY_SKIP = frozenset("the a an your you my his her their its our of to in on at into from for by left right both "
                      "this that these those".split())
#: the plain-English lexicon: first stem -> [(key stems, key, kind, equivalent stems, equivalents)], longest first
_LAY: dict[str, list[tuple[tuple[str, ...], str, tuple[tuple[str, ...], ...], tuple[str, ...]]]] = {}
_LAY_MERGED: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
#: lay key -> its stems, and stems -> the (last) key with them
_LAY_STEMS = {k: _phrase_stems(k, _LAY_SKIP) for k, _, _ in EN_LEXICON}
_LAY_KEY = {st: k for k, st in _LAY_STEMS.items()}
for _key, _kind, _ens in EN_LEXICON:  # inflections of one word ("pushed", "pushes") are one entry
    _kst = _LAY_STEMS[_key]
    _old = _LAY_MERGED.get(_kst, (_kind, ()))
    _LAY_MERGED[_kst] = (_old[0], tuple(dict.fromkeys(_old[1] + _ens)))
for _kst, (_kind, _ens) in _LAY_MERGED.items():
    _LAY.setdefault(_kst[0], []).append((_kst, _kind, tuple(_phrase_stems(en) for en in _ens), _ens))
for _v in _LAY.values():
    _v.sort(key=lambda t: -len(t[0]))


def _lay_matches(low: str, facts: SourceFacts) -> Iterator[tuple[int, int, str, tuple[tuple[str, ...], ...],
                                                                tuple[str, ...], str]]:
    """Plain-English lexicon phrases in ``low``: (start, end, kind, equivalent stems, equivalents, key);
    at each word the longest whose equivalents the source has, else the longest; words of a phrase
    within one sentence part (articles, possessives, prepositions and side words between them skipped)."""
    toks = [(m.start() + p.start(), m.start() + p.end(), _stem(p.group())) for m in _WORD_RE.finditer(low)
            for p in re.finditer(r"[a-z']+", m.group()) if p.group() not in _LAY_SKIP]
    i = 0
    while i < len(toks):
        cands = [(kst, kind, stems, ens) for kst, kind, stems, ens in _LAY.get(toks[i][2], ())
                 if i + len(kst) <= len(toks) and all(toks[i + k][2] == kst[k] for k in range(len(kst)))
                 and not any(ch in ".;:,!?()" for ch in low[toks[i][0]:toks[i + len(kst) - 1][1]])]
        if not cands:
            i += 1
            continue
        kst, kind, stems, ens = next((c for c in cands if _equivalent_polarities(facts, c[2])), cands[0])
        yield toks[i][0], toks[i + len(kst) - 1][1], kind, stems, ens, _LAY_KEY[kst]
        i += len(kst)


def _lexicon_spans(facts: SourceFacts, low: str, clauses: list[tuple[int, int]],
                   mentions: list[_Mention]) -> Iterator[tuple[int, int, str, str, tuple[tuple[str, str, bool], ...], str]]:
    """Words of the bilingual lexicon (Chinese text) or the plain-English lexicon (English text)
    in ``low``, judged against the English source: (start, end, verdict, an equivalent, the
    vocabulary concepts of the equivalent the source uses) with verdict "ok" (an equivalent is in
    the source, a finding with the same polarity), "negation" (a Chinese finding the source names
    only with the other polarity), "place" (a qualified place the source names with another
    qualifier), "absent" (a Chinese finding with no equivalent in the source and no vocabulary term
    inside) or "" (left to the other checks)."""
    chinese = bool(_HAN.search(low))
    found: list[tuple[int, int, str, tuple[tuple[str, ...], ...], tuple[str, ...]]]
    if chinese:
        found = [(m.start(), m.end(), *_LEXICON_OF[m.group()]) for m in _LEXICON_RE.finditer(low)]
    else:  # (a plain phrase whose own words the source uses is left to the other checks)
        found = [(s, e, kind, stems, ens) for s, e, kind, stems, ens, key in _lay_matches(low, facts)
                 if not _equivalent_polarities(facts, (_LAY_STEMS[key],))]
    for s, e, kind, stems, ens in found:
        hits = _equivalent_polarities(facts, stems)
        pols = set().union(*hits.values()) if hits else set()
        if kind == "place":
            if hits:  # (its concepts only when the source's equivalents name one place: "forearm
                # bone" is the radius or the ulna)
                found_c = {_lexicon_concepts(kind, ens[n]) for n in hits} - {()}
                yield s, e, "ok", ens[min(hits)], found_c.pop() if len(found_c) == 1 else (), kind
            else:
                yield s, e, "place" if _other_part(facts, stems) else "", ens[0], (), kind
            continue
        neg = _is_negated(low, _clause_of(low, clauses, s), s, e)
        if neg and _place_after_preposition(low, s):
            if pols:  # "no bleeding into the stroke": a place after a preposition has no polarity
                neg = next(iter(pols))
        same = [n for n, p in sorted(hits.items()) if neg in p]
        if same:
            yield s, e, "ok", ens[same[0]], _lexicon_concepts(kind, ens[same[0]]), kind
        elif pols and chinese:
            yield s, e, "negation", ens[min(hits)], (), kind
        elif not chinese or any(s <= x.start < e or x.start <= s < x.end for x in mentions if x.category == FINDING):
            yield s, e, "", ens[0], (), kind
        else:
            yield s, e, "absent", ens[0], (), kind


def check(source: str | SourceFacts, text: str) -> list[Flag]:
    """Flags for every fact in ``text`` that ``source`` does not support, in text order."""
    facts = source if isinstance(source, SourceFacts) else SourceFacts.of(source)
    low, mentions = _mentions(text)
    # a plain phrase that stands for a word of the source ("build-up of fluid in the brain" for
    # "hydrocephalus") is checked as that word (polarity included), not term by term
    phrases = [pm.span() for pat, medical in _LAY_PHRASES for pm in pat.finditer(low)
               if any(k in facts.words for k in _word_keys(medical)[0])]
    mentions = [m for m in mentions if not any(a <= m.start and m.end <= b for a, b in phrases)]
    flags: list[Flag] = []

    def add(kind: FlagKind, s: int, e: int, reason: str) -> None:
        flags.append(Flag(kind, s, e, text[s:e], reason))

    # words of the bilingual lexicon (Chinese text) and of the plain-English lexicon are judged
    # by their English equivalents in the source; the vocabulary terms inside a judged word are
    # not judged again (they still bind sides, sizes and descriptors to their lesion)
    clauses = _clauses(low)
    judged: list[tuple[int, int]] = []
    added: list[_Mention] = []
    for s, e, verdict, english, concepts, kind in _lexicon_spans(facts, low, clauses, mentions):
        if verdict == "negation":
            add(FlagKind.NEGATION, s, e, f"the findings say the opposite about '{text[s:e]}' ({english}): present vs absent")
        elif verdict == "place":
            add(FlagKind.LOCATION, s, e, f"the location '{text[s:e]}' ({english}) is not in the findings")
        elif verdict == "absent":
            add(FlagKind.UNSUPPORTED, s, e, f"'{text[s:e]}' ({english}) is not in the findings")
        if verdict:
            judged.append((s, e))
        if verdict == "ok" and kind == "place" and _HAN.search(low) and not any(
                m.start < e and s < m.end and not (s <= m.start and m.end <= e) and m.category == LOCATION
                for m in mentions):  # a shorter place inside names another place (脑 in 脑干)
            mentions = [m for m in mentions if not (s <= m.start and m.end <= e and m.category == LOCATION)]
        if verdict == "ok" and concepts:  # the word's concepts bind sides, sizes and descriptors
            # like a term: they replace the terms of their category inside the word ("large
            # bowel": colon), unless a term reaches beyond the word
            # (a finding term inside is kept: it names the finding already)
            cats = {c[1] for c in concepts}
            if any(m.start < e and s < m.end and m.category in cats
                   and (m.category == FINDING or not (s <= m.start and m.end <= e)) for m in mentions):
                continue
            mentions = [m for m in mentions if not (s <= m.start and m.end <= e and m.category in cats)]
            neg = _is_negated(low, _clause_of(low, clauses, s), s, e)
            added += [_Mention(c, cat, s, e, (neg != inherent) and cat == FINDING)
                      for c, cat, inherent in concepts]
    mentions = sorted(mentions + added, key=lambda x: (x.start, x.end))

    src_values = {v for v, _ in facts.numbers}
    for s, e, value, unit in _numbers(low):
        shown = text[s:e] + (f" {unit}" if unit else "")
        if unit is None:
            if value not in src_values and not _counts_lesions(facts, low, e, value, mentions) \
                    and not _counts_no_finding(low, s, e, mentions):
                add(FlagKind.NUMBER, s, e, f"the number {text[s:e]} is not in the findings")
            continue
        if (value, unit) in facts.numbers:
            continue
        mm = _to_mm(value, unit)
        if mm is not None and any(abs(mm - x) < 1e-6 for x in facts.sizes_mm):
            continue
        if mm is not None and _hedged(low, s) and _near_size(mm, facts.sizes_mm):
            continue  # "about 14 cm" for 13.8 cm (bound to its lesion below)
        dim = _DIMENSION.get(unit, unit)
        if any(v == value and u is not None and _DIMENSION.get(u, u) == dim
               for v, u in facts.numbers):
            add(FlagKind.UNIT, s, e, f"{shown}: the findings give {text[s:e]} with another unit")
        else:
            add(FlagKind.NUMBER, s, e, f"{shown} is not in the findings")

    for s, e, date in _dates(low):
        if date not in facts.dates:
            add(FlagKind.NUMBER, s, e, f"the date {text[s:e]} is not in the findings")

    flagged_heads: set[tuple[int, int]] = set()  # (clause start, clause end) with a flagged finding
    mention_flags: list[tuple[_Mention, Flag]] = []
    n_before = len(flags)
    for m in mentions:
        span = text[m.start:m.end]
        if any(a <= m.start and m.end <= b for a, b in judged):
            continue
        if m.category == LOCATION:
            if m.concept not in facts.locations:
                add(FlagKind.LOCATION, m.start, m.end, f"the location '{span}' is not in the findings")
            continue
        if (m.concept, m.negated) in facts.concepts:
            continue
        if m.negated and _clause_normal_place(facts, low, clauses, m.start, mentions):
            continue  # "the bone on the inner side is not broken": the report calls it intact
        if not m.negated and m.concept in _MODIFIERS and SEVERITY.get(m.concept) == 1 \
                and (m.concept, True) not in facts.concepts:
            continue  # "slightly": an understatement is left to the lesion's severity check
        if m.negated and (m.concept, False) in facts.concepts \
                and _after_noun_and_preposition(low, _clause_of(low, clauses, m.start)[0], m.start):
            continue  # "no bleeding into the stroke": the cue negates the bleeding
        if (m.concept, not m.negated) in facts.concepts:
            if m.negated:
                add(FlagKind.NEGATION, m.start, m.end, f"'{span}' is negated here but present in the findings")
            else:
                add(FlagKind.NEGATION, m.start, m.end, f"the findings say there is no {m.concept}")
        elif not _synonym_supported(facts, low[m.start:m.end], m.negated):
            add(FlagKind.DIAGNOSIS, m.start, m.end, f"'{span}' is not in the findings")
        if len(flags) > n_before and m.category == FINDING:
            mention_flags.append((m, flags[-1]))
            if m.concept not in _MODIFIERS:
                flagged_heads.add(_clause_of(low, clauses, m.start))
        n_before = len(flags)
    # a descriptor of a finding that is flagged already is part of that one error, and one of
    # a negated finding that the source also negates adds nothing ("no focal lesion")
    for m, f in mention_flags:
        if m.concept in _MODIFIERS and (_clause_of(low, clauses, m.start) in flagged_heads
                                        or (m.negated and f.kind is FlagKind.DIAGNOSIS)):
            flags.remove(f)
    n_before = len(flags)

    for m in mentions:  # "several additional liver lesions" where the report says "no other liver lesion"
        if m.category == FINDING and not m.negated and m.concept in facts.no_other \
                and _OTHER.search(low, max(0, m.start - 40), m.start):
            add(FlagKind.NEGATION, m.start, m.end, f"the findings say there is no other {m.concept}")
    _check_lesions(facts, low, mentions, add)
    paired = {w for _, w in facts.size_words}
    for s, mm, w in _size_words(low, mentions):  # "a 5 cm gap" where the report has "a 2 cm gap"
        if w in paired and not any(abs(mm - x) < 1e-6 and w == y for x, y in facts.size_words) \
                and any(abs(mm - x) < 1e-6 for x in facts.sizes_mm):
            e = s + len(re.match(r"[\d.]+", low[s:]).group())  # type: ignore[union-attr]
            add(FlagKind.SIZE, s, e, f"the findings give another size for '{w}'")
    for s, mm, places in _size_places(low, mentions):  # "nodes up to 2.8 cm": the artery's size
        given = [p for x, p in facts.size_places if abs(mm - x) < 1e-6]
        if places and given and all(p and not _around(p) & places and not p & _around(places) for p in given) \
                and not any(f.start <= s < f.end for f in flags):
            e = s + len(re.match(r"[\d.]+", low[s:]).group())  # type: ignore[union-attr]
            add(FlagKind.SIZE, s, e, f"the findings give this size to the {'/'.join(sorted(given[0]))}")
    covered = [(m.start, m.end) for m in mentions] + judged
    heads = sorted(m.start for m in mentions if m.category == FINDING)
    _check_words(facts, low, clauses, covered, add, heads, mentions)
    for s, e in _zh_clinical_spans(low, covered):
        add(FlagKind.UNSUPPORTED, s, e, f"'{text[s:e]}' is not in the findings")

    for s, e, side in _lateralities(low):
        places = _locations_near(low, s, e, mentions)
        # a side word that names its place ("双肺": both lungs)
        places |= {t[2] for t in _term_matches(low[s:e]) if t[3] == LOCATION}
        direction = bool(_DIRECTION.search(low, max(0, s - 60), s))
        if direction:
            places = set()  # "pushed towards the right": a direction, checked against any side
        fams = places | {LOC_FAMILY[f] for f in places if f in LOC_FAMILY}
        ok = any((side, f) in facts.sides for f in fams) if fams else (side, "") in facts.sides
        other = {"left": "right", "right": "left"}.get(side)
        if not ok and other and fams:  # "Left knee": its tibia is the left one (the report gives
            # the region around this place one side only)
            ok = any((side, r) in facts.sides and (other, r) not in facts.sides for r in _regions(fams))
        if direction and facts.directions:
            ok = side in facts.directions  # "rightward shift" -> only "towards the right"
        first = set() if direction else _locations_near(low, s, e, mentions, 1)
        if ok and other and not any((side, p) in facts.sides for p in first) \
                and any((other, p) in facts.sides for p in first):
            ok = False  # the report names this place on the other side only
        if not ok and side == "bilateral":
            ok = all(any((sd, f) in facts.sides for f in (fams or {""})) for sd in ("left", "right"))
        if not ok:
            where = f" for the {'/'.join(sorted(fams))}" if fams else ""
            add(FlagKind.LATERALITY, s, e, f"'{text[s:e]}'{where} is not the side given in the findings")

    # a side flagged on its word already needs no second flag for its lesion
    words_sides = [f for f in flags if f.kind is FlagKind.LATERALITY and not f.reason.endswith("another side")]
    flags = [f for f in flags if not (f.kind is FlagKind.LATERALITY and f.reason.endswith("another side")
                                      and any(f.start <= g.start < f.end for g in words_sides))]
    flags.sort(key=lambda f: (f.start, f.end))
    return flags


#: places that a size is measured from, not the size of ("6 mm midline shift": the brain moved)
_REFERENCE_PLACES = frozenset(GENERAL.get("reference_places", ()))


def _size_places(low: str, mentions: list[_Mention]) -> Iterator[tuple[int, float, set[str]]]:
    """(position, size in mm, the places of its sentence part and their organ families) for every
    size: "nodes up to 1.3 cm" -> lymph node, "the artery measures 2.8 cm" -> artery."""
    clauses = _clauses(low)
    for s, _e, v, u in _numbers(low):
        mm = _to_mm(v, u)
        if mm is None:
            continue
        c0, c1 = _clause_of(low, clauses, s)
        a = max([c0] + [m.end() for m in _SEGMENT_SPLIT.finditer(low, c0, s)])
        nxt = _SEGMENT_SPLIT.search(low, s, c1)
        b = nxt.start() if nxt else c1
        places = {m.concept for m in mentions if m.category == LOCATION and a <= m.start < b
                  and max(a, s - 25) <= m.end and m.start <= s + 25 and m.concept not in _REFERENCE_PLACES}
        yield s, mm, _families(places)


def _synonym_supported(facts: SourceFacts, span: str, negated: bool) -> bool:
    """True when every content word of a term the source lacks is, by a synonym group of the
    vocabulary, a word of a finding term of the source with the same polarity ("scarring" for
    "fibrotic")."""
    words = [w for w in _WORD_RE.findall(span) if not _is_filler(w)]
    if not words:
        return False
    for w in words:
        keys = [k for k in _word_keys(w)[0] if k in facts.term_groups]
        if keys and negated in set().union(*(facts.term_groups[k] for k in keys)):
            continue
        # "thrombosis" for "thrombosed": the same word stem (all but its last three letters, at
        # least five) in a source word with the same polarity
        n = max(5, len(w) - 3)
        pol = {p for sw, ps in facts.polar_words.items() if len(w) >= 6 and sw[:n] == w[:n] for p in ps}
        if negated not in pol:
            return False
    return True


def _counts_lesions(facts: SourceFacts, low: str, end: int, value: float,
                    mentions: list[_Mention]) -> bool:
    """True when a count ("two nodules") equals the number of such lesions in the source."""
    head = next((m for m in mentions if m.category == FINDING and m.concept not in _MODIFIERS
                 and end <= m.start <= end + 40), None)
    if head is None or re.search(r"[.;:,，。]", low[end:head.start]):
        return False
    distinct = {(sl.sizes, sl.sides, sl.locs) for sl in facts.lesions
                if head.concept in sl.heads and (sl.sizes or sl.sides)}
    return len(distinct) == value


def _clause_normal_place(facts: SourceFacts, low: str, clauses: list[tuple[int, int]], pos: int,
                         mentions: list[_Mention]) -> bool:
    """True when the clause holding ``pos`` names a place that the source calls normal."""
    c0, c1 = _clause_of(low, clauses, pos)
    locs = [m.concept for m in mentions if c0 <= m.start < c1 and m.category == LOCATION]
    sides = {x[2] for x in _lateralities(low[:c1]) if x[0] >= c0}
    return bool(_at_normal_place(facts, locs, sides))


def _counts_no_finding(low: str, s: int, e: int, mentions: list[_Mention]) -> bool:
    """True for a spelled-out count of something that is no finding ("the two forearm bones", "both
    cruciate ligaments"): no finding follows in its noun phrase (a finding count is checked)."""
    if not low[s:e].isalpha() or _ORDINAL.fullmatch(low[s:e]):
        return False  # an ordinal names which one ("the fourth metacarpal"), never a mere count
    stop = re.search(r"[.;:,，。()]", low[e:e + 40])
    end = e + (stop.start() if stop else 40)
    return not any(m.category == FINDING and m.concept not in _MODIFIERS and e <= m.start < end for m in mentions)


_SIDE_WORDS = frozenset({"left", "right", "bilateral", "sided"})
_ORDINAL = re.compile(r"first|second|third|[a-z]+th")


_HEDGE = re.compile(r"(?:\b(?:about|approximately|approx\.?|roughly|around|nearly|almost|just under|just over|"
                    r"some|close to|a little (?:under|over|less than|more than))|约|大约|将近|接近)\s*$")
#: how far a hedged size may lie from the report's ("about 1 cm" for 9 mm, "about 14 cm" for 13.8 cm)
_HEDGE_TOLERANCE = 0.12


def _hedged(low: str, pos: int) -> bool:
    """True when the number at ``pos`` is given as an approximation ("about 2 cm", "约2厘米")."""
    return bool(_HEDGE.search(low, max(0, pos - 24), pos))


def _near_size(mm: float, sizes: Iterable[float]) -> bool:
    return any(abs(mm - x) <= _HEDGE_TOLERANCE * x + 1e-6 for x in sizes)


_SIZE_WORD_STOP = frozenset("with without and or over in at from to by for on but while whereas".split())


def _size_words(low: str, mentions: list[_Mention]) -> Iterator[tuple[int, float, str]]:
    """(position, size in mm, stem of the first content word after it) where that word is no
    vocabulary term (those are bound by the lesion check): "a 2 cm gap", "1 cm retraction"."""
    for s, e, v, u in _numbers(low):
        mm = _to_mm(v, u)
        if mm is None:
            continue
        m = re.match(r"\s*(?:mm|cm|millimet\w*|centimet\w*)\b", low[e:])
        if not m:
            continue
        for w in _WORD_RE.finditer(low, e + m.end(), min(len(low), e + m.end() + 40)):
            if w.group() in _SIZE_WORD_STOP:
                break  # "7 mm with mucosal ...": the next word belongs to another phrase
            if _is_filler(w.group()) or w.group() in _SIDE_WORDS:
                continue
            if not any(m.start <= w.start() < m.end for m in mentions):
                yield s, mm, _stem(w.group())
            break


def _around(locs: Iterable[str]) -> set[str]:
    """The places, their organ families, what they imply and the regions around them."""
    out = set(locs)
    out |= {LOC_FAMILY[x] for x in out if x in LOC_FAMILY}
    out |= {i for x in list(out) for i in IMPLIES.get(x, ())}
    return out | _regions(out)


def _same_qualified_place(sl: _Lesion, cl: _Lesion) -> bool:
    """False when both lesions qualify a shared place and no qualifier agrees ("the anterior
    talofibular ligament" is not "the calcaneofibular ligament")."""
    for loc in sl.locs & cl.locs:
        a = {q for p, q in sl.quals if p == loc}
        b = {q for p, q in cl.quals if p == loc}
        if a and b and not a & b:
            return False
    return True


def _families(locs: Iterable[str]) -> set[str]:
    return {x for loc in locs for x in (loc, LOC_FAMILY.get(loc, loc))}


def _check_lesions(facts: SourceFacts, low: str, mentions: list[_Mention],
                   add: Any) -> None:
    """Sizes and descriptors compared per lesion (same finding, same side / place when given)."""
    for cl in _lesions(low, mentions):
        positive = {h for h, n in cl.polar_heads if not n}
        normal = _at_normal_place(facts, cl.locs, cl.sides, strict=True) if positive else set()
        # every place of the lesion is one the report calls normal, and no lesion of the report
        # with this finding lies there ("a fracture of the medial malleolus": "... is intact")
        if normal and normal == cl.locs and not any(
                (h, False) in sl.polar_heads and _around(sl.locs) & cl.locs
                for sl in facts.lesions for h in positive):
            add(FlagKind.NEGATION, cl.start, cl.end,
                f"the findings call the {'/'.join(sorted(normal))} normal / intact here")
        matches = [sl for sl in facts.lesions if sl.heads & cl.heads]
        if not matches:
            continue
        same_head = [sl for sl in matches if sl.polar_heads & cl.polar_heads]
        negated_at_normal = all(n for _, n in cl.polar_heads) and _at_normal_place(facts, cl.locs, cl.sides)
        if cl.locs and not negated_at_normal:  # "the ACL is torn" where the report says the ACL is intact
            here = [sl for sl in matches if sl.locs & cl.locs and (not cl.sides or sl.sides & cl.sides)
                    and _same_qualified_place(sl, cl)]
            polar = {x for sl in here for x in sl.polar_heads}
            for head, neg in cl.polar_heads:
                if (head, neg) not in polar and (head, not neg) in polar:
                    add(FlagKind.NEGATION, cl.start, cl.end,
                        f"the findings say the opposite about this {head} here")
        # the same polarity first ("no emboli on the left" is the source's negated left lesion)
        matches = [sl for sl in matches if sl.polar_heads & cl.polar_heads] or matches
        # a bare mention ("pulmonary nodules" in a guideline name) describes no lesion
        matches = [sl for sl in matches if sl.mods or sl.sizes or sl.sides] or matches
        if cl.sides:
            sided = [sl for sl in matches if sl.sides & cl.sides]
            if not sided and any(sl.sides for sl in matches):
                s, e = cl.start, cl.end
                add(FlagKind.LATERALITY, s, e, f"the findings give this {'/'.join(sorted(cl.heads))} "
                    f"another side")
            matches = [sl for sl in matches if not sl.sides or sl.sides & cl.sides] or matches
        if cl.locs:  # (a lesion the source names without a place cannot be elsewhere)
            matches = ([sl for sl in matches if not sl.locs or sl.locs & cl.locs]
                       or [sl for sl in matches if _families(sl.locs) & _families(cl.locs)] or matches)
        levels = _levels(cl.locs)
        leveled = [sl for sl in same_head if _levels(sl.locs)]
        if levels and leveled and not any(levels <= _levels(sl.locs) for sl in leveled):
            add(FlagKind.LOCATION, cl.start, cl.end,
                f"the findings give this {'/'.join(sorted(cl.heads))} another spinal level")
        directed = [sl for sl in matches if sl.dirs]
        # a direction whose opposite the report gives this lesion, and not itself ("anterior" horn
        # for a "posterior" horn); other plain place words may describe the organ ("the outer bone")
        src_dirs = {d for sl in directed for d in sl.dirs}
        if any(d not in src_dirs and _OPPOSITE.get(d) in src_dirs for d in cl.dirs):
            add(FlagKind.LOCATION, cl.start, cl.end,
                f"the findings place this {'/'.join(sorted(cl.heads))} elsewhere in the organ")
        sev = {x for sl in matches for x in sl.severity}
        if cl.severity and sev and not cl.severity & sev:
            add(FlagKind.DESCRIPTOR, cl.start, cl.end,
                f"the findings give this {'/'.join(sorted(cl.heads))} another severity")
        sizes = {x for sl in matches for x in sl.sizes}
        mods = {x for sl in matches for x in sl.mods}
        mods |= {(i, False) for sl in matches for h in sl.heads for i in IMPLIES.get(h, ())}
        mods |= {(i, n) for sl in matches for c, n in sl.mods for i in IMPLIES.get(c, ())}
        for s, e, mm in cl.size_spans:
            if not sizes or any(abs(mm - x) < 1e-6 for x in sizes):
                continue
            hedged = _hedged(low, s)
            if hedged and _near_size(mm, sizes):
                continue
            if any(abs(mm - x) < 1e-6 for x in facts.sizes_mm) or (hedged and _near_size(mm, facts.sizes_mm)):
                add(FlagKind.SIZE, s, e, "the findings give this size to another lesion")
        for s, e, concept, neg in cl.mod_spans:
            if (concept, neg) in mods or (not neg and SEVERITY.get(concept) in sev):
                continue  # "mildly sprained" for a grade 1 sprain
            if (concept, neg) in facts.concepts and not neg:  # "no ground-glass change and no
                # consolidation": a denied descriptor the report denies too is bound to no lesion
                add(FlagKind.DESCRIPTOR, s, e, f"the findings do not describe this "
                    f"{'/'.join(sorted(cl.heads))} as '{low[s:e]}'")


# "periappendiceal", "subcapsular", "intraventricular": a place, not a finding (no polarity of its own)
_PLACE_ADJECTIVE = re.compile(r"(?:peri|para|sub|intra|extra|retro|infra|supra|inter|trans|juxta|pre|post)-?"
                              r"[a-z]{3,}(?:al|ic|ar|ary|eal|ial|ous)$")
_PLACE_PHRASE_WORDS = frozenset(w for _, w in _LAY_PHRASES
                                 if any(t[3] == LOCATION for t in _term_matches(w)))
_DIRECTION = re.compile(r"(?:\btowards?\s+(?:the\s+)?|\b(?:shift\w*|push\w*|mov\w*|displac\w*|deviat\w*|pull\w*)"
                        r"\b[^.;:]{0,40}?\bto\s+the\s+)$")
_NOT_IN_NOUN_PHRASE = frozenset(
    "of the a an and or with in on at to is are was were no not has have this that your you there "
    "it be by for from as".split())


def _describes_a_finding(low: str, e: int, heads: list[int]) -> bool:
    """True when the word ending at ``e`` stands in front of a finding in its noun phrase
    ("saddle pulmonary embolism", "a smooth mass"): a descriptor of that lesion, never filler."""
    nxt = next((h for h in heads if h >= e), None)
    if nxt is None or nxt - e > 30:
        return False
    gap = low[e:nxt]
    if re.search(r"[^\sa-z-]", gap):
        return False
    between = _WORD_RE.findall(gap)
    return len(between) <= 2 and not any(w in _NOT_IN_NOUN_PHRASE for w in between)


def _clause_has_finding(low: str, pos: int, heads: list[int]) -> bool:
    """True when the clause (sentence part) holding ``pos`` names a finding."""
    c0 = max((m.end() for m in _CLAUSE_SPLIT.finditer(low, 0, pos)), default=0)
    c1 = (m.start() if (m := _CLAUSE_SPLIT.search(low, pos)) else len(low))
    return any(c0 <= h < c1 for h in heads)


def _place_of_source_organ(facts: SourceFacts, word: str) -> bool:
    """"pericolic" next to a source "colon", "periappendiceal" next to "appendix": a place adjective
    whose organ root (first 3-4 letters after the prefix) starts a source word."""
    m = _PLACE_ADJECTIVE.match(word)
    if not m:
        return False
    root = re.sub(r"^(?:peri|para|sub|intra|extra|retro|infra|supra|inter|trans|juxta|pre|post)-?", "", word)
    root = root[:4] if len(root) > 6 else root[:3]
    return any(w.startswith(root) for w in facts.word_seq)


def _after_noun_and_preposition(low: str, c0: int, pos: int) -> bool:
    """True when, between the last negation cue and ``pos``, a content word is followed by a
    preposition: the cue negates that first noun, not the words after it ("no pocket of pus")."""
    cue = None
    for m in _NEG_CUES_EN.finditer(low, c0, pos):
        cue = m
    if cue is None:
        return False
    words = _WORD_RE.findall(low, cue.end(), pos)
    return any(w in _PREPOSITIONS and i > 0 and not _is_filler(words[i - 1]) for i, w in enumerate(words))


_PREPOSITIONS = frozenset("into in of within on at around near from inside to beside behind under".split())


def _check_words(facts: SourceFacts, low: str, clauses: list[tuple[int, int]],
                 covered: list[tuple[int, int]], add: Any, heads: list[int] | None = None,
                 mentions: list[_Mention] | None = None) -> None:
    """Content words outside the vocabulary: absent from the source, or with flipped polarity.

    An everyday word absent from the source passes unless it stands in front of a finding."""
    heads = heads or []

    def normal_place(pos: int) -> bool:
        return _clause_normal_place(facts, low, clauses, pos, mentions or [])

    unsupported: list[tuple[int, int]] = []
    flipped: list[tuple[int, int, bool]] = []
    for pat, medical in _LAY_PHRASES:  # "lower back" for "lumbar": the phrase is one word
        for pm in pat.finditer(low):
            if any(a < pm.end() and pm.start() < b for a, b in covered):
                continue
            hit = [k for k in _word_keys(medical)[0] if k in facts.words]
            if not hit:
                continue  # its words are checked one by one
            covered = [*covered, pm.span()]
            if medical in _PLACE_PHRASE_WORDS:
                continue  # a place has no polarity ("has not spread into the fluid-filled spaces")
            neg = _is_negated(low, _clause_of(low, clauses, pm.start()), pm.start(), pm.end())
            own = [k for k in hit if not k.startswith("=")]  # the word itself outweighs its group
            if neg not in set().union(*(facts.words[k] for k in (own or hit))):
                flipped.append((pm.start(), pm.end(), neg))
    for s, e, w, keys, neg in _words(low, clauses):
        if any(a < e and s < b for a, b in covered):
            continue
        hit = [k for k in keys if k in facts.words]
        if not hit and len(w) >= 5 and w[:max(5, len(w) - 3)] in facts.prefixes:
            continue  # "stenosed" for "stenosis", "malleolus" for "malleolar": supported, polarity unknown
        if not hit and _graded_compound(facts, w):
            continue  # "hypoenhancing" for "decreased enhancement"
        if not hit and "-" in w:  # "fluid-filled": every part supported or everyday, one supported
            parts = [p for p in w.split("-") if p and not _is_filler(p)]
            known = [[k for k in _word_keys(p)[0] if k in facts.words] for p in parts]
            if parts and any(known) and all(k or _is_everyday(p) for p, k in zip(parts, known, strict=True)):
                hit = [k for ks in known for k in ks]
        if not hit:
            if _word_keys(w)[0] & _DIRECTION_KEYS and not _clause_has_finding(low, s, heads):
                continue  # "the back part of the brain looks normal": a place, no lesion to bind
            if (not _is_everyday(w) or (_describes_a_finding(low, e, heads) and w not in _DISCOURSE)) \
                    and not _abbreviates(facts, w) \
                    and not _place_of_source_organ(facts, w):
                unsupported.append((s, e))
            continue
        if _word_keys(w)[0] & _ANATOMY or w in _ANATOMY or _PLACE_ADJECTIVE.match(w):
            continue
        c0, c1 = _clause_of(low, clauses, s)
        if not neg and (_NEG_CUES_EN.search(low, c0, c1) or _NEG_CUES_ZH.search(low, c0, c1)):
            continue  # "nodes are not enlarged": the cue may well belong to this word
        if neg and (_after_noun_and_preposition(low, c0, s) or normal_place(s)):
            continue  # "no bleeding into the stroke", "the bone ... is not broken" (report: intact)
        # the word itself is better evidence than its synonym group ("involving" where the report
        # says "is not involved"; its group also holds words the report states)
        # (not for a container noun: "no pocket of pus" is about the pus)
        own = [k for k in hit if not k.startswith("=")] if not re.match(r"\s+of\s", low[e:]) else []
        polarities = set().union(*(facts.words[k] for k in (own or hit)))
        if neg not in polarities:
            flipped.append((s, e, neg))
    explained = [(m.start(), (c.start() if (c := _CLAUSE_SPLIT.search(low, m.end())) else len(low)))
                 for m in _EXPLANATION.finditer(low)]
    for s, e in _merge(low, unsupported):
        if any(a <= s < b for a, b in explained):
            continue  # "emphysema, which means damage to the small air sacs": an explanation
        if not _explains_a_term(facts, low, s, e):
            add(FlagKind.UNSUPPORTED, s, e, f"'{low[s:e]}' is not in the findings")
    for neg in (True, False):
        for s, e in _merge(low, [(a, b) for a, b, n in flipped if n is neg]):
            add(FlagKind.NEGATION, s, e, f"'{low[s:e]}' is {'negated' if neg else 'stated'} here but "
                f"{'stated' if neg else 'negated'} in the findings")


_GRADED_PREFIX = {"hypo": re.compile(r"\b(?:decreas\w*|reduc\w*|low|lower|diminish\w*)\s+([a-z-]+)(?:\s+([a-z-]+))?"),
                   "hyper": re.compile(r"\b(?:increas\w*|high|higher)\s+([a-z-]+)(?:\s+([a-z-]+))?")}


def _graded_compound(facts: SourceFacts, word: str) -> bool:
    """True for "hypo-X" / "hyper-X" where the report says "decreased X" / "increased X" (same
    stem of X, and the same direction: "hyperenhancing" is not "decreased enhancement")."""
    m = re.match(r"(hypo|hyper)-?([a-z]{5,})$", word)
    if not m:
        return False
    root = m.group(2)[:5]
    src = " ".join(facts.word_seq)
    return any((x.group(g) or "").startswith(root) for x in _GRADED_PREFIX[m.group(1)].finditer(src) for g in (1, 2))


def _abbreviates(facts: SourceFacts, word: str) -> bool:
    """True when ``word`` (2-5 letters) abbreviates consecutive source words: "mcl" for "medial
    collateral ligament", "cbd" for "common bile duct", "uvj" for "ureterovesical junction"
    (each source word starts with the next letter; further letters may come from inside a word)."""
    if not 2 <= len(word) <= 5 or not word.isalpha():
        return False
    seq = facts.word_seq

    def match(i: int, k: int) -> bool:  # letters word[k:] from source words seq[i:], seq[i] next
        if k == len(word):
            return True
        if i >= len(seq) or seq[i][0] != word[k]:
            return False
        w = seq[i]
        # take letters k.. from inside w (in order), then continue with the next word
        j, kk = 1, k + 1
        if match(i + 1, kk):
            return True
        while kk < len(word) and j < len(w):
            if w[j] == word[kk]:
                kk += 1
                if match(i + 1, kk):
                    return True
            j += 1
        return False

    return any(match(i, 0) for i in range(len(seq)) if seq[i][0] == word[0])


# plain-language explanation of the term before it; its words are not findings of their own
_EXPLANATION = re.compile(r"\b(?:which|this|that|it)\s+(?:means|is when|is where)\b|\bmeaning\b|\bi\.e\.|\bin other words\b")
_EXPLAINED_AFTER = re.compile(r"[\w\s,-]{0,30}?(?:\(\s*(?:an?\s+|the\s+)?([a-z][a-z -]*)\)"
                             r"|\b(?:called|known as|termed)\s+(?:an?\s+)?([a-z][a-z-]*))")
_EXPLAINED_BEFORE = re.compile(r"([a-z][a-z-]*)\s*(?:\(|,\s*(?:or|i\.e\.)\s+)\s*(?:an?\s+|the\s+)?[^()]{0,30}$")


def _explains_a_term(facts: SourceFacts, low: str, s: int, e: int) -> bool:
    """Plain words that explain a term of the source: "a fluid-filled sac (cyst)",
    "a growth called a hemangioma", "a cavernoma (a cluster of abnormal vessels)"."""
    def supported(term: str) -> bool:
        words = [w for w in _WORD_RE.findall(term) if not _is_filler(w)]
        return bool(words) and all(_word_keys(w)[0] & facts.words.keys() for w in words)

    m = _EXPLAINED_AFTER.match(low, e)
    if m and supported(m.group(1) or m.group(2)):
        return True
    m = _EXPLAINED_BEFORE.search(low, max(0, s - 40), s)
    return bool(m and ")" not in low[m.end():s] and supported(m.group(1)))


def _merge(low: str, spans: list[tuple[int, int]]) -> list[list[int]]:
    """Adjacent word spans joined into phrases (one flag per phrase)."""
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and re.fullmatch(r"[\s\-]*(?:(?:of|and|the|a)\s+)*", low[merged[-1][1]:s]):
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return merged
