"""QA8 SS-3 and SS-4, through the registry's HTTP import on real PostgreSQL: an amount's comma is read only
as a thousands separator, and an XLSX date-time cell with a time of day is refused as its CSV form is."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.imports import template

VILLAGE = "520102016001"
COUNTY = "520102000000"
TABLES = ("households", "household_members", "household_incomes", "household_history", "outbox", "audit_log")
COMMA_REASON = "a comma may only separate thousands (3,000 or 1,234,567.50)"
TIME_OF_DAY_REASON = "a date without a time of day (only 0:00 may follow it)"
_serial = itertools.count(1)
# A person's name holds no digit: a household key's digits are spelled out in the names made from it.
SPELLED = str.maketrans("0123456789", "〇一二三四五六七八九")


def resident_id(male: bool) -> str:
    n = next(_serial)
    first17 = f"520102{1971 + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}{(n * 2 + int(male)) % 1000:03d}"
    return first17 + check_digit(first17)


def household_rows(key: str, overrides: dict[str, str] | None = None) -> list[list[str]]:
    """A two-member household with the template's example values, some household cells replaced."""
    head = f"户主{key}".translate(SPELLED)
    values = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    values.update({"户编号": key, "村代码": VILLAGE, "户主姓名": head, "姓名": head})
    values.update(overrides or {})
    values["证件号码"] = resident_id(True)
    spouse = dict.fromkeys(template.HEADERS, "")
    spouse.update(
        {"户编号": key, "姓名": f"成员{key}".translate(SPELLED), "性别": "女", "证件号码": resident_id(False)}
    )
    spouse.update({"与户主关系": "配偶", "民族": "汉族", "健康状况": "健康", "劳动能力": "普通劳动力"})
    return [[row[header] for header in template.HEADERS] for row in (values, spouse)]


def officer(registry) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("county", COUNTY, ["officer"])
    return headers


async def imported(registry, content: bytes, name: str) -> dict[str, Any]:
    result: dict[str, Any] = await registry.imported(content, name, officer(registry))
    return result


async def report(registry, import_id: str) -> list[dict[str, Any]]:
    response = await registry.client.get(f"/imports/{import_id}/report", headers=officer(registry))
    assert response.status_code == 200, response.text
    lines: list[dict[str, Any]] = response.json()["lines"]
    return lines


async def counts(registry) -> dict[str, int]:
    async with registry.app.state.engine.connect() as connection:
        return {
            table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in TABLES
        }


async def rejections(registry, content: bytes, name: str) -> set[tuple[str, str, str]]:
    before = await counts(registry)
    result = await imported(registry, content, name)
    assert result["status"] == "rejected", result
    assert await counts(registry) == before
    return {
        (line["household_key"], line["field"], line["reason"])
        for line in await report(registry, result["id"])
        if line["status"] == "rejected"
    }


async def accepted_household(registry, content: bytes, name: str) -> dict[str, Any]:
    result = await imported(registry, content, name)
    lines = await report(registry, result["id"])
    assert result["status"] == "accepted", lines
    response = await registry.client.get(f"/households/{lines[0]['household_id']}", headers=officer(registry))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def workbook_with_registered_on(rows: list[list[str]], value: dt.datetime) -> bytes:
    """The template workbook of `rows` with the head row's 登记日期 an Excel date-time cell."""
    workbook = load_workbook(io.BytesIO(template.xlsx_file(rows)))
    sheet = workbook[template.DATA_SHEET]
    cell = sheet.cell(2, template.HEADERS.index("登记日期") + 1)
    cell.value = value
    cell.number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- SS-3: a comma in an amount ----------------------------------------------------------------------


async def test_a_comma_that_is_not_a_thousands_separator_rejects_the_row_on_its_field(
    writable_registry,
) -> None:
    """`1200，800` (an IME's full-width comma between two figures) was filed as a wage of 1,200,800, `3,5`
    as 35 and a housing area `6,05` as 605 m²: every comma was dropped, wherever it stood. The API refuses
    all three."""
    registry = writable_registry
    rows = household_rows("K1", {"工资性收入": "1200，800", "转移性收入": "3,5", "住房面积": "6,05"})
    reasons = await rejections(registry, template.csv_file(rows), "登记表.csv")
    assert reasons == {
        ("K1", "工资性收入", f"“1200,800” is not a number: {COMMA_REASON}"),
        ("K1", "转移性收入", f"“3,5” is not a number: {COMMA_REASON}"),
        ("K1", "住房面积", f"“6,05” is not a number: {COMMA_REASON}"),
    }


async def test_thousands_separators_are_still_read(writable_registry) -> None:
    registry = writable_registry
    rows = household_rows(
        "K2", {"工资性收入": "3,000", "家庭经营性收入": "1,234,567.50", "住房面积": "1,200"}
    )
    body = await accepted_household(registry, template.csv_file(rows), "登记表.csv")
    assert body["living"]["housing_area"] == "1200.00"
    incomes = await registry.client.get(f"/households/{body['id']}/incomes", headers=officer(registry))
    assert (incomes.json()[0]["wage"], incomes.json()[0]["business"]) == ("3000.00", "1234567.50")


async def test_an_amount_in_a_form_the_api_refuses_rejects_the_row_on_its_field(writable_registry) -> None:
    """Digit separators, exponents and NaN, which decimal.Decimal reads and the API refuses (QA8 FW-5)."""
    registry = writable_registry
    rows = household_rows("K3", {"工资性收入": "1_000", "转移性收入": "1E+3", "住房面积": "NaN"})
    reasons = await rejections(registry, template.csv_file(rows), "登记表.csv")
    plain = "is not a number written in plain digits (like 2500 or 2500.50)"
    assert reasons == {
        ("K3", "工资性收入", f"“1_000” {plain}"),
        ("K3", "转移性收入", f"“1E+3” {plain}"),
        ("K3", "住房面积", f"“NaN” {plain}"),
    }


# ---- SS-4: an XLSX date-time cell ----------------------------------------------------------------------


async def test_an_xlsx_date_time_cell_with_a_time_of_day_is_refused_on_its_field(writable_registry) -> None:
    """The cell's time was dropped (10:30 → the date), while the docs and the CSV path refuse a time of day."""
    registry = writable_registry
    content = workbook_with_registered_on(household_rows("T1"), dt.datetime(2020, 1, 1, 10, 30))
    reasons = await rejections(registry, content, "登记表.xlsx")
    assert reasons == {("T1", "登记日期", TIME_OF_DAY_REASON)}

    for key, instant in (
        ("T2", dt.datetime(2020, 1, 1, 0, 0, 1)),
        ("T4", dt.datetime(2020, 1, 1, 0, 0, 0, 500000)),
    ):
        content = workbook_with_registered_on(household_rows(key), instant)
        assert await rejections(registry, content, "登记表.xlsx") == {(key, "登记日期", TIME_OF_DAY_REASON)}


async def test_an_xlsx_date_time_cell_at_midnight_is_its_date(writable_registry) -> None:
    registry = writable_registry
    content = workbook_with_registered_on(household_rows("T3"), dt.datetime(2020, 1, 1))
    body = await accepted_household(registry, content, "登记表.xlsx")
    assert {member["joined_on"] for member in body["members"]} == {"2020-01-01"}
