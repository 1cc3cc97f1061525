"""The gateway routes /api/v1/<service>/... to the services, answers 503 + Retry-After for a service
that is down, and reports every service's readiness."""

from __future__ import annotations

import re

import httpx

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_kit.embedded import free_port
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.testing import InProcessServer


def _gateway_settings(stack, database: str, upstreams: dict[str, str]) -> GatewaySettings:
    values = stack.settings("gateway", database, role="api").model_dump()
    values["upstreams"] = upstreams
    return GatewaySettings(**values)


async def test_routes_streams_and_reports_upstream_state(fupin_stack):
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    producer_db = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    service = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", producer_db, role="api"),
    )
    dead_port = free_port()
    async with InProcessServer(service) as upstream:
        settings = _gateway_settings(
            fupin_stack, gateway_db, {"sample": upstream.url, "registry": f"http://127.0.0.1:{dead_port}"}
        )
        async with InProcessServer(create_app(settings)) as gateway, httpx.AsyncClient(timeout=10) as client:
            token = fupin_stack.token("village", "520102001001", ["cadre"])
            auth = {"Authorization": f"Bearer {token}", "X-Request-ID": "req-123"}

            created = await client.post(
                f"{gateway.url}/api/v1/sample/items",
                json={"division": "520102001001", "name": "routed"},
                headers=auth,
            )
            assert created.status_code == 201, created.text
            assert created.headers["x-request-id"] == "req-123"
            item_id = created.json()["id"]
            read = await client.get(f"{gateway.url}/api/v1/sample/items/{item_id}", headers=auth)
            assert read.status_code == 200 and read.json()["name"] == "routed"
            # One `date` and one `server` (the gateway's own), not the service's copies beside them.
            for answer in (created, read):
                assert len(answer.headers.get_list("date")) == 1, answer.headers
                assert len(answer.headers.get_list("server")) == 1, answer.headers
            # Security headers on every gateway answer: proxied, its own, problems, probes.
            own = await client.get(f"{gateway.url}/whoami", headers=auth)
            refused = await client.get(f"{gateway.url}/whoami")
            probe = await client.get(f"{gateway.url}/healthz")
            for answer in (read, own, refused, probe):
                assert answer.headers.get_list("x-content-type-options") == ["nosniff"], answer.url
                assert answer.headers["referrer-policy"] == "no-referrer"
                assert answer.headers["x-frame-options"] == "DENY"
            # Answers that may carry personal data or credentials are not cached; a probe may be.
            for answer in (read, own, refused):
                assert answer.headers.get_list("cache-control") == ["no-store"], answer.url
            assert "cache-control" not in probe.headers
            # The console keeps its own, stricter policy (not overwritten, not doubled).
            page = await client.get(f"{gateway.url}/console/")
            assert page.headers.get_list("x-content-type-options") == ["nosniff"]
            assert "default-src 'self'" in page.headers["content-security-policy"]

            # Upstream errors pass through as problem documents, naming the path the caller used.
            invalid = await client.post(
                f"{gateway.url}/api/v1/sample/items", json={"division": "x"}, headers=auth
            )
            assert invalid.status_code == 422
            assert invalid.headers["content-type"].startswith("application/problem+json")
            assert invalid.json()["instance"] == "/api/v1/sample/items"
            assert invalid.json()["errors"][0]["loc"] == ["body", "division"]

            down = await client.get(f"{gateway.url}/api/v1/registry/whoami", headers=auth)
            assert down.status_code == 503
            assert down.headers["retry-after"].isdigit()
            assert down.headers["content-type"].startswith("application/problem+json")

            unknown = await client.get(f"{gateway.url}/api/v1/nosuch/x", headers=auth)
            assert unknown.status_code == 404

            # OPTIONS reaches the service and gets its answer (here its 405 with Allow), as when the
            # service is called directly, not the gateway's 404 for a route of its own (HEAD: see
            # test_proxy_http.py).
            for method in ("OPTIONS",):
                url = f"/api/v1/sample/items/{item_id}"
                answer = await client.request(method, f"{gateway.url}{url}", headers=auth)
                direct = await client.request(
                    method, f"{upstream.url}{url[len('/api/v1/sample') :]}", headers=auth
                )
                assert answer.status_code == direct.status_code == 405, method
                assert answer.headers["allow"] == direct.headers["allow"] == "GET, HEAD"
            # A service's redirect points at the gateway, never at the service's internal address.
            slash = await client.get(f"{gateway.url}/api/v1/sample/items/", headers=auth)
            assert slash.status_code == 307 and slash.headers["location"] == "/api/v1/sample/items"
            # A request id that is not a plain token is replaced, not echoed.
            odd = await client.get(
                f"{gateway.url}/whoami", headers={**auth, "X-Request-ID": "bad id<script>"}
            )
            assert odd.status_code == 200 and odd.headers["x-request-id"] not in ("bad id<script>", "")
            assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])

            ready = await client.get(f"{gateway.url}/readyz")
            body = ready.json()
            assert ready.status_code == 503  # registry is down, so the platform is not ready
            assert body["services"]["sample"]["ready"] is True
            assert body["services"]["registry"]["ready"] is False

            jwks = (await client.get(f"{gateway.url}/.well-known/jwks.json")).json()
            assert jwks["keys"] and all("d" not in key for key in jwks["keys"])  # never the private part
