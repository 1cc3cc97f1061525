"""Chinese text in the console takes full-width brackets （）, not ASCII ones: in the Chinese labels
(i18n/zh-CN.json) and in the text app.js builds around them (a status code after a problem's title, an
actor's tier, a resolution's who and when), which is said in Chinese too. Brackets inside a code, a URL or
a format placeholder are not text and are left alone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fupin_gateway.console.router import STATIC_DIR

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
TEMPLATE_LITERAL = re.compile(r"`[^`]*`")
# A bracket around a `${...}` in a template literal's text: text built around a value, in every language.
BUILT_BRACKET = re.compile(r"\(\$\{")


def strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in strings(value, f"{path}{key}.")]
    return [(path.rstrip("."), str(node))]


def test_chinese_labels_take_full_width_brackets() -> None:
    data = json.loads((Path(STATIC_DIR) / "i18n" / "zh-CN.json").read_text("utf-8"))
    ascii_brackets = [
        (key, text) for key, text in strings(data) if CJK.search(text) and re.search(r"[()]", text)
    ]
    assert not ascii_brackets, ascii_brackets


def code_lines(source: str) -> list[tuple[int, str]]:
    """app.js's lines without their comments (a `//` after code, and /** ... */ blocks)."""
    lines: list[tuple[int, str]] = []
    in_block = False
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if in_block:
            in_block = "*/" not in stripped
            continue
        if stripped.startswith("/*"):
            in_block = "*/" not in stripped
            continue
        if stripped.startswith("//"):
            continue
        lines.append((number, line))
    return lines


def test_app_js_builds_no_brackets_around_values() -> None:
    """Brackets around a value go through the labels (common.aside), which say them as each language does."""
    source = (Path(STATIC_DIR) / "app.js").read_text("utf-8")
    built = [
        (number, line.strip())
        for number, line in code_lines(source)
        if any(BUILT_BRACKET.search(literal) for literal in TEMPLATE_LITERAL.findall(line))
    ]
    assert not built, built
