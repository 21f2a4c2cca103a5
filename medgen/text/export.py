"""Export a report (or patient text) as PDF and a report as a FHIR R4 DiagnosticReport.

PDF: fpdf2 with a Unicode TrueType font that covers Chinese. The Makefile installs Debian's
``fonts-droid-fallback`` (DroidSansFallbackFull.ttf, Latin + CJK, Apache-2.0); other installed
CJK TrueType fonts are used if that one is missing.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medgen.errors import MedgenError
from medgen.text.report import SECTIONS, section

LATIN_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


class ExportError(MedgenError):
    default_message = "The document could not be exported."


def cjk_font() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


def _status_line(status: str) -> str:
    return {"final": "FINAL (signed)", "preliminary": "DRAFT - preliminary, not signed"}.get(
        status, f"DRAFT ({status})"
    )


def report_pdf(text: str, *, title: str = "Radiology report", status: str = "preliminary",
               signed_by: str | None = None, signed_at: datetime | None = None,
               model: str = "", footer: str = "") -> bytes:
    """Render ``text`` to a one-column PDF; DRAFT is printed unless the status is final."""
    from fpdf import FPDF

    font = cjk_font()
    latin = next((p for p in LATIN_FONTS if p.is_file()), None)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    if font is not None:
        # The CJK font lacks Latin glyphs in some builds: Latin font first, CJK as fallback.
        pdf.add_font("cjk", "", str(font))
        if latin is not None:
            pdf.add_font("body", "", str(latin))
            pdf.set_fallback_fonts(["cjk"])
            family = "body"
        else:
            family = "cjk"
    else:
        if _CJK.search(text) or not _latin1(text):
            raise ExportError(
                "No font with Chinese characters is installed, so this text cannot be put in a "
                "PDF. Install the Debian package fonts-droid-fallback (`make setup` does)."
            )
        family = "helvetica"
    pdf.set_font(family, size=16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    meta = f"Status: {_status_line(status)}"
    if status == "final" and signed_by:
        when = signed_at.strftime("%Y-%m-%d %H:%M UTC") if signed_at else ""
        meta += f"  |  Signed by {signed_by} {when}"
    pdf.multi_cell(0, 6, meta, new_x="LMARGIN", new_y="NEXT")
    if status != "final":
        pdf.set_text_color(200, 0, 0)
        pdf.set_font(family, size=14)
        pdf.multi_cell(0, 8, "DRAFT - NOT FOR CLINICAL USE UNTIL SIGNED", new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font(family, size=11)
    for para in text.split("\n"):
        pdf.multi_cell(0, 6, para if para.strip() else " ", new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)
    pdf.ln(4)
    pdf.set_font(family, size=8)
    foot = footer or "Drafted with MedGen Studio from structured findings; follow-up from rules."
    if model:
        foot += f" Language model: {model}."
    pdf.multi_cell(0, 4, foot, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


#: LOINC 18748-4 "Diagnostic imaging study"; category RAD from HL7 v2 table 0074.
_CODE = {"coding": [{"system": "http://loinc.org", "code": "18748-4",
                     "display": "Diagnostic imaging study"}], "text": "Imaging report"}
_CATEGORY = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                          "code": "RAD", "display": "Radiology"}]}]


def _instant(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def fhir_diagnostic_report(text: str, *, output_id: int, status: str,
                           issued: datetime | None = None, signed_by: str | None = None,
                           model: str = "") -> dict[str, Any]:
    """A FHIR R4 DiagnosticReport for a de-identified report (no subject: nothing identifying).

    ``status`` is ``preliminary`` or ``final``; the full text is in ``presentedForm``
    (base64, text/plain) and the IMPRESSION section in ``conclusion``.
    """
    if status not in ("preliminary", "final"):
        raise ValueError(f"status must be preliminary or final, got {status!r}")
    issued = issued or datetime.now(UTC)
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": f"medgen-report-{output_id}",
        "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/DiagnosticReport"]},
        "identifier": [{"system": "urn:medgen:generated-output", "value": str(output_id)}],
        "status": status,
        "category": _CATEGORY,
        "code": _CODE,
        "issued": _instant(issued),
        "presentedForm": [{
            "contentType": "text/plain; charset=utf-8",
            "language": "en",
            "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
            "title": "Radiology report" + (" (draft)" if status != "final" else ""),
        }],
    }
    conclusion = section(text, "IMPRESSION")
    if conclusion:
        resource["conclusion"] = conclusion
    if status == "final" and signed_by:
        resource["resultsInterpreter"] = [{"display": signed_by}]
    if model:
        resource["extension"] = [{"url": "urn:medgen:language-model", "valueString": model}]
    return resource


def fhir_json(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource, indent=2, ensure_ascii=False).encode("utf-8")


def validate_fhir_diagnostic_report(resource: dict[str, Any]) -> list[str]:
    """Structural checks of the R4 DiagnosticReport rules we rely on; returns problems."""
    problems = []
    if resource.get("resourceType") != "DiagnosticReport":
        problems.append("resourceType must be DiagnosticReport")
    if resource.get("status") not in {"registered", "partial", "preliminary", "final", "amended",
                                      "corrected", "appended", "cancelled",
                                      "entered-in-error", "unknown"}:
        problems.append("status is not in the R4 value set")
    code = resource.get("code")
    if not isinstance(code, dict) or not (code.get("coding") or code.get("text")):
        problems.append("code (1..1 CodeableConcept) is missing")
    issued = resource.get("issued")
    if issued is not None and not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", str(issued)):
        problems.append("issued is not a FHIR instant")
    for form in resource.get("presentedForm", []):
        if "contentType" not in form:
            problems.append("presentedForm.contentType missing")
        try:
            base64.b64decode(form.get("data", ""), validate=True)
        except ValueError:
            problems.append("presentedForm.data is not base64")
    for cat in resource.get("category", []):
        if not isinstance(cat, dict) or not cat.get("coding"):
            problems.append("category must be CodeableConcept")
    if "id" in resource and not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", str(resource["id"])):
        problems.append("id is not a valid FHIR id")
    return problems


__all__ = ["SECTIONS", "ExportError", "fhir_diagnostic_report", "fhir_json", "report_pdf",
           "validate_fhir_diagnostic_report"]
