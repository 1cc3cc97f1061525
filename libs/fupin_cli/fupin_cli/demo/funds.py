"""`fupin demo`, fourth part: the demo county's money (资金) through the gateway — the province allocates
central and provincial special funds to it (下达, with the province's 文号), the county records its integrated
agricultural funds (统筹整合), villages and a township propose projects to the county library drawing on
them, and the county drives each as far as the platform lets it go today; a few registered households are
paid benefits straight to their accounts (到户资金), one above the standard so that supervision shows a
finding; and a joint inspection (联合检查) looks at one project.

A project's public notice comes down the day it goes up where the platform allows short notices (`fupin up`
sets FUPIN_SHORT_NOTICES=1), so a first run takes the projects into the library, two into implementation and
one through its acceptance (验收) and completion evaluation (绩效评价). Elsewhere a notice runs its ten days:
a first run leaves the projects noticed and says until when, and a run after that takes them on.

Everything is drawn from the demo's seed. What an earlier run made is looked up first and kept (allocations
by 文号, projects by name, the inspection by its leading unit); each write carries an Idempotency-Key
derived from the seed and what it makes. Payments carry none: the service refuses the same benefit of the
same period again (409 duplicate-benefit) only without a key — with one it records and flags a duplicate —
so a second run, with this seed or another, pays nobody twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from fupin_cli.demo import names
from fupin_kit import civil_time

Who = tuple[str, str, str]
Call = Callable[..., Any]
Eventually = Callable[[Callable[[], Any]], Any]

# 省份简称 by the province's two-digit code: the first character of a province's 文号 (黔财农〔2026〕12号).
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "滇", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip
CATEGORIES = ["industry", "infrastructure", "employment"]
# (source, who allocates: "province" or "county", lowest amount in yuan)
ALLOCATIONS: tuple[tuple[str, str, int], ...] = (
    ("central", "province", 6_000_000),
    ("provincial", "province", 3_000_000),
    ("integrated", "county", 3_000_000),
)
# The share of a project's budget drawn on the central allocation; the rest on the provincial or integrated.
CENTRAL_SHARE = Decimal("0.6")


@dataclass(frozen=True)
class Template:
    name: str  # {place}: the village's (or township's) name
    category: str
    nature: str
    tasks: str
    targets: tuple[tuple[str, str, str], ...]  # (indicator, target, what the completion evaluation found)
    mechanism: str
    budget: int
    township: bool = False


TEMPLATES: tuple[Template, ...] = (
    Template(
        "{place}蔬菜大棚建设项目",
        "industry",
        "new",
        "新建标准化蔬菜大棚20个，配套滴灌设施。",
        (("新建蔬菜大棚数量", "20个", "20个"), ("带动脱贫户户均增收", "≥2000元", "2300元")),
        "大棚由村集体经营，优先吸纳脱贫户务工，收益的30%用于脱贫户分红。",
        1_200_000,
    ),
    Template(
        "{place}通组硬化路建设项目",
        "infrastructure",
        "new",
        "硬化通组公路3.5公里，路面宽4.5米，配套排水沟。",
        (("硬化道路里程", "3.5公里", "3.5公里"), ("受益群众满意度", "≥95%", "97%")),
        "优先聘用脱贫户参与施工，按日结算劳务报酬。",
        1_500_000,
    ),
    Template(
        "{place}林下养鸡产业项目",
        "industry",
        "continued",
        "续建林下养殖基地，新增鸡苗2万羽，配套防疫设施。",
        (("新增鸡苗数量", "20000羽", "20000羽"), ("带动脱贫户户均增收", "≥1500元", "1680元")),
        "合作社加农户，合作社保底收购脱贫户所养商品鸡。",
        800_000,
    ),
    Template(
        "{place}人饮工程巩固提升项目",
        "infrastructure",
        "repair",
        "改扩建蓄水池2座，更换供水管网6公里。",
        (("改扩建蓄水池", "2座", "2座"), ("农村自来水普及率", "≥95%", "98%")),
        "保障脱贫户安全饮水，管水员公益岗位优先聘用脱贫户。",
        600_000,
    ),
    Template(
        "{place}茶叶基地提质增效项目",
        "industry",
        "new",
        "新建茶园500亩，配套生产便道2公里。",
        (("新建茶园面积", "500亩", "500亩"), ("带动脱贫户户均增收", "≥2500元", "2650元")),
        "土地流转加务工加分红，脱贫户以土地和到户资金入股合作社。",
        1_000_000,
    ),
    Template(
        "{place}扶贫车间建设项目",
        "employment",
        "new",
        "新建标准化厂房1200平方米，引进来料加工企业入驻。",
        (("新建厂房面积", "1200平方米", "1200平方米"), ("吸纳脱贫人口就业", "≥50人", "56人")),
        "车间优先吸纳脱贫劳动力就近就业，稳定务工收入。",
        2_000_000,
        township=True,
    ),
)
LIFECYCLE = ("township_review", "county_approve", "post_notice", "enter_library", "start", "accept")
STATUS_AFTER = {
    "township_review": "township_reviewed",
    "county_approve": "county_approved",
    "post_notice": "noticed",
    "enter_library": "in_library",
    "start": "implementing",
    "accept": "accepted",
}
# How far each project is taken, by its place in the run: the first to its acceptance, the next two into
# implementation, the others into the library.
TARGETS = ("accept", "start", "start", "enter_library")
# (benefit, amount paid, the benefit's standard): the last is paid above its standard (超标准发放).
PAYMENTS: tuple[tuple[str, str, str], ...] = (
    ("industry_subsidy", "2000.00", "2000.00"),
    ("education", "3000.00", "3000.00"),
    ("microcredit_interest", "1450.00", "1450.00"),
    ("industry_subsidy", "2600.00", "2000.00"),
)
INSPECTION_DEPARTMENTS = ["discipline", "poverty_alleviation", "finance"]


@dataclass(frozen=True)
class Proposal:
    template: Template
    who: Who  # the proposer: a village's cadre, or the township's officer for a township's project
    body: dict[str, Any]


@dataclass
class FundsSummary:
    allocations: list[str] = field(default_factory=list)  # 文号
    allocations_new: int = 0
    projects: Counter[str] = field(default_factory=Counter)  # status → projects
    projects_new: int = 0
    notice_ends: str | None = None  # the latest day a notice still running comes down
    payments_new: int = 0
    payments_kept: int = 0
    inspection: str | None = None  # "opened" or "kept"
    findings: int = 0
    evaluated: int = 0  # completion evaluations recorded in this run
    linkable: list[dict[str, Any]] = field(default_factory=list)  # projects approved by the county


def province_who(county: str) -> Who:
    return ("province", county[:2] + "0" * 10, "officer")


def document_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}财农〔{year}〕{number}号"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def china_day(year: int, month: int, day: int) -> str:
    """A day of the demo's year, not after today in China (the platform refuses future days)."""
    return min(dt.date(year, month, day), civil_time.china_today()).isoformat()


class Funds:
    def __init__(
        self, call: Call, eventually: Eventually, county: Who, county_name: str, seed: int, year: int
    ) -> None:
        self.call = call
        self.eventually = eventually
        self.county = county
        self.code = county[1]
        self.county_name = county_name
        self.seed = seed
        self.year = year
        self.rng = random.Random(seed)
        self.summary = FundsSummary()

    def key(self, *parts: object) -> str:
        """An Idempotency-Key of the seed and what is made; a header is ASCII, so names go as digests."""
        readable = [str(part) if str(part).isascii() else digest(str(part)) for part in parts]
        return ":".join(["fupin-demo", str(self.seed), *readable])

    # ---- allocations --------------------------------------------------------------------------------------

    def allocations(self) -> dict[str, str]:
        """source → allocation id: the province's central and provincial money, the county's integrated."""
        province = province_who(self.code)
        numbers = {
            "province": PROVINCE_ABBREVIATIONS.get(self.code[:2], "省"),
            "county": self.county_name[:1],
        }
        params = {"division": self.code, "year": self.year}
        existing = {
            (row["document_number"], row["source"]): row
            for row in self.call("GET", "/funds/allocations", self.county, params=params)
        }
        found: dict[str, str] = {}
        serials = self.rng.sample(range(3, 41), len(ALLOCATIONS))  # no 文号 twice
        for (source, allocator, lowest), serial in zip(ALLOCATIONS, serials, strict=True):
            body: dict[str, Any] = {
                "division": self.code,
                "year": self.year,
                "source": source,
                "amount": f"{lowest + self.rng.randrange(0, 20) * 100_000}.00",
                "document_number": document_number(numbers[allocator], self.year, serial),
                "categories": CATEGORIES,
                "deadline": dt.date(self.year, 12, 31).isoformat(),
            }
            self.summary.allocations.append(body["document_number"])
            row = existing.get((body["document_number"], source))
            if row is None:
                who = province if allocator == "province" else self.county
                row = self.call("POST", "/funds/allocations", who, body, key=self.key("allocation", source))
                self.summary.allocations_new += 1
            found[source] = str(row["id"])
        return found

    # ---- projects -----------------------------------------------------------------------------------------

    def proposals(self, villages: list[str], allocations: dict[str, str]) -> list[Proposal]:
        """The 4–6 projects: a village's cadre for a village's, the township's officer
        for a township's."""
        chosen = self.rng.sample(TEMPLATES, self.rng.randint(4, 6))
        proposals = []
        for index, template in enumerate(chosen):
            village = villages[index % len(villages)]
            place = village[:9] + "000" if template.township else village
            who: Who = ("township", place, "officer") if template.township else ("village", place, "cadre")
            rest = "provincial" if index % 2 == 0 else "integrated"
            budget = Decimal(template.budget)
            central = (budget * CENTRAL_SHARE).quantize(Decimal("1"))
            body = {
                "name": template.name.format(place=self.place_name(place)),
                "category": template.category,
                "nature": template.nature,
                "division": place,
                "year": self.year,
                "starts_on": dt.date(self.year, 3, 1).isoformat(),
                "ends_on": dt.date(self.year, 12, 31).isoformat(),
                "responsible_unit": self.county_name
                + ("农业农村局" if template.category == "industry" else "乡村振兴局"),
                "tasks": template.tasks,
                "budget": f"{budget}.00",
                "financing": [
                    {"source": "central", "amount": f"{central}.00", "allocation_id": allocations["central"]},
                    {"source": rest, "amount": f"{budget - central}.00", "allocation_id": allocations[rest]},
                ],
                "beneficiaries": {
                    "households": 30 + self.rng.randrange(40),
                    "people": 120 + self.rng.randrange(150),
                },
                "performance_target": [{"indicator": i, "target": t} for i, t, _ in template.targets],
                "pro_poor_mechanism": template.mechanism,
            }
            proposals.append(Proposal(template, who, body))
        return proposals

    def place_name(self, code: str) -> str:
        return str(self.call("GET", f"/registry/divisions/{code}", self.county)["name"])

    def projects(self, villages: list[str], allocations: dict[str, str]) -> list[dict[str, Any]]:
        params = {"division": self.code, "year": self.year, "limit": 500}
        existing = {
            row["name"]: row for row in self.call("GET", "/funds/projects", self.county, params=params)
        }
        projects = []
        for index, proposal in enumerate(self.proposals(villages, allocations)):
            name = proposal.body["name"]
            project = existing.get(name)
            if project is None:
                key = self.key("project", name)
                project = self.call("POST", "/funds/projects", proposal.who, proposal.body, key=key)
                self.summary.projects_new += 1
            project = self.advance(project, TARGETS[min(index, len(TARGETS) - 1)])
            self.evaluate(project, proposal.template)
            projects.append(project)
            self.summary.projects[str(project["status"])] += 1
        self.summary.linkable = [p for p in projects if p["status"] not in ("proposed", "township_reviewed")]
        return projects

    def advance(self, project: dict[str, Any], target: str) -> dict[str, Any]:
        """Each step from the project's status up to `target`; stops at a notice still running."""
        for action in LIFECYCLE[: LIFECYCLE.index(target) + 1]:
            if project["status"] not in ("proposed", *[STATUS_AFTER[a] for a in LIFECYCLE]):
                return project  # rejected by hand: left alone
            if LIFECYCLE.index(action) < self.position(project):
                continue
            who = (
                ("township", project["division"][:9] + "000", "officer")
                if action == "township_review"
                else self.county
            )
            path = f"/funds/projects/{project['id']}/steps/{action}"
            answer = self.call(
                "POST",
                path,
                who,
                self.step_body(action),
                ok=(200, 409, 422),
                key=self.key(project["id"], action),
            )
            if action == "post_notice" and answer.get("status") == 422:
                # A platform without short notices (a real deployment): the notice runs its ten days.
                key = self.key(project["id"], action, "full")
                answer = self.call("POST", path, who, {}, ok=(200, 409), key=key)
            if answer.get("code") == "notice-running":
                ends = str(answer["ends_on"])
                self.summary.notice_ends = max(self.summary.notice_ends or ends, ends)
                return project
            if "id" not in answer:
                raise_refused(path, answer)
            project = answer
        return project

    @staticmethod
    def position(project: dict[str, Any]) -> int:
        """How many steps of LIFECYCLE the project has taken."""
        done = [STATUS_AFTER[a] for a in LIFECYCLE]
        return 0 if project["status"] == "proposed" else done.index(project["status"]) + 1

    def step_body(self, action: str) -> dict[str, Any]:
        if action == "township_review":
            return {"notes": "材料齐全，同意上报"}
        if action == "accept":
            inspectors = [names.full_name(self.rng, True), names.full_name(self.rng, False)]
            today = civil_time.china_today().isoformat()
            return {"acceptance": {"accepted_on": today, "result": "passed", "inspectors": inspectors}}
        if action == "post_notice":
            # Down the day it goes up, where the platform allows short notices (`fupin up` does), so a first
            # run takes the projects into the library and on.
            return {"notice_days": 0}
        return {"notes": "经审定，同意"} if action == "county_approve" else {}

    def evaluate(self, project: dict[str, Any], template: Template) -> None:
        """The completion evaluation (竣工绩效评价) of an accepted project, once."""
        if project["status"] != "accepted" or project.get("completion_evaluation"):
            return
        body = {"indicators": [{"indicator": i, "actual": a, "met": True} for i, _, a in template.targets]}
        path = f"/funds/projects/{project['id']}/completion-evaluation"
        project.update(self.call("PUT", path, self.county, body, key=self.key(project["id"], "evaluation")))
        self.summary.evaluated += 1

    # ---- payments and supervision -------------------------------------------------------------------------

    def payments(self, households: list[tuple[str, str]]) -> None:
        """Benefits paid to the first few registered households; the last paid above its standard."""
        for (household, _), (benefit, amount, standard) in zip(households, PAYMENTS, strict=False):
            body: dict[str, Any] = {
                "household_id": household,
                "benefit": benefit,
                "period": str(self.year),
                "amount": amount,
                "standard": standard,
                "paid_on": china_day(self.year, 6, 15),
            }
            answer = self.eventually(partial(self.pay, body))
            if answer.get("code") == "duplicate-benefit":
                self.summary.payments_kept += 1
            elif "id" in answer:
                self.summary.payments_new += 1
            else:
                raise_refused("/funds/payments", answer)

    def pay(self, body: dict[str, Any]) -> Any:
        """404 until the registry's events have brought the household to funds (retried by the caller)."""
        return self.call("POST", "/funds/payments", self.county, body, ok=(201, 409))

    def inspection(self, project: dict[str, Any]) -> None:
        """A joint inspection of the county led by its discipline commission, one project inspected, one
        point of its checklist failed (a finding), closed with its conclusion."""
        leader = self.county_name + "纪委监委"
        params = {"division": self.code, "year": self.year}
        found = [
            row
            for row in self.call("GET", "/funds/inspections", self.county, params=params)
            if row["leader_unit"] == leader
        ]
        if found:
            self.summary.inspection = "kept"
            return
        body = {
            "division": self.code,
            "year": self.year,
            "departments": INSPECTION_DEPARTMENTS,
            "leader_unit": leader,
            "starts_on": china_day(self.year, 11, 10),
            "ends_on": civil_time.china_today().isoformat(),
        }
        opened = self.call("POST", "/funds/inspections", self.county, body, key=self.key("inspection"))
        item = {
            "project_id": project["id"],
            "checklist": [
                {"point": "disclosure", "passed": True},
                {"point": "disbursement", "passed": True},
                {"point": "records", "passed": False, "note": "项目档案资料不全，缺少公示照片和会议记录"},
            ],
        }
        path = f"/funds/inspections/{opened['id']}"
        self.call("POST", f"{path}/items", self.county, item, key=self.key("inspection", "item"))
        conclusion = {"conclusion": "项目总体规范，档案资料问题限期30日内整改。"}
        self.call("POST", f"{path}/close", self.county, conclusion, key=self.key("inspection", "close"))
        self.summary.inspection = "opened"

    def findings(self) -> int:
        rows = self.call(
            "GET", "/funds/supervision/findings", self.county, params={"division": self.code, "limit": 500}
        )
        return len(rows)

    # ---- the whole part -----------------------------------------------------------------------------------

    def run(self, households: list[tuple[str, str]]) -> FundsSummary:
        """`households`: (household id, village) of registered households of the county, in a stable order."""
        villages = sorted({code for _, code in households})
        allocations = self.allocations()
        projects = self.projects(villages, allocations)
        self.payments(households)
        self.inspection(projects[1 % len(projects)])
        self.summary.findings = self.findings()
        return self.summary


class FundsRefused(RuntimeError):
    pass


def raise_refused(path: str, answer: Any) -> None:
    raise FundsRefused(f"{path}: {str(answer)[:300]}")
