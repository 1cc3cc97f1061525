"""Cells of the CSV files the registry hands out (county archive, import reports), safe to open in Excel.

A cell starting with one of FORMULA_STARTS is read as a formula by spreadsheet programs (CSV injection):
such text gets a leading apostrophe, as OWASP recommends, so Excel shows it and never evaluates it.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
