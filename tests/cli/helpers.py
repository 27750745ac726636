"""Running the command line in-process."""

from __future__ import annotations

from typer.testing import CliRunner

from kolgraph.cli import app

runner = CliRunner()


def kolgraph(*args: str) -> tuple[int, str, str]:
    """``kolgraph ARGS``: (exit code, stdout, stderr)."""
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def kolgraph_joined(*args: str) -> tuple[int, str, str]:
    """Like :func:`kolgraph`, with stderr's wrapped lines joined back into one."""
    code, out, err = kolgraph(*args)
    return code, out, " ".join(err.split())
