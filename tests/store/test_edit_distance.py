"""Word edit distance (rapidfuzz) against the textbook dynamic programme, the reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medgen.store.editstats import word_edit_distance, words


def reference(a: list[str], b: list[str]) -> int:
    """Textbook O(n*m) dynamic programme, the oracle for the library implementation."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


tokens = st.lists(st.sampled_from(["a", "b", "c", "d", "no", "left"]), max_size=80)


@settings(max_examples=400, deadline=None)
@given(tokens, tokens)
def test_matches_reference_dynamic_programme(a: list[str], b: list[str]) -> None:
    assert word_edit_distance(" ".join(a), " ".join(b)) == reference(a, b)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["w0", "w1", "w2", "w3"]), min_size=60, max_size=200),
    st.lists(st.sampled_from(["w0", "w1", "w2", "w3"]), max_size=200),
)
def test_long_sequences_beyond_one_machine_word(a: list[str], b: list[str]) -> None:
    assert word_edit_distance(" ".join(a), "\n".join(b)) == reference(a, b)


def test_known_cases() -> None:
    assert word_edit_distance("", "x y") == 2
    assert word_edit_distance("x", None) == 1
    assert word_edit_distance("same", " same ") == 0
    # whole words count, not letters: one substitution
    assert word_edit_distance("kitten", "sitting") == 1


def test_word_level_on_report_text() -> None:
    draft = "No acute intracranial haemorrhage. Small lesion in the left frontal lobe."
    final = "No acute intracranial haemorrhage. Small 4 mm lesion in the right frontal lobe."
    # inserted "4", "mm"; substituted "left" -> "right"
    assert word_edit_distance(draft, final) == 3
    assert word_edit_distance(draft, draft) == 0
    assert word_edit_distance(None, "one two") == 2
    assert words("a  b\nc") == ["a", "b", "c"]


def test_long_report() -> None:
    draft = " ".join(f"w{i % 97}" for i in range(3000))
    final = " ".join(f"w{i % 97}" if i % 50 else "changed" for i in range(3000))
    assert word_edit_distance(draft, final) == 60  # every 50th word of 3000 substituted
