"""Identification's code lists (QA7 domain-conformance F5): the support categories, monitored types,
discovery channels and department list kinds are published with stable codes and Chinese labels
(GET /code-lists, as the registry's GET /households/code-lists), stated as enums in the OpenAPI document,
and a body naming anything else is refused with the allowed codes and their labels. Requests carry codes
only, as the registry's do: a label is not a code."""

from __future__ import annotations

import uuid
import warnings
from typing import Any

from identification.cases.schemas import CategoryIn

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any

SUPPORT_CATEGORY = {
    "guarantee": "兜底保障",
    "industry": "产业扶持",
    "rehabilitation": "康复扶持",
    "employment": "就业培训",
    "finance": "金融扶持",
    "relocation": "易地搬迁",
}
MONITORED_TYPE = {
    "unstable_exited": "脱贫不稳定户",
    "marginal": "边缘易致贫户",
    "sudden_hardship": "突发严重困难户",
}
DISCOVERY = {"self_report", "cadre_visit", "department_push", "platform_analysis", "public_report"}
LIST_KIND = {
    "private_vehicle",
    "commercial_housing",
    "government_payroll",
    "business_licence",
    "medical_self_paid",
    "education_fees",
    "disaster",
}


def _messages(response: Any) -> str:
    return " ".join(error["msg"] for error in response.json().get("errors", []))


async def test_code_lists_name_every_code_with_its_label(harness: Harness) -> None:
    # Public, like the registry's: the console reads it before anyone signs in.
    response = await harness.client.get("/code-lists")
    assert response.status_code == 200, response.text
    lists: dict[str, list[dict[str, str]]] = response.json()
    as_dict = {name: {item["code"]: item["label"] for item in items} for name, items in lists.items()}
    assert as_dict["support_category"] == SUPPORT_CATEGORY
    assert as_dict["monitored_type"] == MONITORED_TYPE
    assert set(as_dict["discovery"]) == DISCOVERY
    assert set(as_dict["list_kind"]) == LIST_KIND
    for name, items in lists.items():
        labels = [item["label"] for item in items]
        assert all(label.strip() and not label.isascii() for label in labels), (name, labels)
        assert len(set(labels)) == len(labels), (name, labels)


async def test_an_unknown_category_is_refused_naming_the_allowed_codes(harness: Harness) -> None:
    case = uuid.uuid4()
    for wrong in ("charity", "兜底保障"):
        response = await harness.client.post(
            f"/cases/{case}/category",
            json={"categories": ["industry", wrong], "reason": "村级评议认定"},
            headers=harness.village(),
        )
        assert response.status_code == 422, response.text
        message = _messages(response)
        assert wrong in message, message
        for code, label in SUPPORT_CATEGORY.items():
            assert f"{code} ({label})" in message, message


async def test_unknown_monitoring_and_list_kinds_name_the_allowed_codes(harness: Harness) -> None:
    body = {"household_id": str(uuid.uuid4()), "year": await harness.year()}
    monitoring = await harness.client.post(
        "/monitoring",
        json={**body, "monitored_type": "poor", "discovery": "rumour"},
        headers=harness.village(),
    )
    assert monitoring.status_code == 422, monitoring.text
    message = _messages(monitoring)
    for code, label in MONITORED_TYPE.items():
        assert f"{code} ({label})" in message, message
    assert "self_report (" in message and "public_report (" in message, message
    department = harness.auth(
        "province", "520000000000", "department", kind="client", scope="comparisons:push"
    )
    push = await harness.client.post(
        "/comparisons/pushes",
        json={
            "kind": "lottery_win",
            "department": "部门",
            "entries": [{"resident_id": harness.resident_id()}],
        },
        headers=department,
    )
    assert push.status_code == 422, push.text
    assert "private_vehicle (" in _messages(push) and "disaster (" in _messages(push), push.text


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


async def test_the_openapi_document_states_the_enums(harness: Harness) -> None:
    document = (await harness.client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    categories = schemas["CategoryIn"]["properties"]["categories"]
    assert categories["type"] == "array"
    assert _resolve(document, categories["items"])["enum"] == list(SUPPORT_CATEGORY)
    monitoring = schemas["MonitoringIn"]["properties"]
    assert _resolve(document, monitoring["monitored_type"])["enum"] == list(MONITORED_TYPE)
    assert set(_resolve(document, monitoring["discovery"])["enum"]) == DISCOVERY
    assert set(_resolve(document, schemas["PushIn"]["properties"]["kind"])["enum"]) == LIST_KIND
    operation = document["paths"]["/code-lists"]["get"]
    assert operation["responses"]["200"]


def test_a_confirmed_category_serialises_as_its_plain_code() -> None:
    # The body is dumped for its idempotency fingerprint: the codes it holds are plain strings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = CategoryIn(categories=["industry", "finance"], reason="村级评议认定")
        assert body.model_dump(mode="json")["categories"] == ["industry", "finance"]
        assert body.model_dump()["categories"] == ["industry", "finance"]
