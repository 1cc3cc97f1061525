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
from identification.workflow import KIND_STATES, State
from registry.households.enums import CODE_LISTS, MemberChange
from registry.households.workflow import StatusAction
from registry.standards.events import STANDARD_SET

LANGUAGES = ("zh-CN", "en")
# en.json alone has "codes": English names of the code lists, whose Chinese labels come from the API.
ENGLISH_ONLY = ("codes",)
# The actions the registry's household service passes to its history rows as literals (the status
# commands and the member changes are enumerated from the registry's own enums below).
LITERAL_HISTORY_ACTIONS = ("created", "updated", "member.updated", "income.recorded")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
ROOT = Path(__file__).resolve().parents[2]
# A problem's reason as the services raise it: conflict(..., code="invalid-transition") and the like.
PROBLEM_CODE = re.compile(r"(?<![\w.])code=\"([a-z][a-z0-9-]*)\"")
# The parameters a problem message may name: the problem's own fields, said by the console (app.js).
PROBLEM_PARAMS = {"state", "action", "year"}


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


def problem_codes() -> set[str]:
    """Every `code` a service, the gateway or the kit puts in a problem document (a literal code="..."),
    read from their sources."""
    sources = [*(ROOT / "services").glob("*/*/**/*.py"), *(ROOT / "gateway" / "fupin_gateway").rglob("*.py")]
    sources += list((ROOT / "libs").rglob("*.py"))
    found: set[str] = set()
    for source in sources:
        if "tests" in source.relative_to(ROOT).parts or "migrations" in source.parts:
            continue
        found.update(PROBLEM_CODE.findall(source.read_text("utf-8")))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_problem_code_has_a_readable_message(language: str) -> None:
    """A refusal is explained by its code in the reader's language (invalid-transition, quota-exceeded, …),
    never by the service's English detail alone."""
    # The registry's refusals of a person pass their codes through a helper (households/service.py).
    codes = problem_codes() | {"person-already-registered", "person-deceased"}
    assert {"invalid-transition", "out-of-order", "quota-exceeded", "no-living-members"} <= codes, codes
    messages: dict[str, str] = labels(language)["problems"]["codes"]
    missing = sorted(codes - set(messages))
    assert missing == [], missing
    for code, message in messages.items():
        assert set(PLACEHOLDER.findall(message)) <= PROBLEM_PARAMS, code
    # Every status and problem type the console may meet has words of its own too.
    types: dict[str, str] = labels(language)["problems"]["types"]
    for kind in (
        "not-found",
        "forbidden",
        "conflict",
        "validation",
        "rate-limited",
        "internal",
        "unavailable",
    ):
        assert types.get(kind), kind


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_states_are_named_once_each(language: str) -> None:
    """Every state of the identification workflow has a label, and no two states the same one (the case
    filter offered 已民主评议 twice: identification's and monitoring's)."""
    states: dict[str, str] = labels(language)["states"]
    assert sorted(set(State) - set(states)) == []
    assert sorted(set(states) - set(State)) == [], "labels for states nobody has"
    repeated = sorted({label for label in states.values() if list(states.values()).count(label) > 1})
    assert repeated == [], repeated


def test_the_case_filter_groups_the_workflow_states_by_kind() -> None:
    """app.js CASE_STATES, which groups the state filter, is identification's KIND_STATES (and the two
    states that end any kind)."""
    script = (Path(STATIC_DIR) / "app.js").read_text("utf-8")
    block = re.search(r"const CASE_STATES = \{(.*?)\n\};", script, re.S)
    assert block is not None
    groups = {
        kind: re.findall(r'"(\w+)"', states)
        for kind, states in re.findall(r"^\s+(\w+): \[([^\]]*)\]", block.group(1), re.M)
    }
    expected = {kind.value: [state.value for state in states] for kind, states in KIND_STATES.items()}
    expected["any"] = sorted(set(State) - {state for states in KIND_STATES.values() for state in states})
    assert groups == expected


def test_every_code_list_has_english_names() -> None:
    """The household page shows every code list of the record (domain.md §2); in English each code has its
    English name (the Chinese labels come from the API)."""
    english: dict[str, dict[str, str]] = labels("en")["codes"]
    missing = [
        f"{name}.{member.value}"
        for name, enum in CODE_LISTS.items()
        for member in enum
        if not english.get(name, {}).get(member.value)
    ]
    assert missing == [], missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_are_joined_in_the_language(language: str) -> None:
    separator = labels(language)["common"]["list_separator"]
    assert separator == ("、" if language == "zh-CN" else ", ")
