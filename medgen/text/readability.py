"""Readability of patient text.

English: Flesch-Kincaid grade level (textstat, syllables from pyphen's hyphenation
dictionaries, all offline).

Simplified Chinese has no accepted grade formula, so we report two stated measures and a rule:
mean Han characters per sentence, and the share of Han characters that are among the 2,500 most
frequent characters. The frequency ranking is computed from the word-frequency dictionary
shipped with jieba (each word's count credited to each of its characters); 2,500 is the size of
the primary-school "common characters" list (现代汉语常用字表). The text meets the target when the
mean sentence length is at most ``ZH_MAX_CHARS_PER_SENTENCE`` and the common share is at least
``ZH_MIN_COMMON_SHARE``.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ZH_COMMON_N = 2500
ZH_MAX_CHARS_PER_SENTENCE = 20.0
ZH_MIN_COMMON_SHARE = 0.90

_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Readability:
    language: str
    # English: Flesch-Kincaid grade. Chinese: None (see the two measures below).
    grade: float | None
    # Chinese: mean Han characters per sentence and share of common characters.
    chars_per_sentence: float | None
    common_share: float | None
    meets_target: bool
    # One-line statement of the measure, shown next to the text.
    summary: str


def flesch_kincaid(text: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # textstat imports pkg_resources (deprecation warning)
        import textstat

    return float(textstat.flesch_kincaid_grade(text))


@lru_cache(maxsize=1)
def common_chinese_chars(n: int = ZH_COMMON_N) -> frozenset[str]:
    """The ``n`` most frequent Han characters by jieba's dictionary word counts."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed; it ships the Chinese frequency dictionary")
    counts: dict[str, int] = {}
    with open(Path(spec.origin).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                continue
            freq = int(parts[1])
            for ch in parts[0]:
                if _HAN.match(ch):
                    counts[ch] = counts.get(ch, 0) + freq
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)
    return frozenset(ranked[:n])


def chinese_measures(text: str) -> tuple[float, float]:
    sentences = [s for s in re.split(r"[。！？!?；;\n]+", text) if _HAN.search(s)]
    han = _HAN.findall(text)
    if not sentences or not han:
        return 0.0, 1.0
    common = common_chinese_chars()
    return len(han) / len(sentences), sum(c in common for c in han) / len(han)


def readability(text: str, language: str, target_grade: float = 6.0) -> Readability:
    """Measure ``text`` and say whether it meets ``target_grade`` (see the module doc)."""
    if language == "zh":
        cps, share = chinese_measures(text)
        ok = cps <= ZH_MAX_CHARS_PER_SENTENCE and share >= ZH_MIN_COMMON_SHARE
        summary = (
            f"{cps:.1f} characters per sentence (target <= {ZH_MAX_CHARS_PER_SENTENCE:g}); "
            f"{share:.0%} of characters among the {ZH_COMMON_N} most common "
            f"(target >= {ZH_MIN_COMMON_SHARE:.0%})"
        )
        return Readability("zh", None, cps, share, ok, summary)
    grade = flesch_kincaid(text)
    ok = grade <= target_grade
    summary = f"Flesch-Kincaid grade {grade:.1f} (target <= {target_grade:g})"
    return Readability("en", grade, None, None, ok, summary)
