"""Request body examples and prerequisite steps for the OpenAPI documents (and so for the jurisdiction
matrix and schemathesis, see fupin_kit.openapi_scope): one valid body per write operation, and the steps
that bring a case to where a notice, an objection, a batch or a comparison hit can exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_kit import openapi_scope as scope
from identification import clock

SOME_ID = "00000000-0000-4000-8000-000000000001"
# An application names the current round (never a past year), and the quotas and exits beside it follow.
YEAR = clock.civil_year(dt.datetime.now(dt.UTC))
# Steps are dated the day the document is built, in China: no step may be dated before its case opened.
TODAY = dt.datetime.now(dt.UTC).astimezone(clock.CHINA).date().isoformat()
QUOTA: dict[str, Any] = {"division": "520102016001", "year": YEAR, "amount": 10, "reason": "年度名额"}
CASE: dict[str, Any] = {
    "household_id": SOME_ID,
    "year": YEAR,
    "authorisation": {"signed": True, "signed_by": "张三", "signed_on": TODAY},
}
ACTION: dict[str, Any] = {
    "reason": "入户核实",
    "finding": {"visited_on": TODAY, "summary": "收入低于标准"},
}
VILLAGE_REVIEW: dict[str, Any] = {
    "meeting_on": TODAY,
    "representatives": 30,
    "present": 25,
    "votes_for": 22,
    "votes_against": 2,
    "abstentions": 1,
}
CATEGORY: dict[str, Any] = {"categories": ["industry"], "reason": "村级评议认定"}
NOTICE: dict[str, Any] = {"division": "520102016001", "kind": "first"}
OBJECTION: dict[str, Any] = {"case_id": SOME_ID, "text": "该户家中有营业执照", "contact": "匿名"}
RESOLUTION: dict[str, Any] = {"outcome": "dismissed", "reason": "经核实不属实"}
BATCH: dict[str, Any] = {"action": "township_review", "division": "520102016001"}
DECISION: dict[str, Any] = {"findings": [{"case_id": SOME_ID, "passed": True, "note": "抽查属实"}]}
WITHDRAWAL: dict[str, Any] = {"reason": "抽查对象外出务工，无法入户核查，重新抽取"}
PUSH: dict[str, Any] = {
    "kind": "business_licence",
    "department": "县市场监管局",
    "entries": [{"resident_id": "520102198001010013", "detail": "个体工商户营业执照"}],
}
HIT_RESOLUTION: dict[str, Any] = {"outcome": "cleared", "reason": "已核实，不影响认定"}
EXIT: dict[str, Any] = {
    "household_id": SOME_ID,
    "year": YEAR,
    "assurances": {
        "food": True,
        "clothing": True,
        "compulsory_education": True,
        "basic_medical": True,
        "safe_housing": True,
        "safe_water": True,
    },
    "finding": VILLAGE_REVIEW,
}
MONITORING: dict[str, Any] = {
    "household_id": SOME_ID,
    "year": YEAR,
    "monitored_type": "marginal",
    "discovery": "cadre_visit",
    "detail": "因病支出骤增",
}

CASE_ACTION = "POST /cases/{case_id}/actions/{action}"
# A notice lists the village's cases that passed the village review, which needs the village's quota
# (and so quotas on every level above it); the verification needs the household's income of the year, at
# or below the poverty line (the identification test).
POOR_INCOME = {"wage": "2000.00", "business": "0", "transfer": "0", "property": "0", "production_costs": "0"}
READY_FOR_NOTICE = [
    scope.step("PUT /quotas", fixture=True),
    scope.step(
        "registry: PUT /households/{household_id}/incomes/{year}", path={"year": YEAR}, body=POOR_INCOME
    ),
    scope.step(CASE_ACTION, path={"action": "verify"}),
    scope.step(CASE_ACTION, path={"action": "village_review"}, body={"finding": VILLAGE_REVIEW}),
]
# A township review batch takes the cases of a closed first notice: the objection to it is settled, the
# notice's days pass on the test clock and the notice timer closes it.
READY_FOR_BATCH = [
    scope.step("POST /notices", fixture=True),
    scope.step("POST /public/notices/{notice_id}/objections", fixture=True),
    scope.step("POST /objections/{ticket_id}/resolve"),
    scope.step("POST /admin/clock", body={"advance_s": 8 * 86400}),
    scope.step("POST /notices/tick"),
]
# A comparison hit is a department's list matching a member of an open case.
HIT_FOUND = [scope.step("POST /cases", fixture=True), scope.step("POST /comparisons/pushes")]
# Quotas are set top-down, each by the tier above its division.
QUOTA_CHAIN = [
    scope.step("PUT /quotas", target=code)
    for code in ("520000000000", "520100000000", "520102000000", "520102016000")
]

# Poor villages and counties (贫困村/贫困县) and their exits. Only a division the registry's events have named
# can be designated: a household created in the village names it (and the divisions above it).
DESIGNATION: dict[str, Any] = {"division": "520102016001", "designated_year": 2014, "basis": "建档立卡贫困村"}
VILLAGE_NAMED = [scope.step("registry: POST /households", fixture=True)]
DIVISION_EXIT: dict[str, Any] = {"division": "520102016001", "year": YEAR, "summary": "贫困发生率降至2%以下"}
DIVISION_EXIT_STEP: dict[str, Any] = {"reason": "材料齐全，同意"}
# A village exit is proposed for a designated village whose poverty incidence, over the rural population
# its county entered, is below the threshold.
READY_FOR_DIVISION_EXIT = [
    scope.step("POST /poor-divisions", fixture=True),
    scope.step(
        "PUT /region-settings/{division}/{key}",
        target="520102016001",
        path={"key": "rural_population"},
        body={"value": "100000"},
    ),
]
