"""AppTest of pages/report.py: real generation with smollm2-135m, guard, sign, security."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from medgen.store.db import session_factory
from medgen.store.models import AuditEvent, GeneratedOutput
from medgen.text.findings import Finding, Findings
from medgen.text.report import finish_report, template_report
from medgen.types import Role
from tests.ui.text_helpers import app, make_env, make_user

pytestmark = pytest.mark.slow


def exam_fields(at) -> None:  # type: ignore[no-untyped-def]
    """No scan is loaded: the exam fields start empty and are required."""
    at.text_input(key="report.modality").input("CT")
    at.text_input(key="report.body_part").input("chest")
    at.text_input(key="report.contrast").input("without contrast")


def fill_form(at) -> None:  # type: ignore[no-untyped-def]
    """Type into the form: a solid nodule, with the Fleischner conditions confirmed."""
    exam_fields(at)
    at.selectbox(key="report.f0.kind").select("nodule").run()
    at.selectbox(key="report.f0.desc").select("solid")
    at.text_input(key="report.f0.loc").input("upper lobe").run()
    at.checkbox(key="report.fleischner").check()
    at.selectbox(key="report.f0.lat").select("right")
    at.number_input(key="report.f0.size").set_value(7.0)
    at.text_input(key="report.indication").input("Chronic cough")
    at.number_input(key="report.max_tokens").set_value(48)


def test_needs_a_signed_in_clinician(migrated_url, monkeypatch) -> None:
    make_env(monkeypatch, migrated_url)
    at = app("pages/report.py").run()
    assert "sign in" in at.warning[0].value.lower()
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(migrated_url, Role.REVIEWER, "rev")
    at.run()
    assert at.error and "clinician" in at.error[0].value


def test_draft_stream_sign_end_to_end(migrated_url, monkeypatch) -> None:
    make_env(monkeypatch, migrated_url)
    user = make_user(migrated_url)
    at = app("pages/report.py")
    at.session_state["auth.user"] = user
    at.run()
    fill_form(at)
    at.button(key="report.go").click().run()
    assert not at.exception, at.exception
    # Stop exists only while the model writes: a click after the draft was recorded would
    # wrongly say "nothing was recorded"
    assert "Stop" not in [b.label for b in at.button]
    draft = at.session_state["report.draft"]
    assert draft.from_model and draft.model_id == "smollm2-135m"
    assert "7 mm solid nodule in the right upper lobe" in draft.template_text
    assert "CT at 6-12 months" in draft.template_text  # Fleischner, solid single 6-8 mm, low risk
    out_id = at.session_state["report.output_id"]
    with session_factory(migrated_url)() as s:
        row = s.get(GeneratedOutput, out_id)
        assert row.kind == "report" and row.status == "preliminary"
        assert row.model_version.startswith("smollm2-135m@") and row.draft_text == draft.text
        assert row.flags == draft.flag_dicts() and row.latency_ms > 0
    # an edit that flips the side is caught by the guard before signing
    at.text_area(key="report.edit").input(draft.template_text.replace("right upper", "left upper"))
    at.button(key="report.check").click().run()
    assert any("guard flagged" in w.value for w in at.warning)
    assert any('medgen-flag' in h.proto.body and ">left</mark>" in h.proto.body for h in at.html)
    # the clinician replaces the model text by the template draft, edits, and signs
    at.text_area(key="report.edit").input(draft.template_text.replace("Chronic cough", "Cough"))
    at.button(key="report.sign").click().run()
    assert not at.exception and not at.error
    with session_factory(migrated_url)() as s:
        row = s.get(GeneratedOutput, out_id)
        assert row.status == "final" and row.signed_by == user.id and row.signed_at
        assert "Indication: Cough." in row.final_text
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "generate" in actions and "sign" in actions
    # the form kept every value
    assert at.text_input(key="report.f0.loc").value == "upper lobe"


def test_missing_model_keeps_form_and_falls_back_to_template(migrated_url, monkeypatch, tmp_path) -> None:
    make_env(monkeypatch, migrated_url, lm=str(tmp_path / "no-such-model.gguf"))
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(migrated_url)
    at.run()
    fill_form(at)
    at.button(key="report.go").click().run()
    assert any("neither a known model" in e.value for e in at.error)
    draft = at.session_state["report.draft"]
    assert not draft.from_model and draft.text == draft.template_text
    assert at.text_input(key="report.f0.loc").value == "upper lobe"
    assert at.number_input(key="report.f0.size").value == 7.0


def test_form_error_is_a_message_not_a_traceback(migrated_url, monkeypatch) -> None:
    make_env(monkeypatch, migrated_url)
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(migrated_url)
    at.run()  # a fresh form: no error yet
    assert not at.exception and not at.error
    at.selectbox(key="report.f0.kind").select("nodule").run()  # a finding without location
    assert not at.exception
    assert any("location" in e.value for e in at.error)


MALICIOUS = (
    "EXAMINATION: CT chest <script>window.pwned=1</script>\n"
    "TECHNIQUE: <img src=x onerror=alert(1)>\nCOMPARISON: [click](javascript:alert(1))\n"
    "FINDINGS: ![img](http://evil.example/x.png) A 7 mm solid nodule in the left upper lobe.\n"
    "IMPRESSION: none"
)


def test_generated_html_and_markdown_render_inert(migrated_url, monkeypatch) -> None:
    make_env(monkeypatch, migrated_url)
    user = make_user(migrated_url)
    f = Findings(findings=(Finding(location="upper lobe", laterality="right", size=7,
                                   descriptor="solid"),))
    draft = finish_report(f, template_report(f), MALICIOUS, _FakeLM())
    assert any(fl.kind == "laterality" for fl in draft.flags)
    with session_factory(migrated_url).begin() as s:
        from medgen.text.sign import record_report

        out_id = record_report(s, draft, user=user)
    at = app("pages/report.py")
    at.session_state["auth.user"] = user
    at.session_state["report.f0.loc"] = "upper lobe"
    at.session_state["report.f0.kind"] = "nodule"
    for key, value in (("modality", "CT"), ("body_part", "chest"), ("contrast", "without contrast")):
        at.session_state[f"report.{key}"] = value  # no scan: the exam fields are required
    at.session_state["report.draft"] = draft
    at.session_state["report.output_id"] = out_id
    at.session_state["report.edit"] = draft.text
    at.run()
    assert not at.exception
    shown = "".join(h.proto.body for h in at.html)
    assert "<script" not in shown and "<img" not in shown
    text = re.sub(r"</?mark[^>]*>", "", shown)  # flags may highlight inside the escaped markup
    assert "&lt;script&gt;" in text and "&lt;img src=x onerror=alert(" in text
    assert '<mark class="medgen-flag"' in shown  # the flipped side is highlighted
    for md in at.markdown:  # nothing rendered as a live link or image
        assert "](javascript:" not in md.value and "![img](" not in md.value


class _FakeLM:
    """Stands in only for the name/version of a model in the security test (no generation)."""

    name = "fake"
    version = "fake@0"
    device = "cpu"


def test_form_is_prefilled_from_the_loaded_scan(migrated_url, monkeypatch) -> None:
    from pathlib import Path

    from pydicom.data import get_testdata_file

    from medgen.imaging import load_scan

    make_env(monkeypatch, migrated_url)
    # a real CT that names its contrast agent but not the body part examined
    scan = load_scan(Path(str(get_testdata_file("CT_small.dcm", download=False))).read_bytes(),
                     "CT_small.dcm")
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(migrated_url)
    at.session_state["scan"] = scan
    at.run()
    assert at.text_input(key="report.modality").value == "CT"
    assert at.text_input(key="report.body_part").value == ""  # unknown: not guessed
    assert at.text_input(key="report.contrast").value == "with contrast (ISOVUE300/100)"
    assert not at.error  # nothing typed yet: no error
    at.text_input(key="report.f0.loc").input("liver").run()
    assert any("body part" in e.value for e in at.error)  # required before drafting
    at.text_input(key="report.body_part").input("abdomen")
    at.selectbox(key="report.f0.kind").select("liver lesion").run()
    assert not at.error


def test_values_typed_during_a_validation_error_are_kept(migrated_url, monkeypatch) -> None:
    make_env(monkeypatch, migrated_url)
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(migrated_url)
    at.run()
    at.selectbox(key="report.f0.kind").select("liver lesion").run()
    assert any("location" in e.value for e in at.error)
    at.text_area(key="report.negatives").input("No ascites").run()  # still missing a location
    assert any("location" in e.value for e in at.error)
    at.text_input(key="report.f0.loc").input("liver").run()
    assert any("body part" in e.value for e in at.error)  # exam fields are required too
    exam_fields(at)
    at.run()
    at.toggle(key="report.use_model").set_value(False)
    at.button(key="report.go").click().run()
    assert "No ascites." in at.session_state["report.draft"].template_text
