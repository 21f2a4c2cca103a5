"""SMILES syntax mask used while decoding (medgen.molecules.grammar)."""

from __future__ import annotations

import torch

from medgen.molecules.grammar import (
    ATOM,
    BOND,
    CLOSE,
    OPEN,
    OTHER,
    RING,
    SmilesGrammar,
    token_class,
)
from medgen.molecules.model import SmilesVAE, VAEConfig
from medgen.molecules.tokenizer import Vocabulary, tokenize


def _vocab(moses_train: list[str]) -> Vocabulary:
    return Vocabulary.build(moses_train[:2000])


def _walk(grammar: SmilesGrammar, vocab: Vocabulary, smiles: str) -> bool:
    """Whether every token of ``smiles`` and the final <eos> pass the mask."""
    state = grammar.start(1)
    for tok in [*tokenize(smiles), "<eos>"]:
        i = vocab.tokens.index(tok)
        if not bool(grammar.mask(state)[0, i]):
            return False
        state = grammar.advance(state, torch.tensor([i]))
    return True


def test_token_classes() -> None:
    assert [token_class(t) for t in ["C", "c", "Cl", "[nH]", "1", "%10", "=", "#", "(", ")", "<eos>"]] == [
        ATOM, ATOM, ATOM, ATOM, RING, RING, BOND, BOND, OPEN, CLOSE, OTHER]


def test_real_molecules_pass_and_broken_syntax_is_masked(moses_train: list[str]) -> None:
    vocab = _vocab(moses_train)
    grammar = SmilesGrammar(vocab)
    for s in moses_train[:300]:  # every real MOSES molecule is allowed token by token
        assert _walk(grammar, vocab, s), s
    for bad in ["CC1CC", "CC(C", "CC)C", "C=", "C(=O", "(C)C", "1CC1", "CC(C)1CC1", "C()C"]:
        assert not _walk(grammar, vocab, bad), bad


def test_masked_decoding_writes_balanced_strings(moses_train: list[str]) -> None:
    torch.manual_seed(0)
    vocab = _vocab(moses_train)
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), emb_dim=8, enc_hidden=8, latent=4,
                                dec_hidden=16, max_len=60)).eval()  # untrained: random tokens
    grammar = SmilesGrammar(vocab)
    g = torch.Generator().manual_seed(1)
    rows = model.generate(torch.randn(200, 4), temperature=1.0, generator=g, grammar=grammar).tolist()
    ended = 0
    for row in rows:
        if vocab.eos_id not in row:
            continue  # ran out of length: no claim
        ended += 1
        toks = [vocab.tokens[i] for i in row[: row.index(vocab.eos_id)]]
        assert toks and token_class(toks[0]) == ATOM
        assert toks.count("(") == toks.count(")")
        for r in {t for t in toks if token_class(t) == RING}:
            assert toks.count(r) % 2 == 0  # every ring bond opened is closed
        assert vocab.decode(row) == "".join(toks)
    assert ended > 20
    free = model.generate(torch.randn(200, 4), temperature=1.0, generator=g).tolist()
    unbalanced = sum(1 for row in free if vocab.eos_id in row
                     and row.count(vocab.tokens.index("(")) != row.count(vocab.tokens.index(")")))
    assert unbalanced > 0  # without the mask the same untrained model does break the syntax
