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


# The staging rows of a valid household and of its members, rendered in one f-string each: `line` looks up
# an encoder per value, which was a fifth of a worker's time. Their layouts are validation.py's
# STAGE_*_COLUMNS (the tests check both against `line`).


def _opt_text(value: str | None) -> str:
    return NULL if value is None else _text(value)


def _opt(value: object) -> str:
    """A nullable value whose text needs no escaping (codes, numbers)."""
    return NULL if value is None else str(value)


def _opt_bool(value: bool | None) -> str:
    return NULL if value is None else ("t" if value else "f")


def household_line(row: tuple[Any, ...]) -> str:
    (
        hh_no, key, first_row, last_row, valid, division, village_group, address, head_name, phone, bank_name,
        account_cipher, account_masked, standard, attribute, main_cause, other_causes, housing_area,
        housing_structure, year_built, safety_grade, has_electricity, fuel, drinking_water, relocation,
        member_count, registered_on, income_year, wage, business, transfer, property_, production_costs,
        net_income, per_capita, household_id, created_event_id, income_event_id, after, created_event,
        income_event, income_member_count,
    ) = row  # fmt: skip
    return (
        f"{hh_no}\t{_text(key)}\t{first_row}\t{last_row}\t{'t' if valid else 'f'}\t{_text(division)}\t"
        f"{_text(village_group)}\t{_text(address)}\t{_text(head_name)}\t{_opt_text(phone)}\t"
        f"{_opt_text(bank_name)}\t{NULL if account_cipher is None else _bytea(account_cipher)}\t"
        f"{_opt_text(account_masked)}\t{standard}\t{attribute}\t{main_cause}\t{_array(other_causes)}\t"
        f"{_opt(housing_area)}\t{_opt(housing_structure)}\t{_opt(year_built)}\t{_opt(safety_grade)}\t"
        f"{_opt_bool(has_electricity)}\t{_opt(fuel)}\t{_opt(drinking_water)}\t{'t' if relocation else 'f'}\t"
        f"{member_count}\t{registered_on.isoformat()}\t{_opt(income_year)}\t{_opt(wage)}\t{_opt(business)}\t"
        f"{_opt(transfer)}\t{_opt(property_)}\t{_opt(production_costs)}\t{_opt(net_income)}\t"
        f"{_opt(per_capita)}\t{household_id}\t{created_event_id}\t{income_event_id}\t{_text(after)}\t"
        f"{_text(created_event)}\t{_opt_text(income_event)}\t{_opt(income_member_count)}\n"
    )


def member_line(row: tuple[Any, ...]) -> str:
    (
        hh_no, ordinal, row_no, member_id, name, sex, id_kind, id_cipher, id_masked, person_index, birth_date,
        relation, ethnicity, education, schooling, health, labour_capacity, work_status, dibao, medical,
        pension, household_id, division, joined_on,
    ) = row  # fmt: skip
    return (
        f"{hh_no}\t{ordinal}\t{row_no}\t{member_id}\t{_text(name)}\t{sex}\t{id_kind}\t{_bytea(id_cipher)}\t"
        f"{_text(id_masked)}\t{_bytea(person_index)}\t{birth_date.isoformat()}\t{relation}\t{ethnicity}\t"
        f"{_opt(education)}\t{_opt(schooling)}\t{health}\t{labour_capacity}\t{_opt(work_status)}\t"
        f"{'t' if dibao else 'f'}\t{'t' if medical else 'f'}\t{'t' if pension else 'f'}\t{household_id}\t"
        f"{_text(division)}\t{joined_on.isoformat()}\n"
    )
