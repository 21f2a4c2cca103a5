"""Quality Review (reviewers): which model version helps clinicians? Filters, charts, drill-down, CSV."""

from __future__ import annotations

import streamlit as st

from medgen.errors import MedgenError
from medgen.store import review
from medgen.types import OutputKind, Role
from medgen.ui import reviewcharts
from medgen.ui.rating import rating_panel
from medgen.ui.resources import transact
from medgen.ui.review import filters_from_widgets, show_detail
from medgen.ui.state import require_user

user = require_user(Role.REVIEWER, Role.ADMIN)
st.title("Quality review")

try:
    flt = filters_from_widgets(transact(review.filter_options))
    dash = transact(review.load_dashboard, flt)  # also refreshes stale edit distances
except MedgenError as exc:
    st.error(str(exc))
    st.stop()

if dash.n_outputs == 0 and dash.n_ratings == 0:
    st.info("No generated outputs or ratings match these filters yet.")

c1, c2, c3 = st.columns(3)
c1.metric("Outputs", dash.n_outputs)
c2.metric("Ratings (latest per user)", dash.n_ratings)
c3.metric("Mean overall", "–" if dash.mean_overall is None else f"{dash.mean_overall:.2f} / 5")

figs = reviewcharts.all_figures(dash)
st.plotly_chart(figs["criteria"], key="review.fig.criteria")
for left, right in (("distribution", "over_time"), ("edit_distance", "flag_rate")):
    col_l, col_r = st.columns(2)
    col_l.plotly_chart(figs[left], key=f"review.fig.{left}")
    col_r.plotly_chart(figs[right], key=f"review.fig.{right}")
st.plotly_chart(figs["latency"], key="review.fig.latency")

st.subheader("Lowest-rated outputs")
if dash.lowest:
    st.dataframe(
        [
            {
                "output": lo.output_id,
                "kind": lo.kind.value,
                "model": lo.model,
                "mean overall": round(lo.mean_overall, 2),
                "ratings": lo.n_ratings,
                "guard flags": lo.n_flags,
                "created (UTC)": lo.created_at.strftime("%Y-%m-%d %H:%M"),
            }
            for lo in dash.lowest
        ],  # fmt: skip
        hide_index=True,
        key="review.lowest",
    )
    pick = st.selectbox(
        "Open an output",
        [lo.output_id for lo in dash.lowest],
        format_func=lambda i: next(
            f"#{lo.output_id} · {lo.kind.value} · {lo.model} · {lo.mean_overall:.2f}★"
            for lo in dash.lowest
            if lo.output_id == i
        ),
        key="review.pick",
    )
    try:
        detail = transact(review.output_detail, pick)
        show_detail(detail)
        rating_panel(detail.output_id, detail.kind)  # reviewers rate from the drill-down too
    except MedgenError as exc:
        st.error(str(exc))
else:
    st.caption("No rated outputs match the filters.")

st.subheader("Export")
history = st.checkbox("Include earlier revisions", key="review.history")
if st.button("Prepare CSV of the filtered feedback", key="review.export"):
    try:
        data, n = transact(review.export_feedback, user, flt, history=history)
    except MedgenError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state["review.csv"] = (data, n, flt, history)
prepared = st.session_state.get("review.csv")
if prepared and prepared[2] == flt and prepared[3] == history:
    st.download_button(
        f"Download CSV ({prepared[1]} ratings)",
        prepared[0],
        file_name="medgen-feedback.csv",
        mime="text/csv",
        key="review.download",
    )
kinds = ", ".join(k.value for k in (flt.kinds or tuple(OutputKind)))
st.caption(f"Showing {kinds}. The user filter selects raters for ratings and creators for outputs.")
