"""The structured findings form of the report page: findings of any body region.

Values live in ``session_state`` under ``p.*`` (nothing typed is lost when an operation fails).
The finding kinds, their qualifiers and the pertinent negatives offered come from
:mod:`medgen.text.finding_kinds` for the region of the exam's body part; a kind may also be
typed. Problems are collected, not raised: the page shows them only once the clinician has
typed something or asked for a draft (no error on a fresh form).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from medgen.text.finding_kinds import (
    KindSpec,
    Region,
    Severity,
    kind_spec,
    kinds_for,
    negatives_for,
    region_of,
)
from medgen.text.findings import (
    NODULE_DESCRIPTORS,
    Descriptor,
    Finding,
    Findings,
    Laterality,
    SizeUnit,
)

_LAT = [x.value for x in Laterality]
_UNIT = [x.value for x in SizeUnit]
_SEV = [x.value for x in Severity if x.value]
_NODULE_DESC = [d.value for d in (*NODULE_DESCRIPTORS, Descriptor.CALCIFIED)]
#: The most findings one form holds.
MAX_FINDINGS = 12
FLEISCHNER_LABEL = ("Incidental pulmonary nodule(s) on CT in an adult aged 35 or older, with no "
                    "known cancer and no immunosuppression (the Fleischner 2017 table applies)")


@dataclass(frozen=True)
class FormResult:
    """What the form holds: the findings (None while a problem remains) and the problems."""

    findings: Findings | None
    errors: tuple[str, ...]
    # True once the clinician has typed or chosen anything (errors are shown from then on).
    touched: bool


def _init(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _add_row(p: str) -> None:
    ss = st.session_state
    rows = list(ss[f"{p}.rows"])
    if len(rows) < MAX_FINDINGS:
        ss[f"{p}.next"] = int(ss.get(f"{p}.next", len(rows)))
        rows.append(ss[f"{p}.next"])
        ss[f"{p}.next"] += 1
    ss[f"{p}.rows"] = rows


def _remove_row(p: str, rid: int) -> None:
    ss = st.session_state
    ss[f"{p}.rows"] = [r for r in ss[f"{p}.rows"] if r != rid]
    for key in [k for k in ss if str(k).startswith(f"{p}.f{rid}.")]:
        del ss[key]


def _row(p: str, rid: int, number: int, region: Region | None) -> tuple[Finding | None, list[str], bool]:
    """Draw one finding row; return (finding or None, problems, anything entered)."""
    k, ss = f"{p}.f{rid}", st.session_state
    names = list(dict.fromkeys(s.name for s in kinds_for(region)))
    current = str(ss.get(f"{k}.kind") or "").strip()
    if current and current not in names:  # typed, or listed for another body part: kept
        names.append(current)
    c = st.columns([2.6, 2.6, 1.3, 1.3, 1, 0.9])
    c[0].selectbox("Finding", names, index=None, key=f"{k}.kind", accept_new_options=True,
                   placeholder="Choose or type", help="Listed for the exam's body part; you may type another.")
    c[1].text_input("Location", key=f"{k}.loc", placeholder="e.g. upper lobe, left kidney")
    c[2].selectbox("Side", _LAT, key=f"{k}.lat", format_func=lambda v: v or "none")
    c[3].number_input("Size", 0.0, 500.0, value=None, step=0.5, key=f"{k}.size")
    c[4].selectbox("Unit", _UNIT, key=f"{k}.unit")
    c[5].button("Remove", key=f"{k}.remove", on_click=_remove_row, args=(p, rid),
                help=f"Remove finding {number}")
    kind = str(ss.get(f"{k}.kind") or "").strip()
    spec: KindSpec | None = kind_spec(kind, region)
    extra = [g for g in spec.qualifiers] if spec else []
    qualifiers: list[str] = []
    desc, solid, severity = Descriptor.OTHER, None, Severity.NONE
    more = st.columns(max(1, len(extra) + int(bool(spec and spec.severity))
                          + (2 if spec and spec.nodule else 0) + 1))
    i = 0
    for g in extra:
        v = more[i].selectbox(g.name.capitalize(), g.options, index=None, key=f"{k}.q.{g.name}",
                              placeholder="not stated")
        if v:
            qualifiers.append(str(v))
        i += 1
    if spec and spec.severity:
        sev = more[i].selectbox("Severity", _SEV, index=None, key=f"{k}.sev", placeholder="not stated")
        severity = Severity(sev or "")
        i += 1
    if spec and spec.nodule:
        d = more[i].selectbox("Nodule type", _NODULE_DESC, index=None, key=f"{k}.desc",
                              placeholder="not stated")
        desc = Descriptor(d or "other")
        s = more[i + 1].number_input("Solid part", 0.0, 500.0, value=None, step=0.5, key=f"{k}.solid",
                                     disabled=desc is not Descriptor.PART_SOLID)
        solid = float(s) if s and desc is Descriptor.PART_SOLID else None
        i += 2
    more[i].text_input("Note", key=f"{k}.note", placeholder="optional, e.g. smooth margins")
    loc = str(ss.get(f"{k}.loc") or "").strip()
    size = ss.get(f"{k}.size")
    entered = bool(kind or loc or size or ss.get(f"{k}.note") or qualifiers)
    if not entered:
        return None, [], False
    problems = []
    if not kind:
        problems.append(f"Finding {number}: choose or type what it is.")
    if not loc and (spec is None or spec.needs_location):
        problems.append(f"Finding {number}: enter its location (for example 'left kidney').")
    if problems:
        return None, problems, True
    return Finding(location=loc, kind=kind, laterality=Laterality(ss.get(f"{k}.lat") or ""),
                   size=float(size) if size else None, unit=SizeUnit(ss.get(f"{k}.unit") or "mm"),
                   descriptor=desc, solid_component=solid, note=str(ss.get(f"{k}.note") or ""),
                   qualifiers=tuple(qualifiers), severity=severity), [], True


def findings_form(p: str, defaults: Findings) -> FormResult:
    """Draw the findings form (defaults: what the scan header says) and collect its values.

    The form is one container on the page: rows, captions and checkboxes that come and go
    inside it never move what follows (an open "Generation settings" expander below would
    otherwise be redrawn closed whenever the form's element count changed).
    """
    with st.container():
        return _findings_form(p, defaults)


def _findings_form(p: str, defaults: Findings) -> FormResult:
    ss = st.session_state
    for name in ("modality", "body_part", "contrast", "indication", "comparison", "enhancement"):
        _init(f"{p}.{name}", getattr(defaults, name))
    _init(f"{p}.rows", [0])
    _init(f"{p}.negatives", "")
    c1, c2, c3 = st.columns(3)
    c1.text_input("Modality", key=f"{p}.modality")
    c2.text_input("Body part", key=f"{p}.body_part", placeholder="e.g. head, chest, pelvis, knee")
    c3.text_input("Contrast", key=f"{p}.contrast")
    body = str(ss[f"{p}.body_part"]).strip()
    region = region_of(body)
    if body and region is None:
        st.caption(f"'{body}' is not a body part the finding lists know: every region's findings "
                   "are listed.")
    elif region is not None:
        st.caption(f"Findings and negatives listed for: {region.value}.")
    st.text_input("Clinical indication", key=f"{p}.indication")
    st.text_input("Comparison (empty: none)", key=f"{p}.comparison")

    st.markdown("**Findings**")
    items: list[Finding] = []
    errors: list[str] = []
    touched = any(str(ss[f"{p}.{n}"]).strip() != str(getattr(defaults, n)).strip()
                  for n in ("modality", "body_part", "contrast", "indication", "comparison"))
    for number, rid in enumerate(list(ss[f"{p}.rows"]), start=1):
        with st.container(border=True):
            finding, problems, entered = _row(p, rid, number, region)
        touched |= entered
        errors += problems
        if finding is not None:
            items.append(finding)
    st.button("Add a finding", key=f"{p}.add", on_click=_add_row, args=(p,),
              disabled=len(ss[f"{p}.rows"]) >= MAX_FINDINGS)

    nodules = any(f.kind.lower() == "nodule" for f in items)
    if nodules:
        st.checkbox(FLEISCHNER_LABEL, key=f"{p}.fleischner")
        st.checkbox("High risk for lung cancer (Fleischner risk category)", key=f"{p}.high_risk")
    eligible = nodules and bool(ss.get(f"{p}.fleischner"))
    if eligible:
        for n, f in enumerate(items, start=1):
            if f.kind.lower() == "nodule" and (f.size is None or f.descriptor not in NODULE_DESCRIPTORS):
                errors.append(f"Finding {n}: the Fleischner table needs the nodule's size and type "
                              "(solid, ground-glass or part-solid).")

    offered = list(negatives_for(region))
    chosen = [v for v in ss.get(f"{p}.negative_choices", []) if v in offered]
    ss[f"{p}.negative_choices"] = chosen  # a change of body part drops negatives of another region
    st.multiselect("Pertinent negatives", offered, key=f"{p}.negative_choices",
                   placeholder="Choose" if offered else "Enter the body part to list them")
    st.text_area("Other pertinent negatives (one per line)", key=f"{p}.negatives",
                 placeholder="e.g. No ascites")
    st.text_input("Enhancement run used (if any)", key=f"{p}.enhancement")
    free = [n for n in str(ss[f"{p}.negatives"]).splitlines() if n.strip()]
    touched |= bool(chosen or free)

    missing = [f"Enter the {label} (the scan header does not give it)."
               for name, label in (("modality", "modality"), ("body_part", "body part"),
                                   ("contrast", "contrast"))
               if not str(ss[f"{p}.{name}"]).strip()]
    errors[:0] = missing
    if errors:
        return FormResult(None, tuple(errors), touched)
    return FormResult(Findings(
        modality=str(ss[f"{p}.modality"]).strip(), body_part=body,
        contrast=str(ss[f"{p}.contrast"]).strip(), indication=str(ss[f"{p}.indication"]),
        comparison=str(ss[f"{p}.comparison"]), findings=tuple(items),
        negatives=tuple(chosen) + tuple(free), enhancement=str(ss[f"{p}.enhancement"]),
        high_risk=eligible and bool(ss.get(f"{p}.high_risk")), fleischner_eligible=eligible,
    ), (), touched)


def show_problems(form: FormResult, attempted: bool) -> None:
    """The form's problems: an error once something was typed or a draft asked for, else a hint.

    Always one container, empty when there is no problem, so that the page's layout below it
    stays put as problems come and go.
    """
    with st.container():
        if not form.errors:
            return
        if form.touched or attempted:
            st.error(" ".join(form.errors))
        else:
            st.caption("Fill in the exam fields and your findings, then draft the report.")
