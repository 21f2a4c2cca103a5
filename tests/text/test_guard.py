"""Guard unit tests: phrasings independent of the bench fixture set."""

from __future__ import annotations

import json

import pytest

from medgen.text.guard import Flag, FlagKind, check

SOURCE = """EXAMINATION: CT chest without contrast. Indication: Follow-up of cough.
TECHNIQUE: CT of the chest was performed without contrast.
COMPARISON: CT chest 2024-02-11.
FINDINGS: A 1.2 cm part-solid nodule in the left lower lobe with a 4 mm solid component. A 9 mm cyst in the right kidney. No pleural effusion. No pneumothorax. No enlarged mediastinal lymph nodes.
IMPRESSION: A 1.2 cm part-solid nodule in the left lower lobe with a 4 mm solid component. Fleischner risk category: low. Recommendation: CT at 3-6 months to confirm persistence; if unchanged and the solid component remains <6 mm, annual CT for 5 years (Fleischner Society 2017 guidelines for incidental pulmonary nodules)."""


def kinds(text: str) -> list[str]:
    return [f.kind for f in check(SOURCE, text)]


@pytest.mark.parametrize(
    "text",
    [
        "There is a part-solid nodule measuring 1.2 cm in the left lower lobe, with a solid component of 4 mm.",
        "Left lower lobe: 12 mm part-solid nodule (solid portion 4 mm).",
        "The lungs show no pneumothorax and there is no pleural effusion.",
        "Pleural effusion is absent. A pneumothorax is not seen.",
        "A 9 mm right renal cyst is noted.",
        "Mediastinal lymph nodes are not enlarged.",
        "Follow-up CT in 3 to 6 months is recommended to confirm persistence.",
        "Compared with the CT of 2024-02-11.",
        "The examination was performed without contrast. Please call us right away with questions.",
    ],
)
def test_supported_rewrites_pass(text: str) -> None:
    assert check(SOURCE, text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("A 1.4 cm part-solid nodule in the left lower lobe.", "number"),
        ("A 1.2 mm part-solid nodule in the left lower lobe.", "unit"),
        ("A 1.2 cm part-solid nodule in the right lower lobe.", "laterality"),
        ("A 9 mm cyst in the left kidney.", "laterality"),
        ("A 1.2 cm part-solid nodule in the left upper lobe.", "location"),
        ("A small pleural effusion is present.", "negation"),
        ("There is a right pneumothorax.", "negation"),
        ("No nodule is seen in the lungs.", "negation"),
        ("Findings are consistent with adenocarcinoma.", "diagnosis"),
        ("The nodule is stable compared with the prior CT.", "diagnosis"),
        ("Mild emphysema is present.", "diagnosis"),
        ("A 3 mm nodule in the liver.", "number"),
        ("There are two nodules in the left lower lobe.", "number"),
        ("Repeat CT in eighteen months.", "number"),
    ],
)
def test_fabrications_are_flagged(text: str, kind: str) -> None:
    assert kind in kinds(text), check(SOURCE, text)


def test_cm_and_mm_are_equivalent_sizes() -> None:
    assert check("A 12 mm nodule.", "A 1.2 cm nodule.") == []
    assert [f.kind for f in check("A 12 mm nodule.", "A 2.1 cm nodule.")] == ["number"]


def test_flag_spans_point_into_the_text() -> None:
    text = "A 1.2 cm part-solid nodule in the right lower lobe."
    (flag,) = check(SOURCE, text)
    assert text[flag.start:flag.end] == flag.span == "right"
    assert flag.to_dict()["kind"] == "laterality"


def test_flag_kind_is_an_enum_stored_as_its_plain_value() -> None:
    (flag,) = check(SOURCE, "A 1.2 cm part-solid nodule in the right lower lobe.")
    assert flag.kind is FlagKind.LATERALITY
    stored = json.loads(json.dumps(flag.to_dict()))
    assert stored["kind"] == "laterality" and type(flag.to_dict()["kind"]) is str
    assert Flag(**stored) == flag  # a stored flag reads back as the same value
    with pytest.raises(ValueError):
        Flag("invented-kind", 0, 0, "", "")


def test_chinese_text_checked_against_english_source() -> None:
    assert check(SOURCE, "您的左肺下叶有一个部分实性的小结节。没有气胸，也没有积液。") == []
    flags = check(SOURCE, "您的右肺下叶有一个结节，还有少量积液。")
    assert {f.kind for f in flags} == {"laterality", "negation"}
    assert [f.kind for f in check(SOURCE, "结节大约有3厘米大。")] == ["number"]
    assert "diagnosis" in [f.kind for f in check(SOURCE, "这可能是肺癌。")]


def test_negation_scope_ends_at_a_new_clause() -> None:
    src = "No pleural effusion. A 5 mm nodule in the right upper lobe."
    assert check(src, "There is no pleural effusion, and a 5 mm nodule is seen in the right upper lobe.") == []
    assert check(src, "No effusion but a 5 mm nodule in the right upper lobe.") == []
    flags = check(src, "No pleural effusion or nodule.")
    assert [f.kind for f in flags] == ["negation"]


@pytest.mark.parametrize(
    "text",
    [
        "The remainder of the chest is unremarkable.",
        "The nodule is indeterminate.",
        "Incidental hepatic steatosis.",
        "A small amount of free fluid in the pelvis.",
    ],
)
def test_unsupported_global_claims_are_flagged(text: str) -> None:
    assert check(SOURCE, text), text


def test_negated_term_from_the_source_passes_in_other_words() -> None:
    src = "No hydronephrosis. No free fluid."
    assert check(src, "There is no hydronephrosis and no ascites.") == []
    assert [f.kind for f in check(src, "Mild hydronephrosis.")] == ["negation"]


def test_vocabulary_is_data_and_a_bad_entry_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from medgen.text import vocabulary

    assert ("上叶", "upper lobe", "location") in vocabulary.ZH_TERMS
    assert vocabulary.LOC_FAMILY["lower lobe"] == "lung" and vocabulary.UNITS["厘米"] == "cm"
    text = vocabulary.VOCABULARY_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "vocab.toml"
    bad.write_text(text.replace("['thyroid', 'thyroid', 'location']",
                                "['thyroid', 'thyroid', 'organ']"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"en_terms\[\d+\].*'organ'"):
        vocabulary._load(bad)
    bad.write_text(text.replace("finite_en = ", "finite = "), encoding="utf-8")
    with pytest.raises(ValueError, match="lacks finite_en"):
        vocabulary._load(bad)
