"""`fupin demo`, seventh part: the demo county's poor villages and its own place on the list of poor counties
(贫困村, 贫困县), and a village's exit (贫困村退出) through the gateway.

The county enters each village's rural population (the region setting `rural_population`, the statistics
figure the poverty incidence is computed over): the people of the village's households in the registry
times a factor drawn from the seed and the village's code, so the same seed gives the same figure on every
run. With the demo's households (one in ten registered as poor after identification) most villages with
poor people are above the threshold (3% in the western provinces, 2% elsewhere) and a few below it (a
village where identification registered nobody is at 0%). The county itself gets no figure: its incidence
sums its villages' (identification/exits/indicators.py).

The county then puts the villages with the highest incidence on the list of poor villages (a handful, as
many as the seed says) together with one village whose incidence has come below the threshold — a village
listed in 2014 that is ready to exit; when no village with poor people is below it, the figure of the one
closest to it is raised so that it is. The province puts the county on the list of poor counties.

That village's township proposes its exit, the county reviews it and opens the notice. Where the platform
allows short notices (`fupin up` sets FUPIN_SHORT_NOTICES=1) the notice runs `notice_seconds` and the county
approves the exit once it has ended: the village is 已退出 and on the public board. Elsewhere the notice runs
its seven days: the run says until when, and a run after that approves it.

A second run makes nothing twice: the figures go with an Idempotency-Key of the seed, the village and the
figure; a division already on the list is 409 already-designated and kept; a village whose exit is open or
done (409 procedure-open / already-exited) has its procedure taken on from where it stands."""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from fupin_cli.demo.procedure import (
    Platform,
    Procedure,
    ProcedureError,
    ProcedureOptions,
    county_tier,
    township,
)
from fupin_kit import civil_time

Who = tuple[str, str, str]
Call = Callable[..., Any]
Eventually = Callable[[Callable[[], Any]], Any]

# The registry statuses counted as poor by the incidence (identification/exits/repository.POOR).
POOR_STATUSES = frozenset({"registered", "returned"})
# Rural population per person of the village's households in the registry: the demo's households are the
# village's poorer families, from two thirds of its people down to between a third and a quarter. With
# the default demo (榕江县, 2000 households, 200 candidates, seed 1) 119 of the 127 villages with poor
# people were above 3% and 8 below.
FACTOR = (1.5, 3.5)
# How many villages are on the list: the seed picks in this range (no more than have poor people).
LISTED = (3, 6)
DESIGNATED_YEAR = 2014  # 建档立卡: the year the lists of poor villages and counties were drawn up
# The share of the threshold the exit village's incidence is given when none is below it on its own.
BELOW_SHARE = (0.5, 0.85)
DAY_SECONDS = 86_400
NOTICE_PLACES = Decimal("0.00000001")  # notice_days takes 8 decimal places
# A notice ending within this many seconds is waited for; a longer one (seven days) is left running.
LONGEST_WAIT_S = 120.0
PAGE = 500


class ExitsRefused(ProcedureError):
    """An answer the demo cannot go on from (a 409 or 422 it does not expect); `fupin demo` prints it as
    it prints the identification part's refusals."""


@dataclass(frozen=True)
class VillageFigures:
    code: str
    people: int  # the members of the village's households in the registry
    poor: int  # the members of its households registered as poor (or returned, or announced)
    rural: int  # the rural population the demo sets

    @property
    def incidence(self) -> Decimal:
        """The poverty incidence in percent, rounded as identification rounds it."""
        return (Decimal(100) * self.poor / self.rural).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Choice:
    figures: dict[str, VillageFigures]  # village → its figures, the exit village's raised if it had to be
    listed: list[str]  # the villages put on the list, highest incidence first, the exit village last
    exiting: str | None  # the village taken through its exit (None: no village has poor people)
    raised: bool  # whether the exit village's figure was raised to bring it below the threshold


@dataclass
class ExitsSummary:
    villages: int = 0  # villages given a rural population
    poor_villages: int = 0  # of them, those with poor people
    below: int = 0  # of those, below the threshold
    threshold_pct: float = 0.0
    county_incidence_pct: float | None = None
    listed: list[str] = field(default_factory=list)  # the villages' names
    listed_new: int = 0
    county_listed: str | None = None  # "new" or "kept"
    exit_village: str | None = None  # its name
    exit_incidence_pct: float | None = None
    exit_state: str | None = None
    exit_new: bool = False  # proposed in this run (else taken on from an earlier run's)
    notice_ends: str | None = None  # a notice still running: when it ends
    on_board: bool = False  # the village is on the public board


def rural_population(code: str, people: int, seed: int) -> int:
    """The village's rural population: its registered people times a factor drawn from the seed and the
    code alone (the same on every run, whatever other villages there are)."""
    factor = random.Random(f"fupin-demo:{seed}:rural:{code}").uniform(*FACTOR)
    return max(1, round(people * factor))


def choose(people: dict[str, tuple[int, int]], threshold: Decimal, seed: int) -> Choice:
    """The figures, the villages put on the list and the village taken through its exit, from each
    village's (people, poor people)."""
    figures = {
        code: VillageFigures(code, total, poor, rural_population(code, total, seed))
        for code, (total, poor) in sorted(people.items())
        if total > 0
    }
    poor = sorted(
        (f for f in figures.values() if f.poor > 0), key=lambda f: (-f.incidence, f.code)
    )  # highest incidence first
    if not poor:
        return Choice(figures, [], None, False)
    rng = random.Random(f"fupin-demo:{seed}:exits")
    below = [f for f in poor if f.incidence < threshold]
    raised = not below
    if below:
        exiting = rng.choice(below)
    else:
        # The one closest to the threshold, its figure raised so its incidence is a share of the threshold.
        closest = poor[-1]
        target = threshold * Decimal(str(round(rng.uniform(*BELOW_SHARE), 2)))
        rural = math.ceil(Decimal(100) * closest.poor / target)
        exiting = VillageFigures(closest.code, closest.people, closest.poor, rural)
        figures[closest.code] = exiting
    count = min(rng.randint(*LISTED), len(poor))
    highest = [f.code for f in poor if f.code != exiting.code][: count - 1]
    return Choice(figures, [*highest, exiting.code], exiting.code, raised)


def notice_days(seconds: int) -> str:
    """A notice of `seconds` in days, rounded up to the 8 places identification takes."""
    return str((Decimal(max(seconds, 1)) / DAY_SECONDS).quantize(NOTICE_PLACES, rounding=ROUND_CEILING))


class Exits:
    def __init__(
        self,
        call: Call,
        eventually: Eventually,
        county: Who,
        seed: int,
        year: int,
        notice_seconds: int,
    ) -> None:
        self.call = call
        self.eventually = eventually
        self.county = county
        self.code = county[1]
        self.province: Who = ("province", self.code[:2] + "0" * 10, "officer")
        self.seed = seed
        self.year = year
        self.notice_seconds = notice_seconds
        self.summary = ExitsSummary()
        self.names: dict[str, str] = {}

    def key(self, *parts: object) -> str:
        return ":".join(["fupin-demo", str(self.seed), *map(str, parts)])

    # ---- the figures ------------------------------------------------------------------------------------

    def announced(self) -> set[str]:
        """The households whose identification case is announced: the registry registers them on the
        case's event, which may not have reached it yet when this part starts."""
        found: set[str] = set()
        after: str | None = None
        while True:
            params: dict[str, Any] = {"kind": "identification", "state": "announced", "limit": PAGE}
            page = self.call(
                "GET",
                "/identification/cases",
                self.county,
                params=params | ({"after": after} if after else {}),
            )
            found |= {str(case["household_id"]) for case in page["items"]}
            after = page["next_cursor"]
            if after is None:
                return found

    def people(self) -> dict[str, tuple[int, int]]:
        """village → (people, poor people) of the county's households in the registry: poor, those it has
        registered (or returned to poverty) and those about to be registered."""
        announced = self.announced()
        found: dict[str, tuple[int, int]] = {}
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE, **({"after": after} if after else {})}
            page = self.call("GET", "/registry/households", self.county, params=params)
            for item in page["items"]:
                members = int(item["member_count"])
                counted = item["status"]["code"] in POOR_STATUSES or str(item["id"]) in announced
                poor = members if counted else 0
                total, poor_before = found.get(item["division"], (0, 0))
                found[item["division"]] = (total + members, poor_before + poor)
            after = page["next_cursor"]
            if after is None:
                return found

    def threshold(self) -> Decimal:
        """The county's exit threshold (3% in the west, 2% elsewhere), as identification states it."""
        params = {"division": self.code}
        found = self.call("GET", "/identification/exits/indicators", self.county, params=params)
        return Decimal(str(found["threshold_pct"]))

    def set_figures(self, figures: Iterable[VillageFigures]) -> None:
        for village in figures:
            self.call(
                "PUT",
                f"/identification/region-settings/{village.code}/rural_population",
                self.county,
                {"value": str(village.rural)},
                key=self.key("rural_population", village.code, village.rural),
            )

    # ---- the lists --------------------------------------------------------------------------------------

    def designate(self, division: str, who: Who, basis: str) -> bool:
        """Whether the division was put on the list now (False: it was on it already)."""
        body = {"division": division, "designated_year": DESIGNATED_YEAR, "basis": basis}
        answer = self.call("POST", "/identification/poor-divisions", who, body, ok=(201, 409))
        if answer.get("status") == 409:
            if answer.get("code") != "already-designated":
                raise ExitsRefused(f"POST /identification/poor-divisions {division}: {str(answer)[:300]}")
            return False
        return True

    def name(self, code: str) -> str:
        if code not in self.names:
            self.names[code] = str(self.call("GET", f"/registry/divisions/{code}", self.county)["name"])
        return self.names[code]

    # ---- the exit ---------------------------------------------------------------------------------------

    def propose(self, village: VillageFigures) -> dict[str, Any]:
        """The village's procedure: proposed by its township now, or an earlier run's (open or done)."""
        body = {
            "division": village.code,
            "year": self.year,
            "summary": f"贫困发生率降至{village.incidence}%，两不愁三保障达标，村集体经济有稳定收入",
        }
        answer = self.call(
            "POST", "/identification/division-exits", township(village.code), body, ok=(201, 409)
        )
        if answer.get("status") != 409:
            self.summary.exit_new = True
            return dict(answer)
        if answer.get("code") not in ("procedure-open", "already-exited") or not answer.get("exit_id"):
            raise ExitsRefused(f"POST /identification/division-exits {village.code}: {str(answer)[:300]}")
        found: dict[str, Any] = self.call(
            "GET", f"/identification/division-exits/{answer['exit_id']}", self.county
        )
        return found

    def step(self, procedure: dict[str, Any], action: str, body: dict[str, Any]) -> Any:
        path = f"/identification/division-exits/{procedure['id']}/actions/{action}"
        return self.call(
            "POST", path, self.county, body, ok=(200, 409, 422), key=self.key(procedure["id"], action)
        )

    def advance(self, procedure: dict[str, Any]) -> dict[str, Any]:
        """The county's steps from where the procedure stands: review, the notice, the approval."""
        if procedure["state"] == "proposed":
            procedure = self.taken(
                procedure, "review", self.step(procedure, "review", {"reason": "经县级审核，符合退出标准"})
            )
        if procedure["state"] == "county_reviewed":
            answer = self.step(procedure, "open_notice", {"notice_days": notice_days(self.notice_seconds)})
            if answer.get("code") == "notice-days":
                # A platform without short notices (a real deployment): the notice runs its seven days.
                path = f"/identification/division-exits/{procedure['id']}/actions/open_notice"
                key = self.key(procedure["id"], "open_notice", "full")
                answer = self.call("POST", path, self.county, {}, ok=(200, 409), key=key)
            procedure = self.taken(procedure, "open_notice", answer)
        if procedure["state"] == "noticed":
            procedure = self.approve(procedure)
        return procedure

    def approve(self, procedure: dict[str, Any]) -> dict[str, Any]:
        """Approved once the notice has ended: waited for when it ends soon, else left running."""
        ends = dt.datetime.fromisoformat(str(procedure["notice_ends_at"]))
        remaining = (ends - dt.datetime.now(dt.UTC)).total_seconds()
        if remaining > LONGEST_WAIT_S:
            self.summary.notice_ends = ends.astimezone(civil_time.CHINA).strftime("%Y-%m-%d %H:%M")
            return procedure
        time.sleep(max(remaining, 0.0))

        def approval() -> Any:
            answer = self.step(procedure, "approve", {"reason": "公示无异议，批准退出"})
            if answer.get("code") == "exit-notice-running":
                return None  # the platform's clock has not reached the end yet: asked again
            return self.taken(procedure, "approve", answer)

        found: dict[str, Any] = self.eventually(approval)
        return found

    @staticmethod
    def taken(procedure: dict[str, Any], action: str, answer: Any) -> dict[str, Any]:
        if "id" not in answer:
            raise ExitsRefused(f"{action} of division exit {procedure['id']}: {str(answer)[:300]}")
        return dict(answer)

    def on_board(self, village: str) -> bool:
        board = self.call("GET", "/identification/public/division-exits", None, params={"division": village})
        return any(item["division"] == village for item in board)

    # ---- the whole part ---------------------------------------------------------------------------------

    def run(self) -> ExitsSummary:
        threshold = self.threshold()
        choice = choose(self.people(), threshold, self.seed)
        figures = choice.figures
        self.set_figures(figures.values())
        summary = self.summary
        summary.villages = len(figures)
        poor = [f for f in figures.values() if f.poor > 0]
        summary.poor_villages = len(poor)
        summary.below = sum(f.incidence < threshold for f in poor)
        summary.threshold_pct = float(threshold)
        county = self.call(
            "GET", "/identification/exits/indicators", self.county, params={"division": self.code}
        )
        summary.county_incidence_pct = county["incidence_pct"]
        for code in choice.listed:
            basis = f"建档立卡贫困村（贫困发生率{figures[code].incidence}%）"
            summary.listed_new += self.designate(code, self.county, basis)
            summary.listed.append(self.name(code))
        new = self.designate(self.code, self.province, "国家扶贫开发工作重点县")
        summary.county_listed = "new" if new else "kept"
        if choice.exiting is not None:
            village = figures[choice.exiting]
            summary.exit_village = self.name(village.code)
            procedure = self.advance(self.propose(village))
            summary.exit_incidence_pct = procedure["indicators"].get("incidence_pct")
            summary.exit_state = str(procedure["state"])
            summary.on_board = self.on_board(village.code)
        return summary


def drive_exits(
    gateway_url: str,
    keys_dir: Path,
    county: str,
    seed: int,
    console: Console,
    notice_seconds: int = 20,
    timeout_s: float = 600.0,
) -> ExitsSummary:
    """Called by `fupin demo` after identification (its registered households make the incidence)."""
    options = ProcedureOptions(
        gateway_url=gateway_url,
        keys_dir=keys_dir,
        county=county,
        seed=seed,
        notice_seconds=notice_seconds,
        timeout_s=timeout_s,
    )
    console.print("Poor villages and counties: each village's rural population, the lists, a village's exit")
    with httpx.Client(timeout=60.0) as client:
        platform = Platform(client, options)
        eventually = Procedure(platform, options, console).eventually
        who = (county_tier(county), county, "officer")
        year = civil_time.china_today().year
        summary = Exits(platform.call, eventually, who, seed, year, notice_seconds).run()
    report(console, summary)
    return summary


def report(console: Console, summary: ExitsSummary) -> None:
    county = "no incidence" if summary.county_incidence_pct is None else f"{summary.county_incidence_pct}%"
    console.print(
        f"[green]Poor villages[/]: rural population of {summary.villages} villages set (the county's "
        f"incidence: {county}); of the {summary.poor_villages} with poor people, "
        f"{summary.poor_villages - summary.below} above the {summary.threshold_pct}% threshold and "
        f"{summary.below} below"
    )
    console.print(
        f"  lists      {len(summary.listed)} villages on the list of poor villages ({summary.listed_new} new: "
        f"{'、'.join(summary.listed)}); the county on the list of poor counties ({summary.county_listed})"
    )
    if summary.exit_village is None:
        console.print("  exit       no village has poor people: no exit proposed")
        return
    made = "proposed in this run" if summary.exit_new else "proposed before"
    line = (
        f"  exit       {summary.exit_village} (incidence {summary.exit_incidence_pct}%), {made}: "
        f"{summary.exit_state}"
    )
    if summary.notice_ends is not None:
        line += f"; its notice runs until {summary.notice_ends}: run the demo again after that to approve it"
    if summary.on_board:
        line += "; on the public board"
    console.print(line)
