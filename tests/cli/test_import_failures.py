"""`fupin import` when things go wrong, on the real `fupin` process against a stand-in gateway.

Its help is the contract a scheduler relies on: exit code 0 when the file was applied (or already had been),
1 when it was rejected or the import failed (gateway unreachable, upload refused, timeout, outage), 2 only
for bad arguments, found before anything is uploaded. No operational failure is a traceback, and once the
file is uploaded every way out names the import and how to look it up: the server applies it regardless.
"""

from __future__ import annotations

import asyncio
import io
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from fupin_cli.import_cmd import ImportOptions, run_import
from fupin_kit.auth.keys import KeyStore
from fupin_kit.testing import Stack
from tests.cli.helpers import FUPIN, Run, free_port_block
from tests.cli.standin_gateway import IMPORT_ID, RUNNING, Answer, StandIn, finished, standin_gateway
from tests.e2e.platform import COUNTY, running_platform

DIVISION = "522630000000"
PROBLEM_503 = {
    "type": "about:blank",
    "title": "Service Unavailable",
    "status": 503,
    "detail": "database unavailable",
}


@pytest.fixture
def gateway() -> Iterator[StandIn]:
    with standin_gateway() as stand_in:
        yield stand_in


@pytest.fixture
def run(tmp_path: Path) -> Run:
    KeyStore(tmp_path / "keys").ensure()
    (tmp_path / "登记表.csv").write_text("户编号,村代码\nH1,522630100200\n", encoding="utf-8")
    return Run.new(tmp_path / "state")


def fupin_import(
    run: Run, gateway_url: str, *extra: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    tmp = run.state_dir.parent
    return run.fupin(
        "import", str(tmp / "登记表.csv"), "--division", DIVISION, "--keys-dir", str(tmp / "keys"),
        "--gateway", gateway_url, *extra, timeout=timeout,
    )  # fmt: skip


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]


def names_the_import(result: subprocess.CompletedProcess[str]) -> None:
    """The id, and a way to look the import up without this command's token."""
    assert IMPORT_ID in result.stderr, result.stderr
    assert f"imports/{IMPORT_ID}" in result.stderr and "fupin token" in result.stderr, result.stderr


def test_gateway_failures_exit_1_not_usage_2(run: Run, gateway: StandIn) -> None:
    unreachable = fupin_import(run, f"http://127.0.0.1:{free_port_block(1)}")
    assert unreachable.returncode == 1, unreachable.stderr
    assert "cannot reach the gateway" in unreachable.stderr
    no_traceback(unreachable)

    gateway.upload = Answer.json(403, {"title": "Forbidden", "status": 403, "detail": "requires a role"})
    refused = fupin_import(run, gateway.url)
    assert refused.returncode == 1, refused.stderr
    assert "the upload was refused (403): requires a role" in refused.stderr

    gateway.upload = Answer.json(202, RUNNING)
    gateway.progress = [Answer.json(200, {**RUNNING, "status": "validating"})]
    slow = fupin_import(run, gateway.url, "--timeout", "2")
    assert slow.returncode == 1, slow.stderr
    assert "has not finished after 2s" in slow.stderr
    names_the_import(slow)


def test_bad_report_paths_are_usage_errors_before_uploading(
    run: Run, gateway: StandIn, tmp_path: Path
) -> None:
    for target, expected in (
        (tmp_path / "missing" / "report.csv", "does not exist"),
        (tmp_path, "is a directory"),
    ):
        result = fupin_import(run, gateway.url, "--report", str(target))
        assert result.returncode == 2, (target, result.stderr)
        assert expected in result.stderr, result.stderr
        no_traceback(result)
    assert gateway.uploads == []  # nothing was imported


def test_an_applied_import_whose_report_cannot_be_saved_still_exits_0(
    run: Run, gateway: StandIn, tmp_path: Path
) -> None:
    gateway.progress = [
        Answer.json(200, finished("accepted", rows_read=1, households_read=1, households_accepted=1))
    ]
    gateway.report_csv = Answer(500, b"oops", "text/plain")
    result = fupin_import(run, gateway.url, "--report", str(tmp_path / "report.csv"))
    assert result.returncode == 0, result.stderr
    assert "the report was not saved" in result.stderr, result.stderr
    no_traceback(result)


def test_a_directory_as_file_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run.fupin("import", str(tmp_path), "--division", DIVISION, "--keys-dir", str(tmp_path / "keys"))
    assert result.returncode == 2, result.stderr
    assert "is a directory" in result.stderr, result.stderr
    no_traceback(result)


def test_the_gateway_going_away_while_following_names_the_import(run: Run, gateway: StandIn) -> None:
    gateway.stop_after_upload = True
    result = fupin_import(run, gateway.url)
    assert result.returncode == 1, result.stderr
    assert "lost contact with the gateway" in result.stderr, result.stderr
    names_the_import(result)
    no_traceback(result)


def test_a_proxy_page_instead_of_the_import_names_the_import(run: Run, gateway: StandIn) -> None:
    gateway.progress = [Answer(200, b"<html>502 Bad Gateway</html>", "text/html")]
    result = fupin_import(run, gateway.url)
    assert result.returncode == 1, result.stderr
    assert "not the import" in result.stderr, result.stderr
    names_the_import(result)
    no_traceback(result)


def test_a_transient_outage_while_following_is_waited_out(run: Run, gateway: StandIn) -> None:
    gateway.progress = [
        Answer.json(503, PROBLEM_503, **{"Retry-After": "1"}),
        Answer(502, b"<html>502 Bad Gateway</html>", "text/html"),
        Answer.json(200, finished("accepted", rows_read=1, households_read=1, households_accepted=1)),
    ]
    result = fupin_import(run, gateway.url)
    assert result.returncode == 0, result.stderr
    assert f"import {IMPORT_ID}: accepted" in result.stdout, result.stdout
    assert len([path for path in gateway.gets if path.endswith(IMPORT_ID)]) == 3


def test_ctrl_c_after_the_upload_says_the_import_goes_on(run: Run, gateway: StandIn) -> None:
    tmp = run.state_dir.parent
    process = subprocess.Popen(
        [*FUPIN, "import", str(tmp / "登记表.csv"), "--division", DIVISION, "--keys-dir", str(tmp / "keys"),
         "--gateway", gateway.url],
        env=run.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not gateway.gets and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gateway.uploads, "the upload never arrived"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert result.returncode == 130, (result.returncode, stderr)
    assert "cannot be cancelled" in stderr and "carries on applying it" in stderr, stderr
    names_the_import(result)
    no_traceback(result)


def test_ctrl_c_while_the_command_starts_is_no_traceback() -> None:
    # Python is still importing the command's modules: simulated by interrupting right after the package.
    result = subprocess.run(
        [FUPIN[0], "-c", "import fupin_cli, rich.console; raise KeyboardInterrupt"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == "interrupted", result.stderr


def test_a_rejected_file_shows_why(run: Run, gateway: StandIn) -> None:
    gateway.progress = [Answer.json(200, finished("rejected", rows_read=0, rows_rejected=1))]
    gateway.report_pages = [
        {
            "lines": [
                {"row": 1, "household_key": "", "household_id": None, "status": "rejected", "field": "文件",
                 "reason": "missing required columns: 户编号、村代码"},
            ],
            "next_after_row": None,
        }
    ]  # fmt: skip
    result = fupin_import(run, gateway.url)
    assert result.returncode == 1, result.stderr
    assert "missing required columns: 户编号、村代码" in result.stdout, result.stdout
    assert "文件" in result.stdout


def test_row_rejections_show_the_first_rows_across_pages(run: Run, gateway: StandIn) -> None:
    def line(row: int, status: str) -> dict[str, object]:
        reason = f"bad check digit on row {row}" if status == "rejected" else None
        return {"row": row, "household_key": f"H{row}", "household_id": None, "status": status,
                "field": "证件号码" if reason else None, "reason": reason}  # fmt: skip

    gateway.progress = [Answer.json(200, finished("rejected", rows_read=40, rows_rejected=30))]
    gateway.report_pages = [
        {"lines": [line(row, "not-applied") for row in range(2, 12)], "next_after_row": 11},
        {"lines": [line(row, "rejected") for row in range(12, 42)], "next_after_row": None},
    ]
    result = fupin_import(run, gateway.url)
    assert result.returncode == 1, result.stderr
    assert "bad check digit on row 12" in result.stdout and "bad check digit on row 31" in result.stdout
    assert "row 32" not in result.stdout  # the first 20 only
    assert "first 20 of 30" in result.stdout, result.stdout


async def test_the_real_registry_s_rejection_reason_is_printed(fupin_stack: Stack, tmp_path: Path) -> None:
    """File-level reasons as the registry writes them into the report (field 文件), read back through the
    gateway with the command's own token: before, only `rows_rejected 1` and a URL needing a token."""
    async with running_platform(fupin_stack, tmp_path) as platform:
        path = tmp_path / "登记表.csv"
        path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
        options = ImportOptions(
            gateway_url=str(platform.client.base_url),
            keys_dir=fupin_stack.keys.directory,
            path=path,
            division=COUNTY,
            tier=None,
            role="officer",
            subject="user:cli-test",
            report=None,
            timeout_s=120.0,
        )
        output = io.StringIO()
        code = await asyncio.to_thread(run_import, options, Console(file=output, width=200))
        assert code == 1, output.getvalue()
        assert "missing required columns" in output.getvalue(), output.getvalue()


def test_the_id_and_report_url_stay_on_one_line_in_a_log(run: Run, gateway: StandIn) -> None:
    """Captured by cron or CI (no terminal, 80 columns), the id and the URL were broken across lines."""
    gateway.progress = [
        Answer.json(200, finished("accepted", rows_read=1, households_read=1, households_accepted=1))
    ]
    tmp = run.state_dir.parent
    env = {key: value for key, value in run.env().items() if key != "COLUMNS"}
    result = subprocess.run(
        [*FUPIN, "import", str(tmp / "登记表.csv"), "--division", DIVISION, "--keys-dir", str(tmp / "keys"),
         "--gateway", gateway.url],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"import {IMPORT_ID}: accepted" in lines, result.stdout
    assert any(f"{gateway.url}/api/v1/registry/imports/{IMPORT_ID}/report " in line for line in lines), (
        result.stdout
    )


FIRST_IMPORT = "99999999-8888-7777-6666-555555555555"


def _first_import(status: str, **counts: int) -> Answer:
    body = {**RUNNING, "id": FIRST_IMPORT, "status": status, **counts}
    if status in ("accepted", "rejected"):
        body["finished_at"] = "2026-11-27T18:00:00Z"
    return Answer.json(200, body)


@pytest.mark.parametrize(("outcome", "code"), [("accepted", 0), ("rejected", 1)])
def test_the_same_file_run_again_while_its_first_import_applies_waits_for_it(
    run: Run, gateway: StandIn, outcome: str, code: int
) -> None:
    """A duplicate is finished when it is answered, with the first import's counts of that moment: zeros
    while the first import still applies, which exited 1 for a file that was then applied. The outcome is
    the first import's, followed to its end."""
    gateway.upload = Answer.json(202, {**finished("duplicate-of"), "duplicate_of": FIRST_IMPORT})
    gateway.progress = [
        _first_import("applying", rows_read=1, households_read=1),
        _first_import(
            outcome, rows_read=1, households_read=1, households_accepted=int(outcome == "accepted")
        ),
    ]
    result = fupin_import(run, gateway.url)
    assert result.returncode == code, result.stdout + result.stderr
    assert f"import {IMPORT_ID}: duplicate-of (of import {FIRST_IMPORT}: {outcome})" in result.stdout, (
        result.stdout
    )
    assert len([path for path in gateway.gets if path.endswith(FIRST_IMPORT)]) == 2, gateway.gets
    no_traceback(result)
