"""Gold-standard items: the ideal study designs, strongest first."""

from __future__ import annotations

from sqlmodel import Session, col

from curator_tui.cards.text import clean
from curator_tui.models import GoldStandardItem
from curator_tui.services.common import fetch, move_in, renumber, required, siblings, touch


def _items(session: Session, claim_id: int) -> list[GoldStandardItem]:
    return siblings(
        session,
        GoldStandardItem,
        col(GoldStandardItem.claim_id) == claim_id,
        col(GoldStandardItem.position),
    )


def add_gold(
    session: Session, claim_id: int, design: str, description: str = "", position: int | None = None
) -> int:
    """Insert a study design at ``position`` (default: last); returns its id."""
    value = required(design, "a study design")
    touch(session, claim_id)
    rows = _items(session, claim_id)
    item = GoldStandardItem(
        claim_id=claim_id, design=value, description=clean(description), position=len(rows)
    )
    session.add(item)
    session.flush()
    if position is not None:
        rows.insert(max(0, min(position, len(rows))), item)
        renumber(session, rows)
    session.flush()
    assert item.id is not None
    return item.id


def edit_gold(session: Session, item_id: int, design: str, description: str = "") -> None:
    """Change a study design and its description."""
    item = fetch(session, GoldStandardItem, item_id)
    item.design = required(design, "a study design")
    item.description = clean(description)
    touch(session, item.claim_id)
    session.add(item)
    session.flush()


def delete_gold(session: Session, item_id: int) -> None:
    """Delete a study design; the numbers close up."""
    item = fetch(session, GoldStandardItem, item_id)
    touch(session, item.claim_id)
    session.delete(item)
    session.flush()
    renumber(session, _items(session, item.claim_id))
    session.flush()


def move_gold(session: Session, item_id: int, offset: int) -> int:
    """Move a study design up (negative) or down; returns its new position."""
    item = fetch(session, GoldStandardItem, item_id)
    touch(session, item.claim_id)
    rows = move_in(_items(session, item.claim_id), item, offset)
    renumber(session, rows)
    session.flush()
    return rows.index(item)
