"""`fupin import FILE` on the real platform: upload through the gateway with a locally minted token, follow
the progress, print the summary; the households are then readable through the gateway."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from rich.console import Console

from fupin_cli.import_cmd import ImportOptions, run_import
from fupin_kit.pii import check_digit
from fupin_kit.testing import Stack
from registry.imports.template import EXAMPLE_ROWS, HEADERS, csv_file
from tests.e2e.platform import COUNTY, SIBLING, VILLAGE, running_platform


def _file(path: Path) -> None:
    rows = []
    for number, village in enumerate((VILLAGE, SIBLING), start=1):
        head = dict(zip(HEADERS, EXAMPLE_ROWS[0], strict=True))
        spouse = dict(zip(HEADERS, EXAMPLE_ROWS[1], strict=True))
        head.update({"户编号": f"C{number}", "村代码": village})
        spouse["户编号"] = f"C{number}"
        for row, sequence in ((head, 11 + 2 * number), (spouse, 20 + 2 * number)):
            first17 = f"520102{1960 + number}0101{sequence:03d}"
            row["证件号码"] = first17 + check_digit(first17)
        rows += [head, spouse]
    path.write_bytes(csv_file([row[header] for header in HEADERS] for row in rows))


async def test_fupin_import_uploads_through_the_gateway(fupin_stack: Stack, tmp_path: Any) -> None:
    async with running_platform(fupin_stack, tmp_path) as platform:
        await platform.user("county", "county", COUNTY, ["officer"])
        path = tmp_path / "登记表.csv"
        _file(path)
        output = io.StringIO()
        options = ImportOptions(
            gateway_url=str(platform.client.base_url),
            keys_dir=fupin_stack.keys.directory,
            path=path,
            division=None,  # the county of the first village
            tier=None,
            role="officer",
            subject="user:cli-test",
            report=tmp_path / "report.csv",
            timeout_s=120.0,
        )
        code = await asyncio.to_thread(run_import, options, Console(file=output, width=160))
        assert code == 0, output.getvalue()
        assert "accepted" in output.getvalue()
        report = list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text(encoding="utf-8-sig"))))
        assert [line[2] for line in report[1:]] == ["accepted"] * 4
        household_id = report[1][5]
        body = await platform.call("GET", f"/api/v1/registry/households/{household_id}", "county")
        assert body["division"] == VILLAGE and len(body["members"]) == 2

        again = await asyncio.to_thread(run_import, options, Console(file=io.StringIO(), width=160))
        assert again == 0  # a duplicate of an applied file
