"""Shared fixtures for the tier-1 suite: real SQLite libraries, the seed cards, the CLI.

Kept small and generic: subfolders (tests/ui, tests/e2e) add their own conftest.
Helpers are handed out as session-scoped fixtures (not imported from this module) so
that several conftest files never collide as one module name, and so that hypothesis
tests can use them without the function-scoped-fixture health check.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Card, Mechanism, Stance, StudyRef
from curator_tui.cards.render import render_markdown
from curator_tui.db import open_library

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_server import BACKENDS, PgServer, ServerUnavailable

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"

DumpLibrary = Callable[[Engine | Path | str], str]
RunCli = Callable[..., "subprocess.CompletedProcess[Any]"]


def _db_file(target: Engine | Path | str) -> Path:
    if isinstance(target, Engine):
        assert target.url.database, "not a file-backed library"
        return Path(target.url.database)
    return Path(target)


def _is_server(target: Engine | Path | str) -> bool:
    if isinstance(target, Engine):
        return target.dialect.name == "postgresql"
    return isinstance(target, str) and target.startswith(("postgresql", "postgres:"))


def dump_library(target: Engine | Path | str) -> str:
    """The full contents of a library (schema and rows) as text, for "unchanged" checks.

    A SQLite file through the stdlib's iterdump; a PostgreSQL library as every table's
    columns, indexes, constraints and rows (sorted), and the triggers.
    """
    if _is_server(target):
        return _dump_server(target)
    path = _db_file(target)
    if isinstance(target, Engine):
        # Make sure no pooled connection holds uncommitted state or an open WAL snapshot.
        target.dispose()
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def _dump_server(target: Engine | Path | str) -> str:
    from sqlalchemy import create_engine, inspect

    engine = target if isinstance(target, Engine) else create_engine(str(target))
    out: list[str] = []
    try:
        with engine.connect() as connection:
            schema = inspect(connection)
            for table in sorted(schema.get_table_names()):
                columns = schema.get_columns(table)
                out.append(f"TABLE {table} {[(c['name'], str(c['type'])) for c in columns]}")
                out.append(f"  indexes {sorted(map(repr, schema.get_indexes(table)))}")
                out.append(f"  checks {sorted(map(repr, schema.get_check_constraints(table)))}")
                order = ", ".join(str(n + 1) for n in range(len(columns)))
                quoted = connection.dialect.identifier_preparer.quote(table)
                for row in connection.exec_driver_sql(f"SELECT * FROM {quoted} ORDER BY {order}"):
                    out.append(f"  {tuple(row)!r}")
            for row in connection.exec_driver_sql(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
                " WHERE NOT tgisinternal ORDER BY 1"
            ):
                out.append(f"TRIGGER {tuple(row)!r}")
    finally:
        if not isinstance(target, Engine):
            engine.dispose()
    return "\n".join(out)


# ---- the backends: a SQLite file, and a real PostgreSQL server -------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The PostgreSQL server for this run (started on first use, stopped at the end).

    Without one, the PostgreSQL tests skip, except in CI (``CI`` set), where they fail:
    a CI run that cannot start the server must not pass as if it had tested it.
    """
    try:
        server = PgServer.start()
    except ServerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A database holding an empty library at the newest schema, to copy for each test."""
    name = pg_server.new_database()
    open_library(pg_server.url(name)).dispose()
    return name


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: a test using it runs once on each."""
    return str(request.param)


NewLibrary = Callable[..., Engine]
NewTarget = Callable[..., str]


class Libraries:
    """New libraries on either backend, for tests that cannot take function fixtures.

    (Hypothesis runs many examples in one test; each example makes its own library.)
    The server starts on first use, so a run of SQLite tests never needs one.
    """

    def __init__(self, request: pytest.FixtureRequest, folder: Path) -> None:
        self._request = request
        self._folder = folder
        self._count = 0

    def target(self, backend: str, *, library: bool = False) -> str:
        """Where a new library goes: a file path, or an empty database's URL.

        ``library=True``: a database that already holds an empty library (faster than
        running the migrations again; a file is made by ``open_library`` either way).
        """
        self._count += 1
        if backend == "sqlite":
            return str(self._folder / f"library{self._count}.db")
        server: PgServer = self._request.getfixturevalue("pg_server")
        template = self._request.getfixturevalue("pg_template") if library else None
        return server.url(server.new_database(template=template))

    def drop(self, target: str) -> None:
        """Remove a library made by ``target`` (a server's database; files go with tmp)."""
        if target.startswith("postgresql"):
            from sqlalchemy.engine import make_url

            server: PgServer = self._request.getfixturevalue("pg_server")
            server.drop_database(str(make_url(target).database))

    @contextlib.contextmanager
    def open(self, backend: str) -> Iterator[Engine]:
        """A new, empty library on ``backend``, dropped afterwards."""
        target = self.target(backend, library=True)
        engine = open_library(target)
        try:
            yield engine
        finally:
            engine.dispose()
            self.drop(target)


@pytest.fixture(scope="session")
def libraries(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Libraries:
    """``libraries.open(backend)``: a new library on either backend, in any scope."""
    return Libraries(request, tmp_path_factory.mktemp("libraries"))


@pytest.fixture
def database(libraries: Libraries) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped afterwards)."""
    url = libraries.target("postgresql")
    yield url
    libraries.drop(url)


@pytest.fixture
def new_target(backend: str, libraries: Libraries, request: pytest.FixtureRequest) -> NewTarget:
    """``new_target()``: where a new library goes on this backend, as ``--db`` takes it.

    A file path that does not exist yet, or the URL of a new, empty database (a server's
    database is made by its administrator; curator-tui makes the tables). ``library=True``:
    a database that holds an empty library already.
    """

    def make(*, library: bool = False) -> str:
        target = libraries.target(backend, library=library)
        request.addfinalizer(lambda: libraries.drop(target))
        return target

    return make


@pytest.fixture
def new_library(new_target: NewTarget) -> Iterator[NewLibrary]:
    """``new_library()``: a new, empty library (an opened engine) on this backend."""
    engines: list[Engine] = []

    def make() -> Engine:
        engines.append(open_library(new_target(library=True)))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def any_library(new_library: NewLibrary) -> Engine:
    """A fresh, empty library: a SQLite file, then (a second run) a PostgreSQL database."""
    return new_library()


@pytest.fixture
def any_db(new_target: NewTarget) -> str:
    """``--db`` for a new library on this backend (a path, or an empty database's URL)."""
    return new_target()


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
    reader_gone: bool = False,
) -> subprocess.CompletedProcess[Any]:
    """Run ``python -m curator_tui.cli ARGS [--db DB]`` with CURATOR_DB unset (unless in ``env``).

    Output is text (UTF-8); ``binary=True`` gives bytes, for byte-exact checks.
    ``reader_gone=True``: stdout is a pipe nobody reads (``| head`` after it quit), so
    every write to it fails; only stderr is captured.
    """
    environ = {k: v for k, v in os.environ.items() if k != "CURATOR_DB"}
    environ.update({"COLUMNS": "200", "NO_COLOR": "1"})
    environ.update(env or {})
    argv = [sys.executable, "-m", "curator_tui.cli", *map(str, args)]
    if db is not None:
        argv += ["--db", str(db)]
    if reader_gone:
        read, write = os.pipe()
        os.close(read)
        try:
            return subprocess.run(
                argv,
                stdout=write,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                env=environ,
                cwd=cwd,
                timeout=timeout,
                check=False,
            )
        finally:
            os.close(write)
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


CARD_STEPS = 5
"""Steps per card written by ``write_cards``: a claim with fewer is half-imported."""


def card_text(n: int) -> str:
    """Card number ``n``: one mechanism of CARD_STEPS steps and one study, all numbered ``n``."""
    card = Card(
        statement=f"Claim number {n} about sleep and strength",
        synthesis=f"Synthesis {n}",
        mechanisms=(
            Mechanism(f"Summary {n}", tuple(f"Step {i} of claim {n}" for i in range(CARD_STEPS))),
        ),
        studies=(StudyRef(doi=f"10.5555/study.{n}", stance=Stance.SUPPORTING, title=f"Study {n}"),),
    )
    return render_markdown(card)


def write_cards(folder: Path, numbers: Iterable[int]) -> Path:
    """A folder of card files, one per number (distinct statements, so none is a duplicate)."""
    folder.mkdir(parents=True)
    for n in numbers:
        (folder / f"card-{n:04d}.md").write_text(card_text(n), encoding="utf-8")
    return folder


class CardFiles:
    """Numbered card files for import tests (handed out by the ``card_files`` fixture)."""

    steps = CARD_STEPS
    text = staticmethod(card_text)
    write = staticmethod(write_cards)


@pytest.fixture(scope="session")
def card_files() -> type[CardFiles]:
    """``card_files.write(folder, numbers)``, ``card_files.text(n)``, ``card_files.steps``."""
    return CardFiles


class GatedImport:
    """``curator import PART GATE PART GATE ...`` in a subprocess, held at each gate.

    A gate is a named pipe passed as a card file: the importer, reading it, waits until the
    test writes a card into it. So the test knows, without any timing, that the importer is
    running, has committed what it printed, and has more to write. Whether it waits at a
    gate is observable: opening the pipe for writing without blocking succeeds only once
    the importer has opened it for reading.
    """

    def __init__(self, library: Path, parts: list[Path], gates: list[Path]) -> None:
        self.gates = gates
        self._held: dict[int, int] = {}
        argv = [sys.executable, "-m", "curator_tui.cli", "--db", str(library), "import"]
        for part, gate in zip(parts, gates, strict=True):
            os.mkfifo(gate)
            argv += [str(part), str(gate)]
        environ = {k: v for k, v in os.environ.items() if k != "CURATOR_DB"}
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={**environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "NO_COLOR": "1"},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def imported(self) -> int:
        """How many files it has reported imported (each reported only once committed)."""
        return sum("imported as claim" in line for line in list(self.lines))

    def running(self) -> bool:
        """It has not exited."""
        return self.process.poll() is None

    def at_gate(self, index: int) -> bool:
        """Whether it waits at gate ``index`` (reading it); it stays there until ``open_gate``."""
        if index in self._held:
            return True
        try:
            fd = os.open(self.gates[index], os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # no reader yet
                return False
            raise
        self._held[index] = fd  # kept open: closing it now would hand the importer an empty card
        return True

    def wait_at_gate(self, index: int, timeout: float = 120) -> None:
        """Poll until it waits at gate ``index``; fails if it exits first."""
        deadline = time.monotonic() + timeout
        while not self.at_gate(index):
            if not self.running():
                pytest.fail(
                    f"the importer exited (status {self.process.returncode}) before gate {index}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"the importer did not reach gate {index} in {timeout:.0f} s")
            time.sleep(0.02)

    def open_gate(self, index: int, card: str) -> None:
        """Let it go on past gate ``index``: the gate is read as the card ``card``."""
        self.wait_at_gate(index)
        fd = self._held.pop(index)
        with os.fdopen(fd, "w", encoding="utf-8") as pipe:
            pipe.write(card)

    def wait_imported(self, count: int, timeout: float = 60) -> None:
        """Poll until it has reported at least ``count`` files imported."""
        deadline = time.monotonic() + timeout
        while self.imported() < count:
            if time.monotonic() > deadline:
                pytest.fail(f"the importer reported {self.imported()} of {count} files imported")
            time.sleep(0.02)

    def finish(self, timeout: float = 180) -> tuple[int, str, str]:
        """Exit status, everything printed, and the error output, once it has exited."""
        assert self.process.stderr is not None
        err = self.process.stderr.read() if self.process.wait(timeout=timeout) is not None else ""
        self._reader.join(timeout=30)
        return self.process.returncode, "".join(self.lines), err

    def close(self) -> None:
        """Release what is held and end the process if the test did not."""
        for fd in self._held.values():
            os.close(fd)
        self._held.clear()
        if self.running():
            self.process.kill()
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def gated_import() -> Iterator[Callable[[Path, list[Path], list[Path]], GatedImport]]:
    """``gated_import(library, parts, gates)``: a ``GatedImport``, ended after the test."""
    started: list[GatedImport] = []

    def start(library: Path, parts: list[Path], gates: list[Path]) -> GatedImport:
        started.append(GatedImport(library, parts, gates))
        return started[-1]

    yield start
    for run in started:
        run.close()
