from __future__ import annotations

import pytest

from medgen.errors import InvalidSmilesError, MedgenError
from medgen.molecules.tokenizer import SPECIALS, Vocabulary, tokenize


def test_round_trip_on_real_moses_smiles(moses_train: list[str]) -> None:
    vocab = Vocabulary.build(moses_train[:2000])
    for s in moses_train:
        assert "".join(tokenize(s)) == s
        ids = vocab.encode(s)
        assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id
        if not vocab.unknown_tokens(s):
            assert vocab.decode(ids) == s


def test_multi_character_tokens() -> None:
    assert tokenize("Clc1ccc(Br)cc1") == ["Cl", "c", "1", "c", "c", "c", "(", "Br", ")", "c", "c", "1"]
    assert tokenize("c1cc[nH]c1") == ["c", "1", "c", "c", "[nH]", "c", "1"]
    assert tokenize("C[C@@H](N)C(=O)[O-]") == [
        "C", "[C@@H]", "(", "N", ")", "C", "(", "=", "O", ")", "[O-]"]
    assert tokenize("C%10CC%10") == ["C", "%10", "C", "C", "%10"]


def test_vocabulary_layout_and_unknown_tokens() -> None:
    vocab = Vocabulary.build(["CCO", "c1ccccc1Cl"])
    assert vocab.tokens[:4] == SPECIALS
    assert "Cl" in vocab.tokens and "C" in vocab.tokens
    assert vocab.unknown_tokens("CCBr") == ["Br"]
    assert vocab.decode(vocab.encode("CCBr")) == "CC"  # <unk> is dropped on decode
    assert vocab.decode([vocab.bos_id, *vocab.encode("CO", add_bos_eos=False), vocab.eos_id,
                         vocab.tokens.index("C")]) == "CO"  # stops at <eos>


def test_non_smiles_characters_raise_typed_error() -> None:
    with pytest.raises(InvalidSmilesError) as info:
        tokenize("CC O")
    assert isinstance(info.value, MedgenError)
    with pytest.raises(ValueError):
        Vocabulary(("a", "b"))
