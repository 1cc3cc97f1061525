"""Every process verifies tokens itself: forged tokens are refused by the gateway and by each service
called directly, and a valid token is accepted by all of them."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from fupin_kit.settings import PROCESS_MODULES, PROCESS_NAMES
from tests.security.forged_tokens import forged_tokens, valid_token


# One set of processes for the whole module: the tests only read /whoami, and starting six processes on
# fresh databases for each of them cost ~20 s apiece.
@pytest_asyncio.fixture(scope="module")
async def clients(fupin_stack) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    opened: dict[str, httpx.AsyncClient] = {}
    contexts = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            for name in PROCESS_NAMES:
                database = await fupin_stack.fresh_database(PROCESS_MODULES[name], name)
                for key, value in fupin_stack.env(name, database, FUPIN_ROLE="api").items():
                    monkeypatch.setenv(key, value)
                module = importlib.import_module(f"{PROCESS_MODULES[name]}.main")
                app = module.create_app()
                context = app.router.lifespan_context(app)
                await context.__aenter__()
                contexts.append(context)
                opened[name] = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
                )
            yield opened
        finally:
            for client in opened.values():
                await client.aclose()
            for context in reversed(contexts):
                await context.__aexit__(None, None, None)


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
