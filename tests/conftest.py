"""Shared fixtures for the tier-1 suite: real SQLite libraries, the seed cards, the CLI.

Kept small and generic: subfolders (tests/ui, tests/e2e) add their own conftest.
Helpers are handed out as session-scoped fixtures (not imported from this module) so
that several conftest files never collide as one module name, and so that hypothesis
tests can use them without the function-scoped-fixture health check.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from curator_tui.db import open_library

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"

DumpLibrary = Callable[[Engine | Path | str], str]
RunCli = Callable[..., "subprocess.CompletedProcess[Any]"]


def _db_file(target: Engine | Path | str) -> Path:
    if isinstance(target, Engine):
        assert target.url.database, "not a file-backed library"
        return Path(target.url.database)
    return Path(target)


def dump_library(target: Engine | Path | str) -> str:
    """The full contents of a library file (schema and rows) as SQL text, via the stdlib."""
    path = _db_file(target)
    if isinstance(target, Engine):
        # Make sure no pooled connection holds uncommitted state or an open WAL snapshot.
        target.dispose()
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The bundled sample library: the two seed cards and studies.json."""
    return DATA_DIR


@pytest.fixture(scope="session")
def seed_paths(data_dir: Path) -> dict[str, Path]:
    """The two seed cards (byte-identical copies of the published plain text), by short name."""
    return {
        "rir": data_dir / "card-rir-vs-failure.txt",
        "exercise-order": data_dir / "card-exercise-order.txt",
    }


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty library in a real SQLite file."""
    engine = open_library(tmp_path / "library.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", name="dump_library")
def dump_library_fixture() -> DumpLibrary:
    """``dump_library(engine_or_path) -> str``: the whole database, for "unchanged" checks."""
    return dump_library


def run_cli(
    *args: str | os.PathLike[str],
    db: str | os.PathLike[str] | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 60,
    binary: bool = False,
) -> subprocess.CompletedProcess[Any]:
    """Run ``python -m curator_tui.cli ARGS [--db DB]`` with CURATOR_DB unset (unless in ``env``).

    Output is text (UTF-8); ``binary=True`` gives bytes, for byte-exact checks.
    """
    environ = {k: v for k, v in os.environ.items() if k != "CURATOR_DB"}
    environ.update({"COLUMNS": "200", "NO_COLOR": "1"})
    environ.update(env or {})
    argv = [sys.executable, "-m", "curator_tui.cli", *map(str, args)]
    if db is not None:
        argv += ["--db", str(db)]
    return subprocess.run(
        argv,
        input=input.encode("utf-8") if binary and input is not None else input,
        capture_output=True,
        text=not binary,
        encoding=None if binary else "utf-8",
        env=environ,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session", name="run_cli")
def run_cli_fixture() -> RunCli:
    """``run_cli(*args, db=None, input=None, env=None, binary=False)``: the CLI in a subprocess."""
    return run_cli
