"""QA10-Q-4: `fupin demo` runs for a city without counties (儋州 460400000000): its townships and villages are
right under it, and the county's steps are taken by the city government, which holds the county tier's
powers, with a token of the city tier (a token's tier is its division's level). A gateway stand-in in the
process answers the demo's calls and records whose token each carried."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from rich.console import Console

from fupin_cli.demo.procedure import Platform, Procedure, ProcedureError, ProcedureOptions, drive_county
from fupin_cli.demo_cmd import DemoOptions, run_demo
from fupin_kit.auth.keys import KeyStore

DANZHOU = "460400000000"  # divisions.COUNTYLESS_CITIES
NADA = "460400100000"  # 那大镇, a township right under the city
XIGAN = "460400100001"
GATEWAY = "http://gateway.test"
IMPORT_ID = "11111111-2222-3333-4444-555555555555"
Handler = Callable[[httpx.Request], tuple[int, Any]]


class Recorder:
    """Answers each request with `answer` and keeps (method, path, tier, division, body) of each."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.seen: list[tuple[str, str, str, str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, options={"verify_signature": False})
        body = (
            json.loads(request.content) if request.headers.get("content-type") == "application/json" else None
        )
        self.seen.append((request.method, request.url.path, claims["tier"], claims["division"], body))
        status, payload = self.answer(request)
        return httpx.Response(status, json=payload)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def keys(tmp_path: Path) -> Path:
    KeyStore(tmp_path / "keys").ensure()
    return tmp_path / "keys"


def registry_of_danzhou(request: httpx.Request) -> tuple[int, Any]:
    path = request.url.path.removeprefix("/api/v1/registry")
    finished = {"id": IMPORT_ID, "status": "accepted", "finished_at": "2026-11-28T00:00:00Z"}
    answers: dict[tuple[str, str], Any] = {
        ("GET", f"/divisions/{DANZHOU}"): {"code": DANZHOU, "name": "儋州市"},
        ("GET", f"/divisions/{DANZHOU}/children"): {
            "items": [{"code": NADA, "name": "那大镇", "level": "township", "placeholder": False}],
            "next_after": None,
        },
        ("GET", f"/divisions/{NADA}/children"): {
            "items": [{"code": XIGAN, "name": "西干社区居委会", "level": "village", "placeholder": False}],
            "next_after": None,
        },
        ("POST", "/imports"): {"id": IMPORT_ID},
        ("GET", f"/imports/{IMPORT_ID}"): finished
        | {"households_read": 3, "households_accepted": 3, "members_accepted": 9},
    }
    found = answers.get((request.method, path))
    if found is None:
        return 404, {"detail": f"unexpected {request.method} {path}"}
    return (202 if request.method == "POST" else 200), found


def test_the_demo_imports_into_a_countyless_city_with_the_citys_token(tmp_path: Path) -> None:
    recorder = Recorder(registry_of_danzhou)
    options = DemoOptions(
        gateway_url=GATEWAY,
        keys_dir=keys(tmp_path),
        county=DANZHOU,
        households=3,
        seed=7,
        out=tmp_path / "demo.csv",
        poll_s=0.0,
        procedure_cases=0,
    )
    output = io.StringIO()
    with recorder.client() as client:
        code = run_demo(options, Console(file=output, width=200), client=client)
    assert code == 0, output.getvalue()
    assert "Imported 3 households" in output.getvalue()
    assert {(tier, division) for _, _, tier, division, _ in recorder.seen} == {("city", DANZHOU)}
    assert XIGAN in options.out.read_text(encoding="utf-8-sig")


def identification_of_danzhou(year: int) -> Handler:
    def answer(request: httpx.Request) -> tuple[int, Any]:
        path = request.url.path.removeprefix("/api/v1")
        if path == "/registry/households":
            item = {
                "id": "h-1",
                "division": XIGAN,
                "income_year": year,
                "per_capita_net_income": "3000",
                "member_count": 3,
                "status": {"code": "candidate", "label": "识别对象"},
            }
            return 200, {"items": [item], "next_cursor": None}
        if path == "/registry/standards/effective":
            return 200, {"amount": "4200"}
        if path.startswith("/identification/quotas/"):
            return (200, []) if path.endswith("/children") else (404, {})
        if path == "/identification/batches":
            return 409, {"detail": "nothing ready"}
        return 200, {}

    return answer


def test_the_procedure_takes_the_countys_steps_with_the_citys_token(tmp_path: Path) -> None:
    year = dt.date.today().year
    recorder = Recorder(identification_of_danzhou(year))
    options = ProcedureOptions(gateway_url=GATEWAY, keys_dir=keys(tmp_path), county=DANZHOU, seed=1, cases=1)
    with recorder.client() as client:
        procedure = Procedure(Platform(client, options), options, Console(file=io.StringIO()))
        chosen = procedure.candidates(year)
        procedure.configure(year, chosen)
        procedure.announce({})
    assert chosen == {"h-1": XIGAN}
    county_steps = [(m, p, t, d) for m, p, t, d, _ in recorder.seen if t != "nation"]
    assert county_steps and {(t, d) for _, _, t, d in county_steps} == {("city", DANZHOU)}
    settings = {p for m, p, _, _, _ in recorder.seen if m == "PUT" and "/region-settings/" in p}
    assert settings == {
        f"/api/v1/identification/region-settings/{DANZHOU}/{key}"
        for key in ("notice_days", "exit_notice_days")
    }
    # The quotas run province → city → township → village: no county between the city and its townships.
    quotas = [body["division"] for m, p, _, _, body in recorder.seen if m == "PUT" and p.endswith("/quotas")]
    assert quotas == ["460000000000", DANZHOU, NADA, XIGAN]
    batches = [(t, body) for m, p, t, _, body in recorder.seen if p.endswith("/identification/batches")]
    assert batches == [("city", {"action": "county_approve", "division": DANZHOU})]
    assert procedure.department == ("city", DANZHOU, "department")


def test_drive_county_refuses_what_is_neither_a_county_nor_a_countyless_city(tmp_path: Path) -> None:
    for code in (NADA, "460200000000"):  # a township; 三亚, a city with districts
        with pytest.raises(ProcedureError, match="not a county"):
            drive_county(GATEWAY, keys(tmp_path), code, 1, Console(file=io.StringIO()))
