"""RDKit chemistry: parsing, canonical SMILES, drug-likeness properties, depictions, export, filters.

Properties (all RDKit 2026.09):

- QED: quantitative estimate of drug-likeness (Bickerton et al., Nat. Chem. 2012), ``QED.qed``.
- logP: Wildman-Crippen octanol/water partition coefficient, ``Crippen.MolLogP``.
- MW: average molecular weight in g/mol, ``Descriptors.MolWt``.
- TPSA: topological polar surface area in A^2 (Ertl et al. 2000), ``rdMolDescriptors.CalcTPSA``.
- HBD / HBA: Lipinski H-bond donors / acceptors, ``Lipinski.NumHDonors`` / ``NumHAcceptors``.
- Lipinski: rule of five (Lipinski et al. 1997): MW <= 500, logP <= 5, HBD <= 5, HBA <= 10;
  ``lipinski_violations`` counts the broken rules, ``lipinski`` is True with at most one violation
  (Lipinski's own wording: poor absorption is likely when two or more are broken).
- SA: synthetic accessibility score 1 (easy) .. 10 (hard) (Ertl & Schuffenhauer, J. Cheminf.
  2009), RDKit's ``Contrib/SA_Score/sascorer.py``.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

from rdkit import Chem, RDConfig, RDLogger
from rdkit.Chem import QED, Crippen, Descriptors, Draw, Lipinski, rdDepictor, rdMolDescriptors

from medgen.errors import InvalidSmilesError, PropertyRangeError

#: Longest SMILES accepted from a user (MOSES molecules are <= 57 characters).
MAX_SMILES_CHARS = 500


@lru_cache(maxsize=1)
def _sascorer() -> Any:
    """RDKit's contrib SA scorer (its fragment scores are read once, from the RDKit wheel)."""
    path = os.path.join(RDConfig.RDContribDir, "SA_Score")
    if path not in sys.path:
        sys.path.append(path)
    from rdkit.Contrib.SA_Score import sascorer

    sascorer.readFragmentScores()
    return sascorer


def mol_from_smiles(smiles: str) -> Chem.Mol | None:
    """RDKit molecule of ``smiles`` (sanitised), or None if it does not parse. Logs nothing."""
    if not smiles or len(smiles) > MAX_SMILES_CHARS:
        return None
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    try:
        return Chem.MolFromSmiles(smiles)
    finally:
        RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]


def parse_smiles(smiles: str) -> Chem.Mol:
    """RDKit molecule of a user-given SMILES.

    Raises
    ------
    InvalidSmilesError
        With a message naming the input, if it is empty, too long or not a valid structure.
    """
    s = (smiles or "").strip()
    if not s:
        raise InvalidSmilesError("Enter a SMILES structure (for example CC(=O)Oc1ccccc1C(=O)O).")
    if len(s) > MAX_SMILES_CHARS:
        raise InvalidSmilesError(
            f"This SMILES has {len(s)} characters; at most {MAX_SMILES_CHARS} are accepted."
        )
    mol = mol_from_smiles(s)
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidSmilesError(
            f"'{s[:60]}' is not a valid SMILES structure; check brackets, ring-closure numbers "
            "and valences."
        )
    return mol


def canonical_smiles(smiles_or_mol: str | Chem.Mol) -> str | None:
    """RDKit canonical SMILES (with stereo), or None for an invalid input."""
    mol = mol_from_smiles(smiles_or_mol) if isinstance(smiles_or_mol, str) else smiles_or_mol
    if mol is None:
        return None
    return Chem.MolToSmiles(mol)


def kekule_smiles(smiles_or_mol: str | Chem.Mol) -> str | None:
    """RDKit canonical SMILES in Kekule form (explicit single/double bonds, no lowercase aromatic
    atoms), or None for an invalid input.

    A decoder that writes Kekule SMILES cannot produce the aromatic strings RDKit fails to
    kekulise (the largest class of invalid samples of the aromatic-SMILES model v2); RDKit
    perceives the aromaticity again when the string is parsed.
    """
    mol = mol_from_smiles(smiles_or_mol) if isinstance(smiles_or_mol, str) else smiles_or_mol
    if mol is None:
        return None
    mol = Chem.Mol(mol)
    Chem.Kekulize(mol, clearAromaticFlags=True)
    return Chem.MolToSmiles(mol, kekuleSmiles=True)


@dataclass(frozen=True)
class MoleculeProperties:
    """Drug-likeness properties of one molecule (see the module docstring for definitions)."""

    smiles: str  # RDKit canonical SMILES
    qed: float
    logp: float
    mw: float
    tpsa: float
    hbd: int
    hba: int
    lipinski_violations: int
    lipinski: bool  # rule of five passed (at most one violation)
    sa: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def qed_fast(mol: Chem.Mol, mw: float | None = None, logp: float | None = None,
             tpsa: float | None = None) -> float:
    """``QED.qed(mol)`` (RDKit's weighted-mean QED) with the inputs already computed reused.

    RDKit's :func:`QED.properties` recomputes MW, Crippen logP and TPSA, which the lab computes
    anyway, and always copies the molecule through ``RemoveHs``; here the caller's values are
    passed in and ``RemoveHs`` runs only when the molecule holds hydrogen atoms. Every other
    input (acceptors, donors, rotatable bonds, aromatic rings, structural alerts) is computed
    exactly as in RDKit 2026.09's ``QED.properties``, so the value is the same (tested against
    ``QED.qed`` on real MOSES molecules).
    """
    from rdkit.Chem import MolSurf
    from rdkit.Chem import rdMolDescriptors as rdmd

    if mol.GetNumAtoms() != mol.GetNumHeavyAtoms():
        mol = Chem.RemoveHs(mol)
        mw = logp = tpsa = None  # computed on the molecule with hydrogens: recompute as RDKit does
    props = QED.QEDproperties(
        MW=rdmd._CalcMolWt(mol) if mw is None else mw,  # type: ignore[attr-defined]
        ALOGP=Crippen.MolLogP(mol) if logp is None else logp,  # type: ignore[attr-defined]
        HBA=sum(len(mol.GetSubstructMatches(p)) for p in QED.Acceptors
                if mol.HasSubstructMatch(p)),
        HBD=rdmd.CalcNumHBD(mol),
        PSA=MolSurf.TPSA(mol) if tpsa is None else tpsa,  # type: ignore[attr-defined]
        ROTB=rdmd.CalcNumRotatableBonds(mol, rdmd.NumRotatableBondsOptions.Strict),
        AROM=len(Chem.GetSSSR(Chem.DeleteSubstructs(Chem.Mol(mol), QED.AliphaticRings))),
        ALERTS=sum(1 for alert in QED.StructuralAlerts if mol.HasSubstructMatch(alert)),
    )
    return float(QED.qed(mol, qedProperties=props))


def properties(smiles_or_mol: str | Chem.Mol) -> MoleculeProperties:
    """Properties of a molecule (a SMILES string is parsed with :func:`parse_smiles`)."""
    mol = parse_smiles(smiles_or_mol) if isinstance(smiles_or_mol, str) else smiles_or_mol
    mw = Descriptors.MolWt(mol)  # type: ignore[attr-defined]
    logp = Crippen.MolLogP(mol)  # type: ignore[attr-defined]
    tpsa = rdMolDescriptors.CalcTPSA(mol)
    hbd = Lipinski.NumHDonors(mol)  # type: ignore[attr-defined]
    hba = Lipinski.NumHAcceptors(mol)  # type: ignore[attr-defined]
    violations = int(mw > 500) + int(logp > 5) + int(hbd > 5) + int(hba > 10)
    return MoleculeProperties(
        smiles=Chem.MolToSmiles(mol),
        qed=qed_fast(mol, mw, logp, tpsa),
        logp=float(logp),
        mw=float(mw),
        tpsa=float(tpsa),
        hbd=int(hbd),
        hba=int(hba),
        lipinski_violations=violations,
        lipinski=violations <= 1,
        sa=float(_sascorer().calculateScore(mol)),
    )


def score_smiles(raw: Sequence[str]) -> tuple[list[MoleculeProperties], int]:
    """Properties of the valid, distinct molecules among ``raw`` (in order) and the number of
    valid strings (before de-duplication). Each string is parsed once; a canonical SMILES seen
    before is not scored again."""
    seen: set[str] = set()
    out: list[MoleculeProperties] = []
    n_valid = 0
    for s in raw:
        mol = mol_from_smiles(s)
        if mol is None:
            continue
        n_valid += 1
        canon = Chem.MolToSmiles(mol)
        if canon in seen:
            continue
        seen.add(canon)
        out.append(properties(mol))
    return out, n_valid


#: Property names that can be filtered on, with the widest range that makes sense.
PROPERTY_LIMITS: dict[str, tuple[float, float]] = {
    "qed": (0.0, 1.0),
    "logp": (-20.0, 20.0),
    "mw": (0.0, 2000.0),
    "tpsa": (0.0, 1000.0),
    "hbd": (0.0, 50.0),
    "hba": (0.0, 50.0),
    "lipinski_violations": (0.0, 4.0),
    "sa": (1.0, 10.0),
}

PROPERTY_LABELS = {
    "qed": "QED",
    "logp": "logP",
    "mw": "molecular weight (g/mol)",
    "tpsa": "TPSA (A^2)",
    "hbd": "H-bond donors",
    "hba": "H-bond acceptors",
    "lipinski_violations": "rule-of-five violations",
    "sa": "SA score",
}


@dataclass(frozen=True)
class PropertyRange:
    """Closed interval ``[low, high]`` on one property; check with :func:`validate_ranges`."""

    name: str
    low: float
    high: float


def validate_ranges(
    ranges: Mapping[str, tuple[float | None, float | None]] | Iterable[PropertyRange],
) -> list[PropertyRange]:
    """Check property ranges; ``None`` bounds become the property's limits.

    Raises
    ------
    PropertyRangeError
        For an unknown property, a non-finite bound, a reversed (empty) range or one that lies
        wholly outside what the property can take.
    """
    items = (
        [PropertyRange(k, *v) for k, v in ranges.items()]  # type: ignore[arg-type]
        if isinstance(ranges, Mapping)
        else list(ranges)
    )
    out = []
    for r in items:
        if r.name not in PROPERTY_LIMITS:
            raise PropertyRangeError(
                f"'{r.name}' is not a property that can be filtered; use one of "
                f"{', '.join(PROPERTY_LIMITS)}."
            )
        lo_lim, hi_lim = PROPERTY_LIMITS[r.name]
        lo = lo_lim if r.low is None else float(r.low)
        hi = hi_lim if r.high is None else float(r.high)
        label = PROPERTY_LABELS[r.name]
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise PropertyRangeError(f"The {label} range needs finite numbers.")
        if lo > hi:
            raise PropertyRangeError(
                f"The {label} range is empty: the minimum {lo:g} is above the maximum {hi:g}."
            )
        if hi < lo_lim or lo > hi_lim:
            raise PropertyRangeError(
                f"The {label} range {lo:g}..{hi:g} lies outside the possible values "
                f"{lo_lim:g}..{hi_lim:g}; no molecule can match it."
            )
        out.append(PropertyRange(r.name, lo, hi))
    return out


def filter_by_ranges(
    props: Sequence[MoleculeProperties],
    ranges: Mapping[str, tuple[float | None, float | None]] | Iterable[PropertyRange],
) -> list[MoleculeProperties]:
    """The molecules whose properties all lie in the (validated) ranges, in input order."""
    checked = validate_ranges(ranges)
    return [
        p for p in props if all(r.low <= float(getattr(p, r.name)) <= r.high for r in checked)
    ]


def depiction_png(smiles_or_mol: str | Chem.Mol, size: int = 300, legend: str = "") -> bytes:
    """2-D depiction as PNG bytes (RDKit Cairo drawer, coordinates from RDKit's depictor)."""
    mol = parse_smiles(smiles_or_mol) if isinstance(smiles_or_mol, str) else smiles_or_mol
    if not 50 <= size <= 2000:
        raise ValueError(f"size must be in 50..2000 pixels, got {size}")
    img = Draw.MolToImage(mol, size=(size, size), legend=legend)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def grid_png(smiles: Sequence[str], per_row: int = 4, size: int = 250,
             legends: Sequence[str] | None = None) -> bytes:
    """Grid of 2-D depictions as PNG bytes (invalid SMILES raise InvalidSmilesError)."""
    mols = [parse_smiles(s) for s in smiles]
    img = Draw.MolsToGridImage(
        mols, molsPerRow=per_row, subImgSize=(size, size),
        legends=list(legends) if legends is not None else None,
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


_CSV_FIELDS = [f.name for f in fields(MoleculeProperties)]


def to_csv(props: Sequence[MoleculeProperties]) -> bytes:
    """CSV (UTF-8, header row) of the molecules and their properties."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for p in props:
        row = p.as_dict()
        for k in ("qed", "logp", "mw", "tpsa", "sa"):
            row[k] = f"{row[k]:.4f}"
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def to_sdf(props: Sequence[MoleculeProperties], title_prefix: str = "medgen") -> bytes:
    """SD file (V2000 molblocks with 2-D coordinates) with every property as an SD data field."""
    buf = io.StringIO()
    writer = Chem.SDWriter(buf)
    for i, p in enumerate(props, 1):
        mol = parse_smiles(p.smiles)
        rdDepictor.Compute2DCoords(mol)
        mol.SetProp("_Name", f"{title_prefix}-{i}")
        for k, v in p.as_dict().items():
            mol.SetProp(k, f"{v:.4f}" if isinstance(v, float) else str(v))
        writer.write(mol)
    writer.close()
    return buf.getvalue().encode("utf-8")


SORT_KEYS = ("qed", "logp", "mw", "tpsa", "hbd", "hba", "lipinski_violations", "sa", "smiles")


def sort_molecules(props: Sequence[MoleculeProperties], key: str,
                   descending: bool = False) -> list[MoleculeProperties]:
    """Molecules sorted by one property (stable; ``key`` from :data:`SORT_KEYS`)."""
    if key not in SORT_KEYS:
        raise PropertyRangeError(f"Cannot sort by '{key}'; use one of {', '.join(SORT_KEYS)}.")
    return sorted(props, key=lambda p: getattr(p, key), reverse=descending)


def tanimoto_to(reference: str | Chem.Mol, smiles: Sequence[str]) -> list[float]:
    """Tanimoto similarity (Morgan radius 2, 2048 bits) of each molecule to a reference one."""
    from rdkit import DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    ref = parse_smiles(reference) if isinstance(reference, str) else reference
    ref_fp = gen.GetFingerprint(ref)
    fps = [gen.GetFingerprint(parse_smiles(s)) for s in smiles]
    return [float(x) for x in DataStructs.BulkTanimotoSimilarity(ref_fp, fps)]
