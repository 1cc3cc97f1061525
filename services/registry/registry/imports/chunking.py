"""Cutting an uploaded file into chunks of whole households for the worker processes.

Runs in the importing process (in a thread): it only finds where households start and end. CSV chunks
carry the records' text (the worker parses it again, which costs less than pickling parsed cells); XLSX
chunks carry parsed rows (openpyxl's parse dwarfs the pickling). A file that stops being readable ends
with a FileFailure after the last complete household, reported where the next one would have begun,
as the row-by-row reader did.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from registry.imports import normal_form
from registry.imports.parsing import (
    NO_HOUSEHOLDS,
    FileProblem,
    Layout,
    Row,
    has_value,
    read_csv_records,
    read_xlsx,
)
from registry.imports.validation import INDEX, group_rows

# Rows per chunk: big enough that COPY and pickling overheads vanish, small enough for frequent progress
# and for every worker to get its share of small files.
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Job:
    first_household: int  # number of the chunk's first household in the file
    first_row: int  # CSV: row number of the first record in `text`
    layout: Layout | None  # CSV: where the template's columns are in the file's records
    text: str | None = None  # CSV: the records, exactly as in the file
    rows: list[Row] | None = None  # XLSX: the rows, already in template column order


@dataclass(frozen=True)
class FileFailure:
    row: int
    field: str
    reason: str


def plan(path: Path, file_format: str) -> Iterator[Job | FileFailure]:
    return _plan_xlsx(path) if file_format == "xlsx" else _plan_csv(path)


def _failure(exc: FileProblem, last_row: int) -> FileFailure:
    return FileFailure(1 if last_row == 1 else last_row + 1, exc.field or "文件", exc.reason)


def _plan_csv(path: Path) -> Iterator[Job | FileFailure]:
    try:
        layout, records = read_csv_records(path)
    except FileProblem as exc:
        yield _failure(exc, 1)
        return
    key_at = layout.positions[INDEX["key"]]
    assert key_at is not None  # a required column: Layout refuses a header without it
    texts: list[str] = []
    first_row = 2
    rows = 0
    households = 0  # households started so far
    chunk_households = 1  # number of the chunk's first household
    current: str | None = None  # key of the household being read
    current_at = 0  # where its text starts in `texts`
    current_last = 1  # its last row so far
    complete_last = 1  # last row of the last complete household
    try:
        for number, values, text in records:
            if has_value(values):  # as csv_text_rows will judge it
                # As Layout.pick will read it: H００1 and H001 are one household, never cut apart.
                key = normal_form.cell(values[key_at].strip()) if key_at < len(values) else ""
                if current is None or (key and key != current):
                    complete_last = current_last if current is not None else complete_last
                    if rows >= CHUNK_ROWS:
                        yield Job(chunk_households, first_row, layout, text="".join(texts))
                        texts, rows, chunk_households = [], 0, households + 1
                    households += 1
                    current, current_at = key, len(texts)
                rows += 1
                current_last = number
            if not texts:
                first_row = number
            texts.append(text)
    except FileProblem as exc:
        # The household being read when the file broke is dropped, like the rest of the file.
        if current is not None and current_at:
            yield Job(chunk_households, first_row, layout, text="".join(texts[:current_at]))
        yield _failure(exc, complete_last)
        return
    if rows:
        yield Job(chunk_households, first_row, layout, text="".join(texts))
    if not households:
        # A header alone is no import at all: "accepted" with nothing registered would read as success.
        yield _failure(FileProblem(NO_HOUSEHOLDS), 1)


def _plan_xlsx(path: Path) -> Iterator[Job | FileFailure]:
    rows: list[Row] = []
    chunk_households = 1
    last_row = 1
    try:
        for group in group_rows(read_xlsx(path)):
            last_row = group.last_row
            rows += group.rows
            if len(rows) >= CHUNK_ROWS:
                yield Job(chunk_households, 0, None, rows=rows)
                rows, chunk_households = [], group.number + 1
    except FileProblem as exc:
        if rows:
            yield Job(chunk_households, 0, None, rows=rows)
        yield _failure(exc, last_row)
        return
    if rows:
        yield Job(chunk_households, 0, None, rows=rows)
