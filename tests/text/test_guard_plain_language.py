"""Guard mechanisms for plain-language rewordings (issue 11, branch guardff).

Each test pairs a faithful plain-language wording (must pass) with the same wording carrying one
error (must be flagged), so that a mechanism that simply stopped checking would fail. The reports
and texts here are not those of bench/text_guard_dev.py or the held-out sets.
"""

from __future__ import annotations

from medgen.text.guard import FlagKind, SourceFacts, _is_everyday, _lemmas, check

KIDNEY = ("FINDINGS: A 2.8 cm simple cyst in the upper pole of the right kidney. The left kidney is normal. "
          "No hydronephrosis. The ureterovesical junctions are unremarkable.\n"
          "IMPRESSION: Simple right renal cyst.")
KNEE = ("FINDINGS: Horizontal tear of the posterior horn of the lateral meniscus. The anterior cruciate "
        "ligament is intact. Grade 2 sprain of the lateral collateral ligament. Small joint effusion.\n"
        "IMPRESSION: Lateral meniscal tear. Grade 2 LCL sprain.")
ANKLE = ("FINDINGS: Transverse fracture of the lateral malleolus, non-displaced. The medial malleolus is "
         "intact. The mortise is congruent.\nIMPRESSION: Non-displaced lateral malleolar fracture.")
SPINE = ("FINDINGS: At C5-C6 there is a right foraminal disc protrusion compressing the exiting right C6 "
         "nerve root. At C6-C7 there is a small disc bulge without cord compression. The spinal cord is "
         "normal in signal.\nIMPRESSION: C5-C6 right foraminal disc protrusion compressing the right C6 "
         "nerve root.")
SDH = ("FINDINGS: Acute right convexity subdural hematoma, 7 mm thick, with 3 mm leftward midline shift. "
       "No skull fracture.\nIMPRESSION: Acute 7 mm right subdural hematoma with 3 mm midline shift.")
GB = ("FINDINGS: Gallstones without gallbladder wall thickening. No pericholecystic fluid.\n"
      "IMPRESSION: Cholelithiasis without acute cholecystitis.")


def _kinds(source: str, text: str) -> set[str]:
    return {f.kind.value for f in check(source, text)}


def test_lemmas_reach_the_base_form() -> None:
    assert {"big", "happen", "decide", "tip"} <= _lemmas("biggest") | _lemmas("happens") \
        | _lemmas("decided") | _lemmas("tipped")


def test_everyday_words_pass_but_clinical_everyday_words_do_not() -> None:
    # familiar (Dale-Chall) or letter discourse, and not clinical
    for w in ("reassuring", "decide", "whether", "answer", "dear", "happens", "options"):
        assert _is_everyday(w), w
    # familiar English but naming a finding, a body part, a size or a change
    for w in ("shadow", "blood", "broken", "leak", "lump", "bigger", "grown", "arm"):
        assert not _is_everyday(w), w


def test_letter_discourse_passes_and_an_everyday_finding_word_is_flagged() -> None:
    text = ("Dear patient, we know this may be worrying. Your scan shows a simple cyst in the top part "
            "of your right kidney. Please ask your doctor whether you have any questions.")
    assert check(KIDNEY, text) == []
    assert check(KIDNEY, text.replace("Please ask", "There is also a shadow on your liver. Please ask"))


def test_everyday_word_in_front_of_a_finding_is_a_descriptor() -> None:
    assert check(KIDNEY, "A 2.8 cm simple cyst in the right kidney.") == []
    assert _is_everyday("clean")
    assert check(KIDNEY, "A 2.8 cm clean cyst in the right kidney.")  # "clean" describes the cyst


def test_abbreviation_of_a_source_phrase() -> None:
    assert check(KNEE, "Horizontal tear of the posterior horn of the lateral meniscus. ACL intact. "
                       "Grade 2 LCL sprain.") == []
    assert check(KIDNEY, "Simple cyst of the right kidney. Normal UVJ.") == []
    assert check(KIDNEY, "Simple cyst of the right kidney. Normal UPJ.")  # no ureteropelvic junction


def test_body_region_around_a_source_place() -> None:
    # "head" contains the subdural space (brain); "belly" contains nothing of a knee report
    assert check(SDH, "There is a bleed under the covering of the brain on the right side of your "
                      "head, 7 mm thick.") == []
    assert FlagKind.LOCATION.value in _kinds(KNEE, "A tear in the meniscus of your knee and fluid in "
                                                   "your abdomen.")


def test_lay_phrase_with_its_polarity() -> None:
    assert check(SPINE, "A disc in your neck bones at C5-C6 is pressing on the right C6 nerve root.") == []
    assert check(KIDNEY, "The cyst is in the right kidney. There is no backup of urine.") == []
    flags = check(KIDNEY, "The cyst is in the right kidney. There is a backup of urine.")
    assert any(f.kind is FlagKind.NEGATION for f in flags)


def test_finding_at_a_place_the_report_calls_intact() -> None:
    assert check(ANKLE, "A break of the outer ankle bone that has not moved. The bone on the inner side "
                        "of the ankle is not broken.") == []
    flags = check(ANKLE, "A non-displaced fracture of the lateral malleolus and a fracture of the "
                         "medial malleolus.")
    assert any(f.kind is FlagKind.NEGATION and "intact" in f.reason for f in flags)


def test_spinal_level_bound_to_its_lesion() -> None:
    assert check(SPINE, "Right foraminal disc protrusion at C5-C6 compressing the right C6 nerve root. "
                        "Small C6-C7 bulge.") == []
    flags = check(SPINE, "Right foraminal disc protrusion at C6-C7 compressing the right C7 nerve root.")
    assert any(f.kind is FlagKind.LOCATION for f in flags)


def test_direction_within_an_organ_bound_to_its_lesion() -> None:
    assert check(KNEE, "You have a tear in the back part of the outer meniscus.") == []
    assert FlagKind.LOCATION.value in _kinds(KNEE, "You have a tear in the front part of the outer meniscus.")
    assert FlagKind.LOCATION.value in _kinds(KNEE, "Horizontal tear of the anterior horn of the lateral "
                                                   "meniscus.")


def test_grade_is_a_severity() -> None:
    assert check(KNEE, "The outer side ligament is moderately sprained (grade 2).") == []
    assert FlagKind.DESCRIPTOR.value in _kinds(KNEE, "The lateral collateral ligament is mildly sprained.")


def test_no_signs_that_negates_its_whole_clause() -> None:
    assert check(GB, "You have gallstones, but there are no signs that your gallbladder is inflamed.") == []
    assert check(GB, "You have gallstones, and your gallbladder is inflamed.")


def test_direction_of_a_shift_is_not_an_organ_side() -> None:
    assert check(SDH, "The bleed on the right pushes the middle of the brain 3 mm towards the left.") == []
    assert check(SDH, "The bleed on the right pushes the middle of the brain 3 mm towards the right.")


def test_negation_ends_at_a_preposition_after_its_noun() -> None:
    src = ("FINDINGS: Acute left MCA territory infarct. No hemorrhagic transformation.\n"
           "IMPRESSION: Acute left MCA infarct without hemorrhage.")
    assert check(src, "You have had a stroke on the left side. There is no bleeding into the stroke.") == []
    assert check(src, "You have had a stroke on the left side. There is bleeding into the stroke.")


def test_source_facts_keep_normal_places_and_directions() -> None:
    facts = SourceFacts.of(ANKLE)
    assert ("medial malleolus", "") in facts.normal_places
    assert SourceFacts.of(SDH).directions == frozenset({"left"})


LIVER = ("FINDINGS: A 1.9 cm hemangioma in segment 7 of the liver. No other liver lesion. No cord signal "
         "abnormality.\nIMPRESSION: Hepatic hemangioma.")


def test_no_other_finding_against_additional_ones() -> None:
    assert check(LIVER, "A 1.9 cm hemangioma in segment 7 of the liver. No other liver lesions.") == []
    flags = check(LIVER, "A 1.9 cm hemangioma in segment 7 of the liver. Two additional liver lesions.")
    assert any(f.kind is FlagKind.NEGATION and "no other" in f.reason for f in flags)


def test_modifier_in_a_negated_noun_phrase_has_no_polarity() -> None:
    # "No cord signal abnormality": the abnormality is negated, not the signal
    assert check(LIVER, "Hepatic hemangioma. Normal cord signal.") == []
    assert check(LIVER, "Hepatic hemangioma. Abnormal cord signal.")


def test_explanation_clause_after_a_term() -> None:
    src = ("FINDINGS: Moderate centrilobular emphysema in both upper lobes.\n"
           "IMPRESSION: Moderate emphysema.")
    assert check(src, "You have moderate emphysema, which means the tiny air pockets of the lungs are "
                      "damaged, mostly in the upper parts.") == []
    assert check(src, "You have moderate emphysema and a collapsed lung, which means ...")


def test_chinese_spinal_level_range_is_a_place_not_numbers() -> None:
    assert check(SPINE, "核磁共振显示您颈5-6椎间盘突出，压迫右侧颈6神经根。") == []
    flags = check(SPINE, "核磁共振显示您颈6-7椎间盘突出，压迫右侧颈7神经根。")
    assert flags and not any(f.kind is FlagKind.NUMBER for f in flags)


def test_both_with_a_plural_is_bilateral() -> None:
    src = ("FINDINGS: Mild degenerative change of both hips. The ovaries are unremarkable.\n"
           "IMPRESSION: Mild bilateral hip osteoarthritis.")
    assert check(src, "Mild degenerative change in both hips. Both ovaries are normal.") == []
    assert FlagKind.LATERALITY.value in _kinds(src, "Mild degenerative change of the left hip only.") \
        or check(src, "Mild degenerative change of the left hip only.")
