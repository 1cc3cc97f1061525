"""The parallel import pipeline's pure parts: cutting a file into chunks for the worker processes, the
COPY text they render, and the cipher they rebuild. Each is checked against the one-process path it
replaced (read_rows + group_rows + Validator, PiiCipher), so staging is the same whichever runs."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from decimal import Decimal
from pathlib import Path

import pytest

from fupin_kit.pii import PiiCipher, check_digit
from registry.imports import chunking, copytext, parsing, template, validation, workers

COUNTY = "520102000000"
Groups = list[tuple[int, str, list[parsing.Row]]]
_serial = itertools.count(1)
# A person's name holds no digit (fupin_kit.text_rules.person_name_rule): a household key's digits are spelled
# out in the names made from it (户主A1 is 户主A一).
SPELLED = str.maketrans("0123456789", "〇一二三四五六七八九")


def resident_id(male: bool) -> str:
    n = next(_serial)
    first17 = f"520102{1970 + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}{(n * 2 + int(male)) % 1000:03d}"
    return first17 + check_digit(first17)


def household_rows(key: str, members: int = 3) -> list[list[str]]:
    """Template rows of one valid household (household columns on the first row only)."""
    first = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    rows = []
    for index in range(members):
        row = dict(first) if index == 0 else dict.fromkeys(template.HEADERS, "")
        male = index != 1
        row.update(
            {
                "户编号": key,
                "村代码": "520102016001",
                # The head's 姓名 is the household's 户主姓名 (households.schemas.head_name_problem).
                "姓名": first["户主姓名"] if index == 0 else f"成员{key}{index}".translate(SPELLED),
                "性别": "男" if male else "女",
                "证件号码": resident_id(male),
                "与户主关系": "户主" if index == 0 else ("配偶" if index == 1 else "之子"),
                "健康状况": "健康",
                "劳动能力": "普通劳动力",
            }
        )
        rows.append([row[header] for header in template.HEADERS])
    return rows


def _groups_one_process(path: Path, file_format: str) -> Groups:
    return [(g.number, g.key, g.rows) for g in validation.group_rows(parsing.read_rows(path, file_format))]


def _rows(job: chunking.Job) -> list[parsing.Row]:
    if job.text is None:
        assert job.rows is not None
        return job.rows
    assert job.layout is not None
    return parsing.csv_text_rows(job.text, job.first_row, job.layout)


def _groups_chunked(path: Path, file_format: str) -> tuple[Groups, list[chunking.FileFailure]]:
    groups: Groups = []
    failures: list[chunking.FileFailure] = []
    for item in chunking.plan(path, file_format):
        if isinstance(item, chunking.FileFailure):
            failures.append(item)
        else:
            groups += [
                (g.number, g.key, g.rows) for g in validation.group_rows(_rows(item), item.first_household)
            ]
    return groups, failures


def _tricky_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for number in range(40):
        rows += household_rows(f"K{number}", members=1 + number % 4)
    address = template.HEADERS.index("地址")
    rows[3][address] = '引号“”和"直引号"，逗号,\n换行\r\n与\t制表符'
    rows.insert(10, [""] * len(template.HEADERS))  # a blank row inside the file
    rows[20][template.HEADERS.index("户编号")] = ""  # a blank 户编号 continues the household
    return rows


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_chunks_hold_the_same_households_and_rows_as_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file_format: str
) -> None:
    monkeypatch.setattr(chunking, "CHUNK_ROWS", 7)  # many chunk boundaries
    rows = _tricky_rows()
    path = tmp_path / f"file.{file_format}"
    path.write_bytes(template.csv_file(rows) if file_format == "csv" else template.xlsx_file(rows))
    chunked, failures = _groups_chunked(path, file_format)
    assert not failures
    assert chunked == _groups_one_process(path, file_format)
    assert len(chunked) == 40


def test_a_file_that_breaks_ends_after_its_last_whole_household(tmp_path: Path) -> None:
    """As the one-pass reader did: households up to the break are validated, the one being read is
    dropped, and the problem is reported on the row after the last whole household."""
    rows: list[list[str]] = []
    for number in range(400):  # more than the 64 KiB the encoding is sniffed from
        rows += household_rows(f"U{number}", members=2)
    content = template.csv_file(rows)
    cut = content.index(b"\nU399,") + 1
    path = tmp_path / "broken.csv"
    path.write_bytes(content[:cut] + b"\xff\xfe" + content[cut:])

    expected: Groups = []
    last_row = 1
    with pytest.raises(parsing.FileProblem):
        for group in validation.group_rows(parsing.read_rows(path, "csv")):
            expected.append((group.number, group.key, group.rows))
            last_row = group.last_row
    groups, failures = _groups_chunked(path, "csv")
    assert 300 < len(groups) < 400 and groups == expected
    assert [(f.row, f.field) for f in failures] == [(last_row + 1, "文件")]
    assert "neither UTF-8 nor GB18030" in failures[0].reason

    header_only = tmp_path / "missing.csv"
    header_only.write_bytes(template.csv_file([]).replace("证件号码,".encode(), b""))
    assert list(chunking.plan(header_only, "csv")) == [
        chunking.FileFailure(1, "证件号码", "missing required columns: 证件号码")
    ]


def test_copy_text_escapes_what_copy_would_misread() -> None:
    values: tuple[object, ...] = (
        7,
        "tab\there, newline\nand back\\slash\r",
        None,
        True,
        False,
        Decimal("1566.67"),
        dt.date(2020, 6, 30),
        b"\x00\xff",
        ["lack_capital", 'odd"one'],
        [],
        "普通文字",
    )
    assert copytext.line(values) == (
        "7\ttab\\there, newline\\nand back\\\\slash\\r\t\\N\tt\tf\t1566.67\t2020-06-30\t\\\\x00ff\t"
        '{"lack_capital","odd\\\\"one"}\t{}\t普通文字\n'
    )


def test_workers_rebuild_the_same_cipher() -> None:
    cipher = PiiCipher(os.urandom(32))
    ctx = workers.context(COUNTY, ("user:test", "county"), cipher)
    rebuilt = workers._cipher(ctx.cipher_keys)
    assert cipher.decrypt(rebuilt.encrypt("520102197001011234")) == "520102197001011234"
    assert rebuilt.decrypt(cipher.encrypt("6228480012345678")) == "6228480012345678"
    assert rebuilt.blind_index("520102197001011234") == cipher.blind_index("520102197001011234")


def test_a_worker_renders_every_household_of_its_chunk(tmp_path: Path) -> None:
    rows: list[list[str]] = []
    for number in range(5):
        rows += household_rows(f"W{number}", members=3)
    rows[4][template.HEADERS.index("证件号码")] = "not an id"
    path = tmp_path / "file.csv"
    path.write_bytes(template.csv_file(rows))
    (job,) = chunking.plan(path, "csv")
    assert isinstance(job, chunking.Job)
    ctx = workers.context(COUNTY, ("user:test", "county"), PiiCipher(os.urandom(32)))
    result = workers.run(job, ctx)
    assert (result.rows, result.groups) == (15, 5)
    households = result.households.decode().splitlines()
    assert [line.split("\t")[:5] for line in households] == [
        ["1", "W0", "2", "4", "t"],
        ["2", "W1", "5", "7", "f"],
        ["3", "W2", "8", "10", "t"],
        ["4", "W3", "11", "13", "t"],
        ["5", "W4", "14", "16", "t"],
    ]
    assert all(line.count("\t") == len(validation.STAGE_HOUSEHOLD_COLUMNS) - 1 for line in households)
    members = result.members.decode().splitlines()
    assert len(members) == 12
    assert all(line.count("\t") == len(validation.STAGE_MEMBER_COLUMNS) - 1 for line in members)
    assert [problem[:3] for problem in result.problems] == [(6, "W1", "证件号码")]


def test_table_lines_render_what_the_generic_line_does() -> None:
    """copytext's per-table renderers spell out STAGE_*_COLUMNS by hand: they must agree with `line` on
    every column, escapes and NULLs included."""
    rows = household_rows("L1", members=4)
    headers = template.HEADERS
    rows[0][headers.index("地址")] = "a\tb\\c\nd"
    rows[0][headers.index("联系电话")] = ""  # NULL text
    rows[0][headers.index("住房面积")] = ""  # NULL numeric
    rows[0][headers.index("年度")] = ""  # no incomes, no income event
    for column in ("工资性收入", "家庭经营性收入", "转移性收入", "财产性收入", "生产经营性支出"):
        rows[0][headers.index(column)] = ""
    rows[1][headers.index("文化程度")] = ""  # NULL code
    validator = validation.Validator(COUNTY, PiiCipher(os.urandom(32)), ("user:test", "county"))
    staged = []
    for cells in (rows, household_rows("L2", members=2)):
        (group,) = validation.group_rows(list(enumerate(cells, start=2)))
        checked = validator.check(group)
        assert checked.staged is not None, checked.problems
        staged.append(checked.staged)
    assert staged[0].household[validation.STAGE_HOUSEHOLD_COLUMNS.index("income_event")] is None
    for item in staged:
        assert copytext.household_line(item.household) == copytext.line(item.household)
        for member in item.members:
            assert copytext.member_line(member) == copytext.line(member)
