"""Request body examples for the OpenAPI documents (and so for the jurisdiction matrix and schemathesis,
see fupin_kit.openapi_scope): one valid body per write operation.

The matrix's evaluation is of its county (南明区), drawn over the evaluation read model, which has learnt the
matrix's registry household (a candidate) from the registry's events; its finding is recorded on the first
household of the draw's answer and says the household is not satisfied, whatever its status, so that the
close fails the approval threshold and opens a rectification task for the task's operations to act on."""

from __future__ import annotations

from typing import Any

from fupin_kit import openapi_scope as scope

OPEN = "POST /evaluations"
DRAW = "POST /evaluations/{evaluation_id}/draw"
FINDING = "POST /evaluations/{evaluation_id}/findings"
CLOSE = "POST /evaluations/{evaluation_id}/close"
EVALUATION: dict[str, Any] = {
    "county": "520102000000",
    "year": 2024,
    "evaluator": "某某大学第三方评估中心",
    "design": {
        "townships_per_county": 2,
        "villages_per_township": 2,
        "households_per_village": 10,
        "seed": 42,
    },
}
FINDING_BODY: dict[str, Any] = {
    "household_id": "00000000-0000-4000-8000-000000000000",
    "wrongly_exited": False,
    "missed": False,
    "people_affected": 0,
    "satisfied": False,
    "note": "对帮扶措施不满意",
}
CORRECTION: dict[str, Any] = {
    "wrongly_exited": False,
    "missed": False,
    "people_affected": 0,
    "satisfied": True,
    "reason": "复核后更正",
}
# The matrix records one finding, and its sample may hold more households: its close says why it is partial.
CLOSE_BODY: dict[str, Any] = {"rectification_days": 45, "partial_reason": "其余样本户外出务工，三次上门未遇"}
STEP: dict[str, Any] = {"note": "已完成入户核查并补充帮扶措施"}
# Later than the matrix task's deadline (45 days after its close) while the matrix runs near its writing;
# later on it is refused 422 deadline-out-of-range, which the matrix takes as an answer from within.
DEADLINE: dict[str, Any] = {"deadline": "2027-03-01", "reason": "涉及跨年度项目，延长整改期限"}
# The matrix's assessment is its county's (南明区) of a township of its own that is no matrix caller
# (520102018000): the matrix checks the tree's jurisdiction (the county and the tiers above read it, every
# other caller gets 404), which an assessee's own reading would blur; tests/ cover that reading.
OPEN_ASSESSMENT = "POST /assessments"
ASSESSMENT: dict[str, Any] = {"year": 2024, "assessee_level": "township", "assessees": ["520102018000"]}
SCORE: dict[str, Any] = {
    "scores": {
        "poverty_reduction": 90,
        "identification_accuracy": 85.5,
        "assistance_satisfaction": 88,
        "funds": 92,
    },
    "note": "日常监管记录完整",
}
FROM_ROUND: dict[str, Any] = {"evaluation_id": "00000000-0000-4000-8000-000000000000"}
VETO: dict[str, Any] = {"vetoed": True, "reason": "发生重大责任事故"}
# The draw reads the matrix's registry household from the read model: make sure it exists first.
REGISTRY_HOUSEHOLD = scope.step("registry: POST /households", fixture=True)
