"""Audit trail (admin): filter the append-only events and export them as CSV (itself audited)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from medgen.store import audit
from medgen.types import AuditAction, ObjectType, Role
from medgen.ui.resources import transact
from medgen.ui.state import require_user

admin = require_user(Role.ADMIN)
ALL = "(all)"

st.title("Audit trail")
st.caption("Every sign-in, upload, enhancement, generation, signature, export, rating and account "
           "change. Events cannot be edited or deleted.")
usernames, outcomes = transact(audit.distinct_values, "username"), transact(audit.distinct_values, "outcome")

today = date.today()
c1, c2, c3, c4 = st.columns(4)
period = c1.date_input("Dates (UTC)", (today - timedelta(days=7), today), key="admin_audit.dates")
who = c2.selectbox("User", [ALL, *usernames], key="admin_audit.user")
action = c3.selectbox("Action", [ALL, *[a.value for a in AuditAction]], key="admin_audit.action")
outcome = c4.selectbox("Outcome", [ALL, *outcomes], key="admin_audit.outcome")

days = list(period) if isinstance(period, tuple | list) else [period]
start = datetime.combine(days[0], time.min, UTC) if days else None
end = datetime.combine(days[-1], time.max, UTC) if days else None
flt = audit.AuditFilter(
    start=start, end=end, username=None if who == ALL else who,
    action=None if action == ALL else action, outcome=None if outcome == ALL else outcome,
)
events = transact(audit.query_events, flt)

st.write(f"{len(events)} event(s)" + (" (limit reached: narrow the filters)" if len(events) >= flt.limit else ""))
st.dataframe([{**e.as_row(), "detail": json.dumps(e.detail, sort_keys=True)} for e in events],
             hide_index=True, width="stretch")

if st.button("Export these events as CSV", icon=":material/download:"):
    data = audit.to_csv(events)
    transact(
        audit.add_audit, AuditAction.EXPORT, user=admin, object_type=ObjectType.AUDIT_CSV, object_id=len(events),
        detail={"rows": len(events), "user": flt.username or "", "action": str(flt.action or ""),
                "outcome": str(flt.outcome or ""), "start": str(days[0]) if days else "",
                "end": str(days[-1]) if days else ""},
    )
    st.session_state["admin_audit.csv"] = data
if "admin_audit.csv" in st.session_state:
    st.download_button(
        "Download CSV", st.session_state["admin_audit.csv"], file_name="medgen-audit.csv",
        mime="text/csv", on_click="ignore",
    )
