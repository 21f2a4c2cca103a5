"""Widgets of the Quality Review page: the filter bar and the drill-down of one output."""

from __future__ import annotations

from datetime import UTC, date, datetime

import streamlit as st

from medgen.errors import MedgenError
from medgen.store.review import FilterOptions, OutputDetail, ReviewFilter
from medgen.types import OutputKind


def filters_from_widgets(options: FilterOptions) -> ReviewFilter:
    """Render the filter bar and return the reviewer's filter."""
    c_date, c_kind, c_model, c_user = st.columns([1.2, 1, 1.4, 1])
    start: date | None = None
    end: date | None = None
    if options.first_day and options.last_day:
        today = datetime.now(UTC).date()  # so outputs made later today are included
        picked = c_date.date_input(
            "Date range (UTC)",
            value=(options.first_day, max(options.last_day, today)),
            key="review.dates",
        )
        days = list(picked) if isinstance(picked, (tuple, list)) else [picked]
        start = days[0] if days else None
        end = days[1] if len(days) > 1 else start  # a half-picked range means that one day
    kinds = c_kind.multiselect(
        "Kind", list(OutputKind), format_func=lambda k: k.value, key="review.kinds"
    )
    labels = dict(options.models)
    models = c_model.multiselect(
        "Model version",
        list(labels),
        format_func=lambda m: labels.get(m, m[0]),
        key="review.models",
    )
    names = dict(options.users)
    user_ids = c_user.multiselect(
        "User", list(names), format_func=lambda i: names.get(i, str(i)), key="review.users"
    )
    return ReviewFilter(
        start=start,
        end=end,
        kinds=tuple(kinds),
        models=tuple(models),
        user_ids=tuple(user_ids),
    )


def show_detail(detail: OutputDetail) -> None:
    """The drill-down of one output: image pair or text with its guard flags, then comments."""
    with st.container(border=True):
        latency = "–" if detail.latency_ms is None else f"{detail.latency_ms:.0f} ms"
        st.markdown(
            f"**Output #{detail.output_id}** · {detail.kind.value} · {detail.model} · "
            f"{detail.device or 'unknown device'} · {latency} · status {detail.status}"
        )
        if detail.kind == OutputKind.ENHANCEMENT:
            if detail.preview_before and detail.preview_after:
                left, right = st.columns(2)
                left.image(detail.preview_before, caption="Before", width=360)
                right.image(detail.preview_after, caption="After (enhanced)", width=360)
            else:
                st.caption("No preview images were stored for this run.")
            _enhancement_params(detail)
            if detail.metrics:
                st.json(detail.metrics, expanded=False)
        elif detail.kind == OutputKind.MOLECULE_SET:
            _molecule_set(detail)
        else:
            left, right = st.columns(2)
            left.markdown("**Draft (model output)**")
            left.text(detail.draft_text or "(none)")
            right.markdown("**Final (signed)**")
            right.text(detail.final_text or "(not signed yet)")
            if detail.edit_distance is not None:
                st.caption(f"Draft → final: {detail.edit_distance} word edits.")
            if detail.flags:
                st.warning(f"{len(detail.flags)} guard flag(s):")
                for flag in detail.flags:
                    st.text("• " + _flag_text(flag))
            else:
                st.caption("No guard flags.")
        st.markdown("**Comments**")
        shown = [c for c in detail.comments if c.text]
        for c in shown:  # st.text: a comment is never rendered as markdown or HTML
            st.text(f"{c.overall}★ by {c.rater} (revision {c.revision}): {c.text}")
        if not shown:
            st.caption("No comments.")


#: Depictions drawn in the drill-down of a molecule set (the SMILES list holds all of them).
DETAIL_DEPICTIONS = 8


def _molecule_set(detail: OutputDetail) -> None:
    """A generated molecule set: parameters, counts, a few depictions and the SMILES list."""
    from medgen.molecules import chem  # RDKit only when a molecule set is opened

    smiles = [s for s in (detail.draft_text or "").splitlines() if s.strip()]
    m = detail.metrics or {}
    st.caption(
        f"Parameters: {detail.params or {}} · {m.get('n_generated', '?')} generated, "
        f"{m.get('n_valid', '?')} valid, {len(smiles)} distinct."
    )
    if not smiles:
        st.caption("No molecules were stored for this set.")
        return
    cols = st.columns(4)
    for i, s in enumerate(smiles[:DETAIL_DEPICTIONS]):
        try:
            png = chem.depiction_png(s, size=200)
        except MedgenError:
            cols[i % 4].caption(f"(cannot draw `{s}`)")
            continue
        cols[i % 4].image(png, caption=s)
    st.text_area("SMILES (canonical, one per line)", "\n".join(smiles), height=160, disabled=True,
                 key=f"review.smiles.{detail.output_id}")


def _enhancement_params(detail: OutputDetail) -> None:
    """Strength and the input guard's verdict of an enhancement run (issue 10)."""
    p = detail.params or {}
    strength = p.get("strength")
    if strength is not None:
        frac = p.get("strength_fraction")
        pct = f" ({round(float(frac) * 100)} %)" if isinstance(strength, str) and frac is not None else ""
        unit = " %" if isinstance(strength, int | float) else ""
        st.caption(f"Strength: {strength}{unit}{pct}.")
    verdict = p.get("guard_verdict")
    if verdict is None:
        st.caption("Input guard: not checked (no guard installed at the time of the run).")
        return
    where = "within" if verdict == "inside" else "outside"
    text = (
        f"Input guard: {where} what the model was trained on (score {p.get('guard_score')}, "
        f"threshold {p.get('guard_threshold')})."
    )
    if verdict == "inside":
        st.caption(text)
    else:
        override = " Run with the clinician's override." if p.get("override") else ""
        st.warning(text + override)


def _flag_text(flag: object) -> str:
    if isinstance(flag, dict):
        return ", ".join(f"{k}: {v}" for k, v in flag.items())
    return str(flag)
