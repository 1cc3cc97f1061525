"""The console's English names of assistance's code lists (measure types, visit kinds, loan purposes and
statuses, project link mechanisms): the Chinese labels come from assistance's `GET /code-lists`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistance.code_lists import CODE_LISTS
from fupin_gateway.console.router import STATIC_DIR


def english_codes() -> dict[str, dict[str, str]]:
    data: dict[str, Any] = json.loads((Path(STATIC_DIR) / "i18n" / "en.json").read_text("utf-8"))
    codes: dict[str, dict[str, str]] = data["codes"]
    return codes


def test_every_assistance_code_has_an_english_name() -> None:
    english = english_codes()
    missing = [
        f"{name}.{member.value}"
        for name, enum in CODE_LISTS.items()
        for member in enum
        if not english.get(name, {}).get(member.value)
    ]
    assert missing == [], missing
