"""`fupin demo`, parts four to six, on the real platform (gateway, registry, assistance, funds and evaluation
as real processes on the session's PostgreSQL and broker): allocations to the demo county, projects of its
library in their statuses, payments with a finding, a joint inspection, projects linked to households, the
province's third-party round with its sample and the city's assessment with the demo county scored. A
second run with the same seed makes nothing new.

The households are registered by the county officer's status command (a file registered before the
platform, as the registry allows) rather than through identification: what these parts need is registered
households, and the procedure has its own end-to-end test."""

from __future__ import annotations

import asyncio
import io
import itertools
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from fupin_cli.demo.procedure import Platform as DemoPlatform
from fupin_cli.demo.procedure import Procedure, ProcedureOptions, report_evaluation, report_funds
from fupin_kit import civil_time
from fupin_kit.pii import check_digit
from fupin_kit.testing import Stack
from tests.bodies import member_body
from tests.e2e.platform import (
    COUNTY,
    SIBLING,
    VILLAGE,
    Platform,
    county_subset,
    platform_of,
)

pytestmark = pytest.mark.timeout(300)
CITY = "520100000000"  # 贵阳市
PROVINCE = "520000000000"
REG = "/api/v1/registry"
SEED = 3
_serial = itertools.count(1)


def resident_id(male: bool) -> str:
    n = next(_serial)
    first17 = f"520102{1970 + n:04d}0412{(2 * n + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def household_body(division: str, name: str) -> dict[str, Any]:
    return {
        "division": division,
        "village_group": "二组",
        "address": "纪念塔路 2 号",
        "head_name": name,
        "phone": "13800000001",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": [],
        "living": {"housing_area": "60.5", "housing_safety_grade": "C", "drinking_water": "difficult"},
        "members": [
            member_body(name, resident_id(True), "head", "male"),
            member_body("李秀英", resident_id(False), "spouse", "female"),
        ],
        "registered_on": "2026-01-01",
    }


def money_platform(stack: Stack, workdir: Path) -> AbstractAsyncContextManager[Platform]:
    # As `fupin up` runs them: the demo's project notices come down the day they go up.
    services = {"assistance": {}, "funds": {"FUPIN_SHORT_NOTICES": "1"}, "evaluation": {}}
    return platform_of(stack, county_subset(workdir / "divisions-520102.csv.gz"), services)


async def registered_households(platform: Platform) -> list[str]:
    """Six households of two villages, registered by the county officer's status command."""
    ids = []
    for index in range(6):
        division = VILLAGE if index % 2 == 0 else SIBLING
        created = await platform.call(
            "POST", f"{REG}/households", "county", household_body(division, "周大福")
        )
        command = {"action": "register", "reason": "建档立卡前已识别"}
        await platform.call("POST", f"{REG}/households/{created['id']}/status-commands", "county", command)
        ids.append(str(created["id"]))
    return ids


def run_parts(gateway: str, keys: Path) -> tuple[Procedure, str]:
    """Parts four to six as `fupin demo` runs them after the assistance, and what they print."""
    options = ProcedureOptions(
        gateway_url=gateway,
        keys_dir=keys,
        county=COUNTY,
        seed=SEED,
        timeout_s=60.0,
        funds_and_evaluation=True,
    )
    output = io.StringIO()
    console = Console(file=output, width=300)
    with httpx.Client(timeout=60.0) as client:
        procedure = Procedure(DemoPlatform(client, options), options, console)
        procedure.money_and_evaluation(civil_time.china_today().year)
    report_funds(console, procedure.summary)
    report_evaluation(console, procedure.summary.evaluation)
    return procedure, output.getvalue()


async def listed(platform: Platform, path: str, actor: str, **params: Any) -> list[Any]:
    found: list[Any] = await platform.call("GET", path, actor, params=params)
    return found


async def test_demo_funds_links_and_evaluation(fupin_stack: Stack, tmp_path: Path) -> None:
    async with money_platform(fupin_stack, tmp_path) as platform:
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("city", "city", CITY, ["officer"])
        await platform.user("province", "province", PROVINCE, ["officer"])
        households = await registered_households(platform)
        year = civil_time.china_today().year
        keys = fupin_stack.keys.directory
        first, told = await asyncio.to_thread(run_parts, str(platform.client.base_url), keys)
        funds, links, evaluation = first.summary.funds, first.summary.links, first.summary.evaluation
        assert funds is not None and links is not None and evaluation is not None, told

        # Funds: three allocations; the projects through their same-day notices, one accepted and evaluated,
        # two implementing, the rest in the library; four payments, one above its standard, and the
        # inspection's failed point: two findings.
        allocations = await listed(
            platform, "/api/v1/funds/allocations", "county", division=COUNTY, year=year
        )
        assert len(allocations) == 3 and {a["source"] for a in allocations} == {
            "central",
            "provincial",
            "integrated",
        }
        assert any(a["document_number"].startswith("黔财农〔") for a in allocations), allocations
        projects = await listed(platform, "/api/v1/funds/projects", "county", division=COUNTY, year=year)
        statuses = sorted(p["status"] for p in projects)
        assert 4 <= len(projects) <= 6, projects
        assert statuses == ["accepted", "implementing", "implementing"] + ["in_library"] * (len(projects) - 3)
        accepted = next(p for p in projects if p["status"] == "accepted")
        evaluated = await platform.call("GET", f"/api/v1/funds/projects/{accepted['id']}", "county")
        assert evaluated["completion_evaluation"]["grade"], evaluated
        assert all(p["financing"][0]["allocation_id"] for p in projects)
        findings = await listed(platform, "/api/v1/funds/supervision/findings", "county", division=COUNTY)
        assert {f["kind"] for f in findings} == {"above-standard", "inspection-issue"}, findings
        inspections = await listed(platform, "/api/v1/funds/inspections", "county", division=COUNTY)
        assert [i["status"] for i in inspections] == ["closed"]
        assert funds.payments_new == 4 and funds.findings == 2

        # Links: two or three registered households per approved project, one benefit recorded.
        total = 0
        for project in projects:
            linked = await listed(platform, f"/api/v1/assistance/projects/{project['id']}/links", "county")
            assert 2 <= len(linked) <= 3 and {link["household_id"] for link in linked} <= set(households)
            total += len(linked)
        assert links.linked == total and links.benefits == 1, told

        # Evaluation: the province's round drawn, the city's assessment with the demo county scored.
        rounds = await listed(platform, "/api/v1/evaluation/evaluations", "province", division=COUNTY)
        assert len(rounds) == 1 and rounds[0]["drawn_at"] is not None
        sample = await listed(
            platform, f"/api/v1/evaluation/evaluations/{rounds[0]['id']}/sample", "province"
        )
        assert len(sample) == rounds[0]["sample_size"] == evaluation.sample > 0
        assessments = await listed(platform, "/api/v1/evaluation/assessments", "city", division=CITY)
        assert len(assessments) == 1 and COUNTY in assessments[0]["assessees"]
        results = await platform.call(
            "GET", f"/api/v1/evaluation/assessments/{assessments[0]['id']}/results", "city"
        )
        mine = next(row for row in results["assessees"] if row["division"] == COUNTY)
        assert mine["complete"] and mine["missing"] == [], mine
        assert "Funds" in told and "Project links" in told and "Evaluation" in told, told
        assert "completion evaluation(s) recorded" in told and "run the demo again after that" not in told, (
            told
        )

        # A second run with the same seed: everything found, nothing made.
        again, told_again = await asyncio.to_thread(run_parts, str(platform.client.base_url), keys)
        assert again.summary.funds is not None and again.summary.links is not None
        assert again.summary.evaluation is not None
        assert again.summary.funds.allocations_new == again.summary.funds.projects_new == 0, told_again
        assert again.summary.funds.payments_new == 0 and again.summary.funds.payments_kept == 4
        assert again.summary.funds.inspection == "kept"
        assert again.summary.links.linked == again.summary.links.benefits == 0, told_again
        assert not again.summary.evaluation.round_opened and not again.summary.evaluation.assessment_opened
        assert again.summary.evaluation.scored == 0
        assert len(await listed(platform, "/api/v1/funds/allocations", "county", division=COUNTY)) == 3
        assert len(await listed(platform, "/api/v1/funds/projects", "county", division=COUNTY)) == len(
            projects
        )
        findings_again = await listed(
            platform, "/api/v1/funds/supervision/findings", "county", division=COUNTY
        )
        assert len(findings_again) == 2
