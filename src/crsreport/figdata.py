"""The rows a figure draws: its data file, filtered by date range and column values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .dates import FORMS, first_day
from .errors import Location, Problem, ReportError

MAX_ROWS = 100_000
"""Rows one figure may draw (after filtering): more is refused, never drawn for minutes."""


def check_columns(
    rows: list[dict[str, Any]], wanted: list[str], where: Location, file: str
) -> None:
    """Every column a spec names must exist; the error lists those that do."""
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        raise ReportError(Problem(where, f"'{file}' holds no table rows to draw from"))
    odd = next((i for i, row in enumerate(rows) if not isinstance(row, dict)), None)
    if odd is not None:
        what = f"item {odd + 1} of '{file}' is not a row of named values (got {rows[odd]!r:.40})"
        raise ReportError(Problem(where, what))
    have = list(rows[0])
    missing = [c for c in dict.fromkeys(wanted) if c not in have]
    if missing:
        raise ReportError(
            Problem(
                where,
                f"column '{', '.join(missing)}' is not in '{file}'; "
                f"available columns: {', '.join(have)}",
            )
        )


def select(
    rows: list[dict[str, Any]],
    *,
    date: str | None,
    start: str | None,
    end: dt.date,
    where: dict[str, Any],
    file: str,
) -> list[dict[str, Any]]:
    """Rows matching ``where`` whose ``date`` lies in start..end (end defaults to the report)."""
    first = first_day(start) if start else None
    kept = []
    for index, row in enumerate(rows):
        if any(str(row.get(k)) != str(v) for k, v in where.items()):
            continue
        if date:
            day = first_day(row.get(date))
            if day is None:
                line = index + 2  # header is line 1
                raise ReportError(
                    Problem(
                        Location(file, line),
                        f"'{row.get(date)}' in column '{date}' is not a date ({FORMS})",
                    )
                )
            if day > end or (first and day < first):
                continue
        kept.append(row)
    return kept


def check_rows(rows: list[dict[str, Any]], where: Location, file: str) -> None:
    """Refuse more than MAX_ROWS rows for one figure."""
    if len(rows) > MAX_ROWS:
        raise ReportError(
            Problem(
                where,
                f"{len(rows):,} rows of '{file}' to draw; one figure draws at most "
                f"{MAX_ROWS:,}; narrow them with where, start or end",
            )
        )
