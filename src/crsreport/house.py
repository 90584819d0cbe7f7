"""CRS house facts shared by every layout: fixed texts and how dates and numbers print."""

from __future__ import annotations

import datetime as dt

CRS = "Congressional Research Service"
URL = "https://crsreports.congress.gov"
PREPARED_FOR = "Prepared for Members and Committees of Congress"

TAGLINE = "Informing the legislative debate since 1914"

DISCLAIMER = (
    "This document was prepared by the Congressional Research Service (CRS). CRS serves as "
    "nonpartisan shared staff to congressional committees and Members of Congress. It operates "
    "solely at the behest of and under the direction of Congress. Information in a CRS Report "
    "should not be relied upon for purposes other than public understanding of information that "
    "has been provided by CRS to Members of Congress in connection with CRS’s institutional role. "
    "CRS Reports, as a work of the United States Government, are not subject to copyright "
    "protection in the United States. Any CRS Report may be reproduced and distributed in its "
    "entirety without permission from CRS. However, as a CRS Report may include copyrighted "
    "images or material from a third party, you may need to obtain the permission of the "
    "copyright holder if you wish to copy or otherwise use copyrighted material."
)


def long_date(day: dt.date) -> str:
    """February 3, 2022."""
    return f"{day:%B} {day.day}, {day.year}"


def status_of(version: int, status: str | None) -> str:
    """The writer's status, else "new" for a first version and "updated" after it (CRS
    re-issues some products as NEW at later versions: they say ``status: new``)."""
    return status or ("new" if version == 1 else "updated")


def date_line(day: dt.date, status: str) -> str:
    """The bare date for a new product, "Updated <date>" for an updated one."""
    return long_date(day) if status == "new" else f"Updated {long_date(day)}"


def version_footer(product_id: str, version: int, status: str) -> str:
    """IF11415 · VERSION 7 · UPDATED (or NEW)."""
    return f"{product_id} · VERSION {version} · {status.upper()}"


def appendix_letter(index: int) -> str:
    """A, B, … Z, AA, AB, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
