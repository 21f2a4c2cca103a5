"""Findings of any body region: kinds as data, the template's sentences, follow-up rules, and
the guard against an invented recommendation."""

from __future__ import annotations

import pytest

from medgen.text.finding_kinds import (
    KINDS,
    Region,
    Severity,
    _load,
    kind_spec,
    kinds_for,
    negatives_for,
    region_of,
)
from medgen.text.findings import Finding, Findings
from medgen.text.fleischner import fleischner_recommendation
from medgen.text.report import (
    NO_RULE,
    NO_RULE_NODULE,
    describe_finding,
    finish_report,
    invented_recommendation_flags,
    recommendations,
    section,
    template_report,
)

PELVIS = Findings(
    modality="CT", body_part="pelvis", contrast="with IV contrast", indication="Pelvic pain",
    findings=(Finding(location="kidney", kind="renal cyst", laterality="left", size=2.1, unit="cm",
                      qualifiers=("Bosniak II",)),),
    negatives=("No hydronephrosis", "No free fluid"),
)
HEAD = Findings(
    modality="CT", body_part="head", contrast="without contrast", indication="Fall",
    findings=(
        Finding(location="frontoparietal convexity", kind="subdural haemorrhage",
                laterality="right", size=8, qualifiers=("acute",)),
        Finding(location="left", kind="midline shift", size=3),
    ),
    negatives=("No skull fracture",),
)


class _LM:
    name, version, device = "x", "x@1", "cpu"


def test_every_region_has_kinds_and_negatives() -> None:
    for region in Region:
        assert len(kinds_for(region)) >= 4, region
        assert negatives_for(region), region
    assert {k.name for k in kinds_for("head")} >= {
        "intraparenchymal haemorrhage", "subdural haemorrhage", "epidural haemorrhage",
        "subarachnoid haemorrhage", "infarct", "mass", "hydrocephalus", "midline shift"}
    assert {k.name for k in kinds_for("chest")} >= {
        "nodule", "mass", "consolidation", "pleural effusion", "pneumothorax", "emphysema",
        "lymphadenopathy"}
    assert {k.name for k in kinds_for("abdomen/pelvis")} >= {
        "renal cyst", "renal calculus", "hydronephrosis", "liver lesion", "gallstones",
        "free fluid", "appendicitis"}
    assert {k.name for k in kinds_for("musculoskeletal")} >= {
        "fracture", "dislocation", "bone lesion"}
    assert kinds_for(None) == KINDS and negatives_for(None) == ()
    assert "No pleural effusion" not in negatives_for("head")


def test_kind_qualifiers_fit_the_kind() -> None:
    cyst = kind_spec("renal cyst")
    assert cyst is not None and [g.options for g in cyst.qualifiers][0] == ("simple", "complex")
    assert "Bosniak II" in cyst.qualifiers[1].options and cyst.qualifiers[1].after
    sdh = kind_spec("subdural haemorrhage")
    assert sdh is not None and sdh.qualifiers[0].options[:3] == ("acute", "subacute", "chronic")
    fx = kind_spec("fracture")
    assert fx is not None and {o for g in fx.qualifiers for o in g.options} >= {
        "displaced", "non-displaced", "comminuted"}
    hydro = kind_spec("hydrocephalus")
    assert hydro is not None and hydro.severity and not hydro.needs_location
    # "mass" exists in two regions: the region picks
    head_mass, chest_mass = kind_spec("mass", "head"), kind_spec("mass", "chest")
    assert head_mass is not None and chest_mass is not None
    assert head_mass.region is Region.HEAD and chest_mass.region is Region.CHEST
    assert kind_spec("mass (chest)") == chest_mass and kind_spec("zebra") is None


@pytest.mark.parametrize(("body_part", "region"), [
    ("PELVIS", Region.ABDOMEN_PELVIS), ("abdomen", Region.ABDOMEN_PELVIS),
    ("HEAD", Region.HEAD), ("Brain", Region.HEAD), ("CHEST", Region.CHEST),
    ("KNEE", Region.MSK), ("", None), ("whatever", None), ("ABDOMENPELVIS", Region.ABDOMEN_PELVIS),
])
def test_region_of_body_part_guesses_nothing(body_part: str, region: Region | None) -> None:
    assert region_of(body_part) is region


def test_bad_kind_data_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from medgen.text import finding_kinds

    text = finding_kinds.KINDS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "kinds.toml"
    bad.write_text(text.replace("region = 'head'", "region = 'torso'", 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"kind\[0\].*region must be one of"):
        _load(bad)
    bad.write_text(text + "\n[[kind]]\nname = 'infarct'\nregion = 'head'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="listed twice"):
        _load(bad)


def test_pelvis_ct_with_a_bosniak_ii_renal_cyst() -> None:
    t = template_report(PELVIS)
    assert t.startswith("EXAMINATION: CT pelvis with IV contrast. Indication: Pelvic pain.")
    assert "chest" not in t.lower()
    assert section(t, "FINDINGS") == ("A 2.1 cm renal cyst in the left kidney, Bosniak II. "
                                      "No hydronephrosis. No free fluid.")
    assert section(t, "IMPRESSION") == ("A 2.1 cm renal cyst in the left kidney, Bosniak II. "
                                        + NO_RULE)
    assert recommendations(PELVIS) == ()
    simple = Finding(location="kidney", kind="renal cyst", laterality="left", size=2.1, unit="cm",
                     qualifiers=("simple", "Bosniak II"))
    assert describe_finding(simple) == "A 2.1 cm simple renal cyst in the left kidney, Bosniak II"


def test_head_ct_with_an_acute_subdural_haemorrhage_and_midline_shift() -> None:
    t = template_report(HEAD)
    assert section(t, "FINDINGS") == (
        "An acute subdural haemorrhage over the right frontoparietal convexity, 8 mm thick. "
        "A 3 mm midline shift towards the left. No skull fracture.")
    assert section(t, "IMPRESSION").endswith(NO_RULE)
    # the verbatim template passes the whole guard
    assert finish_report(HEAD, t, t, _LM()).flags == ()


@pytest.mark.parametrize(("finding", "text"), [
    (Finding(location="", kind="hydrocephalus", severity=Severity.MODERATE), "Moderate hydrocephalus"),
    (Finding(location="", kind="pneumothorax", laterality="right", severity="mild"),
     "A mild right pneumothorax"),
    (Finding(location="distal radius", kind="fracture", laterality="left",
             qualifiers=("displaced", "comminuted")),
     "A displaced comminuted fracture of the left distal radius"),
    (Finding(location="left lower lobe", kind="consolidation"), "Consolidation in the left lower lobe"),
    (Finding(location="proximal femur", kind="bone lesion", laterality="right", size=14,
             qualifiers=("lytic",)), "A 14 mm lytic bone lesion in the right proximal femur"),
    (Finding(location="gallbladder", kind="gallstones"), "Gallstones in the gallbladder"),
    # a free-text kind reads as before
    (Finding(location="liver", kind="cyst", size=8, descriptor="cystic"), "An 8 mm cystic cyst in the liver"),
])
def test_each_kind_is_written_deterministically(finding: Finding, text: str) -> None:
    assert describe_finding(finding) == text


def test_findings_stay_frozen_and_serialisable_and_old_drafts_read() -> None:
    for f in (PELVIS, HEAD):
        back = Findings.from_dict(f.to_dict())
        assert back == f and back.digest() == f.digest()
    with pytest.raises(AttributeError):
        HEAD.findings[0].kind = "infarct"  # type: ignore[misc]
    # the shape stored before issue 11 (no qualifiers, severity, fleischner_eligible)
    old = {"modality": "CT", "body_part": "chest", "contrast": "without contrast",
           "indication": "", "comparison": "", "negatives": ["No pneumothorax"],
           "enhancement": "", "high_risk": False, "impression_note": "", "extra": {},
           "findings": [{"location": "upper lobe", "kind": "nodule", "laterality": "right",
                         "size": 7.0, "unit": "mm", "descriptor": "solid",
                         "solid_component": None, "note": ""}]}
    f = Findings.from_dict(old)
    assert f.findings[0].qualifiers == () and f.findings[0].severity is Severity.NONE
    # its form applied the table: the stored report's recommendation is recomputed unchanged
    (rec,) = recommendations(f)
    assert rec == fleischner_recommendation(7, "solid", False, False)


def test_fleischner_applies_only_when_its_conditions_are_confirmed() -> None:
    nodule = Finding(location="upper lobe", laterality="right", size=7, descriptor="solid")
    eligible = Findings(modality="CT", body_part="chest", findings=(nodule,),
                        fleischner_eligible=True)
    (rec,) = recommendations(eligible)
    assert "CT at 6-12 months" in section(template_report(eligible), "IMPRESSION")
    not_confirmed = Findings(modality="CT", body_part="chest", findings=(nodule,))
    assert recommendations(not_confirmed) == ()
    imp = section(template_report(not_confirmed), "IMPRESSION")
    assert imp.endswith(NO_RULE_NODULE) and "CT at" not in imp
    # not CT (the table is for CT), or not a nodule (a mass, a liver lesion): no rule
    assert recommendations(Findings(modality="MR", body_part="chest", findings=(nodule,),
                                    fleischner_eligible=True)) == ()
    mass = Finding(location="upper lobe", kind="mass", size=35, descriptor="solid")
    assert recommendations(Findings(modality="CT", findings=(mass,), fleischner_eligible=True)) == ()


@pytest.mark.parametrize("invented", [
    "Follow-up CT in 6 weeks is recommended.",
    "Clinical correlation is advised.",
    "Consider MRI for further characterisation.",
    "Neurosurgical referral should be considered.",
    "A repeat scan in 3 months would be prudent.",
])
def test_an_invented_recommendation_is_flagged(invented: str) -> None:
    for f in (PELVIS, HEAD):
        t = template_report(f)
        text = t.replace(NO_RULE, invented)
        flags = [x for x in finish_report(f, t, text, _LM()).flags if x.kind == "recommendation"]
        assert len(flags) == 1 and flags[0].span == invented.rstrip("."), flags
        assert text[flags[0].start:flags[0].end] == flags[0].span
        # appended after the no-rule sentence, too
        assert invented_recommendation_flags(t, t + " " + invented)


def test_rule_recommendations_and_rewordings_without_advice_pass() -> None:
    nodule = Finding(location="lower lobe", laterality="left", size=9, descriptor="part-solid",
                     solid_component=3)
    f = Findings(modality="CT", body_part="chest", findings=(nodule,), fleischner_eligible=True)
    t = template_report(f)
    assert invented_recommendation_flags(t, t) == []
    assert invented_recommendation_flags(template_report(HEAD), (
        "FINDINGS: There is an acute right subdural haemorrhage, 8 mm thick, with 3 mm of midline "
        "shift to the left.\nIMPRESSION: Acute right subdural haemorrhage. No follow-up rule was "
        "applied.")) == []
    assert invented_recommendation_flags("A 1.2 cm nodule.", "FINDINGS: A 1.2 cm nodule.") == []
