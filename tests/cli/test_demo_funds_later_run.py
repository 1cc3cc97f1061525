"""`fupin demo`'s funds part on a later run, with a stand-in for the gateway: a project notice runs ten days
at least, so only a run after it has come down takes the projects into the library, two into implementation
and the first through its acceptance and completion evaluation; and which city, if any, assesses the demo
county."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fupin_cli.demo.evaluation import assessing_city
from fupin_cli.demo.funds import LIFECYCLE, STATUS_AFTER, Funds
from fupin_cli.demo.links import Links

COUNTY = ("county", "522632000000", "officer")
HOUSEHOLDS = [("h-1", "522632101001"), ("h-2", "522632102003")]
Seen = list[tuple[str, str, tuple[str, str, str] | None, Any]]


class Service:
    """Answers like funds, from its own projects: every step moves a project one status on, except the
    library's entry while `notice_running`."""

    def __init__(self, notice_running: bool) -> None:
        self.notice_running = notice_running
        self.projects: dict[str, dict[str, Any]] = {}
        self.seen: Seen = []

    def call(self, method: str, path: str, who: Any, body: Any = None, **params: Any) -> Any:
        self.seen.append((method, path, who, body))
        if path.startswith("/registry/divisions/"):
            return {"name": "东门村"}
        if method == "GET" and path in ("/funds/allocations", "/funds/projects", "/funds/inspections"):
            return list(self.projects.values()) if path == "/funds/projects" else []
        if path == "/funds/supervision/findings":
            return []
        if path == "/funds/allocations":
            return {"id": f"a-{body['source']}"}
        if path == "/funds/projects":
            project = {"id": f"p-{len(self.projects)}", "status": "proposed", **body}
            self.projects[body["name"]] = project
            return project
        if "/steps/" in path:
            return self.step(path)
        if path.endswith("/completion-evaluation"):
            return {"completion_evaluation": body}
        if path == "/funds/payments":
            return {"id": "pay"}
        return {"id": "i-1"}

    def step(self, path: str) -> dict[str, Any]:
        project_id, action = path.split("/")[3], path.split("/")[5]
        project = next(p for p in self.projects.values() if p["id"] == project_id)
        if action == "enter_library" and self.notice_running:
            return {"status": 409, "code": "notice-running", "ends_on": "2026-12-09"}
        assert LIFECYCLE.index(action) == Funds.position(project), (project["status"], action)
        project["status"] = STATUS_AFTER[action]
        return dict(project)


def now(attempt: Callable[[], Any]) -> Any:
    return attempt()


def run(service: Service) -> Funds:
    funds = Funds(service.call, now, COUNTY, "榕江县", seed=4, year=2026)
    funds.run(HOUSEHOLDS)
    return funds


def test_a_first_run_leaves_the_projects_noticed_and_says_until_when() -> None:
    service = Service(notice_running=True)
    funds = run(service)
    assert set(funds.summary.projects) == {"noticed"} and funds.summary.notice_ends == "2026-12-09"
    assert funds.summary.evaluated == 0


def test_a_run_after_the_notice_takes_them_on_without_repeating_a_step() -> None:
    service = Service(notice_running=True)
    first = run(service)
    service.notice_running = False
    service.seen.clear()
    later = run(service)
    statuses = [project["status"] for project in service.projects.values()]
    assert statuses[:3] == ["accepted", "implementing", "implementing"]
    assert set(statuses[3:]) == {"in_library"}
    assert later.summary.projects_new == 0 and later.summary.evaluated == 1
    assert later.summary.notice_ends is None and first.summary.projects_new == len(statuses)
    steps = [path.rsplit("/", 1)[1] for method, path, _, _ in service.seen if "/steps/" in path]
    assert "post_notice" not in steps and steps.count("accept") == 1
    evaluation = [body for _, path, _, body in service.seen if path.endswith("/completion-evaluation")]
    assert len(evaluation) == 1 and all(row["met"] for row in evaluation[0]["indicators"])


def test_one_payment_is_above_its_standard() -> None:
    service = Service(notice_running=True)
    run(service)
    payments = [body for _, path, _, body in service.seen if path == "/funds/payments"]
    assert len(payments) == len(HOUSEHOLDS)
    above = [p for p in run_payments_of_four() if float(p["amount"]) > float(p["standard"])]
    assert len(above) == 1


def run_payments_of_four() -> list[dict[str, Any]]:
    service = Service(notice_running=True)
    funds = Funds(service.call, now, COUNTY, "榕江县", seed=4, year=2026)
    funds.payments([(f"h-{n}", "522632101001") for n in range(6)])
    return [body for _, path, _, body in service.seen if path == "/funds/payments"]


@pytest.mark.parametrize(
    ("county", "city"),
    [
        ("520102000000", "520100000000"),  # 南明区, 贵阳市
        ("441900000000", None),  # 东莞: a city without counties
        ("429004000000", None),  # 仙桃: right under 湖北 (a statistical grouping between)
        ("500101000000", None),  # 重庆 万州区: 市辖区 is no city government
    ],
)
def test_the_assessing_city(county: str, city: str | None) -> None:
    assert assessing_city(county) == city


def test_a_second_run_links_the_households_the_first_one_did() -> None:
    """The draws of a link are made whether or not it exists: a second run, finding the first run's links,
    picks the same households for the next project (it once picked others, linking them anew)."""
    links: dict[str, list[dict[str, Any]]] = {}

    def call(method: str, path: str, who: Any, body: Any = None, **_: Any) -> Any:
        project = path.split("/")[3]
        if method == "GET" and path.endswith("/links") and path.startswith("/assistance/projects/"):
            return links.get(project, [])
        if method == "PUT" and "/links/" in path and path.startswith("/assistance/projects/"):
            made = {"id": f"l-{project}-{path.rsplit('/', 1)[1]}", "household_id": path.rsplit("/", 1)[1]}
            links.setdefault(project, []).append(made)
            return made
        if method == "GET":
            return [{"id": "l-any", "received": [{"year": 2026}]}]
        return {}

    projects = [{"id": f"p-{n}", "category": "industry"} for n in range(5)]
    households = [f"h-{n}" for n in range(12)]
    first = Links(call, now, COUNTY, seed=2, year=2026).run(projects, households)
    again = Links(call, now, COUNTY, seed=2, year=2026).run(projects, households)
    assert first.linked >= 10 and again.linked == 0 and again.kept == first.linked
