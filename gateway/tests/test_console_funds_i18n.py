"""The labels of the console's 项目库, 资金监管 and 第三方评估 pages: every code of the funds and evaluation
code lists has its English name (the Chinese labels come from each service's `GET /code-lists`), and every
project step the funds workflow knows, and every step a project's history records, has its label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evaluation.code_lists import CODE_LISTS as EVALUATION_LISTS
from funds.code_lists import CODE_LISTS as FUNDS_LISTS
from funds.workflow import Action
from fupin_gateway.console.router import STATIC_DIR

LANGUAGES = ("zh-CN", "en")
# The history rows funds writes besides the workflow's actions (funds/projects/service.py).
HISTORY_ONLY = ("propose", "fail_acceptance")


def labels(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(STATIC_DIR) / "i18n" / f"{language}.json").read_text("utf-8"))
    return data


def test_every_funds_and_evaluation_code_has_an_english_name() -> None:
    english: dict[str, dict[str, str]] = labels("en")["codes"]
    missing = [
        f"{name}.{member.value}"
        for lists in (FUNDS_LISTS, EVALUATION_LISTS)
        for name, enum in lists.items()
        for member in enum
        if not english.get(name, {}).get(member.value)
    ]
    assert missing == [], missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_project_step_has_a_label(language: str) -> None:
    steps: dict[str, str] = labels(language)["projects"]["steps"]
    missing = [action for action in [*(a.value for a in Action), *HISTORY_ONLY] if not steps.get(action)]
    assert missing == [], missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_funds_pages_are_in_the_navigation(language: str) -> None:
    nav: dict[str, str] = labels(language)["nav"]
    assert all(nav.get(page) for page in ("projects", "supervision", "evaluations"))
