"""`fupin demo`'s seventh part (poor villages and the county, a village's exit): the seeded figures, and the
part against a stand-in for the gateway on the two paths the real platform of the e2e test does not take — a
deployment without short notices (the exit's notice runs its seven days and is left running) and a run
after an earlier one made everything (every 409 skipped, no step taken). The whole part on the real
platform, run twice: tests/e2e/test_demo_second_run.py."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest

from fupin_cli.demo.exits import Exits, ExitsRefused, choose, notice_days, rural_population
from fupin_cli.demo.procedure import ProcedureError

COUNTY = "522632000000"
THREE = Decimal(3)


def default_like() -> dict[str, tuple[int, int]]:
    """village → (people, poor people) as the default demo leaves them: 18 to 52 people (about 8
    households) in each village, one household of 4 registered as poor in most villages, none in a few."""
    return {f"522632101{n:03d}": (18 + n * 7 % 35, 4 if n % 5 else 0) for n in range(1, 41)}


def test_the_figures_are_seeded_by_the_village_alone() -> None:
    assert rural_population("522632101001", 29, seed=1) == rural_population("522632101001", 29, seed=1)
    assert rural_population("522632101001", 29, seed=1) != rural_population("522632101001", 29, seed=2)
    alone = choose({"522632101001": (25, 0)}, THREE, seed=1).figures["522632101001"]
    among = choose(default_like(), THREE, seed=1).figures["522632101001"]
    assert alone.rural == among.rural and 25 * 1.5 <= alone.rural <= 25 * 3.5


def test_most_villages_are_above_the_threshold_and_one_listed_village_below() -> None:
    choice = choose(default_like(), THREE, seed=1)
    incidence = {code: figures.incidence for code, figures in choice.figures.items()}
    above = [code for code, rate in incidence.items() if rate >= THREE]
    assert len(above) > len(incidence) * 2 / 3, incidence
    assert not choice.raised and choice.exiting is not None
    # The exit village comes last; it has poor people and is below the threshold; the others listed are
    # those with the highest incidence.
    assert choice.listed[-1] == choice.exiting and 3 <= len(choice.listed) <= 6
    exiting = choice.figures[choice.exiting]
    assert exiting.poor > 0 and exiting.incidence < THREE
    others = sorted(incidence.values(), reverse=True)[: len(choice.listed) - 1]
    assert [incidence[code] for code in choice.listed[:-1]] == others
    assert choose(default_like(), THREE, seed=1) == choice


def test_a_village_is_brought_below_the_threshold_when_none_is() -> None:
    # A county of tiny villages whose every household is poor: every incidence is far above 3%.
    people = {f"520102016{n:03d}": (4, 4) for n in range(1, 7)}
    choice = choose(people, THREE, seed=9)
    assert choice.raised and choice.exiting is not None
    assert all(choice.figures[code].incidence >= THREE for code in people if code != choice.exiting)
    exiting = choice.figures[choice.exiting]
    assert Decimal("1.5") <= exiting.incidence < THREE and exiting.rural > 4 * 3.5
    assert choice.listed[-1] == choice.exiting


def test_no_village_with_poor_people_lists_none() -> None:
    choice = choose({"522632101001": (29, 0)}, THREE, seed=1)
    assert choice.listed == [] and choice.exiting is None


def test_a_notice_of_seconds_in_days_is_never_shorter() -> None:
    assert notice_days(2) == "0.00002315" and Decimal(notice_days(2)) * 86_400 >= 2
    assert Decimal(notice_days(0)) * 86_400 >= 1  # the platform's shortest notice is a second


class Identification:
    """Answers like the gateway for the part: one village of poor people; `earlier`: everything was made
    by an earlier run (409 already-designated, 409 already-exited); `short`: whether short notices are
    allowed (else a notice_days below seven is 422 notice-days)."""

    def __init__(self, earlier: bool = False, short: bool = True) -> None:
        self.earlier = earlier
        self.short = short
        self.calls: list[tuple[str, str, Any]] = []
        self.procedure: dict[str, Any] = {
            "id": "exit-1",
            "state": "exited" if earlier else "proposed",
            "indicators": {"incidence_pct": 1.79},
            "notice_ends_at": None,
        }

    def call(
        self, method: str, path: str, who: Any, body: Any = None, ok: tuple[int, ...] = (200, 201), **_: Any
    ) -> Any:
        self.calls.append((method, path, body))
        answer = self.answer(method, path, body)
        status = answer.get("status") if isinstance(answer, dict) else None
        if isinstance(status, int) and status not in ok:
            raise ProcedureError(f"{method} {path}: {status} {answer.get('code')}")
        return answer

    def answer(self, method: str, path: str, body: Any) -> Any:
        if path == "/identification/cases":
            return {"items": [{"household_id": "h-announced"}], "next_cursor": None}
        if path == "/registry/households":
            # One household registered, one announced (the registry has not registered it yet), 40 others.
            village = "522632101001"
            items = [{"id": "h-1", "division": village, "member_count": 4, "status": {"code": "registered"}}]
            items += [
                {"id": "h-announced", "division": village, "member_count": 3, "status": {"code": "candidate"}}
            ]
            items += [
                {"id": "h", "division": village, "member_count": 4, "status": {"code": "candidate"}}
            ] * 40
            return {"items": items, "next_cursor": None}
        if path == "/identification/exits/indicators":
            return {"threshold_pct": 3.0, "incidence_pct": 2.4}
        if path.startswith("/registry/divisions/"):
            return {"name": "平永村委会"}
        if method == "PUT":
            return {"value": body["value"]}
        if path == "/identification/poor-divisions":
            if self.earlier:
                return {"status": 409, "code": "already-designated"}
            return {"status": "designated", "division": body["division"]}
        if path == "/identification/division-exits":
            if self.earlier:
                return {"status": 409, "code": "already-exited", "exit_id": "exit-1"}
            return self.procedure
        if path == "/identification/public/division-exits":
            return [{"division": "522632101001", "state": self.procedure["state"]}]
        if path == "/identification/division-exits/exit-1":
            return self.procedure
        return self.step(path.rsplit("/", 1)[1], body)

    def step(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        if action == "review":
            self.procedure = {**self.procedure, "state": "county_reviewed"}
        elif action == "open_notice":
            if "notice_days" in body and not self.short:
                return {"status": 422, "code": "notice-days"}
            days = float(body.get("notice_days", 7))
            ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
            self.procedure = {**self.procedure, "state": "noticed", "notice_ends_at": ends.isoformat()}
        elif action == "approve":
            if dt.datetime.fromisoformat(self.procedure["notice_ends_at"]) > dt.datetime.now(dt.UTC):
                return {"status": 409, "code": "exit-notice-running"}
            self.procedure = {**self.procedure, "state": "exited"}
        return self.procedure

    def steps(self) -> list[str]:
        return [path.rsplit("/", 1)[1] for _, path, _ in self.calls if "/actions/" in path]


def run(platform: Identification, notice_seconds: int = 1) -> Any:
    def eventually(attempt: Any) -> Any:
        while (value := attempt()) is None:
            time.sleep(0.05)
        return value

    county = ("county", COUNTY, "officer")
    return Exits(platform.call, eventually, county, 1, 2026, notice_seconds).run()


def test_without_short_notices_the_exit_notice_runs_its_seven_days() -> None:
    platform = Identification(short=False)
    summary = run(platform)
    assert platform.steps() == ["review", "open_notice", "open_notice"]  # no approval
    assert summary.exit_state == "noticed" and summary.notice_ends is not None
    ends = dt.datetime.strptime(summary.notice_ends, "%Y-%m-%d %H:%M")
    assert ends.date() >= (dt.datetime.now(dt.UTC) + dt.timedelta(days=6)).date()
    assert summary.listed_new == 1 and summary.county_listed == "new" and summary.exit_new


def test_with_short_notices_the_exit_is_approved_after_its_notice() -> None:
    platform = Identification()
    summary = run(platform)
    assert platform.steps() == ["review", "open_notice", "approve"]
    assert summary.exit_state == "exited" and summary.notice_ends is None
    assert summary.villages == 1 and summary.exit_village == "平永村委会"
    [figure] = [body for method, _, body in platform.calls if method == "PUT"]
    assert figure == {"value": str(rural_population("522632101001", 167, seed=1))}
    assert summary.poor_villages == summary.below == 1


def test_a_household_announced_but_not_yet_registered_counts_as_poor() -> None:
    # The registry registers an announced case's household on its event, which may arrive after the part
    # has read the households: the identification's incidence at the proposal would count it.
    exits = Exits(Identification().call, lambda a: a(), ("county", COUNTY, "officer"), 1, 2026, 1)
    assert exits.people() == {"522632101001": (167, 4 + 3)}


def test_a_run_after_an_earlier_one_takes_no_step() -> None:
    platform = Identification(earlier=True)
    summary = run(platform)
    assert platform.steps() == []
    assert summary.listed_new == 0 and summary.county_listed == "kept"
    assert not summary.exit_new and summary.exit_state == "exited"


def test_another_refusal_stops_the_part() -> None:
    class Refusing(Identification):
        def answer(self, method: str, path: str, body: Any) -> Any:
            if path == "/identification/poor-divisions":
                return {"status": 409, "code": "not-designated"}
            return super().answer(method, path, body)

    with pytest.raises(ExitsRefused, match="not-designated"):
        run(Refusing())
