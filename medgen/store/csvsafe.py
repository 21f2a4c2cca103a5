"""CSV for spreadsheets: one cell-escaping rule (formula neutralising) for every export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

#: A cell starting with one of these is a formula (or hides one) in Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """Text of one CSV cell; text that a spreadsheet would run as a formula gets a leading ``'``.

    Numbers are written as they are (a negative number is not a formula); datetimes in ISO 8601,
    mappings as sorted JSON, ``None`` as an empty cell (OWASP "CSV injection").
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, dict) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV bytes: a header of ``columns``, then one line per row, every cell through :func:`cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")
