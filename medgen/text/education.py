"""Patient-education text from a signed report: plain language, rule-based next steps, guarded.

The model writes only the explanation of the impression; "what happens next" comes from the
rule-based recommendation and the closing line is fixed. The guard checks the model's part
against the whole signed report.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from medgen.text.fleischner import Recommendation
from medgen.text.guard import Flag, Flagged, check
from medgen.text.llm import GenerationParams, LanguageModel, StreamStats
from medgen.text.prompts import education_messages
from medgen.text.readability import Readability, readability
from medgen.text.report import clean_model_text, section

LANGUAGES = {"en": "English", "zh": "简体中文"}
CLOSING = {
    "en": "Please talk about these results with your doctor. Your doctor knows your health best "
          "and can answer your questions.",
    "zh": "请和您的医生谈谈这些结果。医生最了解您的健康情况，可以回答您的问题。",
}
NEXT_HEADING = {"en": "What happens next", "zh": "接下来会怎样"}
NO_RULE_NEXT = {
    "en": "Your doctor will tell you if you need any more tests.",
    "zh": "医生会告诉您是否需要做进一步的检查。",
}
DEFAULT_GRADE = 6


@dataclass(frozen=True)
class EducationText(Flagged):
    """Patient text: the model's explanation plus rule-based next steps and the fixed line."""

    body: str
    next_steps: str
    closing: str
    language: str
    target_grade: int
    readability: Readability
    flags: tuple[Flag, ...]
    attempts: int
    model_id: str
    model_version: str
    latency_ms: float
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return (f"{self.body}\n\n{NEXT_HEADING[self.language]}: {self.next_steps}\n\n"
                f"{self.closing}")



def _lang(language: str) -> str:
    lang = "zh" if str(language).lower().startswith(("zh", "chinese", "简")) else str(language)
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return lang


def next_steps(recs: Sequence[Recommendation], language: str) -> str:
    lang = _lang(language)
    if not recs:
        return NO_RULE_NEXT[lang]
    return " ".join(r.plain_zh if lang == "zh" else r.plain_en for r in recs)


def impression_of(report_text: str) -> str:
    """The IMPRESSION section of a report (the whole text if it has none)."""
    return section(report_text, "IMPRESSION") or report_text.strip()


def education_stream(report_text: str, language: str, lm: LanguageModel, grade: int = DEFAULT_GRADE,
                     strict: bool = False, params: GenerationParams | None = None,
                     stop_event: threading.Event | None = None,
                     stats: StreamStats | None = None) -> Iterator[str]:
    """Stream one attempt at the explanation (``strict`` for the second, simpler attempt)."""
    msgs = education_messages(impression_of(report_text), _lang(language), grade, strict)
    return lm.stream(msgs, params or GenerationParams(max_new_tokens=256), stop_event, stats)


def clean_body(text: str) -> str:
    t = clean_model_text(text) if "EXAMINATION" in text else text.strip()
    return t.strip().strip("`").strip()


def finish_education(body: str, report_text: str, recs: Sequence[Recommendation], language: str,
                     lm: LanguageModel, grade: int = DEFAULT_GRADE, attempts: int = 1,
                     stats: Sequence[StreamStats] = (),
                     params: GenerationParams | None = None) -> EducationText:
    """Measure and guard one generated explanation and wrap it with next steps + closing."""
    lang = _lang(language)
    body = clean_body(body)
    steps = next_steps(recs, lang)
    # The next-steps sentences are rule text; the guard source is the signed report plus them.
    flags = tuple(check(report_text + "\n" + steps, body))
    read = readability(body, lang, grade)
    p = asdict(params or GenerationParams(max_new_tokens=256))
    p.update(language=lang, target_grade=grade)
    latency = sum((s.total_s or 0.0) for s in stats) * 1000
    metrics = {
        "attempts": attempts,
        "grade": read.grade,
        "chars_per_sentence": read.chars_per_sentence,
        "common_share": read.common_share,
        "meets_target": read.meets_target,
        "first_token_s": stats[0].first_token_s if stats else None,
        "new_tokens": sum(s.n_tokens for s in stats),
    }
    return EducationText(body, steps, CLOSING[lang], lang, grade, read, flags, attempts, lm.name,
                         lm.version, latency, p, metrics)


class PatientTextRun:
    """One patient-text generation: the single implementation of the retry rule.

    Attempt 1 uses the normal prompt; when its reading grade misses the target, attempt 2 is
    written once with a stricter prompt. :meth:`attempts` yields each attempt's text stream
    (so a page can show it while it is generated); after a stream is used up, :attr:`result`
    holds that attempt's :class:`EducationText`. A stopped stream ends the run (no retry).

    >>> run = PatientTextRun(report_text, recs, "en", lm)            # doctest: +SKIP
    >>> for stream in run.attempts():                                # doctest: +SKIP
    ...     show(stream)                                             # doctest: +SKIP
    >>> run.result                                                   # doctest: +SKIP
    """

    #: At most this many attempts (the second with the stricter prompt).
    MAX_ATTEMPTS = 2

    def __init__(self, report_text: str, recs: Sequence[Recommendation], language: str,
                 lm: LanguageModel, grade: int = DEFAULT_GRADE,
                 params: GenerationParams | None = None,
                 stop_event: threading.Event | None = None) -> None:
        self.report_text = report_text
        self.recs = tuple(recs)
        self.language = _lang(language)
        self.lm = lm
        self.grade = grade
        self.params = params
        self.stop_event = stop_event
        self.stats: list[StreamStats] = []
        self.result: EducationText | None = None

    def attempts(self) -> Iterator[Iterator[str]]:
        """Yield one text stream per attempt; stop when the target is met or after two."""
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            stats = StreamStats()
            self.stats.append(stats)
            sink: list[str] = []
            yield _collect(education_stream(
                self.report_text, self.language, self.lm, self.grade, attempt > 1, self.params,
                self.stop_event, stats), sink)
            self.result = finish_education("".join(sink), self.report_text, self.recs,
                                           self.language, self.lm, self.grade, attempt,
                                           self.stats, self.params)
            if self.result.readability.meets_target or stats.stopped:
                return


def _collect(stream: Iterator[str], sink: list[str]) -> Iterator[str]:
    for piece in stream:
        sink.append(piece)
        yield piece


def patient_text(report_text: str, recs: Sequence[Recommendation], language: str,
                 lm: LanguageModel, grade: int = DEFAULT_GRADE,
                 params: GenerationParams | None = None) -> EducationText:
    """Generate, measure, and regenerate once with a stricter prompt if the grade is missed.

    The non-streaming form of :class:`PatientTextRun` (batch jobs, benchmarks, tests).
    """
    run = PatientTextRun(report_text, recs, language, lm, grade, params)
    for stream in run.attempts():
        for _ in stream:
            pass
    assert run.result is not None  # attempts() always finishes at least one attempt
    return run.result


def recommendations_from_params(params: Mapping[str, Any]) -> tuple[Recommendation, ...]:
    """Recompute the rule-based recommendation from the findings stored with a report."""
    from medgen.text.findings import Findings
    from medgen.text.report import recommendations

    data = params.get("findings")
    if not data:
        return ()
    return recommendations(Findings.from_dict(data))
