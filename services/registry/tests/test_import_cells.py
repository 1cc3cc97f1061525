"""How the 登记表 import reads single cells (dates, numbers, codes, IDs), checked on the validator itself:
pure Python, no database. What the API refuses the import must refuse too, on the row and field."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from pydantic import TypeAdapter, ValidationError

from fupin_kit.pii import PiiCipher, check_digit
from registry.imports import dates, parsing, template, validation

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
    assert (row, field, reason) == (2, "登记日期", dates.DATE_FORMS)


@pytest.mark.parametrize("cell", ["2023-05-01", "2023/05/01", "20230501"])
def test_the_date_forms_read_until_now_still_are(cell: str) -> None:
    assert staged(household({"登记日期": cell}))["registered_on"] == dt.date(2023, 5, 1)


EXCEL_DATES = [
    "2023/5/1",
    "2023/5/1 0:00",
    "2023/5/1 00:00:00",
    "2023-5-1",
    "2023.5.1",
    "2023.05.01",
    "2023年5月1日",
]


@pytest.mark.parametrize("cell", EXCEL_DATES)
def test_dates_as_excel_writes_them_to_csv_are_read(cell: str) -> None:
    """Chinese Excel saves a date cell as 2023/5/1 (2023/5/1 0:00 for a date-time) or, in the long date
    format, 2023年5月1日: a 登记表 kept in Excel and saved as CSV was refused whole for its dates."""
    assert staged(household({"登记日期": cell}))["registered_on"] == dt.date(2023, 5, 1)


def test_a_gb18030_csv_saved_by_excel_is_read_with_its_dates(tmp_path) -> None:
    rows = []
    for number, cell in enumerate(EXCEL_DATES):
        (group,) = household({"户编号": f"D{number}", "登记日期": cell}).rows
        rows.append(group[1])
    path = tmp_path / "登记表.csv"
    path.write_bytes(template.csv_file(rows).decode("utf-8-sig").encode("gb18030"))
    groups = list(validation.group_rows(parsing.read_rows(path, "csv")))
    assert [staged(group)["registered_on"] for group in groups] == [dt.date(2023, 5, 1)] * len(EXCEL_DATES)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2023/5/1 8:30", "a date without a time of day (only 0:00 may follow it)"),
        ("2023/5/1 0:00 垃圾", dates.DATE_FORMS),
        ("2023/13/1", "“2023/13/1” is not a real date"),
        ("2023.2.30", "“2023.2.30” is not a real date"),
        ("5/1/2023", dates.DATE_FORMS),  # month first or day first: a guess
        ("23/5/1", dates.DATE_FORMS),
        ("2023/5-1", dates.DATE_FORMS),
        ("2023年5月1", dates.DATE_FORMS),
        ("2023/5/1/", dates.DATE_FORMS),
        ("2023//5/1", dates.DATE_FORMS),
    ],
)
def test_nonsense_is_still_refused(cell: str, reason: str) -> None:
    assert problems(household({"登记日期": cell})) == {(2, "登记日期", reason)}
