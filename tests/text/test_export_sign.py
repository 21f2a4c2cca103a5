"""PDF and FHIR export, signing rules (server-side role check), recording."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from medgen.errors import InvalidInputError, PermissionDeniedError
from medgen.store.models import AuditEvent, GeneratedOutput, User
from medgen.text import sign
from medgen.text.export import (
    cjk_font,
    fhir_diagnostic_report,
    fhir_json,
    report_pdf,
    validate_fhir_diagnostic_report,
)
from medgen.text.findings import Finding, Findings
from medgen.text.report import draft_report
from medgen.types import Role, UserInfo

F = Findings(findings=(Finding(location="upper lobe", laterality="right", size=7, descriptor="solid"),),
             negatives=("No pleural effusion",))


def _user(session, role: Role, name: str) -> UserInfo:  # type: ignore[no-untyped-def]
    row = User(username=name, display_name=name.title(), role=role.value, password_hash=None)
    session.add(row)
    session.flush()
    return UserInfo(row.id, name, name.title(), role)


def test_pdf_is_a_pdf_with_cjk_font_and_draft_mark() -> None:
    pdf = report_pdf("EXAMINATION: CT chest.\n您的肺部有一个小结节。", status="preliminary")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    if cjk_font() is None:
        pytest.skip("no CJK font installed (make setup installs fonts-droid-fallback)")
    assert b"DroidSansFallback" in pdf or b"CJK" in pdf
    final = report_pdf("EXAMINATION: CT.", status="final", signed_by="Dr A",
                       signed_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert final.startswith(b"%PDF-") and final != pdf


@pytest.mark.parametrize("status", ["preliminary", "final"])
def test_fhir_diagnostic_report_structure(status: str) -> None:
    text = draft_report(F).text
    res = fhir_diagnostic_report(text, output_id=12, status=status, signed_by="Dr A",
                                 issued=datetime(2026, 5, 1, 8, 30, tzinfo=UTC), model="m@1")
    assert validate_fhir_diagnostic_report(res) == []
    data = json.loads(fhir_json(res))
    assert data["resourceType"] == "DiagnosticReport" and data["status"] == status
    assert data["issued"] == "2026-05-01T08:30:00Z"
    assert base64.b64decode(data["presentedForm"][0]["data"]).decode() == text
    assert data["conclusion"].startswith("A 7 mm solid nodule in the right upper lobe.")
    assert ("resultsInterpreter" in data) is (status == "final")
    assert "subject" not in data  # de-identified: no patient reference
    assert data["code"]["coding"][0]["system"] == "http://loinc.org"
    assert data["code"]["coding"][0]["code"] == "18748-4"
    assert data["category"][0]["coding"][0]["code"] == "RAD"
    # the JSON reads back as an R4B DiagnosticReport with the same content
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport

    back = DiagnosticReport.model_validate_json(fhir_json(res))
    assert back.status == status and back.conclusion == data["conclusion"]
    assert back.model_dump(mode="json") == data
    with pytest.raises(ValueError):
        fhir_diagnostic_report(text, output_id=1, status="signed")
    broken = dict(res, status="done", issued="yesterday")
    assert len(validate_fhir_diagnostic_report(broken)) == 2
    problems = validate_fhir_diagnostic_report({k: v for k, v in res.items() if k != "code"})
    assert problems and all("code" in p for p in problems)
    assert "presentedForm.data is not base64" in validate_fhir_diagnostic_report(
        dict(res, presentedForm=[{"contentType": "text/plain", "data": "not base64!"}])
    )


def test_sign_flow_and_role_check(session_factory) -> None:  # type: ignore[no-untyped-def]
    draft = draft_report(F)
    with session_factory.begin() as s:
        doc = _user(s, Role.CLINICIAN, "doc")
        rev = _user(s, Role.REVIEWER, "rev")
        out_id = sign.record_report(s, draft, user=doc)
    with session_factory.begin() as s:
        assert sign.get_report(s, out_id).status == "preliminary"
    with pytest.raises(PermissionDeniedError), session_factory.begin() as s:
        sign.sign_report(s, out_id, draft.text, rev)
    with pytest.raises(PermissionDeniedError), session_factory.begin() as s:
        sign.sign_report(s, out_id, draft.text, None)
    with pytest.raises(InvalidInputError, match="IMPRESSION"), session_factory.begin() as s:
        sign.sign_report(s, out_id, draft.text.split("IMPRESSION")[0], doc)
    with session_factory.begin() as s:
        signed = sign.sign_report(s, out_id, draft.text + " Edited.", doc)
    assert signed.status == "final" and signed.signed_by == "Doc" and signed.signed_at
    with pytest.raises(InvalidInputError, match="already signed"), session_factory.begin() as s:
        sign.sign_report(s, out_id, draft.text, doc)
    with session_factory() as s:
        row = s.get(GeneratedOutput, out_id)
        assert row.final_text.endswith("Edited.") and row.draft_text == draft.text
        assert [r.id for r in sign.list_reports(s, status="final")] == [out_id]
        audit = [(a.action, a.outcome) for a in s.query(AuditEvent).order_by(AuditEvent.id)]
        assert audit == [("generate", "ok"), ("sign", "ok")]
