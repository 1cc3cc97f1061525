"""The help's "[default: …]" notes are what an operator needs (an XLSX needs --division; which database
`audit verify` reads), and typer's rich markup took them for tags and printed nothing of them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import Run


def test_default_notes_in_square_brackets_are_shown(tmp_path: Path) -> None:
    run = Run.new(tmp_path / "state")
    for command, note in (
        (["import", "--help"], "[default: the division's level]"),
        (["import", "--help"], "[default: $FUPIN_KEYS_DIR or <state dir>/keys]"),
        (["audit", "verify", "--help"], "[default: $FUPIN_DATABASE_URL"),
        (["demo", "--help"], "[default: <state dir>/demo/]"),
    ):
        result = run.fupin(*command)
        assert result.returncode == 0, result.stderr
        assert note in result.stdout, (command, result.stdout)


def test_republish_says_how_a_time_without_offset_is_read(tmp_path: Path) -> None:
    result = Run.new(tmp_path / "state").fupin("republish", "--help")
    assert "read as UTC" in result.stdout and "+08:00" in result.stdout, result.stdout
