"""SMILES syntax mask for decoding: balanced branches and closed rings.

Many strings a small SMILES decoder writes are not molecules for purely syntactic reasons: a ring
bond opened and never closed, a ``)`` without its ``(``, the string ending inside a branch or right
after a bond. :class:`SmilesGrammar` tracks, per decoded row, the branch depth, which ring-closure
numbers are open and the class of the previous token, and masks the tokens that would break the
syntax; the decoder's distribution is renormalised over the rest (the same idea as
grammar-constrained decoding, Kusner et al. 2017, here with a small hand-written state machine).

:class:`ValenceGrammar` adds the valences: it keeps, per decoded row, a table of the atoms written
so far with the bond order and the number of neighbours each can still take, and masks an atom,
bond, branch or ring-closure digit that would exceed the capacity of the atom it attaches to (or of
the new atom, for a multiple bond), a ring closure onto its own atom or onto the atom it is already
bonded to, and, while a ring is still open at the top level, a step that would leave the current
atom with nothing free to close it. Aromatic atoms count an aromatic bond as one unit and have
their own neighbour limit (``c`` at most 3 neighbours and 4 units, so ``O=c1...`` stays allowed).

Not covered: aromaticity (whether aromatic atoms can be kekulised). A model that writes Kekule
SMILES (``smiles_form`` "kekule" in the training config) has no aromatic atoms to kekulise, so
with :class:`ValenceGrammar` nearly every string it writes parses. RDKit still decides what counts
as valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from medgen.molecules.tokenizer import Vocabulary


class DecodingMask(Protocol):
    """What :meth:`SmilesVAE.generate` needs of a mask: a per-row state, the allowed tokens, the
    state after a token (and the state object's ``select(keep)`` for the rows still decoding)."""

    def start(self, batch: int, device: torch.device | str = "cpu") -> Any: ...

    def mask(self, state: Any) -> torch.Tensor: ...

    def advance(self, state: Any, tokens: torch.Tensor) -> Any: ...


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



# --- valences -----------------------------------------------------------------------------------

#: Bond order of each bond token (aromatic and directional bonds count as single).
BOND_ORDER = {"-": 1, "=": 2, "#": 3, "$": 4, ":": 1, "/": 1, "\\": 1}
#: Highest valence (bond-order units) of the organic-subset elements (S: sulfone, P: phosphate).
_VALENCE = {"B": 3, "C": 4, "N": 3, "O": 2, "P": 5, "S": 6, "F": 1, "Cl": 1, "Br": 1, "I": 1,
            "H": 1}
#: Aromatic atoms: (units with an aromatic bond counted as 1, neighbours).
_AROMATIC = {"b": (3, 3), "c": (4, 3), "n": (3, 3), "o": (2, 2), "p": (5, 3), "s": (4, 3)}
_BRACKET = re.compile(r"^\[(\d*)([A-Z][a-z]?|[a-z][a-z]?|\*)(@*)(H\d?)?([+-]+\d*)?(:\d+)?\]$")
#: Capacity of an atom the mask knows nothing about (charged, unknown element): never limiting.
_FREE = (8, 8)


def atom_capacity(token: str) -> tuple[int, int]:
    """(bond-order units, neighbours) an atom token can take; ``(8, 8)`` when unknown or charged.

    Bracket atoms subtract their explicit hydrogens (``[nH]``: 2, 2). Raises ``ValueError`` for a
    token that is not an atom.
    """
    if token_class(token) != ATOM:
        raise ValueError(f"{token!r} is not an atom token")
    if token in _VALENCE:
        v = _VALENCE[token]
        return v, v
    if token in _AROMATIC:
        return _AROMATIC[token]
    m = _BRACKET.match(token)
    if m is None or m.group(5):
        return _FREE
    sym, hs = m.group(2), m.group(4)
    h = 0 if not hs else int(hs[1:] or 1)
    if sym in _AROMATIC:
        u, d = _AROMATIC[sym]
    elif sym in _VALENCE:
        u = d = _VALENCE[sym]
    else:
        return _FREE
    return max(0, u - h), max(0, d - h)


@dataclass
class ValenceState:
    """:class:`GrammarState` plus the atom table of each row (see the module docstring)."""

    syntax: GrammarState
    rem_u: torch.Tensor  # (B, A) long: bond-order units each atom can still take
    rem_d: torch.Tensor  # (B, A) long: neighbours each atom can still take
    parent: torch.Tensor  # (B, A) long: atom each atom was bonded to when written (-1: none)
    n_atoms: torch.Tensor  # (B,) long
    cur: torch.Tensor  # (B,) long: atom the next bond attaches to (-1: none yet)
    stack: torch.Tensor  # (B, S) long: branch points (atom indices), S = max branch depth
    ring_atom: torch.Tensor  # (B, R) long: atom that opened each ring number
    ring_ord: torch.Tensor  # (B, R) long: bond order written at the opening (0: none)
    pend: torch.Tensor  # (B,) long: order of a bond token waiting for its atom/ring digit (0: none)
    bstart: torch.Tensor  # (B,) bool: the next bond is a branch's first (it attaches to the
    # branch point, which the chain needs again after the branch)
    steps: torch.Tensor  # (B,) long: tokens written so far

    def select(self, keep: torch.Tensor) -> ValenceState:
        return ValenceState(self.syntax.select(keep), self.rem_u[keep], self.rem_d[keep],
                            self.parent[keep], self.n_atoms[keep], self.cur[keep], self.stack[keep],
                            self.ring_atom[keep], self.ring_ord[keep], self.pend[keep],
                            self.bstart[keep], self.steps[keep])


class ValenceGrammar:
    """Syntax mask of :class:`SmilesGrammar` plus valences (see the module docstring).

    ``max_atoms`` bounds the atoms of one string (the decoder's ``max_len`` is enough) and
    ``max_depth`` the nesting of branches. With ``max_tokens`` (the decoder's ``max_len - 1``),
    a row whose remaining length barely covers closing its open branches and rings and ending
    may open no further branch or ring, so fewer strings run out of length unclosed.
    """

    def __init__(self, vocab: Vocabulary, max_atoms: int = 128, max_depth: int = 16,
                 max_tokens: int | None = None) -> None:
        self.syntax = SmilesGrammar(vocab)
        self.max_tokens = max_tokens
        self.eos_id = vocab.eos_id
        self.max_atoms, self.max_depth = max_atoms, max_depth
        n = len(vocab.tokens)
        cap_u, cap_d, order = [0] * n, [0] * n, [0] * n
        for i, t in enumerate(vocab.tokens):
            c = token_class(t)
            if c == ATOM:
                cap_u[i], cap_d[i] = atom_capacity(t)
            elif c == BOND:
                order[i] = BOND_ORDER.get(t, 1)
        self.cap_u = torch.tensor(cap_u, dtype=torch.long)
        self.cap_d = torch.tensor(cap_d, dtype=torch.long)
        self.order = torch.tensor(order, dtype=torch.long)
        cls = self.syntax.cls
        self.is_atom, self.is_bond = cls == ATOM, cls == BOND
        self.is_ring, self.is_open = cls == RING, cls == OPEN
        self.ring_ids = torch.nonzero(self.is_ring).squeeze(1)  # ring digit k <-> ring_ids[k]

    def start(self, batch: int, device: torch.device | str = "cpu") -> ValenceState:
        a, r = self.max_atoms, self.syntax.n_rings

        def full(shape: tuple[int, ...], value: int) -> torch.Tensor:
            return torch.full(shape, value, dtype=torch.long, device=device)

        return ValenceState(
            syntax=self.syntax.start(batch, device), rem_u=full((batch, a), 0),
            rem_d=full((batch, a), 0), parent=full((batch, a), -1), n_atoms=full((batch,), 0),
            cur=full((batch,), -1), stack=full((batch, self.max_depth), -1),
            ring_atom=full((batch, r), -1), ring_ord=full((batch, r), 0), pend=full((batch,), 0),
            bstart=torch.zeros(batch, dtype=torch.bool, device=device), steps=full((batch,), 0),
        )

    @staticmethod
    def _at(table: torch.Tensor, idx: torch.Tensor, missing: int) -> torch.Tensor:
        """``table[b, idx[b]]`` per row (``idx`` (B,) or (B, K)), ``missing`` where idx < 0."""
        squeeze = idx.dim() == 1
        ix = idx.unsqueeze(1) if squeeze else idx
        out = torch.gather(table, 1, ix.clamp(min=0))
        out = torch.where(ix >= 0, out, torch.full_like(out, missing))
        return out.squeeze(1) if squeeze else out

    def mask(self, state: ValenceState) -> torch.Tensor:
        """Allowed next tokens ``(B, vocab)``; a row left with none may end (``<eos>``), so the
        mask is never empty (such a string is then usually invalid)."""
        dev = state.cur.device
        m = self.syntax.mask(state.syntax)
        big = 1 << 20
        has_cur = state.cur >= 0
        cu = self._at(state.rem_u, state.cur, big)  # (B,)
        cd = self._at(state.rem_d, state.cur, big)
        pend = state.pend
        o_def = torch.where(pend > 0, pend, torch.ones_like(pend))  # order of the next bond
        # While a ring is open at the top level the current atom must keep a free unit to carry
        # the chain on towards the closure (otherwise the string can only end unclosed).
        need = (state.syntax.rings.any(dim=1) & (state.syntax.depth == 0)).long()  # (B,)
        # A top-level branch's first bond must leave the branch point a unit for after the branch.
        keep = (state.bstart & state.syntax.rings.any(dim=1) & (state.syntax.depth == 1)).long()

        cap_u, cap_d = self.cap_u.to(dev), self.cap_d.to(dev)
        # Atoms: the bond to the current atom must fit on both ends.
        atom_ok = (~has_cur | ((cu >= o_def + keep) & (cd >= 1 + keep))).unsqueeze(1)
        atom_ok = atom_ok & ((cap_u.unsqueeze(0) >= o_def.unsqueeze(1)) & (cap_d.unsqueeze(0) >= 1)
                             | ~has_cur.unsqueeze(1))
        left_u = cap_u.unsqueeze(0) - torch.where(has_cur, o_def, 0).unsqueeze(1)
        left_d = cap_d.unsqueeze(0) - has_cur.long().unsqueeze(1)
        atom_ok &= (left_u >= need.unsqueeze(1)) & (left_d >= need.unsqueeze(1))
        m &= atom_ok | ~self.is_atom.to(dev).unsqueeze(0)
        # Bonds: the current atom must take the order.
        order = self.order.to(dev)
        bond_ok = (has_cur.unsqueeze(1) & (cu.unsqueeze(1) >= order.unsqueeze(0) + keep.unsqueeze(1))
                   & (cd >= 1 + keep).unsqueeze(1))
        m &= bond_ok | ~self.is_bond.to(dev).unsqueeze(0)
        # Branches: the branch bonds to the current atom; with an open ring it needs one more.
        branch_ok = has_cur & (cu >= 1 + need) & (cd >= 1 + need)
        m &= branch_ok.unsqueeze(1) | ~self.is_open.to(dev).unsqueeze(0)
        # Branch close: back at the top level with a ring open, the branch point must have a free
        # unit left to carry the chain on.
        if len(self.syntax.close_ids):
            depth = state.syntax.depth
            top = self._at(state.stack, (depth - 1).clamp(min=0, max=self.max_depth - 1), -1)
            tu, td = self._at(state.rem_u, top, big), self._at(state.rem_d, top, big)
            stuck = (state.syntax.rings.any(dim=1) & (depth == 1) & ((tu < 1) | (td < 1)))
            m[:, self.syntax.close_ids.to(dev)] &= ~stuck.unsqueeze(1)
        # Ring digits: opening takes the next bond's order from the current atom; closing also
        # needs the opener to take any order above the one written at the opening, and the two
        # atoms must differ and not be bonded already (the current atom's parent).
        if len(self.ring_ids):
            is_open_ring = state.syntax.rings  # (B, R)
            opener = state.ring_atom
            ord_close = torch.where(pend.unsqueeze(1) > 0, pend.unsqueeze(1),
                                    torch.where(state.ring_ord > 0, state.ring_ord, 1))
            extra = (ord_close - state.ring_ord.clamp(min=1)).clamp(min=0)
            conflict = (pend.unsqueeze(1) > 0) & (state.ring_ord > 0) & (pend.unsqueeze(1) != state.ring_ord)
            opener_u = self._at(state.rem_u, opener, big)
            parent_cur = self._at(state.parent, state.cur, -2)
            others_open = (is_open_ring.sum(dim=1, keepdim=True) - 1) > 0
            keep_free = (others_open & (state.syntax.depth == 0).unsqueeze(1)).long()
            close_ok = (is_open_ring & (cu.unsqueeze(1) >= ord_close + keep_free)
                        & (cd.unsqueeze(1) >= 1 + keep_free) & (opener_u >= extra) & ~conflict
                        & (opener != state.cur.unsqueeze(1)) & (opener != parent_cur.unsqueeze(1)))
            open_ok = (~is_open_ring & has_cur.unsqueeze(1)
                       & (cu.unsqueeze(1) >= (o_def + 1).unsqueeze(1))
                       & (cd.unsqueeze(1) >= 2))
            ring_ok = close_ok | open_ok  # (B, R)
            ids = self.ring_ids.to(dev)
            m[:, ids] &= ring_ok
        if self.max_tokens is not None:
            # Tokens still needed to finish: one per open branch and ring, an atom for a pending
            # bond, the <eos>; with at most two to spare, open nothing new.
            finish = (state.syntax.depth + state.syntax.rings.sum(dim=1) + (pend > 0).long() + 1)
            left = self.max_tokens - state.steps
            tight = left <= finish + 2
            if bool(tight.any()):
                m[:, self.is_open.to(dev)] &= ~tight.unsqueeze(1)
                if len(self.ring_ids):
                    ids = self.ring_ids.to(dev)
                    m[:, ids] &= ~(tight.unsqueeze(1) & ~state.syntax.rings)
                # No room left but for closing: only closers (and the atom of a pending bond).
                closing = (left <= finish) & (pend == 0)
                m[:, self.is_atom.to(dev) | self.is_bond.to(dev)] &= ~closing.unsqueeze(1)
        m[:, self.eos_id] &= pend == 0
        empty = ~m.any(dim=1)
        if bool(empty.any()):
            m[empty, self.eos_id] = True
        return m

    def advance(self, state: ValenceState, tokens: torch.Tensor) -> ValenceState:
        """State after appending ``tokens`` ``(B,)`` to each row."""
        dev = tokens.device
        b = torch.arange(tokens.shape[0], device=dev)
        is_atom = self.is_atom.to(dev)[tokens]
        is_bond = self.is_bond.to(dev)[tokens]
        is_ring = self.is_ring.to(dev)[tokens]
        cls = self.syntax.cls.to(dev)[tokens]
        rem_u, rem_d = state.rem_u.clone(), state.rem_d.clone()
        parent, stack = state.parent.clone(), state.stack.clone()
        ring_atom, ring_ord = state.ring_atom.clone(), state.ring_ord.clone()
        cur, n_atoms = state.cur.clone(), state.n_atoms.clone()
        pend = state.pend
        o_def = torch.where(pend > 0, pend, torch.ones_like(pend))
        has_cur = cur >= 0
        cur_c = cur.clamp(min=0)

        # Atom: bond it to the current atom, then it becomes the current atom.
        rows = is_atom & (n_atoms < self.max_atoms)
        if bool(rows.any()):
            r = b[rows]
            a = n_atoms[r]
            attach = has_cur[r]
            o = torch.where(attach, o_def[r], 0)
            rem_u[r, cur_c[r]] -= o
            rem_d[r, cur_c[r]] -= attach.long()
            rem_u[r, a] = self.cap_u.to(dev)[tokens[r]] - o
            rem_d[r, a] = self.cap_d.to(dev)[tokens[r]] - attach.long()
            parent[r, a] = cur[r]
            cur[r] = a
            n_atoms[r] += 1
        # Ring digit: open (remember the atom and order) or close (bond the two atoms).
        rows = is_ring & has_cur
        if bool(rows.any()):
            r = b[rows]
            k = self.syntax.ring_index.to(dev)[tokens[r]]
            closing = state.syntax.rings[r, k]
            o_open = o_def[r]
            prev_ord = ring_ord[r, k]
            o_close = torch.where(pend[r] > 0, pend[r], torch.where(prev_ord > 0, prev_ord, 1))
            o = torch.where(closing, o_close, o_open)
            rem_u[r, cur_c[r]] -= o
            rem_d[r, cur_c[r]] -= 1
            extra = torch.where(closing, (o_close - prev_ord.clamp(min=1)).clamp(min=0), 0)
            opener = ring_atom[r, k].clamp(min=0)
            rem_u[r, opener] -= extra
            ring_atom[r, k] = torch.where(closing, -1, cur[r])
            ring_ord[r, k] = torch.where(closing, 0, pend[r])
        # Branch open: remember the branch point; close: return to it.
        depth = state.syntax.depth
        rows = (cls == OPEN) & (depth < self.max_depth)
        if bool(rows.any()):
            r = b[rows]
            stack[r, depth[r]] = cur[r]
        rows = (cls == CLOSE) & (depth > 0)
        if bool(rows.any()):
            r = b[rows]
            cur[r] = stack[r, (depth[r] - 1).clamp(max=self.max_depth - 1)]
        pend = torch.where(is_bond, self.order.to(dev)[tokens],
                           torch.where(is_atom | is_ring, torch.zeros_like(pend), pend))
        bstart = (cls == OPEN) | (state.bstart & is_bond)
        return ValenceState(self.syntax.advance(state.syntax, tokens), rem_u, rem_d, parent,
                            n_atoms, cur, stack, ring_atom, ring_ord, pend, bstart, state.steps + 1)


#: Decoding masks by name (cards: ``sampling.mask``; v2's ``sampling.grammar`` true = "syntax").
MASKS = ("none", "syntax", "valence")


def make_mask(kind: str, vocab: Vocabulary,
              max_tokens: int | None = None) -> SmilesGrammar | ValenceGrammar | None:
    """Decoding mask by name: ``"none"``, ``"syntax"`` (:class:`SmilesGrammar`) or
    ``"valence"`` (:class:`ValenceGrammar`, with the length budget ``max_tokens``)."""
    if kind == "none":
        return None
    if kind == "syntax":
        return SmilesGrammar(vocab)
    if kind == "valence":
        return ValenceGrammar(vocab, max_tokens=max_tokens)
    raise ValueError(f"unknown decoding mask {kind!r}; expected one of {MASKS}")
