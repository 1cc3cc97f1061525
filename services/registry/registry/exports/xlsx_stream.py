"""A streaming SpreadsheetML (XLSX) writer: the workbook is zipped as its rows are written, into memory the
caller drains, so a download can start with the first row and no part of it ever touches the disk.

Exports carry full resident IDs, so a temporary file would be a copy of them at rest that can outlive the
request (QA8 SS-1); writing the whole workbook before the first byte also outlasts any proxy's read
timeout for a county (SS-2). Here every part is deflated straight into `take()`'s buffer.

The zip goes to a write-only sink, so `zipfile` writes each entry's sizes in a data descriptor after its
data. No ZIP64 fields: Excel refuses a workbook whose entries carry them without needing them, and a
sheet stays far below the 2 GiB they would be needed for (Excel holds 1,048,576 rows a sheet).

What the parts hold mirrors what openpyxl wrote before: inline strings (so text is never a formula, and
no shared-string table grows in memory), a bold filled header row, a frozen first row, column widths,
numbers as numbers and dates as date cells (`yyyy-mm-dd`).
"""

from __future__ import annotations

import datetime
import functools
import re
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

Header = tuple[str, float]  # a column's title and width (in characters, as Excel counts them)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot carry at all: written as U+FFFD rather than failing the whole download.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
FIRST_TRUE_SERIAL = datetime.date(1900, 3, 1)  # before it Excel counts a 29 February 1900 that never was
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
HEADER_STYLE, DATE_STYLE, DATE_TIME_STYLE = 1, 2, 3


class _Sink:
    """Where the zip is written: bytes wait here until `take` hands them to the response. No `tell` or
    `seek`, so zipfile writes data descriptors instead of going back to patch local headers."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def write(self, data: bytes) -> int:
        self._pending += data
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._pending = bytes(self._pending), bytearray()
        return data


@dataclass
class Sheet:
    """A worksheet declared in the workbook: its place among the tabs is the order of declaration."""

    title: str
    headers: Sequence[Header]
    part: str  # the zip entry, e.g. xl/worksheets/sheet3.xml
    written: bool = False  # its part is (being) written: a part is written once, from start to end


class WorkbookStream:
    """Declare sheets, write each one's rows in a single run (one sheet at a time, in any order), then
    `finish`; `take` returns the bytes produced so far. Not thread-safe: use it from one thread at a time."""

    def __init__(self) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED)
        self._sheets: list[Sheet] = []
        self._open: tuple[Sheet, IO[bytes]] | None = None
        self._next_row = 0

    def declare(self, name: str, headers: Sequence[Header]) -> Sheet:
        """A new sheet after those declared so far, titled `name` as Excel allows (see `sheet_title`)."""
        title = sheet_title(name, {sheet.title for sheet in self._sheets})
        sheet = Sheet(title, headers, f"xl/worksheets/sheet{len(self._sheets) + 1}.xml")
        self._sheets.append(sheet)
        return sheet

    def write_rows(self, sheet: Sheet, rows: Iterable[Sequence[Any]]) -> None:
        """Append rows to `sheet`, starting its part (and closing the one before) on its first call."""
        if self._open is None or self._open[0] is not sheet:
            self._start(sheet)
        assert self._open is not None
        handle = self._open[1]
        for values in rows:
            self._next_row += 1
            handle.write(row_xml(self._next_row, values).encode())

    def close_sheet(self) -> None:
        if self._open is not None:
            handle = self._open[1]
            handle.write(b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" ')
            handle.write(b'header="0.5" footer="0.5"/></worksheet>')
            handle.close()
            self._open = None

    def finish(self) -> bytes:
        """Close the last sheet, write the sheets never written to (header only) and the workbook's
        fixed parts, and the zip's central directory; returns the remaining bytes."""
        self.close_sheet()
        for sheet in self._sheets:
            if not sheet.written:
                self.write_rows(sheet, ())
                self.close_sheet()
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.writestr("xl/workbook.xml", workbook_xml(self._sheets))
        self._zip.writestr("xl/_rels/workbook.xml.rels", workbook_rels_xml(self._sheets))
        self._zip.writestr("docProps/app.xml", APP)
        self._zip.writestr("_rels/.rels", ROOT_RELS)
        self._zip.writestr("[Content_Types].xml", content_types_xml(self._sheets))
        self._zip.close()
        return self.take()

    def take(self) -> bytes:
        return self._sink.take()

    def _start(self, sheet: Sheet) -> None:
        if sheet.written:
            raise ValueError(f"sheet {sheet.title!r} was already written; a sheet is written in one run")
        self.close_sheet()
        sheet.written = True
        entry = zipfile.ZipInfo(sheet.part, date_time=time.localtime()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        handle = self._zip.open(entry, "w")
        handle.write(sheet_prelude(sheet.headers).encode())
        self._open, self._next_row = (sheet, handle), 1


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = SHEET_TITLE_FORBIDDEN.sub("_", name)[:SHEET_TITLE_MAX] or "Sheet"
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
    return title


@functools.cache  # a handful of columns, asked for in every row
def column_letter(index: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sheet_prelude(headers: Sequence[Header]) -> str:
    """Everything before the data rows: the frozen first row, the column widths and the header row."""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width:g}" customWidth="1"/>'
        for i, (_, width) in enumerate(headers, start=1)
    )
    header = "".join(
        f'<c r="{column_letter(i)}1" s="{HEADER_STYLE}" t="inlineStr">{_inline(title)}</c>'
        for i, (title, _) in enumerate(headers, start=1)
    )
    return (
        f'{XML_DECLARATION}<worksheet xmlns="{MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
        '</sheetPr><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}'
        f'<sheetData><row r="1">{header}</row>'
    )


def row_xml(number: int, values: Sequence[Any]) -> str:
    cells = "".join(
        cell_xml(f"{column_letter(i)}{number}", value)
        for i, value in enumerate(values, start=1)
        if value is not None and value != ""  # no cell, as openpyxl wrote it: reads back as empty
    )
    return f'<row r="{number}">{cells}</row>'


def cell_xml(reference: str, value: Any) -> str:
    """One cell. Text is always an inline string, whatever it starts with ("=", "+", "@"): it is never
    read as a formula. Numbers are numbers; dates are date serials shown as dates."""
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr">{_inline(value)}</c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{reference}" t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, datetime.date):
        return _date_cell(reference, value)
    raise TypeError(f"no spreadsheet cell for {type(value).__name__} {value!r}")


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"no spreadsheet number for {value}")
        return format(value.normalize(), "f")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError(f"no spreadsheet number for {value}")
    return repr(value)


def _date_cell(reference: str, value: datetime.date) -> str:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day < FIRST_TRUE_SERIAL:  # Excel's serials are off by a day before March 1900: keep the date as text
        return f'<c r="{reference}" t="inlineStr">{_inline(value.isoformat())}</c>'
    moment = (
        value if isinstance(value, datetime.datetime) else datetime.datetime.combine(value, datetime.time())
    )
    serial = (moment.replace(tzinfo=None) - EXCEL_EPOCH) / datetime.timedelta(days=1)
    style = DATE_TIME_STYLE if isinstance(value, datetime.datetime) else DATE_STYLE
    return f'<c r="{reference}" s="{style}" t="n"><v>{serial:.10g}</v></c>'


def _inline(text: str) -> str:
    text = NOT_XML.sub("\ufffd", text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{escape(text, {chr(13): '&#13;'})}</t></is>"


def workbook_xml(sheets: Sequence[Sheet]) -> str:
    entries = "".join(
        f'<sheet name={quoteattr(sheet.title)} sheetId="{i}" r:id="rId{i}"/>'
        for i, sheet in enumerate(sheets, start=1)
    )
    return (
        f'{XML_DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><workbookPr/>'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets>{entries}</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def workbook_rels_xml(sheets: Sequence[Sheet]) -> str:
    worksheet = f"{RELATIONSHIPS}/worksheet"
    links = "".join(
        f'<Relationship Id="rId{i}" Type="{worksheet}" Target="/{sheet.part}"/>'
        for i, sheet in enumerate(sheets, start=1)
    )
    styles = f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    return f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}{styles}</Relationships>'


def content_types_xml(sheets: Sequence[Sheet]) -> str:
    office = "application/vnd.openxmlformats-officedocument"
    worksheets = "".join(
        f'<Override PartName="/{sheet.part}" ContentType="{office}.spreadsheetml.worksheet+xml"/>'
        for sheet in sheets
    )
    return (
        f'{XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/>'
        f"{worksheets}</Types>"
    )


ROOT_RELS = (
    f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
APP = (
    f"{XML_DECLARATION}<Properties "
    'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)
# Cell styles by index: 0 plain, 1 the header (bold, light blue fill, centred, wrapped), 2 a date,
# 3 a date and time.
STYLES = (
    f'{XML_DECLARATION}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill><fill><patternFill patternType="solid"><fgColor rgb="00DDEBF7"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
