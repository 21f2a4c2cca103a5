"""AppTest of the findings form on pages/report.py: findings of any region, several findings,
negatives per region, no error before typing, prefill only from the header (template drafts:
no language model)."""

from __future__ import annotations

from medgen.text.report import NO_RULE, section
from tests.ui.text_helpers import app, make_env, make_user


def _page(migrated_url, monkeypatch, scan=None):  # type: ignore[no-untyped-def]
    make_env(monkeypatch, migrated_url)
    at = app("pages/report.py")
    at.session_state["auth.user"] = make_user(migrated_url)
    if scan is not None:
        at.session_state["scan"] = scan
    return at.run()


def _scan(name: str, body_part: str | None = None):  # type: ignore[no-untyped-def]
    """A real pydicom test CT, optionally with its BodyPartExamined set (as a PACS would send)."""
    import io

    import pydicom
    from pydicom.data import get_testdata_file

    from medgen.imaging import load_scan

    ds = pydicom.dcmread(str(get_testdata_file(name, download=False)))
    if body_part is not None:
        ds.BodyPartExamined = body_part
    buf = io.BytesIO()
    ds.save_as(buf)
    return load_scan(buf.getvalue(), name)


def _draft(at):  # type: ignore[no-untyped-def]
    at.toggle(key="report.use_model").set_value(False)
    at.button(key="report.go").click().run()
    assert not at.exception, at.exception
    return at.session_state["report.draft"]


def test_fresh_form_shows_no_error(migrated_url, monkeypatch) -> None:
    at = _page(migrated_url, monkeypatch)
    assert not at.exception and not at.error
    # nothing is guessed: no scan, so the exam fields and the finding start empty
    assert at.text_input(key="report.body_part").value == ""
    assert at.selectbox(key="report.f0.kind").value is None
    # drafting now names what is missing (a message, not a traceback)
    at.button(key="report.go").click().run()
    assert not at.exception
    assert any("body part" in e.value for e in at.error)
    assert "report.draft" not in at.session_state


def test_typing_shows_what_is_missing(migrated_url, monkeypatch) -> None:
    at = _page(migrated_url, monkeypatch)
    at.text_input(key="report.f0.loc").input("kidney").run()
    errors = " ".join(e.value for e in at.error)
    assert "body part" in errors and "Finding 1: choose or type what it is" in errors


def test_pelvis_prefill_lists_pelvic_findings_and_drafts_a_renal_cyst(migrated_url, monkeypatch) -> None:
    at = _page(migrated_url, monkeypatch, _scan("CT_small.dcm", "PELVIS"))
    assert not at.error
    assert at.text_input(key="report.modality").value == "CT"
    assert at.text_input(key="report.body_part").value == "pelvis"
    kinds = at.selectbox(key="report.f0.kind").options
    assert "renal cyst" in kinds and "subdural haemorrhage" not in kinds and "nodule" not in kinds
    negatives = at.multiselect(key="report.negative_choices").options
    assert "No hydronephrosis" in negatives and "No pneumothorax" not in negatives
    at.selectbox(key="report.f0.kind").select("renal cyst").run()
    # the cyst's own qualifiers appear
    assert at.selectbox(key="report.f0.q.type").options == ["simple", "complex"]
    at.selectbox(key="report.f0.q.Bosniak category").select("Bosniak II")
    at.text_input(key="report.f0.loc").input("kidney")
    at.selectbox(key="report.f0.lat").select("left")
    at.number_input(key="report.f0.size").set_value(2.1)
    at.selectbox(key="report.f0.unit").select("cm")
    at.multiselect(key="report.negative_choices").select("No hydronephrosis").select("No free fluid")
    at.run()
    assert not at.error
    d = _draft(at)
    assert d.text.startswith("EXAMINATION: CT pelvis with contrast (ISOVUE300/100).")
    assert "chest" not in d.text.lower()
    assert section(d.text, "FINDINGS") == ("A 2.1 cm renal cyst in the left kidney, Bosniak II. "
                                           "No hydronephrosis. No free fluid.")
    assert section(d.text, "IMPRESSION").endswith(NO_RULE) and d.recommendations == ()


def test_unknown_body_part_stays_empty_and_required(migrated_url, monkeypatch) -> None:
    # CT_small.dcm names no body part: nothing is guessed (no "chest")
    at = _page(migrated_url, monkeypatch, _scan("CT_small.dcm"))
    assert at.text_input(key="report.body_part").value == "" and not at.error
    # every region's kinds are offered, and no negatives until the body part is known
    assert {"renal cyst", "nodule", "fracture"} <= set(at.selectbox(key="report.f0.kind").options)
    assert at.multiselect(key="report.negative_choices").options == []
    at.selectbox(key="report.f0.kind").select("renal cyst")
    at.text_input(key="report.f0.loc").input("kidney").run()
    assert any("Enter the body part" in e.value for e in at.error)


def test_head_ct_with_several_findings_add_and_remove(migrated_url, monkeypatch) -> None:
    at = _page(migrated_url, monkeypatch)
    at.text_input(key="report.modality").input("CT")
    at.text_input(key="report.body_part").input("head")
    at.text_input(key="report.contrast").input("without contrast").run()
    assert "subdural haemorrhage" in at.selectbox(key="report.f0.kind").options
    at.selectbox(key="report.f0.kind").select("subdural haemorrhage").run()
    assert at.selectbox(key="report.f0.q.age").options[:3] == ["acute", "subacute", "chronic"]
    at.selectbox(key="report.f0.q.age").select("acute")
    at.text_input(key="report.f0.loc").input("frontoparietal convexity")
    at.selectbox(key="report.f0.lat").select("right")
    at.number_input(key="report.f0.size").set_value(8.0)
    for _ in range(2):
        at.button(key="report.add").click().run()
    at.selectbox(key="report.f1.kind").select("midline shift")
    at.number_input(key="report.f1.size").set_value(3.0)
    at.selectbox(key="report.f2.kind").select("infarct").run()
    at.button(key="report.f2.remove").click().run()
    assert not at.exception and not at.error
    assert "report.f2.kind" not in at.session_state
    assert at.multiselect(key="report.negative_choices").options[0] == "No intracranial haemorrhage"
    at.multiselect(key="report.negative_choices").select("No hydrocephalus")
    at.text_area(key="report.negatives").input("No skull fracture").run()
    d = _draft(at)
    assert section(d.text, "FINDINGS") == (
        "An acute subdural haemorrhage over the right frontoparietal convexity, 8 mm thick. "
        "A 3 mm midline shift. No hydrocephalus. No skull fracture.")
    assert section(d.text, "IMPRESSION").endswith(NO_RULE)
    # a typed kind that is not listed is kept as typed
    # (AppTest's selectbox cannot type a new option: the value is set as the browser's typing
    # sets it, before the new row is drawn)
    at.session_state["report.f3.kind"] = "arachnoid cyst"
    at.button(key="report.add").click().run()
    assert at.selectbox(key="report.f3.kind").value == "arachnoid cyst"
    at.text_input(key="report.f3.loc").input("middle cranial fossa").run()
    d = _draft(at)
    assert "An arachnoid cyst in the middle cranial fossa." in d.text


def test_fleischner_needs_its_conditions_confirmed(migrated_url, monkeypatch) -> None:
    at = _page(migrated_url, monkeypatch)
    at.text_input(key="report.modality").input("CT")
    at.text_input(key="report.body_part").input("chest")
    at.text_input(key="report.contrast").input("without contrast")
    at.selectbox(key="report.f0.kind").select("nodule").run()
    at.selectbox(key="report.f0.desc").select("solid")
    at.text_input(key="report.f0.loc").input("upper lobe")
    at.selectbox(key="report.f0.lat").select("right")
    at.number_input(key="report.f0.size").set_value(7.0).run()
    d = _draft(at)
    assert d.recommendations == () and "Fleischner Society 2017 table was not confirmed" in d.text
    at.checkbox(key="report.fleischner").check().run()
    d = _draft(at)
    (rec,) = d.recommendations
    assert rec.text.startswith("CT at 6-12 months, then consider CT at 18-24 months")
    assert f"Recommendation: {rec.text}" in d.text
    # the table needs the nodule's type: a clear message when it is cleared
    at.selectbox(key="report.f0.desc").set_value(None).run()
    assert any("nodule's size and type" in e.value for e in at.error)


def test_values_are_kept_after_a_failed_draft(migrated_url, monkeypatch) -> None:
    """Widgets of a finding keep their values across reruns and a failed draft."""
    at = _page(migrated_url, monkeypatch)
    at.selectbox(key="report.f0.kind").select("fracture").run()
    at.text_input(key="report.f0.loc").input("distal radius")
    at.selectbox(key="report.f0.q.displacement").select("displaced").run()
    at.button(key="report.go").click().run()  # fails: exam fields missing
    assert any("modality" in e.value for e in at.error)
    assert at.text_input(key="report.f0.loc").value == "distal radius"
    assert at.selectbox(key="report.f0.q.displacement").value == "displaced"
