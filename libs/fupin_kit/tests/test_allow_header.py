"""A 405's Allow names the methods of the resource the path names: `/things/summary` also fits the template
`/things/{thing_id}`, whose PATCH it does not support, and Allow said `GET, HEAD, PATCH` (QA7 dept-client
DC-5, on the registry's /households/code-lists and /households/counts)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from fupin_kit.problems import install_problem_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things/summary")
    async def summary() -> dict[str, int]:
        return {"n": 0}

    @app.get("/things/{thing_id}")
    async def read(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @app.patch("/things/{thing_id}")
    async def change(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return app


async def test_allow_names_the_methods_of_the_literal_resource() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        literal = await client.delete("/things/summary")
        assert literal.status_code == 405 and literal.headers["allow"] == "GET, HEAD", literal.headers
        templated = await client.delete("/things/42")
        assert templated.status_code == 405 and templated.headers["allow"] == "GET, HEAD, PATCH"
