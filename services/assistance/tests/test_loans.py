"""Micro-credit (扶贫小额信贷): the borrower, amount, term, purpose and household rules, one outstanding loan,
the lifecycle's table, repayments to zero, overdue and compensation, the county's interest subsidy per
quarter, masking above the county, events, lists and idempotent retries."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import httpx
import pytest

from assistance.codes import LoanStatus
from assistance.loans import workflow
from fupin_contracts import assistance as contracts
from fupin_contracts import registry as registry_contracts
from fupin_kit import civil_time
from fupin_kit.envelope import new_event

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
TODAY = civil_time.china_today()
# A loan day in the past: ages are counted on it.
LOAN_DAY = dt.date(2025, 3, 15)


def loan_body(member: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body = {
        "borrower_member_id": str(member),
        "borrower_birth_date": "1980-05-01",
        "bank": "农村信用社南明支行",
        "amount": "30000.00",
        "term_months": 36,
        "rate": "4.350",
        "purpose": "breeding",
        "disbursed_on": LOAN_DAY.isoformat(),
    }
    return {**body, **overrides}


async def head_of(harness: Harness, household: uuid.UUID) -> uuid.UUID:
    [(member,)] = await harness.sql("SELECT member_id FROM rm_members WHERE household_id = :h", h=household)
    return uuid.UUID(str(member))


async def borrowing(harness: Harness, status: str = "registered") -> tuple[uuid.UUID, uuid.UUID]:
    household = await harness.household(status=status)
    return household, await head_of(harness, household)


async def record(
    harness: Harness,
    household: uuid.UUID,
    member: uuid.UUID,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/households/{household}/loans",
        json=loan_body(member, **overrides),
        headers=headers or harness.township(),
    )
    return response


async def repay(
    harness: Harness, loan: str, principal: str, interest: str = "0.00", paid_on: dt.date = TODAY, **kw: Any
) -> httpx.Response:
    body = {"paid_on": paid_on.isoformat(), "principal": principal, "interest": interest}
    response: httpx.Response = await harness.client.post(
        f"/loans/{loan}/repayments", json=body, headers=kw.get("headers") or harness.township()
    )
    return response


async def step(
    harness: Harness, loan: str, name: str, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/loans/{loan}/steps/{name}", json=body, headers=headers or harness.county()
    )
    return response


@pytest.mark.parametrize(("current", "target"), list(itertools.product(LoanStatus, LoanStatus)))
def test_the_lifecycle_table(current: LoanStatus, target: LoanStatus) -> None:
    allowed = {
        ("disbursed", "repaying"),
        ("disbursed", "repaid"),
        ("disbursed", "overdue"),
        ("repaying", "repaying"),
        ("repaying", "repaid"),
        ("repaying", "overdue"),
        ("overdue", "overdue"),
        ("overdue", "repaid"),
        ("overdue", "compensated"),
    }
    assert workflow.may_move(current, target) == ((current.value, target.value) in allowed)


def test_due_dates_and_ages() -> None:
    assert workflow.due_on(dt.date(2025, 3, 15), 36) == dt.date(2028, 3, 15)
    assert workflow.due_on(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert workflow.due_on(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)
    assert workflow.age_on(dt.date(2007, 3, 15), LOAN_DAY) == 18
    assert workflow.age_on(dt.date(2007, 3, 16), LOAN_DAY) == 17
    assert workflow.age_on(dt.date(2004, 2, 29), dt.date(2022, 2, 28)) == 17
    assert workflow.age_on(dt.date(2004, 2, 29), dt.date(2022, 3, 1)) == 18
    assert workflow.quarter_of(dt.date(2026, 7, 1)) == "2026Q3"


async def test_the_read_model_keeps_members_and_their_status(harness: Harness) -> None:
    household, head = await borrowing(harness)
    child = registry_contracts.MemberSummaryV1(
        member_id=uuid.uuid4(), name="张小", sex="female", id_kind="resident_id",
        resident_id_masked="520102********0024", relation="daughter", health="healthy",
        labour_capacity="ordinary", status="active",
    )  # fmt: skip
    added = registry_contracts.MemberAddedV1(
        household_id=household, division=harness.VILLAGE, change="move_in", effective_on=TODAY,
        reason="迁入", member=child, member_count=2,
    )  # fmt: skip
    await harness.deliver(
        new_event(service="registry", type=registry_contracts.MEMBER_ADDED, aggregate="household",
                  aggregate_id=str(household), division=harness.VILLAGE, data=added.model_dump(mode="json"))
    )  # fmt: skip
    left = registry_contracts.MemberLeftV1(
        household_id=household, division=harness.VILLAGE, change="death", effective_on=TODAY, reason="病故",
        member=child.model_copy(update={"status": "deceased"}), member_count=1,
    )  # fmt: skip
    rows = await harness.sql(
        "SELECT name, status FROM rm_members WHERE household_id = :h ORDER BY name", h=household
    )
    assert [tuple(row) for row in rows] == [("张三丰", "active"), ("张小", "active")]
    await harness.deliver(
        new_event(service="registry", type=registry_contracts.MEMBER_DECEASED, aggregate="household",
                  aggregate_id=str(household), division=harness.VILLAGE, data=left.model_dump(mode="json"))
    )  # fmt: skip
    refused = await record(harness, household, child.member_id)
    assert refused.status_code == 422 and refused.json()["code"] == "borrower-not-member"
    stranger = await record(harness, household, uuid.uuid4())
    assert stranger.status_code == 422 and stranger.json()["code"] == "borrower-not-member"
    assert (await record(harness, household, head)).status_code == 201


async def test_a_loan_is_recorded_disbursed_with_its_due_date_and_event(harness: Harness) -> None:
    household, head = await borrowing(harness)
    recorded = await record(harness, household, head)
    assert recorded.status_code == 201, recorded.text
    loan = recorded.json()
    assert loan["status"] == "disbursed" and loan["balance"] == "30000.00" and loan["due_on"] == "2028-03-15"
    assert loan["interest_subsidy"] is True and loan["borrower_name"] == "张三丰"
    listed = (await harness.client.get(f"/households/{household}/loans", headers=harness.village())).json()
    assert [item["id"] for item in listed] == [loan["id"]]
    [(event_type, data)] = await harness.outbox()
    assert event_type == contracts.LOAN_DISBURSED
    assert data["name"] == "张三丰" and data["amount"] == "30000.00" and data["purpose"] == "breeding"
    assert "1980" not in str(data)


@pytest.mark.parametrize(
    ("born", "accepted"),
    [
        ("2007-03-15", True),
        ("2007-03-16", False),
        ("1960-03-15", True),
        ("1959-03-16", True),
        ("1959-03-15", False),
    ],
    ids=["18-that-day", "a-day-short-of-18", "65-that-day", "a-day-short-of-66", "66-that-day"],
)
async def test_the_borrower_is_aged_18_to_65_on_the_loan_date(
    harness: Harness, born: str, accepted: bool
) -> None:
    household, head = await borrowing(harness)
    response = await record(harness, household, head, borrower_birth_date=born)
    if accepted:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422 and response.json()["code"] == "borrower-age", response.text


async def test_amount_term_purpose_and_day_rules(harness: Harness) -> None:
    household, head = await borrowing(harness)
    above = await record(harness, household, head, amount="50000.01")
    assert above.status_code == 422 and above.json()["code"] == "amount-above-limit"
    long = await record(harness, household, head, term_months=37)
    assert long.status_code == 422 and long.json()["code"] == "term-too-long"
    consumption = await record(harness, household, head, purpose="consumption")
    assert consumption.status_code == 422
    for code in ("planting", "breeding", "processing", "commerce", "tourism", "other_production"):
        assert code in consumption.text
    future = await record(harness, household, head, disbursed_on=(TODAY + dt.timedelta(days=1)).isoformat())
    assert future.status_code == 422 and future.json()["code"] == "future-date"
    for bad in ({"amount": "0"}, {"rate": "0"}, {"term_months": 0}, {"bank": "x"}):
        assert (await record(harness, household, head, **bad)).status_code == 422, bad
    assert await harness.sql("SELECT count(*) FROM loans") == [(0,)]
    limit = await record(harness, household, head, amount="50000.00", term_months=36)
    assert limit.status_code == 201, limit.text


async def test_one_outstanding_loan_and_household_status(harness: Harness) -> None:
    household, head = await borrowing(harness)
    first = (await record(harness, household, head)).json()
    second = await record(harness, household, head)
    assert second.status_code == 409 and second.json()["code"] == "loan-outstanding"
    assert (await repay(harness, first["id"], "30000.00")).json()["status"] == "repaid"
    assert (await record(harness, household, head)).status_code == 201
    returned, member = await borrowing(harness, "returned")
    assert (await record(harness, returned, member)).status_code == 201
    for status in ("candidate", "monitored", "exited"):
        other, member = await borrowing(harness, status)
        refused = await record(harness, other, member)
        assert refused.status_code == 409 and refused.json()["code"] == "household-status", status


async def test_repayments_bring_the_balance_to_zero_and_the_county_subsidy_per_quarter(
    harness: Harness,
) -> None:
    household, head = await borrowing(harness)
    loan = (await record(harness, household, head, amount="10000.00")).json()["id"]
    first = await repay(harness, loan, "4000.00", "100.00", paid_on=dt.date(2025, 6, 20))
    assert (
        first.status_code == 200
        and first.json()["status"] == "repaying"
        and first.json()["balance"] == "6000.00"
    )
    too_much = await repay(harness, loan, "6000.01")
    assert too_much.status_code == 422 and too_much.json()["code"] == "amount-above-balance"
    early = await repay(harness, loan, "1.00", paid_on=LOAN_DAY - dt.timedelta(days=1))
    assert early.status_code == 422
    nothing = await repay(harness, loan, "0.00", "0.00")
    assert nothing.status_code == 422, nothing.text
    await repay(harness, loan, "1000.00", "60.00", paid_on=dt.date(2025, 6, 30))
    last = await repay(harness, loan, "5000.00", "40.50", paid_on=dt.date(2025, 7, 1))
    shown = last.json()
    assert shown["status"] == "repaid" and shown["balance"] == "0.00"
    assert shown["interest_paid"] == "200.50" and shown["interest_subsidised"] == "200.50"
    assert shown["subsidy_by_quarter"] == [
        {"quarter": "2025Q2", "interest": "160.00"},
        {"quarter": "2025Q3", "interest": "40.50"},
    ]
    assert [item["balance_after"] for item in shown["repayments"]] == ["6000.00", "5000.00", "0.00"]
    after = await repay(harness, loan, "0.00", "1.00")
    assert after.status_code == 409 and after.json()["code"] == "invalid-transition"
    staged = [(t, d) for t, d in await harness.outbox() if t != contracts.LOAN_DISBURSED]
    assert [t for t, _ in staged] == [contracts.LOAN_REPAID] * 3 + [contracts.LOAN_STATUS_CHANGED]
    assert staged[-1][1]["from_status"] == "repaying" and staged[-1][1]["to_status"] == "repaid"
    assert (await harness.client.get(f"/loans/{loan}", headers=harness.city())).json()[
        "interest_paid"
    ] == "200.50"


async def test_an_unsubsidised_loan_subsidises_nothing(harness: Harness) -> None:
    household, head = await borrowing(harness)
    loan = (await record(harness, household, head, interest_subsidy=False)).json()["id"]
    shown = (await repay(harness, loan, "100.00", "20.00")).json()
    assert shown["interest_subsidised"] == "0.00" and shown["subsidy_by_quarter"] == []


async def test_overdue_then_compensated_or_repaid(harness: Harness) -> None:
    household, head = await borrowing(harness)
    fresh = (await record(harness, household, head)).json()["id"]
    not_due = await step(harness, fresh, "mark_overdue")
    assert not_due.status_code == 409 and not_due.json()["code"] == "loan-not-due"
    early = await step(harness, fresh, "compensate", amount="100.00", reason="借款人无力偿还")
    assert early.status_code == 409 and early.json()["code"] == "invalid-transition"
    await repay(harness, fresh, "30000.00")
    other, member = await borrowing(harness)
    old = (await record(harness, other, member, disbursed_on="2023-01-10", term_months=12)).json()["id"]
    assert (await step(harness, old, "mark_overdue", harness.township())).status_code == 403
    overdue = await step(harness, old, "mark_overdue")
    assert overdue.status_code == 200 and overdue.json()["status"] == "overdue"
    again = await step(harness, old, "mark_overdue")
    assert again.status_code == 409 and again.json()["code"] == "invalid-transition"
    partly = await repay(harness, old, "1000.00", "10.00")
    assert partly.json()["status"] == "overdue" and partly.json()["balance"] == "29000.00"
    missing = await step(harness, old, "compensate", reason="借款人无力偿还")
    assert missing.status_code == 422 and missing.json()["code"] == "compensation-required"
    unreasoned = await step(harness, old, "compensate", amount="100.00")
    assert unreasoned.status_code == 422
    above = await step(harness, old, "compensate", amount="29000.01", reason="借款人无力偿还")
    assert above.status_code == 422 and above.json()["code"] == "amount-above-balance"
    paid = await step(
        harness, old, "compensate", amount="29000.00", reason="借款人因病无力偿还，联系13912345678"
    )
    assert paid.status_code == 200 and paid.json()["status"] == "compensated"
    assert "13912345678" in paid.json()["compensation_reason"]
    above = (await harness.client.get(f"/loans/{old}", headers=harness.city())).json()
    assert above["compensation_reason"] is not None and "13912345678" not in above["compensation_reason"]
    assert paid.json()["compensated_amount"] == "29000.00"
    final = await repay(harness, old, "1.00")
    assert final.status_code == 409 and final.json()["code"] == "invalid-transition"
    changes = [
        d for t, d in await harness.outbox() if t == contracts.LOAN_STATUS_CHANGED and d["loan_id"] == old
    ]
    assert [(d["from_status"], d["to_status"]) for d in changes] == [
        ("disbursed", "overdue"),
        ("overdue", "compensated"),
    ]
    assert changes[-1]["compensated_amount"] == "29000.00" and "13912345678" not in changes[-1]["reason"]
    third, member = await borrowing(harness)
    late = (await record(harness, third, member, disbursed_on="2023-01-10", term_months=12)).json()["id"]
    await step(harness, late, "mark_overdue")
    assert (await repay(harness, late, "30000.00")).json()["status"] == "repaid"


async def test_writers_jurisdiction_and_masking_above_the_county(harness: Harness) -> None:
    household, head = await borrowing(harness)
    for headers in (harness.village(), harness.city(), harness.auth("county", harness.COUNTY, "viewer")):
        assert (await record(harness, household, head, headers)).status_code == 403
    neighbour = harness.township("520102017000")
    assert (await record(harness, household, head, neighbour)).status_code == 404
    loan = (await record(harness, household, head, harness.county())).json()["id"]
    assert (await repay(harness, loan, "1.00", headers=harness.village())).status_code == 403
    assert (await harness.client.get(f"/loans/{loan}", headers=neighbour)).status_code == 404
    for headers in (harness.city(), harness.auth("province", harness.PROVINCE, "viewer")):
        shown = (await harness.client.get(f"/loans/{loan}", headers=headers)).json()
        assert shown["borrower_name"] == "张**" and shown["borrower_birth_date"] is None
        listed = (await harness.client.get("/loans", headers=headers)).json()
        assert "张三丰" not in str(listed) and "1980" not in str(listed)
    county = (await harness.client.get(f"/loans/{loan}", headers=harness.county())).json()
    assert county["borrower_name"] == "张三丰" and county["borrower_birth_date"] == "1980-05-01"


async def test_the_list_filters_and_pages(harness: Harness) -> None:
    ids: list[str] = []
    for village in (harness.VILLAGE, harness.VILLAGE, harness.OTHER_VILLAGE):
        household = await harness.household(division=village)
        member = await head_of(harness, household)
        term = 12 if len(ids) == 0 else 36
        ids.append((await record(harness, household, member, term_months=term)).json()["id"])
    await repay(harness, ids[1], "30000.00")
    everything = (await harness.client.get("/loans", headers=harness.county())).json()
    assert sorted(item["id"] for item in everything) == sorted(ids)
    repaid = (
        await harness.client.get("/loans", params={"status": "repaid"}, headers=harness.county())
    ).json()
    assert [item["id"] for item in repaid] == [ids[1]]
    due = await harness.client.get("/loans", params={"due_before": "2027-01-01"}, headers=harness.county())
    assert [item["id"] for item in due.json()] == [ids[0]]
    village = await harness.client.get(
        "/loans", params={"division": harness.OTHER_VILLAGE}, headers=harness.county()
    )
    assert [item["id"] for item in village.json()] == [ids[2]]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1, **({"after": cursor} if cursor else {})}
        page = await harness.client.get("/loans", params=params, headers=harness.township())
        seen += [item["id"] for item in page.json()]
        cursor = page.headers.get("Next-Cursor")
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    outside = await harness.client.get(
        "/loans", params={"division": "520103000000"}, headers=harness.county()
    )
    assert outside.status_code == 404


async def test_a_retried_command_is_answered_once(harness: Harness) -> None:
    household, head = await borrowing(harness)
    headers = {**harness.township(), "Idempotency-Key": "loan-1"}
    url = f"/households/{household}/loans"
    first = await harness.client.post(url, json=loan_body(head), headers=headers)
    retry = await harness.client.post(url, json=loan_body(head), headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json() == first.json()
    headers = {**harness.township(), "Idempotency-Key": "repay-1"}
    path = f"/loans/{first.json()['id']}/repayments"
    body = {"paid_on": TODAY.isoformat(), "principal": "100.00", "interest": "1.00"}
    paid = await harness.client.post(path, json=body, headers=headers)
    again = await harness.client.post(path, json=body, headers=headers)
    assert paid.status_code == again.status_code == 200 and again.json() == paid.json()
    assert await harness.sql("SELECT count(*) FROM loan_repayments") == [(1,)]
    assert len(await harness.outbox()) == 2


async def test_the_code_lists_name_the_purposes(harness: Harness) -> None:
    lists = (await harness.client.get("/code-lists")).json()
    assert [item["code"] for item in lists["loan_purpose"]] == [
        "planting", "breeding", "processing", "commerce", "tourism", "other_production"
    ]  # fmt: skip
    assert {"code": "compensated", "label": "风险补偿代偿"} in lists["loan_status"]
