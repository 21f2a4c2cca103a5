"""The rating catalogue: criteria per output kind, score range, and what a rating may contain.

Pure rules (no database): :mod:`medgen.store.feedback` checks every rating with them before it
is stored, and the review charts take their labels from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from medgen.errors import InvalidInputError
from medgen.types import OutputKind

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class Criterion:
    """A rating criterion: stable ``key`` stored in the database, ``label`` and ``help`` shown."""

    key: str
    label: str
    help: str


#: The criteria rated for each output kind (every score: 1 = poor .. 5 = excellent).
CRITERIA: dict[OutputKind, tuple[Criterion, ...]] = {
    OutputKind.ENHANCEMENT: (
        Criterion("noise_reduction", "Noise reduction", "5 = noise clearly reduced"),
        Criterion("detail_preserved", "Detail preserved", "5 = all fine structures kept"),
        Criterion(
            "artefacts_introduced",
            "Artefacts introduced",
            "5 = no artefacts introduced, 1 = severe artefacts",
        ),
    ),
    OutputKind.REPORT: (
        Criterion("accuracy", "Accuracy", "5 = every statement matches the findings"),
        Criterion("completeness", "Completeness", "5 = nothing relevant missing"),
        Criterion("wording", "Wording", "5 = clear, standard radiology wording"),
    ),
    OutputKind.EDUCATION: (
        Criterion("accuracy", "Accuracy", "5 = faithful to the signed report"),
        Criterion("clarity", "Clarity", "5 = easy for the patient to understand"),
        Criterion("tone", "Tone", "5 = kind, calm and respectful"),
    ),
    OutputKind.MOLECULE_SET: (
        Criterion("novelty", "Novelty", "5 = structures unlike known drugs and training molecules"),
        Criterion("drug_likeness", "Drug-likeness", "5 = plausible drug-like molecules (QED, rule of five)"),
        Criterion("synthesizability", "Synthesizability", "5 = every structure looks easy to make"),
    ),
}


def criteria_for(kind: OutputKind | str) -> tuple[Criterion, ...]:
    """The criteria rated for outputs of ``kind``."""
    return CRITERIA[OutputKind(kind)]


def criterion_label(key: str) -> str:
    """Display label of a criterion key (the key itself when unknown)."""
    for crits in CRITERIA.values():
        for c in crits:
            if c.key == key:
                return c.label
    return key


def _check_score(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
        raise InvalidInputError(f"{name} must be a whole number from {MIN_SCORE} to {MAX_SCORE}.")
    return value


def validate_rating(
    kind: OutputKind | str, overall: int, scores: Mapping[str, int | None] | None
) -> dict[str, int]:
    """Check a rating against the criteria of ``kind``; return the scores that were given."""
    crits = {c.key: c for c in criteria_for(kind)}
    _check_score("The overall rating", overall)
    clean: dict[str, int] = {}
    for key, value in (scores or {}).items():
        if key not in crits:
            raise InvalidInputError(
                f"'{key}' is not a criterion for {OutputKind(kind).value} outputs; "
                f"use one of: {', '.join(crits)}."
            )
        if value is None:  # criterion left unrated
            continue
        clean[key] = _check_score(crits[key].label, value)
    return clean


# Things a rating comment must not contain (only de-identified data is stored): long digit runs
# (record numbers, phone numbers), full calendar dates, e-mail addresses.
_IDENTIFIER_PATTERNS = (
    (re.compile(r"(?:\d[ -]?){5,}\d"), "a long number (record or phone number?)"),
    (
        re.compile(r"\b(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b"),
        "a date",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "an e-mail address"),
)


def check_comment_deidentified(comment: str) -> None:
    """Refuse comments that look like they carry patient identifiers (clear, actionable message)."""
    for pattern, what in _IDENTIFIER_PATTERNS:
        if pattern.search(comment):
            raise InvalidInputError(
                f"The comment seems to contain {what}. Comments are stored for quality review and "
                "must not identify a patient; please remove it and save again."
            )


def clean_comment(comment: str | None) -> str:
    """The stripped comment, or InvalidInputError if it may identify a patient or is too long."""
    text = (comment or "").strip()
    check_comment_deidentified(text)
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInputError(f"The comment is too long (at most {MAX_COMMENT_CHARS} characters).")
    return text
