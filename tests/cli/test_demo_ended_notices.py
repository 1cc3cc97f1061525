"""`fupin demo`'s objections, with a stand-in for the gateway: a notice runs only `notice_seconds` in the demo,
and opening hundreds of them took longer than that on a loaded machine, so some had ended before the demo
objected to their cases (409 notice-closed sank the whole run). An ended notice is passed over, and the
summary says so."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console

from fupin_cli.demo.procedure import Procedure, ProcedureError, ProcedureOptions

VILLAGES = ("522632101001", "522632101002", "522632102003")


class Identification:
    """Answers like identification: each village's notice posts two cases and ends when `ends_in` says
    (seconds from now, negative: it has ended); an objection to an ended notice is 409 notice-closed."""

    def __init__(self, ends_in: dict[str, float]) -> None:
        self.ends_in = ends_in
        self.notices: dict[str, dict[str, Any]] = {}
        self.objected: list[str] = []

    def call(
        self, method: str, path: str, who: Any, body: Any = None, ok: tuple[int, ...] = (200, 201), **_: Any
    ) -> Any:
        answer = self.answer(path, body)
        if answer.get("status", 201) not in ok:  # as Platform.call refuses a status it was not told to take
            raise ProcedureError(f"{method} {path}: {answer['status']} {answer['code']}")
        return answer

    def answer(self, path: str, body: Any) -> dict[str, Any]:
        if path == "/identification/notices":
            return self.open(body["division"])
        if path.endswith("/objections"):
            return self.objection(path.split("/")[4], body["case_id"])
        return {"id": "resolution"}

    def open(self, division: str) -> dict[str, Any]:
        ends_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.ends_in[division])
        notice: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "division": division,
            "ends_at": ends_at.isoformat(),
            "case_ids": [f"{division}-a", f"{division}-b"],
        }
        self.notices[notice["id"]] = notice
        return notice

    def objection(self, notice_id: str, case: str) -> dict[str, Any]:
        if dt.datetime.fromisoformat(self.notices[notice_id]["ends_at"]) <= dt.datetime.now(dt.UTC):
            return {"status": 409, "code": "notice-closed", "detail": "the notice has ended"}
        self.objected.append(case)
        return {"id": f"ticket-{case}"}


def procedure(service: Identification, objections: int) -> Procedure:
    options = ProcedureOptions(
        gateway_url="http://gateway.invalid",
        keys_dir=Path("/nonexistent"),
        county="522632000000",
        seed=5,
        objections=objections,
    )
    platform: Any = service  # stands in for Platform: only `call` is used
    return Procedure(platform, options, Console(file=io.StringIO()))


def test_objections_pass_over_the_notices_that_have_ended() -> None:
    service = Identification({VILLAGES[0]: -30.0, VILLAGES[1]: 600.0, VILLAGES[2]: -1.0})
    demo = procedure(service, objections=6)  # every case of every notice
    opened = demo.notices(set(VILLAGES), "first")
    demo.object(opened)
    assert sorted(service.objected) == [f"{VILLAGES[1]}-a", f"{VILLAGES[1]}-b"]
    assert len(demo.summary.objections) == 2
    assert len(demo.summary.objections_skipped) == 4
    assert all("notice ended" in line for line in demo.summary.objections_skipped)


def test_a_notice_ending_between_the_look_and_the_filing_is_passed_over() -> None:
    """Still running by its ends_at when looked at, closed by the time the objection arrives."""
    service = Identification({VILLAGES[0]: 600.0})
    demo = procedure(service, objections=1)
    opened = demo.notices({VILLAGES[0]}, "first")
    service.notices[opened[0]["id"]]["ends_at"] = dt.datetime.now(dt.UTC).isoformat()
    demo.object(opened)
    assert service.objected == [] and demo.summary.objections == []
    assert demo.summary.objections_skipped == [f"{VILLAGES[0]}: 他家在县城有商品房 (notice ended)"]
