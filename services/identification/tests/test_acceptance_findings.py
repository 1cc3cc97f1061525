"""Rules the acceptance test of 2026-11-27 found broken, on real PostgreSQL through the real app: the
application year and the registration year an exit is checked against, exclusion lists on exit cases,
who may reject at a step, blank and repeated objections, duplicate comparison hits, replaying a notice
tick, the notice documents' dates and titles, support-category confirmation, and what the officer
resolving an objection sees."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pypdf import PdfReader

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The procedure's dates are today in China: no step is dated before its case was opened.

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
DAY = 86_400
ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)


async def _registered_by_the_registry(harness: Harness, household_id: uuid.UUID) -> None:
    """The registry's `registered` status event, published now and consumed by the read model."""
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=household_id,
        division=VILLAGE,
        version=2,
        from_status="candidate",
        to_status="registered",
        reason="县级公告",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.HOUSEHOLD_REGISTERED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_status_changed(session, event)


async def _propose_exit(harness: Harness, household_id: uuid.UUID, year: int) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        "/exits",
        json={
            "household_id": str(household_id),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    return response


# ---- 1: no backdated application; the exit compares with the year the household was registered --------


async def test_an_application_names_a_past_current_or_next_round_never_a_later_one(harness: Harness) -> None:
    year = await harness.year()
    household = await harness.household()
    too_far = await harness.client.post(
        "/cases",
        json={
            "household_id": str(household),
            "year": year + 2,
            "authorisation": await harness.authorisation(),
        },
        headers=harness.village(),
    )
    assert too_far.status_code == 422 and too_far.json()["code"] == "year"
    assert (await harness.sql("SELECT count(*) FROM cases"))[0][0] == 0
    # An earlier round (a list completed late) is accepted; the next test shows it dates no registration.
    assert (await harness.apply(household, year - 1)) is not None


async def test_a_household_registered_this_year_cannot_exit_this_year(harness: Harness) -> None:
    """The QA repro: a case naming last year (backdated before applications were checked) is announced,
    the registry registers the household now, and an exit is proposed for this year."""
    year = await harness.year()
    household = await harness.household()
    case = await harness.apply(household)
    await harness.sql(
        "UPDATE cases SET year = :y, state = 'announced' WHERE id = :c", y=year - 1, c=uuid.UUID(case)
    )
    await _registered_by_the_registry(harness, household)
    await harness.income(household, year, "4000.01")

    refused = await _propose_exit(harness, household, year)
    assert refused.status_code == 422, refused.text
    assert f"registered in {year}" in str(refused.json()["failed"])
    assert (await harness.sql("SELECT count(*) FROM cases WHERE kind = 'exit'"))[0][0] == 0

    # A year on, the same household may exit for the new year: the check is the registration's year,
    # not "registered within the last twelve months" or the year the check runs.
    await harness.advance_clock(366 * DAY)
    await harness.sql(
        "INSERT INTO region_settings (division, key, value) VALUES ('000000000000', :k, '4000') "
        "ON CONFLICT DO NOTHING",
        k=f"poverty_line.{year + 1}",
    )
    await harness.income(household, year + 1, "4000.01")
    accepted = await _propose_exit(harness, household, year + 1)
    assert accepted.status_code == 201, accepted.text


# ---- 2: an exclusion list never rejects an exit; the registered household is flagged for 清退 instead ----


async def _registered_and_exiting(harness: Harness, rid: str) -> tuple[str, str]:
    """A household registered last year (its identification case closed as registered) whose exit this
    year has been proposed: (registered case, exit case)."""
    year = await harness.year()
    household = await harness.household(ids=[rid])
    registered = await harness.apply(household)
    await harness.sql(
        "UPDATE cases SET state = 'registered', active = false WHERE id = :c", c=uuid.UUID(registered)
    )
    await harness.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = :y WHERE household_id = :h",
        y=year - 1,
        h=household,
    )
    await harness.income(household, year, "8000")
    proposed = await _propose_exit(harness, household, year)
    assert proposed.status_code == 201, proposed.text
    return registered, str(proposed.json()["id"])


async def test_an_exclusion_list_finds_the_registered_case_not_the_exit_case(harness: Harness) -> None:
    rid = harness.resident_id()
    registered, exiting = await _registered_and_exiting(harness, rid)
    assert (await harness.push("private_vehicle", rid))["hits"] == 1
    assert await harness.hits(exiting) == []
    (hit,) = await harness.hits(registered)
    confirmed = await harness.resolve_hit(hit["id"], "confirmed", "核实该户有私家车")
    assert confirmed.status_code == 200, confirmed.text
    assert await harness.state(exiting) == "exit_proposed"
    assert await harness.state(registered) == "registered"
    flagged = await harness.sql(
        "SELECT count(*) FROM outbox WHERE type = 'fupin.identification.case.exclusion_confirmed.v1'"
    )
    assert flagged[0][0] == 1
    assert (await harness.act(exiting, "exit_verify", harness.village(), {"survey": "ok"})).status_code == 200


async def test_a_confirmed_exclusion_hit_left_on_an_exit_case_does_not_reject_it(harness: Harness) -> None:
    """A hit the earlier matching put on an exit case (the live data has some) is resolved without
    ending the exit."""
    rid = harness.resident_id()
    _registered, exiting = await _registered_and_exiting(harness, rid)
    await harness.sql(
        "INSERT INTO comparison_hits (id, push_id, case_id, household_id, member_id, division, kind, effect, "
        "reason, status, found_at) SELECT gen_random_uuid(), gen_random_uuid(), c.id, c.household_id, "
        "m.member_id, c.division, 'private_vehicle', 'block', 'a member owns a private vehicle', 'open', now() "
        "FROM cases c JOIN rm_members m ON m.household_id = c.household_id WHERE c.id = :c",
        c=uuid.UUID(exiting),
    )
    (hit,) = await harness.hits(exiting)
    confirmed = await harness.resolve_hit(hit["id"], "confirmed", "核实该户有私家车")
    assert confirmed.status_code == 200, confirmed.text
    assert await harness.state(exiting) == "exit_proposed"


# ---- 3: rejection is the decision of the tier that owns the step ---------------------------------------


async def _case_in(harness: Harness, state: str) -> str:
    case = await harness.apply(await harness.household())
    await harness.sql("UPDATE cases SET state = :s WHERE id = :c", s=state, c=uuid.UUID(case))
    return str(case)


async def _reject(harness: Harness, case: str, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": "不符合条件"}, headers=headers
    )
    return response


async def test_only_the_county_rejects_at_the_county_approval(harness: Harness) -> None:
    case = await _case_in(harness, "second_noticed")
    assert (await _reject(harness, case, harness.village())).status_code == 403
    assert (await _reject(harness, case, harness.township())).status_code == 403
    assert await harness.state(case) == "second_noticed"
    rejected = await _reject(harness, case, harness.county())
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text


async def test_only_the_village_rejects_at_the_verification(harness: Harness) -> None:
    case = await _case_in(harness, "applied")
    assert (await _reject(harness, case, harness.county())).status_code == 403
    assert (await _reject(harness, case, harness.township())).status_code == 403
    assert (await _reject(harness, case, harness.village())).status_code == 200


# ---- 4: blank and repeated objections ------------------------------------------------------------------


async def _object(harness: Harness, notice: str, case: str, text: str, **extra: Any) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/public/notices/{notice}/objections", json={"case_id": case, "text": text, **extra}
    )
    return response


async def test_a_blank_objection_is_refused(harness: Harness) -> None:
    (case,), notice = await harness.to_first_notice()
    for text in ("  ", "\n\n\t", "\u3000\u3000", " 无 ", "x\n\n"):
        response = await _object(harness, notice, case, text)
        assert response.status_code == 422, (text, response.text)
        assert "at least 2" in response.text
    assert (await harness.sql("SELECT count(*) FROM objections"))[0][0] == 0


async def test_an_identical_open_objection_answers_the_existing_ticket(harness: Harness) -> None:
    (case,), notice = await harness.to_first_notice()
    first = await _object(harness, notice, case, "他家 有车")
    assert first.status_code == 201, first.text
    for again in ("他家 有车", "  他家\n有车 ", "他家\t\t有车"):
        repeated = await _object(harness, notice, case, again)
        assert repeated.status_code == 201 and repeated.json()["id"] == first.json()["id"], repeated.text
    other = await _object(harness, notice, case, "他家有营业执照")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert (await harness.sql("SELECT count(*) FROM objections WHERE status = 'open'"))[0][0] == 2
    assert (await harness.outbox_types()).count("fupin.identification.objection.opened.v1") == 2
    stored = await harness.sql("SELECT text FROM objections WHERE id = :i", i=uuid.UUID(first.json()["id"]))
    assert stored[0][0] == "他家 有车"


# ---- 5: one open hit per case, list kind and person ----------------------------------------------------


async def _open_hits(harness: Harness, case: str) -> list[dict[str, Any]]:
    return [hit for hit in await harness.hits(case) if hit["status"] == "open"]


async def test_a_person_listed_twice_or_pushed_again_has_one_open_hit(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household(ids=[rid]))
    assert (await harness.push("private_vehicle", rid, rid.lower(), rid))["hits"] == 1
    assert (await harness.push("private_vehicle", rid))["hits"] == 0
    (hit,) = await _open_hits(harness, case)
    assert hit["kind"] == "private_vehicle"
    # Another list is another finding.
    assert (await harness.push("business_licence", rid, rid))["hits"] == 1
    assert sorted(hit["kind"] for hit in await _open_hits(harness, case)) == [
        "business_licence",
        "private_vehicle",
    ]
    # Once resolved, the department's same list pushed again is the finding the county resolved: it does
    # not block the case again. An entry that changed (a new detail) is a new finding.
    cleared = await harness.resolve_hit(hit["id"], "cleared", "车辆已过户")
    assert cleared.status_code == 200, cleared.text
    assert (await harness.push("private_vehicle", rid))["hits"] == 0
    assert [hit["kind"] for hit in await _open_hits(harness, case)] == ["business_licence"]
    assert (await harness.push("private_vehicle", rid, detail="贵A12345 2026-11 新登记"))["hits"] == 1
    assert sorted(hit["kind"] for hit in await _open_hits(harness, case)) == [
        "business_licence",
        "private_vehicle",
    ]


async def test_a_warning_list_with_a_person_twice_keeps_the_larger_amount(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household(ids=[rid]))
    client = harness.auth("county", "520102000000", "department", kind="client")
    entries = [{"resident_id": rid, "amount": "12000"}, {"resident_id": rid, "amount": "15000.50"}]
    pushed = await harness.client.post(
        "/comparisons/pushes",
        json={"kind": "medical_self_paid", "department": "医保局", "entries": entries},
        headers=client,
    )
    assert pushed.status_code == 201 and pushed.json()["hits"] == 1, pushed.text
    (hit,) = await _open_hits(harness, case)
    assert hit["amount"] == "15000.50"


# ---- 6: replaying a notice tick ------------------------------------------------------------------------


async def test_a_tick_replayed_with_its_idempotency_key_answers_the_first_response(harness: Harness) -> None:
    (case,), notice = await harness.to_first_notice()
    await harness.advance_clock(8 * DAY)
    headers = {**harness.township(), "Idempotency-Key": "tick-1"}
    first = await harness.client.post("/notices/tick", headers=headers)
    assert first.status_code == 200 and first.json() == {"closed": [notice], "cases": 1}, first.text
    await harness.advance_clock(60)
    again = await harness.client.post("/notices/tick", headers=headers)
    assert again.status_code == 200 and again.json() == first.json(), again.text
    assert await harness.state(case) == "first_noticed"


# ---- 7: the notice documents show the period in China's time and a Chinese title -----------------------


def _in_china(instant: str) -> str:
    moment = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return f"{moment.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M}"


async def test_notice_documents_show_china_time_and_a_chinese_title(harness: Harness) -> None:
    # Open the notice at 17:00 UTC: 01:00 the next day in China, so UTC dates would be a day early.
    now = dt.datetime.fromisoformat((await harness.sql("SELECT now()::text"))[0][0])
    five_pm = now.astimezone(dt.UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    if five_pm <= now:
        five_pm += dt.timedelta(days=1)
    await harness.advance_clock(int((five_pm - now).total_seconds()))
    _cases, notice_id = await harness.to_first_notice()
    notice = (await harness.client.get(f"/public/notices/{notice_id}")).json()
    starts, ends = _in_china(notice["starts_at"]), _in_china(notice["ends_at"])
    assert starts[:10] != notice["starts_at"][:10]  # the day differs between UTC and China
    period = f"{starts} 至 {ends}"

    page = await harness.client.get(f"/public/notices/{notice_id}/document")
    assert page.status_code == 200, page.text
    assert period in page.text and "北京时间" in page.text, page.text
    assert "<h1>第一次公示（村民主评议结果）" in page.text and "（first）" not in page.text

    document = await harness.client.get(f"/public/notices/{notice_id}/document.pdf")
    assert document.status_code == 200, document.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "第一次公示" in text and period in text.replace("\n", ""), text


# ---- 8: support-category confirmation ------------------------------------------------------------------


async def _confirm(harness: Harness, case: str, categories: list[str]) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/cases/{case}/category",
        json={"categories": categories, "reason": "村级评议认定"},
        headers=harness.village(),
    )
    return response


async def _confirmations(harness: Harness) -> int:
    rows = await harness.sql("SELECT count(*) FROM case_history WHERE action = 'category_confirmed'")
    return int(rows[0][0])


async def test_a_category_is_not_confirmed_on_a_closed_case(harness: Harness) -> None:
    """Rejected or withdrawn: refused. A registered household's category is confirmed as its assistance is
    planned, so a registered case takes it."""
    registered = await harness.apply(await harness.household())
    await harness.sql(
        "UPDATE cases SET state = 'registered', active = false WHERE id = :c", c=uuid.UUID(registered)
    )
    assert (await _confirm(harness, registered, ["industry"])).status_code == 200
    await harness.sql("DELETE FROM case_history WHERE action = 'category_confirmed'")
    for state in ("rejected", "withdrawn"):
        case = await harness.apply(await harness.household())
        await harness.sql(
            "UPDATE cases SET state = :s, active = false WHERE id = :c", s=state, c=uuid.UUID(case)
        )
        refused = await _confirm(harness, case, ["industry"])
        assert refused.status_code == 409 and refused.json()["code"] == "case-closed", refused.text
    assert await _confirmations(harness) == 0


async def test_a_category_named_twice_is_refused(harness: Harness) -> None:
    case = await harness.apply(await harness.household())
    refused = await _confirm(harness, case, ["industry", "industry"])
    assert refused.status_code == 422, refused.text
    assert await _confirmations(harness) == 0


async def test_a_confirmed_category_is_published(harness: Harness) -> None:
    case = await harness.apply(await harness.household())
    confirmed = await _confirm(harness, case, ["industry", "employment"])
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["category"]["confirmed"] == ["industry", "employment"]
    rows = await harness.sql(
        "SELECT payload FROM outbox WHERE type = 'fupin.identification.case.category_confirmed.v1'"
    )
    assert [row[0]["data"]["categories"] for row in rows] == [["industry", "employment"]]
    assert rows[0][0]["data"]["case_id"] == case and rows[0][0]["subject"] == f"case/{case}"


# ---- 9: the officers resolving an objection read its words and how to reach the objector ---------------


async def _tickets(harness: Harness, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await harness.client.get("/objections", headers=headers)
    assert response.status_code == 200, response.text
    tickets: list[dict[str, Any]] = response.json()
    return tickets


async def test_objection_text_and_contact_reach_the_resolving_officers_only(harness: Harness) -> None:
    (case,), notice = await harness.to_first_notice()
    words = "该户家里有小汽车，不符合条件"
    submitted = await _object(harness, notice, case, words, contact=" 13900000000 ")
    assert submitted.status_code == 201, submitted.text
    assert "text" not in submitted.json() and "contact" not in submitted.json()

    (township,) = await _tickets(harness, harness.township())
    assert (township["text"], township["contact"]) == (words, "13900000000")
    (county,) = await _tickets(harness, harness.county())
    assert (county["text"], county["contact"]) == (words, "13900000000")
    (city,) = await _tickets(harness, harness.auth("city", "520100000000", "officer"))
    assert (city["text"], city["contact"]) == (words, "139****0000")  # masked above the county
    (village,) = await _tickets(harness, harness.village())
    assert (village["text"], village["contact"]) == (None, None)  # the village is the one objected to

    resolved = await harness.client.post(
        f"/objections/{township['id']}/resolve",
        json={"outcome": "dismissed", "reason": "核实无车"},
        headers=harness.township(),
    )
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["text"], resolved.json()["contact"]) == (words, "13900000000")
    board = await harness.client.get(f"/public/notices/{notice}")
    assert words not in board.text and "13900000000" not in board.text
    assert "13900000000" not in str(await harness.sql("SELECT payload FROM outbox"))


# ---- a department's system pushes the lists it was registered for ----------------------------------


async def test_a_system_registered_for_one_list_kind_pushes_only_that_kind(harness: Harness) -> None:
    medical = harness.auth(
        "county", "520102000000", "department", kind="client", scope="comparisons:push:medical_self_paid"
    )
    entries = [{"resident_id": harness.resident_id(), "amount": "12000"}]

    async def push(kind: str) -> httpx.Response:
        body = {"kind": kind, "department": "医保局", "entries": entries}
        response: httpx.Response = await harness.client.post(
            "/comparisons/pushes", json=body, headers=medical
        )
        return response

    refused = await push("government_payroll")
    assert refused.status_code == 403 and "medical_self_paid" in refused.json()["detail"]
    assert await harness.sql("SELECT count(*) FROM comparison_pushes") == [(0,)]
    assert (await push("medical_self_paid")).status_code == 201
    # The whole operation scope (as before) pushes any kind; another operation's narrowed scope none.
    whole = harness.auth("county", "520102000000", "department", kind="client", scope="comparisons:push")
    body = {"kind": "government_payroll", "department": "人社局", "entries": entries}
    assert (await harness.client.post("/comparisons/pushes", json=body, headers=whole)).status_code == 201
    other = harness.auth("county", "520102000000", "department", kind="client", scope="objections:resolve:x")
    assert (await harness.client.post("/comparisons/pushes", json=body, headers=other)).status_code == 403
