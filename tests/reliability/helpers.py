"""Shared helpers for the reliability tests: run the CLI as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def curator(
    *args: str, db: Path | None = None, user: int | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``curator ARGS`` in a subprocess (as another uid when ``user`` is given)."""
    env = {k: v for k, v in os.environ.items() if k != "CURATOR_DB"}
    command = [sys.executable, "-m", "curator_tui.cli"]
    if db is not None:
        command += ["--db", str(db)]
    command += list(args)
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO
    )


def one_clean_error(result: subprocess.CompletedProcess[str]) -> str:
    """Assert a failed command printed exactly one error line and no traceback; return it."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    return errors[0]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until every worker is done and the screen has caught up."""
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
