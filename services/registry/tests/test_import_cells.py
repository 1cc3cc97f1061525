"""How the 登记表 import reads single cells (dates, numbers, codes, IDs), checked on the validator itself:
pure Python, no database. What the API refuses the import must refuse too, on the row and field."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from pydantic import TypeAdapter, ValidationError

from fupin_kit.pii import PiiCipher, check_digit
from registry.imports import template, validation

COUNTY = "520102000000"
_serial = itertools.count(1)
_validator = validation.Validator(COUNTY, PiiCipher(os.urandom(32)), ("user:test", "county"))


def resident_id(male: bool = True) -> str:
    n = next(_serial)
    first17 = f"520102{1970 + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}{(n * 2 + int(male)) % 1000:03d}"
    return first17 + check_digit(first17)


def household(
    overrides: dict[str, str] | None = None, member: dict[str, str] | None = None
) -> validation.Group:
    """A one-member household (rows 2 and on) with the template's example values, some cells replaced."""
    row = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    row.update({"户编号": "C1", "证件号码": resident_id()})
    row.update(overrides or {})
    row.update(member or {})
    return validation.Group(1, row["户编号"], [(2, [row[header] for header in template.HEADERS])])


def problems(group: validation.Group) -> set[tuple[int, str, str]]:
    return {(problem.row, problem.field, problem.reason) for problem in _validator.check(group).problems}


def staged(group: validation.Group) -> dict[str, object]:
    checked = _validator.check(group)
    assert checked.problems == [] and checked.staged is not None, checked.problems
    return dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))


@pytest.mark.parametrize(
    "cell", ["2023-05-0199", "2023-05-011", "2023-05-01 垃圾", "2023-05-01abc", "2023-0501"]
)
def test_a_date_with_anything_after_it_is_refused_as_the_api_refuses_it(cell: str) -> None:
    """The import read the first ten characters: 2023-05-011 (the 11th?) was filed as 2023-05-01."""
    with pytest.raises(ValidationError):
        TypeAdapter(dt.date).validate_python(cell)  # HouseholdIn.registered_on
    ((row, field, reason),) = problems(household({"登记日期": cell}))
    assert (row, field) == (2, "登记日期") and reason.startswith("a date as"), reason


@pytest.mark.parametrize("cell", ["2023-05-01", "2023/05/01", "20230501"])
def test_the_date_forms_read_until_now_still_are(cell: str) -> None:
    assert staged(household({"登记日期": cell}))["registered_on"] == dt.date(2023, 5, 1)
