"""The merged OpenAPI document and docs page (G5): the gateway's own paths plus every service's under
/api/v1/<service>, components namespaced per service with every $ref resolving, a service that is down
named instead of failing the document, and a page that loads nothing from another host."""

from __future__ import annotations

import importlib
import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_gateway.openapi_merge import merge
from fupin_kit.embedded import free_port
from fupin_kit.testing import InProcessServer


def _document_server(stack: Any, service: str) -> FastAPI:
    """Serves the real service's OpenAPI document (built from its app, which is not started)."""
    module = importlib.import_module(f"{service}.main")
    document = module.create_app(stack.settings(service, role="api")).openapi()
    stub = FastAPI(openapi_url=None)

    @stub.get("/openapi.json")
    async def openapi() -> JSONResponse:
        return JSONResponse(document)

    return stub


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _resolves(document: dict[str, Any], ref: str) -> bool:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


async def test_merged_document_and_docs_page(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    async with (
        InProcessServer(_document_server(fupin_stack, "registry")) as registry,
        InProcessServer(_document_server(fupin_stack, "identification")) as identification,
    ):
        values = fupin_stack.settings("gateway", database, role="api").model_dump()
        values["upstreams"] = {
            "registry": registry.url,
            "identification": identification.url,
            "funds": f"http://127.0.0.1:{free_port()}",  # down
        }
        app = create_app(GatewaySettings(**values))
        async with InProcessServer(app) as gateway, httpx.AsyncClient(timeout=20) as client:
            answer = await client.get(f"{gateway.url}/openapi.json")
            assert answer.status_code == 200, answer.text
            document = answer.json()
            paths = document["paths"]
            assert "/oauth/token" in paths and "/feeds/events" in paths  # the gateway's own
            assert "/api/v1/registry/households" in paths
            assert any(path.startswith("/api/v1/identification/cases") for path in paths)
            assert not any(path.startswith("/households") for path in paths)  # only under the prefix
            # Every $ref resolves, and services' schemas live in their own name space.
            refs = _refs(document)
            assert refs and all(_resolves(document, ref) for ref in refs), [
                ref for ref in refs if not _resolves(document, ref)
            ]
            schemas = document["components"]["schemas"]
            assert any(name.startswith("registry.") for name in schemas)
            assert any(name.startswith("identification.") for name in schemas)
            operation_ids = [
                op["operationId"]
                for item in paths.values()
                for op in item.values()
                if isinstance(op, dict) and "operationId" in op
            ]
            assert len(operation_ids) == len(set(operation_ids))
            # How to authenticate, and what errors look like, as the API really answers them.
            assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
            read = paths["/api/v1/registry/households/{household_id}"]["get"]
            assert read["security"] == [{"bearer": []}]
            for status in ("401", "403", "404", "422"):
                content = read["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], status
            # Every operation with a body says it may be too large (body_limits); a read has no body.
            create = paths["/api/v1/registry/households"]["post"]
            assert list(create["responses"]["413"]["content"]) == ["application/problem+json"]
            assert "413" not in read["responses"]
            assert paths["/oauth/token"]["post"]["security"] == []  # public: no token to get a token
            # An outage is a 503 anywhere, a command may meet a state that refuses it (409), and every
            # route behind the gateway's rate limit may answer 429; probes are never limited.
            assert {"503", "429"} <= set(read["responses"]) and "409" not in read["responses"]
            assert {"409", "503", "429"} <= set(create["responses"])
            assert "429" not in paths["/.well-known/jwks.json"]["get"]["responses"]
            # A public route naming a notice answers 404 for one that is not there.
            public = paths["/api/v1/identification/public/notices/{notice_id}"]["get"]
            assert public["security"] == [] and "404" in public["responses"]
            assert not any("HTTPValidationError" in name for name in schemas)
            # The service that is down is named, not a 500.
            assert document["x-fupin-missing-services"] == ["funds"]
            assert "funds" in document["info"]["description"]
            # The gateway's own document (what the security tests walk) is unchanged.
            assert not any(path.startswith("/api/v1/") for path in app.openapi()["paths"])

            page = await client.get(f"{gateway.url}/docs")
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert "/api/v1/registry/households" in page.text and "Unavailable now" in page.text
            links = re.findall(r"""(?:src|href|action)\s*=\s*['"]([^'"]*)""", page.text, re.IGNORECASE)
            assert links and all(link.startswith(("/", "#")) for link in links), links
            assert "<script" not in page.text.lower()
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert (await client.get(f"{gateway.url}/redoc")).status_code == 404
            # A service's own docs page (CDN, and it reads the gateway's /openapi.json) is not proxied;
            # its own document still is.
            assert (await client.get(f"{gateway.url}/api/v1/registry/docs")).status_code == 404
            own = await client.get(f"{gateway.url}/api/v1/registry/openapi.json")
            assert own.status_code == 200 and "/households" in own.json()["paths"]


def test_components_of_the_same_name_do_not_clash():
    def service_doc(field: str) -> dict[str, Any]:
        schema = {"type": "object", "properties": {field: {"type": "string"}}}
        ref = {"$ref": "#/components/schemas/Item"}
        return {
            "paths": {
                "/items": {
                    "get": {
                        "operationId": "list",
                        "responses": {"200": {"content": {"application/json": {"schema": ref}}}},
                    }
                }
            },
            "components": {"schemas": {"Item": schema}},
        }

    merged = merge({"paths": {}}, {"a": service_doc("x"), "b": service_doc("y")}, {})
    schemas = merged["components"]["schemas"]
    assert schemas["a.Item"]["properties"] == {"x": {"type": "string"}}
    assert schemas["b.Item"]["properties"] == {"y": {"type": "string"}}
    content = merged["paths"]["/api/v1/b/items"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["$ref"] == "#/components/schemas/b.Item"
    assert merged["x-fupin-missing-services"] == []


def test_a_services_own_document_says_what_the_gateway_and_the_key_check_answer(fupin_stack):
    """/api/v1/<service>/openapi.json is the service's document as it is served through the gateway: every
    operation may meet the gateway's 429, and an empty Idempotency-Key, refused (422), is not a valid
    value of its schema (QA6: schemathesis sent "" as a valid key)."""
    document = (
        importlib.import_module("registry.main")
        .create_app(fupin_stack.settings("registry", role="api"))
        .openapi()
    )
    keys = 0
    for item in document["paths"].values():
        for operation in item.values():
            assert "429" in operation["responses"], operation["operationId"]
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "Idempotency-Key":
                    keys += 1
                    strings = [s for s in parameter["schema"]["anyOf"] if s.get("type") == "string"]
                    assert strings and all(s["minLength"] == 1 for s in strings), parameter
    assert keys > 5
