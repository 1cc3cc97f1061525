"""Request body examples for the OpenAPI documents (and so for the jurisdiction matrix and schemathesis,
see fupin_kit.openapi_scope): one valid body per write operation. The matrix puts its target division into
the proposal's `division`; a step's example is a township review with notes, which the township's officer
may take on a proposed project and every other caller is refused (403) or finds out of order (409).

A payment goes to a household the registry created (the matrix's fixture, fed to funds' read model through
its events); its amount is above its standard, so that it always raises a finding (above-standard) for the
resolution to act on."""

from __future__ import annotations

from typing import Any

PROJECT: dict[str, Any] = {
    "name": "纪念塔社区蔬菜大棚建设项目",
    "category": "industry",
    "nature": "new",
    "division": "520102016001",
    "year": 2024,
    "starts_on": "2024-03-01",
    "ends_on": "2024-10-31",
    "responsible_unit": "南明区农业农村局",
    "tasks": "新建蔬菜大棚20个，配套灌溉设施。",
    "budget": "1200000.00",
    "financing": [
        {"source": "central", "amount": "800000.00"},
        {"source": "integrated", "amount": "400000.00"},
    ],
    "beneficiaries": {"households": 45, "people": 160},
    "performance_target": [
        {"indicator": "新建蔬菜大棚数量", "target": "20个"},
        {"indicator": "带动脱贫户户均增收", "target": "≥2000元"},
    ],
    "pro_poor_mechanism": "大棚由村集体经营，优先吸纳脱贫户务工，收益的30%用于脱贫户分红。",
}
STEP: dict[str, Any] = {"notes": "材料齐全，同意上报"}
HOUSEHOLD = "registry: POST /households"
PAYMENT: dict[str, Any] = {
    "household_id": "7d4f7a52-1111-4c5e-9d7b-0a1b2c3d4e5f",
    "benefit": "industry_subsidy",
    "period": "2026",
    "amount": "1200.00",
    "standard": "1000.00",
    "paid_on": "2026-03-15",
}
RESOLVE: dict[str, Any] = {"resolution": "recovered", "note": "已追回超标准部分200元"}
# An allocation of the matrix's county's own funds: its officer records it to itself (the lowest caller the
# route does not refuse), a tier above allocates the same to it.
ALLOCATION: dict[str, Any] = {
    "division": "520102000000",
    "year": 2026,
    "source": "county",
    "amount": "500000.00",
    "document_number": "南财农〔2026〕12号",
    "categories": ["industry", "infrastructure"],
    "deadline": "2027-12-31",
}
# A joint inspection of the matrix's county; an item names a project no county has (the matrix creates
# none for it), which the inspection's owners are refused with 422 and everyone else with 404.
INSPECTION: dict[str, Any] = {
    "division": "520102000000",
    "year": 2026,
    "departments": ["discipline", "poverty_alleviation", "finance"],
    "leader_unit": "南明区纪委监委",
    "starts_on": "2026-05-10",
    "ends_on": "2026-05-20",
}
INSPECTION_ITEM: dict[str, Any] = {
    "project_id": "7d4f7a52-2222-4c5e-9d7b-0a1b2c3d4e5f",
    "checklist": [
        {"point": "disclosure", "passed": True},
        {"point": "quality", "passed": False, "note": "大棚钢架锈蚀，需整改"},
    ],
}
INSPECTION_CLOSE: dict[str, Any] = {"conclusion": "项目总体规范，工程质量问题限期整改。"}
# The example project's two indicators; it is never accepted in the matrix, so the owners get 409.
COMPLETION_EVALUATION: dict[str, Any] = {
    "indicators": [
        {"indicator": "新建蔬菜大棚数量", "actual": "20个", "met": True},
        {"indicator": "带动脱贫户户均增收", "actual": "2300元", "met": True},
    ]
}
