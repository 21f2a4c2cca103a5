"""Browser helpers for the findings form (tests/e2e/test_report*.py)."""

from __future__ import annotations

from tests.e2e.helpers import wait_idle


def field(page, label: str, nth: int = 0):  # type: ignore[no-untyped-def]
    """The nth input labelled ``label`` exactly (text, number or text area)."""
    return page.get_by_label(label, exact=True).nth(nth)


def type_into(page, label: str, value: str, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    box = field(page, label, nth)
    box.fill(value)
    box.press("Enter")
    wait_idle(page)


def choose(page, label: str, option: str, nth: int = 0, widget: str = "stSelectbox") -> None:  # type: ignore[no-untyped-def]
    """Pick ``option`` in the nth selectbox (or multiselect) labelled ``label``."""
    box = page.get_by_test_id(widget).filter(has=page.get_by_text(label, exact=True)).nth(nth)
    combo = box.get_by_role("combobox")
    combo.click()
    combo.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def exam(page, modality: str, body_part: str, contrast: str) -> None:  # type: ignore[no-untyped-def]
    for label, value in (("Modality", modality), ("Body part", body_part), ("Contrast", contrast)):
        if value is not None and field(page, label).input_value() != value:
            type_into(page, label, value)


def short_generation(page, tokens: int) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("Generation settings").click()
    type_into(page, "Max new tokens", str(tokens))
