"""AppTest of pages/education.py with a signed report in a migrated test DB and smollm2-135m."""

from __future__ import annotations

import pytest

from medgen.store.db import session_factory
from medgen.store.models import GeneratedOutput
from medgen.text import sign
from medgen.text.education import CLOSING
from medgen.text.findings import Finding, Findings
from medgen.text.report import draft_report
from tests.ui.text_helpers import app, make_env, make_user

pytestmark = pytest.mark.slow


def _signed_report(url: str, user) -> int:  # type: ignore[no-untyped-def]
    f = Findings(findings=(Finding(location="upper lobe", laterality="right", size=7,
                                   descriptor="solid"),), negatives=("No pleural effusion",))
    draft = draft_report(f)
    with session_factory(url).begin() as s:
        out_id = sign.record_report(s, draft, user=user)
        sign.sign_report(s, out_id, draft.text, user)
    return out_id


def test_without_a_signed_report_the_page_says_what_to_do(migrated_url, monkeypatch) -> None:
    make_env(monkeypatch, migrated_url)
    at = app("pages/education.py")
    at.session_state["auth.user"] = make_user(migrated_url)
    at.run()
    assert not at.exception
    assert "sign a report" in at.info[0].value.lower()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_patient_text_generated_recorded_and_measured(migrated_url, monkeypatch, language) -> None:
    make_env(monkeypatch, migrated_url)
    user = make_user(migrated_url)
    report_id = _signed_report(migrated_url, user)
    at = app("pages/education.py")
    at.session_state["auth.user"] = user
    at.run()
    assert at.selectbox(key="education.report").value == report_id
    at.radio(key="education.language").set_value(language)
    at.number_input(key="education.max_tokens").set_value(32)
    at.button(key="education.go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Stop" not in [b.label for b in at.button]  # only while the model writes
    result = at.session_state["education.result"]
    assert result.language == language and result.body
    shown = "".join(h.proto.body for h in at.html)
    assert CLOSING[language] in shown
    summary = [m.value for m in (*at.success, *at.warning) if "Readability" in m.value]
    assert summary and ("Flesch-Kincaid" in summary[0]) is (language == "en")
    with session_factory(migrated_url)() as s:
        row = s.get(GeneratedOutput, at.session_state["education.output_id"])
        assert row.kind == "education" and row.parent_id == report_id
        assert row.params["language"] == language and row.model_id == "smollm2-135m"
        assert row.draft_text == result.text and row.metrics["attempts"] == result.attempts
