"""Reading an uploaded file row by row, whatever its format, without loading it into memory.

CSV is read through the csv module from the spooled file (UTF-8 with or without BOM; GB18030, which is
what Excel on a Chinese Windows writes, when the start of the file is not valid UTF-8). XLSX is read with
openpyxl's read-only mode, which streams the sheet XML instead of building the whole workbook.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import io
import operator
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any, cast

from registry.imports import normal_form
from registry.imports.template import ALIASES, BY_HEADER, COLUMNS, LISTS_SHEET, LOOKALIKES, NOTES_SHEET

XLSX_MAGIC = b"PK\x03\x04"
# An OLE2 compound file: an Excel 97–2003 .xls, a WPS .et, or an XLSX saved with a password (Office
# encrypts the whole package into one). Neither CSV text nor a workbook openpyxl can read.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLD_WORKBOOK = (
    "an old .xls/.et workbook or an encrypted one is not accepted: save it as .xlsx (Excel 2007 or later) "
    "without a password, or as CSV"
)
SNIFF_BYTES = 1 << 16


class FileProblem(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def detect_format(path: Path, filename: str) -> str:
    with path.open("rb") as handle:
        head = handle.read(len(OLE_MAGIC))
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head == OLE_MAGIC:
        # Whatever its name (.xls, .et, .xlsx): refused naming the cause (as read_xlsx refuses it when
        # handed one directly), rather than read as text in an encoding it is not.
        raise FileProblem(OLD_WORKBOOK)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem("the file is named .xlsx but is not an XLSX workbook")
    return "csv"


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sniff boundary is not an error
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


NUL = "\x00"
# What a NUL in a cell becomes (U+FFFD, the replacement character): the validator refuses cells holding it.
UNREADABLE = "\ufffd"
# What an XLSX cell no person's value can be read from becomes, for the validator to name the cause on its
# row and field (validation._unreadable_cells): a cell holding U+FFFD is refused whatever else it holds, so
# a CSV cell spelling one of these out is refused as well, if for a reason of its own.
UNCOMPUTED = UNREADABLE + "formula"  # a formula saved without its result (written by a program, not Excel)
INEXACT_NUMBER = UNREADABLE + "number"  # an identifier stored as a number that may have lost digits
# The identifier columns of validation.COMPACT_KEYS: digits that are a number's name, not an amount. Excel
# keeps 15 significant digits of a number, so one typed or pasted into a cell not formatted as text is
# rounded in the file already (6217790012345678123 is saved as 6217790012345679872), and turning it back
# into digits would store a wrong ID (a valid one about one time in eleven, a person in two households) or
# send payments to a wrong account. A number cell is read only when it cannot have lost a digit: a whole
# number of at most 15 digits.
# - 证件号码: an ID has 18 characters and a certificate 20, so a number never is one; one of at most 15
#   digits is read as such and refused by the ID's own rule, naming its length.
# - 银行账号: 16–19-digit card numbers are refused; a shorter account is exact but for a leading 0, which
#   Excel drops from any number (as from a landline's area code below).
# - 联系电话: an 11-digit mobile is exact. (A landline typed as a number has lost its leading 0, which no
#   reader can tell from the file: the template formats the column as text.)
NUMBER_SAFE_DIGITS = 15
IDENTIFIER_KEYS = frozenset({"person_id", "bank_account", "phone"})


# Units and notes officials add to a header: 住房面积（平方米）, 工资性收入(元), 是否低保（是/否）.
HEADER_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def template_header(raw: str) -> str:
    """The template header a file's header stands for (itself when it is none): in normal form (full-width
    brackets are read as ASCII), without spaces or a bracketed unit at its end, an alias read as its
    template header."""
    name = "".join(normal_form.cell(raw).split())
    name = HEADER_NOTE.sub("", name) or name
    return ALIASES.get(name, name)


def resembles(name: str) -> str | None:
    """The template columns a header that is none of them looks like (by a key word of theirs), as the
    reason names them; None for a header unrelated to any (备注, 序号, 乡镇名称), which is ignored."""
    for word, headers in LOOKALIKES:
        if word in name:
            return "、".join(headers)
    return None


@dataclass(frozen=True)
class Layout:
    """Which position of the file's rows holds each template column (None: the column is absent)."""

    positions: tuple[int | None, ...]

    @classmethod
    def from_header(cls, header: list[str]) -> Layout:
        found: dict[str, int] = {}
        for index, raw in enumerate(header):
            name = template_header(raw)
            if name in found:
                # Which of the two would hold the value is a guess; a guess would file the wrong person.
                raise FileProblem(f"the column {name} appears twice (as {raw.strip()})", field=name)
            if name in BY_HEADER:
                found[name] = index
                continue
            resembled = resembles(name)
            if resembled is not None:
                # Ignored, its values would be lost while the file is "accepted": a wage column headed
                # 工资收入 was imported as a wage of 0.
                raise FileProblem(
                    f"the column “{raw.strip()}” is not one of the template's but looks like {resembled}: "
                    "rename it to the template's header, or delete the column if it is not to be imported",
                    field=raw.strip(),
                )
        missing = [column.header for column in COLUMNS if column.required and column.header not in found]
        if missing:
            raise FileProblem(f"missing required columns: {'、'.join(missing)}", field=missing[0])
        return cls(tuple(found.get(column.header) for column in COLUMNS))

    def pick(self, values: list[str]) -> list[str]:
        """The row's values in template column order ('' for absent columns and short rows), trimmed and
        in one normal form (normal_form.py)."""
        width = len(values)
        if self.getter is not None and width > self.widest:  # every column present: all in C
            picked = list(map(str.strip, self.getter(values)))
        else:
            picked = [
                values[position].strip() if position is not None and position < width else ""
                for position in self.positions
            ]
        picked = normal_form.row(picked)
        if NUL in "".join(picked):
            # PostgreSQL text cannot hold a NUL: marked here, the validator names the cell (validation).
            return [value.replace(NUL, UNREADABLE) for value in picked]
        return picked

    @functools.cached_property
    def widest(self) -> int:
        return max((position for position in self.positions if position is not None), default=-1)

    @functools.cached_property
    def getter(self) -> Callable[[list[str]], tuple[str, ...]] | None:
        if None in self.positions or len(self.positions) < 2:
            return None
        return operator.itemgetter(*cast(tuple[int, ...], self.positions))


Row = tuple[int, list[str]]  # (1-based row number in the file, values in template column order)


def has_value(values: list[str]) -> bool:
    """Whether a record holds anything but blanks. A cell of spaces is empty: a stray space typed below the
    data made a member of its row (and of every blank row above it), refused for six required fields."""
    return any(map(str.strip, values))


def _csv_rows(handle: IO[str]) -> Iterator[list[str]]:
    yield from csv.reader(handle)


CsvRecord = tuple[int, list[str], str]  # (1-based row number, values in file order, the record's own text)


def read_csv_records(path: Path) -> tuple[Layout, Iterator[CsvRecord]]:
    """The header's layout, then every record (blank ones too) with its text exactly as in the file.

    A worker process re-parses that text (csv_text_rows): shipping one string per chunk costs nothing,
    pickling lists of cells cost the reading process more than the parse itself. csv.reader pulls lines
    from its iterator only until a record is complete, so the lines pulled since the last record are
    exactly this record's text (quoted newlines included)."""
    handle = path.open(encoding=detect_encoding(path), newline="", errors="strict")
    pulled: list[str] = []

    def tap() -> Iterator[str]:
        for line in handle:
            pulled.append(line)
            yield line

    reader = csv.reader(tap())
    try:
        with _csv_errors():
            header = next(reader, None)
            if header is None:
                raise FileProblem("the file is empty")
            layout = Layout.from_header(header)
    except BaseException:
        handle.close()
        raise

    def records() -> Iterator[CsvRecord]:
        with handle, _csv_errors():
            for number, values in enumerate(reader, start=2):
                text = "".join(pulled)
                pulled.clear()
                yield number, values, text

    pulled.clear()
    return layout, records()


def csv_text_rows(text: str, first_number: int, layout: Layout) -> list[Row]:
    """The rows of records read by read_csv_records, parsed again from their text (blank rows skipped,
    as read_csv does)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    return [
        (number, layout.pick(values))
        for number, values in enumerate(reader, first_number)
        if has_value(values)
    ]


@contextlib.contextmanager
def _csv_errors() -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError as exc:
        raise FileProblem(f"the file is neither UTF-8 nor GB18030 text ({exc.reason})") from None
    except csv.Error as exc:
        raise FileProblem(f"not a readable CSV file: {exc}") from None


def read_csv(path: Path) -> Iterator[Row]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="", errors="strict") as handle:
        try:
            rows = _csv_rows(handle)
            header = next(rows, None)
            if header is None:
                raise FileProblem("the file is empty")
            layout = Layout.from_header(header)
            read = False
            for number, values in enumerate(rows, start=2):
                if has_value(values):
                    read = True
                    yield number, layout.pick(values)
            if not read:
                raise FileProblem(NO_HOUSEHOLDS)
        except UnicodeDecodeError as exc:
            raise FileProblem(f"the file is neither UTF-8 nor GB18030 text ({exc.reason})") from None
        except csv.Error as exc:
            raise FileProblem(f"not a readable CSV file: {exc}") from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        # A date-time cell at midnight is a date (what Excel holds for a typed date). Any other time is
        # kept, for the date check to refuse as it refuses `2020/1/1 10:30` in a CSV: dropping it filed
        # the row as if the cell held a date.
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Sheets of the downloadable template that never hold households (template.xlsx_template).
TEMPLATE_AUX_SHEETS = (NOTES_SHEET, LISTS_SHEET)
KEY_HEADER = COLUMNS[0].header  # 户编号: what tells a sheet of households from a sheet of anything else
NO_HOUSEHOLDS = "the file holds no households: no row below the header has a value"
SHEET_FIELD = "工作表"  # the report's field for a problem of a workbook's sheets


def _blank(values: Iterable[Any]) -> bool:
    return not any(_cell(value).strip() for value in values)


class SheetKind(Enum):
    HOUSEHOLDS = "households"  # the template's header in row 1 and a row with a value below it
    OTHER = "other"  # a value somewhere, and no template header
    EMPTY = "empty"  # no value, or the template's header alone


def _sheet_kind(sheet: Any) -> SheetKind:
    rows = sheet.iter_rows(values_only=True)  # read lazily: each test stops at the first value it finds
    first = next(rows, None)
    if first is None:
        return SheetKind.EMPTY
    if KEY_HEADER in _header_names(first):
        return SheetKind.EMPTY if all(map(_blank, rows)) else SheetKind.HOUSEHOLDS
    return SheetKind.EMPTY if _blank(first) and all(map(_blank, rows)) else SheetKind.OTHER


def _header_names(values: Iterable[Any]) -> set[str]:
    return {template_header(_cell(value)) for value in values}


def _names(titles: list[str]) -> str:
    return "、".join(f"“{title}”" for title in titles)


def _data_sheet(workbook: Any) -> Any:
    """The one sheet to read, or FileProblem saying why none can be. A workbook's rows are never skipped in
    silence: an answer of "accepted" must mean every household in the file was read.

    - A sheet whose first row names 户编号 is a sheet of households; one with no row below the header (the
      template's 登记表 emptied of its examples) holds none and is passed over.
    - Households on two sheets are refused, naming them: the report numbers rows within one sheet, so
      rows from two could not be told apart (a county's workbook of one sheet per village is uploaded
      one sheet at a time, or with the sheets pasted into one).
    - A hidden sheet of households is refused: nobody looking at the file sees those rows, and neither
      importing nor ignoring them would be what its clerk expects. Other hidden sheets (lookup lists,
      formulas' sources) are ignored.
    - Any other visible sheet with a value in it is refused, unless it is the template's own 填写说明 or
      代码表: its rows would not be read (a title above the header, a header in other words, households
      pasted below no header at all).
    """
    households: list[Any] = []
    hidden: list[str] = []
    unread: list[str] = []
    for sheet in workbook.worksheets:
        kind = _sheet_kind(sheet)
        if sheet.sheet_state != "visible":  # hidden or veryHidden
            if kind is SheetKind.HOUSEHOLDS:
                hidden.append(sheet.title)
        elif kind is SheetKind.HOUSEHOLDS:
            households.append(sheet)
        elif kind is SheetKind.OTHER and sheet.title not in TEMPLATE_AUX_SHEETS:
            unread.append(sheet.title)
    if hidden:
        raise FileProblem(
            f"the hidden sheet {_names(hidden)} holds households: unhide it to import them, or delete it",
            field=SHEET_FIELD,
        )
    if unread:
        raise FileProblem(
            f"the sheet {_names(unread)} does not begin with the template's header row ({KEY_HEADER}、"
            f"{COLUMNS[1].header}、…) and would not be read: give it that header in row 1, or delete it",
            field=SHEET_FIELD,
        )
    if len(households) > 1:
        raise FileProblem(
            f"households are on more than one sheet ({_names([sheet.title for sheet in households])}): "
            "put them on one sheet, or upload each sheet as a file of its own",
            field=SHEET_FIELD,
        )
    if not households:
        raise FileProblem(NO_HOUSEHOLDS)
    return households[0]


def _exact(value: int | float) -> bool:
    """Whether a number cell's digits are those typed: a whole number Excel holds every digit of."""
    if isinstance(value, float) and not value.is_integer():
        return True  # not digits at all: read as it is (2.5), and refused by the column's own rule
    return len(str(abs(int(value)))) <= NUMBER_SAFE_DIGITS


@functools.cache
def _parser_class() -> Any:
    """openpyxl's sheet parser, telling a formula saved without its result from an empty cell. With
    data_only, openpyxl reads a formula cell's cached result, and a cell without one (a workbook written by
    a program, never opened and saved in Excel or WPS) as None: an income of 0, a 是 read as 否."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            # No result (<v/> or none) and not a text result: Excel and WPS save a formula that computed
            # "" as an empty value of type str, and every other result (a number, 是, an error) in full.
            if cell["value"] is None and element.get("t") != "str" and element.find(FORMULA_TAG) is not None:
                cell["value"] = UNCOMPUTED
            return cell

    return Parser


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values by column from A) of each row of a read-only sheet the file holds, as
    ReadOnlyWorksheet.iter_rows(values_only=True) reads them but through _parser_class."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = _parser_class()(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            values: list[Any] = [None] * (cells[-1]["column"] if cells else 0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def read_xlsx(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: openpyxl judges paths by their suffix, and spooled files have none.
    handle = path.open("rb")
    if handle.read(len(OLE_MAGIC)) == OLE_MAGIC:
        handle.close()
        raise FileProblem(OLD_WORKBOOK)
    handle.seek(0)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
        handle.close()
        raise FileProblem(f"not a readable XLSX workbook: {exc}") from None
    try:
        rows = _sheet_rows(_data_sheet(workbook))
        number, first = next(rows, (1, []))
        layout = Layout.from_header([_cell(value) for value in first] if number == 1 else [])
        identifiers = [
            position
            for position, column in zip(layout.positions, COLUMNS, strict=True)
            if position is not None and column.key in IDENTIFIER_KEYS
        ]
        for number, values in rows:
            for position in identifiers:
                if position < len(values):
                    value = values[position]
                    if type(value) in (int, float) and not _exact(value):
                        values[position] = INEXACT_NUMBER
            cells = [_cell(value) for value in values]
            if has_value(cells):
                yield number, layout.pick(cells)
    finally:
        workbook.close()
        handle.close()


def read_rows(path: Path, file_format: str) -> Iterator[Row]:
    return read_xlsx(path) if file_format == "xlsx" else read_csv(path)
