"""RFC 9457 problem details for every error a Fupin API returns.

Every failure leaves the process as `application/problem+json` with a stable `type` URI, so departmental
systems can branch on the type rather than parse prose. Database outages become 503 with Retry-After,
never a 500 or a hang.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from fupin_kit.log_masking import mask_log_text

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://fupin.dev/problems/"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raise anywhere below a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}
        self.extensions = extensions

    def document(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind if self.kind else "about:blank",
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


def not_found(what: str = "resource") -> ProblemError:
    # One answer for "absent" and "outside your jurisdiction", so a caller cannot probe for existence.
    return ProblemError(404, "Not Found", f"No such {what}", kind="not-found")


def too_large(limit: int | None) -> ProblemError:
    """A body over the route's limit (`limit` bytes, when known)."""
    detail = "The request body is larger than this route accepts"
    if limit is not None:
        detail += f" ({limit:,} bytes)"
    return ProblemError(413, "Content Too Large", detail, kind="content-too-large", max_bytes=limit)


def conflict(detail: str, **extensions: Any) -> ProblemError:
    return ProblemError(409, "Conflict", detail, kind="conflict", **extensions)


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "Forbidden", detail, kind="forbidden")


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, "Unauthorized", detail, kind="unauthorized", headers={"WWW-Authenticate": "Bearer"}
    )


def unprocessable(detail: str, **extensions: Any) -> ProblemError:
    return ProblemError(422, "Unprocessable Content", detail, kind="validation", **extensions)


def service_unavailable(detail: str, retry_after_s: int = 5) -> ProblemError:
    return ProblemError(
        503, "Service Unavailable", detail, kind="unavailable", headers={"Retry-After": str(retry_after_s)}
    )


def problem_response(problem: ProblemError, request: Request | None = None) -> Response:
    instance = request.url.path if request is not None else None
    return Response(
        content=orjson.dumps(problem.document(instance)),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for error in errors:
        cleaned.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return cleaned


# Raised by asyncpg itself (the read pool, fupin_kit.read_pool) when the server is gone or going: a closed
# or broken connection, a refused or failed connection (class 08), the server shutting down or starting
# (57P01-57P03).
ASYNCPG_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


def is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(exc, ASYNCPG_OUTAGES):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, ConnectionError | OSError) and not isinstance(exc, FileNotFoundError)


# Data exceptions PostgreSQL raises for a value the request carried (a NUL character, a number or a date
# beyond the column's range, a string longer than the column, text that is not a number): the caller's
# input, not a fault of ours, and the request's transaction is rolled back, so nothing was changed.
INPUT_SQLSTATES: dict[str, str] = {
    "22021": "a text value contains a character that cannot be stored (for example NUL, \\u0000)",
    "22P05": "a text value contains a character that cannot be stored",
    "22001": "a text value is longer than the field allows",
    "22003": "a number is outside the range the field allows",
    "22008": "a date or time is outside the range the field allows",
    "22007": "a date or time is not valid",
    "22P02": "a value does not have the form the field requires",
    # asyncpg's own refusal to encode a parameter (an integer beyond int4 for an int4 column), raised before
    # the query is sent, carries the data-exception class code.
    "22000": "a value cannot be stored in its field (for example a number beyond the field's range)",
}


# A transaction PostgreSQL aborted because it collided with a concurrent one (a deadlock, a serialization
# failure, a lock waited for too long): rolled back whole, so nothing was changed, and the same request
# sent again normally succeeds.
CONFLICT_SQLSTATES: dict[str, str] = {
    "40P01": "it collided with a concurrent change (deadlock)",
    "40001": "it collided with a concurrent change (serialization failure)",
    # lock_timeout: a concurrent change held what this one needed for longer than it may wait (the registry's
    # membership changes while an import is applied, households.repository.MEMBERSHIP_LOCK_WAIT).
    "55P03": "it waited too long for a concurrent change to finish",
}


def _sqlstate(exc: BaseException, states: Mapping[str, str]) -> str | None:
    """The SQLSTATE of a database error if it is one of `states`, whether raised through SQLAlchemy (the
    driver's error as `orig`) or by asyncpg directly; None otherwise."""
    for candidate in (
        exc,
        getattr(exc, "orig", None),
        getattr(getattr(exc, "orig", None), "__cause__", None),
    ):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and state in states:
            return state
    return None


def input_sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error caused by a request's value; None for any other error."""
    return _sqlstate(exc, INPUT_SQLSTATES)


BODY_PARSE_ERROR = "There was an error parsing the body"
BODY_UNREADABLE = (
    "The request body cannot be read: it must be UTF-8 JSON nested at most a few hundred levels deep "
    "(or, for an upload, multipart/form-data with its boundary)"
)
_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


# RFC 9110's names where Python's table still has the older ones.
_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def _status_phrase(status: int) -> str:
    if status in _PHRASES:
        return _PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP Error"


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "^"
        + "".join(
            (".+" if part.endswith(":path}") else "[^/]+") if part.startswith("{") else re.escape(part)
            for part in parts
        )
        + "$"
    )


def allowed_methods(request: Request) -> list[str]:
    """The methods the app answers on the request's path, read from its OpenAPI document (built once).

    A path a literal template names is that resource only: `/households/code-lists` also fits
    `/households/{household_id}`, whose PATCH it does not support, so only the templates with the fewest
    parameters among those that fit count."""
    app = request.app
    table: list[tuple[re.Pattern[str], int, set[str]]] | None = getattr(app.state, "allow_table", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            methods = {method.upper() for method in operations if method.upper() in _HTTP_METHODS}
            if "GET" in methods:
                methods.add("HEAD")  # every app answers HEAD where it answers GET (head_requests.HeadAsGet)
            table.append((_path_pattern(template), template.count("{"), methods))
        app.state.allow_table = table
    path = request.scope.get("path", "")
    fitting = [(parameters, methods) for pattern, parameters, methods in table if pattern.match(path)]
    fewest = min((parameters for parameters, _ in fitting), default=0)
    found: set[str] = set()
    for parameters, methods in fitting:
        if parameters == fewest:
            found |= methods
    return [method for method in _HTTP_METHODS if method in found]


def _logged_path(request: Request) -> str:
    """The request's path as a log line may name it: a resident ID, mobile or account in it masked (the
    handlers mask their lines too; this keeps it out of the record itself, which any handler may get)."""
    return mask_log_text(request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = unprocessable("The request is not valid", errors=_jsonable_errors(exc.errors()))
        return problem_response(problem, request)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.detail == BODY_PARSE_ERROR:
            # FastAPI's answer to a body it cannot decode (invalid UTF-8, JSON nested past the parser's
            # limit, multipart without a boundary): the documented 422 of a request that is not valid,
            # like truncated JSON, rather than a 400 no operation documents.
            return problem_response(unprocessable(BODY_UNREADABLE), request)
        if exc.status_code == 400 and request.headers.get("content-type", "").startswith("multipart/"):
            # Starlette's answer to a form it cannot parse ("Invalid multipart data."): as unreadable as
            # broken JSON, so the same documented 422.
            return problem_response(unprocessable(BODY_UNREADABLE), request)
        if exc.status_code == 413:
            # A body sent without a Content-Length that grew past the route's limit while it was read:
            # the same documented problem as one whose declared length is over it (body_limits).
            limit = request.scope.get("starlette.max_body_size")
            return problem_response(too_large(limit if isinstance(limit, int) else None), request)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route that matched the path only; RFC 9110
            # §15.5.6 wants every method the resource supports.
            methods = allowed_methods(request)
            if methods:
                headers["Allow"] = ", ".join(methods)
        title = _status_phrase(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) else None
        problem = ProblemError(exc.status_code, title, detail, headers=headers)
        return problem_response(problem, request)

    async def on_database_error(request: Request, exc: Exception) -> Response:
        # Registered for the database's error classes so that a caller's bad value is answered here, by
        # the exception middleware, and not logged as a crash by the server-error middleware.
        collision = _sqlstate(exc, CONFLICT_SQLSTATES)
        if collision is not None:
            log.warning("transaction aborted on %s (SQLSTATE %s)", _logged_path(request), collision)
            problem = service_unavailable(
                f"The change was not made: {CONFLICT_SQLSTATES[collision]}; send it again", retry_after_s=1
            )
            return problem_response(problem, request)
        state = input_sqlstate(exc)
        if state is None:
            return await on_unexpected(request, exc)
        log.info(
            "refused a value the database cannot store on %s (SQLSTATE %s)", _logged_path(request), state
        )
        problem = unprocessable(f"The request is not valid: {INPUT_SQLSTATES[state]}")
        return problem_response(problem, request)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        if is_database_outage(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            return problem_response(service_unavailable("The database is unavailable"), request)
        log.exception("unhandled error on %s", _logged_path(request))
        return problem_response(ProblemError(500, "Internal Server Error", kind="internal"), request)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(asyncpg.PostgresError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)
