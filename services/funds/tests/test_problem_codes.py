"""Every problem code funds answers is written out where it is raised: the console's labels are checked
against the literal `code="..."` in the services' sources (gateway/tests/test_console_i18n.py), so a code
built at run time (code=f"{field}-required") would reach cadres with no words for it."""

from __future__ import annotations

import re
from pathlib import Path

import funds

BUILT_CODE = re.compile(r"(?<![\w.])code=f[\"']")


def test_every_problem_code_is_a_literal() -> None:
    sources = Path(funds.__file__).parent.rglob("*.py")
    built = [
        f"{source.name}: {line.strip()}"
        for source in sources
        if "migrations" not in source.parts
        for line in source.read_text("utf-8").splitlines()
        if BUILT_CODE.search(line)
    ]
    assert built == []
