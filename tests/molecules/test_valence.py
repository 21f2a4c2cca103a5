"""Valence decoding mask, Kekule SMILES form and train-split validation (issue 15, v3)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from rdkit import Chem

from bench.molecules_failures import classify, tally
from medgen.molecules.chem import canonical_smiles, kekule_smiles
from medgen.molecules.data import train_holdout, train_subset
from medgen.molecules.generator import MoleculeGenerator
from medgen.molecules.grammar import SmilesGrammar, ValenceGrammar, atom_capacity, make_mask
from medgen.molecules.model import SmilesVAE, VAEConfig
from medgen.molecules.tokenizer import Vocabulary, tokenize
from medgen.molecules.train import TrainConfig, train
from tests.molecules.test_train import _small_moses


def _blocked_at(grammar: ValenceGrammar, vocab: Vocabulary, smiles: list[str]) -> list[int]:
    """Teacher-force every string (then <eos>) through the mask as one batch; per string the
    index of the first token the mask forbids, or -1 if none."""
    seqs = [vocab.encode(s)[1:] for s in smiles]
    t_max = max(map(len, seqs))
    ids = torch.full((len(seqs), t_max), vocab.eos_id)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
    state = grammar.start(len(seqs))
    first = [-1] * len(seqs)
    for t in range(t_max):
        ok = grammar.mask(state)[torch.arange(len(seqs)), ids[:, t]]
        for i in torch.nonzero(~ok).squeeze(1).tolist():
            if first[i] < 0 and t < len(seqs[i]):
                first[i] = t
        state = grammar.advance(state, ids[:, t])
    return first


def test_atom_capacities() -> None:
    assert atom_capacity("C") == (4, 4) and atom_capacity("O") == (2, 2)
    assert atom_capacity("Cl") == (1, 1) and atom_capacity("S") == (6, 6)
    assert atom_capacity("c") == (4, 3)  # O=c1... (exocyclic double bond) but 3 neighbours
    assert atom_capacity("[nH]") == (2, 2) and atom_capacity("[NH2]") == (1, 1)
    assert atom_capacity("[N+]") == (8, 8)  # charged: not limited
    with pytest.raises(ValueError):
        atom_capacity("=")


@pytest.mark.parametrize("form", ["canonical", "kekule"])
def test_valence_mask_never_blocks_a_real_moses_molecule(moses_train: list[str], form: str) -> None:
    """Every token of 3,000 real MOSES train molecules (aromatic and Kekule SMILES) passes."""
    smiles = moses_train if form == "canonical" else [kekule_smiles(s) or "" for s in moses_train]
    vocab = Vocabulary.build(smiles)
    blocked = _blocked_at(ValenceGrammar(vocab, max_tokens=99), vocab, smiles)
    assert [(s, i) for s, i in zip(smiles, blocked, strict=True) if i >= 0] == []


def test_valence_mask_blocks_what_rdkit_rejects() -> None:
    vocab = Vocabulary.build(["C1=CC=CC=C1", "CC(=O)N", "C#N", "FC(Cl)Br", "CS(=O)(=O)C",
                              "C12CC1C2", "c1ccccc1"])
    grammar = ValenceGrammar(vocab)
    bad = {
        "CC(C)(C)(C)C": 11,  # fifth neighbour of a carbon
        "CC(=O)=O": 6,  # carbon with five units
        "C#N=C": 3,  # nitrogen with five units
        "FCF(C)": 3,  # fluorine with two neighbours: the branch is masked
        "C1C1": 3,  # ring closure onto the atom it is bonded to
        "C11": 2,  # ring closure onto its own atom
        "C=1CC#1": 6,  # ring bond written as double at one end, triple at the other
        "C=O=C": 3,  # oxygen with four units
    }
    got = _blocked_at(grammar, vocab, list(bad))
    for (s, where), first in zip(bad.items(), got, strict=True):
        # RDKit rejects them too (it tolerates the conflicting ring-bond orders, which SMILES does not)
        assert Chem.MolFromSmiles(s) is None or s == "C=1CC#1", s
        assert first == where, (s, first, tokenize(s)[first] if first >= 0 else None)
    ok = ["C1=CC=CC=C1", "CC(=O)N", "CS(=O)(=O)C", "C12CC1C2", "c1ccccc1", "FC(Cl)Br"]
    assert _blocked_at(grammar, vocab, ok) == [-1] * len(ok)


def test_valence_masked_decoding_of_kekule_vocab_parses(moses_train: list[str]) -> None:
    """An untrained decoder (random tokens) over a Kekule vocabulary: with the valence mask the
    strings it ends are nearly all valid molecules, with no valence or kekulisation failure;
    without it, almost none are."""
    torch.manual_seed(0)
    vocab = Vocabulary.build([kekule_smiles(s) or "" for s in moses_train[:1000]])
    assert not any(t[0].islower() for t in vocab.tokens[4:])
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), emb_dim=8, enc_hidden=8, latent=4,
                                dec_hidden=16, max_len=100)).eval()
    g = torch.Generator().manual_seed(1)

    def ended(mask: str) -> list[str]:
        rows = model.generate(torch.randn(300, 4), temperature=1.0, generator=g,
                              grammar=make_mask(mask, vocab)).tolist()
        return [vocab.decode(r) for r in rows if vocab.eos_id in r]

    masked, free = tally(ended("valence")), tally(ended("none"))
    assert masked["n"] > 200 and masked["fractions"]["valid"] > 0.85
    assert masked["counts"]["valence"] == masked["counts"]["kekulize"] == 0
    assert free["fractions"]["valid"] < 0.1


def test_failure_classes() -> None:
    assert classify("CCO")[0] == "valid" and classify("")[0] == "empty"
    assert classify("CC1CC")[0] == "syntax"
    assert classify("CC(C)(C)(C)C")[0] == "valence"
    assert classify("c1cccc1")[0] == "kekulize"


def test_kekule_smiles_round_trip(moses_train: list[str]) -> None:
    for s in moses_train[:200]:
        k = kekule_smiles(s)
        assert k is not None and not any(t[0] in "cnos" for t in tokenize(k)), k
        assert canonical_smiles(k) == canonical_smiles(s)
    assert kekule_smiles("not a molecule") is None


def test_train_holdout_is_disjoint_and_prefix_stable(moses_train: list[str]) -> None:
    subset = train_subset(moses_train, 2000, seed=3)
    hold = train_holdout(moses_train, 2000, seed=3, n=500)
    assert len(hold) == 500 and not set(hold) & set(subset)
    assert train_holdout(moses_train, 2000, seed=3, n=100) == hold[:100]
    assert len(set(subset)) == 2000


def test_generator_takes_mask_and_form_from_the_card(moses_train: list[str]) -> None:
    vocab = Vocabulary.build([kekule_smiles(s) or "" for s in moses_train[:500]])
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), emb_dim=8, enc_hidden=8, latent=4,
                                dec_hidden=16))
    v3 = MoleculeGenerator(model, vocab, "x", {"sampling": {"mask": "valence"}, "smiles_form": "kekule"})
    assert isinstance(v3.grammar, ValenceGrammar) and v3.smiles_form == "kekule"
    v2 = MoleculeGenerator(model, vocab, "x", {"sampling": {"grammar": True}})
    assert type(v2.grammar) is SmilesGrammar and v2.smiles_form == "canonical"
    assert MoleculeGenerator(model, vocab, "x", {}).grammar is None
    assert isinstance(v3.grammar, ValenceGrammar) and v3.grammar.max_tokens == model.cfg.max_len - 1
    free = MoleculeGenerator(model, vocab, "x", {"sampling": {"mask": "valence", "length_budget": False}})
    assert isinstance(free.grammar, ValenceGrammar) and free.grammar.max_tokens is None
    # A Kekule model encodes the Kekule form: benzene has no aromatic token it cannot read.
    assert v3.encode("c1ccccc1").shape == (4,)
    with pytest.raises(ValueError, match="mask"):
        make_mask("semantic", vocab)


def test_training_on_kekule_smiles_validates_on_the_train_holdout(tmp_path: Path,
                                                                  moses_train: list[str]) -> None:
    _small_moses(tmp_path, moses_train)
    cfg = TrainConfig(
        data_dir=str(tmp_path / "data"), out_dir=str(tmp_path / "run"), train_size=200, val_size=40,
        val_split="train_holdout", smiles_form="kekule",
        model={"emb_dim": 8, "enc_hidden": 16, "latent": 4, "dec_hidden": 16, "max_len": 100},
        batch=16, steps=2, eval_every=2, eval_samples=8, log_every=1, seed=1, device="cpu", threads=1,
    )
    summary = train(cfg)
    ck = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert summary["step"] == 2 and summary["train_molecules"] == 200
    assert not any(t[0] in "cnos" for t in ck["vocab"][4:])  # Kekule: no aromatic atoms
    assert ck["config"]["smiles_form"] == "kekule"
    with pytest.raises(ValueError, match="val_split"):
        TrainConfig(val_split="test_scaffolds")
    with pytest.raises(ValueError, match="smiles_form"):
        TrainConfig(smiles_form="selfies")


def test_length_budget_closes_strings_before_max_len(moses_train: list[str]) -> None:
    """With the decoder's length as budget, fewer random strings run out of length unclosed."""
    torch.manual_seed(0)
    vocab = Vocabulary.build([kekule_smiles(s) or "" for s in moses_train[:1000]])
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), emb_dim=8, enc_hidden=8, latent=4,
                                dec_hidden=16, max_len=30)).eval()
    z = torch.randn(400, 4)

    def valid_fraction(budget: int | None) -> float:
        g = torch.Generator().manual_seed(2)
        rows = model.generate(z, temperature=1.0, generator=g,
                              grammar=ValenceGrammar(vocab, max_tokens=budget)).tolist()
        return tally([vocab.decode(r) if vocab.eos_id in r else "" for r in rows])["fractions"]["valid"]

    free, budgeted = valid_fraction(None), valid_fraction(29)
    assert budgeted > free + 0.1 and budgeted > 0.8, (free, budgeted)
