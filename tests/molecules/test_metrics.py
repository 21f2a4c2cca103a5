from __future__ import annotations

import pytest

from medgen.molecules import metrics as M
from medgen.molecules.chem import mol_from_smiles
from medgen.molecules.data import DATA_DIR

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1c(=O)c2c(ncn2C)n(C)c1=O"


def test_validity_counts_invalid_and_empty_strings() -> None:
    assert M.fraction_valid([ASPIRIN, CAFFEINE, "CCO", "C"]) == 1.0
    assert M.fraction_valid([ASPIRIN, CAFFEINE, "C1CC", ""]) == 0.5


def test_uniqueness_counts_canonical_duplicates() -> None:
    canon = M.canonical_valid([ASPIRIN, "OC(=O)c1ccccc1OC(C)=O", CAFFEINE, "C1CC", "CCO"])
    assert len(canon) == 4  # the invalid one is dropped
    assert M.fraction_unique(canon) == 0.75  # aspirin written two ways
    assert M.fraction_unique(canon, k=2) == 0.5
    assert M.fraction_unique(M.canonical_valid([ASPIRIN, CAFFEINE])) == 1.0


def test_novelty_against_a_training_set() -> None:
    train = {M.canonical_valid([ASPIRIN])[0]}
    canon = M.canonical_valid([ASPIRIN, CAFFEINE, CAFFEINE, "CCO"])
    assert M.novelty(canon, train) == pytest.approx(2 / 3)  # distinct: aspirin, caffeine, ethanol


def test_internal_diversity() -> None:
    same = [mol_from_smiles(ASPIRIN)] * 3
    assert M.internal_diversity(same) == pytest.approx(0.0)
    pair = [mol_from_smiles(ASPIRIN), mol_from_smiles(CAFFEINE)]
    fps = M.morgan_matrix(pair)
    inter = float((fps[0] * fps[1]).sum())
    tani = inter / (fps[0].sum() + fps[1].sum() - inter)
    assert M.internal_diversity(pair) == pytest.approx(1 - (2 + 2 * tani) / 4)
    # block size does not change the result
    assert M.internal_diversity(pair * 3, block=1) == pytest.approx(M.internal_diversity(pair * 3))


@pytest.mark.parametrize("source", ["moses", "rdkit"])
def test_filters(source: str) -> None:
    f = M.MosesFilters.from_data_dir(DATA_DIR) if source == "moses" else M.MosesFilters.rdkit()
    ok = [ASPIRIN, CAFFEINE, "O=C(Nc1ccccc1)c1ccccn1"]
    for s in ok:
        assert f.passes(mol_from_smiles(s)), s
    assert not f.passes(mol_from_smiles("C[N+](C)(C)C"))  # charged
    assert not f.passes(mol_from_smiles("C1CCCCCCC1"))  # 8-membered ring
    assert not f.passes(mol_from_smiles("CP(C)C"))  # phosphorus not allowed
    assert not f.passes(None)
    # PAINS ene_rhod: 5-benzylidene rhodanine
    assert not f.passes(mol_from_smiles("O=C1NC(=S)SC1=Cc1ccccc1"))
    mols = [mol_from_smiles(s) for s in [*ok, "C[N+](C)(C)C"]]
    assert M.fraction_passes_filters(mols, f) == 0.75


def test_moses_mcf_alerts_only_in_the_moses_rule_set() -> None:
    moses = M.MosesFilters.from_data_dir(DATA_DIR)
    assert "22" in moses.source and "480" in moses.source
    alkyl_halide = mol_from_smiles("CCCCl")  # MCF4: [H]C([H])([#6])[F,Cl,Br,I]
    assert not moses.passes(alkyl_halide)
    assert M.MosesFilters.rdkit().passes(alkyl_halide)


@pytest.mark.slow
def test_fcd_is_zero_for_identical_sets_and_grows_with_difference(moses_train: list[str]) -> None:
    ref = M.fcd_stats(moses_train[:200])
    same = M.fcd(ref, ref)
    other = M.fcd(M.fcd_stats(moses_train[200:400]), ref)
    small = M.fcd(M.fcd_stats(["C" * n for n in range(1, 60)] * 4), ref)
    assert abs(same) < 1e-3
    assert 0 < other < small
