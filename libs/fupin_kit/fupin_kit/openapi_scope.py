"""How a route is scoped, declared in its OpenAPI operation so tests can check it.

Every operation of every Fupin process says where its jurisdiction comes from, with one of the helpers
below passed as FastAPI's `openapi_extra`. The generated jurisdiction matrix (tests/security/) reads the
`x-fupin-scope` extension from each process's OpenAPI document and fails on any operation without one, so
a new route is covered the moment it exists.

    @router.post("", openapi_extra=scope.by_division(location="body", example=HOUSEHOLD_EXAMPLE))
    @router.get("/{household_id}", openapi_extra=scope.by_resource("POST /households", "household_id"))
    @router.get("", openapi_extra=scope.caller())

Write operations also need one valid request body: an `examples` entry on the pydantic model
(`model_config = ConfigDict(json_schema_extra={"examples": [...]})`) or `example=` here. The matrix puts
its target division into the body field named by `param` before sending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

SCOPE_KEY = "x-fupin-scope"
Location = Literal["query", "path", "body"]
Level = Literal["province", "city", "county", "township", "village"]
KINDS = ("public", "caller", "admin", "division", "resource")


def _extra(scope: dict[str, Any], example: Any = None) -> dict[str, Any]:
    extra: dict[str, Any] = {SCOPE_KEY: scope}
    if example is not None:
        # FastAPI deep-merges openapi_extra into the generated operation, so this only adds the example
        # next to the schema FastAPI derived from the body model.
        extra["requestBody"] = {"content": {"application/json": {"example": example}}}
    return extra


def public(example: Any = None) -> dict[str, Any]:
    """No token needed (public notice board, token endpoint, JWKS): nothing here may depend on a caller."""
    return _extra({"kind": "public"}, example)


def caller(example: Any = None) -> dict[str, Any]:
    """Jurisdiction comes only from the token (lists, feeds, whoami): the answer covers the caller's
    own subtree and nothing outside it."""
    return _extra({"kind": "caller"}, example)


def admin(tiers: tuple[str, ...] = ("nation", "province"), example: Any = None) -> dict[str, Any]:
    """Platform administration for the given tiers only; every other caller is refused (403 or 404)."""
    return _extra({"kind": "admin", "tiers": list(tiers)}, example)


def by_division(
    param: str = "division",
    location: Location = "query",
    level: Level = "village",
    example: Any = None,
) -> dict[str, Any]:
    """The jurisdiction is a division code in the request: a caller whose subtree does not contain it gets
    404. `param` is the query or path parameter, or the (dotted) body field; `level` is the level of
    division the operation acts on (a standard is set for a county, a household lives in a village)."""
    return _extra({"kind": "division", "param": param, "location": location, "level": level}, example)


def by_resource(
    created_by: str,
    id_param: str,
    id_field: str = "id",
    params: Mapping[str, str] | None = None,
    location: Literal["path", "body"] = "path",
    example: Any = None,
) -> dict[str, Any]:
    """An operation on an object that `created_by` ("POST /households") of the same process creates: the
    object's division is its jurisdiction. `id_param` (a path parameter, or a dotted body field with
    location="body") takes the `id_field` of the creation's response; `params` maps further path
    parameters to (dotted) response fields, e.g. {"member_id": "members.0.id"}. An object of another
    process is named with its process first: "registry: POST /households" (a case names its household)."""
    scope = {
        "kind": "resource",
        "created_by": created_by,
        "id_param": id_param,
        "id_field": id_field,
        "params": dict(params or {}),
        "location": location,
    }
    return _extra(scope, example)


def merge(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """Combine a scope with other openapi_extra content (a form body schema, say), merging nested dicts."""
    merged: dict[str, Any] = {}
    for part in parts:
        _deep_update(merged, part)
    return merged


def _deep_update(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        elif isinstance(value, Mapping):
            target[key] = {}
            _deep_update(target[key], value)
        else:
            target[key] = value
