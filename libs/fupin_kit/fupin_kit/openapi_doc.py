"""What every process's OpenAPI document says beyond FastAPI's defaults: how to authenticate, and the shape
of its errors.

FastAPI documents no security (the token is read by our own dependency, not a FastAPI security class) and
documents every 422 as its own `HTTPValidationError` in application/json, while every Fupin error is an
RFC 9457 problem document in application/problem+json (fupin_kit.problems). A departmental system that
generates a client from the document would get both wrong. Here: a bearer-token scheme required by every
operation not declared public (openapi_scope), and the problem document as the body of 422 and of the
401 / 403 / 404 every scoped operation can answer, the 409 every command can answer and the 503 of an
outage, and the 429 of the gateway's rate limit: every operation is reached through the gateway, the
service's own document included (/api/v1/<service>/openapi.json), and the gateway takes it off the paths
it does not limit (fupin_gateway.openapi_merge).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from fupin_kit.openapi_scope import SCOPE_KEY

BEARER = "bearer"
PROBLEM = "Problem"
PROBLEM_TYPE = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document; members beyond these may appear (e.g. `code`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For 422: each invalid field (loc, msg, type)",
            "items": {"type": "object"},
        },
    },
}
SECURITY_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from the gateway's POST /oauth/token (password or client_credentials).",
}
# The errors a scoped operation can answer whatever it does: no or a bad token, a tier or role that may not
# act, an object outside the caller's jurisdiction (a 404, never a 403: nothing is revealed).
SCOPED_ERRORS = {
    "401": "No valid bearer token",
    "403": "The caller's tier, role or client scope may not do this",
    "404": "Not found in the caller's jurisdiction",
}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
COMMAND_METHODS = frozenset({"put", "post", "delete", "patch"})
# Every operation reads or writes the database: while it is out, the answer is a 503 with Retry-After
# (fupin_kit.problems), never a hang or a 500.
UNAVAILABLE = "The database or another dependency is out: try again after Retry-After"
# A command can always meet a state that refuses it (an out-of-order step, a taken name, a quota spent, a
# notice still running); the problem's `code` names which.
CONFLICT = "The current state refuses this command; the problem's `code` says why"
RATE_LIMITED = "Too many requests from this caller (the gateway's rate limit): try again after Retry-After"
IDEMPOTENCY_KEY = "idempotency-key"


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_TYPE: {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}},
    }


def _is_public(operation: dict[str, Any]) -> bool:
    scope = operation.get(SCOPE_KEY)
    return isinstance(scope, dict) and scope.get("kind") == "public"


def describe(document: dict[str, Any]) -> dict[str, Any]:
    """The document with security and problem responses filled in (changed in place, and returned)."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = SECURITY_SCHEME
    schemas = components.setdefault("schemas", {})
    schemas[PROBLEM] = PROBLEM_SCHEMA
    for path, item in (document.get("paths") or {}).items():
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _problem_response("The request is not valid (each field in `errors`)")
            if "requestBody" in operation:
                responses["413"] = _problem_response("The request body is larger than this route accepts")
            responses["503"] = _problem_response(UNAVAILABLE)
            responses["429"] = _problem_response(RATE_LIMITED)
            for parameter in operation.get("parameters") or ():
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == IDEMPOTENCY_KEY:
                    _non_empty(parameter.get("schema") or {})
            if method in COMMAND_METHODS:
                responses["409"] = _problem_response(
                    (responses.get("409") or {}).get("description") or CONFLICT
                )
            if _is_public(operation):
                operation["security"] = []
                if "{" in path:
                    # A public route that names a notice or a division answers 404 for one that is not there.
                    responses["404"] = _problem_response(
                        (responses.get("404") or {}).get("description") or "Not found"
                    )
                continue
            operation["security"] = [{BEARER: []}]
            for status, description in SCOPED_ERRORS.items():
                documented = responses.get(status) or {}
                responses[status] = _problem_response(documented.get("description") or description)
    # FastAPI's own validation error schemas are referenced no more.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def _non_empty(schema: dict[str, Any]) -> None:
    """A blank key is refused (422, code idempotency-key): the schema says a string has one character or
    more (`anyOf` string/null as FastAPI writes an optional header, or the string itself)."""
    for option in schema.get("anyOf") or [schema]:
        if option.get("type") == "string":
            option["minLength"] = 1


def install(app: FastAPI) -> None:
    """Make app.openapi() return the described document (built once, as FastAPI caches it)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
