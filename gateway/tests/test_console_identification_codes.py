"""The console's labels of identification's code lists (QA7 domain-conformance F5): every support category,
monitored type, discovery channel and department list kind has words in both languages (the console showed
"unstable_exited", "guarantee", "private_vehicle", "self_report"), and the Chinese ones are the labels the
service publishes at GET /code-lists, so the console and the API say the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fupin_gateway.console.router import STATIC_DIR
from identification.code_lists import CODE_LISTS

LANGUAGES = ("zh-CN", "en")


def labels(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(STATIC_DIR) / "i18n" / f"{language}.json").read_text("utf-8"))
    return data


def test_the_four_lists_are_published() -> None:
    assert {"support_category", "monitored_type", "discovery", "list_kind"} <= set(CODE_LISTS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_identification_code_has_a_console_label(language: str) -> None:
    data = labels(language)
    for name, enum in CODE_LISTS.items():
        group: dict[str, str] = data.get(name, {})
        codes = [member.value for member in enum]
        assert sorted(set(codes) - set(group)) == [], (name, "no label")
        assert sorted(set(group) - set(codes)) == [], (name, "labels for codes nobody has")
        assert all(group[code].strip() and group[code] != code for code in codes), (name, group)


def test_the_chinese_labels_are_the_published_ones() -> None:
    zh = labels("zh-CN")
    for name, enum in CODE_LISTS.items():
        assert zh[name] == {member.value: member.label for member in enum}, name
