"""Log lines leave every process with resident IDs, mobile numbers and bank accounts masked, as spans do
(QA9-OP1: a full resident ID in a request path reached gateway.log through "unhandled error on <path>"; the
processes' logging had no masking at all). The process is configured in a child interpreter exactly as
`runner.serve` configures it, uvicorn's own logging included, so the test session's logging is untouched."""

from __future__ import annotations

import logging
import subprocess
import sys

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fupin_kit.problems import install_problem_handlers

ID = "522634196303031056"
MASKED_ID = "522634********1056"
MOBILE = "13987650505"
ACCOUNT = "6217003030303099999"
DIVISION = "522634100200"
CASE = "02571b22-5a31-4063-8e3f-9b143a557c89"

PROCESS = f"""
import logging
import uvicorn
from fupin_kit import runner

def run_and_log(app, **options):
    uvicorn.Config(app, **options)  # configures logging as uvicorn.run does, then serves nothing
    problems = logging.getLogger("fupin_kit.problems")
    problems.error("unhandled error on /api/v1/registry/households/%s/members", "{ID}")
    problems.warning("resident {ID} named in the message itself, mobile {MOBILE}")
    problems.warning("account %s on a path", "/households/{ACCOUNT}/members")
    problems.info("case %s of village %s moved on", "{CASE}", "{DIVISION}")
    try:
        raise ValueError("no household with resident ID {ID}")
    except ValueError:
        problems.exception("lookup failed")
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    logging.getLogger("uvicorn.error").info("uvicorn heard of %s", "{ID}")
    access_options = {{**options, "access_log": True}}
    uvicorn.Config(app, **access_options)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/households/{ID}?phone={MOBILE}", "1.1", 200
    )

uvicorn.run = run_and_log
runner.serve("gateway", "fupin_gateway.main:create_app", ["--port", "0"])
"""


def _process_output() -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROCESS], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout + done.stderr


def test_a_process_logs_no_full_id_mobile_or_account_in_messages_arguments_or_tracebacks() -> None:
    output = _process_output()
    assert ID not in output, output
    assert MOBILE not in output and ACCOUNT not in output, output
    assert output.count(MASKED_ID) == 6, output  # every line was written, masked
    assert "139****0505" in output and "***************9999" in output, output
    assert "Traceback (most recent call last)" in output  # the traceback kept, its text masked


def test_lines_without_numbers_to_mask_are_written_as_before() -> None:
    output = _process_output()
    assert f"gateway INFO fupin_kit.problems: case {CASE} of village {DIVISION} moved on\n" in output
    assert f'"GET /households/{MASKED_ID}?phone=139****0505 HTTP/1.1" 200' in output, output


def test_the_unhandled_error_names_the_path_masked() -> None:
    """The record itself carries the masked path, so no handler (a test's, a collector's) sees the ID."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/households/{key}/members")
    async def crash(key: str) -> None:
        raise RuntimeError("boom")

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    keep = Keep()
    logging.getLogger("fupin_kit.problems").addHandler(keep)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.post(f"/households/{ID}/members").status_code == 500
            assert client.post(f"/households/{ACCOUNT}/members").status_code == 500
    finally:
        logging.getLogger("fupin_kit.problems").removeHandler(keep)
    assert records == [
        f"unhandled error on /households/{MASKED_ID}/members",
        "unhandled error on /households/***************9999/members",
    ]
