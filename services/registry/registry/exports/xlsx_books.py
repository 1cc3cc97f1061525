"""The village register 村册, township book 乡簿 and county archive 县档 as XLSX workbooks.

openpyxl's write-only workbook spools each sheet's rows to a temporary file as they are appended and
zips them on save, so memory stays at one page of households however large the division. Appending
(and decrypting) is CPU work, so each page is written in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from registry.exports.columns import (
    HOUSEHOLD_COLUMNS,
    MEMBER_COLUMNS,
    Column,
    Disclosure,
    household_values,
    member_values,
)
from registry.exports.service import HouseholdFile
from registry.households.enums import Cause, HouseholdStatus, MemberStatus, Relation

Row = dict[str, Any]
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
MEMBERS_COLUMN = Column("家庭成员", 40, lambda h, e, d: None)


def _sheet(workbook: Any, title: str, headers: Sequence[tuple[str, float]]) -> Any:
    """A write-only sheet with a bold, frozen header row and set widths (both must precede any row)."""
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (_, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    cells = []
    for header, _ in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    sheet.append(cells)
    return sheet


def _as_text(sheet: Any, values: Sequence[Any]) -> list[Any]:
    """A row whose strings stay strings: openpyxl stores a string that starts with "=" as a formula, so
    an address or a name typed as "=HYPERLINK(...)" would become a live formula in the official's Excel
    (formula injection). Such strings go in as cells typed as text; everything else as it is."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def _headers(columns: Sequence[Column]) -> list[tuple[str, float]]:
    return [(column.header, column.width) for column in columns]


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = SHEET_TITLE_FORBIDDEN.sub("_", name)[:SHEET_TITLE_MAX] or "Sheet"
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _member_list(file: HouseholdFile) -> str:
    active = [m for m in file.members if m["status"] == MemberStatus.ACTIVE.value]
    return "、".join(f"{m['name']}（{Relation(m['relation']).label}）" for m in active)


async def write_register(
    path: Path, pages: AsyncIterator[list[HouseholdFile]], names: dict[str, str], disclosure: Disclosure
) -> int:
    """村册 / 县档: a households sheet and a members sheet tied by 户编号. Returns the households written."""
    workbook = Workbook(write_only=True)
    households = _sheet(workbook, "户", _headers(HOUSEHOLD_COLUMNS))
    members = _sheet(workbook, "成员", _headers(MEMBER_COLUMNS))

    def write(page: list[HouseholdFile]) -> None:
        for file in page:
            household = file.household
            values = household_values(household, names.get(household["division"]), disclosure, file.income)
            households.append(_as_text(households, values))
            for member in file.members:
                members.append(_as_text(members, member_values(member, household, disclosure)))

    written = 0
    async for page in pages:
        await asyncio.to_thread(write, page)
        written += len(page)
    await asyncio.to_thread(workbook.save, path)
    return written


def summary_rows(villages: list[Row], counts: list[Row]) -> list[list[Any]]:
    """Per village: households, people, households by status and by main cause; then the totals."""
    statuses, causes = list(HouseholdStatus), list(Cause)
    width = 2 + len(statuses) + len(causes)
    table: dict[str, list[int]] = {str(village["code"]): [0] * width for village in villages}
    for row in counts:
        cells = table.setdefault(str(row["division"]), [0] * width)
        cells[0] += int(row["households"])
        cells[1] += int(row["people"])
        cells[2 + statuses.index(HouseholdStatus(row["status"]))] += int(row["households"])
        cells[2 + len(statuses) + causes.index(Cause(row["main_cause"]))] += int(row["households"])
    names = {str(village["code"]): str(village["name"]) for village in villages}
    rows: list[list[Any]] = [[code, names.get(code, ""), *cells] for code, cells in sorted(table.items())]
    totals = [sum(column) for column in zip(*table.values(), strict=True)] if table else [0] * width
    rows.append(["合计", "", *totals])
    return rows


def summary_headers() -> list[tuple[str, float]]:
    return [
        ("行政区划代码", 15),
        ("村（社区）", 18),
        ("户数", 8),
        ("人口数", 8),
        *((f"{status.label}（户）", 12) for status in HouseholdStatus),
        *((f"{cause.label}（户）", 10) for cause in Cause),
    ]


async def write_book(
    path: Path,
    villages: list[Row],
    counts: list[Row],
    pages: AsyncIterator[list[HouseholdFile]],
    disclosure: Disclosure,
) -> int:
    """乡簿: a summary sheet, a members sheet (every member of the township, as in the 村册, tied to its
    household by 户编号), then one sheet per village of the township (empty villages included)."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    summary = _sheet(workbook, sheet_title("汇总", taken), summary_headers())
    for row in summary_rows(villages, counts):
        summary.append(_as_text(summary, row))
    members = _sheet(workbook, sheet_title("成员", taken), _headers(MEMBER_COLUMNS))
    columns = [*HOUSEHOLD_COLUMNS, MEMBERS_COLUMN]
    # Every village gets its sheet up front (in code order, empty ones too); each spools to its own file.
    sheets = {
        str(village["code"]): _sheet(workbook, sheet_title(str(village["name"]), taken), _headers(columns))
        for village in villages
    }
    names = {str(village["code"]): str(village["name"]) for village in villages}

    def write(page: list[HouseholdFile]) -> None:
        for file in page:
            household = file.household
            code = household["division"]
            if code not in sheets:  # a village no longer listed under the township: keep its files too
                sheets[code] = _sheet(workbook, sheet_title(code, taken), _headers(columns))
            values = household_values(household, names.get(code), disclosure, file.income)
            sheets[code].append(_as_text(sheets[code], [*values, _member_list(file)]))
            for member in file.members:
                members.append(_as_text(members, member_values(member, household, disclosure)))

    written = 0
    async for page in pages:
        await asyncio.to_thread(write, page)
        written += len(page)
    await asyncio.to_thread(workbook.save, path)
    return written
