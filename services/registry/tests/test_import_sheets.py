"""Which rows of an uploaded workbook the 登记表 import reads, through the registry's HTTP API on real
PostgreSQL: "accepted" must mean every household in the file was read, so a workbook whose households
cannot all be read is refused, naming the sheets (imports/parsing._data_sheet)."""

from __future__ import annotations

import io
import itertools
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from fupin_kit.pii import check_digit
from registry.imports import parsing, template

VILLAGE = "520102016001"
COUNTY = "520102000000"
_serial = itertools.count(1)
# A person's name holds no digit (fupin_kit.text_rules.person_name_rule): a household key's digits are spelled
# out in the names made from it (户主A1 is 户主A一).
SPELLED = str.maketrans("0123456789", "〇一二三四五六七八九")


def resident_id(male: bool) -> str:
    n = next(_serial)
    first17 = f"520102{1960 + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}{(n * 2 + int(male)) % 1000:03d}"
    return first17 + check_digit(first17)


def household_rows(key: str, members: int = 2) -> list[list[str]]:
    """Template rows of one valid household (household columns on the first row only)."""
    first = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    head = f"户主{key}".translate(SPELLED)
    first.update({"户编号": key, "村代码": VILLAGE, "户主姓名": head})
    rows = []
    for index in range(members):
        row = dict(first) if index == 0 else dict.fromkeys(template.HEADERS, "")
        row.update(
            {
                "户编号": key,
                "姓名": head if index == 0 else f"成员{key}{index}".translate(SPELLED),
                "性别": "男" if index != 1 else "女",
                "证件号码": resident_id(index != 1),
                "与户主关系": "户主" if index == 0 else "配偶",
                "健康状况": "健康",
                "劳动能力": "普通劳动力",
            }
        )
        rows.append([row[header] for header in template.HEADERS])
    return rows


def fill(sheet: Any, rows: list[list[str]], header: bool = True) -> None:
    if header:
        sheet.append(list(template.HEADERS))
    for row in rows:
        sheet.append(row)


def saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def officer(registry) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("county", COUNTY, ["officer"])
    return headers


async def imported(registry, content: bytes, name: str = "登记表.xlsx") -> dict[str, Any]:
    result: dict[str, Any] = await registry.imported(content, name, officer(registry))
    return result


async def refusal(registry, content: bytes, name: str = "登记表.xlsx") -> tuple[int, str, str]:
    """The file-level problem of a rejected import: (row, field, reason). Nothing was registered."""
    async with registry.app.state.engine.connect() as connection:
        before = (await connection.execute(text("SELECT count(*) FROM households"))).scalar_one()
    result = await imported(registry, content, name)
    assert result["status"] == "rejected", result
    assert result["households_accepted"] == 0
    async with registry.app.state.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM households"))).scalar_one() == before
    lines = (await registry.client.get(f"/imports/{result['id']}/report", headers=officer(registry))).json()
    ((row, field, reason),) = [(line["row"], line["field"], line["reason"]) for line in lines["lines"]]
    return row, field, reason


async def test_households_on_two_sheets_are_refused_naming_both(writable_registry) -> None:
    """One sheet per 组 is how many counties keep their files: the second sheet was dropped, "accepted"."""
    workbook = Workbook()
    first = workbook.active
    first.title = "一组"
    fill(first, household_rows("S1"))
    fill(workbook.create_sheet("二组"), household_rows("S2") + household_rows("S3"))
    row, field, reason = await refusal(writable_registry, saved(workbook))
    assert (row, field) == (1, "工作表")
    assert reason == (
        "households are on more than one sheet (“一组”、“二组”): put them on one sheet, "
        "or upload each sheet as a file of its own"
    )


async def test_the_downloaded_template_with_households_on_a_sheet_of_their_own(writable_registry) -> None:
    """The clerk deletes the examples from 登记表 and pastes the village's households on a new sheet: the
    import read the empty 登记表 and answered "accepted" with nothing registered."""
    registry = writable_registry
    downloaded = (await registry.client.get("/imports/template.xlsx")).content
    workbook = load_workbook(io.BytesIO(downloaded))
    workbook[template.DATA_SHEET].delete_rows(2, 2)
    fill(workbook.create_sheet("乔洛村"), household_rows("Q1") + household_rows("Q2"))
    result = await imported(registry, saved(workbook))
    assert result["status"] == "accepted", result
    assert (result["households_accepted"], result["members_accepted"]) == (2, 4)

    # Pasted without the header, the new sheet's rows cannot be read: refused, naming it.
    workbook = load_workbook(io.BytesIO(downloaded))
    workbook[template.DATA_SHEET].delete_rows(2, 2)
    fill(workbook.create_sheet("乔洛村"), household_rows("Q3"), header=False)
    row, field, reason = await refusal(registry, saved(workbook))
    assert (row, field) == (1, "工作表") and reason.startswith("the sheet “乔洛村” does not begin with"), (
        reason
    )


async def test_a_file_without_households_is_refused_not_accepted(writable_registry) -> None:
    registry = writable_registry
    expected = (1, "文件", parsing.NO_HOUSEHOLDS)
    assert await refusal(registry, template.xlsx_file([])) == expected
    assert await refusal(registry, template.csv_file([]), "登记表.csv") == expected
    blank_rows = template.csv_file([[""] * len(template.HEADERS)] * 3)
    assert await refusal(registry, blank_rows, "空.csv") == expected


async def test_a_hidden_sheet_of_households_is_refused_and_other_hidden_sheets_ignored(
    writable_registry,
) -> None:
    """A hidden 登记表 was read and the visible sheet ignored; a hidden lookup sheet in front of the data
    was read as the data and the file refused for 'missing' every column."""
    registry = writable_registry
    workbook = Workbook()
    hidden = workbook.active
    hidden.title = template.DATA_SHEET
    fill(hidden, household_rows("H1"))
    hidden.sheet_state = "hidden"
    fill(workbook.create_sheet("Sheet2"), household_rows("H2"))
    row, field, reason = await refusal(registry, saved(workbook))
    assert (row, field) == (1, "工作表")
    assert reason == "the hidden sheet “登记表” holds households: unhide it to import them, or delete it"

    workbook = Workbook()
    lookup = workbook.active
    lookup.title = "数据源"
    lookup["A1"] = "lookup"
    lookup.sheet_state = "hidden"
    fill(workbook.create_sheet("Sheet1"), household_rows("H3"))
    result = await imported(registry, saved(workbook))
    assert (result["status"], result["households_accepted"]) == ("accepted", 1), result


async def test_a_title_above_the_header_names_the_sheet(writable_registry) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.DATA_SHEET
    sheet.append(["雷山县贫困户登记表"])
    fill(sheet, household_rows("T1"))
    row, field, reason = await refusal(writable_registry, saved(workbook))
    assert (row, field) == (1, "工作表") and reason.startswith("the sheet “登记表” does not begin with"), (
        reason
    )
