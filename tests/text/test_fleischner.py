"""Every row of the Fleischner Society 2017 table, against the paper's own wording.

MacMahon H, Naidich DP, Goo JM, et al. Guidelines for Management of Incidental Pulmonary Nodules
Detected on CT Images: From the Fleischner Society 2017. Radiology 2017;284:228-243, Table 1
("Fleischner Society 2017 Guidelines for Management of Incidentally Detected Pulmonary Nodules in
Adults"). The cells below are quoted from that table (its en dashes written as ASCII hyphens);
the multiple subsolid < 6 mm row is the one issue 11 found wrong ("CT at 3-5 months").
"""

from __future__ import annotations

import pytest

from medgen.text.findings import NODULE_DESCRIPTORS, Descriptor
from medgen.text.fleischner import fleischner_recommendation

# Table 1A, solid nodules: (multiple, high risk) -> cells for < 6 mm, 6-8 mm, > 8 mm.
SOLID = {
    (False, False): ("No routine follow-up",
                     "CT at 6-12 months, then consider CT at 18-24 months",
                     "Consider CT at 3 months, PET/CT, or tissue sampling"),
    (False, True): ("Optional CT at 12 months",
                    "CT at 6-12 months, then CT at 18-24 months",
                    "Consider CT at 3 months, PET/CT, or tissue sampling"),
    (True, False): ("No routine follow-up",
                    "CT at 3-6 months, then consider CT at 18-24 months",
                    "CT at 3-6 months, then consider CT at 18-24 months"),
    (True, True): ("Optional CT at 12 months",
                   "CT at 3-6 months, then at 18-24 months",
                   "CT at 3-6 months, then at 18-24 months"),
}
# Table 1B, subsolid nodules: row -> cells for < 6 mm, >= 6 mm (risk does not matter).
SUBSOLID = {
    ("ground-glass", False): ("No routine follow-up",
                              "CT at 6-12 months to confirm persistence, then CT every 2 years "
                              "until 5 years"),
    ("part-solid", False): ("No routine follow-up",
                            "CT at 3-6 months to confirm persistence. If unchanged and solid "
                            "component remains <6 mm, annual CT should be performed for 5 years"),
    ("ground-glass", True): ("CT at 3-6 months. If stable, consider CT at 2 and 4 years",
                             "CT at 3-6 months. Subsequent management based on the most "
                             "suspicious nodule(s)"),
    ("part-solid", True): ("CT at 3-6 months. If stable, consider CT at 2 and 4 years",
                           "CT at 3-6 months. Subsequent management based on the most "
                           "suspicious nodule(s)"),
}
SOURCE = " (Fleischner Society 2017 guidelines for incidental pulmonary nodules)."


@pytest.mark.parametrize(("multiple", "high_risk"), list(SOLID))
@pytest.mark.parametrize(("band", "sizes"), [(0, (3, 5.4)), (1, (5.5, 6, 8, 8.4)),
                                             (2, (8.5, 9, 15, 29))])
def test_every_solid_cell(multiple: bool, high_risk: bool, band: int,
                          sizes: tuple[float, ...]) -> None:
    for size in sizes:
        rec = fleischner_recommendation(size, "solid", multiple, high_risk)
        assert rec.text == SOLID[(multiple, high_risk)][band] + SOURCE, (size, rec.text)
        assert rec.plain_en and rec.plain_zh


@pytest.mark.parametrize("high_risk", [False, True])
@pytest.mark.parametrize(("ntype", "multiple"), list(SUBSOLID))
@pytest.mark.parametrize(("band", "sizes"), [(0, (2, 5.4)), (1, (5.5, 6, 11, 25))])
def test_every_subsolid_cell(ntype: str, multiple: bool, band: int, sizes: tuple[float, ...],
                             high_risk: bool) -> None:
    # Subsolid recommendations do not depend on the risk category; a part-solid nodule's solid
    # component below 6 mm keeps the table's cell.
    for size in sizes:
        rec = fleischner_recommendation(size, ntype, multiple, high_risk, solid_component_mm=3)
        assert rec.text == SUBSOLID[(ntype, multiple)][band] + SOURCE, (size, rec.text)


def test_the_corrected_row_multiple_subsolid_below_6_mm() -> None:
    rec = fleischner_recommendation(4, "ground-glass", True, False)
    assert "3-5 months" not in rec.text and rec.text.startswith("CT at 3-6 months.")
    assert "3 to 6 months" in rec.plain_en and "3到6个月" in rec.plain_zh


def test_part_solid_with_a_solid_component_of_6_mm_or_more() -> None:
    # Table 1B comment: "Persistent part-solid nodules with solid components >= 6 mm should be
    # considered highly suspicious (recommendations 4A-4C)".
    rec = fleischner_recommendation(12, "part-solid", False, False, solid_component_mm=7)
    assert rec.text.startswith("CT at 3-6 months to confirm persistence. Persistent part-solid "
                               "nodules with solid components of 6 mm or more should be "
                               "considered highly suspicious")
    assert fleischner_recommendation(12, "part-solid", False, False, 5.4).category.endswith(
        "solid component <6 mm")


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
