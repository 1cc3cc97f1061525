"""The division tree read without a token, for the public notice board: a villager picks their village by
name (province → … → village, or a name search whose hits carry their ancestors' names)."""

from __future__ import annotations

from typing import Any

NATION = "000000000000"
GUIZHOU = "520000000000"
QIANDONGNAN = "522600000000"  # 黔东南苗族侗族自治州
HUANGPING = "522622000000"  # 黄平县
XINZHOU = "522622100000"  # 新州镇
DONGMEN_XINZHOU = "522622100200"  # 东门村村民委员会, in 新州镇
DONGMEN_OTHER = "522622101201"  # 东门村村民委员会, in another township of 黄平县
VILLAGE = "522622100200"
PUBLIC = "/divisions/public"


def _codes(body: dict[str, Any]) -> list[str]:
    return [item["code"] for item in body["items"]]


async def test_a_node_reads_without_a_token_with_its_ancestors(registry) -> None:
    response = await registry.client.get(f"{PUBLIC}/{VILLAGE}")
    assert response.status_code == 200, response.text
    node = response.json()
    assert node["name"] == "东门村村民委员会" and node["level"] == "village"
    assert node["parent_code"] == XINZHOU and node["child_count"] == 0
    assert [(a["code"], a["level"]) for a in node["ancestors"]] == [
        (GUIZHOU, "province"),
        (QIANDONGNAN, "city"),
        (HUANGPING, "county"),
        (XINZHOU, "township"),
    ]
    assert node["ancestors"][-1]["name"] == "新州镇"
    root = (await registry.client.get(f"{PUBLIC}/{NATION}")).json()
    assert root["level"] == "nation" and root["ancestors"] == [] and root["child_count"] == 31


async def test_children_page_from_the_nation_down(registry) -> None:
    provinces = (await registry.client.get(f"{PUBLIC}/{NATION}/children", params={"limit": 100})).json()
    assert GUIZHOU in _codes(provinces) and provinces["next_after"] is None
    assert {item["level"] for item in provinces["items"]} == {"province"}
    first = (await registry.client.get(f"{PUBLIC}/{HUANGPING}/children", params={"limit": 5})).json()
    assert len(first["items"]) == 5 and first["next_after"] == first["items"][-1]["code"]
    rest = (
        await registry.client.get(
            f"{PUBLIC}/{HUANGPING}/children", params={"limit": 1000, "after": first["next_after"]}
        )
    ).json()
    assert rest["next_after"] is None
    assert XINZHOU in _codes(first) + _codes(rest)
    assert not set(_codes(first)) & set(_codes(rest))


async def test_search_names_each_hits_ancestors(registry) -> None:
    response = await registry.client.get(
        f"{PUBLIC}/search", params={"q": " 东门村 ", "within": HUANGPING, "level": "village"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert _codes(body) == [DONGMEN_XINZHOU, DONGMEN_OTHER] and body["truncated"] is False
    townships = [hit["ancestors"][-1]["name"] for hit in body["items"]]
    assert townships[0] == "新州镇" and townships[1] != "新州镇"
    assert [a["code"] for a in body["items"][0]["ancestors"]] == [GUIZHOU, QIANDONGNAN, HUANGPING, XINZHOU]
    # Across the nation the name is common: the answer says there is more than it shows.
    wide = (await registry.client.get(f"{PUBLIC}/search", params={"q": "东门村", "limit": 3})).json()
    assert len(wide["items"]) == 3 and wide["truncated"] is True
    assert all(len(hit["ancestors"]) == 4 for hit in wide["items"])
    province = (await registry.client.get(f"{PUBLIC}/search", params={"q": "贵州省"})).json()
    assert province["items"][0]["code"] == GUIZHOU and province["items"][0]["ancestors"] == []


async def test_bad_input_is_a_422_problem(registry) -> None:
    bad = [
        (f"{PUBLIC}/52262210020", {}),
        (f"{PUBLIC}/５２２６２２１００２００", {}),
        (f"{PUBLIC}/{HUANGPING}/children", {"limit": 0}),
        (f"{PUBLIC}/{HUANGPING}/children", {"after": "abc"}),
        (f"{PUBLIC}/search", {}),
        (f"{PUBLIC}/search", {"q": "   "}),
        (f"{PUBLIC}/search", {"q": "东门", "limit": 51}),
        (f"{PUBLIC}/search", {"q": "东门", "level": "hamlet"}),
        (f"{PUBLIC}/search", {"q": "东门", "within": "5226"}),
    ]
    for path, params in bad:
        response = await registry.client.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = await registry.client.get(f"{PUBLIC}/522622999999")
    assert missing.status_code == 404
    outside = await registry.client.get(f"{PUBLIC}/search", params={"q": "东门", "within": "522622999999"})
    assert outside.status_code == 404


async def test_the_authenticated_routes_and_writes_still_need_a_token(registry) -> None:
    for path in (f"/divisions/{VILLAGE}", f"/divisions/{HUANGPING}/children", "/households?limit=1"):
        assert (await registry.client.get(path)).status_code == 401, path
    assert (await registry.client.get("/divisions/search", params={"q": "东门"})).status_code == 401
    assert (await registry.client.post("/households", json={})).status_code == 401


async def test_openapi_declares_the_public_reads_public(registry) -> None:
    document = (await registry.client.get("/openapi.json")).json()
    for path in (f"{PUBLIC}/{{code}}", f"{PUBLIC}/{{code}}/children", f"{PUBLIC}/search"):
        operation = document["paths"][path]["get"]
        assert operation["x-fupin-scope"]["kind"] == "public", path
        assert operation["security"] == [], path
    assert document["paths"]["/divisions/{code}"]["get"]["security"] != []


async def test_a_short_name_is_searched_within_a_division(registry) -> None:
    # Under three characters the trigram index cannot help: across the whole tree such a search reads
    # every name (a fifth of a second), which an anonymous caller could repeat at the gateway's rate.
    nationwide = await registry.client.get(f"{PUBLIC}/search", params={"q": "东门"})
    assert nationwide.status_code == 422 and "within" in nationwide.json()["detail"]
    in_guizhou = await registry.client.get(f"{PUBLIC}/search", params={"q": "东门", "within": GUIZHOU})
    assert in_guizhou.status_code == 200 and in_guizhou.json()["items"]
    assert all(hit["code"].startswith("52") for hit in in_guizhou.json()["items"])
    one = await registry.client.get(f"{PUBLIC}/search", params={"q": "黄", "within": QIANDONGNAN})
    assert one.status_code == 200 and HUANGPING in _codes(one.json())
