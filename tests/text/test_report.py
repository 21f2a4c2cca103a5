"""Template draft, sections, recommendations, cleaning and guarding a model rewrite."""

from __future__ import annotations

import pytest

from medgen.text.findings import Finding, Findings, findings_from_header
from medgen.text.report import (
    SECTIONS,
    clean_model_text,
    draft_report,
    finish_report,
    recommendations,
    section,
    template_report,
)

F = Findings(
    modality="CT", body_part="chest", contrast="without contrast", indication="Cough",
    comparison="CT chest 2024-01-05",
    findings=(
        Finding(location="upper lobe", laterality="right", size=1.2, unit="cm", descriptor="solid"),
        Finding(location="kidney", laterality="left", size=8, kind="cyst", descriptor="cystic"),
    ),
    negatives=("no pleural effusion", "No pneumothorax."),
    enhancement="GAN denoise #3", high_risk=True,
)


class _LM:
    name, version, device = "x", "x@1", "cpu"


def test_template_has_every_section_and_fact() -> None:
    t = template_report(F)
    assert [line.split(":")[0] for line in t.splitlines()] == list(SECTIONS)
    assert "A 1.2 cm solid nodule in the right upper lobe." in t
    assert "An 8 mm cystic cyst in the left kidney." in t
    assert "No pleural effusion. No pneumothorax." in section(t, "FINDINGS")
    assert "GAN denoise #3" in section(t, "TECHNIQUE")
    assert section(t, "COMPARISON") == "CT chest 2024-01-05."
    # 12 mm solid single high risk -> > 8 mm band (only the lung nodule counts)
    assert "Consider CT at 3 months, PET/CT, or tissue sampling" in section(t, "IMPRESSION")


def test_template_rewritten_verbatim_passes_the_guard() -> None:
    t = template_report(F)
    assert finish_report(F, t, t, _LM()).flags == ()


def test_recommendation_for_multiple_nodules_uses_the_subsolid_one() -> None:
    f = Findings(findings=(
        Finding(location="right upper lobe", size=4, descriptor="solid"),
        Finding(location="left lower lobe", size=7, descriptor="ground-glass"),
    ))
    (rec,) = recommendations(f)
    assert rec.category == "subsolid, multiple, >=6 mm"
    assert recommendations(Findings(findings=(Finding(location="liver", size=9),))) == ()


def test_clean_model_text_strips_fences_and_chatter() -> None:
    raw = "Sure! Here it is:\n```\nEXAMINATION: CT. TECHNIQUE: x. COMPARISON: None. FINDINGS: y. **IMPRESSION**: z.\n```"
    out = clean_model_text(raw)
    assert out.startswith("EXAMINATION: CT.") and "```" not in out
    assert [line.split(":")[0] for line in out.splitlines()] == list(SECTIONS)


def test_missing_sections_and_planted_error_are_flagged() -> None:
    t = template_report(F)
    bad = t.replace("right upper lobe", "left upper lobe").replace("COMPARISON:", "PRIOR:")
    kinds = [f.kind for f in finish_report(F, t, bad, _LM()).flags]
    assert "structure" in kinds and "laterality" in kinds


def _header(name: str):  # type: ignore[no-untyped-def]
    """The ScanHeader of a real pydicom test file, read by the real loader."""
    from pathlib import Path

    from pydicom.data import get_testdata_file

    from medgen.imaging import load_scan

    return load_scan(Path(str(get_testdata_file(name, download=False))).read_bytes(), name).header


def test_findings_from_header_prefills_only_what_the_header_says() -> None:
    # CT_small.dcm names its contrast agent (ISOVUE300/100) and no body part
    f = findings_from_header(_header("CT_small.dcm"))
    assert (f.modality, f.body_part, f.contrast) == ("CT", "", "with contrast (ISOVUE300/100)")
    # J2K_pixelrep_mismatch.dcm: BodyPartExamined HEAD, ContrastBolusAgent present but empty
    f = findings_from_header(_header("J2K_pixelrep_mismatch.dcm"))
    assert (f.modality, f.body_part, f.contrast) == ("CT", "head", "")
    # 693_UNCR.dcm: neither: nothing invented (no "chest", no "without contrast")
    f = findings_from_header(_header("693_UNCR.dcm"))
    assert (f.modality, f.body_part, f.contrast) == ("CT", "", "")
    # MR_small.dcm: another modality, no contrast element
    f = findings_from_header(_header("MR_small.dcm"))
    assert (f.modality, f.contrast) == ("MR", "")
    # without a scan every exam field is left for the clinician
    f = findings_from_header(None)
    assert (f.modality, f.body_part, f.contrast) == ("", "", "")
    with pytest.raises(ValueError, match="location"):
        Finding(location=" ")
    assert Findings.from_dict(F.to_dict()) == F and F.digest() == Findings.from_dict(F.to_dict()).digest()


@pytest.mark.slow
def test_draft_report_with_the_small_model() -> None:
    from medgen.text.llm import GenerationParams, load_model

    lm = load_model("smollm2-135m", "cpu")
    d = draft_report(F, lm=lm, params=GenerationParams(max_new_tokens=40))
    assert d.from_model and d.model_id == "smollm2-135m" and d.text
    assert d.template_text == template_report(F)
    assert d.metrics["new_tokens"] <= 40 and d.latency_ms > 0
    assert d.params["findings"]["findings"][0]["location"] == "upper lobe"
    # whatever the model wrote, each flag points at a real span of its text
    assert all(d.text[f.start:f.end] == f.span for f in d.flags if f.end > f.start)


def test_reworded_recommendation_is_flagged() -> None:
    t = template_report(F)
    bad = t.replace("Consider CT at 3 months, PET/CT, or tissue sampling",
                    "CT at 3 months is suggested")
    flags = finish_report(F, t, bad, _LM()).flags
    assert [f.kind for f in flags] == ["recommendation"]


def test_header_fills_exam_fields_left_empty() -> None:
    f = Findings(modality="", body_part="", contrast="without contrast", findings=F.findings)
    d = draft_report(f, _header("J2K_pixelrep_mismatch.dcm"))
    assert d.text.startswith("EXAMINATION: CT head without contrast.")


def test_only_findings_and_impression_are_reworded() -> None:
    from medgen.text.report import split_template

    t = template_report(F)
    head, body = split_template(t)
    assert head.splitlines()[0].startswith("EXAMINATION:") and head.splitlines()[-1].startswith(
        "COMPARISON:")
    assert body.startswith("FINDINGS:") and "IMPRESSION:" in body
    model = "Sure! Here you go:\n```\n**FINDINGS:** " + section(t, "FINDINGS") + " **IMPRESSION:** " + \
        section(t, "IMPRESSION") + "\n```"
    d = finish_report(F, t, head + "\n" + model, _LM())
    assert d.text == t and d.flags == ()
