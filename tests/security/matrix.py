"""The jurisdiction matrix: every classified operation of every process × callers around one village.

Owner: 纪念塔社区 520102016001 (新华路街道, 南明区, 贵阳市, 贵州省). A caller whose subtree contains the
target division must get an answer other than 404 (2xx, or 403/409/422 for business reasons); any other
caller must get exactly 404 — never 2xx, never a 403 or 409 that tells it the object exists.

Objects are created by the lowest caller of the owner chain that the creating operation does not refuse
(403), after the `prepare` steps of its scope (fupin_kit.openapi_scope). Every successful JSON, CSV, XLSX or
HTML answer to a caller above the county tier must hold no full resident ID.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import httpx

from fupin_kit import divisions
from fupin_kit.pii import InvalidResidentId, validate_resident_id
from fupin_kit.testing import Stack
from tests.security.inprocess import Process, pump_events
from tests.security.openapi_ops import Operation, find, get_field, sample_value, set_field

OWNER_CHAIN: dict[str, str] = {
    "village": "520102016001",  # 纪念塔社区
    "township": "520102016000",  # 新华路街道
    "county": "520102000000",  # 南明区
    "city": "520100000000",  # 贵阳市
    "province": "520000000000",  # 贵州省
}
# Every role any route checks, so that a role check can never hide a jurisdiction leak behind a 403. Not
# `evaluator`: no route asks for it, and a token that carries it keeps only evaluator/viewer (an
# evaluator reads; fupin_kit.auth.tokens), which would hide every write route behind a 403.
ALL_ROLES = ["admin", "officer", "cadre", "department", "leader", "viewer"]
REQUEST_TIMEOUT_S = 30.0
ABSENT_ID = "00000000-0000-4000-8000-00000000dead"
# Every matrix caller's token subject starts with it.
MATRIX_SUBJECT = "matrix-"
# The optional query parameter that narrows a caller-scoped list or count to one division of the subtree.
DIVISION_FILTER = "division"
# quality.md: no full resident ID number in any response above the county tier.
ABOVE_COUNTY = frozenset({"city", "province", "nation"})
# Not inside a longer token: a hex digest (an audit hash, a blind index) can hold 18 digits in a row.
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


@dataclass(frozen=True)
class Caller:
    label: str
    tier: str
    division: str

    def covers(self, code: str) -> bool:
        return divisions.contains(self.division, code)

    @property
    def subject(self) -> str:
        return f"{MATRIX_SUBJECT}{self.tier}"


CALLERS: tuple[Caller, ...] = (
    Caller("own village", "village", OWNER_CHAIN["village"]),
    Caller("parent township", "township", OWNER_CHAIN["township"]),
    Caller("parent county", "county", OWNER_CHAIN["county"]),
    Caller("parent city", "city", OWNER_CHAIN["city"]),
    Caller("parent province", "province", OWNER_CHAIN["province"]),
    Caller("nation", "nation", divisions.NATION),
    Caller("sibling village (same township)", "village", "520102016002"),
    Caller("cousin village (other township)", "village", "520102017001"),
    Caller("cousin township (same county)", "township", "520102017000"),
    Caller("other county (云岩区)", "county", "520103000000"),
    Caller("other city (六盘水市)", "city", "520200000000"),
    Caller("other province (四川省)", "province", "510000000000"),
)


@dataclass
class Fixture:
    """An object created for the matrix: its creation response and its division."""

    creator: str
    division: str
    response: Any


@dataclass
class Row:
    operation: str
    caller: str
    roles: str
    target: str
    expected: str
    status: int
    ok: bool
    note: str = ""


@dataclass
class Matrix:
    stack: Stack
    processes: dict[str, Process]
    ops: dict[str, list[Operation]]
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fixtures: dict[tuple[str, str], Fixture | None] = field(default_factory=dict)
    # Operations whose prepare steps have run (or are running), and the steps that did.
    prepared: set[tuple[str, str]] = field(default_factory=set)
    # Object ids created in a division, looked for in the caller-scoped answers of outsiders.
    created: list[tuple[str, str, str]] = field(default_factory=list)

    # -- requests -------------------------------------------------------------------------------------

    def token(self, caller: Caller, roles: list[str]) -> str:
        return self.stack.token(caller.tier, caller.division, roles, subject=caller.subject)

    async def send(
        self, op: Operation, request: dict[str, Any], caller: Caller | None, roles: list[str]
    ) -> httpx.Response:
        headers = {} if caller is None else {"Authorization": f"Bearer {self.token(caller, roles)}"}
        client = self.processes[op.process].client
        if request.get("files"):
            sending = client.request(
                op.method, request["url"], params=request["params"], files=request["files"], headers=headers
            )
        else:
            sending = client.request(
                op.method, request["url"], params=request["params"], json=request["json"], headers=headers
            )
        # A hanging route must fail the matrix, not stall it.
        return await asyncio.wait_for(sending, REQUEST_TIMEOUT_S)

    async def send_as_owner(
        self, op: Operation, request: dict[str, Any], division: str
    ) -> tuple[httpx.Response, Caller]:
        """As the caller at `division` with every role, or, while refused with 403 (a tier rule), as the
        next caller up the chain: an object is made by the lowest tier allowed to make it."""
        response: httpx.Response | None = None
        owner: Caller | None = None
        for owner in owners(division):
            response = await self.send(op, request, owner, ALL_ROLES)
            if response.status_code != 403:
                break
        assert response is not None and owner is not None
        return response, owner

    def build(
        self,
        op: Operation,
        target: str | None,
        fixture: Fixture | None,
        step: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The request for `op` aimed at `target` (a division) or at `fixture` (an object), with the
        overrides of a prepare `step`."""
        scope = op.scope or {}
        path_values: dict[str, Any] = {}
        params: dict[str, Any] = {}
        body = op.example_body()
        body = copy.deepcopy(body)
        path_names = {parameter["name"] for parameter in op.parameters("path")}
        if scope.get("kind") == "division" and target is not None:
            if scope["location"] == "path":
                path_values[scope["param"]] = target
            elif scope["location"] == "query":
                params[scope["param"]] = target
            elif body is not None:
                set_field(body, scope["param"], target)
        if has_object(op):
            object_id = ABSENT_ID if fixture is None else str(get_field(fixture.response, scope["id_field"]))
            if scope.get("location", "path") == "path":
                path_values[scope["id_param"]] = object_id
            elif body is not None:
                set_field(body, scope["id_param"], object_id)
            for name, dotted in scope.get("params", {}).items():
                value = ABSENT_ID if fixture is None else get_field(fixture.response, dotted)
                if name in path_names:
                    path_values[name] = value
                elif body is not None:
                    set_field(body, name, value)
        for name, value in ((step or {}).get("path") or {}).items():
            path_values[name] = value
        for name, value in ((step or {}).get("query") or {}).items():
            params[name] = value
        if body is not None:
            for name, value in ((step or {}).get("body") or {}).items():
                set_field(body, name, copy.deepcopy(value))
        for parameter in op.parameters("path"):
            path_values.setdefault(parameter["name"], sample_value(op.document, parameter))
        for parameter in op.parameters("query"):
            if parameter.get("required") and parameter["name"] not in params:
                params[parameter["name"]] = sample_value(op.document, parameter)
        url = op.path
        for name, value in path_values.items():
            url = url.replace("{" + name + "}", str(value))
        files = {
            name: (
                part["filename"],
                part["content"].replace("{division}", target or OWNER_CHAIN["village"]).encode(),
                part["content_type"],
            )
            for name, part in scope.get("files", {}).items()
        }
        return {"url": url, "params": params, "json": body, "files": files}

    # -- objects the operations act on ----------------------------------------------------------------

    def creator_of(self, op: Operation) -> tuple[Operation | None, str]:
        spec = (op.scope or {})["created_by"]
        process, _, key = spec.rpartition(":")
        process = process.strip() or op.process
        return find(self.ops.get(process, []), key.strip()), process

    async def fixture(self, op: Operation) -> Fixture | None:
        creator, _ = self.creator_of(op)
        if creator is None:
            return None
        fixture = await self.create(creator)
        if fixture is None:
            return None
        scope = op.scope or {}
        for dotted in (scope["id_field"], *scope.get("params", {}).values()):
            try:
                get_field(fixture.response, dotted)
            except (KeyError, IndexError, TypeError):
                self.problems.append(f"{op.name}: the answer of {creator.name} has no {dotted!r}")
                return None
        return fixture

    async def create(self, creator: Operation) -> Fixture | None:
        """One object per creating operation, created by a caller at its division with every role."""
        key = (creator.process, creator.key)
        if key in self.fixtures:
            return self.fixtures[key]
        self.fixtures[key] = None  # a cycle of created_by ends here instead of recursing forever
        scope = creator.scope or {}
        if not await self.prepare(creator):
            self.problems.append(f"{creator.name}: its prepare steps failed, so it creates nothing")
            return None
        parent: Fixture | None = None
        if has_object(creator):
            parent = await self.fixture(creator)
            if parent is None:
                self.problems.append(f"{creator.name}: its own created_by object could not be created")
                return None
            division = parent.division
        else:
            division = OWNER_CHAIN[scope.get("level", "village")]
        request = self.build(creator, division, parent)
        response, owner = await self.send_as_owner(creator, request, division)
        if not response.is_success:
            self.problems.append(
                f"{creator.name}: could not create the object the matrix needs "
                f"(as {owner.tier} {owner.division} with all roles): "
                f"{response.status_code} {response.text[:300]}"
            )
            return None
        if scope.get("kind") == "caller":
            # It acts in the caller's own division (an import belongs to its importer's division).
            division = owner.division
        # Let the other processes learn about it (identification's household read model, the feeds).
        await pump_events(self.processes)
        fixture = Fixture(creator.name, division, response.json())
        self.fixtures[key] = fixture
        self.remember(fixture.response, division)
        return fixture

    async def prepare(self, op: Operation) -> bool:
        """Run the prepare steps of `op`'s scope once, in order; False when one of them failed."""
        if (op.process, op.key) in self.prepared:
            return True
        self.prepared.add((op.process, op.key))
        for step in (op.scope or {}).get("prepare", []):
            process, _, key = step["operation"].rpartition(":")
            process = process.strip() or op.process
            target_op = find(self.ops.get(process, []), key.strip())
            if target_op is None:
                self.problems.append(f"{op.name}: prepare step {step['operation']!r} is no operation")
                return False
            if step.get("fixture"):
                if await self.create(target_op) is None:
                    return False
                continue
            if not await self.prepare(target_op):
                return False
            fixture = await self.fixture(target_op) if has_object(target_op) else None
            if has_object(target_op) and fixture is None:
                return False
            scope = target_op.scope or {}
            target = step.get("target") or (
                fixture.division if fixture is not None else OWNER_CHAIN[scope.get("level", "village")]
            )
            request = self.build(target_op, target, fixture, step)
            response, owner = await self.send_as_owner(target_op, request, target)
            if not response.is_success:
                self.problems.append(
                    f"{op.name}: prepare step {step} failed (as {owner.tier} {owner.division}): "
                    f"{response.status_code} {response.text[:300]}"
                )
                return False
            await pump_events(self.processes)
        return True

    def remember(self, body: Any, division: str) -> None:
        if isinstance(body, list):
            for item in body:
                self.remember(item, division)
        if isinstance(body, dict):
            for name in ("id", "username", "client_id", "case_id", "notice_id"):
                value = body.get(name)
                if isinstance(value, str) and len(value) >= 8:
                    self.created.append((value, division, name))

    # -- checks ---------------------------------------------------------------------------------------

    def record(
        self, op: Operation, caller: Caller | None, roles: list[str], target: str, expected: str,
        response: httpx.Response, ok: bool, note: str = "",
    ) -> None:  # fmt: skip
        if response.is_success and caller is not None and caller.tier in ABOVE_COUNTY:
            shown = full_resident_ids(response)
            if shown:
                ok = False
                note = f"full resident IDs above the county tier: {', '.join(shown[:3])}"
        self.rows.append(
            Row(
                operation=op.name,
                caller="anonymous" if caller is None else f"{caller.label} [{caller.tier} {caller.division}]",
                roles="all" if roles else "none",
                target=target,
                expected=expected,
                status=response.status_code,
                ok=ok,
                note=note or ("" if ok else _excerpt(response)),
            )
        )

    async def check_public(self, op: Operation) -> None:
        await self.prepare(op)
        fixture: Fixture | None = None
        if has_object(op):
            fixture = await self.fixture(op)
            if fixture is None:
                self.problems.append(f"{op.name}: not checked, the object it reads could not be created")
                return
        request = self.build(op, OWNER_CHAIN["village"], fixture)
        response = await self.send(op, request, None, [])
        self.record(
            op,
            None,
            [],
            "-",
            "not 401, not 5xx",
            response,
            response.status_code not in (401,) and response.status_code < 500,
        )

    async def check_caller(self, op: Operation) -> None:
        """The answer is the caller's own subtree: no object created outside it may appear in it."""
        await self.prepare(op)
        request = self.build(op, None, None)
        for caller in CALLERS:
            response = await self.send(op, request, caller, ALL_ROLES)
            text = self.without_own_requests(response, caller)
            leaked = [
                f"{name}={value} ({division})"
                for value, division, name in self.created
                if not caller.covers(division) and value in text
            ]
            ok = response.status_code < 500 and not leaked
            note = f"shows objects outside its subtree: {', '.join(leaked)}" if leaked else ""
            self.record(
                op, caller, ALL_ROLES, "own subtree", "no foreign object, not 5xx", response, ok, note
            )
        if not op.is_write and any(
            parameter.get("in") == "query" and parameter.get("name") == DIVISION_FILTER
            for parameter in op.spec.get("parameters", [])
        ):
            await self.check_division_filter(op, request)

    def without_own_requests(self, response: httpx.Response, caller: Caller) -> str:
        """The answer's text without the audit records (GET /admin/audit) of requests the matrix itself
        sent from inside the caller's subtree: such a record holds the path its sender typed, which names
        the foreign objects the matrix aimed it at (and was refused); the caller's jurisdiction is shown
        what it, or an account below it, asked for, and nothing of the objects themselves."""
        if not _is_json(response):
            return response.text
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return response.text
        sent = [
            item
            for item in body["items"]
            if isinstance(item, dict)
            and item.get("action") == "access"
            and str(item.get("actor", "")).startswith(MATRIX_SUBJECT)
            and caller.covers(str(item.get("division", "")))
        ]
        if not sent:
            return response.text
        return json.dumps({**body, "items": [item for item in body["items"] if item not in sent]})

    async def check_division_filter(self, op: Operation, request: dict[str, Any]) -> None:
        """A caller-scoped list or count narrowed by an optional `division` query parameter: aimed at a
        division outside the caller's subtree (the owner's village; the nation itself, which is no row of
        the division tree) it must answer 404 (or the 422 of a code the route does not take), never the
        data of that division."""
        for target in (OWNER_CHAIN["village"], divisions.NATION):
            aimed = {**request, "params": {**request["params"], DIVISION_FILTER: target}}
            for caller in CALLERS:
                if caller.covers(target):
                    continue
                response = await self.send(op, aimed, caller, ALL_ROLES)
                ok = response.status_code in (404, 422)
                note = f"?{DIVISION_FILTER}={target}"
                if response.status_code == 403:
                    baseline = await self.send(op, request, caller, ALL_ROLES)
                    ok = baseline.status_code == 403
                    note += f"; role refusal independent of the target (baseline {baseline.status_code})"
                self.record(op, caller, ALL_ROLES, target, "404/422", response, ok, note)

    async def check_admin(self, op: Operation) -> None:
        tiers = set((op.scope or {}).get("tiers", []))
        await self.prepare(op)
        request = self.build(op, None, None)
        for caller in CALLERS:
            response = await self.send(op, request, caller, ALL_ROLES)
            if caller.tier in tiers:
                ok = response.status_code != 404 and response.status_code < 500
                expected = "allowed (not 404)"
            else:
                ok = response.status_code in (403, 404)
                expected = "403/404"
            self.record(op, caller, ALL_ROLES, f"tiers {sorted(tiers)}", expected, response, ok)

    async def check_scoped(self, op: Operation) -> None:
        scope = op.scope or {}
        fixture: Fixture | None = None
        await self.prepare(op)
        if scope["kind"] == "resource":
            fixture = await self.fixture(op)
            if fixture is None:
                self.problems.append(f"{op.name}: not checked, the object it acts on could not be created")
                return
            target = fixture.division
        else:
            target = OWNER_CHAIN[scope.get("level", "village")]
        request = self.build(op, target, fixture)
        # Outsiders first, while the object is untouched: a leak then shows as a 2xx rather than a 409.
        ordered = sorted(CALLERS, key=lambda caller: caller.covers(target))
        variants: list[list[str]] = [ALL_ROLES, []] if op.is_write else [ALL_ROLES]
        for roles in variants:
            for caller in ordered:
                response = await self.send(op, request, caller, roles)
                status = response.status_code
                if caller.covers(target):
                    ok = status < 500 and (status != 404 or not roles)
                    expected = "allowed (not 404)" if roles else "not 5xx"
                    if response.is_success:
                        self.remember(response.json() if _is_json(response) else None, target)
                    self.record(op, caller, roles, target, expected, response, ok)
                    continue
                ok = status == 404
                note = ""
                if not ok and status == 403:
                    # A 403 the caller also gets when aiming inside its own jurisdiction (a tier or role
                    # refusal) says nothing about the target; only a target-dependent 403 is a leak.
                    baseline = await self.send(op, self.build(op, caller.division, None), caller, roles)
                    ok = baseline.status_code == 403
                    note = f"role refusal independent of the target (baseline {baseline.status_code})"
                self.record(op, caller, roles, target, "404", response, ok, note)

    async def run(self) -> None:
        every = [op for ops in self.ops.values() for op in ops if op.scope is not None]
        scoped = [op for op in every if op.kind in ("division", "resource")]
        # Objects first (so that every list and every by-division write sees them), then the operations
        # that act on them, then the caller-scoped lists, which must not show the foreign ones.
        for op in every:
            if has_object(op):
                await self.fixture(op)
        for op in every:
            if op.kind == "public":
                await self.check_public(op)
            elif op.kind == "admin":
                await self.check_admin(op)
        for op in scoped:
            await self.check_scoped(op)
        await pump_events(self.processes)
        for op in every:
            if op.kind == "caller":
                await self.check_caller(op)

    def table(self, only_failures: bool = True) -> str:
        rows = [row for row in self.rows if not row.ok or not only_failures]
        lines = [
            "| operation | caller | roles | target | expected | got | note |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.operation} | {r.caller} | {r.roles} | {r.target} | {r.expected} | {r.status} | {r.note} |"
            for r in rows
        ]
        return "\n".join(lines)


def has_object(op: Operation) -> bool:
    """Acts on an object of a created_by operation (by_resource, or a public read of such an object)."""
    return "created_by" in (op.scope or {})


def owners(division: str) -> list[Caller]:
    """The callers at `division` and at each division above it, up to the nation."""
    found = []
    code: str | None = division
    while code is not None:
        found.append(Caller("owner", divisions.TIER_NAMES[divisions.level(code)], code))
        code = None if code == divisions.NATION else divisions.parent(code)
    return found


def full_resident_ids(response: httpx.Response) -> list[str]:
    """Valid 18-digit resident ID numbers in a JSON, CSV, HTML or XLSX answer (PDFs are not read)."""
    content_type = response.headers.get("content-type", "")
    if "spreadsheetml" in content_type:
        try:
            with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
                text = " ".join(
                    workbook.read(name).decode("utf-8", "replace")
                    for name in workbook.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            return []
    elif "pdf" in content_type or "octet-stream" in content_type:
        return []
    else:
        text = response.text
    found = []
    for candidate in RESIDENT_ID.findall(text):
        try:
            validate_resident_id(candidate)
        except InvalidResidentId:
            continue
        found.append(candidate)
    return found


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _excerpt(response: httpx.Response) -> str:
    text = response.text.replace("\n", " ").replace("|", "/")
    try:
        body = json.loads(text)
        if isinstance(body, dict):
            text = str(body.get("detail") or body.get("title") or text)
    except ValueError:
        pass
    return text[:160]
