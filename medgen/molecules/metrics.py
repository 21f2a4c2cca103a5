"""MOSES metrics (Polykovskiy et al., "Molecular Sets (MOSES)", Front. Pharmacol. 2020), our code + RDKit.

Definitions follow ``moses/metrics/metrics.py`` of molsets 0.3.1:

- validity: fraction of generated strings that RDKit parses and sanitises (empty string = invalid).
- unique@k: among the first k *valid* molecules (canonical SMILES), the fraction that are distinct.
- novelty: among the distinct valid canonical SMILES, the fraction not in the training set
  (MOSES train SMILES are RDKit canonical; they are re-canonicalised here with this RDKit).
- IntDiv1: 1 - mean Tanimoto similarity over all ordered pairs (self-pairs included) of the valid
  molecules' Morgan fingerprints (radius 2, 1024 bits); 0/0 similarity counts as 1 as in MOSES.
- filters: fraction of valid molecules that pass the MOSES filters: no ring of 8 or more atoms,
  no charged atom, only C N S O F Cl Br H atoms, and no match (on the molecule with explicit
  hydrogens) of the 22 MCF alerts nor of the 480 PAINS alerts (``mcf.csv`` and ``wehi_pains.csv``
  shipped in the molsets wheel). Without those files, :meth:`MosesFilters.rdkit` uses RDKit's
  FilterCatalog PAINS (A+B+C, the same Baell & Holloway 2010 set) and no MCF alerts, and says so.
- FCD: Frechet ChemNet Distance (Preuer et al. 2018) with ``fcd-torch`` 1.0.7 (ChemNet weights in
  the package), generated vs. reference statistics; see :func:`fcd_reference_stats`.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from medgen.molecules.chem import mol_from_smiles

log = logging.getLogger(__name__)


def _mol(smiles: str) -> Chem.Mol | None:
    return mol_from_smiles(smiles) if smiles else None


def canonical_valid(smiles: Sequence[str]) -> list[str]:
    """Canonical SMILES of the valid entries, in order (MOSES ``remove_invalid(canonize=True)``)."""
    out = []
    for s in smiles:
        m = _mol(s)
        if m is not None:
            out.append(Chem.MolToSmiles(m))
    return out


def fraction_valid(smiles: Sequence[str]) -> float:
    if not smiles:
        raise ValueError("fraction_valid needs at least one string")
    return sum(_mol(s) is not None for s in smiles) / len(smiles)


def fraction_unique(canonical: Sequence[str], k: int | None = None) -> float:
    """unique@k over canonical valid SMILES (the first k; all if fewer, as MOSES warns)."""
    subset = list(canonical[:k] if k is not None else canonical)
    if not subset:
        raise ValueError("fraction_unique needs at least one valid molecule")
    if k is not None and len(subset) < k:
        log.warning("unique@%d computed on only %d valid molecules", k, len(subset))
    return len(set(subset)) / len(subset)


def novelty(canonical: Sequence[str], train_canonical: set[str]) -> float:
    distinct = set(canonical)
    if not distinct:
        raise ValueError("novelty needs at least one valid molecule")
    return len(distinct - train_canonical) / len(distinct)


def morgan_matrix(mols: Sequence[Chem.Mol], radius: int = 2, n_bits: int = 1024) -> np.ndarray:
    """``(N, n_bits)`` float32 0/1 matrix of Morgan fingerprints (as MOSES' ``fingerprint('morgan')``)."""
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    out = np.zeros((len(mols), n_bits), dtype=np.float32)
    for i, m in enumerate(mols):
        out[i] = gen.GetFingerprintAsNumPy(m)
    return out


def internal_diversity(mols: Sequence[Chem.Mol], block: int = 2048) -> float:
    """IntDiv1 = 1 - mean pairwise Tanimoto (all ordered pairs, self-pairs included)."""
    if not mols:
        raise ValueError("internal_diversity needs at least one molecule")
    fps = morgan_matrix(mols)
    counts = fps.sum(axis=1)
    total = 0.0
    for i in range(0, len(fps), block):
        inter = fps[i : i + block] @ fps.T
        union = counts[i : i + block, None] + counts[None, :] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            tani = inter / union
        tani[~np.isfinite(tani)] = 1.0
        total += float(tani.sum(dtype=np.float64))
    return 1.0 - total / (len(fps) ** 2)


ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})


@dataclass(frozen=True)
class MosesFilters:
    """The MOSES ``mol_passes_filters`` rule set; ``source`` says where the alerts came from."""

    alerts: tuple[Chem.Mol, ...]
    source: str

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> MosesFilters:
        """MCF + PAINS SMARTS exactly as MOSES reads them (``mcf.csv``, ``wehi_pains.csv``)."""
        smarts: list[str] = []
        with (Path(data_dir) / "mcf.csv").open(newline="") as fh:
            reader = csv.DictReader(fh)
            smarts += [row["smarts"] for row in reader]
        n_mcf = len(smarts)
        with (Path(data_dir) / "wehi_pains.csv").open(newline="") as fh:
            smarts += [row[0].strip() for row in csv.reader(fh) if row]
        alerts = []
        for s in smarts:
            q = Chem.MolFromSmarts(s)
            if q is None:
                raise ValueError(f"unparsable filter SMARTS {s[:60]}")
            alerts.append(q)
        return cls(tuple(alerts), f"MOSES mcf.csv ({n_mcf}) + wehi_pains.csv ({len(smarts) - n_mcf})")

    @classmethod
    def rdkit(cls) -> MosesFilters:
        """PAINS A/B/C from RDKit's FilterCatalog (no MCF alerts: RDKit does not ship them)."""
        params = FilterCatalogParams()
        params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
        catalog = FilterCatalog(params)
        return cls((), f"RDKit FilterCatalog PAINS ({catalog.GetNumEntries()}), no MCF")

    @classmethod
    def best_available(cls, data_dir: Path | None = None) -> MosesFilters:
        from medgen.molecules.data import DATA_DIR

        d = Path(data_dir or DATA_DIR)
        if (d / "mcf.csv").is_file() and (d / "wehi_pains.csv").is_file():
            return cls.from_data_dir(d)
        return cls.rdkit()

    def passes(self, mol: Chem.Mol | None) -> bool:
        if mol is None:
            return False
        ring_info = mol.GetRingInfo()
        if ring_info.NumRings() and any(len(r) >= 8 for r in ring_info.AtomRings()):
            return False
        if any(a.GetFormalCharge() != 0 for a in mol.GetAtoms()):
            return False
        if any(a.GetSymbol() not in ALLOWED_ATOMS for a in mol.GetAtoms()):
            return False
        h_mol = Chem.AddHs(mol)
        if self.alerts:
            if any(h_mol.HasSubstructMatch(q) for q in self.alerts):
                return False
        elif _rdkit_pains().HasMatch(h_mol):
            return False
        smi = Chem.MolToSmiles(mol, isomericSmiles=False)
        return bool(smi) and mol_from_smiles(smi) is not None


_PAINS: FilterCatalog | None = None


def _rdkit_pains() -> FilterCatalog:
    global _PAINS
    if _PAINS is None:
        params = FilterCatalogParams()
        params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
        _PAINS = FilterCatalog(params)
    return _PAINS


def fraction_passes_filters(mols: Sequence[Chem.Mol], filters: MosesFilters) -> float:
    if not mols:
        raise ValueError("fraction_passes_filters needs at least one molecule")
    return sum(filters.passes(m) for m in mols) / len(mols)


# --- FCD ------------------------------------------------------------------------------------------

def _fcd_model(batch_size: int = 256):  # noqa: ANN202 - fcd_torch has no types
    import torch
    from fcd_torch import FCD

    # fcd-torch 1.0.7 calls torch.load without weights_only; its file is a pickled list of
    # (layer type, (state_dict, kwargs, info)) tuples that ships inside the package.
    orig = torch.load

    def _load(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        kwargs.setdefault("weights_only", False)
        return orig(*args, **kwargs)

    torch.load = _load  # type: ignore[assignment]
    try:
        return FCD(device="cpu", n_jobs=1, batch_size=batch_size)
    finally:
        torch.load = orig  # type: ignore[assignment]


def fcd_stats(smiles: Sequence[str]) -> dict[str, np.ndarray]:
    """ChemNet activation mean and covariance of ``smiles`` (fcd-torch ``precalc``)."""
    import numpy

    if not hasattr(numpy, "row_stack"):  # removed in NumPy 2.x; fcd-torch 1.0.7 still calls it
        numpy.row_stack = numpy.vstack  # type: ignore[attr-defined]
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    try:
        stats = _fcd_model().precalc(list(smiles))
    finally:
        RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]
    return {"mu": np.asarray(stats["mu"]), "sigma": np.asarray(stats["sigma"])}


def fcd(gen_stats: dict[str, np.ndarray], ref_stats: dict[str, np.ndarray]) -> float:
    """Frechet distance between two ChemNet activation Gaussians."""
    from fcd_torch.utils import calculate_frechet_distance

    return float(calculate_frechet_distance(ref_stats["mu"], ref_stats["sigma"],
                                            gen_stats["mu"], gen_stats["sigma"]))


def fcd_reference_stats(
    split: str, n: int, seed: int = 0, data_dir: Path | None = None, cache_dir: Path | None = None
) -> tuple[dict[str, np.ndarray], int]:
    """ChemNet statistics of a seeded random ``n``-molecule subset of a MOSES split (cached).

    MOSES ships full-split statistics only as a pickled object array; we compute our own from the
    SMILES instead (plain arrays, cached as ``fcd_<split>_<n>_<seed>.npz`` next to the data).
    Returns the statistics and the number of molecules they were computed on.
    """
    from medgen.molecules.data import DATA_DIR, load_split

    d = Path(data_dir or DATA_DIR)
    smiles = load_split(split, d)
    rng = np.random.default_rng(seed)
    if n < len(smiles):
        smiles = [smiles[i] for i in rng.choice(len(smiles), size=n, replace=False)]
    return cached_fcd_stats(smiles, f"{split}_{len(smiles)}_{seed}", Path(cache_dir or d)), len(smiles)


def cached_fcd_stats(smiles: Sequence[str], label: str, cache_dir: Path) -> dict[str, np.ndarray]:
    """:func:`fcd_stats` of ``smiles``, cached as ``fcd_<label>_<sha256 prefix>.npz`` in ``cache_dir``."""
    digest = hashlib.sha256("\n".join(smiles).encode()).hexdigest()[:16]
    cache = Path(cache_dir) / f"fcd_{label}_{digest}.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            return {"mu": z["mu"], "sigma": z["sigma"]}
    log.info("computing ChemNet statistics of %d molecules (%s; cached in %s)", len(smiles), label, cache)
    stats = fcd_stats(smiles)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, mu=stats["mu"], sigma=stats["sigma"])
    return stats
