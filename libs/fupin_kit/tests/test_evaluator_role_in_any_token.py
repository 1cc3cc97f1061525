"""QA8 FW-2, defence in depth: a person account created with `evaluator` next to `officer` (before the admin
API refused it) signed in and wrote household files. Every process now reads a token whose roles include
`evaluator`, whatever its kind, as an evaluator's: only `evaluator`/`viewer` are kept, so such a token
reads and samples but never writes."""

from __future__ import annotations

import httpx
from fastapi import APIRouter

from fupin_kit.auth.actor import require_role
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.auth.tokens import JwkSet, TokenVerifier
from fupin_kit.service_app import ServiceSpec, create_service_app

COUNTY = "520102000000"

write = APIRouter(prefix="/files")


@write.post("", status_code=201)
async def write_a_file(actor: CurrentActor) -> dict[str, str]:
    require_role(actor, "cadre", "officer")
    return {"by": actor.subject}


async def test_a_token_of_any_kind_holding_evaluator_keeps_only_the_evaluator_roles(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys")
    store.ensure()
    verifier = TokenVerifier(JwkSet(str(store.public_path)), "fupin", "fupin-api")

    def token(kind: str, roles: list[str]) -> str:
        return mint(
            store.current(),
            subject=f"{kind}:zhao",
            tier="county",
            division=COUNTY,
            roles=roles,
            issuer="fupin",
            audience="fupin-api",
            kind=kind,
        )

    for kind in ("user", "client", "evaluator"):
        assert (await verifier.verify(token(kind, ["evaluator", "officer"]))).roles == {"evaluator"}, kind
        assert (await verifier.verify(token(kind, ["evaluator", "viewer", "cadre", "admin"]))).roles == {
            "evaluator",
            "viewer",
        }, kind
    # Without the evaluator role a person's or a client's roles are as issued.
    assert (await verifier.verify(token("user", ["officer", "viewer"]))).roles == {"officer", "viewer"}
    assert (await verifier.verify(token("client", ["department"]))).roles == {"department"}


async def test_a_person_token_holding_evaluator_and_officer_cannot_write_through_a_service(
    fupin_stack,
) -> None:
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    app = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[write]),
        fupin_stack.settings("sample_producer", database, role="api"),
    )

    def bearer(roles: list[str]) -> dict[str, str]:
        token = fupin_stack.token("county", COUNTY, roles, subject="user:fw.mix", kind="user")
        return {"Authorization": f"Bearer {token}"}

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            mixed = await client.post("/files", headers=bearer(["evaluator", "officer"]))
            assert mixed.status_code == 403, mixed.text
            assert mixed.headers["content-type"].startswith("application/problem+json")
            officer = await client.post("/files", headers=bearer(["officer"]))
            assert officer.status_code == 201, officer.text
