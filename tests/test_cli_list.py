"""``curator list`` streams: rows are printed while later pages are still to be queried.

The old command queried every claim, then rendered one Rich table: on 100,000 claims
nothing appeared for a minute and a half. These tests run it on a generated library of
several pages, through a real pipe, without timing anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from curator_tui.db import open_library, session_scope
from curator_tui.services.claims import create_claim

RunCli = Callable[..., "subprocess.CompletedProcess[Any]"]
CLAIMS = 3000  # three pages and more; the table is ~250 kB, far more than a pipe holds
ADDED = "A claim added while the list was being printed"
ROW = re.compile(r"^│ +(\d+) │")


def ids_in(db: Path) -> list[int]:
    """Every claim id, read with the stdlib."""
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM claim ORDER BY id")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli) -> Path:
    db = tmp_path_factory.mktemp("list") / "library.db"
    result = run_cli("generate", "--claims", CLAIMS, "--seed", "1", "-q", db=db)
    assert result.returncode == 0, result.stderr
    return db


def spawn_list(db: Path, *args: str) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if k != "CURATOR_DB"}
    environ.update({"COLUMNS": "80", "NO_COLOR": "1"})
    return subprocess.Popen(
        [sys.executable, "-m", "curator_tui.cli", "list", *args, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )


def read_lines(stream: IO[bytes], count: int) -> list[bytes]:
    return [stream.readline() for _ in range(count)]


@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
def test_list_prints_rows_before_it_has_queried_them_all(
    generated: Path, tmp_path: Path, json_output: bool
) -> None:
    db = tmp_path / "library.db"
    shutil.copy(generated, db)
    process = spawn_list(db, *(["--json"] if json_output else []))
    assert process.stdout is not None
    try:
        first = read_lines(process.stdout, 12)
        # The first rows are here and the command is still running: it waits for us to
        # read on (the pipe is full), with most of the library not yet printed.
        assert process.poll() is None
        assert all(first), first
        # A claim added now, at the end of the id order, is in a page not yet queried:
        # a command that queries everything before printing never lists it.
        engine = open_library(db, create=False)
        try:
            with session_scope(engine) as session:
                added = create_claim(session, ADDED)
        finally:
            engine.dispose()
        # Read through the same buffered reader as the first lines (not communicate()).
        rest = process.stdout.read()
        assert process.stderr is not None
        errors = process.stderr.read().decode("utf-8")
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    text = b"".join([*first, rest]).decode("utf-8")
    if json_output:
        listed = [row["id"] for row in json.loads(text)]
    else:
        listed = [int(m.group(1)) for line in text.split("\n") if (m := ROW.match(line))]
    assert listed == [*ids_in(generated), added]
    assert ADDED[:24] in text


def test_list_json_of_many_pages_is_the_whole_library(generated: Path, run_cli: RunCli) -> None:
    result = run_cli("list", "--json", db=generated, binary=True)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == ids_in(generated)
    assert len(rows) == CLAIMS
    assert all(
        row.keys() == {"id", "statement", "steps", "studies", "truncated", "updated_at"}
        for row in rows
    )
    # Streamed a row at a time, yet the bytes json.dumps gave for the whole list.
    expected = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    assert result.stdout == expected.encode("utf-8")


@pytest.mark.parametrize("sort", ["id", "updated", "statement"])
def test_list_pages_keep_the_order_and_the_limit(
    generated: Path, run_cli: RunCli, sort: str
) -> None:
    rows = json.loads(run_cli("list", "--json", "--sort", sort, db=generated).stdout)
    assert sorted(row["id"] for row in rows) == ids_in(generated)
    if sort == "statement":
        keys = [(row["statement"], row["id"]) for row in rows]
        assert keys == sorted(keys)
    if sort == "updated":
        keys = [(row["updated_at"], row["id"]) for row in rows]
        assert keys == sorted(keys, reverse=True)
    limited = json.loads(
        run_cli("list", "--json", "--sort", sort, "--limit", 1234, db=generated).stdout
    )
    assert limited == rows[:1234]


def test_list_search_over_pages(generated: Path, run_cli: RunCli) -> None:
    every = json.loads(run_cli("list", "--json", db=generated).stdout)
    word = "muscle"
    expected = [row["id"] for row in every if word in row["statement"].lower()]
    assert len(expected) > 100  # more than the first page
    found = json.loads(run_cli("list", "--json", "--search", word, db=generated).stdout)
    # The search also matches the synthesis: every statement match is there, in order.
    ids = [row["id"] for row in found]
    assert ids == sorted(ids)
    assert set(expected) <= set(ids)


def test_list_table_fits_80_columns(generated: Path, run_cli: RunCli) -> None:
    result = run_cli("list", db=generated, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert lines[0] == f"{CLAIMS} claim(s)"
    assert [name.strip() for name in lines[2].strip("┃").split("┃")] == [
        "ID",
        "Statement",
        "Steps",
        "Studies",
        "Updated",
    ]

    def cells(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    assert {cells(line) for line in lines[1:]} == {80}
    rows = [line for line in lines if ROW.match(line)]
    assert len(rows) == CLAIMS
    # A long statement is shortened with an ellipsis, a short one shown whole.
    assert any(row.split("│")[2].rstrip().endswith("…") for row in rows)


def test_list_control_characters_do_not_reach_the_terminal(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "library.db"
    engine = open_library(db)
    try:
        with session_scope(engine) as session:
            create_claim(session, "Bell \x07 and \x1b[31mred\x1b[0m text")
    finally:
        engine.dispose()
    result = run_cli("list", db=db)
    assert result.returncode == 0, result.stderr
    assert "\x07" not in result.stdout and "\x1b" not in result.stdout
    assert "red" in result.stdout


def test_list_of_an_empty_library(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "library.db"
    open_library(db).dispose()
    assert json.loads(run_cli("list", "--json", db=db).stdout) == []
    table = run_cli("list", db=db)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("0 claim(s)\n")


def test_list_negative_limit_is_an_error(generated: Path, run_cli: RunCli) -> None:
    result = run_cli("list", "--limit", "-1", db=generated)
    assert result.returncode == 1
    assert result.stderr.strip() == "curator: error: --limit must be 0 or more"
