"""medgen.ui.text.model_turn: a waiting user sees their place, and a Stop click ends the wait."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from medgen.text.llm import RequestQueue
from medgen.ui import text as ui_text


class _Box:
    """Stands in for ``st.empty()``: records what it shows; can raise like a Streamlit rerun."""

    def __init__(self, shown: list[str], stop_after: int | None = None) -> None:
        self.shown = shown
        self.stop_after = stop_after

    def info(self, msg: str) -> None:
        self.shown.append(msg)
        if self.stop_after is not None and len(self.shown) >= self.stop_after:
            raise KeyboardInterrupt("rerun")  # Streamlit raises a BaseException (StopException) here

    def empty(self) -> None:
        self.shown.append("<cleared>")


def test_message_names_the_place() -> None:
    assert ui_text.queue_message(2).startswith("Waiting for the language model: 2 request(s) ahead of you")


def test_waiting_user_sees_place_then_gets_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_text, "QUEUE_POLL_S", 0.02)
    lm = SimpleNamespace(queue=RequestQueue())
    shown: list[str] = []
    monkeypatch.setattr(ui_text.st, "empty", lambda: _Box(shown))
    got_turn = threading.Event()

    def second_user() -> None:
        with ui_text.model_turn(lm):  # type: ignore[arg-type]
            got_turn.set()

    with lm.queue.ticket():  # the first user generates
        user2 = threading.Thread(target=second_user)
        user2.start()
        deadline = time.monotonic() + 10
        while not shown and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not got_turn.is_set() and lm.queue.waiting == 1
    user2.join(10)
    assert got_turn.is_set()
    assert shown[0] == ui_text.queue_message(1) and shown[-1] == "<cleared>"
    assert lm.queue.waiting == 0


def test_stop_while_waiting_gives_up_the_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_text, "QUEUE_POLL_S", 0.02)
    lm = SimpleNamespace(queue=RequestQueue())
    shown: list[str] = []
    monkeypatch.setattr(ui_text.st, "empty", lambda: _Box(shown, stop_after=3))
    entered: list[bool] = []
    errors: list[BaseException] = []

    def second_user() -> None:
        try:
            with ui_text.model_turn(lm):  # type: ignore[arg-type]
                entered.append(True)
        except BaseException as exc:  # noqa: BLE001 - the rerun exception ends the script run
            errors.append(exc)

    with lm.queue.ticket() as first:
        user2 = threading.Thread(target=second_user)
        user2.start()
        user2.join(10)
        assert errors and not entered  # it never got the model
        assert lm.queue.waiting == 0 and first.place == 0  # and left the line
    assert shown == [ui_text.queue_message(1)] * 3


def test_no_wait_and_no_message_when_the_model_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    lm = SimpleNamespace(queue=RequestQueue())
    monkeypatch.setattr(ui_text.st, "empty", lambda: pytest.fail("nothing to show"))
    with ui_text.model_turn(lm):  # type: ignore[arg-type]
        assert lm.queue.waiting == 0
    with ui_text.model_turn(SimpleNamespace()):  # type: ignore[arg-type] - a model without a queue
        pass


def test_no_message_for_a_background_job_that_gives_way_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A speculative prefill or warm-up ahead gives up the model within a chunk: no queue box."""
    lm = SimpleNamespace(queue=RequestQueue())
    monkeypatch.setattr(ui_text.st, "empty", lambda: pytest.fail("a short background job showed a queue box"))
    job = lm.queue.join_if_idle()
    assert job is not None and lm.queue.join_if_idle() is None  # never a second one, never waits
    threading.Timer(ui_text.QUEUE_GRACE_S / 3, job.leave).start()
    t0 = time.monotonic()
    with ui_text.model_turn(lm):  # type: ignore[arg-type]
        assert job.place == -1
    assert time.monotonic() - t0 < ui_text.QUEUE_GRACE_S


@pytest.mark.parametrize(("env", "reads_ahead"), [(None, True), ("1", True), ("0", False), ("off", False)])
def test_read_ahead_unless_switched_off(monkeypatch: pytest.MonkeyPatch, env: str | None, reads_ahead: bool) -> None:
    """MEDGEN_LM_PREFILL gates the Report page's read-ahead (on by default)."""
    from medgen.config import get_settings

    if env is None:
        monkeypatch.delenv("MEDGEN_LM_PREFILL", raising=False)
    else:
        monkeypatch.setenv("MEDGEN_LM_PREFILL", env)
    get_settings.cache_clear()
    lm = object()
    calls: list[object] = []
    monkeypatch.setattr(ui_text, "start_loading", lambda: SimpleNamespace(ready=True, lm=lm))
    monkeypatch.setattr(ui_text, "prefill_later", lambda model, messages: calls.append((model, messages)))
    try:
        ui_text.prefill_report("FINDINGS:\nA 5 mm nodule in the right upper lobe.\n\nIMPRESSION:\nNodule.")
    finally:
        get_settings.cache_clear()
    assert bool(calls) is reads_ahead
    if reads_ahead:
        assert calls[0][0] is lm and calls[0][1][0]["role"] == "system"
