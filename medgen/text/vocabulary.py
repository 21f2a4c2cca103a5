"""The fact guard's vocabulary, loaded from ``guard_vocabulary.toml`` (data, no logic).

- :data:`EN_TERMS` / :data:`ZH_TERMS`: ``(pattern, concept, category)``. English patterns are
  regular expressions matched on word boundaries; Chinese patterns are literal substrings.
- :data:`LOC_FAMILY`: location concept -> organ family, used to check laterality.
- :data:`UNITS`, :data:`UNIT_RE`: unit spellings -> normalised unit, and the regex alternation
  that finds them after a number.
- :data:`WORD_NUMBERS`, :data:`ZH_DIGITS`: spelled-out numbers the checker reads.
- :data:`CUES`: the laterality and negation cue patterns.
- :data:`EN_NEGATED_TERMS` / :data:`ZH_NEGATED_TERMS`: ``(pattern, concept)`` for terms negated in
  themselves ("non-displaced", "无移位").
- :data:`GENERAL`: the general content check's lists (``modifier_concepts``, ``filler``,
  ``synonyms``, ``anatomy``, ``zh_clinical``, ``zh_filler``, ``discourse``, ``lay_clinical``, ``lay_phrases``,
  ``everyday_zipf``, ``clinical_common``, ``reference_places``).
- :data:`REGIONS`: location concept -> the larger body regions that contain it.
- :data:`FAMILIAR_EN`: the Dale-Chall list of familiar English words (shipped with textstat), the
  everyday words a patient text may use without the report naming them (unless clinical).

The checker that uses these tables is :mod:`medgen.text.guard`. Edit the TOML file to change
the vocabulary; the file is checked on load (a malformed entry is named in the error).
"""

from __future__ import annotations

import tomllib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

#: The data file (next to this module).
VOCABULARY_FILE = Path(__file__).with_name("guard_vocabulary.toml")

_CUE_NAMES = ("laterality_en", "not_side_after", "not_side_before", "laterality_zh",
              "negation_en", "post_negation_en", "negation_zh", "scope_break_en", "verbish_en",
              "finite_en")


def _load(path: Path) -> dict[str, Any]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cats = {data["location"], data["finding"]}
    for table in ("en_terms", "zh_terms"):
        for i, term in enumerate(data[table]):
            if (len(term) != 3 or not all(isinstance(x, str) and x for x in term)
                    or term[2] not in cats):
                raise ValueError(f"{path.name}: {table}[{i}] must be [pattern, concept, "
                                 f"category] with category one of {sorted(cats)}, got {term!r}")
    for table in ("en_negated_terms", "zh_negated_terms"):
        for i, term in enumerate(data.get(table, [])):
            if len(term) != 2 or not all(isinstance(x, str) and x for x in term):
                raise ValueError(f"{path.name}: {table}[{i}] must be [pattern, concept], got {term!r}")
    general = data.get("general", {})
    for key in ("modifier_concepts", "filler", "synonyms", "anatomy", "zh_clinical", "zh_filler"):
        if key not in general:
            raise ValueError(f"{path.name}: [general] lacks {key}")
    missing = [c for c in _CUE_NAMES if c not in data["cues"]]
    if missing:
        raise ValueError(f"{path.name}: [cues] lacks {', '.join(missing)}")
    return data


_DATA = _load(VOCABULARY_FILE)

#: Category of a location term.
LOCATION: str = _DATA["location"]
#: Category of a finding, diagnosis, descriptor or change term.
FINDING: str = _DATA["finding"]
EN_TERMS: list[tuple[str, str, str]] = [(p, c, k) for p, c, k in _DATA["en_terms"]]
ZH_TERMS: list[tuple[str, str, str]] = [(p, c, k) for p, c, k in _DATA["zh_terms"]]
LOC_FAMILY: dict[str, str] = dict(_DATA["loc_family"])
UNITS: dict[str, str] = dict(_DATA["units"])
UNIT_RE: str = _DATA["unit_re"]
WORD_NUMBERS: dict[str, int] = dict(_DATA["word_numbers"])
ZH_DIGITS: dict[str, int] = dict(_DATA["zh_digits"])
#: Cue name -> regular expression (see the comments in the TOML file).
CUES: dict[str, str] = dict(_DATA["cues"])
EN_NEGATED_TERMS: list[tuple[str, str]] = [(p, c) for p, c in _DATA.get("en_negated_terms", [])]
ZH_NEGATED_TERMS: list[tuple[str, str]] = [(p, c) for p, c in _DATA.get("zh_negated_terms", [])]
#: The general content check's word lists (see the ``[general]`` table's comments).
GENERAL: dict[str, Any] = dict(_DATA["general"])
#: Concept -> concepts it implies on the source side.
IMPLIES: dict[str, list[str]] = {k: list(v) for k, v in _DATA.get("implies", {}).items()}
#: Severity word -> level (1 mild .. 3 severe).
SEVERITY: dict[str, int] = {w: int(k) for k, ws in _DATA.get("severity", {}).items() for w in ws}
#: Concept -> concepts a NEGATED mention of it also negates ("no consolidation" -> no pneumonia).
IMPLIES_NEGATED: dict[str, list[str]] = {k: list(v) for k, v in _DATA.get("implies_negated", {}).items()}
#: Location concept -> the side it always lies on ("lingula" -> left).
INHERENT_SIDE: dict[str, str] = dict(_DATA.get("inherent_side", {}))
#: Location concept (or organ family) -> larger body regions that contain it.
REGIONS: dict[str, list[str]] = {k: list(v) for k, v in _DATA.get("regions", {}).items()}


def _familiar_words() -> frozenset[str]:
    """The Dale-Chall list of ~3,000 words familiar to 4th-grade readers (textstat's resource)."""
    spec = find_spec("textstat")  # located, not imported (its import is slow and warns)
    try:
        assert spec is not None and spec.origin is not None
        text = (Path(spec.origin).parent / "resources" / "en" / "easy_words.txt").read_text(encoding="utf-8")
    except (AssertionError, OSError) as exc:  # pragma: no cover - textstat is a pinned dependency
        raise RuntimeError("textstat's easy_words.txt (Dale-Chall list) is missing; reinstall textstat") from exc
    return frozenset(w.strip().lower() for w in text.split() if w.strip())


#: Familiar English words (Dale-Chall list).
FAMILIAR_EN: frozenset[str] = _familiar_words()

#: The bilingual lexicon's data file (Chinese clinical words -> English equivalents).
LEXICON_FILE = Path(__file__).with_name("guard_lexicon_zh.toml")
_LEXICON_KINDS = ("place", "finding")


def _load_lexicon(path: Path, chinese: bool = True) -> list[tuple[str, str, tuple[str, ...]]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for kind in _LEXICON_KINDS:
        for zh, en in data.get(kind, {}).items():
            if not zh or zh.isascii() == chinese or not isinstance(en, list) or not en \
                    or not all(isinstance(x, str) and x and x == x.lower() for x in en):
                lang = "Chinese" if chinese else "plain English"
                raise ValueError(f"{path.name}: [{kind}] {zh!r} must map a {lang} word to a list of "
                                 f"lower-case English equivalents, got {en!r}")
            out.append((zh, kind, tuple(en)))
    extra = set(data) - set(_LEXICON_KINDS)
    if extra:
        raise ValueError(f"{path.name}: unknown tables {sorted(extra)}")
    return out


#: (Chinese word, "place" | "finding", English equivalents), longest Chinese word first.
ZH_LEXICON: list[tuple[str, str, tuple[str, ...]]] = sorted(_load_lexicon(LEXICON_FILE), key=lambda t: -len(t[0]))

#: The plain-English lexicon's data file (lay words and phrases -> clinical equivalents).
LAY_LEXICON_FILE = Path(__file__).with_name("guard_lexicon_lay.toml")
#: (plain English word or phrase, "place" | "finding", clinical equivalents).
EN_LEXICON: list[tuple[str, str, tuple[str, ...]]] = _load_lexicon(LAY_LEXICON_FILE, chinese=False)
