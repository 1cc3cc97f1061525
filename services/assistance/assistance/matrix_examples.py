"""Request body examples for the OpenAPI documents (and so for the jurisdiction matrix and schemathesis,
see fupin_kit.openapi_scope): one valid body per write operation. A helper is assigned to a household the
registry created (the matrix's household fixture, which the assistance read model learns from its event);
while that household is still a candidate the assignment is refused 409 household-status, which the matrix
counts as an answer for callers inside the jurisdiction."""

from __future__ import annotations

from typing import Any

from fupin_kit import civil_time
from fupin_kit import openapi_scope as scope

# Dated the day the document is built, in China: a start may not be in the future, nor before the start of
# the helper or team it replaces (the same day is fine, so the example replaces its own earlier run).
TODAY = civil_time.china_today().isoformat()
HOUSEHOLD = "registry: POST /households"
HELPER: dict[str, Any] = {
    "name": "王五",
    "unit": "南明区农业农村局",
    "unit_tier": "county",
    "phone": "13812345678",
    "started_on": TODAY,
    "reason": "工作调整",
}
HELPER_END: dict[str, Any] = {"reason": "帮扶责任人调离"}
TEAM: dict[str, Any] = {
    "first_secretary": {"name": "赵六", "unit": "贵州省农业农村厅", "phone": "0851-86543210"},
    "members": [{"name": "钱七", "unit": "南明区财政局", "phone": "13987654321"}],
    "sent_by": "province",
    "started_on": TODAY,
    "reason": "轮换",
}
# A plan, measure or visit is the ledger of a registered household; the matrix's household is a candidate,
# so these are refused 409 household-status inside the jurisdiction, as the helper's are.
PLAN: dict[str, Any] = {"target_year": civil_time.china_today().year + 1, "summary": "发展养殖，务工增收"}
MEASURE: dict[str, Any] = {
    "type": "industry",
    "description": "扶持养牛3头",
    "scale": "3头",
    "amount": "6000.00",
    "deadline": TODAY,
}
PROGRESS: dict[str, Any] = {"status": "in_progress"}
SIGN_OFF: dict[str, Any] = {"signed_by": "张三", "signed_on": TODAY}
VISIT: dict[str, Any] = {
    "visited_on": TODAY,
    "visitor": "王五",
    "kind": "home",
    "notes": "了解生产生活情况",
}
# A loan needs a registered household and an active member as borrower (the household's head, whose id the
# matrix takes from the registry's answer): the household is registered by the measure's prepare step,
# made sure of through its fixture (registering twice would be refused), and the loan is for 50,000 yuan
# over 36 months, the limits.
LOAN: dict[str, Any] = {
    "borrower_member_id": "00000000-0000-4000-8000-000000000001",
    "borrower_birth_date": "1980-05-01",
    "bank": "农村信用社南明支行",
    "amount": "50000.00",
    "term_months": 36,
    "rate": "4.350",
    "purpose": "breeding",
    "disbursed_on": TODAY,
}
REPAYMENT: dict[str, Any] = {"paid_on": TODAY, "principal": "1000.00", "interest": "50.00"}
LOAN_STEP: dict[str, Any] = {}
# The measure the matrix moves and signs off needs a registered household: the county registers the
# matrix's household (a record of a decision taken outside the platform) before the measure is added.
REGISTER_HOUSEHOLD = scope.step(
    "registry: POST /households/{household_id}/status-commands",
    body={"action": "register", "reason": "县级审定"},
)
# The measure's object, whose prepare step registers the matrix's household: a loan needs it registered.
HOUSEHOLD_REGISTERED = scope.step("POST /households/{household_id}/measures", fixture=True)
# A link is to a project of funds' library (the matrix's project, proposed, so refused 409
# project-not-approved inside the jurisdiction) and a household.
PROJECT = "funds: POST /projects"
LINK: dict[str, Any] = {
    "mechanism": "wages",
    "expected_yearly": "3000.00",
    "started_on": TODAY,
    "note": "大棚务工",
}
LINK_END: dict[str, Any] = {"ended_on": TODAY, "reason": "务工合同到期"}
BENEFIT: dict[str, Any] = {"amount": "2800.00"}
