"""QA10-Q3: a city-level statistical grouping (省直辖县级行政区划 429000000000, 北京's 市辖区 …) is no
government, yet a token minted for it was accepted as one (it set 仙桃's poverty line and quota and pushed
department lists), and the admin API would make accounts there. Now no verifier accepts such a token, the
admin API refuses the account and `fupin token` refuses to mint one."""

from __future__ import annotations

import pytest

from fupin_cli.tokens import TokenError, mint_token
from fupin_gateway.testing import in_process_gateway as gateway
from fupin_kit.divisions import CITY_GROUPINGS

NATION = "000000000000"
GROUPING = "429000000000"  # 湖北 省直辖县级行政区划
XIANTAO = "429004000000"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_account_or_token_for_a_grouping(fupin_stack) -> None:
    root = bearer(fupin_stack.token("nation", NATION, ["admin"], subject="user:root"))
    async with gateway(fupin_stack) as (_, client):
        for grouping in sorted(CITY_GROUPINGS):
            body = {
                "username": f"grouping.{grouping[:4]}",
                "display_name": "王建国",
                "tier": "city",
                "division": grouping,
                "roles": ["officer"],
                "password": "correct horse battery",
            }
            refused = await client.post("/admin/users", json=body, headers=root)
            assert refused.status_code == 422, refused.text
            assert "statistical grouping" in refused.json()["detail"]
            assert refused.json()["code"] == "statistical-grouping"
        # A county-level unit the grouping holds is a government like any other.
        body = {**body, "username": "xiantao.officer", "tier": "county", "division": XIANTAO}
        assert (await client.post("/admin/users", json=body, headers=root)).status_code == 201

        token = fupin_stack.token("city", GROUPING, ["officer"], subject="user:grouping")
        whoami = await client.get("/whoami", headers=bearer(token))
        assert whoami.status_code == 401, whoami.text
        assert "statistical grouping" in whoami.json()["detail"]


def test_fupin_token_refuses_to_mint_for_a_grouping(tmp_path) -> None:
    with pytest.raises(TokenError, match="statistical grouping"):
        mint_token(tmp_path, tier="city", division=GROUPING, roles=["officer"], subject="script")
