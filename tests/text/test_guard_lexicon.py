"""Guard mechanisms of branch guard4 (issue 11, "a guard that generalises", round 4).

Each test pairs a faithful wording (must pass) with the same wording carrying one error (must be
flagged). The reports and texts are not those of bench/text_guard_dev.py or the held-out sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medgen.text import vocabulary
from medgen.text.guard import check
from medgen.text.vocabulary import EN_LEXICON, ZH_LEXICON

URETER = ("FINDINGS: A 7 mm calculus in the proximal right ureter with moderate right hydronephrosis. The "
          "left kidney and ureter are normal. No perinephric fluid.\nIMPRESSION: Obstructing 7 mm proximal "
          "right ureteric calculus.")
AORTA2 = "FINDINGS: Penetrating atherosclerotic ulcer of the descending thoracic aorta, 9 mm deep."
AORTA = ("FINDINGS: Penetrating atherosclerotic ulcer of the descending thoracic aorta, 9 mm deep. The "
         "ascending aorta is normal in calibre. No intramural hematoma. No mediastinal hematoma.")
THYROID = ("FINDINGS: A 2.4 cm solid hypoechoic nodule in the left thyroid lobe with microcalcifications. "
           "The right lobe is normal. No cervical lymphadenopathy.")
TALUS = ("FINDINGS: Right ankle MRI. Osteochondral lesion of the medial talar dome, 8 mm, stable. The "
         "anterior talofibular ligament is intact. No joint effusion.")
DVT = ("FINDINGS: Occlusive thrombus in the left popliteal vein. The left common femoral vein is patent. "
       "No thrombus in the right leg veins.")
SPLEEN = "FINDINGS: The spleen is enlarged, measuring 15.6 cm. A 9 mm hypodense lesion in the liver."
HEAD = ("FINDINGS: Left frontal contusion with surrounding oedema, 1.2 cm. No skull fracture. "
        "IMPRESSION: Left frontal cerebral contusion.")
LUNGS = "FINDINGS: Diffuse bronchial wall thickening. The lungs are otherwise clear. No pleural effusion."


def _kinds(source: str, text: str) -> set[str]:
    return {f.kind.value for f in check(source, text)}


def test_lexicon_files_load_and_are_broad() -> None:
    assert len(ZH_LEXICON) >= 400 and len(EN_LEXICON) >= 150
    kinds = {k for _, k, _ in ZH_LEXICON}
    assert kinds == {"place", "finding"}
    # longest Chinese word first, so a compound wins over its parts
    assert [len(z) for z, _, _ in ZH_LEXICON] == sorted((len(z) for z, _, _ in ZH_LEXICON), reverse=True)


def test_malformed_lexicon_entry_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "lex.toml"
    bad.write_text('[finding]\n"积水" = "hydronephrosis"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="积水"):
        vocabulary._load_lexicon(bad)
    bad.write_text('[place]\n"heart" = ["cardiac"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="Chinese"):
        vocabulary._load_lexicon(bad)


def test_chinese_word_supported_by_its_english_equivalent() -> None:
    # 输尿管 (ureter), 积水 (hydronephrosis), 肾周 (perinephric): named by the report in English only
    faithful = "CT显示您右侧输尿管上段有一个7毫米的结石，右肾中度积水。左肾和左侧输尿管正常，肾周没有积液。"
    assert check(URETER, faithful) == []
    # the same text with the hydronephrosis on the other kidney, and with perinephric fluid stated
    assert "laterality" in _kinds(URETER, faithful.replace("右肾中度积水", "左肾中度积水"))
    assert _kinds(URETER, faithful.replace("肾周没有积液", "肾周有积液")) & {"negation"}


def test_chinese_finding_flipped_or_absent_is_flagged() -> None:
    faithful = "CT显示降主动脉有一个穿透性溃疡，深9毫米。升主动脉管径正常，没有壁内血肿，也没有纵隔血肿。"
    assert check(AORTA, faithful) == []
    # negation flip of a finding the report denies
    assert "negation" in _kinds(AORTA, "CT显示降主动脉有一个穿透性溃疡，深9毫米，并有纵隔血肿。")
    # a finding the lexicon knows but the report does not name (dissection)
    assert _kinds(AORTA, "CT显示降主动脉有一个穿透性溃疡，深9毫米，伴主动脉夹层。")


def test_chinese_place_changed_within_its_organ_is_flagged() -> None:
    faithful = "CT显示降主动脉有一个穿透性溃疡，深9毫米。"
    assert check(AORTA2, faithful) == []
    # 升主动脉 (ascending) where the report has the descending aorta only
    assert "location" in _kinds(AORTA2, "CT显示升主动脉有一个穿透性溃疡，深9毫米。")


def test_chinese_lexicon_keeps_sides_bound() -> None:
    faithful = "超声显示甲状腺左叶有一个2.4厘米的实性低回声结节，伴微钙化。甲状腺右叶正常，颈部没有淋巴结肿大。"
    assert check(THYROID, faithful) == []
    assert "laterality" in _kinds(THYROID, faithful.replace("甲状腺左叶有", "甲状腺右叶有"))


def test_both_lungs_side_word_names_its_place() -> None:
    faithful = "CT显示支气管壁弥漫性增厚，双肺其余部分清晰，没有胸腔积液。"
    assert check(LUNGS, faithful) == []
    assert _kinds(LUNGS, "CT显示支气管壁弥漫性增厚，双肺其余部分清晰，有胸腔积液。") == {"negation"}


def test_plain_english_lexicon_place_and_polarity() -> None:
    faithful = ("The scan shows a blood clot blocking a vein behind your left knee. The vein higher up in "
                "your left thigh is open. There is no clot in the veins of your right leg.")
    assert check(DVT, faithful) == []
    # the same letter with a clot stated in the right leg, where the report has none
    flagged = faithful.replace("There is no clot in the veins of your right leg.",
                               "There is also a clot in the veins of your right leg.")
    assert check(DVT, flagged)


def test_plain_place_lends_its_concept_to_the_lesion() -> None:
    src = ("FINDINGS: Active inflammation of the terminal ileum over 10 cm. The colon is normal.")
    assert check(src, "There is active inflammation in the last part of the small bowel over 10 cm.") == []
    # "large bowel" is the colon, which the report calls normal
    assert check(src, "There is active inflammation in the last part of the small bowel over 10 cm. "
                      "The large bowel is also inflamed.")


def test_a_side_given_to_the_whole_exam_covers_its_places() -> None:
    faithful = "Stable 8 mm osteochondral lesion of the right medial talar dome. Intact ATFL, no effusion."
    assert check(TALUS, faithful) == []
    assert "laterality" in _kinds(TALUS, faithful.replace("right medial", "left medial"))


def test_british_and_american_spellings_are_one_word() -> None:
    faithful = "Left frontal cerebral contusion measuring 1.2 cm with surrounding edema; no skull fracture."
    assert check(HEAD, faithful) == []
    assert check(HEAD, faithful.replace("edema", "haemorrhage"))


def test_hedged_size_bound_to_its_lesion() -> None:
    assert check(SPLEEN, "Your spleen is enlarged, about 16 cm long, and there is a 9 mm lesion in the liver.") == []
    assert check(SPLEEN, "脾脏增大，长约16厘米，肝脏有一个9毫米的低密度病灶。") == []
    # too far from the report's size, or the other lesion's size
    assert "number" in _kinds(SPLEEN, "Your spleen is enlarged, about 19 cm long.")
    assert "size" in _kinds(SPLEEN, "There is a lesion in the liver of about 16 cm. The spleen measures 15.6 cm.")
    # an unhedged size must match exactly
    assert "number" in _kinds(SPLEEN, "Your spleen is enlarged, 16 cm long.")


def test_size_word_does_not_reach_past_a_preposition() -> None:
    src = "FINDINGS: Bowel wall thickening to 6 mm over 12 cm, with mucosal hyperenhancement."
    assert check(src, "Bowel wall thickened to 6 mm with mucosal hyperenhancement, over 12 cm.") == []
    assert check(src, "Bowel wall thickened to 9 mm with mucosal hyperenhancement, over 12 cm.")
