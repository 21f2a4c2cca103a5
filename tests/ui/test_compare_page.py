"""AppTest of pages/compare.py with a real pydicom CT and the shipped weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from medgen.config import get_settings
from medgen.enhance.cards import list_models
from medgen.types import Role, UserInfo
from tests.enhance.conftest import CT_SERIES, scan_from_pydicom

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "compare.py")


@pytest.fixture(scope="module")
def clinician() -> UserInfo:
    """A migrated app database (the one the page uses) with one clinician row."""
    from medgen.store import migrate
    from medgen.store.db import session_factory
    from medgen.store.models import User

    url = get_settings().database_url
    migrate.upgrade(url)
    with session_factory(url).begin() as s:
        user = s.scalar(select(User).where(User.username == "dr_compare"))
        if user is None:
            user = User(username="dr_compare", display_name="Dr Compare", role=Role.CLINICIAN.value)
            s.add(user)
            s.flush()
        uid = user.id
    return UserInfo(id=uid, username="dr_compare", display_name="Dr Compare", role=Role.CLINICIAN)


def _app(user: UserInfo | None, scan=None) -> AppTest:  # type: ignore[no-untyped-def]
    at = AppTest.from_file(PAGE, default_timeout=120)
    if user is not None:
        at.session_state["auth.user"] = user
    if scan is not None:
        at.session_state["scan"] = scan
    return at


def test_requires_sign_in():
    at = _app(None).run()
    assert any("sign in" in w.value.lower() for w in at.warning)
    assert not at.button


def test_reviewer_role_is_refused(clinician):
    reviewer = UserInfo(id=clinician.id, username="r", display_name="R", role=Role.REVIEWER)
    at = _app(reviewer).run()
    assert any("clinician" in e.value for e in at.error)


def test_without_scan_points_to_the_viewer(clinician):
    at = _app(clinician).run()
    assert not at.exception
    assert any("Viewer" in i.value for i in at.info)
    assert any("never instead of" in w.value for w in at.warning)


@pytest.mark.skipif(not list_models(), reason="no shipped weights yet")
def test_enhance_records_output_and_audit(clinician):
    from medgen.store.db import session_factory
    from medgen.store.models import AuditEvent, GeneratedOutput

    scan = scan_from_pydicom(["CT_small.dcm"])
    at = _app(clinician, scan).run()
    assert not at.exception
    at.button(key="compare.run").click().run()
    assert not at.exception, at.exception
    run = at.session_state["compare.result"]
    assert run.result.pixels.shape == scan.pixels.shape
    assert run.result.model_id in list_models()
    assert any("ms per slice" in c.value for c in at.caption)
    assert len(at.table) == 1  # ROI statistics
    with session_factory(get_settings().database_url).begin() as s:
        row = s.get(GeneratedOutput, run.output_id)
        assert row is not None and row.kind == "enhancement"
        assert row.model_version == run.result.model_version and len(row.model_version) == 64
        assert row.input_hash == scan.content_hash and row.created_by == clinician.id
        assert row.preview_before and row.preview_after
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "enhance", AuditEvent.object_id == str(run.output_id)
            )
        ).all()
        assert len(audit) == 1
    # a rerun (moving the split slider) does not recompute or record again
    at.slider(key="compare.split").set_value(30).run()
    assert at.session_state["compare.result"].output_id == run.output_id


@pytest.mark.skipif(not list_models(), reason="no shipped weights yet")
def test_mr_image_is_refused_with_a_clear_message(clinician):
    from dataclasses import replace

    from medgen.types import Modality

    scan = replace(scan_from_pydicom(["CT_small.dcm"]), modality=Modality.MR, is_hu=False)
    at = _app(clinician, scan).run()
    at.button(key="compare.run").click().run()
    assert not at.exception
    assert any("this image is MR" in e.value for e in at.error)
    assert "compare.result" not in at.session_state


@pytest.mark.skipif(not list_models(), reason="no shipped weights yet")
def test_whole_series_runs_every_slice(clinician):
    scan = scan_from_pydicom(CT_SERIES[:3])  # three slices of one real CT series
    at = _app(clinician, scan).run()
    at.radio(key="compare.scope").set_value("Whole series").run()
    at.button(key="compare.run").click().run()
    assert not at.exception, at.exception
    run = at.session_state["compare.result"]
    assert run.result.pixels.shape == (3, 16, 16) and run.slices == (0, 1, 2)
    assert at.slider(key="compare.k").max == 3
    name = at.session_state["compare.downloads"][2]
    assert name.endswith(".zip")


@pytest.mark.skipif(not list_models(), reason="no shipped weights yet")
def test_database_failure_is_a_message_not_a_traceback(clinician, tmp_path, monkeypatch):
    """The run cannot be recorded (a database without tables): a clear error, nothing shown as done."""
    from medgen.ui import resources

    scan = scan_from_pydicom(["CT_small.dcm"])
    at = _app(clinician, scan).run()
    monkeypatch.setenv("MEDGEN_DATABASE_URL", f"sqlite:///{tmp_path / 'broken.db'}")
    get_settings.cache_clear()
    resources.db.clear()
    try:
        at.button(key="compare.run").click().run()
        assert not at.exception, at.exception
        assert any("nothing was saved" in e.value for e in at.error)
        assert "compare.result" not in at.session_state
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        resources.db.clear()


@pytest.mark.skipif(not list_models(), reason="no shipped weights yet")
def test_viewer_and_compare_render_the_same_window_pixel_for_pixel(clinician, monkeypatch):
    """Both pages window with medgen.imaging.window.apply_window: same scan, same window, same
    pixels (what each page hands to st.image, the viewer as PNG, the compare page as an array)."""
    import io

    import numpy as np
    import streamlit
    from PIL import Image
    from streamlit.delta_generator import DeltaGenerator

    shown: list[tuple[str, object]] = []
    original_image = DeltaGenerator.image
    main_image = streamlit.image

    def spy(self, image, *args, **kwargs):  # type: ignore[no-untyped-def]
        shown.append((str(kwargs.get("caption", "")), image))
        return original_image(self, image, *args, **kwargs)

    def spy_main(image, *args, **kwargs):  # type: ignore[no-untyped-def]
        shown.append((str(kwargs.get("caption", "")), image))
        return main_image(image, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "image", spy)
    monkeypatch.setattr(streamlit, "image", spy_main)
    scan = scan_from_pydicom(["CT_small.dcm"])

    viewer = AppTest.from_file(str(Path(PAGE).with_name("viewer.py")), default_timeout=120)
    viewer.session_state["auth.user"] = clinician
    viewer.session_state["scan"] = scan
    viewer.run()
    viewer.selectbox(key="viewer.preset").set_value("Lung").run()
    assert not viewer.exception, viewer.exception
    png = [img for cap, img in shown if cap.startswith("W 1500 / L -600")][-1]
    viewer_pixels = np.asarray(Image.open(io.BytesIO(png)))  # type: ignore[arg-type]

    shown.clear()
    at = _app(clinician, scan).run()
    at.button(key="compare.run").click().run()
    shown.clear()
    at.selectbox(key="compare.window").set_value("Lung").run()
    assert not at.exception, at.exception
    compare_pixels = [img for cap, img in shown if cap == "Original"][-1]
    assert isinstance(compare_pixels, np.ndarray) and compare_pixels.dtype == np.uint8
    assert viewer_pixels.shape == compare_pixels.shape == scan.shape
    np.testing.assert_array_equal(viewer_pixels, compare_pixels)
    assert len(np.unique(viewer_pixels)) > 50  # a real windowed image, not a blank one


# ---------------------------------------------------------------- issue 10: strength and guard
def _guard_installed() -> bool:
    from medgen.enhance.vae import GUARD_ID

    return (get_settings().weights_dir / f"{GUARD_ID}.json").is_file()


def _held_out_ct():  # type: ignore[no-untyped-def]
    """A held-out real CT slice (CQ500 head, a test patient of the enhancer's split)."""
    from medgen.imaging import load_scan
    from medgen.imaging.samples import sample_path

    path = sample_path("693_UNCR.dcm")
    return load_scan(path.read_bytes(), path.name)


def _mr_posing_as_ct():  # type: ignore[no-untyped-def]
    """A real MR image whose metadata claims CT in HU: only the pixels can tell."""
    from dataclasses import replace

    from medgen.types import Modality

    return replace(scan_from_pydicom(["MR_small.dcm"]), modality=Modality.CT, is_hu=True)


@pytest.mark.skipif(not list_models(), reason="no shipped weights yet")
def test_strength_presets_are_offered_with_calibrated_values(clinician):
    from medgen.enhance.cards import load_card

    at = _app(clinician, _held_out_ct()).run()
    assert not at.exception, at.exception
    radio = at.radio(key="compare.strength")
    assert list(radio.options) == ["Low", "Medium", "High", "Custom"]
    assert radio.value == "Medium"
    model_id = at.selectbox(key="compare.model").value
    fractions = load_card(model_id)["strength_presets"]["fractions"]
    assert at.slider(key="compare.strength_pct_medium").value == round(fractions["medium"] * 100)
    radio.set_value("High").run()
    assert at.slider(key="compare.strength_pct_high").value == round(fractions["high"] * 100)
    at.radio(key="compare.strength").set_value("Custom").run()
    at.slider(key="compare.strength_pct").set_value(80).run()
    at.button(key="compare.run").click().run()
    assert not at.exception, at.exception
    run = at.session_state["compare.result"]
    assert run.result.strength.fraction == pytest.approx(0.8)
    assert any("at strength 80 %" in c.value for c in at.caption)


@pytest.mark.skipif(not (list_models() and _guard_installed()), reason="no shipped guard")
def test_guard_says_inside_for_real_ct_and_records_it(clinician):
    from medgen.store.db import session_factory
    from medgen.store.models import GeneratedOutput

    at = _app(clinician, _held_out_ct()).run()
    assert not at.exception, at.exception
    assert any("within what the model was trained on" in s.value for s in at.success)
    at.button(key="compare.run").click().run()
    assert not at.exception, at.exception
    run = at.session_state["compare.result"]
    assert run.result.guard.verdict.value == "inside" and not run.result.warnings
    with session_factory(get_settings().database_url).begin() as s:
        row = s.get(GeneratedOutput, run.output_id)
        assert row.params["guard_verdict"] == "inside" and row.params["override"] is False
        assert row.params["strength"] == "medium"
        assert row.metrics["guard_score"] == pytest.approx(run.result.guard.score, abs=1e-3)


@pytest.mark.skipif(not (list_models() and _guard_installed()), reason="no shipped guard")
def test_outside_image_is_refused_unless_overridden_and_then_marked(clinician):
    from medgen.store.db import session_factory
    from medgen.store.models import GeneratedOutput

    at = _app(clinician, _mr_posing_as_ct()).run()
    assert not at.exception, at.exception
    assert any("outside what the model was trained on" in w.value for w in at.warning)
    at.button(key="compare.run").click().run()
    assert not at.exception, at.exception
    assert any("outside what the model was trained on" in e.value for e in at.error)
    assert "compare.result" not in at.session_state
    at.checkbox(key="compare.override").check().run()
    at.button(key="compare.run").click().run()
    assert not at.exception, at.exception
    run = at.session_state["compare.result"]
    assert run.result.guard.verdict.value == "outside"
    assert any("override" in w for w in run.result.warnings)
    assert any("override" in w.value for w in at.warning)  # the result is marked on screen
    with session_factory(get_settings().database_url).begin() as s:
        row = s.get(GeneratedOutput, run.output_id)
        assert row.params["override"] is True and row.params["guard_verdict"] == "outside"
        assert any("input guard" in str(f) for f in row.flags)
