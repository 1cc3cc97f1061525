"""A stand-in gateway for `fupin import`: it accepts the upload with 202 and then answers the import's
progress, report and CSV report as a test scripts it (outages, proxies' HTML pages, a gateway that goes away),
so the command's handling of each can be seen on the real `fupin` process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

IMPORT_ID = "11111111-2222-3333-4444-555555555555"
RUNNING: dict[str, Any] = {
    "id": IMPORT_ID,
    "status": "received",
    "finished_at": None,
    "rows_read": 0,
    "households_read": 0,
    "households_accepted": 0,
    "members_accepted": 0,
    "households_rejected": 0,
    "rows_rejected": 0,
    "duplicate_of": None,
    "error": None,
}


def finished(status: str, **counts: int) -> dict[str, Any]:
    return {**RUNNING, "status": status, "finished_at": "2026-11-27T18:00:00Z", **counts}


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, body: Any, **headers: str) -> Answer:
        return cls(status, json.dumps(body).encode(), headers=headers)


@dataclass
class StandIn:
    url: str
    server: ThreadingHTTPServer
    uploads: list[str] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)
    upload: Answer = field(default_factory=lambda: Answer.json(202, RUNNING))
    progress: list[Answer] = field(default_factory=list)  # answered in turn; the last one repeats
    report_pages: list[dict[str, Any]] = field(default_factory=list)
    report_csv: Answer = field(default_factory=lambda: Answer(200, b"row,status\n", "text/csv"))
    stop_after_upload: bool = False
    routes: dict[str, Answer] = field(default_factory=dict)  # path prefix -> answer, before the rest

    def go_away(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer_get(self, path: str) -> Answer:
        self.gets.append(path)
        for prefix, answer in self.routes.items():
            if path.startswith(prefix):
                return answer
        if path.partition("?")[0].endswith("/report"):
            if "format=csv" in path:
                return self.report_csv
            page = self.report_pages.pop(0) if self.report_pages else {"lines": [], "next_after_row": None}
            return Answer.json(200, {"import_id": IMPORT_ID, "status": "rejected", **page})
        if len(self.progress) > 1:
            return self.progress.pop(0)
        return self.progress[0] if self.progress else Answer.json(200, RUNNING)


@contextmanager
def standin_gateway() -> Iterator[StandIn]:
    holder: list[StandIn] = []

    class Handler(BaseHTTPRequestHandler):
        def _send(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        def do_POST(self) -> None:
            stand_in = holder[0]
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            stand_in.uploads.append(self.path)
            self._send(stand_in.upload)
            if stand_in.stop_after_upload:
                # The gateway goes away: every later request finds nothing listening.
                threading.Thread(target=stand_in.go_away, daemon=True).start()

        def do_GET(self) -> None:
            self._send(holder[0].answer_get(self.path))

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(StandIn(f"http://127.0.0.1:{server.server_address[1]}", server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
