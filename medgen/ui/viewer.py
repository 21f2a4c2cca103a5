"""Viewer widgets: source panel (upload / sample), ingest + store, windowed image, histogram, metadata.

The page (pages/viewer.py) stays thin; everything it shows is built here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from medgen.errors import MedgenError
from medgen.imaging import default_window, load_scans, preset, presets_for, render_png
from medgen.imaging.samples import SAMPLES, sample_files
from medgen.imaging.scan import Scan
from medgen.store import Factory, repo, run
from medgen.types import UserInfo
from medgen.ui import state
from medgen.ui.resources import db

log = logging.getLogger(__name__)

K_UPLOAD_SEEN = "viewer.upload_seen"  # identity (file ids) of the upload last ingested
K_FOR = "viewer.for_hash"  # content hash the window controls were initialised for
K_PRESET = "viewer.preset"
K_CENTER = "viewer.center"
K_WIDTH = "viewer.width"
K_SLICE = "viewer.slice"
AUTO = "Default"
FILE_WINDOW = "File window (from the DICOM header)"


# ---------------------------------------------------------------- ingest (no widgets) ---
def ingest(
    files: Sequence[tuple[str, bytes]], user: UserInfo | None, *, origin: str,
    factory: Factory | None = None,
) -> tuple[Scan, int]:
    """Load (de-identify) the files, then store them (study, image, UPLOAD audit in one unit of work).

    Nothing is stored if loading fails; a database failure raises StorageError.
    """
    t0 = time.perf_counter()
    scan = load_scans(files)
    image_id = run(factory or db(), repo.store_upload, scan, user, origin=origin, n_files=len(files))
    log.info("scan ingested: modality=%s shape=%s in %.0f ms", scan.modality.value, scan.shape,
             (time.perf_counter() - t0) * 1000)
    return scan, image_id


# ---------------------------------------------------------------- source panel ---
def source_panel() -> tuple[list[tuple[str, bytes]], str, str] | None:
    """Upload widget and sample picker; returns (files, label, origin) when something new is asked for."""
    up_col, sample_col = st.columns([3, 2])
    with up_col:
        uploaded = st.file_uploader(
            "Upload DICOM files, a .zip of one series, or a PNG / JPEG / TIFF image",
            accept_multiple_files=True, key="viewer.upload",
            help="Drag and drop several slices of one series to view them as a volume.",
        )
    with sample_col:
        choice = st.selectbox("Sample study (real, de-identified test data)",
                              [s.label for s in SAMPLES], key="viewer.sample")
        want_sample = st.button("Load a sample study", icon=":material/science:")
    if want_sample:
        try:
            return sample_files(choice), f"sample: {choice}", "sample"
        except MedgenError as exc:
            st.error(str(exc))
            return None
    if uploaded:
        key = "upload:" + ",".join(f.file_id for f in uploaded)
        if st.session_state.get(K_UPLOAD_SEEN) != key:
            st.session_state[K_UPLOAD_SEEN] = key
            files = [(f.name, f.getvalue()) for f in uploaded]
            n = len(files)
            return files, f"upload: {n} file{'s' if n > 1 else ''}", "upload"
    return None


def open_scan(files: list[tuple[str, bytes]], label: str, origin: str, user: UserInfo) -> bool:
    """Ingest with progress; on success make it the current scan. Errors are shown, not raised."""
    with st.status("Reading and de-identifying ...", expanded=False) as status:
        try:
            scan, image_id = ingest(files, user, origin=origin)
        except MedgenError as exc:
            status.update(label="Could not open this upload", state="error")
            st.error(str(exc))
            return False
        status.update(label=f"Loaded {scan.modality.value} {'x'.join(map(str, scan.shape))}, "
                      "de-identified and stored", state="complete")
    state.set_scan(scan, image_id, label if origin == "sample" else f"{label} ({scan.modality.value})")
    return True


# ---------------------------------------------------------------- rendering ---
@st.cache_data(max_entries=512, show_spinner=False)
def windowed_png(content_hash: str, index: int, center: float, width: float,
                 _pixels: np.ndarray) -> bytes:
    """PNG of one windowed slice, cached per (scan hash, slice, centre, width)."""
    return render_png(_pixels, center, width)


@st.cache_data(max_entries=256, show_spinner=False)
def _histogram(content_hash: str, index: int, _pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = _pixels.ravel()
    flat = flat[:: max(1, flat.size // 2_000_000)]
    counts, edges = np.histogram(flat, bins=200)
    return counts, edges


def histogram_figure(scan: Scan, index: int, center: float, width: float) -> go.Figure:
    counts, edges = _histogram(scan.content_hash, index, scan.slice(index))
    mids = (edges[:-1] + edges[1:]) / 2
    unit = "HU" if scan.is_hu else "intensity"
    fig = go.Figure(go.Bar(x=mids, y=counts, marker_color="#4aa3df", name="pixels"))
    fig.add_vrect(x0=center - width / 2, x1=center + width / 2, fillcolor="#f5b041",
                  opacity=0.2, line_width=0, annotation_text="window")
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), bargap=0,
                      title=f"Histogram ({unit}), slice {index + 1}", yaxis_type="log",
                      xaxis_title=unit, showlegend=False)
    return fig


def _init_controls(scan: Scan) -> None:
    if st.session_state.get(K_FOR) == scan.content_hash:
        return
    c, w = default_window(scan.slice(scan.n_slices // 2), scan.modality, scan.is_hu,
                          scan.default_window)
    st.session_state[K_FOR] = scan.content_hash
    st.session_state[K_PRESET] = AUTO
    st.session_state[K_CENTER] = float(c)
    st.session_state[K_WIDTH] = float(max(w, 1.0))
    st.session_state[K_SLICE] = scan.n_slices // 2 + 1


def _apply_preset(scan: Scan) -> None:
    name = st.session_state[K_PRESET]
    if name == FILE_WINDOW and scan.default_window is not None:
        st.session_state[K_CENTER], st.session_state[K_WIDTH] = scan.default_window
        return
    if name != AUTO and presets_for(scan.modality, scan.is_hu):
        p = preset(name)
        st.session_state[K_CENTER], st.session_state[K_WIDTH] = p.center, p.width
        return
    c, w = default_window(scan.slice(scan.n_slices // 2), scan.modality, scan.is_hu,
                          scan.default_window)
    st.session_state[K_CENTER], st.session_state[K_WIDTH] = float(c), float(max(w, 1.0))


def window_controls(scan: Scan) -> tuple[int, float, float]:
    """Preset select, W/L sliders and slice slider; returns (slice index, centre, width)."""
    _init_controls(scan)
    if scan.is_hu:  # the clinically useful HU range, not the padding value (-3024) of the file
        lo, hi, max_width = -1500.0, 3000.0, 4000.0
    else:
        lo, hi = float(scan.pixels.min()), float(scan.pixels.max())
        max_width = max(hi - lo, 2.0)
    span = max(hi - lo, 2.0)
    options = [AUTO] + [p.name for p in presets_for(scan.modality, scan.is_hu)]
    if scan.default_window is not None:
        options.append(FILE_WINDOW)
    st.selectbox("Window preset", options, key=K_PRESET, on_change=_apply_preset, args=(scan,))
    st.session_state[K_CENTER] = float(np.clip(st.session_state[K_CENTER], lo, hi))
    st.session_state[K_WIDTH] = float(np.clip(st.session_state[K_WIDTH], 1.0, max_width))
    step = 1.0 if span > 50 else span / 500
    center = st.slider("Level (window centre)", lo, hi, key=K_CENTER, step=step)
    width = st.slider("Window width", 1.0, max_width, key=K_WIDTH, step=step)
    index = 0
    if scan.is_volume:
        index = st.slider("Slice", 1, scan.n_slices, key=K_SLICE) - 1
    return index, float(center), float(width)


def describe(scan: Scan) -> str:
    """One line: dimensions, spacing, units."""
    dims = " x ".join(str(s) for s in scan.shape)
    parts = [f"{scan.modality.value}", f"{dims} px"]
    if scan.pixel_spacing:
        r, c = scan.pixel_spacing
        parts.append(f"pixel spacing {r:.3f} x {c:.3f} mm")
        parts.append(f"field {scan.shape[-2] * r:.0f} x {scan.shape[-1] * c:.0f} mm")
    else:
        parts.append("pixel spacing unknown")
    if scan.slice_spacing:
        parts.append(f"slice spacing {scan.slice_spacing:.2f} mm")
    parts.append("values in HU" if scan.is_hu else "values in stored intensity units")
    return " · ".join(parts)


def scan_view(scan: Scan) -> None:
    """The viewer: image with controls, histogram, dimensions and de-identified metadata."""
    img_col, side_col = st.columns([3, 2])
    with side_col:
        index, center, width = window_controls(scan)
    with img_col:
        png = windowed_png(scan.content_hash, index, center, width, scan.slice(index))
        caption = f"W {width:.0f} / L {center:.0f}" + (
            f" · slice {index + 1}/{scan.n_slices}" if scan.is_volume else "")
        st.image(png, caption=caption, width="stretch", output_format="PNG")
        st.caption(describe(scan))
        for note in scan.header.notes:
            st.info(note, icon=":material/info:")
    with side_col:
        st.plotly_chart(histogram_figure(scan, index, center, width), key="viewer.hist")
        st.markdown("**De-identified metadata**")
        rows = [{"attribute": k, "value": v} for k, v in scan.header.summary().items()]
        st.table(rows)
