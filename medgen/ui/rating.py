"""The rating panel shown under every generated output (implemented by the feedback issue).

Pages call ``rating_panel(output_id, kind)`` after an output has been recorded with
``medgen.store.repo.record_output``.
"""

from __future__ import annotations

from medgen.types import OutputKind


def rating_panel(output_id: int, kind: OutputKind | str) -> None:
    """Render the compact rating panel for one recorded output (placeholder until issue 5)."""
    OutputKind(kind)  # validate early so callers get a clear error for a wrong kind
