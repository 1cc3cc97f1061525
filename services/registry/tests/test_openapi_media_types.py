"""The OpenAPI document states what each route takes and answers: the import report as JSON or, with
?format=csv, CSV; the exports as PDF, XLSX or CSV. Before, the report declared only JSON with an empty
schema and the exports no content at all, so a client generated from the document (and schemathesis) took
the CSV for an undocumented answer (QA7 quality-security F2)."""

from __future__ import annotations

import re
from typing import Any

from registry.main import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ok(document: dict[str, Any], path: str) -> dict[str, Any]:
    content: dict[str, Any] = document["paths"][path]["get"]["responses"]["200"]["content"]
    return content


def test_file_routes_declare_their_media_types() -> None:
    document = create_app().openapi()
    report = _ok(document, "/imports/{import_id}/report")
    assert report["application/json"]["schema"] == {"$ref": "#/components/schemas/ReportPage"}
    assert "text/csv" in report
    assert "ReportPage" in document["components"]["schemas"]
    expected = {
        "/exports/households/{household_id}/card.pdf": "application/pdf",
        "/exports/villages/{code}/register.xlsx": XLSX,
        "/exports/townships/{code}/book.xlsx": XLSX,
        "/exports/counties/{code}/archive.xlsx": XLSX,
        "/exports/counties/{code}/archive.csv": "text/csv",
    }
    for path, media_type in expected.items():
        assert list(_ok(document, path)) == [media_type], (path, _ok(document, path))


def test_income_bounds_state_the_strings_they_take() -> None:
    """`income_min` / `income_max` were documented as a number or any string; `abc` and the empty string
    answered 422, so schemathesis's schema-valid requests were refused (QA7 dept-client DC-6)."""
    document = create_app().openapi()
    parameters = document["paths"]["/households"]["get"]["parameters"]
    for name in ("income_min", "income_max"):
        (schema,) = [parameter["schema"] for parameter in parameters if parameter["name"] == name]
        (text_form,) = [branch for branch in schema["anyOf"] if branch.get("type") == "string"]
        pattern = re.compile(text_form["pattern"])
        assert all(pattern.match(value) for value in ("4000", "-12.50", "0.5", ".5", "99999999999.99"))
        assert not any(pattern.match(value) for value in ("", "abc", "1e3", "12.5.1", "999999999999999"))
