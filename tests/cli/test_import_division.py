"""`fupin import` chooses the token's division from the file as the registry reads the file: a CSV whose
header the API imports must not be refused by the command line for the division it cannot find."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_cli import import_cmd
from fupin_cli.tokens import TokenError
from registry.imports import template


def options(path: Path, division: str | None = None) -> import_cmd.ImportOptions:
    return import_cmd.ImportOptions(
        gateway_url="http://127.0.0.1:8000",
        keys_dir=path.parent,
        path=path,
        division=division,
        tier=None,
        role="officer",
        subject="user:test",
        report=None,
        timeout_s=1.0,
    )


def test_a_header_padded_with_spaces_still_names_the_village_column(tmp_path: Path) -> None:
    """'村代码 ' (a trailing space, as a clerk's Excel keeps it): the API imports the file, the command line
    answered 'cannot tell the division from the file'."""
    for header, cell, encoding in (
        ("村代码 ", "522634102200", "utf-8-sig"),
        ("\u3000村代码", " 522634102200 ", "utf-8-sig"),
        (
            "村代码\xa0",
            "５２２６３４１０２２００",
            "gb18030",
        ),  # full-width digits, as the registry reads them
    ):
        rows = [list(template.EXAMPLE_ROWS[0])]
        rows[0][template.HEADERS.index("村代码")] = cell
        content = template.csv_file(rows).decode("utf-8-sig").replace("村代码", header, 1)
        path = tmp_path / "登记表.csv"
        path.write_bytes(content.encode(encoding))
        assert import_cmd.who(options(path)) == ("522634000000", "county"), (header, cell)


def test_an_xlsx_file_is_told_it_needs_division(tmp_path: Path) -> None:
    path = tmp_path / "登记表.xlsx"
    path.write_bytes(template.xlsx_file(template.EXAMPLE_ROWS))
    with pytest.raises(TokenError, match="an XLSX file needs --division"):
        import_cmd.who(options(path))
    assert import_cmd.who(options(path, "522634102000")) == ("522634102000", "township")
