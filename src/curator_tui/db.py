"""Opening a library: engine creation, SQLite pragmas, schema, sessions, default location."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from curator_tui import models  # noqa: F401  (registers the tables on SQLModel.metadata)

ENV_VAR = "CURATOR_DB"
APP_NAME = "curator-tui"


class LibraryError(RuntimeError):
    """A library that cannot be opened or used: the message is for the user."""


def default_library_path() -> Path:
    """The library in the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "library.db"


def resolve_library(option: str | None, environ: dict[str, str] | None = None) -> Path:
    """``--db`` wins, then ``CURATOR_DB``, then the default library."""
    env = os.environ if environ is None else environ
    chosen = option or env.get(ENV_VAR)
    return Path(chosen).expanduser() if chosen else default_library_path()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Run on every new pooled connection: pragmas are per connection in SQLite.
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    if cursor.execute("PRAGMA query_only").fetchone()[0]:
        cursor.close()
        return  # a read-only library: its journal mode is whatever it was written with
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL under WAL cannot corrupt the database on a crash; at worst the last
    # transactions before a power loss roll back. FULL would fsync every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only=ON")


def make_engine(path: Path | str, *, read_only: bool = False) -> Engine:
    """An engine for a SQLite file path or a database URL."""
    url = str(path) if "://" in str(path) else f"sqlite:///{path}"
    engine = create_engine(url)
    if read_only:
        event.listen(engine, "connect", _read_only)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# The newest migration (tests/reliability/test_migrations.py checks it against Alembic's
# head). A library already there opens without importing Alembic: a fast start for scripts.
SCHEMA_HEAD = "0005"


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    except (OperationalError, DatabaseError):
        return False
    return row is not None and row[0] == SCHEMA_HEAD


def create_schema(engine: Engine) -> Path | None:
    """Create or upgrade the schema (migrations); returns the backup made before an upgrade."""
    if _at_head(engine):
        return None
    from curator_tui.migrate import SchemaError, upgrade

    where = engine.url.database or str(engine.url)
    try:
        return upgrade(engine)
    except SchemaError as exc:
        raise LibraryError(f"cannot open the library {where}: {exc}") from None
    except (OperationalError, DatabaseError) as exc:
        raise LibraryError(f"cannot use the library {where}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    reason = str(orig or exc).splitlines()[0]
    if "readonly" in reason or "query_only" in reason or "read-only" in reason:
        return "the library is read-only (you may browse and export it, not change it)"
    return reason


def describe_db_error(exc: Exception) -> str:
    """One line for the user about a database error."""
    return _reason(exc)


def open_library(path: Path | str, *, create: bool = True) -> Engine:
    """Open (and if needed create) the library at ``path``; raises LibraryError."""
    if "://" not in str(path):
        file = Path(path)
        if file.is_dir():
            raise LibraryError(f"{file} is a directory, not a library file")
        if not file.exists():
            if not create:
                raise LibraryError(f"no library at {file}")
            if not file.parent.exists():
                raise LibraryError(
                    f"cannot create the library {file}: {file.parent} does not exist"
                )
    if "://" not in str(path) and _is_read_only(Path(path)):
        return _open_read_only(Path(path))
    engine = make_engine(path)
    create_schema(engine)
    return engine


def _is_read_only(file: Path) -> bool:
    if not file.exists():
        return False
    if not os.access(file, os.W_OK):
        return True
    # SQLite writes its -wal/-shm files beside the library.
    return not os.access(file.parent, os.W_OK | os.X_OK)


def _open_read_only(file: Path) -> Engine:
    """A library the user may read but not write: browse and export, never upgrade."""
    from curator_tui.migrate import current_revision, head_revision

    revision: str | None = None
    error: Exception | None = None
    # mode=ro first; a WAL library whose -shm file cannot be written needs immutable=1.
    for flags in ("mode=ro", "mode=ro&immutable=1"):
        engine = make_engine(f"sqlite:///file:{file.resolve()}?{flags}&uri=true", read_only=True)
        try:
            revision = current_revision(engine)
            break
        except (OperationalError, DatabaseError) as exc:
            engine.dispose()
            error = exc
    else:
        assert error is not None
        raise LibraryError(f"cannot use the library {file}: {_reason(error)}")
    if revision != head_revision():
        raise LibraryError(
            f"the library {file} is read-only and needs an upgrade to be opened by this version"
        )
    return engine


def is_read_only(engine: Engine) -> bool:
    """True when the library was opened read-only (the file is not writable)."""
    return engine.dialect.name == "sqlite" and "mode=ro" in str(engine.url)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def bulk_insert(
    connection: Connection,
    model: type[SQLModel],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Insert many rows (values in ``columns`` order) of a table model in one statement.

    On SQLite the rows go straight to the driver's ``executemany``: SQLAlchemy's
    per-row parameter processing cost as much as the inserts themselves when importing
    10,000 cards (~200,000 rows). Values still pass through each column's bind processor
    (dates become SQLAlchemy's text form), so they are stored exactly as
    ``connection.execute(insert(table), rows)`` stores them, which other databases use.
    """
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[attr-defined]
    if connection.dialect.name != "sqlite":
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    if any(processors):
        rows = [
            tuple(p(value) if p else value for value, p in zip(row, processors, strict=True))
            for row in rows
        ]
    connection.exec_driver_sql(sql, rows)


# Triggers whose work a bulk insert of new claims does itself, once per batch: those of
# migration 0003 that clear a claim's stored rendering when a part is added (the claims go
# in already rendered), and the full-text index's (see ``index_claims``).
FTS_INSERT_TRIGGER = "claim_fts_insert"
BULK_INSERT_TRIGGERS = (
    FTS_INSERT_TRIGGER,
    *(
        f"{table}_insert_markdown_stale"
        for table in ("mechanism", "mechanismstep", "evidence", "goldstandarditem")
    ),
)


@contextmanager
def suspended_triggers(connection: Connection, names: Sequence[str]) -> Iterator[set[str]]:
    """These SQLite triggers off for a bulk write inside the caller's transaction.

    Yields the names of those that exist (and were suspended). Each is dropped and created
    again from its own stored SQL, in the same transaction: no other connection ever sees
    the library without it (SQLite lets one writer in at a time, and readers see only
    committed states), and if the transaction is rolled back, so is the drop.
    """
    if connection.dialect.name != "sqlite":
        yield set()
        return
    stored = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({', '.join('?' * len(names))})",
        tuple(names),
    ).all()
    for name, _ in stored:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield {name for name, _ in stored}
    finally:
        for _, sql in stored:
            # IF NOT EXISTS: after an error SQLite may have rolled the drop back already.
            connection.exec_driver_sql(
                sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
            )


def index_claims(connection: Connection, first: int, last: int) -> None:
    """Add the claims with ids ``first`` to ``last`` to the full-text index at once.

    What the insert trigger does row by row; FTS5 writes its pending terms out at every
    row's savepoint inside a trigger, which made indexing 10,000 new claims cost 5x more.
    """
    connection.exec_driver_sql(
        "INSERT INTO claim_fts(rowid, statement, synthesis)"
        " SELECT id, statement, synthesis FROM claim WHERE id BETWEEN ? AND ?",
        (first, last),
    )
