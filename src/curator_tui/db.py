"""Opening a library: engine creation, SQLite pragmas, schema, sessions, default location."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Table, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    InterfaceError,
    OperationalError,
)
from sqlmodel import Session, SQLModel, create_engine

from curator_tui import models  # noqa: F401  (registers the tables on SQLModel.metadata)

ENV_VAR = "CURATOR_DB"
APP_NAME = "curator-tui"
# What to install for a PostgreSQL library: said in one line when the driver is missing.
POSTGRES_EXTRA = "pip install 'curator-tui[postgres]'"
PG_DRIVER = "postgresql+psycopg"
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")


class LibraryError(RuntimeError):
    """A library that cannot be opened or used: the message is for the user."""


def default_library_path() -> Path:
    """The library in the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "library.db"


def is_url(target: object) -> bool:
    """Whether ``target`` is a database URL (``postgresql://…``) rather than a file path."""
    return isinstance(target, str) and _URL.match(target) is not None


def library_url(target: str) -> str:
    """A database URL as the engine takes it: ``postgresql://`` means psycopg 3.

    Raises LibraryError for a URL of a database curator-tui does not support.
    """
    scheme = target[: target.index("://")].lower()
    backend, _, driver = scheme.partition("+")
    if backend in {"postgresql", "postgres"}:
        if driver and driver != "psycopg":
            raise LibraryError(
                f"cannot open {display_name(target)}: curator-tui reaches PostgreSQL through"
                f" psycopg 3, not {driver}: write postgresql:// or postgresql+psycopg://"
            )
        url = PG_DRIVER + target[target.index("://") :]
    elif backend == "sqlite":
        url = target
    else:
        raise LibraryError(
            f"cannot open {display_name(target)}: a library is a file path or a postgresql:// URL"
        )
    try:
        make_url(url).port  # noqa: B018  (parsing the port is what fails: 'host:notaport')
    except (ArgumentError, ValueError):
        # Named without the URL: it did not parse, so its password could be anywhere in it.
        raise LibraryError(
            "not a valid database URL (check its host and port, e.g."
            " postgresql://user@host:5432/dbname)"
        ) from None
    return url


def resolve_library(option: str | None, environ: Mapping[str, str] | None = None) -> Path | str:
    """``--db`` wins, then ``CURATOR_DB``, then the default library.

    A file path comes back as a Path, a database URL as the string it is.
    """
    env = os.environ if environ is None else environ
    chosen = option or env.get(ENV_VAR)
    if not chosen:
        return default_library_path()
    return chosen if is_url(chosen) else Path(chosen).expanduser()


def display_name(target: Engine | URL | Path | str) -> str:
    """How a library is named to the user: a file's path, or its URL with the password masked."""
    if isinstance(target, Engine):
        target = target.url
    if isinstance(target, Path) or (isinstance(target, str) and not is_url(target)):
        return str(target)
    try:
        url = target if isinstance(target, URL) else make_url(target)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "the library URL"  # unparsable: it may hold a password anywhere
    if url.get_backend_name() == "sqlite" and url.database:
        # A read-only library is opened as file:PATH?mode=ro (see _open_read_only).
        return url.database.removeprefix("file:")
    # Decoded: a socket folder reads /run/postgresql, not %2Frun%2Fpostgresql (a title at
    # 80 columns lost the claim number to it). The password is masked before.
    return unquote(url.render_as_string(hide_password=True))


def mask_password(text: str, target: Engine | URL | Path | str | None) -> str:
    """``text`` with the password of ``target``'s URL (if any) masked."""
    if (
        target is None
        or isinstance(target, Path)
        or (isinstance(target, str) and not is_url(target))
    ):
        return text
    try:
        url = (
            target.url
            if isinstance(target, Engine)
            else target
            if isinstance(target, URL)
            else make_url(target)
        )
    except (ArgumentError, ValueError):
        return text
    password = url.password
    if password:
        text = text.replace(str(password), "***")
    return text


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


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    # Timestamps without a time zone (history's) are written from UTC values: a server
    # whose TimeZone is local would shift them. SET outlives the transaction it opens.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    # psycopg prepares a query run five times; the server then plans it once for any
    # parameters. For the filter that plan cannot know how many claims a typed word
    # matches: after a few dozen keystrokes each took 0.3-1.3 s at 100,000 claims,
    # against 20-60 ms planned for the word at hand. Planning costs ~1 ms.
    dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.autocommit = autocommit


def engine_options(url: str | URL) -> dict[str, Any]:
    """``create_engine`` keyword arguments for a library at ``url`` (beyond the URL)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "postgresql":
        return {}
    connect: dict[str, Any] = {}
    # libpq waits forever for a host that drops packets; PGCONNECT_TIMEOUT still wins.
    if "connect_timeout" not in parsed.query and not os.environ.get("PGCONNECT_TIMEOUT"):
        connect["connect_timeout"] = 10
    if "application_name" not in parsed.query and not os.environ.get("PGAPPNAME"):
        connect["application_name"] = APP_NAME
    # pre_ping: a connection the server dropped (a restart) is replaced, not handed out.
    return {"connect_args": connect, "pool_pre_ping": True}


def make_engine(path: Path | str, *, read_only: bool = False) -> Engine:
    """An engine for a SQLite file path or a database URL."""
    url = library_url(path) if isinstance(path, str) and is_url(path) else f"sqlite:///{path}"
    try:
        engine = create_engine(url, **engine_options(url))
    except ImportError as exc:
        if make_url(url).get_backend_name() == "postgresql":
            raise LibraryError(
                f"the PostgreSQL driver (psycopg) is not installed: {POSTGRES_EXTRA}"
            ) from None
        raise LibraryError(f"cannot open {display_name(url)}: {exc}") from None
    except ArgumentError:
        raise LibraryError(f"not a database URL: {display_name(url)}") from None
    if read_only:
        event.listen(engine, "connect", _read_only)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_session)
        # psycopg logs what it could not clean up after an error ("error ignored
        # terminating Pipeline"); with no handler configured, Python would print it to
        # stderr (into the app's screen, or as a second error line). The error itself
        # reaches the user once, as one line; a program that configures logging still
        # gets the record.
        logging.getLogger("psycopg").addHandler(logging.NullHandler())
    return engine


# The newest migration (tests/reliability/test_migrations.py checks it against Alembic's
# head). A library already there opens without importing Alembic: a fast start for scripts.
SCHEMA_HEAD = "0015"


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    except (OperationalError, InterfaceError) as exc:
        if engine.dialect.name != "sqlite":
            # The server could not be reached or refused us: trying again only waits again.
            raise LibraryError(
                f"cannot use the library {display_name(engine)}: {_reason(exc)}"
            ) from None
        return False
    except DatabaseError:
        return False  # no alembic_version table yet
    return row is not None and row[0] == SCHEMA_HEAD


def create_schema(engine: Engine) -> Path | None:
    """Create or upgrade the schema (migrations); returns the backup made before an upgrade."""
    if _at_head(engine):
        return None
    from curator_tui.migrate import SchemaError, upgrade

    where = display_name(engine)
    try:
        return upgrade(engine)
    except SchemaError as exc:
        raise LibraryError(f"cannot open the library {where}: {exc}") from None
    except (OperationalError, DatabaseError, InterfaceError) as exc:
        raise LibraryError(f"cannot use the library {where}: {_reason(exc)}") from None


READ_ONLY = "the library is read-only (you may browse and export it, not change it)"
# How each database says a write was refused: a read-only SQLite file, a PostgreSQL role
# with only SELECT, a read-only transaction (a standby, default_transaction_read_only).
_READ_ONLY_SIGNS = (
    "readonly",
    "query_only",
    "read-only",
    "permission denied for",
    "must be owner of",
)


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    lines = [line for line in str(orig or exc).splitlines() if line.strip()] or [type(exc).__name__]
    # libpq writes "FATAL:  password authentication failed"; one space reads better.
    reason = " ".join(lines[0].split())
    if "permission denied for" in reason and _was_a_read(exc):
        # Not read-only: this role may not even browse it.
        return f"{reason}: {CANNOT_READ}"
    if any(sign in reason for sign in _READ_ONLY_SIGNS):
        return READ_ONLY
    return reason


CANNOT_READ = (
    "this role may not read the library (its administrator can grant it access:"
    " see 'A team library' in the README)"
)


def _was_a_read(exc: Exception) -> bool:
    statement = " ".join(str(getattr(exc, "statement", None) or "").split()).upper()
    return statement.startswith(("SELECT", "WITH")) and "FOR UPDATE" not in statement


def is_busy(exc: Exception) -> bool:
    """Another writer held the library past the busy timeout (SQLite's "database is locked")."""
    orig = getattr(exc, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and "database is locked" in str(orig)


# How drivers say the library could not be reached (no connection, or one that broke):
# psycopg's "connection failed: ... Connection refused", "server closed the connection
# unexpectedly", "the connection is closed"; SQLite's file gone from under it.
_UNREACHABLE_SIGNS = (
    "connection failed",
    "connection refused",
    "could not connect",
    "connection is closed",
    "closed the connection",
    "connection timeout",
    "timeout expired",
    "terminating connection",
    "unable to open database file",
)


def is_unreachable(exc: Exception) -> bool:
    """Did the change fail because the library could not be reached (not refused by it)?"""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True  # SQLAlchemy's dialect recognised a lost connection
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(sign in text for sign in _UNREACHABLE_SIGNS)


def describe_db_error(exc: Exception) -> str:
    """One line for the user about a database error."""
    return _reason(exc)


def open_library(path: Path | str, *, create: bool = True) -> Engine:
    """Open (and if needed create) the library at ``path`` (a file or a URL); raises LibraryError.

    A database URL names a database the server already has (made by its administrator);
    ``create=False`` refuses one that holds no library yet instead of making its tables.
    """
    if is_url(path):
        engine = make_engine(path)
        try:
            if not create and not _holds_a_library(engine):
                raise LibraryError(
                    f"no library at {display_name(engine)} (create one with 'curator import' "
                    "or by opening it in 'curator')"
                )
            create_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        return engine
    file = Path(path)
    if file.is_dir():
        raise LibraryError(f"{file} is a directory, not a library file")
    if not file.exists():
        if not create:
            raise LibraryError(f"no library at {file}")
        if not file.parent.exists():
            raise LibraryError(f"cannot create the library {file}: {file.parent} does not exist")
    if _is_read_only(file):
        return _open_read_only(file)
    _mend_journal_files(file)
    engine = make_engine(file)
    create_schema(engine)
    return engine


def _mend_journal_files(file: Path) -> None:
    """Give the library's ``-wal`` and ``-shm`` files its own permissions where they lack write.

    SQLite creates them with the library's permissions. A session that browsed the library
    while it was read-only (``chmod 444``) leaves them read-only, and once the library is
    writable again every change fails with "attempt to write a readonly database".
    """
    import stat

    mode = stat.S_IMODE(file.stat().st_mode) if file.exists() else 0
    if not mode & stat.S_IWUSR:
        return
    for suffix in ("-wal", "-shm"):
        side = file.with_name(file.name + suffix)
        try:
            if stat.S_IMODE(side.stat().st_mode) & stat.S_IWUSR:
                continue
            side.chmod(mode)
        except FileNotFoundError:
            continue
        except OSError:
            if os.access(side, os.W_OK):
                continue  # not ours to change, but we may write it
            raise LibraryError(
                f"cannot use the library {file}: {side.name} beside it is read-only"
                " (left by a session that browsed it read-only): make it writable"
            ) from None


def _holds_a_library(engine: Engine) -> bool:
    """Whether the database has any of a library's tables (a server database may be empty)."""
    from sqlalchemy import inspect

    try:
        with engine.connect() as connection:
            return bool(set(inspect(connection).get_table_names()) & {"alembic_version", "claim"})
    except (OperationalError, DatabaseError, InterfaceError) as exc:
        raise LibraryError(
            f"cannot use the library {display_name(engine)}: {_reason(exc)}"
        ) from None


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
    """True when this user may not change the library.

    A SQLite file opened read-only (it is not writable), or on PostgreSQL a role without
    UPDATE on the claims or a read-only session (a standby, default_transaction_read_only).
    """
    if engine.dialect.name == "sqlite":
        return "mode=ro" in str(engine.url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            writable = connection.exec_driver_sql(
                "SELECT has_table_privilege('claim', 'UPDATE')"
                " AND current_setting('transaction_read_only') = 'off'"
            ).scalar()
        return not writable
    return False


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
# in already rendered), and the full-text index's (see ``search.index_new_claims``).
FTS_INSERT_TRIGGER = "claim_fts_insert"
# Read by migration 0003's PostgreSQL triggers: on, they leave a new row's claim rendered.
PG_BULK_SETTING = "curator.bulk_insert"
BULK_INSERT_TRIGGERS = (
    FTS_INSERT_TRIGGER,
    *(
        f"{table}_insert_markdown_stale"
        for table in ("mechanism", "mechanismstep", "evidence", "goldstandarditem")
    ),
)


def begin_write(connection: Connection) -> None:
    """On SQLite, make sure a write transaction is open (``BEGIN IMMEDIATE`` if none is).

    What the caller reads from here on (the highest claim id, the known studies) cannot
    change under it: SQLite lets one writer in at a time, and this takes that turn now
    (waiting up to the busy timeout). PostgreSQL's transactions need nothing here.
    """
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def suspended_triggers(connection: Connection, names: Sequence[str]) -> Iterator[set[str]]:
    """These SQLite triggers off for a bulk write inside the caller's transaction.

    On PostgreSQL the cache triggers' clearing on insert is off instead (migration 0003).

    Yields the names of those that exist (and were suspended). Each is dropped and created
    again from its own stored SQL, in the same transaction: no other connection ever sees
    the library without it (SQLite lets one writer in at a time, and readers see only
    committed states), and if the transaction is rolled back, so is the drop.
    """
    if connection.dialect.name == "postgresql":
        # The triggers stay; each reads this setting, which lasts until the transaction
        # ends (a rollback or an error ends it too). None is the full-text index's.
        connection.exec_driver_sql(f"SET LOCAL {PG_BULK_SETTING} = 'on'")
        yield set()
        connection.exec_driver_sql(f"SET LOCAL {PG_BULK_SETTING} = 'off'")
        return
    if connection.dialect.name != "sqlite":
        yield set()
        return
    # The driver begins a transaction only before an INSERT, UPDATE or DELETE: a DROP
    # TRIGGER run first (a batch whose studies were all known) was committed on its own.
    # Others then saw the library without its triggers, two imports took the same claim
    # ids, and a process killed before the end left them dropped for good.
    begin_write(connection)
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


# The PostgreSQL advisory lock held while new claim ids are chosen ("clid" in ASCII).
_CLAIM_ID_LOCK = 0x636C6964


def lock_claim_ids(connection: Connection) -> None:
    """Serialise the choice of new claim ids until the caller's transaction ends.

    SQLite's write lock already does (one writer at a time); on PostgreSQL two sessions
    would both read the same highest id and one would fail at its insert.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CLAIM_ID_LOCK})")


def lock_for_transaction(connection: Connection, key: int, *, wait: bool = True) -> bool:
    """Hold PostgreSQL's advisory lock ``key`` until the caller's transaction ends.

    False when ``wait`` is off and another session holds it. On SQLite always True: its
    write lock already lets one writer in at a time.
    """
    if connection.dialect.name != "postgresql":
        return True
    if wait:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(key)})")
        return True
    taken = connection.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({int(key)})")
    return bool(taken.scalar())


# ---- whole-library transfers (services/transfer.py) ---------------------------------------


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that reads the library as of one moment, whatever others commit meanwhile.

    PostgreSQL: a ``REPEATABLE READ, READ ONLY`` transaction. SQLite: one read transaction,
    begun here because the driver begins none for a SELECT (each would read its own
    moment); it takes its snapshot at its first read. Always rolled back: it wrote nothing.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction on a connection of its own: committed if the block ends, else rolled back.

    On SQLite it is begun here (``BEGIN IMMEDIATE``, the write lock at once): the driver
    would run a DROP TRIGGER before the first INSERT outside any transaction.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def copy_rows(
    connection: Connection,
    model: type[SQLModel],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Insert rows (values in ``columns`` order), ids included, as fast as the database takes them.

    PostgreSQL: ``COPY … FROM STDIN`` (several times faster than INSERTs); elsewhere
    ``bulk_insert``. Triggers fire either way (see ``suspended_triggers``).
    """
    if connection.dialect.name != "postgresql":
        bulk_insert(connection, model, columns, rows)
        return
    from psycopg import sql

    table: Table = model.__table__  # type: ignore[attr-defined]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    from psycopg import Error
    from sqlalchemy.exc import DBAPIError

    driver: Any = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except Error as exc:
        # The driver's own error, as SQLAlchemy would have wrapped it for an INSERT.
        raise DBAPIError.instance(statement.as_string(driver), None, exc, Error) from exc


@contextmanager
def indexes_built_after(connection: Connection, tables: Sequence[str]) -> Iterator[None]:
    """For a bulk load of these tables: their plain indexes built after it, not row by row.

    PostgreSQL (what ``pg_restore`` does): each index that backs no constraint is dropped
    inside the caller's transaction and made again from its own definition at the end;
    a rollback brings the old ones back. Elsewhere, nothing changes.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    found = connection.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes AS i"
        " WHERE schemaname = current_schema() AND tablename = ANY(%(tables)s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid ="
        " format('%%I.%%I', i.schemaname, i.indexname)::regclass)",
        {"tables": list(tables)},
    ).all()
    for name, _ in found:
        connection.exec_driver_sql(
            f"DROP INDEX {connection.dialect.identifier_preparer.quote(name)}"
        )
    yield
    for _, definition in found:
        connection.exec_driver_sql(definition)


def empty_tables(connection: Connection, tables: Sequence[str]) -> None:
    """Delete every row of these tables, inside the caller's transaction.

    PostgreSQL: one ``TRUNCATE`` (transactional there; row triggers do not fire, and no
    row of the tables is left to need them). Elsewhere a DELETE per table, in the order
    given (children first), with the triggers that keep the search index.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
        return
    for table in tables:
        connection.exec_driver_sql(f"DELETE FROM {table}")


def advance_sequences(connection: Connection, tables: Sequence[str]) -> None:
    """On PostgreSQL, move each table's ``id`` sequence past its largest id (never back).

    Rows copied with their ids leave the sequences where they were, and the next row
    added would collide. Never back, because ``setval`` is not undone by a rollback.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        # pg_sequence_last_value: NULL while the sequence has never been used.
        connection.exec_driver_sql(
            "SELECT setval(seq, top) FROM (SELECT seq, (SELECT max(id) FROM "
            f"{table}) AS top FROM (SELECT pg_get_serial_sequence('{table}', 'id')::regclass"
            " AS seq) AS named) AS s WHERE top > coalesce(pg_sequence_last_value(seq), 0)"
        )


def same_database(first: Connection, second: Connection) -> bool:
    """Whether two connections reach the same library (however their URLs spell it)."""
    if first.dialect.name != second.dialect.name:
        return False
    if first.dialect.name == "sqlite":
        files = [
            connection.exec_driver_sql("PRAGMA database_list").all()
            for connection in (first, second)
        ]
        paths = [next((row[2] for row in rows if row[1] == "main"), "") for rows in files]
        return bool(paths[0]) and bool(paths[1]) and os.path.samefile(paths[0], paths[1])
    # The server (its start time and port) and the database on it.
    identity = "SELECT pg_postmaster_start_time(), current_setting('port'), current_database()"
    return first.exec_driver_sql(identity).one() == second.exec_driver_sql(identity).one()
