"""Partial dates (YYYY, YYYY-MM, YYYY-MM-DD): one parser for reports, figure data and sources.

A partial date names a period: ``2022-02`` is all of February 2022. A range starts on
the first day of its start and ends on the last day of its end, so ``end: 2022`` keeps
rows dated 2022-12-31.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"
"""How messages tell the writer to write a date."""
PATTERN = r"^\d{4}(-(0?[1-9]|1[0-2])(-(0?[1-9]|[12]\d|3[01]))?)?$"
"""A JSON Schema / pydantic pattern that admits the partial dates (not every day exists)."""
_PARTS = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parts(value: Any) -> list[int] | None:
    """``[year]``, ``[year, month]`` or ``[year, month, day]`` of a real partial date
    (a year number counts), else None."""
    match = _PARTS.match(str(value).strip())
    if not match:
        return None
    found = [int(g) for g in match.groups() if g]
    full = [*found, 1, 1][:3]
    try:
        dt.date(*full)
    except ValueError:
        return None
    return found


def first_day(value: Any) -> dt.date | None:
    """The first day the partial date covers, or None when it is not one."""
    found = parts(value)
    return dt.date(*[*found, 1, 1][:3]) if found else None


def last_day(value: Any) -> dt.date | None:
    """The last day the partial date covers (for inclusive ends), or None."""
    found = parts(value)
    if not found:
        return None
    if len(found) == 1:
        return dt.date(found[0], 12, 31)
    if len(found) == 2:
        year, month = found
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(*found)


def not_a_date(value: Any) -> str:
    """The message for a value that is no partial date."""
    return f"'{value}' is not a date ({FORMS})"
