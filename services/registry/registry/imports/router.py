"""HTTP API of bulk imports: the template, uploads, progress and the per-row report."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from fupin_kit import body_limits
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession
from fupin_kit.pii import PiiCipher
from registry import matrix_examples as examples
from registry.exports.disposition import attachment
from registry.households.router import pii_cipher
from registry.imports import service, template
from registry.imports.schemas import ImportOut, LineStatus, ReportPage

router = APIRouter(prefix="/imports", tags=["imports"])
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_REPORT_PAGE = 10_000
# A row number is an int4 in the report table: a larger cursor can name no row.
MAX_ROW_NUMBER = 2_147_483_647


def runtime(request: Request, cipher: Annotated[PiiCipher, Depends(pii_cipher)]) -> service.Runtime:
    state = request.app.state
    tasks: set[asyncio.Task[None]] | None = getattr(state, "import_tasks", None)
    if tasks is None:
        tasks = set()
        state.import_tasks = tasks
    return service.Runtime(engine=state.engine, sessionmaker=state.sessionmaker, cipher=cipher, tasks=tasks)


Runtime = Annotated[service.Runtime, Depends(runtime)]


@router.get("/template.xlsx", response_class=Response, openapi_extra=scope.public())
async def template_xlsx() -> Response:
    """The 登记表 template: header row, a 填写说明 sheet explaining every column, drop-down lists."""
    content = await asyncio.to_thread(template.xlsx_template)
    headers = attachment("贫困户登记表.xlsx", "import-template.xlsx")
    return Response(content, media_type=XLSX_TYPE, headers=headers)


@router.get("/template.csv", response_class=Response, openapi_extra=scope.public())
async def template_csv() -> Response:
    headers = attachment("贫困户登记表.csv", "import-template.csv")
    return Response(template.csv_template(), media_type="text/csv; charset=utf-8", headers=headers)


# The rows name their villages; an import belongs to its importer's division (rows outside it are rejected).
@router.post(
    "",
    status_code=202,
    max_body_size=body_limits.UPLOAD_MAX_BYTES,
    openapi_extra=scope.caller(level="village", files=examples.IMPORT_FILES),
)
async def upload(actor: CurrentActor, rt: Runtime, file: Annotated[UploadFile, File()]) -> ImportOut:
    """Start an import of a CSV or XLSX file in the template's layout. Village, township and county
    cadres/officers only. Poll GET /imports/{id}; the result is all-or-nothing for the file."""
    return await service.submit(rt, actor, file.filename or "upload", file.file)


@router.get("/{import_id}", openapi_extra=scope.by_resource("POST /imports", "import_id"))
async def read_import(actor: CurrentActor, session: DbSession, import_id: uuid.UUID) -> ImportOut:
    return await service.read(session, actor, import_id)


@router.get(
    "/{import_id}/report",
    response_model=None,
    # Both forms of the answer, so a client (and schemathesis) knows the CSV is one: JSON by default.
    responses={
        200: {
            "model": ReportPage,
            "description": "the report page (JSON), or with ?format=csv the whole report (CSV, UTF-8 with BOM)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    openapi_extra=scope.by_resource("POST /imports", "import_id"),
)
async def report(
    actor: CurrentActor,
    session: DbSession,
    rt: Runtime,
    import_id: uuid.UUID,
    format: Literal["json", "csv"] = "json",
    after_row: Annotated[int, Query(ge=0, le=MAX_ROW_NUMBER)] = 0,
    limit: Annotated[int, Query(ge=10, le=MAX_REPORT_PAGE)] = 1000,
    status: Annotated[
        LineStatus | None,
        Query(description="only the lines of this status (rejected: the refused rows, with their reasons)"),
    ] = None,
) -> ReportPage | StreamingResponse:
    """Per-row report: row number, 户编号, status (accepted / rejected / not-applied), field, reason.
    JSON is paged (?after_row=); CSV streams the whole report. ?status= keeps the lines of one status, so
    the few refused rows of a large file are found without reading every accepted one."""
    if format == "json":
        return await service.report_page(session, actor, import_id, after_row, limit, status)
    await service.check_report_visible(session, actor, import_id)
    return StreamingResponse(
        service.report_csv(rt.sessionmaker, actor, import_id, status),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"import-{import_id}-report.csv"),
    )
