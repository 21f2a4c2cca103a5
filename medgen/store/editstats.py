"""Edit statistics: word-level edit distance between a draft and its signed text, cached per output.

The distance is Levenshtein's (insertions, deletions, substitutions of whole words, each costing 1),
computed by ``rapidfuzz`` on lists of words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from medgen.store.models import GeneratedOutput, TextEditStat

_WORD = re.compile(r"\S+")


def words(text: str | None) -> list[str]:
    """Whitespace-separated tokens of ``text`` (punctuation stays attached, case kept)."""
    return _WORD.findall(text or "")


def word_edit_distance(draft: str | None, final: str | None) -> int:
    """Number of word insertions, deletions and substitutions turning ``draft`` into ``final``."""
    return int(Levenshtein.distance(words(draft), words(final)))


def _text_hash(draft: str | None, final: str | None) -> str:
    h = hashlib.sha256()
    h.update((draft or "").encode())
    h.update(b"\x00")
    h.update((final or "").encode())
    return h.hexdigest()


def refresh_edit_stats(session: Session, output_ids: Iterable[int] | None = None) -> int:
    """(Re)compute draft->final word edit distances for text outputs that have a final text.

    Only outputs whose draft or final text changed since the last computation are recomputed.
    Restrict to ``output_ids`` when given. Returns the number of rows written.
    """
    stmt = (
        select(
            GeneratedOutput.id, GeneratedOutput.draft_text, GeneratedOutput.final_text, TextEditStat
        )
        .outerjoin(TextEditStat, TextEditStat.output_id == GeneratedOutput.id)
        .where(GeneratedOutput.final_text.is_not(None), GeneratedOutput.draft_text.is_not(None))
    )
    if output_ids is not None:
        stmt = stmt.where(GeneratedOutput.id.in_(list(output_ids)))
    written = 0
    for out_id, draft, final, stat in session.execute(stmt):
        digest = _text_hash(draft, final)
        if stat is not None and stat.text_hash == digest:
            continue
        if stat is None:
            stat = TextEditStat(output_id=out_id)
            session.add(stat)
        stat.draft_words, stat.final_words = len(words(draft)), len(words(final))
        stat.edit_distance, stat.text_hash = word_edit_distance(draft, final), digest
        written += 1
    session.flush()
    return written


def edit_stat(session: Session, output_id: int) -> tuple[int, int, int] | None:
    """``(edit_distance, draft_words, final_words)`` of one output, computing it if needed."""
    refresh_edit_stats(session, [output_id])
    stat = session.get(TextEditStat, output_id)
    return None if stat is None else (stat.edit_distance, stat.draft_words, stat.final_words)
