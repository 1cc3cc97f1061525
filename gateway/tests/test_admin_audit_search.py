"""GET /admin/audit: the gateway's audit chain searched by an admin, within its own subtree, newest first.

A provincial supervisor or a county's discipline office asks "who opened this household's file", "what did
this account do last week", "who signed in from where" of the chain without database access: a county
admin reads its county's rows and no sibling's nor the province's, the nation's admins read everything
(anonymous callers' rows, filed under the nation, included), filters narrow with AND, pages follow seq
down, bad input is a 422 problem, and the search is itself recorded in the chain.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from fupin_gateway.testing import in_process_gateway as gateway
from fupin_kit.audit.append import append_entries
from fupin_kit.audit.chain import AuditEntry

NATION = "000000000000"
PROVINCE = "520000000000"
COUNTY = "520102000000"
VILLAGE = "520102016001"
SIBLING_COUNTY = "520103000000"
SIBLING_VILLAGE = "520103001001"
HOUSEHOLD = "/api/v1/registry/households/7f2c0f4e-9a51-4d8e-8d1e-0c7f3b1a2d44"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin_of(stack: Any, tier: str, division: str) -> dict[str, str]:
    return bearer(stack.token(tier, division, ["admin"], subject=f"user:audit.{tier}.{division}"))


def access(actor: str, division: str, path: str, status: int, minutes: int, **detail: Any) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        action="access",
        subject=path,
        division=division,
        detail={"method": "GET", "status": status, "request_id": f"req-{actor}-{minutes}", **detail},
        at=START + timedelta(minutes=minutes),
    )


SEEDED = [
    access("user:village.cadre", VILLAGE, HOUSEHOLD, 200, 1),
    access("user:county.officer", COUNTY, HOUSEHOLD, 200, 2),
    access("user:county.officer", COUNTY, f"{HOUSEHOLD}/history", 404, 3),
    access("user:sibling.officer", SIBLING_VILLAGE, HOUSEHOLD, 404, 4),
    access("user:province.leader", PROVINCE, HOUSEHOLD, 200, 5),
    access("anonymous", NATION, HOUSEHOLD, 401, 6),
    AuditEntry(
        actor="user:county.officer",
        action="sign_in",
        subject="/oauth/token",
        division=COUNTY,
        detail={"status": 200, "client_ip": "10.9.8.7", "account": "county.officer"},
        at=START + timedelta(minutes=7),
    ),
    access("user:county.officer", COUNTY, "/api/v1/registry/households/50%_off", 200, 8),
    access("user:county.officer", COUNTY, "/api/v1/registry/households/5000_off", 200, 9),
]


async def seed(app: FastAPI, entries: list[AuditEntry] = SEEDED) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await append_entries(session, entries)


async def search(client: httpx.AsyncClient, auth: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/admin/audit", params=params, headers=auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def seeded_only(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The seeded rows of an answer (the gateway's own access rows of the test's requests left out)."""
    seeded_actors = {entry.actor for entry in SEEDED}
    return [(i["actor"], i["division"], i["subject"]) for i in items if i["actor"] in seeded_actors]


async def test_a_county_admin_reads_its_county_and_the_nation_reads_everything(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        await seed(app)
        county = seeded_only(await search(client, admin_of(fupin_stack, "county", COUNTY)))
        assert {division for _, division, _ in county} == {VILLAGE, COUNTY}
        assert len(county) == 6
        village = seeded_only(await search(client, admin_of(fupin_stack, "village", VILLAGE)))
        assert [actor for actor, _, _ in village] == ["user:village.cadre"]
        province = seeded_only(await search(client, admin_of(fupin_stack, "province", PROVINCE)))
        assert {division for _, division, _ in province} == {VILLAGE, COUNTY, SIBLING_VILLAGE, PROVINCE}
        nation = seeded_only(await search(client, admin_of(fupin_stack, "nation", NATION)))
        assert len(nation) == len(SEEDED) and ("anonymous", NATION, HOUSEHOLD) in nation

        items = await search(client, admin_of(fupin_stack, "county", COUNTY), actor="user:village.cadre")
        assert set(items[0]) == {"seq", "at", "actor", "action", "subject", "division", "detail", "hash"}
        assert items[0]["detail"]["request_id"] == "req-user:village.cadre-1"


async def test_each_filter_narrows_as_documented(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        await seed(app)
        nation = admin_of(fupin_stack, "nation", NATION)

        async def subjects(**params: Any) -> list[tuple[str, str, str]]:
            return seeded_only(await search(client, nation, **params))

        by_actor = await subjects(actor="user:county.officer")
        assert len(by_actor) == 5 and {actor for actor, _, _ in by_actor} == {"user:county.officer"}
        assert await subjects(action="sign_in") == [("user:county.officer", COUNTY, "/oauth/token")]
        opened = await subjects(subject_prefix=HOUSEHOLD)
        assert len(opened) == 6 and all(subject.startswith(HOUSEHOLD) for _, _, subject in opened)
        refused = await subjects(subject_prefix=HOUSEHOLD, status=404)
        assert [actor for actor, _, _ in refused] == ["user:sibling.officer", "user:county.officer"]
        window = await subjects(
            since=(START + timedelta(minutes=2)).isoformat(), until=(START + timedelta(minutes=4)).isoformat()
        )
        assert [subject for _, _, subject in window] == [f"{HOUSEHOLD}/history", HOUSEHOLD]
        assert await subjects(request_id="req-user:province.leader-5") == [
            ("user:province.leader", PROVINCE, HOUSEHOLD)
        ]
        combined = await subjects(actor="user:county.officer", subject_prefix=HOUSEHOLD, status=200)
        assert combined == [("user:county.officer", COUNTY, HOUSEHOLD)]


async def test_a_prefix_with_percent_or_underscore_matches_them_literally(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        await seed(app)
        nation = admin_of(fupin_stack, "nation", NATION)
        percent = seeded_only(await search(client, nation, subject_prefix="/api/v1/registry/households/50%"))
        assert [subject for _, _, subject in percent] == ["/api/v1/registry/households/50%_off"]
        underscore = seeded_only(
            await search(client, nation, subject_prefix="/api/v1/registry/households/5000_")
        )
        assert [subject for _, _, subject in underscore] == ["/api/v1/registry/households/5000_off"]
        assert await search(client, nation, subject_prefix="/api/v1/registry/households/50_") == []
        assert await search(client, nation, subject_prefix="%") == []


async def test_pages_return_every_row_once_newest_first(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        await seed(app)
        nation = admin_of(fupin_stack, "nation", NATION)
        seen: list[int] = []
        after: int | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 2, "subject_prefix": "/api/v1/registry/households/"}
            if after is not None:
                params["after"] = after
            response = await client.get("/admin/audit", params=params, headers=nation)
            assert response.status_code == 200, response.text
            body = response.json()
            seen += [item["seq"] for item in body["items"]]
            pages += 1
            after = body["next_after"]
            if after is None:
                break
        assert len(seen) == 8 and len(set(seen)) == 8
        assert seen == sorted(seen, reverse=True)
        assert pages == 5  # four full pages, then an empty one ends it


async def test_only_person_admins_search(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        officer = bearer(fupin_stack.token("county", COUNTY, ["officer", "leader"], subject="user:x"))
        client_admin = bearer(
            fupin_stack.token("county", COUNTY, ["admin"], subject="client:x", kind="client")
        )
        for headers in (officer, client_admin):
            refused = await client.get("/admin/audit", headers=headers)
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
        assert (await client.get("/admin/audit")).status_code == 401
        # As the other admin routes answer the same callers.
        assert (await client.get("/admin/users", headers=officer)).status_code == 403


async def test_bad_parameters_are_422_problems_that_change_nothing(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        await seed(app)
        nation = admin_of(fupin_stack, "nation", NATION)
        bad: list[dict[str, Any]] = [
            {"since": "yesterday"},
            {"until": "2026-11-20T08:00:00"},  # no offset: not an instant
            {"since": "2026-11-21T00:00:00Z", "until": "2026-11-20T00:00:00Z"},
            {"limit": 0},
            {"limit": 501},
            {"limit": "ten"},
            {"status": "ok"},
            {"status": 42},
            {"after": 0},
            {"subject_prefix": ""},
        ]
        for params in bad:
            response = await client.get("/admin/audit", params=params, headers=nation)
            assert response.status_code == 422, (params, response.text)
            assert response.headers["content-type"] == "application/problem+json", params
        verified = await client.get("/admin/audit/verify", headers=nation)
        assert verified.status_code == 200 and verified.json()["ok"], verified.text


async def test_the_search_is_itself_audited(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        reader = admin_of(fupin_stack, "county", COUNTY)
        await search(client, reader, actor="user:county.officer")
        await app.state.audit_writer.flush()
        recorded = await search(client, reader, subject_prefix="/admin/audit", action="access")
        assert recorded, "the search was not recorded"
        row = recorded[-1]
        assert row["actor"] == f"user:audit.county.{COUNTY}" and row["division"] == COUNTY
        assert row["detail"]["method"] == "GET" and row["detail"]["status"] == 200
