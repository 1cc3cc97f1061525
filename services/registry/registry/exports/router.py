"""GET /exports/...: the card, register, book and archive of a household or division in the caller's
jurisdiction. Outside it: 404; a code of the wrong level for the export: 422. Above the county tier every
resident ID and bank account is masked."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_kit import divisions
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.cjk_font import CjkFontMissing, find_font
from fupin_kit.db import DbSession
from fupin_kit.head_requests import is_head
from fupin_kit.pii import PiiCipher
from registry import patterns
from registry.exports import csv_archive, pdf_card, service, xlsx_books
from registry.exports.columns import Disclosure
from registry.exports.disposition import attachment
from registry.households.router import pii_cipher

router = APIRouter(prefix="/exports", tags=["exports"])
Code = Annotated[str, PathParam(pattern=patterns.DIVISION_CODE, description="12-digit division code")]
Cipher = Annotated[PiiCipher, Depends(pii_cipher)]
Sessions = async_sessionmaker[AsyncSession]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_answer(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of an export as the OpenAPI document states it: the file's media type, not JSON."""
    return {
        200: {
            "description": what,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


def _sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


@router.get(
    "/households/{household_id}/card.pdf",
    response_class=Response,
    responses=_file_answer("application/pdf", "the household card (PDF)"),
    openapi_extra=scope.by_resource("POST /households", "household_id"),
)
async def household_card(
    household_id: uuid.UUID, actor: CurrentActor, session: DbSession, cipher: Cipher
) -> Response:
    """户卡: one household's card as a PDF."""
    card = await service.card(session, actor, household_id)
    try:
        font = find_font()
    except CjkFontMissing as exc:
        raise pdf_card.font_problem(exc) from None
    disclosure = service.disclosure(actor, cipher)
    body = await asyncio.to_thread(pdf_card.render, card, disclosure, font)
    headers = attachment(f"户卡-{card.household['head_name']}-{household_id}.pdf", f"card-{household_id}.pdf")
    return Response(body, media_type="application/pdf", headers=headers)


async def _register(
    sessionmaker: Sessions, scope: service.Scope, disclosure: Disclosure
) -> AsyncIterator[bytes]:
    # Its own snapshot session: the request's unit of work has closed by the time the body streams.
    async with service.snapshot_session(sessionmaker) as snapshot:
        names = await service.village_names(snapshot, scope)
        lo, hi = scope.range
        async for chunk in xlsx_books.register(
            lambda: service.household_files(snapshot, lo, hi), names, disclosure
        ):
            yield chunk


async def _book(sessionmaker: Sessions, scope: service.Scope, disclosure: Disclosure) -> AsyncIterator[bytes]:
    async with service.snapshot_session(sessionmaker) as snapshot:
        villages = await service.township_villages(snapshot, scope)
        counts = await service.village_counts(snapshot, scope)
        lo, hi = scope.range
        async for chunk in xlsx_books.book(
            villages, counts, lambda: service.household_files(snapshot, lo, hi), disclosure
        ):
            yield chunk


WorkbookBody = Callable[[Sessions, service.Scope, Disclosure], AsyncIterator[bytes]]


def _workbook_response(
    body: WorkbookBody,
    request: Request,
    scope: service.Scope,
    disclosure: Disclosure,
    name: str,
    ascii_name: str,
) -> StreamingResponse:
    """Stream the workbook as it is written (xlsx_books): its first bytes leave at once, then one page of
    households after another, and nothing is written to disk. Jurisdiction and level were checked before
    (a problem document, not a broken download). A HEAD gets the GET's headers and no workbook: a
    county's archive reads every household of the county, once per sheet."""
    headers = attachment(name, ascii_name)
    if is_head(request.scope):
        return StreamingResponse(iter(()), media_type=XLSX, headers=headers)
    return StreamingResponse(
        body(_sessionmaker(request), scope, disclosure), media_type=XLSX, headers=headers
    )


@router.get(
    "/villages/{code}/register.xlsx",
    response_class=StreamingResponse,
    responses=_file_answer(XLSX, "the village register (XLSX)"),
    openapi_extra=scope.by_division("code", "path", "village"),
)
async def village_register(
    code: Code, request: Request, actor: CurrentActor, session: DbSession, cipher: Cipher
) -> StreamingResponse:
    """村册: every household of the village and its members (two sheets)."""
    scope = await service.scope(session, actor, code, divisions.Level.VILLAGE)
    disclosure = service.disclosure(actor, cipher)
    return _workbook_response(
        _register, request, scope, disclosure, f"村册-{scope.name}-{code}.xlsx", f"register-{code}.xlsx"
    )


@router.get(
    "/townships/{code}/book.xlsx",
    response_class=StreamingResponse,
    responses=_file_answer(XLSX, "the township book (XLSX)"),
    openapi_extra=scope.by_division("code", "path", "township"),
)
async def township_book(
    code: Code, request: Request, actor: CurrentActor, session: DbSession, cipher: Cipher
) -> StreamingResponse:
    """乡簿: a summary sheet (households per village by status and main cause) and a sheet per village."""
    scope = await service.scope(session, actor, code, divisions.Level.TOWNSHIP)
    disclosure = service.disclosure(actor, cipher)
    return _workbook_response(
        _book, request, scope, disclosure, f"乡簿-{scope.name}-{code}.xlsx", f"book-{code}.xlsx"
    )


@router.get(
    "/counties/{code}/archive.xlsx",
    response_class=StreamingResponse,
    responses=_file_answer(XLSX, "the county archive (XLSX)"),
    openapi_extra=scope.by_division("code", "path", "county"),
)
async def county_archive_xlsx(
    code: Code, request: Request, actor: CurrentActor, session: DbSession, cipher: Cipher
) -> StreamingResponse:
    """县档 as XLSX: every household and member of the county (two sheets)."""
    scope = await service.scope(session, actor, code, divisions.Level.COUNTY)
    disclosure = service.disclosure(actor, cipher)
    return _workbook_response(
        _register, request, scope, disclosure, f"县档-{scope.name}-{code}.xlsx", f"archive-{code}.xlsx"
    )


@router.get(
    "/counties/{code}/archive.csv",
    response_class=StreamingResponse,
    responses=_file_answer("text/csv", "the county archive (CSV, UTF-8 with BOM)"),
    openapi_extra=scope.by_division("code", "path", "county"),
)
async def county_archive_csv(
    code: Code, request: Request, actor: CurrentActor, session: DbSession, cipher: Cipher
) -> StreamingResponse:
    """县档 as CSV (UTF-8 with BOM): one row per member with its household's columns, streamed page by page.

    Resident IDs, bank accounts and division codes are plain digit strings, as CSV has no types. Excel
    opening the file reads them as numbers: it shows 5.22634E+17 and keeps 15 significant digits, so a
    sheet saved again from it has lost the last digits of every ID and account. For Excel, use
    `archive.xlsx`, where they are text cells; or import the CSV with those columns as text. (No `="…"`
    or tab tricks are written into the cells: every other program would read them as part of the value.)
    """
    scope = await service.scope(session, actor, code, divisions.Level.COUNTY)
    disclosure = service.disclosure(actor, cipher)
    sessionmaker = _sessionmaker(request)

    async def body() -> AsyncIterator[bytes]:
        # Its own snapshot session: the request's unit of work has closed by the time the body streams.
        async with service.snapshot_session(sessionmaker) as snapshot:
            names = await service.village_names(snapshot, scope)
            lo, hi = scope.range
            async for chunk in csv_archive.archive_csv(
                service.household_files(snapshot, lo, hi), names, disclosure
            ):
                yield chunk

    headers = attachment(f"县档-{scope.name}-{code}.csv", f"archive-{code}.csv")
    # A HEAD gets the GET's headers without the archive being read (head_requests.is_head).
    chunks = iter(()) if is_head(request.scope) else body()
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)
