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
    enhancement="GAN denoise #3", high_risk=True, fleischner_eligible=True,
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
    f = Findings(fleischner_eligible=True, findings=(
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
    with pytest.raises(ValueError, match="location"):
        Finding(location="", kind="renal cyst")
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
    # missing (the rule's sentence) and invented (the reworded one, highlighted)
    assert {f.kind for f in flags} == {"recommendation"} and len(flags) == 2
    assert any(f.span.startswith("Recommendation: CT at 3 months is suggested") for f in flags)


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


class _EchoLM:
    """Streams back the user part it was given (as a model that copies), recording the messages."""

    name, version, device = "echo", "echo@1", "cpu"

    def __init__(self) -> None:
        self.seen: list[list[dict[str, str]]] = []

    def stream(self, messages, params=None, stop_event=None, stats=None):  # type: ignore[no-untyped-def]
        self.seen.append(list(messages))
        from medgen.text.prompts import REPORT_BODY_START, REPORT_USER_TAIL

        content = messages[-1]["content"]
        assert content.startswith(REPORT_BODY_START)  # the static start kept in the KV cache
        body = content.rsplit(REPORT_USER_TAIL, 1)[0]
        for word in body.split(" "):
            if stop_event is not None and stop_event.is_set():
                if stats is not None:
                    stats.stopped = True
                return
            yield word + " "


def test_the_recommendation_is_kept_out_of_the_prompt_and_added_word_for_word() -> None:
    from medgen.text.report import rewrite_stream, split_rule_tail, split_template

    t = template_report(F)
    _, body = split_template(t)
    rest, tail = split_rule_tail(body)
    assert tail.startswith("Recommendation: Consider CT at 3 months") and section(t, "IMPRESSION").endswith(tail)
    assert rest + " " + tail == body and rest.endswith("Fleischner risk category: high.")
    lm = _EchoLM()
    streamed = "".join(rewrite_stream(t, lm))
    (msgs,) = lm.seen
    assert "Recommendation:" not in msgs[-1]["content"]  # the model never sees the recommendation
    assert "Fleischner risk category: high." in msgs[-1]["content"]  # but everything else
    assert "recommendation" in msgs[0]["content"].lower()  # ... and is told not to add one
    d = finish_report(F, t, streamed, lm)
    assert d.text == t and d.flags == ()  # a faithful copy + the added recommendation = the template
    assert d.text.count(tail) == 1


@pytest.mark.parametrize("findings", [
    Findings(findings=(Finding(location="upper lobe", laterality="left", size=6, descriptor="solid"),)),
    Findings(body_part="pelvis", findings=(Finding(location="kidney", kind="renal cyst", laterality="right",
                                                    size=2, unit="cm"),)),
])
def test_without_a_rule_the_no_rule_sentence_is_added_word_for_word(findings: Findings) -> None:
    from medgen.text.report import (
        NO_RULE,
        NO_RULE_NODULE,
        rewrite_stream,
        split_rule_tail,
        split_template,
    )

    t = template_report(findings)
    _, body = split_template(t)
    rest, tail = split_rule_tail(body)
    assert tail in (NO_RULE, NO_RULE_NODULE) and rest + " " + tail == body
    assert rest.split("IMPRESSION:")[1].strip()  # the impression's findings stay in the prompt
    lm = _EchoLM()
    d = finish_report(findings, t, "".join(rewrite_stream(t, lm)), lm)
    assert "follow-up rule" not in lm.seen[0][-1]["content"]  # the model never sees it ...
    assert d.text == t and d.flags == () and d.text.count(tail) == 1  # ... and it is in the draft
    # a model that writes it anyway, word for word: it is not added a second time
    class _EchoTail(_EchoLM):
        def stream(self, messages, params=None, stop_event=None, stats=None):  # type: ignore[no-untyped-def]
            yield from super().stream(messages, params, stop_event, stats)
            yield " " + tail

    twice = "".join(rewrite_stream(t, _EchoTail()))
    assert twice.count(tail) == 1 and finish_report(findings, t, twice, lm).text == t


def test_a_stopped_rewrite_gets_no_follow_up_appended() -> None:
    import threading

    from medgen.text.llm import StreamStats
    from medgen.text.report import rewrite_stream, split_rule_tail, split_template

    t = template_report(F)
    _, tail = split_rule_tail(split_template(t)[1])
    stop, stats, pieces = threading.Event(), StreamStats(), []
    for piece in rewrite_stream(t, _EchoLM(), stop_event=stop, stats=stats):
        pieces.append(piece)
        if len(pieces) == 4:
            stop.set()
    assert stats.stopped and tail not in "".join(pieces)


def test_no_tail_outside_the_impression() -> None:
    from medgen.text.report import split_rule_tail

    body = "FINDINGS: Fleischner risk category: low. Recommendation: none.\nIMPRESSION: Normal."
    assert split_rule_tail(body) == (body, "")
    body = "FINDINGS: Normal. No follow-up rule was applied.\nIMPRESSION: Normal."
    assert split_rule_tail(body) == (body, "")
