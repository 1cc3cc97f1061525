"""uvicorn's HTTP/1.1 protocol with its parser-failure answer as a problem document, and each answer's
header block sent with its body.

When httptools cannot parse a request (a control byte or invalid character in a header, an over-long URL,
a malformed request line, a TLS hello sent to the plain port), uvicorn answers 400 itself and closes the
connection: the app never sees the request, so neither its problem handlers (fupin_kit.problems) nor the
gateway's security headers can shape that answer. Stock uvicorn writes `text/plain` "Invalid HTTP request
received."; this writes the platform's `application/problem+json` instead. The runner passes the class to
`uvicorn.run(http=...)`, so the gateway and every service use it.

Stock uvicorn sends an answer's header block and its body in two writes, so the reader (the gateway's
upstream client, the caller) wakes twice per answer; here a small answer leaves in one (_HeaderBlockHeld).
On B3's read that took about 5 % off the CPU per request of every process, the bare baseline's included.
"""

from __future__ import annotations

import asyncio

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from fupin_kit.problems import PROBLEM_MEDIA_TYPE, ProblemError

# Fixed: uvicorn's message is fixed too, and the parser's own reason may quote the caller's bytes.
MALFORMED_REQUEST_DETAIL = "the request could not be parsed as HTTP/1.1"
MALFORMED_REQUEST = ProblemError(400, "Bad Request", MALFORMED_REQUEST_DETAIL, kind="malformed-request")
# uvicorn's "100 Continue", written before the answer itself.
_INTERIM = b"HTTP/1.1 100 "
_BODY = orjson.dumps(MALFORMED_REQUEST.document())
_HEADERS = b"".join(
    [
        b"content-type: " + PROBLEM_MEDIA_TYPE.encode("ascii") + b"\r\n",
        b"content-length: " + str(len(_BODY)).encode("ascii") + b"\r\n",
        b"x-content-type-options: nosniff\r\n",
        b"connection: close\r\n",
        b"\r\n",
    ]
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (the one `http="auto"` picks when httptools is installed), answering a
    request its parser refuses with a problem document; everything else is uvicorn's."""

    def send_400_response(self, msg: str) -> None:
        # uvicorn has already logged `msg` (a fixed text); it is not sent. As uvicorn does: its default
        # headers (date, server), the answer, then the connection is closed.
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([_HEADERS, _BODY])
        self.transport.write(b"".join(content))
        self.transport.close()

    def on_headers_complete(self) -> None:
        previous = self.cycle
        super().on_headers_complete()
        # A HEAD answer has no body write to join. The cycle's task has not run yet (it starts on the
        # loop's next turn), so no write is missed.
        if self.cycle is not None and self.cycle is not previous and self.scope["method"] != "HEAD":
            self.cycle.transport = _HeaderBlockHeld(self.transport)  # type: ignore[assignment]


class _HeaderBlockHeld:
    """A response's transport that holds its header block until the body's first write, so a small response
    leaves in one send instead of two: on loopback each send wakes the reader once more (the gateway's upstream
    client, the caller), which costs more than the send itself. The block never waits past the loop's next
    turn (a stream whose first chunk is not ready yet: an event stream's client sees it open at once), nor
    past a close."""

    __slots__ = ("_answered", "_flush_handle", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._flush_handle: asyncio.Handle | None = None
        self._answered = False

    def write(self, data: bytes) -> None:
        if self._held is not None:
            data = self._held + data
            self._release()
        elif not self._answered and not data.startswith(_INTERIM):
            self._answered = True
            self._held = data
            self._flush_handle = asyncio.get_running_loop().call_soon(self.flush)
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._held is not None:
            data = self._held
            self._release()
            if not self._transport.is_closing():
                self._transport.write(data)

    def _release(self) -> None:
        self._held = None
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()
