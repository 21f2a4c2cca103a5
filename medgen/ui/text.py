"""Streamlit pieces for the report and patient-education pages.

The language model is loaded once per process (``st.cache_resource``). Generated text is never
rendered as markdown or HTML: while streaming it is markdown-escaped, and the final text with
highlighted flags is HTML-escaped before the ``<mark>`` tags are added.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from typing import Any

import streamlit as st

from medgen.config import get_settings
from medgen.imaging.header import ScanHeader
from medgen.text.findings import Descriptor, Finding, Findings, Laterality, SizeUnit
from medgen.text.guard import Flag
from medgen.text.llm import GenerationParams, LanguageModel, load_model
from medgen.types import ReportStatus
from medgen.ui.resources import transact as in_transaction

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:&])")


@st.cache_resource(show_spinner="Loading the language model (the first start converts it: about a minute)...")
def _cached_lm(name: str, device: str) -> LanguageModel:
    from medgen.text.prompts import education_messages, report_messages

    lm = load_model(name, device)
    lm.warm(report_messages(""))  # system-prompt KV caches: a faster first token later
    for lang in ("en", "zh"):
        lm.warm(education_messages("", lang, 6))
    return lm


def language_model() -> LanguageModel:
    """The configured LM (MEDGEN_LM), loaded once per process; raises ModelError."""
    s = get_settings()
    return _cached_lm(s.lm, s.device)


def inert_markdown(piece: str) -> str:
    """Escape a chunk so that markdown renders it literally (no links, images, HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", piece).replace("\n", "  \n")


def inert_stream(gen: Iterator[str], sink: list[str]) -> Iterator[str]:
    """Pass chunks to st.write_stream escaped, keeping the raw text in ``sink``."""
    for piece in gen:
        sink.append(piece)
        yield inert_markdown(piece)


def highlight_html(text: str, flags: list[Flag] | tuple[Flag, ...]) -> str:
    """Escaped text with each flagged span in a <mark> whose title is the reason."""
    out, pos = [], 0
    for f in sorted((f for f in flags if f.end > f.start), key=lambda f: f.start):
        if f.start < pos:
            continue
        out.append(html.escape(text[pos:f.start]))
        out.append(
            f'<mark class="medgen-flag" title="{html.escape(f.reason, quote=True)}" '
            f'style="background:#ffd54f">{html.escape(text[f.start:f.end])}</mark>'
        )
        pos = f.end
    out.append(html.escape(text[pos:]))
    body = "".join(out).replace("\n", "<br>")
    return f'<div class="medgen-generated" style="white-space:normal">{body}</div>'


def show_text(text: str, flags: list[Flag] | tuple[Flag, ...] = ()) -> None:
    st.html(highlight_html(text, flags))


def show_flag_list(flags: list[Flag] | tuple[Flag, ...]) -> None:
    for f in flags:
        st.markdown(f"- **{f.kind}**: {inert_markdown(f.reason)}")


def generation_params(prefix: str, default_tokens: int) -> GenerationParams:
    """Max tokens / temperature widgets (safe defaults: greedy)."""
    with st.expander("Generation settings"):
        n = st.number_input("Max new tokens", 16, 2048, default_tokens, 16,
                            key=f"{prefix}.max_tokens")
        t = st.slider("Temperature (0 = greedy, deterministic)", 0.0, 1.5, 0.0, 0.1,
                      key=f"{prefix}.temperature")
    return GenerationParams(max_new_tokens=int(n), temperature=float(t))


def new_stop_event(key: str) -> threading.Event:
    ev = threading.Event()
    st.session_state[key] = ev
    return ev


_LAT = [x.value for x in Laterality]
_DESC = [x.value for x in Descriptor]
_UNIT = [x.value for x in SizeUnit]


def _init(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def findings_form(p: str, defaults: Findings) -> Findings:
    """The structured findings form; values live in session_state under ``p.*`` (never lost).

    Every widget is drawn on every run (a widget skipped in a run loses its state), then
    ValueError is raised (naming the field) for an invalid entry.
    """
    for name in ("modality", "body_part", "contrast", "indication", "comparison", "enhancement"):
        _init(f"{p}.{name}", getattr(defaults, name))
    _init(f"{p}.n", 1)
    c1, c2, c3 = st.columns(3)
    c1.text_input("Modality", key=f"{p}.modality")
    c2.text_input("Body part", key=f"{p}.body_part")
    c3.text_input("Contrast", key=f"{p}.contrast")
    st.text_input("Clinical indication", key=f"{p}.indication")
    st.text_input("Comparison (empty: none)", key=f"{p}.comparison")
    n = int(st.number_input("Number of findings", 0, 8, key=f"{p}.n"))
    items, errors = [], []
    for i in range(n):
        k = f"{p}.f{i}"
        _init(f"{k}.kind", "nodule")
        _init(f"{k}.desc", "solid")
        cols = st.columns([3, 2, 2, 1.5, 1.2, 2, 1.5])
        cols[0].text_input("Location", key=f"{k}.loc", placeholder="upper lobe")
        cols[1].selectbox("Side", _LAT, key=f"{k}.lat", format_func=lambda v: v or "none")
        cols[2].text_input("Finding", key=f"{k}.kind")
        cols[3].number_input("Size", 0.0, 500.0, step=0.5, key=f"{k}.size")
        cols[4].selectbox("Unit", _UNIT, key=f"{k}.unit")
        cols[5].selectbox("Descriptor", _DESC, key=f"{k}.desc")
        cols[6].number_input("Solid part", 0.0, 500.0, step=0.5, key=f"{k}.solid")
        ss = st.session_state
        loc = str(ss.get(f"{k}.loc", "")).strip()
        if not loc:  # every widget is still drawn (none is dropped from session_state)
            errors.append(f"Finding {i + 1}: enter its location (for example 'upper lobe').")
            continue
        size = float(ss.get(f"{k}.size") or 0.0)
        solid = float(ss.get(f"{k}.solid") or 0.0)
        items.append(Finding(
            location=loc, kind=str(ss.get(f"{k}.kind") or "nodule"),
            laterality=Laterality(ss.get(f"{k}.lat") or ""), size=size or None,
            unit=SizeUnit(ss.get(f"{k}.unit") or "mm"), descriptor=Descriptor(ss.get(f"{k}.desc") or Descriptor.SOLID),
            solid_component=solid if ss.get(f"{k}.desc") == "part-solid" and solid else None,
        ))
    _init(f"{p}.negatives", "No pleural effusion\nNo pneumothorax")
    st.text_area("Pertinent negatives (one per line)", key=f"{p}.negatives")
    c1, c2 = st.columns(2)
    c1.text_input("Enhancement run used (if any)", key=f"{p}.enhancement")
    c2.checkbox("High risk for lung cancer (Fleischner risk category)", key=f"{p}.high_risk")
    ss = st.session_state
    errors[:0] = [  # unknown from the scan header (or no scan): the clinician says
        f"Enter the {label} (the scan header does not give it)."
        for name, label in (("modality", "modality"), ("body_part", "body part"), ("contrast", "contrast"))
        if not str(ss[f"{p}.{name}"]).strip()
    ]
    if errors:
        raise ValueError(" ".join(errors))
    return Findings(
        modality=str(ss[f"{p}.modality"]).strip(),
        body_part=str(ss[f"{p}.body_part"]).strip(),
        contrast=str(ss[f"{p}.contrast"]).strip(), indication=str(ss[f"{p}.indication"]),
        comparison=str(ss[f"{p}.comparison"]), findings=tuple(items),
        negatives=tuple(str(ss[f"{p}.negatives"]).splitlines()),
        enhancement=str(ss[f"{p}.enhancement"]), high_risk=bool(ss.get(f"{p}.high_risk")),
    )


def scan_header() -> ScanHeader | None:
    """The typed header of the scan open in this session, if any."""
    from medgen.ui.state import current_scan

    scan = current_scan()
    return scan.header if scan is not None else None


def _audit_export(output_id: int, fmt: str) -> None:
    from medgen.errors import MedgenError
    from medgen.text.sign import audit_export
    from medgen.ui.state import current_user

    try:
        in_transaction(audit_export, output_id, fmt, current_user())
    except MedgenError as exc:  # the download itself went through
        st.toast(f"The download could not be recorded in the audit trail: {exc}")


def export_buttons(report: Any, user: Any) -> None:
    """PDF and FHIR R4 DiagnosticReport downloads for a stored report (audited as EXPORT)."""
    from medgen.errors import MedgenError
    from medgen.text.export import fhir_diagnostic_report, fhir_json, report_pdf

    status = ReportStatus.FINAL if report.status == ReportStatus.FINAL else ReportStatus.PRELIMINARY
    c1, c2 = st.columns(2)
    try:
        pdf = report_pdf(report.text, status=status, signed_by=report.signed_by,
                         signed_at=report.signed_at, model=report.model_version)
        c1.download_button(f"Download PDF ({status})", pdf, f"report-{report.id}-{status}.pdf",
                           "application/pdf", key=f"report.pdf.{report.id}.{status}",
                           on_click=_audit_export, args=(report.id, "pdf"))
    except MedgenError as exc:
        c1.error(str(exc))
    try:
        res = fhir_diagnostic_report(report.text, output_id=report.id, status=status,
                                     issued=report.signed_at or report.created_at,
                                     signed_by=report.signed_by, model=report.model_version)
        c2.download_button(f"Download FHIR DiagnosticReport JSON ({status})", fhir_json(res),
                           f"report-{report.id}-{status}.fhir.json", "application/fhir+json",
                           key=f"report.fhir.{report.id}.{status}",
                           on_click=_audit_export, args=(report.id, "fhir"))
    except MedgenError as exc:
        c2.error(str(exc))


def guard_summary(flags: list[Flag] | tuple[Flag, ...], checked: bool,
                  source: str = "your findings") -> None:
    """A warning listing the flags, or a success line when a model text passed."""
    if flags:
        st.warning(f"The guard flagged {len(flags)} statement(s) not supported by {source} "
                   "(highlighted below). Use the template draft, or correct the text.")
        show_flag_list(flags)
    elif checked:
        st.success("The guard found no unsupported number, side, location, negation or diagnosis.")


def check_report(template: str, text: str) -> list[Flag]:
    from medgen.text.guard import check
    from medgen.text.report import structure_flags

    return structure_flags(text) + check(template, text)
