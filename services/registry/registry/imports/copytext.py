"""Staging rows as PostgreSQL COPY text format, rendered in the worker processes.

The workers hand the import's connection ready-made COPY data (one bytes object per chunk and table):
no per-value encoding is left for the process that runs the event loop, and nothing but one string
crosses the process boundary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

NULL = "\\N"


def _text(value: str) -> str:
    # Checked before replacing: almost no value holds any of these, and `in` is far cheaper than replace.
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _array(value: list[str]) -> str:
    elements = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in value)
    return _text("{" + ",".join(elements) + "}")


def _bytea(value: bytes) -> str:
    return "\\\\x" + value.hex()  # hex bytea input, its backslash escaped for COPY


ENCODERS: dict[type, Callable[[Any], str]] = {
    str: _text,
    bool: lambda value: "t" if value else "f",
    int: str,
    Decimal: str,
    bytes: _bytea,
    dt.date: dt.date.isoformat,
    list: _array,
}


def line(values: Iterable[Any]) -> str:
    """One row: tab-separated, \\N for NULL, newline-terminated."""
    return "\t".join(NULL if value is None else ENCODERS[type(value)](value) for value in values) + "\n"
