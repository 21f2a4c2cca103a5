"""SMILES tokenizer and vocabulary.

Tokens are the chemically meaningful units of a SMILES string: bracket atoms (``[nH]``,
``[C@@H]``, ``[N+]``) are one token, two-letter organic-subset atoms (``Cl``, ``Br``) are one
token, ring-closure numbers above 9 (``%10``) are one token, everything else (atoms, bonds,
branches, single-digit ring closures) is one character. The regular expression is the one of
Schwaller et al., "Molecular Transformer" (ACS Cent. Sci. 2019), which covers the full SMILES
grammar; :func:`tokenize` checks that the tokens join back to the input, so nothing is silently
dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from medgen.errors import InvalidSmilesError

SMILES_REGEX = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])"
)

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)


def tokenize(smiles: str) -> list[str]:
    """Split a SMILES string into tokens.

    Raises
    ------
    InvalidSmilesError
        If part of the string is not a SMILES token (the tokens would not join back to it).
    """
    tokens = SMILES_REGEX.findall(smiles)
    if "".join(tokens) != smiles:
        raise InvalidSmilesError(
            f"'{smiles[:80]}' contains characters that are not SMILES; check the structure."
        )
    return tokens


@dataclass(frozen=True)
class Vocabulary:
    """Token <-> id mapping; ids 0..3 are ``<pad> <bos> <eos> <unk>``."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if tuple(self.tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"a vocabulary must start with {SPECIALS}")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.tokens)})

    @classmethod
    def build(cls, smiles: Iterable[str]) -> Vocabulary:
        """Vocabulary of every token seen in ``smiles`` (sorted by frequency, then text)."""
        counts: Counter[str] = Counter()
        for s in smiles:
            counts.update(tokenize(s))
        ordered = sorted(counts, key=lambda t: (-counts[t], t))
        return cls(SPECIALS + tuple(ordered))

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def bos_id(self) -> int:
        return 1

    @property
    def eos_id(self) -> int:
        return 2

    @property
    def unk_id(self) -> int:
        return 3

    def encode(self, smiles: str, add_bos_eos: bool = True) -> list[int]:
        """Token ids of ``smiles`` (unknown tokens map to ``<unk>``)."""
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        ids = [index.get(t, self.unk_id) for t in tokenize(smiles)]
        return [self.bos_id, *ids, self.eos_id] if add_bos_eos else ids

    def unknown_tokens(self, smiles: str) -> list[str]:
        """Tokens of ``smiles`` that the vocabulary does not hold."""
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        return [t for t in tokenize(smiles) if t not in index]

    def decode(self, ids: Sequence[int]) -> str:
        """SMILES text of ``ids``: stops at ``<eos>``, skips ``<bos>``/``<pad>``, drops ``<unk>``."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id, self.unk_id):
                continue
            out.append(self.tokens[i])
        return "".join(out)
