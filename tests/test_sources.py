"""Reading data files: which CSV cells become numbers."""

from __future__ import annotations

import pytest

from crsreport.sources import parse_csv


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("25", 25),
        ("-3", -3),
        (" 8 ", 8),
        ("0", 0),
        ("2.5", 2.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("-0.25", -0.25),
        ("007", "007"),  # a code: the leading zero is kept
        ("1_000", "1_000"),
        ("nan", "nan"),
        ("inf", "inf"),
        ("Infinity", "Infinity"),
        ("1,000", "1,000"),
        ("", ""),
        ("e5", "e5"),
        (".", "."),
        ("Unknown", "Unknown"),
    ],
)
def test_only_plain_numbers_become_numbers(cell, value):
    rows = parse_csv(f'year,count\n2020,"{cell}"\n', "data/x.csv")
    assert rows == [{"year": 2020, "count": value}]
    assert type(rows[0]["count"]) is type(value)
