"""Merging the services' OpenAPI documents into the gateway's, as the gateway routes them.

Each service's paths are prefixed `/api/v1/<service>` (the proxy's route), its components are renamed
`<service>.<name>` so two services' schemas of the same name never clash, and every `$ref` in its
document is rewritten to match. Operation ids get the same prefix, since they must be unique across
the document. Pure functions over JSON: no I/O here (see docs.py for fetching and caching).
"""

from __future__ import annotations

import copy
from typing import Any

from fupin_gateway.access import UNGUARDED_PATHS

LOCAL_REF = "#/components/"
MISSING_KEY = "x-fupin-missing-services"


def _rename_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        renamed: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(LOCAL_REF):
                section, _, name = value[len(LOCAL_REF) :].partition("/")
                renamed[key] = f"{LOCAL_REF}{section}/{service}.{name}"
            else:
                renamed[key] = _rename_refs(value, service)
        return renamed
    if isinstance(node, list):
        return [_rename_refs(item, service) for item in node]
    return node


def namespaced(service: str, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A service's paths (prefixed) and components (renamed), with every local `$ref` rewritten."""
    rewritten = _rename_refs(document, service)
    paths: dict[str, Any] = {}
    for path, item in (rewritten.get("paths") or {}).items():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation["operationId"] = f"{service}.{operation['operationId']}"
        paths[f"/api/v1/{service}{path}"] = item
    # Security schemes are named by the operations' security requirements (not by $ref) and are the same
    # bearer token in every process: kept under their own names.
    components = {
        section: entries
        if section == "securitySchemes"
        else {f"{service}.{name}": value for name, value in entries.items()}
        for section, entries in (rewritten.get("components") or {}).items()
    }
    return paths, components


def merge(
    own: dict[str, Any], services: dict[str, dict[str, Any]], missing: dict[str, str]
) -> dict[str, Any]:
    """The gateway's own document plus every service's; `missing` (service → why) is named in
    `info.description` and in the `x-fupin-missing-services` extension, so an incomplete document says so."""
    merged = copy.deepcopy(own)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components: dict[str, dict[str, Any]] = merged.setdefault("components", {})
    for service, document in sorted(services.items()):
        service_paths, service_components = namespaced(service, document)
        paths.update(service_paths)
        for section, entries in service_components.items():
            components.setdefault(section, {}).update(entries)
    _unguarded_unlimited(paths)
    merged[MISSING_KEY] = sorted(missing)
    if missing:
        note = "; ".join(f"{service}: {why}" for service, why in sorted(missing.items()))
        info = merged.setdefault("info", {})
        info["description"] = f"{info.get('description', '')}\n\nNot included (unavailable): {note}".strip()
    return merged


def _unguarded_unlimited(paths: dict[str, Any]) -> None:
    """Every route behind the gateway's rate limit (fupin_gateway.ratelimit) may answer 429: each process's
    document says so already (fupin_kit.openapi_doc), and the paths the guard never limits lose it."""
    for path in UNGUARDED_PATHS & paths.keys():
        item = paths[path]
        if not isinstance(item, dict):
            continue
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].pop("429", None)
