from __future__ import annotations

import io

import pytest
from PIL import Image
from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, Lipinski, rdMolDescriptors

from medgen.errors import InvalidSmilesError, PropertyRangeError
from medgen.molecules import chem

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1c(=O)c2c(ncn2C)n(C)c1=O"


@pytest.mark.parametrize("smiles", [ASPIRIN, CAFFEINE])
def test_properties_match_rdkit(smiles: str) -> None:
    mol = Chem.MolFromSmiles(smiles)
    p = chem.properties(smiles)
    assert p.smiles == Chem.MolToSmiles(mol)
    assert p.qed == pytest.approx(QED.qed(mol))
    assert p.logp == pytest.approx(Crippen.MolLogP(mol))
    assert p.mw == pytest.approx(Descriptors.MolWt(mol))
    assert p.tpsa == pytest.approx(rdMolDescriptors.CalcTPSA(mol))
    assert (p.hbd, p.hba) == (Lipinski.NumHDonors(mol), Lipinski.NumHAcceptors(mol))
    assert p.lipinski and p.lipinski_violations == 0
    assert 1.0 <= p.sa <= 10.0


def test_textbook_values() -> None:
    # Molar masses: aspirin C9H8O4 180.16 g/mol, caffeine C8H10N4O2 194.19 g/mol.
    assert chem.properties(ASPIRIN).mw == pytest.approx(180.16, abs=0.01)
    assert chem.properties(CAFFEINE).mw == pytest.approx(194.19, abs=0.01)
    assert chem.properties(CAFFEINE).hbd == 0  # caffeine has no N-H or O-H
    # Both are small and easy to make: SA well below the 'hard' end of the 1..10 scale.
    assert chem.properties(ASPIRIN).sa < 3


def test_rule_of_five_violations() -> None:
    # Cyclosporin A: MW 1202, breaks the MW and donor/acceptor rules.
    cyclosporin = ("CC[C@H]1C(=O)N(CC(=O)N([C@H](C(=O)N[C@H](C(=O)N([C@H](C(=O)N[C@H](C(=O)"
                   "N[C@@H](C(=O)N([C@H](C(=O)N([C@H](C(=O)N([C@H](C(=O)N([C@H](C(=O)N1)"
                   "[C@@H]([C@H](C)C/C=C/C)O)C)C(C)C)C)CC(C)C)C)CC(C)C)C)C)C)CC(C)C)C)"
                   "C(C)C)CC(C)C)C)C")
    p = chem.properties(cyclosporin)
    assert p.mw > 1200 and p.lipinski_violations >= 2 and not p.lipinski


@pytest.mark.parametrize("bad", ["", "   ", "C1CC", "c1cccc1", "C(C", "CC(C)(C)(C)(C)C", "x" * 600])
def test_invalid_smiles_raise_a_clear_error(bad: str) -> None:
    with pytest.raises(InvalidSmilesError) as info:
        chem.parse_smiles(bad)
    assert len(str(info.value)) > 20


def test_canonical_smiles() -> None:
    assert chem.canonical_smiles("OC(=O)c1ccccc1OC(C)=O") == chem.canonical_smiles(ASPIRIN)
    assert chem.canonical_smiles("C1CC") is None


def test_property_filters_and_range_errors() -> None:
    props = [chem.properties(s) for s in (ASPIRIN, CAFFEINE, "CCO")]
    kept = chem.filter_by_ranges(props, {"mw": (150, 190)})
    assert [p.smiles for p in kept] == [props[0].smiles]
    assert len(chem.filter_by_ranges(props, {"mw": (None, None), "hbd": (0, 0)})) == 1
    with pytest.raises(PropertyRangeError, match="empty"):
        chem.filter_by_ranges(props, {"qed": (0.8, 0.2)})
    with pytest.raises(PropertyRangeError, match="outside"):
        chem.filter_by_ranges(props, {"qed": (2.0, 3.0)})
    with pytest.raises(PropertyRangeError, match="not a property"):
        chem.filter_by_ranges(props, {"colour": (0, 1)})
    with pytest.raises(PropertyRangeError, match="finite"):
        chem.filter_by_ranges(props, {"mw": (float("nan"), 100)})


def test_depictions_are_png() -> None:
    png = chem.depiction_png(CAFFEINE, size=200)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (200, 200)
    grid = Image.open(io.BytesIO(chem.grid_png([ASPIRIN, CAFFEINE, "CCO"], per_row=2, size=100)))
    assert grid.size == (200, 200)
    with pytest.raises(InvalidSmilesError):
        chem.grid_png([ASPIRIN, "C1CC"])


def test_sdf_and_csv_export_round_trip() -> None:
    props = [chem.properties(s) for s in (ASPIRIN, CAFFEINE)]
    sdf = chem.to_sdf(props)
    mols = list(Chem.ForwardSDMolSupplier(io.BytesIO(sdf)))
    assert [Chem.MolToSmiles(m) for m in mols] == [p.smiles for p in props]
    assert mols[1].GetConformer().Is3D() is False
    assert float(mols[0].GetProp("mw")) == pytest.approx(props[0].mw, abs=1e-3)
    lines = chem.to_csv(props).decode().splitlines()
    assert lines[0].startswith("smiles,qed,logp,mw")
    assert lines[2].split(",")[0] == props[1].smiles and len(lines) == 3


def test_sort_and_similarity() -> None:
    props = [chem.properties(s) for s in (ASPIRIN, CAFFEINE, "CCO")]
    assert [p.smiles for p in chem.sort_molecules(props, "mw")][0] == "CCO"
    assert chem.sort_molecules(props, "mw", descending=True)[0].smiles == props[1].smiles
    with pytest.raises(PropertyRangeError):
        chem.sort_molecules(props, "colour")
    sims = chem.tanimoto_to(ASPIRIN, [ASPIRIN, "OC(=O)c1ccccc1O", CAFFEINE])
    assert sims[0] == pytest.approx(1.0) and sims[0] > sims[1] > sims[2] >= 0.0


def test_fast_qed_equals_rdkit_qed_on_real_molecules(moses_train: list[str]) -> None:
    # 400 real MOSES molecules plus molecules holding explicit hydrogens (RemoveHs path) and a
    # structural alert (Michael acceptor): the reused MW/logP/TPSA must not change the value.
    smiles = moses_train[:400] + ["[H]c1ccccc1C(=O)O", "[H]OC(=O)C=C", "C=CC(=O)Nc1ccccc1",
                                  "O=[N+]([O-])c1ccccc1"]
    alerts = 0
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        assert chem.qed_fast(mol) == pytest.approx(QED.qed(mol), abs=1e-12), s
        assert chem.properties(s).qed == pytest.approx(QED.qed(mol), abs=1e-12), s
        alerts += QED.properties(mol).ALERTS > 0
    assert alerts > 10  # the alert branch was exercised


def test_score_smiles_parses_once_and_deduplicates() -> None:
    raw = [ASPIRIN, "OC(=O)c1ccccc1OC(C)=O", "C1CC", "", CAFFEINE, "x" * 600]
    mols, n_valid = chem.score_smiles(raw)
    assert n_valid == 3  # aspirin twice (two spellings) and caffeine
    assert [m.smiles for m in mols] == [chem.canonical_smiles(ASPIRIN), chem.canonical_smiles(CAFFEINE)]
    assert mols[0] == chem.properties(ASPIRIN)
