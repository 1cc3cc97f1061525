"""`fupin demo`, third part: the households identification registered get their assistance (帮扶) through the
gateway — each a named helper (帮扶责任人), a plan (脱贫计划) and one to three measures (帮扶措施), and each of
their villages a resident team (驻村工作队) led by a first secretary (第一书记).

Everything is synthetic (names, units, mobile numbers) and drawn from its own generator seeded with the
demo's seed, so the same seed gives the same helpers, plans and measures. A household reaches the
assistance service through the registry's events, so each first write is retried until the service knows
it as registered (409 household-status until then). A village that has a team already (an earlier demo
run's) keeps it, and so does a household its helper."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fupin_cli.demo import names
from fupin_kit import civil_time

Who = tuple[str, str, str]
Call = Callable[..., Any]
Eventually = Callable[[Callable[[], Any]], Any]

UNITS = (
    "县农业农村局",
    "县财政局",
    "县人社局",
    "县教育局",
    "县卫生健康局",
    "县住建局",
    "县水务局",
    "县林业局",
)
TEAM_UNITS = ("省农业农村厅", "市乡村振兴局", "县委组织部", "县发展改革局")
# (type, description, scale, amount in yuan or None, months to the deadline)
MEASURES: tuple[tuple[str, str, str | None, str | None, int], ...] = (
    ("industry", "扶持发展养牛", "3头", "6000.00", 10),
    ("industry", "扶持种植茶叶", "2亩", "3000.00", 8),
    ("employment", "推荐到县工业园务工", "1人", None, 3),
    ("education", "雨露计划职业教育补助", "1人", "3000.00", 6),
    ("medical", "家庭医生签约，慢病报销", None, None, 2),
    ("housing", "危房改造", "1户", "20000.00", 9),
    ("dibao", "纳入农村低保", "2人", None, 1),
    ("microcredit", "扶贫小额信贷，县财政全额贴息", "1笔", "50000.00", 12),
    ("cooperative", "入股村养殖合作社分红", "1股", "2000.00", 12),
    ("photovoltaic", "村级光伏电站收益分配", None, "1000.00", 12),
    ("ecommerce", "电商平台代销农产品", None, None, 6),
    ("tourism", "乡村旅游农家乐帮扶", None, "5000.00", 11),
)


@dataclass(frozen=True)
class Assisted:
    households: int = 0
    measures: int = 0
    teams: int = 0


def mobile(rng: random.Random) -> str:
    """A mainland mobile number (13x–19x), synthetic."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def person(rng: random.Random, unit: str) -> dict[str, str]:
    return {"name": names.full_name(rng, rng.random() < 0.6), "unit": unit, "phone": mobile(rng)}


def county_unit(county_name: str, unit: str) -> str:
    """县农业农村局 in 榕江县 → 榕江县农业农村局."""
    return county_name + unit.removeprefix("县")


def measure_bodies(rng: random.Random, today: dt.date) -> list[dict[str, Any]]:
    """One to three measures of different kinds, due within the year."""
    chosen = rng.sample(MEASURES, rng.randint(1, 3))
    bodies = []
    for kind, description, scale, amount, months in chosen:
        body: dict[str, Any] = {
            "type": kind,
            "description": description,
            "deadline": (today + dt.timedelta(days=30 * months)).isoformat(),
        }
        body |= {"scale": scale} if scale else {}
        body |= {"amount": amount} if amount else {}
        bodies.append(body)
    return bodies


class Assistance:
    """The assistance part of the demo, through `call` (the procedure's Platform.call) as whoever each
    write needs: the county's officers form teams, the township's assign helpers, the village's cadres
    keep the plan and the measures."""

    def __init__(self, call: Call, eventually: Eventually, county: Who, county_name: str, seed: int) -> None:
        self.call = call
        self.eventually = eventually
        self.county = county
        self.county_name = county_name
        self.seed = seed
        self.today = civil_time.china_today()

    def rng(self, subject: str) -> random.Random:
        """The draws of one household or village: the same whichever others a run assists."""
        return random.Random(f"{self.seed}:{subject}")

    def run(self, households: Iterable[tuple[str, str]]) -> Assisted:
        """`households`: (household id, village) of the households registered as poor; those assisted before
        (an earlier run's) are left as they are and not counted."""
        ordered = sorted(set(households), key=lambda item: (item[1], item[0]))
        teams = sum(self.team(code) for code in sorted({code for _, code in ordered}))
        written = [self.household(household, code) for household, code in ordered]
        done = [measures for measures in written if measures is not None]
        return Assisted(households=len(done), measures=sum(done), teams=teams)

    def team(self, code: str) -> bool:
        """The village's resident team, unless it has one; whether one was formed."""
        if self.call("GET", f"/assistance/villages/{code}/team", self.county)["current"] is not None:
            return False
        rng = self.rng(code)
        body = {
            "first_secretary": person(rng, rng.choice(TEAM_UNITS)),
            "members": [person(rng, county_unit(self.county_name, rng.choice(UNITS)))],
            "sent_by": "county",
            "started_on": self.today.isoformat(),
        }
        self.call("PUT", f"/assistance/villages/{code}/team", self.county, body)
        return True

    def household(self, household: str, code: str) -> int | None:
        """Helper, plan and measures of one registered household, the helper and plan unless it has them;
        the measures written, None when it had all three (assisted by an earlier run)."""
        township: Who = ("township", code[:9] + "000", "officer")
        village: Who = ("village", code, "cadre")
        rng = self.rng(household)
        helper = {
            **person(rng, county_unit(self.county_name, rng.choice(UNITS))),
            "unit_tier": "county",
            "started_on": self.today.isoformat(),
        }
        plan = {"target_year": self.today.year + rng.randint(0, 2), "summary": "发展产业与务工并举，稳定增收"}
        measures = measure_bodies(rng, self.today)
        helpers = self.call("GET", f"/assistance/households/{household}/helpers", township, ok=(200, 404))
        has_plan, has_measures = self.has_plan(household, village), self.has_measures(household, village)
        if helpers.get("current") is not None and has_plan and has_measures:
            return None
        if helpers.get("current") is None:
            # 409 household-status (or 404) until the registry's events have reached the service.
            self.eventually(
                lambda: self.call("PUT", f"/assistance/households/{household}/helper", township, helper)
            )
        if not has_plan:
            self.call("PUT", f"/assistance/households/{household}/plan", village, plan | {"reason": "演示"})
        for number, body in enumerate(measures):
            # A key from the seed: a run stopped between two measures, run again, adds the missing ones only.
            key = f"fupin-demo-{self.seed}-measure-{household}-{number}"
            self.call("POST", f"/assistance/households/{household}/measures", village, body, key=key)
        return len(measures)

    def has_plan(self, household: str, village: Who) -> bool:
        found = self.call("GET", f"/assistance/households/{household}/plan", village, ok=(200, 404))
        return found is not None and found.get("current") is not None

    def has_measures(self, household: str, village: Who) -> bool:
        found = self.call("GET", f"/assistance/households/{household}/measures", village, ok=(200, 404))
        return isinstance(found, list) and len(found) > 0
