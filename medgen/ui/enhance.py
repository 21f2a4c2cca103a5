"""Streamlit widgets of the compare page: cached Enhancer loader, run + record, compare views."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from medgen.enhance import view
from medgen.enhance.cards import list_models, load_card
from medgen.enhance.infer import Enhancer, EnhanceResult
from medgen.enhance.strength import DEFAULT_PRESET, Strength, StrengthPreset, card_presets
from medgen.enhance.vae import GuardResult, GuardVerdict
from medgen.errors import MedgenError, ModelError
from medgen.imaging.export import export_dicom, png_bytes, png_zip
from medgen.imaging.scan import Scan
from medgen.imaging.window import apply_window
from medgen.store import repo, reports
from medgen.types import ObjectType, UserInfo
from medgen.ui.resources import transact
from medgen.ui.state import SCAN_IMAGE_ID

log = logging.getLogger(__name__)

RESULT_KEY = "compare.result"
DOWNLOADS_KEY = "compare.downloads"
GUARD_KEY = "compare.guard"
CUSTOM = "Custom"
PRESET_LABELS = {p: p.value.capitalize() for p in StrengthPreset}
REVIEW_WARNING = (
    "Enhanced images are computer-generated. Review them alongside the original images, "
    "never instead of them, and base every clinical decision on the originals."
)


@dataclass(frozen=True, eq=False)
class CompareRun:
    """One recorded enhancement run as the page keeps it in session_state."""

    output_id: int
    result: EnhanceResult
    slices: tuple[int, ...]  # scan slice indices that were enhanced (in order)
    scan_hash: str
    original: np.ndarray  # the original pixels of those slices (HU), same shape as result.pixels


@st.cache_resource(show_spinner="Loading the enhancement model ...")
def load_enhancer(model_id: str) -> Enhancer:
    """One Enhancer per model id per process (sha256 checked once at load)."""
    return Enhancer(model_id)


def model_picker() -> str:
    """Choose a shipped model; shows what its card says it is for."""
    ids = list_models()
    if not ids:
        raise ModelError("No enhancement model is installed in the weights folder.")
    model_id = st.selectbox("Model", ids, key="compare.model")
    card = load_card(model_id)
    regions = ", ".join(card.get("body_regions", [])) or "unspecified"
    mods = ", ".join(card.get("modality", []))
    st.caption(f"{card.get('title', model_id)}. Trained for {mods} ({regions}).")
    return str(model_id)


def strength_picker(model_id: str) -> Strength:
    """Low / Medium / High (default Medium, calibrated per model) or a custom 0-100 % slider."""
    presets = card_presets(load_card(model_id))
    options = [PRESET_LABELS[p] for p in StrengthPreset] + [CUSTOM]
    choice = st.radio(
        "Strength",
        options,
        index=options.index(PRESET_LABELS[DEFAULT_PRESET]),
        horizontal=True,
        key="compare.strength",
        help="How much of the model's change is applied: 0 % = the original, 100 % = the full "
        "model output. The presets are calibrated to lower the noise by about 30 / 50 / 70 %.",
    )
    if choice == CUSTOM:
        pct = st.slider("Strength (%)", 0, 100, 50, step=5, key="compare.strength_pct")
        return Strength(pct / 100.0)
    preset = StrengthPreset(choice.lower())
    value = int(round(presets[preset] * 100))
    st.slider(
        "Strength (%)", 0, 100, value, disabled=True, key=f"compare.strength_pct_{preset.value}"
    )
    return Strength(presets[preset], preset)


def guard_panel(scan: Scan, model_id: str, slices: list[int]) -> GuardResult | None:
    """Score the chosen slices with the input guard and say whether they are in the training domain."""
    cache_key = (scan.content_hash, tuple(slices))
    cached = st.session_state.get(GUARD_KEY)
    if cached and cached[0] == cache_key:
        guard = cached[1]
    else:
        enhancer = load_enhancer(model_id)
        # about 0.1 s a slice on 2 quiet CPUs, 2-3x that under load: a whole series takes seconds
        with st.spinner(f"Checking {len(slices)} slice(s) against the model's training data..."):
            guard = enhancer.assess(_pixels(scan, slices))
        st.session_state[GUARD_KEY] = (cache_key, guard)
    if guard is None:
        st.caption("No input guard is installed: the image is not checked against the training data.")
    elif guard.verdict is GuardVerdict.INSIDE:
        st.success(guard.message, icon=":material/verified:")
    else:
        st.warning(
            guard.message + " It will not be enhanced unless you tick the override below; "
            "the result is then marked.",
            icon=":material/report:",
        )
    return guard


def _pixels(scan: Scan, slices: list[int]) -> np.ndarray:
    return scan.slice(slices[0]) if len(slices) == 1 else np.stack([scan.slice(i) for i in slices])


def run_and_record(
    scan: Scan,
    model_id: str,
    slices: list[int],
    user: UserInfo,
    allow_mismatch: bool = False,
    strength: Strength | str | float | None = None,
    guard: GuardResult | None = None,
) -> CompareRun:
    """Enhance ``slices`` of ``scan`` with a progress bar, record the output + audit in one transaction.

    Raises ModelError for an unusable model or image and StorageError when the run cannot be stored.
    """
    enhancer = load_enhancer(model_id)
    original = _pixels(scan, slices)
    bar = st.progress(0.0, text="Enhancing ...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Enhancing slice {done} of {total}")

    try:
        result = enhancer.run(
            original,
            progress,
            modality=scan.modality,
            is_hu=scan.is_hu,
            allow_mismatch=allow_mismatch,
            strength=strength,
            guard=guard,
        )
    finally:
        bar.empty()
    mid = original if original.ndim == 2 else original[len(original) // 2]
    mid_after = result.pixels if result.pixels.ndim == 2 else result.pixels[len(result.pixels) // 2]
    c, w = scan.default_window or view.PRESETS["Soft tissue"]
    noise = view.difference(mid, mid_after)
    metrics: dict[str, Any] = {
        "removed_noise_sd_hu": round(
            float(noise[mid > -500].std()) if (mid > -500).any() else float(noise.std()), 2
        ),
        "median_slice_ms": round(result.median_slice_ms, 1),
        "n_slices": len(slices),
    }
    params = {
        "slices": "all" if len(slices) == scan.n_slices and scan.is_volume else list(slices),
        "override": allow_mismatch,
    }
    if result.strength is not None:
        params.update(result.strength.as_params())
    if result.guard is not None:
        params.update(result.guard.as_params())
        metrics["guard_score"] = round(result.guard.score, 3)
        metrics["guard_verdict"] = result.guard.verdict.value
    output_id = transact(
        repo.record_enhancement,
        image_id=st.session_state.get(SCAN_IMAGE_ID),
        user=user,
        model_id=model_id,
        device=result.device,
        n_slices=len(slices),
        model_version=result.model_version,
        params=params,
        input_hash=scan.content_hash,
        latency_ms=result.ms,
        flags=list(result.warnings),
        metrics=metrics,
        preview_before=png_bytes(mid, c, w, max_size=256),
        preview_after=png_bytes(mid_after, c, w, max_size=256),
    )
    st.session_state.pop(DOWNLOADS_KEY, None)
    return CompareRun(output_id, result, tuple(slices), scan.content_hash, original)


def window_controls(scan: Scan) -> tuple[float, float]:
    options = (["File default"] if scan.default_window else []) + list(view.PRESETS)
    choice = st.selectbox("Window (applies to both images)", options, key="compare.window")
    if choice == "File default" and scan.default_window:
        return scan.default_window
    return view.PRESETS[choice]


def render_compare(run: CompareRun, center: float, width: float) -> None:
    """Side by side, split overlay, difference map, line profile and ROI statistics."""
    res = run.result
    k = 0
    if len(run.slices) > 1:
        k = (
            st.slider(
                "Slice of the enhanced run",
                1,
                len(run.slices),
                len(run.slices) // 2 + 1,
                key="compare.k",
            )
            - 1
        )
    before = run.original if run.original.ndim == 2 else run.original[k]
    after = res.pixels if res.pixels.ndim == 2 else res.pixels[k]
    strength = f" at strength {res.strength.label}" if res.strength is not None else ""
    st.caption(
        f"Model {res.model_id}{strength} on {res.device}: {res.ms:.0f} ms in total, "
        f"{res.median_slice_ms:.0f} ms per slice."
    )
    if res.guard is not None:
        st.caption(f"Input guard: {res.guard.message}")
    for w in res.warnings:
        st.warning(w)
    a, b = st.columns(2)
    a.image(apply_window(before, center, width), caption="Original", width="stretch")
    b.image(apply_window(after, center, width), caption="Enhanced", width="stretch")
    pos = st.slider(
        "Split position (left original, right enhanced)", 0, 100, 50, key="compare.split"
    )
    st.image(
        view.split_compose(
            apply_window(before, center, width), apply_window(after, center, width), pos / 100
        ),
        width="stretch",
    )
    diff = view.difference(before, after)
    lim = float(np.percentile(np.abs(diff), 99.5)) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=diff[::-1], colorscale="RdBu", zmid=0, zmin=-lim, zmax=lim, colorbar={"title": "HU"}
        )
    )
    fig.update_layout(
        title="Removed noise (original - enhanced)",
        height=420,
        yaxis={"scaleanchor": "x", "visible": False},
        xaxis={"visible": False},
    )
    st.plotly_chart(fig, key="compare.diff")
    row = st.slider("Profile row", 0, before.shape[0] - 1, before.shape[0] // 2, key="compare.row")
    prof = go.Figure()
    prof.add_scatter(y=view.line_profile(before, row), name="Original", mode="lines")
    prof.add_scatter(y=view.line_profile(after, row), name="Enhanced", mode="lines")
    prof.update_layout(
        title=f"Line profile, row {row}", xaxis_title="column", yaxis_title="HU", height=320
    )
    st.plotly_chart(prof, key="compare.profile")
    st.markdown("**ROI statistics** (rectangle in pixels)")
    c1, c2, c3, c4 = st.columns(4)
    h, w = before.shape
    top = c1.number_input("Top", 0, h - 1, max(0, h // 2 - 16), key="compare.roi_top")
    left = c2.number_input("Left", 0, w - 1, max(0, w // 2 - 16), key="compare.roi_left")
    rh = c3.number_input("Height", 1, h, min(32, h), key="compare.roi_h")
    rw = c4.number_input("Width", 1, w, min(32, w), key="compare.roi_w")
    s0, s1 = view.roi_stats(before, top, left, rh, rw), view.roi_stats(after, top, left, rh, rw)
    st.table(
        {
            "": ["Original", "Enhanced"],
            "mean HU": [f"{s0.mean:.1f}", f"{s1.mean:.1f}"],
            "SD HU": [f"{s0.sd:.1f}", f"{s1.sd:.1f}"],
            "pixels": [s0.n_pixels, s1.n_pixels],
        }
    )


def _audit_export(output_id: int, fmt: str, user: UserInfo) -> None:
    try:
        transact(reports.audit_export, output_id, fmt, user, ObjectType.GENERATED_OUTPUT)
    except MedgenError as exc:  # the download itself went through
        st.toast(f"The download could not be recorded in the audit trail: {exc}")


def downloads(scan: Scan, run: CompareRun, center: float, width: float, user: UserInfo) -> None:
    """DICOM (zip for a series) and PNG downloads of the enhanced images; each download is audited."""
    cache = st.session_state.get(DOWNLOADS_KEY)
    if not cache or cache[0] != run.output_id:
        sub = _subscan(scan, run)
        dcm, dcm_name = export_dicom(
            sub,
            run.result.pixels,
            run.result.model_id,
            run.result.model_version,
            strength=run.result.strength.label if run.result.strength is not None else None,
        )
        if run.result.pixels.ndim == 2:
            png, png_name, png_mime = (
                png_bytes(run.result.pixels, center, width),
                f"enhanced_{run.result.model_id}.png",
                "image/png",
            )
        else:
            png, png_name, png_mime = (
                png_zip(run.result.pixels, center, width),
                f"enhanced_{run.result.model_id}_png.zip",
                "application/zip",
            )
        cache = (run.output_id, dcm, dcm_name, png, png_name, png_mime)
        st.session_state[DOWNLOADS_KEY] = cache
    _, dcm, dcm_name, png, png_name, png_mime = cache
    a, b = st.columns(2)
    a.download_button(
        "Download enhanced DICOM",
        dcm,
        dcm_name,
        "application/dicom" if dcm_name.endswith(".dcm") else "application/zip",
        key="compare.dl_dicom",
        on_click=_audit_export,
        args=(run.output_id, "dicom", user),
    )
    b.download_button(
        "Download enhanced PNG",
        png,
        png_name,
        png_mime,
        key="compare.dl_png",
        on_click=_audit_export,
        args=(run.output_id, "png", user),
    )


def _subscan(scan: Scan, run: CompareRun) -> Scan:
    """The scan restricted to the enhanced slices (geometry and source references kept) for export."""
    return scan.select_slices(run.slices)
