"""A departmental client above the county that pushes lists is granted nothing else, not even the feed.

Identification refuses a push above the county from a token that can also read (403 push-only-account):
reading cases or households after each push of candidate ID numbers would tell the system which of them
belong to people in cases. The admin API refuses to make such a client (422 push-only-client), at
creation and when its scopes are replaced, instead of leaving one whose pushes would all be refused. At
the county and below (a city without counties included) a client may push and read."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from fupin_gateway.testing import in_process_gateway as gateway

NATION = "000000000000"
CITY = "520100000000"
COUNTY = "520102000000"
COUNTYLESS_CITY = "441900000000"  # 东莞市: the city holds the county's powers


def root(stack: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token('nation', NATION, ['admin'], subject='user:root')}"}


def client_body(client_id: str, tier: str, division: str, scopes: list[str]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "department": "市医保局",
        "tier": tier,
        "division": division,
        "scopes": scopes,
        "roles": ["department"],
    }


@pytest.mark.parametrize(
    "scopes",
    [
        ["comparisons:push", "identification.read"],
        ["comparisons:push:medical_self_paid", "registry.read"],
        ["comparisons:push", "gateway.read"],
        ["comparisons:push", "feeds.read"],
        ["comparisons:push:disaster", "feeds.read"],
    ],
    ids=lambda scopes: "+".join(scopes),
)
async def test_a_city_client_that_pushes_is_not_granted_reading(fupin_stack, scopes: list[str]) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        refused = await client.post(
            "/admin/clients", json=client_body("city.mixed", "city", CITY, scopes), headers=auth
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "push-only-client"
        assert (await client.get("/admin/clients/city.mixed", headers=auth)).status_code == 404


async def test_a_city_client_keeps_push_only_scopes_when_they_are_replaced(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        made = await client.post(
            "/admin/clients", json=client_body("city.push", "city", CITY, ["comparisons:push"]), headers=auth
        )
        assert made.status_code == 201, made.text
        changed = await client.put(
            "/admin/clients/city.push/scopes",
            json={"scopes": ["comparisons:push:disaster", "identification.read"]},
            headers=auth,
        )
        assert changed.status_code == 422 and changed.json()["code"] == "push-only-client", changed.text
        kept = await client.get("/admin/clients/city.push", headers=auth)
        assert kept.json()["scopes"] == ["comparisons:push"]
        with_feed = await client.put(
            "/admin/clients/city.push/scopes",
            json={"scopes": ["comparisons:push", "feeds.read"]},
            headers=auth,
        )
        assert with_feed.status_code == 422 and with_feed.json()["code"] == "push-only-client", with_feed.text
        # A city client that only reads is fine: it pushes nothing.
        reader = await client.put(
            "/admin/clients/city.push/scopes", json={"scopes": ["identification.read"]}, headers=auth
        )
        assert reader.status_code == 200, reader.text


@pytest.mark.parametrize(("tier", "division"), [("county", COUNTY), ("city", COUNTYLESS_CITY)])
async def test_at_the_county_a_client_may_push_and_read(fupin_stack, tier: str, division: str) -> None:
    async with gateway(fupin_stack) as (_, client):
        made = await client.post(
            "/admin/clients",
            json=client_body(f"{tier}.both", tier, division, ["comparisons:push", "identification.read"]),
            headers=root(fupin_stack),
        )
        assert made.status_code == 201, made.text


async def _token(client: Any, client_id: str, secret: str, scope: str | None = None) -> Any:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        form["scope"] = scope
    return await client.post("/oauth/token", data=form)


async def made_before_the_rule(
    app: Any, client: Any, auth: dict[str, str], client_id: str, scopes: list[str]
) -> str:
    """A city client granted `scopes` before the admin API refused them beside the push: made with the push
    alone, then given them in the database. Its secret."""
    made = await client.post(
        "/admin/clients",
        json=client_body(client_id, "city", CITY, ["comparisons:push"]),
        headers=auth,
    )
    assert made.status_code == 201, made.text
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE clients SET scopes = :scopes WHERE client_id = :client_id"),
            {"scopes": scopes, "client_id": client_id},
        )
    return str(made.json()["client_secret"])


async def test_a_client_granted_push_and_reading_before_the_rule_gets_no_push_token(fupin_stack) -> None:
    """A city client made before the rule with push beside a read scope could ask for a token with the push
    alone and then read with another one: the push scopes of such a client are not issued at all."""
    async with gateway(fupin_stack) as (app, client):
        secret = await made_before_the_rule(
            app, client, root(fupin_stack), "city.old", ["comparisons:push", "identification.read"]
        )
        pushing = await _token(client, "city.old", secret, "comparisons:push")
        assert pushing.status_code == 400 and pushing.json()["error"] == "invalid_scope", pushing.text
        narrowed = await _token(client, "city.old", secret, "comparisons:push:disaster")
        assert narrowed.status_code == 400 and narrowed.json()["error"] == "invalid_scope", narrowed.text
        everything = await _token(client, "city.old", secret)
        assert everything.status_code == 200 and everything.json()["scope"] == "identification.read"


async def test_a_client_granted_the_whole_push_may_ask_for_one_list_kind(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        made = await client.post(
            "/admin/clients",
            json=client_body("city.all", "city", CITY, ["comparisons:push"]),
            headers=root(fupin_stack),
        )
        secret = made.json()["client_secret"]
        one_kind = await _token(client, "city.all", secret, "comparisons:push:government_payroll")
        assert one_kind.status_code == 200, one_kind.text
        assert one_kind.json()["scope"] == "comparisons:push:government_payroll"
        unknown = await _token(client, "city.all", secret, "comparisons:push:horses")
        assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_scope"
        feed_kind = await _token(client, "city.all", secret, "feeds.read:anything")
        assert feed_kind.status_code == 400 and feed_kind.json()["error"] == "invalid_scope"


async def test_a_pushing_client_above_the_county_gets_no_token_without_its_push(fupin_stack) -> None:
    """Acceptance tester (session 16, V2-1): a city client granted comparisons:push and feeds.read asked for
    a token with feeds.read alone; the gateway withholds identification events only from a token that may
    push, so that token's feed showed the hit its other token's push had opened. Every token of such a
    client carries a push scope (whole or narrowed), so its feed never shows identification events."""
    async with gateway(fupin_stack) as (app, client):
        secret = await made_before_the_rule(
            app, client, root(fupin_stack), "city.feed", ["comparisons:push", "feeds.read"]
        )
        feed_only = await _token(client, "city.feed", secret, "feeds.read")
        assert feed_only.status_code == 400 and feed_only.json()["error"] == "invalid_scope", feed_only.text
        with_push = await _token(client, "city.feed", secret, "comparisons:push:disaster feeds.read")
        assert with_push.status_code == 200, with_push.text
        everything = await _token(client, "city.feed", secret)
        assert everything.json()["scope"] == "comparisons:push feeds.read"
        # At the county the system sees full identities anyway: a feed-only token is issued as before.
        county = await client.post(
            "/admin/clients",
            json=client_body("county.feed", "county", COUNTY, ["comparisons:push", "feeds.read"]),
            headers=root(fupin_stack),
        )
        county_feed = await _token(client, "county.feed", county.json()["client_secret"], "feeds.read")
        assert county_feed.status_code == 200, county_feed.text
