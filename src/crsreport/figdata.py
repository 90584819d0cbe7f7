"""The rows a figure draws: its data file, filtered by date range and column values."""

from __future__ import annotations

import datetime as dt
import difflib
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
        if any(str(row.get(k)) not in _wanted(v) for k, v in where.items()):
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


def _wanted(value: Any) -> list[str]:
    """The values a ``where`` entry keeps: one, or any of a list."""
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


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


def range_column(rows: list[dict[str, Any]], spec: Any, where: Location, file: str) -> str | None:
    """The date column ``start``/``end`` select by: ``date``, else (with a range) the axis
    column of a chart whose values are all years or dates. A range with no such column is
    an error, never ignored."""
    if spec.date or not (spec.start or spec.end):
        return spec.date
    which = "start" if spec.start else "end"
    column = spec.axis_column()
    if column is None:
        raise ReportError(
            Problem(
                where,
                f"'{which}' keeps rows by date, but this {spec.kind} names no date column; "
                "add 'date: COLUMN'",
            )
        )
    odd = next((row.get(column) for row in rows if first_day(row.get(column)) is None), None)
    if odd is not None or any(row.get(column) is None for row in rows):
        raise ReportError(
            Problem(
                where,
                f"'{which}' keeps rows by date, but column '{column}' of '{file}' holds "
                f"{odd!r:.40}, not a year or date ({FORMS}); add 'date: COLUMN' naming one",
            )
        )
    return column


def nothing_left(
    rows: list[dict[str, Any]], spec: Any, column: str | None, where: Location, file: str
) -> ReportError:
    """Why no row of ``file`` is left, with the values a ``where`` could have meant."""
    problem = unmatched_where(rows, spec, where, file)
    if problem is not None:
        return problem
    span = [f"{word} {v}" for word, v in (("from", spec.start), ("to", spec.end)) if v]
    what = f" (column '{column}' {' '.join(span)})" if column and span else ""
    message = f"no rows of '{file}' are left to draw after date, start, end and where{what}"
    return ReportError(Problem(where, message))


def unmatched_where(
    rows: list[dict[str, Any]], spec: Any, where: Location, file: str
) -> ReportError | None:
    """A ``where`` value (or one of a list) that no row of ``file`` holds: a typo in a list
    would otherwise drop its rows without a word."""
    for key, value in spec.where.items():
        values = list(dict.fromkeys(str(row.get(key)) for row in rows))
        wanted = next((w for w in _wanted(value) if w not in values), None)
        if wanted is None:
            continue
        same = [v for v in values if v.casefold() == wanted.casefold()]
        close = same or difflib.get_close_matches(wanted, values, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        shown = ", ".join(values[:8]) + (", …" if len(values) > 8 else "")
        message = f"no row of '{file}' has {key} = '{wanted}'{hint} (its values: {shown})"
        return ReportError(Problem(where, message))
    return None


def check_numbers(
    every: list[dict[str, Any]], rows: list[dict[str, Any]], columns: list[str], file: str
) -> None:
    """Each value a chart draws as a number must be one (a blank cell leaves a gap); the
    error names the file and the row (its CSV line)."""
    if not columns or not rows:
        return
    index = {id(row): i for i, row in enumerate(every)}
    csv = file.lower().endswith(".csv")
    for row in rows:
        for column in columns:
            value = row.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                continue
            i = index.get(id(row), 0)
            where = Location(file, i + 2) if csv else Location(file)  # CSV header: line 1
            place = "" if csv else f"item {i + 1}: "
            raise ReportError(
                Problem(
                    where,
                    f"{place}'{value}' in column '{column}' is not a number; the chart draws "
                    "this column as numbers (leave the cell empty for a gap)",
                )
            )


def check_one_kind(
    every: list[dict[str, Any]], rows: list[dict[str, Any]], column: str | None, file: str
) -> None:
    """An axis column holds numbers (years) or text, not both: one '2021e' among years
    would turn a time axis into categories. The error names the CSV line of the odd one."""
    if column is None:
        return
    kinds = [(row, _kind(row.get(column))) for row in rows]
    numbers = [row for row, kind in kinds if kind == "number"]
    texts = [row for row, kind in kinds if kind == "text"]
    if not numbers or not texts:
        return
    odd, usual = (texts[0], numbers[0]) if len(texts) <= len(numbers) else (numbers[0], texts[0])
    line = next(i for i, row in enumerate(every) if row is odd)
    csv = file.lower().endswith(".csv")
    where = Location(file, line + 2) if csv else Location(file)
    place = "" if csv else f"item {line + 1}: "
    raise ReportError(
        Problem(
            where,
            f"{place}'{odd.get(column)}' in column '{column}' is {_kind(odd.get(column))} "
            f"among {_kind(usual.get(column))}s (such as '{usual.get(column)}'); an axis "
            "column holds one kind: write every value as a number, or every value as text",
        )
    )


def _kind(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else "text"
