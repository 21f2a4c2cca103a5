"""Streamlit pieces for the report and patient-education pages.

The language model is loaded once per process (``st.cache_resource``) with the configured runtime
(``MEDGEN_LM_BACKEND``), on a background thread (:class:`medgen.text.warmup.ModelLoading`) that pages start when they open
(:func:`start_loading`); :func:`language_model` waits for it. Users take turns on it: :func:`model_turn` shows a waiting user their
place in the queue, and a Stop click ends the wait. Generated text is never
rendered as markdown or HTML: while streaming it is markdown-escaped, and the final text with
highlighted flags is HTML-escaped before the ``<mark>`` tags are added.
"""

from __future__ import annotations

import contextlib
import html
import re
import threading
from collections.abc import Iterator
from typing import Any

import streamlit as st

from medgen.config import get_settings
from medgen.errors import MedgenError
from medgen.imaging.header import ScanHeader
from medgen.text.guard import Flag
from medgen.text.llm import GenerationParams, LanguageModel, RequestQueue
from medgen.text.warmup import ModelLoading, prefill_later
from medgen.types import ReportStatus
from medgen.ui.resources import transact as in_transaction

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:&])")


#: Seconds between updates of a waiting user's place (each update lets a Stop click end the wait).
QUEUE_POLL_S = 0.5
#: Seconds a request waits before it shows its place (returns at once when it is its turn).
QUEUE_GRACE_S = 0.3


@st.cache_resource(show_spinner=False)
def _loading(name: str, device: str, backend: str) -> ModelLoading:
    return ModelLoading(name, device, backend)


def start_loading() -> ModelLoading:
    """Start loading the configured LM in the background (once per process); returns at once."""
    s = get_settings()
    return _loading(s.lm, s.device, str(s.lm_backend))


def language_model() -> LanguageModel:
    """The configured LM (MEDGEN_LM, MEDGEN_LM_BACKEND), loaded once per process; raises ModelError.

    Waits (with a spinner) for a load that :func:`start_loading` began. A failed load is
    forgotten, so that the next call tries again.
    """
    loading = start_loading()
    if not loading.ready:
        with st.spinner("Loading the language model..."):
            loading.wait()
    try:
        return loading.result()
    except MedgenError:
        _loading.clear()
        raise


def prefill_report(template: str) -> None:
    """Let an idle, loaded model read this draft's request while the form is unchanged.

    Speculative (llama.cpp only; on by default, ``MEDGEN_LM_PREFILL=0`` turns it off, see
    :class:`medgen.config.Settings`): a click on "Draft" with the same form then gets its first
    token at once. Never waits and never holds up anyone's request (:func:`medgen.text.warmup.prefill_later`).
    """
    if not get_settings().lm_prefill:
        return
    loading = start_loading()
    if loading.ready and loading.lm is not None:
        from medgen.text.report import report_request

        prefill_later(loading.lm, report_request(template))


def queue_message(ahead: int) -> str:
    """What a waiting user reads while ``ahead`` requests are before theirs."""
    return (f"Waiting for the language model: {ahead} request(s) ahead of you. "
            "Press Stop to cancel.")


@contextlib.contextmanager
def model_turn(lm: LanguageModel) -> Iterator[None]:
    """Hold this user's place in the model's queue for the block; stream inside it.

    While other users' requests are ahead, an info box shows how many and updates as they finish;
    a Stop click reruns the page, which ends the wait at the next update (the place is given up,
    nothing is generated). A model without a queue is used as it is.
    """
    queue = getattr(lm, "queue", None)
    if not isinstance(queue, RequestQueue):
        yield
        return
    with queue.ticket() as ticket:
        # a background warm-up or prefill gives the model up within a chunk: no box for that
        ticket.wait(QUEUE_GRACE_S)
        box = None
        while (ahead := ticket.place) > 0:
            if box is None:
                box = st.empty()
            box.info(queue_message(ahead))
            ticket.wait(QUEUE_POLL_S)
        if box is not None:
            box.empty()
        yield


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
    from medgen.text.report import invented_recommendation_flags, structure_flags

    return sorted(structure_flags(text) + check(template, text)
                  + invented_recommendation_flags(template, text), key=lambda f: (f.start, f.end))
