from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from fupin_kit.cjk_font import CjkFontMissing
from fupin_kit.db import DbSession
from identification import idempotency, keyset
from identification import matrix_examples as examples
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey
from identification.notices import document, pdf, service
from identification.notices.schemas import (
    NoticeIn,
    NoticeKind,
    NoticeOut,
    NoticeStatus,
    PublicNotice,
    TickOut,
)

router = APIRouter(prefix="/notices", tags=["notices"])
public_router = APIRouter(prefix="/public/notices", tags=["public notice board"])
# The board is public, and the matrix reads it on a real notice.
ON_NOTICE = scope.public(created_by="POST /notices", id_param="notice_id")


@router.post(
    "",
    status_code=201,
    response_model=NoticeOut,
    openapi_extra=scope.by_division(
        location="body", example=examples.NOTICE, prepare=examples.READY_FOR_NOTICE
    ),
)
async def open_notice(body: NoticeIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Put a village's ready list on the board (a township officer); its end comes from the region."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("notice", body), lambda: service.open_notice(ctx, body), 201
    )


@router.post("/tick", response_model=TickOut, openapi_extra=scope.caller())
async def tick(ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Close the notices of the caller's jurisdiction whose end has passed and that have no open ticket."""
    # The fingerprint is what the caller sent (nothing but the route): the service clock's time is no part
    # of the request, and made every replay of a key look like a different request.
    return await idempotency.run(ctx.session, ctx.actor, key, ("tick",), lambda: service.tick(ctx))


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    status: NoticeStatus | None = Query(default=None),
    kind: NoticeKind | None = Query(default=None),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[NoticeOut]:
    """The notices and announcements of the caller's jurisdiction, newest first, in keyset pages."""
    found = await service.search(ctx, None if status is None else status.value, kind, after, limit)
    return keyset.answer(response, found)


@router.get("/{notice_id}", openapi_extra=scope.by_resource("POST /notices", "notice_id"))
async def read(notice_id: uuid.UUID, ctx: Ctx) -> NoticeOut:
    return await service.read(ctx, notice_id)


@public_router.get("", openapi_extra=scope.public(), responses=keyset.NEXT_CURSOR_HEADER)
async def public_search(
    session: DbSession,
    response: Response,
    division: str = Query(pattern=r"^[0-9]{12}$"),
    kind: NoticeKind | None = Query(default=None),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(50, ge=1, le=200),
) -> list[PublicNotice]:
    """The public board, its notices and the county's announcements: no login; names and ID numbers
    masked; newest first, in keyset pages."""
    return keyset.answer(response, await service.public_search(session, division, kind, after, limit))


@public_router.get("/{notice_id}", openapi_extra=ON_NOTICE)
async def public_read(notice_id: uuid.UUID, session: DbSession) -> PublicNotice:
    return await service.public_read(session, notice_id)


@public_router.get("/{notice_id}/document", response_class=HTMLResponse, openapi_extra=ON_NOTICE)
async def public_document(notice_id: uuid.UUID, session: DbSession) -> HTMLResponse:
    return HTMLResponse(document.render_html(await service.public_read(session, notice_id)))


@public_router.get("/{notice_id}/document.pdf", response_class=Response, openapi_extra=ON_NOTICE)
async def public_document_pdf(notice_id: uuid.UUID, session: DbSession) -> Response:
    """The same document as a PDF (drawn off the event loop: font subsetting is CPU work)."""
    notice = await service.public_read(session, notice_id)
    try:
        body = await asyncio.to_thread(pdf.render, notice)
    except CjkFontMissing as exc:
        raise pdf.font_problem(exc) from None
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="notice-{notice.division}-{notice_id}.pdf"'},
    )
