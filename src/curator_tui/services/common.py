"""Helpers shared by the services: fetching, touching the claim, renumbering, bulk ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from curator_tui.cards.text import clean
from curator_tui.db import bulk_insert
from curator_tui.models import Claim, utcnow
from curator_tui.services.errors import NotFound, ServiceError

T = TypeVar("T", bound=SQLModel)


def fetch(session: Session, model: type[T], ident: int) -> T:
    """The row with primary key ``ident`` or NotFound."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {ident} does not exist")
    return row


def ident(row: Any) -> int:
    """The primary key of a flushed row."""
    assert row.id is not None, "row not flushed"
    return int(row.id)


def touch(session: Session, claim_id: int) -> Claim:
    """Mark a claim changed: new timestamp and version."""
    claim = fetch(session, Claim, claim_id)
    claim.updated_at = utcnow()
    claim.version += 1
    session.add(claim)
    mark_stale(session, [claim_id])
    return claim


STALE_KEY = "curator_stale_claims"


def mark_stale(session: Session, claim_ids: Iterable[int]) -> None:
    """Render these claims' stored Markdown again before the session commits (rendered.py)."""
    session.info.setdefault(STALE_KEY, set()).update(claim_ids)


def required(text: str, what: str) -> str:
    """Cleaned text, or a ServiceError when nothing is left."""
    value = clean(text)
    if not value:
        raise ServiceError(f"{what} cannot be empty")
    return value


def siblings(session: Session, model: type[T], parent: Any, order: Any) -> list[T]:
    """The rows under one parent, in order."""
    return list(session.exec(select(model).where(parent).order_by(order, col(model.id))))  # type: ignore[attr-defined]


def renumber(session: Session, rows: list[Any], attr: str = "position") -> None:
    """Make positions contiguous (0, 1, 2, ...) in the given order."""
    for index, row in enumerate(rows):
        if getattr(row, attr) != index:
            setattr(row, attr, index)
            session.add(row)


def move_in(rows: list[Any], row: Any, offset: int) -> list[Any]:
    """The list with ``row`` moved by ``offset`` places, clamped to the ends."""
    index = rows.index(row)
    target = max(0, min(len(rows) - 1, index + offset))
    out = [r for r in rows if r is not row]
    out.insert(target, row)
    return out


def insert_ids(
    connection: Any, model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[int]:
    """Insert rows in one statement; their new ids, in order.

    SQLAlchemy can only return ids in order from SQLite one row at a time. But a rowid
    table gives a new row max(rowid) + 1, and the transaction holds SQLite's write lock
    from its first insert to its commit: the rows just inserted are the highest ids.
    """
    if connection.dialect.name != "sqlite":
        statement = insert(model).returning(col(model.id), sort_by_parameter_order=True)
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        return [int(i) for i in connection.execute(statement, records).scalars().all()]
    bulk_insert(connection, model, columns, rows)
    last = int(connection.execute(sa_select(func.max(col(model.id)))).scalar_one())
    return list(range(last - len(rows) + 1, last + 1))
