"""The subjects whose unexpired tokens must be refused (disabled accounts, evaluators past their window),
and the not-before of subjects whose tokens issued earlier must be refused (a password or secret reset, a
change of roles or scopes), published for every service's token verification next to the JWK set.

Served from the in-memory blocklist, rendered once per change; only keyed digests of the subject strings
leave the gateway (HMAC-SHA-256 under the key every process derives from FUPIN_PII_KEY), so this
unauthenticated document lists no account names, nor lets anyone check a name they guess against it. Services poll it every couple
of seconds with If-None-Match, so an unchanged set costs an empty 304.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from fupin_gateway.identity.blocklist import Blocklist
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.revocations import REVOKED_SUBJECTS_PATH

# Short: a cache in between must not hold a disable back for longer than a poll interval or so.
CACHE_CONTROL = "max-age=1"

router = APIRouter(tags=["identity"])


class RevokedSubjectsDocument(BaseModel):
    algorithm: Literal["hmac-sha256"] = Field(
        description="HMAC-SHA-256 under a key the platform's processes share; gateways before it: sha256."
    )
    generation: int = Field(description="Changes of the set seen by the answering gateway process.")
    changed_at: datetime = Field(description="When that process last saw the set change.")
    subjects: list[str] = Field(
        description='Sorted lower-case hex HMAC-SHA-256 of each revoked subject string, e.g. of "user:zhang.san".'
    )
    not_before: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Digest of a subject -> epoch seconds to the millisecond (the time its password or secret was "
            "reset, or its roles or scopes changed, truncated to the millisecond): its tokens with an "
            "earlier `iat` are refused. Whole seconds in documents of older gateways, absent in older ones."
        ),
    )


@router.get(
    REVOKED_SUBJECTS_PATH,
    summary="Digests of the subjects whose tokens are revoked",
    response_model=RevokedSubjectsDocument,
    responses={304: {"description": "Unchanged since the ETag sent in If-None-Match."}},
    openapi_extra=scope.public(),
)
async def revoked_subjects(request: Request) -> Response:
    blocklist: Blocklist = request.app.state.blocklist
    published = blocklist.published()
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": published.etag}
    if request.headers.get("if-none-match") == published.etag:
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type="application/json", headers=headers)
