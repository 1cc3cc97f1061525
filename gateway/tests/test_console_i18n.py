"""The console's label files (console/static/i18n/*.json) against each other and against what the platform
says: both languages have the same keys and placeholders, every event type the contracts declare (and the
registry's standard.set) has a live-feed label, and every action the registry writes into a household's
history has a label. A missing label shows the raw code ("fupin.registry.household.updated.v1", "clear")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fupin_gateway.console.router import STATIC_DIR
from fupin_gateway.feeds.known_types import known_event_types
from registry.households.enums import MemberChange
from registry.households.workflow import StatusAction
from registry.standards.events import STANDARD_SET

LANGUAGES = ("zh-CN", "en")
# en.json alone has "codes": English names of the code lists, whose Chinese labels come from the API.
ENGLISH_ONLY = ("codes",)
# The actions the registry's household service passes to its history rows as literals (the status
# commands and the member changes are enumerated from the registry's own enums below).
LITERAL_HISTORY_ACTIONS = ("created", "updated", "member.updated", "income.recorded")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def labels(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(STATIC_DIR) / "i18n" / f"{language}.json").read_text("utf-8"))
    return data


def flatten(node: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{path}."))
        else:
            assert isinstance(value, str), (path, value)
            flat[path] = value
    return flat


def lookup(data: dict[str, Any], key: str) -> str | None:
    """As i18n.js `t()` reads a key: its dots walk down the objects."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None


def history_actions() -> list[str]:
    return [
        *LITERAL_HISTORY_ACTIONS,
        *(action.value for action in StatusAction),
        *(f"member.{change.value}" for change in MemberChange),
    ]


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh = flatten(labels("zh-CN"))
    en = {
        k: v
        for k, v in flatten(labels("en")).items()
        if not k.startswith(tuple(f"{p}." for p in ENGLISH_ONLY))
    }
    assert sorted(set(zh) - set(en)) == [], "only in zh-CN.json"
    assert sorted(set(en) - set(zh)) == [], "only in en.json"
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert set(PLACEHOLDER.findall(zh[key])) == set(PLACEHOLDER.findall(en[key])), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_published_event_type_has_a_feed_label(language: str) -> None:
    published = known_event_types() | {STANDARD_SET}
    assert len(published) > 50  # the contracts were found
    types: dict[str, str] = labels(language)["feed"]["types"]
    missing = sorted(published - set(types))
    assert missing == [], missing
    assert sorted(set(types) - published) == [], "labels for types nobody publishes"
    for event_type, label in types.items():
        assert label.strip() and not label.startswith("fupin."), event_type


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_household_history_action_has_a_label(language: str) -> None:
    data = labels(language)
    missing = [action for action in history_actions() if not lookup(data, f"history.{action}")]
    assert missing == [], missing
    assert "clear" in history_actions()


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in_failures_have_their_own_words(language: str) -> None:
    login = labels(language)["login"]
    keys = ("credentials", "disabled", "window", "locked", "refused", "rate_limited", "server", "network")
    for key in keys:
        assert login.get(f"error_{key}"), key
    assert "{s}" in login["error_rate_limited"] and "{status}" in login["error_code"]
    assert "{m}" in login["error_locked"]
