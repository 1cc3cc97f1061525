"""Every process verifies tokens itself: forged tokens are refused by the gateway and by each service
called directly, a valid token is accepted by all of them, and the token of an account disabled after it
was issued is refused by the gateway at once and by each service within a poll of the gateway's revoked
subjects."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from fupin_kit.auth.revocations import REVOKED_SUBJECTS_PATH
from fupin_kit.settings import PROCESS_MODULES, PROCESS_NAMES, SERVICE_NAMES
from fupin_kit.testing import InProcessServer
from tests.security.forged_tokens import forged_tokens, valid_token

NATION = "000000000000"
COUNTY = "520102000000"
PASSWORD = "correct horse battery"
# How often the services poll the gateway here, and how long a change may take to reach all of them
# (generous: the machine running the suite is shared).
REVOKED_REFRESH_S = 0.3
PROPAGATION_DEADLINE_S = 15.0


# One set of processes for the whole module: the tests only read /whoami, and starting six processes on
# fresh databases for each of them cost ~20 s apiece. The gateway listens on a loopback port, because the
# services poll its revoked subjects over HTTP as they would in a deployment.
@pytest_asyncio.fixture(scope="module")
async def clients(fupin_stack) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    opened: dict[str, httpx.AsyncClient] = {}
    async with contextlib.AsyncExitStack() as stack:
        monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
        gateway_url = ""
        for name in PROCESS_NAMES:
            database = await fupin_stack.fresh_database(PROCESS_MODULES[name], name)
            extra = {"FUPIN_ROLE": "api"}
            if name != "gateway":
                extra["FUPIN_REVOKED_SUBJECTS_SOURCE"] = gateway_url + REVOKED_SUBJECTS_PATH
                extra["FUPIN_REVOKED_SUBJECTS_REFRESH_S"] = str(REVOKED_REFRESH_S)
            for key, value in fupin_stack.env(name, database, **extra).items():
                monkeypatch.setenv(key, value)
            app = importlib.import_module(f"{PROCESS_MODULES[name]}.main").create_app()
            if name == "gateway":
                server = await stack.enter_async_context(InProcessServer(app))
                gateway_url = server.url
                client = httpx.AsyncClient(base_url=gateway_url)
            else:
                await stack.enter_async_context(app.router.lifespan_context(app))
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            opened[name] = await stack.enter_async_context(client)
        yield opened


async def test_valid_token_accepted_everywhere(fupin_stack, clients):
    token = valid_token(fupin_stack)
    for name, client in clients.items():
        response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, (name, response.text)
        assert response.json()["division"] == "520102000000"


@pytest.mark.parametrize("process", PROCESS_NAMES)
async def test_forged_tokens_rejected_by_each_process(fupin_stack, clients, process):
    client = clients[process]
    for kind, token in forged_tokens(fupin_stack).items():
        response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (process, kind, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401
    missing = await client.get("/whoami")
    assert missing.status_code == 401


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(gateway: httpx.AsyncClient, username: str) -> str:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    issued = await gateway.post("/oauth/token", data=form)
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


async def whoami_until(client: httpx.AsyncClient, token: str, status: int, deadline: float) -> httpx.Response:
    """GET /whoami until it answers `status` or the deadline passes; the last answer either way."""
    while True:
        response = await client.get("/whoami", headers=bearer(token))
        if response.status_code == status or time.monotonic() > deadline:
            return response
        await asyncio.sleep(REVOKED_REFRESH_S / 3)


async def test_disabled_users_token_is_refused_by_the_gateway_and_every_service(fupin_stack, clients):
    gateway = clients["gateway"]
    admin = bearer(fupin_stack.token("nation", NATION, ["admin"], subject="user:root"))
    body = {
        "username": "sun.disabled",
        "display_name": "孙停用",
        "tier": "county",
        "division": COUNTY,
        "roles": ["officer"],
        "password": PASSWORD,
    }
    created = await gateway.post("/admin/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    token = await login(gateway, "sun.disabled")
    for name, client in clients.items():
        me = await client.get("/whoami", headers=bearer(token))
        assert me.status_code == 200, (name, me.text)
        assert me.json()["subject"] == "user:sun.disabled"

    disabled = await gateway.post("/admin/users/sun.disabled/disable", headers=admin)
    assert disabled.status_code == 200, disabled.text
    refused_at_gateway = await gateway.get("/whoami", headers=bearer(token))
    assert refused_at_gateway.status_code == 401
    assert refused_at_gateway.json()["detail"] == "the account is disabled"
    deadline = time.monotonic() + PROPAGATION_DEADLINE_S
    for name in SERVICE_NAMES:
        refused = await whoami_until(clients[name], token, 401, deadline)
        assert refused.status_code == 401, (name, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 401 and refused.json()["detail"] == "token revoked", name
        # Refused again from the verified-token cache, not only on the first full check.
        assert (await clients[name].get("/whoami", headers=bearer(token))).status_code == 401

    enabled = await gateway.post("/admin/users/sun.disabled/enable", headers=admin)
    assert enabled.status_code == 200, enabled.text
    fresh = await login(gateway, "sun.disabled")
    deadline = time.monotonic() + PROPAGATION_DEADLINE_S
    for name, client in clients.items():
        accepted = await whoami_until(client, fresh, 200, deadline)
        assert accepted.status_code == 200, (name, accepted.text)
