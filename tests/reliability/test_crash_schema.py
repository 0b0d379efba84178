"""Crash safety of the schema: a kill at any statement of creating or upgrading a library.

The kills land at observed points, not after guessed delays: a forked child runs the
migration with ``CURATOR_TEST_KILL_AT=N`` and SIGKILLs itself before the Nth statement of
the migration's transaction (migrate.py's test hook). Whatever N, the library is left
with no schema, the old schema intact, or the new one complete, and the next open works.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from curator_tui.cli import main
from curator_tui.db import open_library, session_scope
from curator_tui.migrate import KILL_AT_ENV, head_revision
from curator_tui.services.cards import iter_cards

from .helpers import DATA
from .test_migrations import counts, make_first_revision_library

HEAD_TABLES = {
    "claim",
    "study",
    "evidence",
    "goldstandarditem",
    "mechanism",
    "mechanismstep",
    "claim_fts",
    "library_meta",
    "claim_revision",
    "claim_fingerprint",
    "claim_fingerprint_stale",
    "claim_check",
    "claim_pair",
    "claim_duplicate",
    "claim_duplicate_state",
    "alembic_version",
}


def open_in_child(path: Path, kill_at: str) -> tuple[int, str]:
    """Open (create or upgrade) the library in a forked child with the kill hook set.

    Returns how the child ended (a signal number, or 0 for a normal exit) and its stderr.
    """
    err = path.with_name(path.name + ".stderr")
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 2)
            sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
            os.environ[KILL_AT_ENV] = kill_at
            open_library(path).dispose()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    ended = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return ended, err.read_text()


def statement_count(path: Path) -> int:
    """How many statements the migration of ``path`` runs (the hook reports it)."""
    scratch = path.with_name("count-" + path.name)
    if path.exists():
        shutil.copy(path, scratch)
    ended, stderr = open_in_child(scratch, "1000000")
    assert ended == 0, stderr
    line = next(line for line in stderr.splitlines() if "migration statements" in line)
    return int(line.rsplit(":", 1)[1])


def schema(path: Path) -> tuple[set[str], str | None]:
    """The library's tables (without FTS5's shadow tables) and its revision."""
    with sqlite3.connect(path) as db:
        tables = {
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("claim_fts_")
        }
        revision = None
        if "alembic_version" in tables:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return tables, revision


def kill_points(total: int, wanted: int) -> list[int]:
    """About ``wanted`` statement numbers spread over 1..total, the first and last included."""
    stride = max(1, total // wanted)
    return sorted({*range(1, total + 1, stride), total})


def test_a_kill_at_any_point_of_creating_a_library_leaves_none_or_a_whole_one(
    tmp_path: Path,
) -> None:
    total = statement_count(tmp_path / "new.db")
    assert total > 50  # the whole creation: every revision's DDL in one transaction
    points = kill_points(total, 35)
    outcomes = {"empty": 0, "complete": 0}
    for n in points:
        path = tmp_path / f"new-{n}.db"
        ended, stderr = open_in_child(path, str(n))
        assert ended == signal.SIGKILL, (n, stderr)
        tables, revision = schema(path)
        # Nothing half made: no tables at all, or every table of the head revision.
        if tables:
            assert (tables, revision) == (HEAD_TABLES, head_revision()), n
            outcomes["complete"] += 1
        else:
            outcomes["empty"] += 1
        # The next command just works.
        assert main(["--db", str(path), "import", str(DATA / "card-rir-vs-failure.txt")]) == 0
        assert schema(path) == (HEAD_TABLES, head_revision())
    assert len(points) >= 30
    # The kill before the commit's own step leaves nothing; only the last point is after it.
    assert outcomes["empty"] >= len(points) - 1, outcomes


def first_revision_copy(tmp_path: Path, name: str, pristine: Path) -> Path:
    path = tmp_path / name
    shutil.copy(pristine, path)
    return path


def test_a_kill_at_any_point_of_an_upgrade_leaves_the_old_library_or_the_new_one(
    tmp_path: Path,
) -> None:
    pristine = tmp_path / "pristine.db"
    make_first_revision_library(pristine)
    before = counts(pristine)
    assert all(before.values())  # rows in every table
    total = statement_count(pristine)
    points = kill_points(total, 35)
    old_intact = 0
    for n in points:
        path = first_revision_copy(tmp_path, f"lib-{n}.db", pristine)
        ended, stderr = open_in_child(path, str(n))
        assert ended == signal.SIGKILL, (n, stderr)
        tables, revision = schema(path)
        assert counts(path) == before, n
        if revision == "0001":
            assert tables == set(REVISION_0001), n  # no scratch table, nothing new
            old_intact += 1
        else:
            assert (tables, revision) == (HEAD_TABLES, head_revision()), n
        engine = open_library(path)
        with session_scope(engine) as session:
            cards = dict(iter_cards(session))
        engine.dispose()
        assert cards[1].mechanisms[0].steps == ("Step one 10.1000/abc", "Step two"), n
        assert counts(path) == before, n
    assert len(points) >= 30
    assert old_intact >= len(points) - 1


REVISION_0001 = HEAD_TABLES - {
    "claim_fts",
    "library_meta",
    "claim_revision",
    "claim_fingerprint",
    "claim_fingerprint_stale",
    "claim_check",
    "claim_pair",
    "claim_duplicate",
    "claim_duplicate_state",
}


def test_a_kill_while_the_backup_is_written_leaves_no_backup_that_looks_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lib.db"
    make_first_revision_library(path)
    ended, _ = open_in_child(path, "backup")
    assert ended == signal.SIGKILL
    assert schema(path)[1] == "0001"
    assert list(tmp_path.glob("lib.db.bak-*")) == list(tmp_path.glob("lib.db.bak-*.partial"))
    open_library(path).dispose()
    assert schema(path)[1] == head_revision()
    whole = [p for p in tmp_path.glob("lib.db.bak-*") if not p.name.endswith(".partial")]
    assert len(whole) == 1 and counts(whole[0]) == counts(path)


@pytest.mark.parametrize("with_data", [False, True])
def test_a_library_an_earlier_version_left_half_made(tmp_path: Path, with_data: bool) -> None:
    """What the previous, non-transactional migration could leave: some tables, no revision."""
    path = tmp_path / "lib.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
            CREATE TABLE claim (id INTEGER PRIMARY KEY, statement VARCHAR NOT NULL,
                synthesis VARCHAR NOT NULL, created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL, version INTEGER NOT NULL);
            CREATE TABLE study (id INTEGER PRIMARY KEY, doi VARCHAR NOT NULL);
            """
        )
        if with_data:
            db.execute("INSERT INTO claim VALUES (1, 'Kept', '', '2026-01-01', '2026-01-01', 1)")
    if with_data:
        backup = tmp_path / "lib.db.bak-0001-20260101T000000Z"
        make_first_revision_library(backup)
        result = main(["--db", str(path), "list"])
        assert result == 1
        # Untouched: never stamped as a revision it does not have.
        assert schema(path) == ({"alembic_version", "claim", "study"}, None)
    else:
        assert main(["--db", str(path), "import", str(DATA / "card-rir-vs-failure.txt")]) == 0
        assert schema(path) == (HEAD_TABLES, head_revision())


def test_a_half_made_library_with_data_names_the_backup(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lib.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE claim (id INTEGER PRIMARY KEY, statement VARCHAR NOT NULL);"
            "INSERT INTO claim VALUES (1, 'Kept');"
        )
    backup = tmp_path / "lib.db.bak-0001-20260101T000000Z"
    make_first_revision_library(backup)
    assert main(["--db", str(path), "list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "half made" in err[0] and str(backup) in err[0], err


def test_an_upgrade_left_with_a_scratch_table_by_an_earlier_version_upgrades(
    tmp_path: Path,
) -> None:
    """An earlier version's batch migration could leave ``_alembic_tmp_claim`` behind."""
    path = tmp_path / "lib.db"
    make_first_revision_library(path)
    before = counts(path)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE _alembic_tmp_claim (id INTEGER PRIMARY KEY)")
    open_library(path).dispose()
    assert schema(path) == (HEAD_TABLES, head_revision())
    assert counts(path) == before
