"""SMILES syntax mask for decoding: balanced branches and closed rings.

Many strings a small SMILES decoder writes are not molecules for purely syntactic reasons: a ring
bond opened and never closed, a ``)`` without its ``(``, the string ending inside a branch or right
after a bond. :class:`SmilesGrammar` tracks, per decoded row, the branch depth, which ring-closure
numbers are open and the class of the previous token, and masks the tokens that would break the
syntax; the decoder's distribution is renormalised over the rest (the same idea as
grammar-constrained decoding, Kusner et al. 2017, here with a small hand-written state machine).

Not covered, on purpose: valences, aromaticity (kekulisation), a ring closed onto its own atom.
Those remain the model's job, and RDKit still decides what counts as valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from medgen.molecules.tokenizer import Vocabulary

# Token classes (also the "previous token" states; START is the state after <bos>).
START, ATOM, RING, BOND, OPEN, CLOSE, OTHER = range(7)
_BONDS = {"-", "=", "#", "$", ":", "/", "\\"}


def token_class(token: str) -> int:
    """Class of one SMILES token (``OTHER`` for special and unknown tokens)."""
    if token.startswith("<"):
        return OTHER
    if token == "(":
        return OPEN
    if token == ")":
        return CLOSE
    if token in _BONDS:
        return BOND
    if token.isdigit() or token.startswith("%"):
        return RING
    if token.startswith("[") or token[0].isalpha() or token == "*":
        return ATOM
    return OTHER


#: Which token classes may follow each state.
_FOLLOWS = {
    START: {ATOM},
    ATOM: {ATOM, RING, BOND, OPEN, CLOSE},
    RING: {ATOM, RING, BOND, OPEN, CLOSE},
    BOND: {ATOM, RING},
    OPEN: {ATOM, BOND},
    CLOSE: {ATOM, BOND, OPEN, CLOSE},
}
_CAN_END = (ATOM, RING, CLOSE)


@dataclass
class GrammarState:
    """Per-row decoding state: previous token class, branch depth, open ring numbers."""

    prev: torch.Tensor  # (B,) long
    depth: torch.Tensor  # (B,) long
    rings: torch.Tensor  # (B, R) bool

    def select(self, keep: torch.Tensor) -> GrammarState:
        return GrammarState(self.prev[keep], self.depth[keep], self.rings[keep])


class SmilesGrammar:
    """Token mask for one vocabulary (see the module docstring)."""

    def __init__(self, vocab: Vocabulary) -> None:
        classes = [token_class(t) for t in vocab.tokens]
        self.eos_id = vocab.eos_id
        self.cls = torch.tensor(classes, dtype=torch.long)
        ring_ids = [i for i, c in enumerate(classes) if c == RING]
        self.ring_index = torch.full((len(classes),), -1, dtype=torch.long)
        for k, i in enumerate(ring_ids):
            self.ring_index[i] = k
        self.n_rings = max(1, len(ring_ids))
        self.close_ids = torch.tensor([i for i, c in enumerate(classes) if c == CLOSE],
                                      dtype=torch.long)
        follows = torch.zeros((7, len(classes)), dtype=torch.bool)
        for state, allowed in _FOLLOWS.items():
            for i, c in enumerate(classes):
                follows[state, i] = c in allowed
        for state in _CAN_END:
            follows[state, self.eos_id] = True
        self.follows = follows

    def start(self, batch: int, device: torch.device | str = "cpu") -> GrammarState:
        return GrammarState(
            prev=torch.full((batch,), START, dtype=torch.long, device=device),
            depth=torch.zeros(batch, dtype=torch.long, device=device),
            rings=torch.zeros((batch, self.n_rings), dtype=torch.bool, device=device),
        )

    def mask(self, state: GrammarState) -> torch.Tensor:
        """Allowed next tokens ``(B, vocab)``: never empty (an atom is always allowed)."""
        m = self.follows.to(state.prev.device)[state.prev].clone()
        if len(self.close_ids):
            m[:, self.close_ids.to(m.device)] &= (state.depth > 0).unsqueeze(1)
        m[:, self.eos_id] &= (state.depth == 0) & ~state.rings.any(dim=1)
        return m

    def advance(self, state: GrammarState, tokens: torch.Tensor) -> GrammarState:
        """State after appending ``tokens`` ``(B,)`` to each row."""
        c = self.cls.to(tokens.device)[tokens]
        depth = state.depth + (c == OPEN).long() - (c == CLOSE).long()
        ri = self.ring_index.to(tokens.device)[tokens]
        rings = state.rings.clone()
        rows = torch.nonzero(ri >= 0).squeeze(1)
        if len(rows):
            rings[rows, ri[rows]] = ~rings[rows, ri[rows]]
        return GrammarState(prev=torch.where(c == OTHER, state.prev, c), depth=depth, rings=rings)
