"""`fupin demo`, part three: the registered households' helpers, plans and measures and their villages'
resident teams, each write by the tier and role the assistance service takes it from, deterministic with
the seed. A stand-in for the gateway answers and records the calls."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from fupin_cli.demo.assistance import MEASURES, Assistance, mobile

COUNTY = ("county", "522632000000", "officer")
VILLAGE = "522632101001"
OTHER_VILLAGE = "522632102003"
HOUSEHOLDS = [("h-2", OTHER_VILLAGE), ("h-1", VILLAGE), ("h-3", VILLAGE)]
PHONE = re.compile(r"^1[3-9][0-9]{9}$")
Seen = list[tuple[str, str, tuple[str, str, str], Any]]


class NotYet(Exception):
    pass


def stand_in(teams: dict[str, Any], late: set[str]) -> tuple[Callable[..., Any], Seen]:
    """A `call` answering like the assistance service; a household in `late` is refused once (409), as
    before the registry's events reach the service."""
    seen: Seen = []

    def call(method: str, path: str, who: tuple[str, str, str], body: Any = None, **_: Any) -> Any:
        seen.append((method, path, who, body))
        if method == "GET" and path.endswith("/team"):
            return {"current": teams.get(path.split("/")[3])}
        if method == "GET" and path.endswith("/helpers"):
            return {"current": None}
        if method == "PUT" and path.endswith("/helper") and path.split("/")[3] in late:
            late.discard(path.split("/")[3])
            raise NotYet()
        return {}

    return call, seen


def retrying(attempt: Callable[[], Any]) -> Any:
    for _ in range(3):
        try:
            return attempt()
        except NotYet:
            continue
    raise AssertionError("never answered")


def run(seed: int, teams: dict[str, Any] | None = None) -> tuple[Any, Seen]:
    call, seen = stand_in(teams or {}, {"h-1"})
    assisted = Assistance(call, retrying, COUNTY, "榕江县", seed).run(HOUSEHOLDS)
    return assisted, seen


def test_every_registered_household_gets_a_helper_a_plan_and_one_to_three_measures() -> None:
    assisted, seen = run(seed=1)
    writes = [(method, path, who) for method, path, who, _ in seen if method != "GET"]
    for household, code in HOUSEHOLDS:
        helper = [w for w in writes if w[1] == f"/assistance/households/{household}/helper"]
        assert helper and {who for _, _, who in helper} == {("township", code[:9] + "000", "officer")}
        plan = [w for w in writes if w[1] == f"/assistance/households/{household}/plan"]
        assert [who for _, _, who in plan] == [("village", code, "cadre")]
        measures = [w for w in writes if w[1] == f"/assistance/households/{household}/measures"]
        assert 1 <= len(measures) <= 3 and {who for _, _, who in measures} == {("village", code, "cadre")}
    assert assisted.households == 3 and assisted.teams == 2
    assert assisted.measures == sum(1 for w in writes if w[1].endswith("/measures"))
    teams = [(path, who) for method, path, who, _ in seen if method == "PUT" and path.endswith("/team")]
    assert teams == [
        (f"/assistance/villages/{VILLAGE}/team", COUNTY),
        (f"/assistance/villages/{OTHER_VILLAGE}/team", COUNTY),
    ]


def test_the_bodies_are_valid_and_the_same_seed_gives_the_same_ones() -> None:
    _, first = run(seed=5)
    _, again = run(seed=5)
    _, other = run(seed=6)
    assert first == again and first != other
    bodies = [body for method, _, _, body in first if method != "GET"]
    phones = [body["phone"] for body in bodies if "phone" in body]
    phones += [body["first_secretary"]["phone"] for body in bodies if "first_secretary" in body]
    assert phones and all(PHONE.match(phone) for phone in phones)
    kinds = {kind for kind, *_ in MEASURES}
    assert all(body["type"] in kinds for body in bodies if "type" in body)
    assert all(body["unit"].startswith("榕江县") for body in bodies if "unit_tier" in body)


def test_a_village_with_a_team_keeps_it() -> None:
    assisted, seen = run(seed=1, teams={VILLAGE: {"id": "t-1"}})
    assert assisted.teams == 1
    assert [path for method, path, _, _ in seen if method == "PUT" and path.endswith("/team")] == [
        f"/assistance/villages/{OTHER_VILLAGE}/team"
    ]


@pytest.mark.parametrize("seed", range(20))
def test_mobiles_are_mainland_numbers(seed: int) -> None:
    assert PHONE.match(mobile(random.Random(seed)))
