"""Reading the operations of an OpenAPI document: their scope (fupin_kit.openapi_scope), their parameters,
one example body per write, and plausible values for parameters that carry no jurisdiction."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from fupin_kit.openapi_scope import KINDS, SCOPE_KEY

METHODS = ("get", "put", "post", "patch", "delete")
WRITES = frozenset({"PUT", "POST", "PATCH", "DELETE"})
JSON = "application/json"


@dataclass
class Operation:
    process: str
    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any] = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def name(self) -> str:
        return f"{self.process}: {self.key}"

    @property
    def is_write(self) -> bool:
        return self.method in WRITES

    @property
    def scope(self) -> dict[str, Any] | None:
        value = self.spec.get(SCOPE_KEY)
        return value if isinstance(value, dict) else None

    @property
    def kind(self) -> str | None:
        return None if self.scope is None else self.scope.get("kind")

    def parameters(self, location: str) -> list[dict[str, Any]]:
        found = []
        for parameter in self.spec.get("parameters", []):
            resolved = resolve(self.document, parameter)
            if resolved.get("in") == location:
                found.append(resolved)
        return found

    @property
    def json_body(self) -> dict[str, Any] | None:
        """The application/json request body media object, if the operation takes one."""
        body = self.spec.get("requestBody")
        if not body:
            return None
        content = resolve(self.document, body).get("content", {})
        media = content.get(JSON)
        return media if isinstance(media, dict) else None

    @property
    def multipart_body(self) -> bool:
        """Whether the operation takes a multipart/form-data body (an upload)."""
        body = self.spec.get("requestBody")
        return bool(body and "multipart/form-data" in resolve(self.document, body).get("content", {}))

    @property
    def body_required(self) -> bool:
        body = self.spec.get("requestBody")
        return bool(body and resolve(self.document, body).get("required"))

    def example_body(self) -> Any | None:
        """The author's example: on the media object, or on the body schema (pydantic `examples`)."""
        media = self.json_body
        if media is None:
            return None
        if "example" in media:
            return copy.deepcopy(media["example"])
        examples = media.get("examples")
        if isinstance(examples, dict) and examples:
            first = next(iter(examples.values()))
            if isinstance(first, dict) and "value" in first:
                return copy.deepcopy(first["value"])
        schema = resolve(self.document, media.get("schema", {}))
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return copy.deepcopy(schema["examples"][0])
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        return None


def operations(process: str, document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in sorted(document.get("paths", {}).items()):
        shared = item.get("parameters", [])
        for method in METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            spec = {**spec, "parameters": [*shared, *spec.get("parameters", [])]}
            found.append(Operation(process, method.upper(), path, spec, document))
    return found


def resolve(document: dict[str, Any], node: Any) -> dict[str, Any]:
    """Follow local $refs (and a lone allOf wrapper, as pydantic emits for a referenced field)."""
    while isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        elif list(node) == ["allOf"] and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            return node
    return {}


def sample_value(document: dict[str, Any], parameter: dict[str, Any]) -> Any:
    """A valid value for a parameter that carries no jurisdiction (a year, a kind, a limit)."""
    if "example" in parameter:
        return parameter["example"]
    schema = resolve(document, parameter.get("schema", {}))
    for option in schema.get("anyOf", []):
        option = resolve(document, option)
        if option.get("type") != "null":
            schema = option
            break
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        if "year" in parameter.get("name", ""):
            # The examples are for 2024; the lowest allowed year would usually find nothing.
            return max(int(schema.get("minimum", 2024)), min(int(schema.get("maximum", 2024)), 2024))
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if schema.get("pattern") == r"^\d{12}$":
        return "520102016001"
    return "matrix"


def classification_problems(ops: list[Operation], by_process: dict[str, list[Operation]]) -> list[str]:
    """Everything that keeps an operation out of the matrix, each naming the operation."""
    problems = []
    for op in ops:
        scope = op.scope
        if scope is None:
            problems.append(
                f"{op.name}: no jurisdiction classification — add openapi_extra=scope.<kind>(...) "
                "from fupin_kit.openapi_scope"
            )
            continue
        if scope.get("kind") not in KINDS:
            problems.append(f"{op.name}: unknown scope kind {scope.get('kind')!r}")
            continue
        if op.json_body is not None and op.example_body() is None:
            problems.append(
                f"{op.name}: no request body example — add `examples` to the body model "
                "(json_schema_extra) or example= to its scope"
            )
        if op.multipart_body and not scope.get("files"):
            problems.append(f"{op.name}: a multipart body without an example — add files= to its scope")
        for step in scope.get("prepare", []):
            process, _, key = step.get("operation", "").rpartition(":")
            if find(by_process.get(process.strip() or op.process, []), key.strip()) is None:
                problems.append(f"{op.name}: prepare step {step.get('operation')!r} is no operation")
        if scope["kind"] == "division":
            names = {p["name"] for p in op.parameters(scope["location"])}
            if scope["location"] != "body" and scope["param"] not in names:
                problems.append(
                    f"{op.name}: division parameter {scope['param']!r} is not a {scope['location']} parameter"
                )
        if "created_by" in scope:
            process, _, created_by = scope["created_by"].rpartition(":")
            process = process.strip() or op.process
            creator = find(by_process.get(process, []), created_by.strip())
            if creator is None:
                problems.append(f"{op.name}: created_by {scope['created_by']!r} is no operation")
            elif not (
                creator.kind in ("division", "resource", "public")
                or (creator.kind == "caller" and "level" in (creator.scope or {}))
            ):
                problems.append(f"{op.name}: created_by {scope['created_by']!r} has no division to create in")
            path_names = {p["name"] for p in op.parameters("path")}
            # Parameters that are not path parameters are body fields, if there is a body to put them in.
            wanted = {name for name in scope.get("params", {}) if name in path_names or op.json_body is None}
            if scope.get("location", "path") == "path":
                wanted.add(scope["id_param"])
            if wanted - path_names:
                problems.append(f"{op.name}: {sorted(wanted - path_names)} are not path parameters")
    return problems


def find(ops: list[Operation], key: str) -> Operation | None:
    method, _, path = key.strip().partition(" ")
    for op in ops:
        if op.method == method.upper() and op.path == path.strip():
            return op
    return None


def set_field(body: Any, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target = body
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    if isinstance(target, list):
        target[int(parts[-1])] = value
    else:
        target[parts[-1]] = value


def get_field(body: Any, dotted: str) -> Any:
    target = body
    for part in dotted.split("."):
        target = target[int(part)] if isinstance(target, list) else target[part]
    return target
