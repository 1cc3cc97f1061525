"""Request body examples for the OpenAPI documents (and so for the jurisdiction matrix and schemathesis,
see fupin_kit.openapi_scope): one valid body per write operation. A helper is assigned to a household the
registry created (the matrix's household fixture, which the assistance read model learns from its event);
while that household is still a candidate the assignment is refused 409 household-status, which the matrix
counts as an answer for callers inside the jurisdiction."""

from __future__ import annotations

from typing import Any

from fupin_kit import civil_time

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
