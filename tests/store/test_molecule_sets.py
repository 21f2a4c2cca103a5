"""Molecule sets (drug-design lab) as outputs: recording, audit, rating criteria, review drill-down."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from medgen.errors import InvalidInputError
from medgen.molecules.chem import properties
from medgen.molecules.generator import MoleculeSet
from medgen.store import crypto, feedback, repo, review, run
from medgen.store.models import AuditEvent, GeneratedOutput
from medgen.types import AuditAction, OutputKind, Role
from tests.store.conftest import make_user

SMILES = ("CC(=O)Oc1ccccc1C(=O)O", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", "CCO")


def _set() -> MoleculeSet:
    mols = tuple(properties(s) for s in SMILES)
    return MoleculeSet(model_id="smiles-vae-v1", mode="sample",
                       params={"n": 5, "temperature": 0.7, "seed": 3}, molecules=mols,
                       n_generated=5, n_valid=4, ms=123.4)


def test_criteria_for_molecule_sets() -> None:
    assert [c.key for c in feedback.criteria_for("molecule_set")] == [
        "novelty", "drug_likeness", "synthesizability",
    ]
    assert feedback.validate_rating(OutputKind.MOLECULE_SET, 4, {"novelty": 5, "drug_likeness": None}) == {
        "novelty": 5,
    }
    with pytest.raises(InvalidInputError, match="not a criterion for molecule_set"):
        feedback.validate_rating(OutputKind.MOLECULE_SET, 4, {"accuracy": 3})


def test_record_molecule_set_stores_output_and_audit(factory: sessionmaker[Session]) -> None:
    res = make_user(factory, "rita", Role.RESEARCHER)
    mset = _set()
    out_id = run(factory, repo.record_molecule_set, mset, user=res, model_version="abc123",
                 device="cpu")
    with factory() as s:
        row = s.get(GeneratedOutput, out_id)
        assert row is not None
        assert row.kind == "molecule_set" and row.model_id == "smiles-vae-v1"
        assert row.model_version == "abc123" and row.created_by == res.id and row.device == "cpu"
        assert row.params == {"mode": "sample", "n": 5, "temperature": 0.7, "seed": 3}
        assert row.draft_text is not None
        assert row.draft_text.splitlines() == [properties(s).smiles for s in SMILES]  # canonical
        assert row.metrics["n_distinct"] == 3 and row.metrics["validity"] == 0.8
        assert row.latency_ms == pytest.approx(123.4)
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.GENERATE.value)))
        assert len(events) == 1 and events[0].object_id == str(out_id) and events[0].user_id == res.id
        assert events[0].detail["kind"] == "molecule_set"
        raw = s.execute(text("SELECT draft_text FROM generated_outputs WHERE id = :i"), {"i": out_id}).scalar_one()
        assert crypto.is_ciphertext(raw)  # SMILES are encrypted at rest like every output text


def test_molecule_set_is_rated_and_reviewed(factory: sessionmaker[Session]) -> None:
    res = make_user(factory, "rita", Role.RESEARCHER)
    out_id = run(factory, repo.record_molecule_set, _set(), user=res)
    fb = run(factory, feedback.add_rating, res, out_id, 4,
             {"novelty": 5, "drug_likeness": 3, "synthesizability": 2}, "plausible scaffolds")
    assert fb.scores == {"novelty": 5, "drug_likeness": 3, "synthesizability": 2}
    flt = review.ReviewFilter(kinds=(OutputKind.MOLECULE_SET,))
    rows = run(factory, review.rated_rows, flt)
    assert [(r.output_id, r.kind) for r in rows] == [(out_id, OutputKind.MOLECULE_SET)]
    assert run(factory, review.rated_rows, review.ReviewFilter(kinds=(OutputKind.REPORT,))) == []
    detail = run(factory, review.output_detail, out_id)
    assert detail.kind == OutputKind.MOLECULE_SET and len((detail.draft_text or "").splitlines()) == 3
    assert [c.text for c in detail.comments] == ["plausible scaffolds"]
