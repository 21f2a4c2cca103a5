"""Every row of the Fleischner Society 2017 table (MacMahon et al., Radiology 2017)."""

from __future__ import annotations

import pytest

from medgen.text.findings import NODULE_DESCRIPTORS, Descriptor
from medgen.text.fleischner import fleischner_recommendation


@pytest.mark.parametrize(
    ("size", "multiple", "high_risk", "expected"),
    [
        # solid, single
        (4, False, False, "No routine follow-up"),
        (5.4, False, True, "Optional CT at 12 months"),
        (6, False, False, "CT at 6-12 months, then consider CT at 18-24 months"),
        (8, False, True, "CT at 6-12 months, then CT at 18-24 months"),
        (9, False, False, "Consider CT at 3 months, PET/CT, or tissue sampling"),
        (15, False, True, "Consider CT at 3 months, PET/CT, or tissue sampling"),
        # solid, multiple
        (3, True, False, "No routine follow-up"),
        (5, True, True, "Optional CT at 12 months"),
        (7, True, False, "CT at 3-6 months, then consider CT at 18-24 months"),
        (7, True, True, "CT at 3-6 months, then CT at 18-24 months"),
        (12, True, False, "CT at 3-6 months, then consider CT at 18-24 months"),
        (12, True, True, "CT at 3-6 months, then CT at 18-24 months"),
    ],
)
def test_solid_rows(size: float, multiple: bool, high_risk: bool, expected: str) -> None:
    rec = fleischner_recommendation(size, "solid", multiple, high_risk)
    assert rec.text.startswith(expected)
    assert "Fleischner Society 2017" in rec.text
    assert rec.plain_en and rec.plain_zh


@pytest.mark.parametrize("high_risk", [False, True])
@pytest.mark.parametrize(
    ("size", "ntype", "multiple", "solid", "expected"),
    [
        (5, "ground-glass", False, None, "No routine follow-up"),
        (6, "ground-glass", False, None, "CT at 6-12 months to confirm persistence, then CT every 2 years until 5 years"),
        (20, "ground-glass", False, None, "CT at 6-12 months to confirm persistence"),
        (5, "part-solid", False, 2, "No routine follow-up"),
        (8, "part-solid", False, 4, "CT at 3-6 months to confirm persistence; if unchanged and the solid component remains <6 mm, annual CT for 5 years"),
        (12, "part-solid", False, 7, "CT at 3-6 months to confirm persistence; a persistent part-solid nodule with a solid component of 6 mm or more is highly suspicious"),
        (4, "ground-glass", True, None, "CT at 3-5 months; if stable, consider CT at 2 and 4 years"),
        (4, "part-solid", True, 1, "CT at 3-5 months"),
        (7, "ground-glass", True, None, "CT at 3-6 months; subsequent management based on the most suspicious nodule(s)"),
        (9, "part-solid", True, 3, "CT at 3-6 months; subsequent management"),
    ],
)
def test_subsolid_rows(size: float, ntype: str, multiple: bool, solid: float | None,
                       expected: str, high_risk: bool) -> None:
    # Subsolid recommendations do not depend on the risk category.
    rec = fleischner_recommendation(size, ntype, multiple, high_risk, solid_component_mm=solid)
    assert rec.text.startswith(expected)
    assert "Fleischner Society 2017" in rec.text


def test_band_edges_round_to_nearest_mm() -> None:
    assert fleischner_recommendation(5.4, "solid", False, False).category.endswith("<6 mm, low risk")
    assert "6-8 mm" in fleischner_recommendation(5.5, "solid", False, False).category
    assert "6-8 mm" in fleischner_recommendation(8.4, "solid", False, False).category
    assert ">8 mm" in fleischner_recommendation(8.5, "solid", False, False).category


@pytest.mark.parametrize("bad", [{"size_mm": 0}, {"size_mm": -3}, {"nodule_type": "cystic"},
                                 {"nodule_type": Descriptor.CALCIFIED}, {"nodule_type": "nodular"}])
def test_rejects_bad_arguments(bad: dict) -> None:
    args = {"size_mm": 6, "nodule_type": "solid", "multiple": False, "high_risk": False} | bad
    with pytest.raises(ValueError):
        fleischner_recommendation(**args)


def test_takes_the_findings_descriptor_enum() -> None:
    """The nodule type is the findings form's Descriptor (one Enum), as Enum or string."""
    for d in NODULE_DESCRIPTORS:
        by_enum = fleischner_recommendation(7, d, False, True, 3.0)
        assert by_enum == fleischner_recommendation(7, d.value, False, True, 3.0)
        assert by_enum.category.startswith(d.value)
