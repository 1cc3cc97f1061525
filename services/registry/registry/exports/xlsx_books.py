"""The village register 村册, township book 乡簿 and county archive 县档 as XLSX workbooks, streamed.

Each workbook is produced as an async stream of bytes (xlsx_stream): the first bytes leave before the
first page of households is read, and every page of households is turned into rows, zipped and handed to
the response before the next is read, so memory stays at one page and no copy of the data is written to
disk. Building rows (and decrypting) and deflating is CPU work, so each page runs in a worker thread.

A zip entry is written in one run, and a workbook's sheets are filled from the same households (the
households sheet and the members sheet): so each sheet takes its own pass over the pages, and `Pages`
starts a new pass on every call. The passes read the same REPEATABLE READ snapshot (service), so the
sheets agree.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from registry.exports.columns import (
    HOUSEHOLD_COLUMNS,
    MEMBER_COLUMNS,
    Column,
    Disclosure,
    household_values,
    member_values,
)
from registry.exports.service import HouseholdFile
from registry.exports.xlsx_stream import Header, Sheet, WorkbookStream
from registry.households.enums import Cause, HouseholdStatus, MemberStatus, Relation

Row = dict[str, Any]
Pages = Callable[[], AsyncIterator[list[HouseholdFile]]]  # each call: a new pass over the households
PageRows = Callable[[list[HouseholdFile]], None]  # writes a page's rows into the open sheet
MEMBERS_COLUMN = Column("家庭成员", 40, lambda h, e, d: None)


def _headers(columns: Sequence[Column]) -> list[Header]:
    return [(column.header, column.width) for column in columns]


def _member_list(file: HouseholdFile) -> str:
    active = [m for m in file.members if m["status"] == MemberStatus.ACTIVE.value]
    return "、".join(f"{m['name']}（{Relation(m['relation']).label}）" for m in active)


def _write_page(book: WorkbookStream, write: PageRows, page: list[HouseholdFile]) -> bytes:
    write(page)
    return book.take()


async def _pass(
    book: WorkbookStream, pages: Pages, write: PageRows, start: Sheet | None = None
) -> AsyncIterator[bytes]:
    """One pass over the households: `start` is begun at once (its zip entry's header is bytes to send
    before any page is read), then each page is written in a worker thread and its bytes yielded."""
    if start is not None:
        book.write_rows(start, ())
    if chunk := book.take():
        yield chunk
    async for page in pages():
        if chunk := await asyncio.to_thread(_write_page, book, write, page):
            yield chunk


def _members_writer(book: WorkbookStream, sheet: Sheet, disclosure: Disclosure) -> PageRows:
    def write(page: list[HouseholdFile]) -> None:
        book.write_rows(
            sheet,
            (member_values(member, file.household, disclosure) for file in page for member in file.members),
        )

    return write


async def register(pages: Pages, names: dict[str, str], disclosure: Disclosure) -> AsyncIterator[bytes]:
    """村册 / 县档: a households sheet and a members sheet tied by 户编号."""
    book = WorkbookStream()
    households = book.declare("户", _headers(HOUSEHOLD_COLUMNS))
    members = book.declare("成员", _headers(MEMBER_COLUMNS))

    def write_households(page: list[HouseholdFile]) -> None:
        book.write_rows(
            households,
            (
                household_values(
                    file.household, names.get(file.household["division"]), disclosure, file.income
                )
                for file in page
            ),
        )

    async for chunk in _pass(book, pages, write_households, start=households):
        yield chunk
    async for chunk in _pass(book, pages, _members_writer(book, members, disclosure), start=members):
        yield chunk
    yield await asyncio.to_thread(book.finish)


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


async def book(
    villages: list[Row], counts: list[Row], pages: Pages, disclosure: Disclosure
) -> AsyncIterator[bytes]:
    """乡簿: a summary sheet, a members sheet (every member of the township, as in the 村册, tied to its
    household by 户编号), then one sheet per village of the township (empty villages included)."""
    workbook = WorkbookStream()
    summary = workbook.declare("汇总", summary_headers())
    members = workbook.declare("成员", _headers(MEMBER_COLUMNS))
    columns = _headers([*HOUSEHOLD_COLUMNS, MEMBERS_COLUMN])
    # Every village gets its sheet up front (in code order, empty ones too: `finish` writes those).
    sheets = {str(village["code"]): workbook.declare(str(village["name"]), columns) for village in villages}
    names = {str(village["code"]): str(village["name"]) for village in villages}
    workbook.write_rows(summary, summary_rows(villages, counts))

    def write_villages(page: list[HouseholdFile]) -> None:
        # Pages come in (division, id) order: a village's households are one run, so its sheet is too.
        for code, files in itertools.groupby(page, key=lambda file: str(file.household["division"])):
            if code not in sheets:  # a village no longer listed under the township: keep its files too
                sheets[code] = workbook.declare(code, columns)
            workbook.write_rows(
                sheets[code],
                (
                    [
                        *household_values(file.household, names.get(code), disclosure, file.income),
                        _member_list(file),
                    ]
                    for file in files
                ),
            )

    async for chunk in _pass(workbook, pages, _members_writer(workbook, members, disclosure), start=members):
        yield chunk
    async for chunk in _pass(workbook, pages, write_villages):
        yield chunk
    yield await asyncio.to_thread(workbook.finish)
