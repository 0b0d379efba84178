"""``curator copy`` and the backup of a server library: every row, id and history entry moved.

A generated library with edits (a claim edited, a step edited, a claim deleted, a claim
changed by plain SQL so that its stored rendering is cleared, a new claim with a study)
is copied between SQLite files and PostgreSQL databases in every direction; the copy
must export the same bytes, hold the same rows under the same ids, and give the same
history. A copy refused, failing in the middle or not proved identical leaves its target
exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from curator_tui.db import display_name, open_library, session_scope
from curator_tui.generate import populate
from curator_tui.services import edits
from curator_tui.services.transfer import TABLES, Copied, copy_library, copy_to_new_file
from pg_server import PASSWORD, PASSWORD_ROLE, PgServer

RunCli = Callable[..., "subprocess.CompletedProcess[Any]"]
Place = Callable[..., str]

SQLITE, PG = "sqlite", "postgresql"
CLAIMS = 40
DELETED = 3
# Every direction, the same backend twice included.
DIRECTIONS = [
    pytest.param(SQLITE, SQLITE, id="sqlite-sqlite"),
    pytest.param(SQLITE, PG, id="sqlite-postgresql", marks=pytest.mark.postgresql),
    pytest.param(PG, SQLITE, id="postgresql-sqlite", marks=pytest.mark.postgresql),
    pytest.param(PG, PG, id="postgresql-postgresql", marks=pytest.mark.postgresql),
]
TARGETS = [SQLITE, pytest.param(PG, marks=pytest.mark.postgresql)]


def apply(engine: Engine, edit: edits.Edit) -> edits.Applied:
    with session_scope(engine) as session:
        return edits.apply(session, edit)


def first_step(engine: Engine, claim_id: int) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT s.id FROM mechanismstep s JOIN mechanism m ON m.id = s.mechanism_id"
                    " WHERE m.claim_id = :c ORDER BY m.rank, s.position LIMIT 1"
                ),
                {"c": claim_id},
            ).scalar_one()
        )


def make_source(engine: Engine) -> None:
    """Generated claims, then edits of several kinds (history beyond the first entries)."""
    populate(engine, CLAIMS, seed=3)
    apply(engine, edits.EditClaim(1, statement="An edited statement about [brackets] & *stars*"))
    apply(engine, edits.EditStep(first_step(engine, 2), "An edited first step"))
    apply(engine, edits.EditStep(first_step(engine, 2), "Edited again"))
    apply(engine, edits.DeleteClaim(DELETED))
    created = apply(engine, edits.CreateClaim("A claim made after generation"))
    assert created.claim_id is not None
    mechanism = apply(engine, edits.AddMechanism(created.claim_id, "How it works"))
    assert mechanism.focus is not None
    apply(engine, edits.AddStep(mechanism.focus, "The only step"))
    apply(engine, edits.LinkStudy(created.claim_id, "10.5555/copied.study"))
    # Changed by plain SQL: the triggers clear its stored rendering and words; the copy
    # keeps them cleared, and both exports render the claim again.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE mechanismstep SET text = 'Changed by SQL' WHERE id = :id"),
            {"id": first_step(engine, 4)},
        )


@pytest.fixture(scope="module")
def source_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The source library in a SQLite file (made once; tests never change it)."""
    path = tmp_path_factory.mktemp("copy") / "source.db"
    engine = open_library(path)
    try:
        make_source(engine)
    finally:
        engine.dispose()
    return str(path)


@pytest.fixture
def place(libraries: Any, request: pytest.FixtureRequest) -> Place:
    """``place(backend)``: where a new library goes (a new file, or an empty database)."""

    def make(backend: str, *, library: bool = False) -> str:
        target = libraries.target(backend, library=library)
        request.addfinalizer(lambda: libraries.drop(target))
        return target

    return make


def copied(source: str, target: str) -> Copied:
    """``source`` copied into ``target`` in-process (a database or file made here)."""
    engines = open_library(source, create=False), open_library(target)
    try:
        return copy_library(*engines)
    finally:
        for engine in engines:
            engine.dispose()


@pytest.fixture
def source_on(source_file: str, place: Place) -> Callable[[str], str]:
    """``source_on(backend)``: the source library on that backend."""

    def make(backend: str) -> str:
        if backend == SQLITE:
            return source_file
        target = place(PG)
        copied(source_file, target)
        return target

    return make


def rows(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, typed (dates as dates), in key order."""
    engine = open_library(db, create=False)
    try:
        with engine.connect() as connection:
            return {
                str(table.name): [
                    tuple(row)
                    for row in connection.execute(
                        select(*table.columns).order_by(*table.primary_key.columns)
                    )
                ]
                for table in (model.__table__ for model in TABLES)  # type: ignore[attr-defined]
            }
    finally:
        engine.dispose()


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("curator: error: ")
    return lines[0]


def export_all(run_cli: RunCli, db: str) -> bytes:
    result = run_cli("export", "--all", db=db, binary=True)
    assert result.returncode == 0, result.stderr
    assert isinstance(result.stdout, bytes)
    return result.stdout


def history(run_cli: RunCli, db: str, claim_id: int) -> Any:
    result = run_cli("history", str(claim_id), "--json", db=db)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_table_of_a_library_is_copied() -> None:
    # A table added to the models must be added to the copy (parents before children).
    from sqlmodel import SQLModel

    assert {str(model.__table__.name) for model in TABLES} == set(SQLModel.metadata.tables)  # type: ignore[attr-defined]


# ---- copies that work ------------------------------------------------------------------


@pytest.mark.parametrize(("source_backend", "target_backend"), DIRECTIONS)
def test_copy_gives_the_same_library(
    source_on: Callable[[str], str],
    place: Place,
    run_cli: RunCli,
    source_backend: str,
    target_backend: str,
) -> None:
    source, target = source_on(source_backend), place(target_backend)
    result = run_cli("copy", source, target)
    assert result.returncode == 0, result.stderr
    history_entries = len(rows(source)["claim_revision"])
    assert result.stderr.strip().split("\n") == [
        f"copied {CLAIMS:,} claims, {history_entries:,} history entries from"
        f" {display_name(source)} to {display_name(target)};"
        " export --all of the copy is byte-identical to the source's"
    ]
    assert result.stdout == ""
    # The same rows under the same ids: claims, parts, studies, history, stored renderings
    # (one of them cleared, as in the source), words and the render format.
    before, after = rows(source), rows(target)
    assert after == before
    assert [row[0] for row in after["claim"] if row[6] is None] == [4]
    exported = export_all(run_cli, source)
    assert export_all(run_cli, target) == exported
    assert b"Changed by SQL" in exported and b"An edited first step" not in exported
    for claim_id in (2, DELETED):
        assert history(run_cli, target, claim_id) == history(run_cli, source, claim_id)
    assert len(history(run_cli, target, 2)) == 3
    deleted = run_cli("history", "--deleted", "--json", db=target)
    assert json.loads(deleted.stdout) == json.loads(
        run_cli("history", "--deleted", "--json", db=source).stdout
    )


@pytest.mark.postgresql
def test_a_copy_there_and_back_again_is_the_same(
    source_file: str, place: Place, run_cli: RunCli
) -> None:
    server, back = place(PG), place(SQLITE)
    assert run_cli("copy", source_file, server, "-q").returncode == 0
    result = run_cli("copy", server, back, "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet
    assert rows(back) == rows(source_file)
    assert export_all(run_cli, back) == export_all(run_cli, source_file)


@pytest.mark.parametrize("target_backend", TARGETS)
def test_new_rows_after_a_copy_get_fresh_ids(
    source_file: str, place: Place, target_backend: str
) -> None:
    target = place(target_backend)
    copied(source_file, target)
    highest = {
        name: max(row[0] for row in table)
        for name, table in rows(target).items()
        if name != "library_meta"
    }
    engine = open_library(target)
    try:
        # Every kind of row a curator adds: each takes its table's next id.
        created = apply(engine, edits.CreateClaim("A claim added to the copy"))
        assert created.claim_id == CLAIMS + 2  # after the deleted one's and the new one's
        mechanism = apply(engine, edits.AddMechanism(created.claim_id, "Added"))
        step = apply(engine, edits.AddStep(mechanism.focus or 0, "Added step"))
        apply(engine, edits.LinkStudy(created.claim_id, "10.5555/after.copy"))
        apply(engine, edits.AddGold(created.claim_id, "RCT"))
    finally:
        engine.dispose()
    after = rows(target)
    assert mechanism.focus == highest["mechanism"] + 1
    assert step.focus == highest["mechanismstep"] + 1
    assert max(row[0] for row in after["study"]) == highest["study"] + 1
    assert max(row[0] for row in after["evidence"]) == highest["evidence"] + 1
    assert max(row[0] for row in after["claim_revision"]) > highest["claim_revision"]


@pytest.mark.parametrize("target_backend", TARGETS)
def test_an_app_on_the_target_hears_the_copy(
    source_file: str, place: Place, target_backend: str
) -> None:
    from curator_tui.services.changes import ChangeWatcher

    target = place(target_backend, library=True)
    engine = open_library(target)
    watcher = ChangeWatcher(engine)
    try:
        assert not watcher.wait(0)  # listening from here on
        copied(source_file, target)
        assert watcher.wait(10)
    finally:
        watcher.close()
        engine.dispose()


# ---- copies refused, failed or not proved: the target is left as it was ----------------


@pytest.mark.parametrize("target_backend", TARGETS)
def test_a_target_holding_claims_is_refused_unless_replaced(
    source_file: str,
    place: Place,
    run_cli: RunCli,
    dump_library: Any,
    target_backend: str,
    data_dir: Path,
) -> None:
    target = place(target_backend)
    assert run_cli("import", data_dir, db=target).returncode == 0
    before = dump_library(target)
    line = one_error_line(run_cli("copy", source_file, target))
    assert line.endswith("already holds 2 claims (--replace replaces everything in it)")
    assert dump_library(target) == before
    result = run_cli("copy", source_file, target, "--replace")
    assert result.returncode == 0, result.stderr
    assert rows(target) == rows(source_file)
    # The imported claims are gone, not merged: the export is the source's alone.
    assert export_all(run_cli, target) == export_all(run_cli, source_file)


@pytest.mark.parametrize("target_backend", TARGETS)
def test_history_of_deleted_claims_counts_as_held(
    place: Place, run_cli: RunCli, source_file: str, target_backend: str, dump_library: Any
) -> None:
    target = place(target_backend)
    engine = open_library(target)
    try:
        created = apply(engine, edits.CreateClaim("Soon deleted"))
        apply(engine, edits.DeleteClaim(created.claim_id or 0))
    finally:
        engine.dispose()
    before = dump_library(target)
    line = one_error_line(run_cli("copy", source_file, target))
    assert "already holds studies or the history of deleted claims" in line
    assert dump_library(target) == before


def refuse_rows(target: str, table: str, condition: str) -> None:
    """Make the target library refuse some rows of ``table``: its own trigger, not ours."""
    engine = open_library(target)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} WHEN {condition.replace('row.', 'new.')}"
                    " BEGIN SELECT RAISE(ABORT, 'this library refuses the row'); END"
                )
            else:
                connection.exec_driver_sql(
                    "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$"
                    f" BEGIN IF {condition.replace('row.', 'NEW.')} THEN"
                    " RAISE EXCEPTION 'this library refuses the row'; END IF; RETURN NEW; END $$"
                )
                connection.exec_driver_sql(
                    f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table}"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_row()"
                )
    finally:
        engine.dispose()


@pytest.mark.parametrize("replace", [False, True], ids=["empty", "replace"])
@pytest.mark.parametrize("target_backend", TARGETS)
def test_a_copy_failing_in_the_middle_changes_nothing(
    source_file: str,
    place: Place,
    run_cli: RunCli,
    dump_library: Any,
    data_dir: Path,
    target_backend: str,
    replace: bool,
) -> None:
    target = place(target_backend)
    if replace:
        assert run_cli("import", data_dir, db=target).returncode == 0
    # The history goes in after the claims and all their parts: the copy is well under way.
    refuse_rows(target, "claim_revision", f"row.claim_id = {CLAIMS - 1}")
    before = dump_library(target)
    line = one_error_line(run_cli("copy", source_file, target, *(["--replace"] if replace else [])))
    assert "this library refuses the row" in line
    assert line.endswith("(it was left as it was)")
    assert dump_library(target) == before


def test_a_new_file_appears_only_once_the_copy_is_proved(
    source_file: str, run_cli: RunCli, tmp_path: Path
) -> None:
    # Written beside the new file and renamed into place: a copy interrupted in the
    # middle, or one that cannot start, leaves nothing at all.
    target = tmp_path / "new.db"
    source = open_library(source_file, create=False)

    def interrupt(what: str, done: int, _total: int) -> None:
        if what == "copying" and done:
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            copy_to_new_file(source, target, progress=interrupt)
    finally:
        source.dispose()
    assert list(tmp_path.iterdir()) == []
    missing = tmp_path / "missing"
    line = one_error_line(run_cli("copy", source_file, missing / "x.db"))
    assert line == f"curator: error: cannot write {missing / 'x.db'}: {missing} does not exist"
    assert list(tmp_path.iterdir()) == []
    result = run_cli("copy", source_file, target)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["new.db"]
    assert rows(str(target)) == rows(source_file)


def alter_rows(target: str) -> None:
    """Make the target change a row it is given: claim 5's stored rendering, once it is in."""
    engine = open_library(target)
    change = "UPDATE claim SET markdown = markdown || ' (altered)' WHERE id = 5"
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    f"CREATE TRIGGER alter_row AFTER INSERT ON claim WHEN new.id = 5"
                    f" BEGIN {change}; END"
                )
            else:
                connection.exec_driver_sql(
                    "CREATE FUNCTION alter_row() RETURNS trigger LANGUAGE plpgsql AS $$"
                    f" BEGIN IF NEW.id = 5 THEN {change}; END IF; RETURN NULL; END $$"
                )
                connection.exec_driver_sql(
                    "CREATE TRIGGER alter_row AFTER INSERT ON claim"
                    " FOR EACH ROW EXECUTE FUNCTION alter_row()"
                )
    finally:
        engine.dispose()


@pytest.mark.parametrize("target_backend", TARGETS)
def test_a_copy_that_does_not_export_the_same_is_not_kept(
    source_file: str, place: Place, run_cli: RunCli, dump_library: Any, target_backend: str
) -> None:
    target = place(target_backend)
    alter_rows(target)
    before = dump_library(target)
    line = one_error_line(run_cli("copy", source_file, target))
    assert line.startswith("curator: error: export --all of the copy in ")
    assert line.endswith("differs from the source's: nothing was copied")
    assert dump_library(target) == before


# ---- the source is read as of one moment ----------------------------------------------


@pytest.mark.parametrize("source_backend", [SQLITE, pytest.param(PG, marks=pytest.mark.postgresql)])
def test_the_source_is_read_in_one_snapshot(
    source_file: str, place: Place, source_backend: str
) -> None:
    source = place(source_backend)
    copied(source_file, source)
    before = rows(source)
    target = place(SQLITE)
    source_engine, target_engine = open_library(source), open_library(target)
    changed: list[int] = []

    def meanwhile(what: str, done: int, _total: int) -> None:
        # Once the claims have been read: a new claim with parts and history, and an
        # edit of a claim already copied, committed to the source by another connection.
        if what == "copying" and done >= CLAIMS and not changed:
            created = apply(source_engine, edits.CreateClaim("Committed during the copy"))
            mechanism = apply(source_engine, edits.AddMechanism(created.claim_id or 0, "M"))
            apply(source_engine, edits.AddStep(mechanism.focus or 0, "A step"))
            apply(source_engine, edits.EditStep(first_step(source_engine, 5), "Edited meanwhile"))
            changed.append(created.claim_id or 0)

    try:
        result = copy_library(source_engine, target_engine, progress=meanwhile)
    finally:
        source_engine.dispose()
        target_engine.dispose()
    assert changed, "the change was never made"
    assert result.claims == CLAIMS
    assert rows(target) == before
    assert rows(source) != before


# ---- errors: one line, exit 1, no password --------------------------------------------


def test_a_missing_source_or_the_same_library_is_refused(
    source_file: str, run_cli: RunCli, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    assert one_error_line(run_cli("copy", missing, tmp_path / "x.db")) == (
        f"curator: error: no library at {missing}"
    )
    assert one_error_line(run_cli("copy", source_file, source_file)) == (
        "curator: error: the target is the source itself"
    )
    # The same file by another name (a hard link).
    link = tmp_path / "link.db"
    os.link(source_file, link)
    assert one_error_line(run_cli("copy", source_file, link, "--replace")).endswith(
        "the target is the source itself"
    )
    assert list(tmp_path.iterdir()) == [link]


@pytest.mark.postgresql
def test_server_errors_are_one_line_without_the_password(
    source_file: str, place: Place, run_cli: RunCli, pg_server: PgServer, tmp_path: Path
) -> None:
    database = place(PG, library=True)
    name = database.rsplit("/", 1)[1].split("?")[0]
    wrong = pg_server.url(name, PASSWORD_ROLE, "wrong-" + PASSWORD)
    for argv in (("copy", source_file, wrong), ("copy", wrong, tmp_path / "x.db")):
        line = one_error_line(run_cli(*argv))
        assert "password authentication failed" in line
        assert PASSWORD not in line and ":***@" in line
    unreachable = "postgresql://curator:" + PASSWORD + "@127.0.0.1:1/library"
    line = one_error_line(run_cli("copy", source_file, unreachable))
    assert PASSWORD not in line and "127.0.0.1" in line
    same = one_error_line(run_cli("copy", database, database.replace("?", "?application_name=x&")))
    assert same.endswith("the target is the source itself")
    missing = one_error_line(run_cli("copy", pg_server.url("no_such_database"), tmp_path / "x.db"))
    assert 'database "no_such_database" does not exist' in missing
    assert list(tmp_path.iterdir()) == []


# ---- backup of a server library -------------------------------------------------------


@pytest.mark.postgresql
def test_backup_of_a_server_library_is_a_file_that_opens(
    source_file: str, place: Place, run_cli: RunCli, tmp_path: Path
) -> None:
    server = place(PG)
    copied(source_file, server)
    target = tmp_path / "backup.db"
    result = run_cli("backup", target, db=server)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"backed up {display_name(server)} to {target}"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.db"]  # no temporary left
    assert rows(str(target)) == rows(source_file)
    assert export_all(run_cli, str(target)) == export_all(run_cli, server)
    listed = run_cli("list", "--json", db=target)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == CLAIMS
    # Refused over an existing file, unless --force (then replaced whole).
    line = one_error_line(run_cli("backup", target, db=server))
    assert line.endswith("exists (use --force to overwrite it)")
    assert run_cli("backup", "--force", "-q", target, db=server).returncode == 0
    assert rows(str(target)) == rows(source_file)


# ---- the progress bar ------------------------------------------------------------------


def test_progress_is_drawn_on_a_terminal_only(
    source_file: str, tmp_path: Path, run_cli: RunCli
) -> None:
    from test_cli_terminal import on_terminal

    status, screen = on_terminal("copy", source_file, tmp_path / "a.db", columns=100, lines=30)
    assert status == 0, screen
    assert "Checking" in screen or "Copying" in screen
    assert "export --all of the copy is byte-identical" in screen
    # Not on a terminal: the summary line alone.
    piped = run_cli("copy", source_file, tmp_path / "b.db")
    assert piped.returncode == 0
    assert len(piped.stderr.strip().split("\n")) == 1
