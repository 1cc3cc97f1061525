"""uvicorn's HTTP/1.1 protocol with its parser-failure answer as a problem document.

When httptools cannot parse a request (a control byte or invalid character in a header, an over-long URL,
a malformed request line, a TLS hello sent to the plain port), uvicorn answers 400 itself and closes the
connection: the app never sees the request, so neither its problem handlers (fupin_kit.problems) nor the
gateway's security headers can shape that answer. Stock uvicorn writes `text/plain` "Invalid HTTP request
received."; this writes the platform's `application/problem+json` instead. The runner passes the class to
`uvicorn.run(http=...)`, so the gateway and every service use it.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from fupin_kit.problems import PROBLEM_MEDIA_TYPE, ProblemError

# Fixed: uvicorn's message is fixed too, and the parser's own reason may quote the caller's bytes.
MALFORMED_REQUEST_DETAIL = "the request could not be parsed as HTTP/1.1"
MALFORMED_REQUEST = ProblemError(400, "Bad Request", MALFORMED_REQUEST_DETAIL, kind="malformed-request")
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
