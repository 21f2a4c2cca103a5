"""Plotly figures for the Quality Review page (pure: dashboard data in, ``go.Figure`` out).

No streamlit here; every builder returns a figure even for empty data (with a note saying so),
so the page never has to special-case "no ratings yet".
"""

from __future__ import annotations

from collections import defaultdict

import plotly.graph_objects as go

from medgen.store.criteria import CRITERIA, criterion_label
from medgen.store.review import Dashboard, OutputRow
from medgen.types import OutputKind

EMPTY_NOTE = "No data matches the filters."
_LAYOUT = {"height": 360, "margin": {"l": 50, "r": 20, "t": 50, "b": 50}}
#: Colour per overall score, red (1) to green (5), so the stacked bars read at a glance.
STAR_COLOURS = {1: "#d7301f", 2: "#fc8d59", 3: "#fee08b", 4: "#91cf60", 5: "#1a9850"}
#: Criteria in the order of CRITERIA (images, then report, then patient text), without repeats.
CRITERION_ORDER = list(dict.fromkeys(c.key for crits in CRITERIA.values() for c in crits))


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=EMPTY_NOTE, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, **_LAYOUT)
    return fig


def rating_distribution(dash: Dashboard) -> go.Figure:
    """Stacked bars: number of latest ratings per overall score (1-5), one bar group per model."""
    title = "Overall rating distribution per model version"
    if not dash.distribution:
        return _empty(title)
    fig = go.Figure()
    models = sorted(dash.distribution)
    for score in range(1, 6):
        fig.add_bar(
            name=f"{score}★",
            marker_color=STAR_COLOURS[score],
            x=models,
            y=[dash.distribution[m].get(score, 0) for m in models],
        )
    fig.update_layout(
        title=title, barmode="stack", yaxis_title="ratings", legend_title="overall", **_LAYOUT
    )
    return fig


def mean_over_time(dash: Dashboard) -> go.Figure:
    """Mean overall rating per UTC day, one line per model version."""
    title = "Mean overall rating over time"
    if not dash.daily:
        return _empty(title)
    fig = go.Figure()
    for model in sorted(dash.daily):
        pts = dash.daily[model]
        fig.add_scatter(
            name=model,
            x=[d.isoformat() for d, _, _ in pts],
            y=[round(m, 3) for _, m, _ in pts],
            customdata=[n for _, _, n in pts],
            hovertemplate="%{x}: %{y:.2f} (n=%{customdata})<extra>%{fullData.name}</extra>",
            mode="lines+markers",
        )
    fig.update_layout(
        title=title,
        yaxis={"range": [0.8, 5.2], "title": "mean overall"},
        xaxis={"type": "category", "title": "day (UTC)"},
        **_LAYOUT,
    )
    return fig


def criteria_heatmap(dash: Dashboard) -> go.Figure:
    """Mean criterion score, model version (rows) x criterion (columns); blank where not rated."""
    title = "Criteria: mean score per model (5 = best)"
    if not dash.criteria:
        return _empty(title)
    models = sorted({m for m, _ in dash.criteria})
    rated = {c for _, c in dash.criteria}
    crits = [c for c in CRITERION_ORDER if c in rated] + sorted(rated - set(CRITERION_ORDER))
    z = [[_mean(dash, m, c) for c in crits] for m in models]
    text = [[_cell_text(dash, m, c) for c in crits] for m in models]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[criterion_label(c) for c in crits],
            y=models,
            zmin=1,
            zmax=5,
            colorscale="RdYlGn",
            text=text,
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, **{**_LAYOUT, "height": 140 + 60 * len(models)})
    return fig


def _mean(dash: Dashboard, model: str, crit: str) -> float | None:
    hit = dash.criteria.get((model, crit))
    return None if hit is None else round(hit[0], 3)


def _cell_text(dash: Dashboard, model: str, crit: str) -> str:
    hit = dash.criteria.get((model, crit))
    return "" if hit is None else f"{hit[0]:.2f} (n={hit[1]})"


def _by_model(rows: list[OutputRow]) -> dict[str, list[OutputRow]]:
    acc: dict[str, list[OutputRow]] = defaultdict(list)
    for r in rows:
        acc[r.model].append(r)
    return acc


def edit_distance_per_model(dash: Dashboard) -> go.Figure:
    """Box plot of word edits from draft to signed text, per text model."""
    title = "Edit distance draft → final (words) per model"
    rows = [r for r in dash.outputs if r.edit_distance is not None]
    if not rows:
        return _empty(title)
    fig = go.Figure()
    for model, items in sorted(_by_model(rows).items()):
        fig.add_box(name=model, y=[r.edit_distance for r in items], boxpoints="all")
    fig.update_layout(title=title, yaxis_title="word edits", showlegend=False, **_LAYOUT)
    return fig


def flag_rate_per_model(dash: Dashboard) -> go.Figure:
    """Share of text outputs with at least one guard flag, per model."""
    title = "Guard-flag rate per model (text outputs)"
    rows = [r for r in dash.outputs if r.kind in (OutputKind.REPORT, OutputKind.EDUCATION)]
    if not rows:
        return _empty(title)
    groups = sorted(_by_model(rows).items())
    rates = [sum(1 for r in items if r.n_flags) / len(items) for _, items in groups]
    fig = go.Figure(
        go.Bar(
            x=[m for m, _ in groups],
            y=rates,
            text=[
                f"{rate:.0%} of {len(items)}"
                for rate, (_, items) in zip(rates, groups, strict=True)
            ],
            textposition="auto",
        )
    )
    fig.update_layout(title=title, yaxis={"range": [0, 1], "tickformat": ".0%"}, **_LAYOUT)
    return fig


def latency_by_device(dash: Dashboard) -> go.Figure:
    """Box plot of enhancement latency (ms) per device."""
    title = "Enhancement latency by device"
    rows = [
        r for r in dash.outputs if r.kind == OutputKind.ENHANCEMENT and r.latency_ms is not None
    ]
    if not rows:
        return _empty(title)
    by_dev: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_dev[r.device].append(float(r.latency_ms or 0.0))
    fig = go.Figure()
    for dev, values in sorted(by_dev.items()):
        fig.add_box(name=dev, y=values, boxpoints="all")
    fig.update_layout(title=title, yaxis_title="ms", showlegend=False, **_LAYOUT)
    return fig


def all_figures(dash: Dashboard) -> dict[str, go.Figure]:
    """Every dashboard figure by a stable key (the page lays them out in this order)."""
    return {
        "distribution": rating_distribution(dash),
        "over_time": mean_over_time(dash),
        "criteria": criteria_heatmap(dash),
        "edit_distance": edit_distance_per_model(dash),
        "flag_rate": flag_rate_per_model(dash),
        "latency": latency_by_device(dash),
    }
