"""`fupin demo`, second part: drive the demo county's candidates through identification (两评议两公示一比对一公告)
through the gateway, so the platform shows a living county — most households registered, a few objected
to (one upheld, sent back to verification), a few stopped by a department's comparison hit.

Every call goes through the gateway with a token of the tier and role the step requires (a village
cadre of the household's village, the township officer, the county officer, a departmental system), minted
from the local key store like the rest of the demo. A city without counties (儋州, 东莞, 中山) is the demo's
county too: its townships are right under it, and its government takes the county's steps with a city
token. A real notice runs 7 days; the demo county's notices are set (a region setting, as a county would
configure it) to `notice_seconds` so the demo finishes in minutes.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from fupin_cli.demo.assistance import Assistance, Assisted
from fupin_cli.demo.evaluation import Evaluation, EvaluationSummary
from fupin_cli.demo.funds import Funds, FundsSummary
from fupin_cli.demo.links import Links, LinksSummary
from fupin_cli.tokens import mint_token
from fupin_kit import civil_time, divisions

NATION = "000000000000"


def china_today() -> str:
    """Today in China: the platform dates the procedure's steps by China's calendar, and refuses a step dated
    before its case was opened (this machine's local day may still be the day before)."""
    return civil_time.china_today().isoformat()


VOTE = {"representatives": 31, "present": 25, "votes_for": 22, "votes_against": 1, "abstentions": 2}
OBJECTIONS = ("他家在县城有商品房", "儿子在外地开公司", "家里有小轿车")
HITS = (
    ("government_payroll", "人社局", "一名成员在财政供养人员名单中"),
    ("private_vehicle", "公安交管", "名下登记有小型汽车"),
)


class ProcedureError(RuntimeError):
    pass


class Refused(ProcedureError):
    """A refusal that waiting will not change (a 409): not retried."""


# Why an application is refused for a household already in a procedure (an earlier demo run's case, or
# one a cadre opened): the demo leaves that household alone and goes on with the others.
ALREADY_IN_PROCEDURE = frozenset({"case-open", "identification-open", "household-status"})
# A case announced is registered by the registry (its events); either way the household is poor now.
REGISTERED_STATES = frozenset({"announced", "registered"})
# Time an objection's call may take: a notice ending sooner is not objected to.
NOTICE_MARGIN = dt.timedelta(milliseconds=500)
# The registry statuses of the households the procedure chooses: candidates, and those registered (an
# earlier run's, found done again).
CHOSEN_STATUSES = frozenset({"candidate", "registered"})


@dataclass(frozen=True)
class ProcedureOptions:
    gateway_url: str
    keys_dir: Path
    county: str
    seed: int
    cases: int = 200  # candidates driven through the procedure (spread over the villages)
    objections: int = 3  # the first is upheld, the others dismissed
    hits: int = 3  # comparison hits: the first is cleared, the others confirmed (case rejected)
    notice_seconds: int = 20
    timeout_s: float = 600.0
    # Part three: the registered households' helpers, plans and measures, their villages' teams.
    assist: bool = True
    # Parts four to six: funds (allocations, projects, payments, an inspection), the projects' links to
    # households, and evaluation (a third-party round, the city's assessment). `fupin demo` takes them;
    # off by default for callers of drive_county on a platform without the funds and evaluation services.
    funds_and_evaluation: bool = False


@dataclass
class Summary:
    states: Counter[str] = field(default_factory=Counter)
    objections: list[str] = field(default_factory=list)
    objections_skipped: list[str] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)
    assisted: Assisted = field(default_factory=Assisted)
    funds: FundsSummary | None = None
    links: LinksSummary | None = None
    evaluation: EvaluationSummary | None = None


class Platform:
    """The gateway, called as whoever a step needs (a fresh short-lived token per request)."""

    def __init__(self, client: httpx.Client, options: ProcedureOptions) -> None:
        self.client = client
        self.options = options
        self.base = options.gateway_url.rstrip("/") + "/api/v1"

    def token(self, tier: str, division: str, role: str) -> str:
        subject = f"fupin-demo.{tier}.{division}"
        return mint_token(self.options.keys_dir, tier=tier, division=division, roles=[role], subject=subject)

    def call(
        self,
        method: str,
        path: str,
        who: tuple[str, str, str] | None,
        body: Any = None,
        ok: tuple[int, ...] = (200, 201),
        params: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Any:
        """`key`: the Idempotency-Key, so that a write retried (or a demo run again) is made once."""
        headers = {} if who is None else {"Authorization": f"Bearer {self.token(*who)}"}
        headers |= {} if key is None else {"Idempotency-Key": key}
        response = self.client.request(
            method, f"{self.base}{path}", json=body, params=params, headers=headers
        )
        if response.status_code not in ok:
            raise ProcedureError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def status(self, method: str, path: str, who: tuple[str, str, str], body: Any = None) -> int:
        headers = {"Authorization": f"Bearer {self.token(*who)}"}
        return self.client.request(method, f"{self.base}{path}", json=body, headers=headers).status_code


def running(notice: dict[str, Any]) -> bool:
    """Whether the notice still runs by its `ends_at`, with a moment's margin for the objection's call."""
    ends_at = dt.datetime.fromisoformat(str(notice["ends_at"]))
    return ends_at > dt.datetime.now(dt.UTC) + NOTICE_MARGIN


def county_tier(code: str) -> str:
    """The tier of the tokens that take the county's steps at `code`: the city's for a city without counties,
    whose government holds the county tier's powers (a token's tier is its division's level), else the
    county's."""
    return "city" if code in divisions.COUNTYLESS_CITIES else "county"


def village(code: str) -> tuple[str, str, str]:
    return ("village", code, "cadre")


def township(code: str) -> tuple[str, str, str]:
    return ("township", code[:9] + "000", "officer")


def quota_chain(village_code: str) -> list[str]:
    """The divisions whose quotas bound a village's places: the village, its township, county, city and
    province (under a city without counties, the township's parent is the city); a statistical grouping
    (湖北's 省直辖县级行政区划 above 仙桃) holds no quota and is passed over."""
    return [code for code in divisions.government_chain(village_code) if code != NATION]


class Procedure:
    def __init__(self, platform: Platform, options: ProcedureOptions, console: Console) -> None:
        self.p = platform
        self.options = options
        self.console = console
        self.rng = random.Random(options.seed)
        self.county = (county_tier(options.county), options.county, "officer")
        self.department = (county_tier(options.county), options.county, "department")
        self.summary = Summary()
        self.lines: dict[tuple[str, int], Decimal] = {}
        self.members: dict[str, int] = {}  # household id → its members, as the registry lists it

    # ---- set-up ---------------------------------------------------------------------------------------

    def poverty_line(self, division: str, year: int) -> Decimal:
        """The registry's poverty line in force for the division and year (a province's may be higher)."""
        key = (division, year)
        if key not in self.lines:
            params = {"division": division, "year": year, "kind": "poverty_line"}
            effective = self.p.call("GET", "/registry/standards/effective", self.county, params=params)
            self.lines[key] = Decimal(str(effective["amount"]))
        return self.lines[key]

    def poor_by_income(self, item: dict[str, Any], year: int) -> bool:
        """Whether the household passes the identification test: its latest per-capita net income, of the
        round's year or the one before, at or below the line of that year. The others would be refused at
        the verification (a few of the demo's households are just above the line)."""
        income_year, per_capita = item.get("income_year"), item.get("per_capita_net_income")
        if per_capita is None or income_year not in (year, year - 1):
            return False
        return Decimal(str(per_capita)) <= self.poverty_line(item["division"], income_year)

    def candidates(self, year: int) -> dict[str, str]:
        """household id → village: up to `cases` households poor by their income, round-robin over the
        villages. Registered ones are chosen too, so that a run again picks the households an earlier run
        took through the procedure (and finds them done) rather than the next ones."""
        by_village: dict[str, list[str]] = defaultdict(list)
        after: str | None = None
        while True:
            page = self.p.call(
                "GET",
                "/registry/households",
                self.county,
                params={"limit": 500, **({"after": after} if after else {})},
            )
            for item in page["items"]:
                if item["status"]["code"] in CHOSEN_STATUSES and self.poor_by_income(item, year):
                    by_village[item["division"]].append(str(item["id"]))
                    self.members[str(item["id"])] = int(item["member_count"])
            after = page["next_cursor"]
            if after is None or sum(map(len, by_village.values())) >= self.options.cases * 4:
                break
        chosen: dict[str, str] = {}
        queues = [list(reversed(ids)) for ids in by_village.values()]
        codes = list(by_village)
        while len(chosen) < self.options.cases and any(queues):
            for code, queue in zip(codes, queues, strict=True):
                if queue and len(chosen) < self.options.cases:
                    chosen[queue.pop()] = code
        return chosen

    def configure(self, year: int, chosen: dict[str, str]) -> None:
        """Short notices for the demo county, and quotas (规模控制, in people) from the province down to each
        village."""
        for key in ("notice_days", "exit_notice_days"):
            days = f"{self.options.notice_seconds / 86400:.6f}"
            self.p.call(
                "PUT",
                f"/identification/region-settings/{self.options.county}/{key}",
                self.county,
                {"value": days},
            )
        self.raise_quotas(year, chosen)

    def raise_quotas(self, year: int, chosen: dict[str, str]) -> None:
        """Quotas (规模控制, in people) from the province down to each chosen village, with room for the
        chosen households' members (and a little more) on top of the places already taken there: a county
        may hold cases of earlier rounds, another demo's or real ones. A quota is only ever raised, and
        each division's stays at least the sum of its children's, as the identification service requires;
        so they are worked out bottom-up and set top-down."""
        adding: Counter[str] = Counter()
        slack: Counter[str] = Counter()
        for household, code in chosen.items():
            for node in quota_chain(code):
                adding[node] += self.members[household]
        for code in set(chosen.values()):
            # Two people of room per village, on the village and on its township (as before).
            slack[code] += 2
            slack[code[:9] + "000"] += 2
        nodes = sorted(adding, key=divisions.level, reverse=True)  # villages first, the province last
        current = {node: self.quota(node, year) for node in nodes}
        wanted: dict[str, int] = {}
        for node in nodes:
            amount, used = current[node] or (0, 0)
            children = (
                self.children_amounts(node, year) if divisions.level(node) != divisions.Level.VILLAGE else {}
            )
            children.update(
                {child: wanted[child] for child in wanted if divisions.government_parent(child) == node}
            )
            wanted[node] = max(amount, used + adding[node] + slack[node], sum(children.values()))
        nation = ("nation", NATION, "admin")
        for node in reversed(nodes):
            existing = current[node]
            if existing is not None and existing[0] == wanted[node]:
                continue
            body = {"division": node, "year": year, "amount": wanted[node], "reason": "演示县年度规模"}
            self.p.call("PUT", "/identification/quotas", nation, body)

    def quota(self, division: str, year: int) -> tuple[int, int] | None:
        """(amount, used) of the division's quota for the year, None when it has none."""
        path = f"/identification/quotas/{division}/{year}"
        found = self.p.call("GET", path, ("nation", NATION, "admin"), ok=(200, 404))
        if found is None or "amount" not in found:
            return None
        return int(found["amount"]), int(found["used"])

    def children_amounts(self, division: str, year: int) -> dict[str, int]:
        path = f"/identification/quotas/{division}/{year}/children"
        rows = self.p.call("GET", path, ("nation", NATION, "admin"))
        return {str(row["division"]): int(row["amount"]) for row in rows}

    # ---- the steps ------------------------------------------------------------------------------------

    def earlier_cases(self, chosen: dict[str, str], year: int) -> dict[str, str]:
        """household id → the state of its identification case of the year, for the chosen households that
        have one (an earlier run's, or one a cadre opened): their procedure is not started again."""
        found: dict[str, str] = {}
        for household in chosen:
            params = {"household_id": household, "kind": "identification"}
            page = self.p.call("GET", "/identification/cases", self.county, params=params)
            for case in page["items"]:  # a household's cases: a page holds them
                if int(case["year"]) == year:
                    found[household] = str(case["state"])
        return found

    def apply_all(self, year: int, chosen: dict[str, str]) -> dict[str, str]:
        """case id → village; an application waits for the household to reach identification (events). A
        household already in a procedure is left out."""
        cases: dict[str, str] = {}
        skipped = 0
        for household, code in chosen.items():
            body = {
                "household_id": household,
                "year": year,
                "authorisation": {
                    "signed": True,
                    "signed_by": "户主",
                    "signed_on": china_today(),
                },
            }
            who = village(code)

            def application(body: dict[str, Any] = body, who: tuple[str, str, str] = who) -> Any:
                # 404 until the household has reached identification (events): retried.
                answer = self.p.call("POST", "/identification/cases", who, body, ok=(201, 409))
                if answer.get("status") != 409:
                    return answer
                if answer.get("code") in ALREADY_IN_PROCEDURE:
                    return {}
                raise Refused(f"POST /identification/cases: 409 {answer.get('detail')}")

            case = self.eventually(application)
            if not case:
                skipped += 1
                continue

            def verification(case_id: str = str(case["id"]), who: tuple[str, str, str] = who) -> Any:
                # Refused (422) until the registry's income has reached identification, like the household.
                path = f"/identification/cases/{case_id}/actions/verify"
                return self.p.call("POST", path, who, {"finding": {"survey": "入户核实"}})

            self.eventually(verification)
            vote = {**VOTE, "meeting_on": china_today()}
            self.p.call(
                "POST",
                f"/identification/cases/{case['id']}/actions/village_review",
                village(code),
                {"finding": vote},
            )
            cases[str(case["id"])] = code
        if skipped:
            self.console.print(f"{skipped} of the candidates already have a case open: left as they are")
        return cases

    def report_earlier(self, earlier: dict[str, str]) -> None:
        if earlier:
            states = ", ".join(f"{state} {count}" for state, count in Counter(earlier.values()).most_common())
            self.console.print(
                f"{len(earlier)} of the candidates have a case of this year already ({states}): left as they are"
            )

    def notices(
        self, villages: set[str], kind: str, objections: dict[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """Each village's notice; `objections` (case id → its place among them) are filed on each notice
        right after it opens: a notice runs only `notice_seconds`, and opening hundreds of notices first
        took longer than that on a loaded machine (409 notice-closed)."""
        opened = []
        for code in sorted(villages):
            notice = self.p.call(
                "POST",
                "/identification/notices",
                township(code),
                {"division": code, "kind": kind},
                ok=(201, 409),
            )
            if "id" in notice:
                opened.append(notice)
                if objections:
                    self.object([notice], objections)
        return opened

    def objection_targets(self, cases: Iterable[str]) -> dict[str, int]:
        """The cases a few villagers object to (case id → its place: the first is upheld)."""
        listed = sorted(set(cases))
        chosen = self.rng.sample(listed, min(self.options.objections, len(listed)))
        return {case: index for index, case in enumerate(chosen)}

    def object(self, notices: list[dict[str, Any]], targets: dict[str, int] | None = None) -> None:
        """Objections to `targets` (by default a few of the notices' cases) on the notices that post them."""
        chosen = targets
        if chosen is None:
            chosen = self.objection_targets(str(case) for notice in notices for case in notice["case_ids"])
        for notice in notices:
            for case in map(str, notice["case_ids"]):
                if case in chosen:
                    self.file_objection(notice, case, chosen[case])

    def file_objection(self, notice: dict[str, Any], case: str, index: int) -> None:
        """A villager objects (no login); the township upholds the first, dismisses the others. A notice
        that has ended meanwhile takes no objection: it is skipped, and the summary says so."""
        text = OBJECTIONS[index % len(OBJECTIONS)]
        if not running(notice):
            self.summary.objections_skipped.append(f"{notice['division']}: {text} (notice ended)")
            return
        ticket = self.p.call(
            "POST",
            f"/identification/public/notices/{notice['id']}/objections",
            None,
            {"case_id": case, "text": text},
            ok=(201, 409),
        )
        if ticket.get("code") == "notice-closed":  # it ended between the look and the filing
            self.summary.objections_skipped.append(f"{notice['division']}: {text} (notice ended)")
            return
        if "id" not in ticket:
            raise Refused(f"objection to case {case}: 409 {ticket.get('detail')}")
        outcome = "upheld" if index == 0 else "dismissed"
        reason = "核实属实, 退回重新核实" if outcome == "upheld" else "经核实, 反映情况不属实"
        self.p.call(
            "POST",
            f"/identification/objections/{ticket['id']}/resolve",
            township(notice["division"]),
            {"outcome": outcome, "reason": reason},
        )
        self.summary.objections.append(f"{notice['division']}: {text} → {outcome}")

    def close(self, notices: list[dict[str, Any]]) -> None:
        """Wait out the notices; the service's timer closes them (a township tick hurries it along)."""
        townships = {township(notice["division"]) for notice in notices}

        def closed() -> bool | None:
            for who in townships:
                self.p.call("POST", "/identification/notices/tick", who)
            still = [
                n
                for n in notices
                if self.p.call("GET", f"/identification/notices/{n['id']}", township(n["division"]))["status"]
                != "closed"
            ]
            return True if not still else None

        time.sleep(self.options.notice_seconds)
        self.eventually(closed)

    def township_reviews(self, villages: set[str]) -> None:
        for code in sorted({c[:9] + "000" for c in villages}):
            self.batch("township_review", code, ("township", code, "officer"))

    def batch(self, action: str, division: str, who: tuple[str, str, str]) -> None:
        drawn = self.p.call(
            "POST", "/identification/batches", who, {"action": action, "division": division}, ok=(201, 409)
        )
        if "id" not in drawn:
            return  # nothing ready in this division
        findings = [{"case_id": case, "passed": True, "note": "抽查属实"} for case in drawn["sample"]]
        self.p.call("POST", f"/identification/batches/{drawn['id']}/decide", who, {"findings": findings})

    def compare(self, cases: dict[str, str]) -> None:
        """Departments push their lists; a few members match. The county clears one hit and confirms the rest."""
        ready = [case for case in cases if self.state(case, cases[case]) == "township_reviewed"]
        for index, case in enumerate(self.rng.sample(ready, min(self.options.hits, len(ready)))):
            household = self.p.call("GET", f"/identification/cases/{case}", self.county)["household_id"]
            member = self.p.call("GET", f"/registry/households/{household}", self.county)["members"][0]
            kind, dept, why = HITS[index % len(HITS)]
            body = {
                "kind": kind,
                "department": dept,
                "entries": [{"resident_id": member["resident_id"], "detail": why}],
            }
            self.p.call("POST", "/identification/comparisons/pushes", self.department, body)
            for hit in self.p.call(
                "GET", "/identification/comparisons/hits", self.county, params={"case_id": case}
            ):
                outcome = "cleared" if index == 0 else "confirmed"
                reason = "已核实: 已办理转让/离职" if outcome == "cleared" else why
                self.p.call(
                    "POST",
                    f"/identification/comparisons/hits/{hit['id']}/resolve",
                    self.county,
                    {"outcome": outcome, "reason": reason},
                )
                self.summary.hits.append(f"{cases[case]}: {kind} → {outcome}")
        for case in ready:
            self.p.call(
                "POST",
                f"/identification/cases/{case}/actions/complete_comparison",
                self.county,
                {"finding": {}},
                ok=(200, 409),
            )

    def announce(self, cases: dict[str, str]) -> None:
        self.batch("county_approve", self.options.county, self.county)
        for case, code in cases.items():
            if self.state(case, code) == "county_approved":
                self.p.call(
                    "POST", f"/identification/cases/{case}/actions/announce", self.county, {"finding": {}}
                )

    # ---- helpers --------------------------------------------------------------------------------------

    def state(self, case: str, code: str) -> str:
        return str(self.p.call("GET", f"/identification/cases/{case}", village(code))["state"])

    def eventually(self, attempt: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + self.options.timeout_s
        while True:
            try:
                value = attempt()
                if value is not None:
                    return value
            except Refused:
                raise
            except ProcedureError:
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise ProcedureError("timed out waiting for the platform")
            time.sleep(0.5)

    # ---- the whole run --------------------------------------------------------------------------------

    def run(self) -> Summary:
        year = int(time.strftime("%Y"))
        chosen = self.candidates(year)
        if not chosen:
            raise ProcedureError(
                f"no candidate households in {self.options.county} with an income at or below the poverty line"
            )
        self.console.print(
            f"Identification: {len(chosen)} candidates of {len(set(chosen.values()))} villages"
        )
        earlier = self.earlier_cases(chosen, year)
        self.report_earlier(earlier)
        fresh = {household: code for household, code in chosen.items() if household not in earlier}
        cases = self.identify(year, fresh) if fresh else {}
        # The households an earlier run registered are assisted too, so that a run that stopped before
        # their assistance is completed (the assistance part skips what is done).
        registered = [
            (household, chosen[household])
            for household, state in earlier.items()
            if state in REGISTERED_STATES
        ]
        for case, code in cases.items():
            state = self.state(case, code)
            self.summary.states[state] += 1
            if state in REGISTERED_STATES:
                registered.append((self.household_of(case), code))
        if self.options.assist and registered:
            self.summary.assisted = self.assist(registered)
        if self.options.funds_and_evaluation:
            self.money_and_evaluation(year)
        return self.summary

    def identify(self, year: int, fresh: dict[str, str]) -> dict[str, str]:
        """The households with no case of the year through the procedure; their cases (case id → village)."""
        self.configure(year, fresh)
        cases = self.apply_all(year, fresh)
        villages = set(cases.values())
        first = self.notices(villages, "first", self.objection_targets(cases))
        self.close(first)
        self.township_reviews(villages)
        self.compare(cases)
        second = self.notices(villages, "second")
        self.close(second)
        self.announce(cases)
        return cases

    def money_and_evaluation(self, year: int) -> None:
        """Parts four to six, on the county's registered households (this run's and earlier ones')."""
        households = self.registered_households()
        if households:
            name = self.county_name()
            funds = Funds(self.p.call, self.eventually, self.county, name, self.options.seed, year)
            self.summary.funds = funds.run(households)
            links = Links(self.p.call, self.eventually, self.county, self.options.seed, year)
            ids = [household for household, _ in households]
            self.summary.links = links.run(self.summary.funds.linkable, ids)
        evaluation = Evaluation(self.p.call, self.options.county, self.options.seed, year)
        self.summary.evaluation = evaluation.run()

    def registered_households(self) -> list[tuple[str, str]]:
        """(household id, village) of the county's registered households, first page, in (village, id)
        order: the same households on every run while the county's registrations stay as they are."""
        params = {"status": "registered", "limit": 500}
        page = self.p.call("GET", "/registry/households", self.county, params=params)
        return sorted(
            ((str(item["id"]), str(item["division"])) for item in page["items"]), key=lambda i: (i[1], i[0])
        )

    def county_name(self) -> str:
        return str(self.p.call("GET", f"/registry/divisions/{self.options.county}", self.county)["name"])

    def household_of(self, case: str) -> str:
        return str(self.p.call("GET", f"/identification/cases/{case}", self.county)["household_id"])

    def assist(self, registered: list[tuple[str, str]]) -> Assisted:
        """Part three: helpers, plans, measures and teams for the households registered as poor."""
        assistance = Assistance(
            self.p.call, self.eventually, self.county, self.county_name(), self.options.seed
        )
        return assistance.run(registered)


def drive_county(
    gateway_url: str, keys_dir: Path, county: str, seed: int, console: Console, **overrides: Any
) -> Summary:
    """Called by `fupin demo` after the import: the county's candidates through the whole procedure."""
    if divisions.TIER_NAMES[divisions.level(county)] != county_tier(county):
        raise ProcedureError(f"{county} is not a county (nor a city without counties)")
    options = ProcedureOptions(
        gateway_url=gateway_url, keys_dir=keys_dir, county=county, seed=seed, **overrides
    )
    with httpx.Client(timeout=60.0) as client:
        summary = Procedure(Platform(client, options), options, console).run()
    states = ", ".join(f"{state} {count}" for state, count in summary.states.most_common())
    console.print(f"[green]Identification done[/]: {states}")
    for line in summary.objections:
        console.print(f"  objection  {line}")
    for line in summary.objections_skipped:
        console.print(f"  objection  {line}: not filed")
    for line in summary.hits:
        console.print(f"  comparison {line}")
    assisted = summary.assisted
    if assisted.households:
        console.print(
            f"[green]Assistance[/]: {assisted.households} households with a helper, a plan and "
            f"{assisted.measures} measures; {assisted.teams} resident teams formed"
        )
    report_funds(console, summary)
    report_evaluation(console, summary.evaluation)
    return summary


def report_funds(console: Console, summary: Summary) -> None:
    funds, links = summary.funds, summary.links
    if funds is None or links is None:
        if summary.evaluation is not None:
            console.print("Funds: the county has no registered household yet: no projects nor payments")
        return
    statuses = ", ".join(f"{status} {count}" for status, count in funds.projects.most_common())
    console.print(
        f"[green]Funds[/]: {len(funds.allocations)} allocations ({funds.allocations_new} new: "
        f"{'、'.join(funds.allocations)}); {sum(funds.projects.values())} projects "
        f"({funds.projects_new} new; {statuses}); {funds.payments_new} payments "
        f"({funds.payments_kept} made before); joint inspection {funds.inspection}; "
        f"{funds.findings} supervision findings"
    )
    if funds.notice_ends is not None:
        console.print(
            f"  projects   the notices run at least 10 days (until {funds.notice_ends}): "
            "run the demo again after that to take them into the library, implementation and acceptance"
        )
    if funds.evaluated:
        console.print(f"  projects   {funds.evaluated} completion evaluation(s) recorded")
    console.print(
        f"[green]Project links[/]: {links.linked} households linked to {links.projects} approved projects "
        f"({links.kept} linked before); {links.benefits} benefit(s) recorded"
    )


def report_evaluation(console: Console, evaluation: EvaluationSummary | None) -> None:
    if evaluation is None:
        return
    opened = "opened" if evaluation.round_opened else "kept"
    line = f"[green]Evaluation[/]: third-party round {opened}, {evaluation.sample} households sampled; "
    if evaluation.city is None:
        line += "no assessment by a city (the county has no city above it: its province assesses it)"
    else:
        made = "opened" if evaluation.assessment_opened else "kept"
        line += (
            f"the city's assessment of its {evaluation.assessees} county(ies) {made}, the demo county scored "
            f"from {evaluation.scored} new source(s), the others left incomplete"
        )
    console.print(line)
