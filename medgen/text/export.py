"""Export a report (or patient text) as PDF and a report as a FHIR R4 DiagnosticReport.

FHIR: built and validated with ``fhir.resources`` (R4B models).

PDF: fpdf2 with a Unicode TrueType font that covers Chinese. The Makefile installs Debian's
``fonts-droid-fallback`` (DroidSansFallbackFull.ttf, Latin + CJK, Apache-2.0); other installed
CJK TrueType fonts are used if that one is missing.
"""

from __future__ import annotations

import base64
import json
import logging
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


log = logging.getLogger(__name__)


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
LOINC_IMAGING_STUDY = "18748-4"
#: The R4 value set of DiagnosticReport.status (a required binding, which fhir.resources does
#: not enforce by itself).
R4_REPORT_STATUS = frozenset({"registered", "partial", "preliminary", "final", "amended",
                              "corrected", "appended", "cancelled", "entered-in-error",
                              "unknown"})


def fhir_diagnostic_report(text: str, *, output_id: int, status: str,
                           issued: datetime | None = None, signed_by: str | None = None,
                           model: str = "") -> dict[str, Any]:
    """A FHIR R4 DiagnosticReport for a de-identified report (no subject: nothing identifying).

    Built and validated with ``fhir.resources`` (the R4B models, which share R4's
    DiagnosticReport); returned as its JSON-ready dict. ``status`` is ``preliminary`` or
    ``final``; the full text is in ``presentedForm`` (base64, text/plain) and the IMPRESSION
    section in ``conclusion``.
    """
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport

    if status not in ("preliminary", "final"):
        raise ValueError(f"status must be preliminary or final, got {status!r}")
    issued = issued or datetime.now(UTC)
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": f"medgen-report-{output_id}",
        "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/DiagnosticReport"]},
        "identifier": [{"system": "urn:medgen:generated-output", "value": str(output_id)}],
        "status": status,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                  "code": "RAD", "display": "Radiology"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": LOINC_IMAGING_STUDY,
                             "display": "Diagnostic imaging study"}], "text": "Imaging report"},
        "issued": issued.astimezone(UTC).replace(microsecond=0),
        "presentedForm": [{
            "contentType": "text/plain; charset=utf-8",
            "language": "en",
            "data": base64.b64encode(text.encode("utf-8")),
            "title": "Radiology report" + (" (draft)" if status != "final" else ""),
        }],
    }
    conclusion = section(text, "IMPRESSION")
    if conclusion:
        fields["conclusion"] = conclusion
    if status == "final" and signed_by:
        fields["resultsInterpreter"] = [{"display": signed_by}]
    if model:
        fields["extension"] = [{"url": "urn:medgen:language-model", "valueString": model}]
    resource = DiagnosticReport(**fields).model_dump(mode="json")
    problems = validate_fhir_diagnostic_report(resource)
    if problems:  # a bug, not a user error: say what is wrong and keep the PDF export usable
        log.error("invalid FHIR DiagnosticReport: %s", problems)
        raise ExportError("The FHIR export of this report is invalid (" + "; ".join(problems)
                          + "); download the PDF instead.")
    return resource


def fhir_json(resource: dict[str, Any]) -> bytes:
    """The resource as UTF-8 JSON (indented, non-ASCII kept)."""
    return json.dumps(resource, indent=2, ensure_ascii=False).encode("utf-8")


def validate_fhir_diagnostic_report(resource: dict[str, Any]) -> list[str]:
    """Problems of a DiagnosticReport dict against the R4 rules; ``[]`` when valid.

    The structure and data types (cardinalities, instant, id, CodeableConcept, ...) are checked
    by ``fhir.resources``' R4B model; the required status value set and base64 content of
    ``presentedForm.data``, which the model does not check, are checked here.
    """
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport
    from pydantic import ValidationError

    problems: list[str] = []
    if resource.get("resourceType") != "DiagnosticReport":
        problems.append("resourceType must be DiagnosticReport")
    body = {k: v for k, v in resource.items() if k != "resourceType"}
    try:
        DiagnosticReport.model_validate(body)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "resource"
            problems.append(f"{where}: {err['msg']}")
    if resource.get("status") not in R4_REPORT_STATUS:
        problems.append("status is not in the R4 value set")
    forms = resource.get("presentedForm")
    for form in forms if isinstance(forms, list) else []:
        try:
            base64.b64decode(form.get("data", "") if isinstance(form, dict) else "", validate=True)
        except ValueError:
            problems.append("presentedForm.data is not base64")
    return problems


__all__ = ["SECTIONS", "ExportError", "fhir_diagnostic_report", "fhir_json", "report_pdf",
           "validate_fhir_diagnostic_report"]
