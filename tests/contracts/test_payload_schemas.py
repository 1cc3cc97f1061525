"""Every event payload's JSON schema is snapshotted (architecture.md §3), so a contract change is a
deliberate act: within a major version only additive, optional changes are allowed, and a breaking change
is a new type published beside the old one.

When a schema differs from its snapshot the failure says whether the change is additive (new optional
properties only: review it and refresh the snapshot with `FUPIN_UPDATE_SNAPSHOTS=1`) or breaking (a removed
or retyped property, a newly required one: publish a `.v<major+1>` type instead)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from fupin_contracts import assistance, evaluation, funds, identification, registry

SNAPSHOTS = Path(__file__).parent / "snapshots"
PRODUCERS: dict[str, ModuleType] = {
    "registry": registry,
    "identification": identification,
    "assistance": assistance,
    "funds": funds,
    "evaluation": evaluation,
}
TYPE_PATTERN = re.compile(
    r"^fupin\.(?P<service>[a-z]+)\.(?P<aggregate>[a-z_]+)\.(?P<verb>[a-z_]+)\.v(?P<major>[1-9]\d*)$"
)
UPDATE = os.environ.get("FUPIN_UPDATE_SNAPSHOTS") == "1"


def _payloads() -> list[tuple[str, str, type[BaseModel]]]:
    return [
        (service, event_type, model)
        for service, module in PRODUCERS.items()
        for event_type, model in sorted(module.PAYLOADS.items())
    ]


def _cases() -> list[Any]:
    return [pytest.param(*payload, id=payload[1]) for payload in _payloads()]


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def breaking_changes(old: dict[str, Any], new: dict[str, Any], where: str = "") -> list[str]:
    """What makes `new` unreadable for a consumer written against `old` (or `old` data invalid for `new`)."""
    found: list[str] = []
    if old.get("type") != new.get("type"):
        found.append(f"{where or '/'}: type {old.get('type')!r} → {new.get('type')!r}")
    if old.get("$ref") != new.get("$ref"):
        found.append(f"{where or '/'}: reference {old.get('$ref')!r} → {new.get('$ref')!r}")
    for key in ("enum", "pattern", "format", "const"):
        if old.get(key) != new.get(key):
            found.append(f"{where or '/'}: {key} {old.get(key)!r} → {new.get(key)!r}")
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name in sorted(old_props.keys() - new_props.keys()):
        found.append(f"{where}/{name}: removed")
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        found.append(f"{where}/{name}: newly required")
    for name in sorted(old_props.keys() & new_props.keys()):
        found.extend(breaking_changes(old_props[name], new_props[name], f"{where}/{name}"))
    for key in ("items", "additionalProperties"):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            found.extend(breaking_changes(old[key], new[key], f"{where}/{key}"))
    for key in ("anyOf", "oneOf", "allOf"):
        if old.get(key) != new.get(key):
            found.append(f"{where or '/'}: {key} changed")
    old_defs: dict[str, Any] = old.get("$defs", {})
    new_defs: dict[str, Any] = new.get("$defs", {})
    for name in sorted(old_defs.keys() & new_defs.keys()):
        found.extend(breaking_changes(old_defs[name], new_defs[name], f"#/$defs/{name}"))
    found.extend(f"#/$defs/{name}: removed" for name in sorted(old_defs.keys() - new_defs.keys()))
    return found


@pytest.mark.parametrize(("service", "event_type", "model"), _cases())
def test_payload_schema_matches_its_snapshot(service: str, event_type: str, model: type[BaseModel]) -> None:
    match = TYPE_PATTERN.match(event_type)
    assert match is not None, f"{event_type} does not follow fupin.<service>.<aggregate>.<verb>.v<major>"
    assert match["service"] == service, f"{event_type} is declared by the {service} contracts module"

    path = SNAPSHOTS / f"{event_type}.json"
    current = _schema(model)
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(
                f"no snapshot for {event_type}: review the schema, then run with FUPIN_UPDATE_SNAPSHOTS=1"
            )
        path.write_text(json.dumps(current, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
        return
    snapshot = json.loads(path.read_text("utf-8"))
    if snapshot == current:
        return
    breaking = breaking_changes(snapshot, current)
    if breaking:
        pytest.fail(
            f"{event_type} changed incompatibly within major version v{match['major']}: "
            + "; ".join(breaking)
            + f". Publish fupin.{service}.{match['aggregate']}.{match['verb']}.v{int(match['major']) + 1} beside it."
        )
    pytest.fail(
        f"{event_type} changed additively: review, then refresh its snapshot with FUPIN_UPDATE_SNAPSHOTS=1"
    )


def test_every_snapshot_belongs_to_a_published_type() -> None:
    """A type whose model disappeared would silently stop being checked: removal must be deliberate too."""
    published = {event_type for _, event_type, _ in _payloads()}
    orphans = sorted(path.stem for path in SNAPSHOTS.glob("*.json") if path.stem not in published)
    assert orphans == [], f"snapshots without a published type (a removed event type?): {orphans}"


def test_the_compatibility_rule_tells_additive_from_breaking() -> None:
    base: dict[str, Any] = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    added_optional = {**base, "properties": {**base["properties"], "c": {"type": "string"}}}
    assert breaking_changes(base, added_optional) == []
    retyped = {**base, "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    assert breaking_changes(base, retyped) == ["/a: type 'string' → 'integer'"]
    removed = {**base, "properties": {"a": {"type": "string"}}}
    assert breaking_changes(base, removed) == ["/b: removed"]
    required = {**base, "required": ["a", "b"]}
    assert breaking_changes(base, required) == ["/b: newly required"]
