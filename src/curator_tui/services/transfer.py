"""Moving a whole library: every row, ids and history included, into another library.

``copy_library`` copies between any two libraries, a SQLite file or a PostgreSQL
database, in either direction. The source is read in one snapshot (``db.read_snapshot``),
so what others commit meanwhile is either wholly in the copy or not at all; the target is
written in one transaction (``db.write_transaction``), so a copy that fails leaves it as
it was. Rows keep their ids; PostgreSQL's sequences are moved past them afterwards.

Rows go in as they are, stored renderings (``claim.markdown``), words and the render
format in ``library_meta`` included: the triggers that would clear a claim's rendering as
its parts go in are suspended (``db.suspended_triggers``), as for an import, and SQLite's
search index takes the words of all claims in one statement at the end.

The copy proves its work before it commits: ``export --all`` of the target (read back
inside the transaction) must be byte for byte the source's (read in its snapshot), and
each table must hold as many rows as were read. If not, nothing is committed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, col

from curator_tui.db import (
    BULK_INSERT_TRIGGERS,
    FTS_INSERT_TRIGGER,
    advance_sequences,
    copy_rows,
    display_name,
    empty_tables,
    indexes_built_after,
    lock_claim_ids,
    open_library,
    read_snapshot,
    same_database,
    suspended_triggers,
    write_transaction,
)
from curator_tui.models import (
    Claim,
    ClaimRevision,
    Evidence,
    GoldStandardItem,
    LibraryMeta,
    Mechanism,
    MechanismStep,
    Study,
)
from curator_tui.services.errors import ServiceError
from curator_tui.services.rendered import iter_markdown
from curator_tui.services.search import index_new_claims

# Rows per read and per write: enough to keep the drivers busy, small enough for memory
# (a claim's row holds its whole rendering).
BATCH = 5000

# Every table of a library, parents before children (foreign keys are on). Emptied in the
# same order: a claim's deletion cascades to its parts (their triggers then find no claim
# to clear), and a study is free to go once the evidence citing it has gone.
TABLES: tuple[type[SQLModel], ...] = (
    Claim,
    Study,
    Mechanism,
    MechanismStep,
    Evidence,
    GoldStandardItem,
    ClaimRevision,
    LibraryMeta,
)

# (what is being done, done, total): "copying" counts rows, "checking" claims exported.
Progress = Callable[[str, int, int], None]


class CopyRefused(ServiceError):
    """The copy was not started: the target is the source, or holds a library already."""


class CopyMismatch(ServiceError):
    """The copy did not come out identical to the source; nothing was committed."""


@dataclass(frozen=True)
class Copied:
    """What a copy wrote: rows per table, and the digest of ``export --all`` on both sides."""

    rows: dict[str, int]
    export_sha256: str

    @property
    def claims(self) -> int:
        """Claims copied."""
        return self.rows[_name(Claim)]

    @property
    def history(self) -> int:
        """History entries copied (those of deleted claims included)."""
        return self.rows[_name(ClaimRevision)]


def _name(model: type[SQLModel]) -> str:
    return str(model.__table__.name)  # type: ignore[attr-defined]


def _count(connection: Connection, model: type[SQLModel]) -> int:
    table = model.__table__  # type: ignore[attr-defined]
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def held(connection: Connection) -> dict[str, int]:
    """The tables of a library that hold rows, and how many (its render format aside)."""
    counts = {
        _name(model): _count(connection, model) for model in TABLES if model is not LibraryMeta
    }
    return {name: count for name, count in counts.items() if count}


def _refusal(target: Engine, rows: dict[str, int]) -> str:
    where = display_name(target)
    claims = rows.get(_name(Claim), 0)
    if claims:
        what = f"{claims:,} claim{'s' if claims != 1 else ''}"
    else:
        what = "studies or the history of deleted claims"
    return f"{where} already holds {what} (--replace replaces everything in it)"


def copy_library(
    source: Engine,
    target: Engine,
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> Copied:
    """Copy the library ``source`` into ``target`` (both opened at the newest schema).

    Raises CopyRefused (the same library; a target holding rows without ``replace``),
    CopyMismatch (the proof failed), or the database's error; in every case the target
    is left as it was.
    """
    report = progress or (lambda _what, _done, _total: None)
    with read_snapshot(source) as reading, write_transaction(target) as writing:
        if same_database(reading, writing):
            raise CopyRefused("the target is the source itself")
        # New claims made meanwhile by the app wait for the copy (their ids are ours now).
        lock_claim_ids(writing)
        existing = held(writing)
        if existing and not replace:
            raise CopyRefused(_refusal(target, existing))
        empty_tables(writing, [_name(model) for model in TABLES])
        totals = {_name(model): _count(reading, model) for model in TABLES}
        written = _copy_rows(reading, writing, sum(totals.values()), report)
        advance_sequences(writing, [_name(model) for model in TABLES if model is not LibraryMeta])
        _check_rows(writing, written)
        claims = written[_name(Claim)]
        checked = [0]

        def tick() -> None:
            checked[0] += 1
            if checked[0] % BATCH == 0 or checked[0] == 2 * claims:
                report("checking", checked[0], 2 * claims)

        expected = export_digest(reading, tick)
        got = export_digest(writing, tick)
        if got != expected:
            raise CopyMismatch(
                f"export --all of the copy in {display_name(target)} differs from the "
                "source's: nothing was copied"
            )
    return Copied(written, expected)


def _copy_rows(
    reading: Connection, writing: Connection, total: int, report: Progress
) -> dict[str, int]:
    written: dict[str, int] = {}
    done = 0
    report("copying", 0, total)
    with (
        indexes_built_after(writing, [_name(model) for model in TABLES]),
        suspended_triggers(writing, BULK_INSERT_TRIGGERS) as suspended,
    ):
        for model in TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            columns = [column.name for column in table.columns]
            query = select(*table.columns).order_by(*table.primary_key.columns)
            result = reading.execute(query, execution_options={"yield_per": BATCH})
            count = 0
            for rows in result.partitions():
                copy_rows(writing, model, columns, [tuple(row) for row in rows])
                count += len(rows)
                done += len(rows)
                report("copying", done, total)
            written[_name(model)] = count
            if model is Claim and FTS_INSERT_TRIGGER in suspended:
                # Indexed at once, before any part goes in: from here on the index is
                # whole, so whatever a trigger of the target's might change keeps it so.
                first, last = writing.execute(
                    select(func.min(col(Claim.id)), func.max(col(Claim.id)))
                ).one()
                if first is not None and last is not None:
                    index_new_claims(writing, first, last)
    return written


def _check_rows(writing: Connection, written: dict[str, int]) -> None:
    """Each table holds exactly the rows copied into it (nothing else added or dropped)."""
    for model in TABLES:
        found = _count(writing, model)
        if found != written[_name(model)]:
            raise CopyMismatch(
                f"the copy's {_name(model)} holds {found:,} rows, the source's "
                f"{written[_name(model)]:,}: nothing was copied"
            )


def export_digest(connection: Connection, tick: Callable[[], None] | None = None) -> str:
    """The sha256 of ``curator export --all`` of the library, as this connection sees it."""
    digest = hashlib.sha256()
    with Session(bind=connection) as session:
        for index, (_, _, text) in enumerate(iter_markdown(session)):
            # The export's own framing: a blank line between cards (cli/cards.py).
            if index:
                digest.update(b"\n")
            digest.update(text.encode("utf-8"))
            if tick is not None:
                tick()
    return digest.hexdigest()


def copy_to_new_file(source: Engine, path: Path, *, progress: Progress | None = None) -> Copied:
    """Copy ``source`` into a new SQLite library at ``path``, replacing any file there.

    Written beside ``path`` under a temporary name, then renamed into place: until the
    copy has been proved, ``path`` is untouched, and a failure leaves nothing behind.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        engine = open_library(tmp)
        try:
            copied = copy_library(source, engine, progress=progress)
        finally:
            # The last connection closed: SQLite folds its write-ahead log into the file.
            engine.dispose()
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
    return copied
