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

Routes that do not fit one request on one object:

- A multipart upload (an import file) gives its parts with `files=` (field → {"filename", "content_type",
  "content"}); the matrix sends them as the multipart body. A text `content` may hold "{division}", which
  the matrix replaces with the division the request is aimed at.
- An object that only exists after other steps (a notice needs cases that passed the village review, a
  batch needs noticed cases, a village quota needs quotas on every level above it) lists those steps with
  `prepare=[step(...), ...]`. The matrix runs them in order, once, before it creates the object (or before
  it checks the operation), each as the lowest caller on the owner chain that the step's tier rules allow,
  and each must succeed. A step names an operation ("POST /cases/{case_id}/actions/{action}", with a process
  prefix for another process) and may fix its `target` division, `path` parameters, `query` and `body`
  fields (dotted names, merged into the operation's example). A step on a by_resource operation acts on
  that operation's created_by object; step(..., fixture=True) sends nothing itself but makes sure the
  (shared) object of that creating operation exists.
- Every object is created by the lowest caller of the owner chain at or above its division whom the
  creating operation does not refuse with 403 (a notice for a village is put up by its township).
- A public operation that reads an object (a notice on the public board, a public objection to it) names
  the object with `created_by`/`id_param` like by_resource, so the matrix exercises it on a real object;
  such an operation may itself be the created_by of another (an objection ticket a township resolves).
- A caller-scoped operation that creates an object in the caller's own division (an import) says with
  `level=` at which tier of the owner chain the matrix creates it, so that it can be a created_by.
- `params` of by_resource and public name further path parameters, or, when the operation has no such path
  parameter, (dotted) body fields, each taken from the creation's response: {"case_id": "case_ids.0"}.
- Binary answers (PDF, XLSX, CSV, HTML) are checked like any other: status only, plus, for every caller
  above the county tier, no full 18-digit resident ID in any JSON, CSV, HTML or XLSX answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

SCOPE_KEY = "x-fupin-scope"
Location = Literal["query", "path", "body"]
Level = Literal["province", "city", "county", "township", "village"]
KINDS = ("public", "caller", "admin", "division", "resource")


def _extra(
    scope: dict[str, Any],
    example: Any = None,
    prepare: Sequence[Mapping[str, Any]] = (),
    files: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    if prepare:
        scope["prepare"] = [dict(item) for item in prepare]
    if files:
        scope["files"] = {name: dict(part) for name, part in files.items()}
    extra: dict[str, Any] = {SCOPE_KEY: scope}
    if example is not None:
        # FastAPI deep-merges openapi_extra into the generated operation, so this only adds the example
        # next to the schema FastAPI derived from the body model.
        extra["requestBody"] = {"content": {"application/json": {"example": example}}}
    return extra


def step(
    operation: str,
    *,
    target: str | None = None,
    path: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    fixture: bool = False,
) -> dict[str, Any]:
    """One prerequisite request of `prepare=` (see the module docstring): `operation` ("POST /quotas",
    "registry: POST /households"), the division it aims at (`target`, for a by_division operation) and
    overrides of its path parameters, query and (dotted) body fields. `fixture=True`: no request of its
    own, just make sure the object that creating `operation` makes for the matrix exists (it is shared)."""
    found: dict[str, Any] = {"operation": operation}
    if fixture:
        found["fixture"] = True
    if target is not None:
        found["target"] = target
    for name, value in (("path", path), ("query", query), ("body", body)):
        if value:
            found[name] = dict(value)
    return found


def _resource(
    created_by: str | None,
    id_param: str | None,
    id_field: str,
    params: Mapping[str, str] | None,
    location: Literal["path", "body"],
) -> dict[str, Any]:
    if created_by is None:
        return {}
    if id_param is None:
        raise ValueError("created_by needs id_param")
    return {
        "created_by": created_by,
        "id_param": id_param,
        "id_field": id_field,
        "params": dict(params or {}),
        "location": location,
    }


def public(
    example: Any = None,
    *,
    created_by: str | None = None,
    id_param: str | None = None,
    id_field: str = "id",
    params: Mapping[str, str] | None = None,
    location: Literal["path", "body"] = "path",
    prepare: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """No token needed (public notice board, token endpoint, JWKS): nothing here may depend on a caller.
    With `created_by`/`id_param` (as by_resource) it acts on a real object the matrix creates first."""
    scope = {"kind": "public", **_resource(created_by, id_param, id_field, params, location)}
    return _extra(scope, example, prepare)


def caller(
    example: Any = None,
    *,
    level: Level | None = None,
    files: Mapping[str, Mapping[str, str]] | None = None,
    prepare: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Jurisdiction comes only from the token (lists, feeds, whoami): the answer covers the caller's
    own subtree and nothing outside it. `level`: when this operation creates an object in the caller's own
    division (another operation's created_by), the tier of the owner chain the matrix creates it as."""
    scope: dict[str, Any] = {"kind": "caller"}
    if level is not None:
        scope["level"] = level
    return _extra(scope, example, prepare, files)


def admin(
    tiers: tuple[str, ...] = ("nation", "province"),
    example: Any = None,
    *,
    prepare: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Platform administration for the given tiers only; every other caller is refused (403 or 404)."""
    return _extra({"kind": "admin", "tiers": list(tiers)}, example, prepare)


def by_division(
    param: str = "division",
    location: Location = "query",
    level: Level = "village",
    example: Any = None,
    *,
    files: Mapping[str, Mapping[str, str]] | None = None,
    prepare: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The jurisdiction is a division code in the request: a caller whose subtree does not contain it gets
    404. `param` is the query or path parameter, or the (dotted) body field; `level` is the level of
    division the operation acts on (a standard is set for a county, a household lives in a village)."""
    scope = {"kind": "division", "param": param, "location": location, "level": level}
    return _extra(scope, example, prepare, files)


def by_resource(
    created_by: str,
    id_param: str,
    id_field: str = "id",
    params: Mapping[str, str] | None = None,
    location: Literal["path", "body"] = "path",
    example: Any = None,
    *,
    prepare: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """An operation on an object that `created_by` ("POST /households") of the same process creates: the
    object's division is its jurisdiction. `id_param` (a path parameter, or a dotted body field with
    location="body") takes the `id_field` of the creation's response; `params` maps further path
    parameters (or, where there is no such path parameter, dotted body fields) to (dotted) response
    fields, e.g. {"member_id": "members.0.id"}. An object of another process is named with its process
    first: "registry: POST /households" (a case names its household)."""
    scope = {"kind": "resource", **_resource(created_by, id_param, id_field, params, location)}
    return _extra(scope, example, prepare)


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
