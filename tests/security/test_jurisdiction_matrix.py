"""The jurisdiction matrix, generated from every process's OpenAPI document (tests/security/matrix.py).

Any operation without a scope classification (fupin_kit.openapi_scope) or without a request body example
fails this test by name, so a route added later is in the matrix from the moment it exists."""

from __future__ import annotations

from tests.security.inprocess import running_processes
from tests.security.matrix import CALLERS, Matrix
from tests.security.openapi_ops import classification_problems, operations


async def test_jurisdiction_matrix(fupin_stack) -> None:
    async with running_processes(fupin_stack) as processes:
        ops = {name: operations(name, process.openapi()) for name, process in processes.items()}
        every = [op for found in ops.values() for op in found]
        problems = classification_problems(every, ops)
        matrix = Matrix(fupin_stack, processes, ops)
        await matrix.run()
    failures = [row for row in matrix.rows if not row.ok]
    summary = (
        f"{len(every)} operations × {len(CALLERS)} callers: {len(matrix.rows)} requests, "
        f"{len(failures)} failed, {len(problems) + len(matrix.problems)} operations not checkable"
    )
    print(summary)
    message = [summary]
    if problems or matrix.problems:
        message += [
            "",
            "Operations the matrix cannot check:",
            *(f"- {p}" for p in problems + matrix.problems),
        ]
    if failures:
        message += ["", "Jurisdiction failures:", matrix.table()]
    assert not problems and not matrix.problems and not failures, "\n".join(message)
