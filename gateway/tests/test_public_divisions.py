"""The public notice board's division reads through the gateway, without a token: a villager picks their
village by name. Anonymous reads are rate limited by client IP like every anonymous request; the scoped
division routes, household reads and writes still need a token; the merged document declares the public
reads public.

The registry runs in-process on the rows of one real county (黄平县, two of whose townships hold a
东门村村民委员会) and its ancestors, loaded by the registry's own loader."""

from __future__ import annotations

import csv
import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_kit.db import create_engine
from fupin_kit.testing import InProcessServer, Stack
from registry.divisions.loader import DATA_FILE, load_divisions
from registry.main import create_app as create_registry

COUNTY = "522622000000"  # 黄平县, 黔东南苗族侗族自治州, 贵州省
ANCESTORS = ("520000000000", "522600000000")
XINZHOU = "522622100000"  # 新州镇
VILLAGE = "522622100200"  # 东门村村民委员会 of 新州镇
OTHER_DONGMEN = "522622101201"  # 东门村村民委员会 of another township
PUBLIC = "/api/v1/registry/divisions/public"


def _county_rows(target: Path) -> Path:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as source:
        rows = [row for row in csv.reader(source) if row[0] in ANCESTORS or row[0].startswith(COUNTY[:6])]
    with gzip.open(target, "wt", encoding="utf-8", newline="") as sink:
        csv.writer(sink).writerows([["code", "name", "level", "parent_code"], *rows])
    return target


@pytest_asyncio.fixture(scope="module")
async def registry_url(fupin_stack: Stack, tmp_path_factory: Any) -> AsyncIterator[str]:
    database = await fupin_stack.fresh_database("registry", "registry")
    engine = create_engine(fupin_stack.settings("registry", database), pool_size=1)
    try:
        await load_divisions(engine, _county_rows(tmp_path_factory.mktemp("tree") / "divisions.csv.gz"))
    finally:
        await engine.dispose()
    async with InProcessServer(
        create_registry(fupin_stack.settings("registry", database, role="api"))
    ) as app:
        yield app.url


async def _gateway(stack: Stack, registry_url: str, **limits: Any) -> InProcessServer:
    database = await stack.fresh_database("fupin_gateway", "gateway")
    values = stack.settings("gateway", database, role="api").model_dump()
    values.update(upstreams={"registry": registry_url}, **limits)
    return InProcessServer(create_app(GatewaySettings(**values)))


async def test_a_villager_finds_the_village_by_name_without_a_token(fupin_stack, registry_url) -> None:
    async with (
        await _gateway(fupin_stack, registry_url) as gateway,
        httpx.AsyncClient(base_url=gateway.url, timeout=30) as client,
    ):
        hits = await client.get(f"{PUBLIC}/search", params={"q": "东门村", "level": "village"})
        assert hits.status_code == 200, hits.text
        found = hits.json()["items"]
        assert [hit["code"] for hit in found] == [VILLAGE, OTHER_DONGMEN]
        assert [a["name"] for a in found[0]["ancestors"]] == [
            "贵州省",
            "黔东南苗族侗族自治州",
            "黄平县",
            "新州镇",
        ]
        assert found[1]["ancestors"][-1]["name"] != "新州镇"

        node = (await client.get(f"{PUBLIC}/{VILLAGE}")).json()
        assert node["name"] == "东门村村民委员会" and node["ancestors"][-1]["code"] == XINZHOU
        provinces = (await client.get(f"{PUBLIC}/000000000000/children")).json()
        assert [item["code"] for item in provinces["items"]] == ["520000000000"]
        villages = (await client.get(f"{PUBLIC}/{XINZHOU}/children", params={"limit": 2})).json()
        assert len(villages["items"]) == 2 and villages["next_after"] == villages["items"][-1]["code"]
        assert (
            (await client.get(f"{PUBLIC}/{XINZHOU}/children")).headers["cache-control"].startswith("public")
        )

        # Public and static: cacheable for an hour, through the gateway's no-store default; a refusal is not.
        for answer in (hits, (await client.get(f"{PUBLIC}/{VILLAGE}"))):
            assert answer.headers["cache-control"] == "public, max-age=3600"
        invalid = await client.get(f"{PUBLIC}/search", params={"q": "东门村", "level": "hamlet"})
        assert invalid.status_code == 422
        assert invalid.headers["cache-control"] == "no-store"
        assert invalid.headers["content-type"].startswith("application/problem+json")
        assert invalid.json()["instance"] == f"{PUBLIC}/search"
        assert (await client.get(f"{PUBLIC}/5226221002")).status_code == 422

        # The scoped tree, households and writes still need a token.
        for path in (f"/api/v1/registry/divisions/{VILLAGE}", "/api/v1/registry/households?limit=1"):
            assert (await client.get(path)).status_code == 401, path
        assert (await client.post("/api/v1/registry/households", json={})).status_code == 401

        document = (await client.get("/openapi.json")).json()
        for path in (f"{PUBLIC}/search", f"{PUBLIC}/{{code}}", f"{PUBLIC}/{{code}}/children"):
            assert document["paths"][path]["get"]["security"] == [], path
        assert document["paths"]["/api/v1/registry/divisions/{code}"]["get"]["security"] != []


async def test_anonymous_reads_are_rate_limited_by_address(fupin_stack, registry_url) -> None:
    async with (
        await _gateway(fupin_stack, registry_url, rate_limit_per_s=0.01, rate_limit_burst=3) as gateway,
        httpx.AsyncClient(base_url=gateway.url, timeout=30) as client,
    ):
        answers = [(await client.get(f"{PUBLIC}/{VILLAGE}")).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = await client.get(f"{PUBLIC}/search", params={"q": "东门村"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
