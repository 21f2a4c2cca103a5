"""The Quality Review drill-down shows an enhancement's strength and the input guard's verdict."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _drill_down(params: dict) -> AppTest:  # type: ignore[type-arg]
    def script(params: dict) -> None:  # type: ignore[type-arg]
        from datetime import UTC, datetime

        from medgen.store.review import OutputDetail
        from medgen.types import OutputKind, ReportStatus
        from medgen.ui.review import show_detail

        show_detail(
            OutputDetail(
                output_id=7, kind=OutputKind.ENHANCEMENT, model="ldct-gan-v1", device="cpu",
                latency_ms=120.0, status=next(iter(ReportStatus)), params=params,
                metrics={"guard_score": params.get("guard_score")}, flags=[], draft_text=None,
                final_text=None, preview_before=None, preview_after=None, edit_distance=None,
                created_at=datetime.now(UTC),
            )
        )

    return AppTest.from_function(script, args=(params,), default_timeout=60).run()


def test_outside_run_with_override_is_shown_as_a_warning():
    at = _drill_down(
        {"strength": "medium", "strength_fraction": 0.52, "override": True,
         "guard_verdict": "outside", "guard_score": 9.1, "guard_threshold": 2.0}
    )
    assert not at.exception, at.exception
    (w,) = at.warning
    assert "outside what the model was trained on" in w.value and "9.1" in w.value
    assert "override" in w.value
    assert any("Strength: medium (52 %)" in c.value for c in at.caption)


def test_inside_run_and_an_old_run_without_guard():
    at = _drill_down({"strength": 70, "guard_verdict": "inside", "guard_score": 0.5,
                      "guard_threshold": 2.0})
    assert not at.warning
    assert any("within what the model was trained on (score 0.5" in c.value for c in at.caption)
    assert any("Strength: 70 %" in c.value for c in at.caption)
    old = _drill_down({"slices": [0], "override": False})
    assert any("not checked" in c.value for c in old.caption)
