"""The real national tree: load, quirks, navigation and jurisdiction."""

from __future__ import annotations

from sqlalchemy import text

from fupin_kit import divisions
from registry.divisions.loader import PUBLISHED_ROWS

LOADED_ROWS = PUBLISHED_ROWS - 5  # five self-parented duplicate rows dropped (data/README.md)
NATION = "000000000000"
GUIZHOU = "520000000000"
NANMING = "520102000000"  # 南明区, a county of 贵阳
XINHUALU = "520102016000"  # 新华路街道, a township of 南明区
VILLAGE = "520102016001"  # 纪念塔社区
SIBLING = "520102016002"  # 新华路社区, same township
COUSIN = "520102017001"  # 南明堂社区, another township of the same county
DONGGUAN = "441900000000"  # 东莞市: a city without counties
DONGCHENG = "441900003000"  # 东城街道, a township directly under 东莞市
DONGGUAN_VILLAGE = "441900003001"
KINMEN = "350527000000"  # 金门县: published at three levels


async def test_full_tree_loads_once_under_concurrency(tree_template) -> None:
    loaded = [result for result in tree_template.results if result.loaded]
    skipped = [result for result in tree_template.results if not result.loaded]
    assert len(loaded) == 1 and len(skipped) == 1
    result = loaded[0]
    print(f"\nloaded {result.rows} divisions in {result.seconds:.2f}s")
    assert result.read_rows == PUBLISHED_ROWS
    assert result.rows == LOADED_ROWS
    assert skipped[0].rows == LOADED_ROWS
    assert sorted((row.code, row.level) for row in result.dropped) == [
        ("350527000000", "township"),
        ("350527000000", "village"),
        ("441900000000", "county"),
        ("442000000000", "county"),
        ("460400000000", "county"),
    ]


def _codes(body) -> list[str]:
    return [item["code"] for item in body["items"]]


async def test_quirk_rows_are_kept_as_decided(registry) -> None:
    nation = registry.auth("nation", NATION)
    dongguan = (await registry.client.get(f"/divisions/{DONGGUAN}", headers=nation)).json()
    assert dongguan["level"] == "city" and dongguan["parent_code"] == "440000000000"
    assert dongguan["child_count"] == 36 and "county" in dongguan["quirk"]
    kinmen = (await registry.client.get(f"/divisions/{KINMEN}", headers=nation)).json()
    assert kinmen["level"] == "county" and kinmen["child_count"] == 0 and kinmen["quirk"]
    beijing_districts = (await registry.client.get("/divisions/110100000000", headers=nation)).json()
    assert beijing_districts["placeholder"] is True and beijing_districts["name"] == "市辖区"
    # 重庆's 县 groups its counties as its 市辖区 groups its districts; a 虚拟社区 is a village people live in.
    chongqing_counties = (await registry.client.get("/divisions/500200000000", headers=nation)).json()
    assert chongqing_counties["name"] == "县" and chongqing_counties["placeholder"] is True
    assert chongqing_counties["child_count"] == 12
    virtual = (await registry.client.get("/divisions/110112009498", headers=nation)).json()
    assert virtual["level"] == "village" and virtual["placeholder"] is False
    village = (await registry.client.get(f"/divisions/{VILLAGE}", headers=nation)).json()
    assert village["valid_from"] == "2023-06-30" and village["valid_to"] is None
    assert village["placeholder"] is False and village["child_count"] == 0


async def test_children_and_ancestors_of_a_village(registry) -> None:
    headers = registry.auth("village", VILLAGE)
    ancestors = (await registry.client.get(f"/divisions/{VILLAGE}/ancestors", headers=headers)).json()
    assert _codes(ancestors) == [GUIZHOU, "520100000000", NANMING, XINHUALU]
    children = (await registry.client.get(f"/divisions/{VILLAGE}/children", headers=headers)).json()
    assert children == {"items": [], "next_after": None}


async def test_city_without_counties(registry) -> None:
    headers = registry.auth("city", DONGGUAN)
    children = (
        await registry.client.get(f"/divisions/{DONGGUAN}/children?limit=100", headers=headers)
    ).json()
    assert len(children["items"]) == 36 and children["next_after"] is None
    assert {item["level"] for item in children["items"]} == {"township"}
    assert DONGCHENG in _codes(children)
    ancestors = (
        await registry.client.get(f"/divisions/{DONGGUAN_VILLAGE}/ancestors", headers=headers)
    ).json()
    assert _codes(ancestors) == ["440000000000", DONGGUAN, DONGCHENG]
    assert [item["level"] for item in ancestors["items"]] == ["province", "city", "township"]


async def test_the_nation_browses_from_the_root(registry) -> None:
    """The nation is no row of the published file; its node is the root, whose children are the provinces."""
    headers = registry.auth("nation", NATION)
    root = await registry.client.get(f"/divisions/{NATION}", headers=headers)
    assert root.status_code == 200, root.text
    assert root.json()["level"] == "nation" and root.json()["child_count"] == 31
    provinces = (await registry.client.get(f"/divisions/{NATION}/children?limit=100", headers=headers)).json()
    assert len(provinces["items"]) == 31 and {item["level"] for item in provinces["items"]} == {"province"}
    assert GUIZHOU in _codes(provinces)
    ancestors = await registry.client.get(f"/divisions/{NATION}/ancestors", headers=headers)
    assert ancestors.status_code == 200 and ancestors.json()["items"] == []
    province = registry.auth("province", GUIZHOU)
    for path in (f"/divisions/{NATION}", f"/divisions/{NATION}/children", f"/divisions/{NATION}/ancestors"):
        assert (await registry.client.get(path, headers=province)).status_code == 404


async def test_the_countyless_cities_every_process_knows_are_the_trees(registry) -> None:
    """fupin_kit.divisions.COUNTYLESS_CITIES (county powers for their city governments, without the tree)
    is exactly the set of cities whose townships hang directly off them in the loaded tree."""
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT DISTINCT parent_code FROM divisions WHERE level = 4 AND parent_code LIKE '%00000000'"
            )
        )
        found = {row[0] for row in result}
    assert found == divisions.COUNTYLESS_CITIES
    assert divisions.child_level(DONGGUAN) is divisions.Level.TOWNSHIP
    assert divisions.child_level(NANMING) is divisions.Level.TOWNSHIP
    assert divisions.child_level("520100000000") is divisions.Level.COUNTY


async def test_the_city_groupings_every_process_knows_are_the_trees(registry) -> None:
    """fupin_kit.divisions.CITY_GROUPINGS (no government: no token, quota or region setting there) is
    exactly the set of city-level placeholders of the loaded tree, and each county-level unit under one is
    governed from the province."""
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text("SELECT code FROM divisions WHERE level = 2 AND placeholder"))
        found = {row[0] for row in result}
    assert found == divisions.CITY_GROUPINGS
    assert divisions.government_parent("429004000000") == "420000000000"  # 仙桃, 湖北
    assert divisions.government_parent("110101000000") == "110000000000"  # 东城区, 北京
    assert divisions.government_parent("520102000000") == "520100000000"  # 南明区, 贵阳
    assert divisions.government_parent("429004001000") == "429004000000"


async def test_children_and_ancestors_of_a_township(registry) -> None:
    headers = registry.auth("township", XINHUALU)
    children = (await registry.client.get(f"/divisions/{XINHUALU}/children", headers=headers)).json()
    assert VILLAGE in _codes(children) and SIBLING in _codes(children)
    assert all(code.startswith("520102016") for code in _codes(children))
    node = (await registry.client.get(f"/divisions/{XINHUALU}", headers=headers)).json()
    assert node["child_count"] == len(children["items"])
    ancestors = (await registry.client.get(f"/divisions/{XINHUALU}/ancestors", headers=headers)).json()
    assert _codes(ancestors) == [GUIZHOU, "520100000000", NANMING]
    province = (await registry.client.get(f"/divisions/{GUIZHOU}/ancestors", headers=headers)).status_code
    assert province == 404


async def _all_pages(registry, code: str, headers: dict[str, str], limit: int) -> tuple[list[str], int]:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if after:
            params["after"] = after
        response = await registry.client.get(f"/divisions/{code}/children", params=params, headers=headers)
        assert response.status_code == 200
        body = response.json()
        seen += _codes(body)
        pages += 1
        after = body["next_after"]
        if after is None:
            return seen, pages


async def test_keyset_pagination_returns_every_child_once(registry) -> None:
    headers = registry.auth("nation", NATION)
    for code, limit in (("370704008000", 7), ("500101000000", 5), ("520000000000", 3)):
        node = (await registry.client.get(f"/divisions/{code}", headers=headers)).json()
        seen, pages = await _all_pages(registry, code, headers, limit)
        assert len(seen) == node["child_count"] == len(set(seen))
        assert seen == sorted(seen)
        assert pages == -(-len(seen) // limit) or (len(seen) % limit == 0 and pages == len(seen) // limit)
    seen, _ = await _all_pages(registry, "370704008000", headers, 1000)
    assert len(seen) == 170


async def test_search_stays_in_the_callers_subtree(registry) -> None:
    nation = await registry.client.get(
        "/divisions/search", params={"q": "和平村", "limit": 50}, headers=registry.auth("nation", NATION)
    )
    assert len(nation.json()["items"]) == 50
    # QA s17: 200 answers and no sign that more matched.
    assert nation.json()["truncated"] is True
    county = registry.auth("county", NANMING)
    found = (
        await registry.client.get("/divisions/search", params={"q": "社区", "limit": 200}, headers=county)
    ).json()
    assert found["items"] and all(code.startswith("520102") for code in _codes(found))
    village = registry.auth("village", VILLAGE)
    own = (await registry.client.get("/divisions/search", params={"q": "纪念塔"}, headers=village)).json()
    assert _codes(own) == [VILLAGE] and own["truncated"] is False
    sibling = (await registry.client.get("/divisions/search", params={"q": "新华路"}, headers=village)).json()
    assert sibling["items"] == []
    wildcard = (await registry.client.get("/divisions/search", params={"q": "%"}, headers=county)).json()
    assert wildcard["items"] == []


async def test_out_of_jurisdiction_reads_are_404(registry) -> None:
    headers = registry.auth("village", VILLAGE)
    assert (await registry.client.get(f"/divisions/{VILLAGE}", headers=headers)).status_code == 200
    for code in (SIBLING, XINHUALU, COUSIN, NANMING, "520103000000", DONGGUAN):
        for suffix in ("", "/children", "/ancestors"):
            response = await registry.client.get(f"/divisions/{code}{suffix}", headers=headers)
            assert response.status_code == 404, (code, suffix)
            assert response.headers["content-type"] == "application/problem+json"
    county = registry.auth("county", "520103000000")
    assert (await registry.client.get(f"/divisions/{VILLAGE}", headers=county)).status_code == 404
    missing = await registry.client.get("/divisions/520102016999", headers=registry.auth("nation", NATION))
    assert missing.status_code == 404


async def test_invalid_codes_are_422_problems(registry) -> None:
    headers = registry.auth("nation", NATION)
    for path in (
        "/divisions/52010201600",
        "/divisions/abcdefghijkl/children",
        "/divisions/5201020160011/ancestors",
    ):
        response = await registry.client.get(path, headers=headers)
        assert response.status_code == 422, path
        assert response.headers["content-type"] == "application/problem+json"
    bad_cursor = await registry.client.get(f"/divisions/{XINHUALU}/children?after=x", headers=headers)
    assert bad_cursor.status_code == 422


async def test_a_token_is_required(registry) -> None:
    assert (await registry.client.get(f"/divisions/{VILLAGE}")).status_code == 401


async def test_division_search_ignores_stray_spaces(registry) -> None:
    headers = registry.auth("county", NANMING)
    plain = await registry.client.get("/divisions/search", params={"q": "纪念塔"}, headers=headers)
    spaced = await registry.client.get("/divisions/search", params={"q": "  纪念塔 "}, headers=headers)
    assert plain.status_code == spaced.status_code == 200
    assert plain.json()["items"] and spaced.json() == plain.json()
    blank = await registry.client.get("/divisions/search", params={"q": "   "}, headers=headers)
    assert blank.status_code == 422
