"""Undo steps: small functions that reverse one edit through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from curator_tui.services import claims as claim_service


def call(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[Session], int | None]:
    """An undo function: call a service with these arguments in the undo's session."""

    def run(session: Session) -> None:
        fn(session, *args, **kwargs)

    return run


def delete_claim(session: Session, claim_id: int) -> None:
    claim_service.delete_claim(session, claim_id)


def restore_claim(session: Session, claim_id: int, statement: str, synthesis: str) -> int:
    claim_service.update_claim(session, claim_id, statement=statement, synthesis=synthesis)
    return claim_id


def undo_move(
    move: Callable[[Session, int, int], int], session: Session, ident: int, offset: int
) -> None:
    move(session, ident, offset)


def position(session: Session, kind: str, ident: int) -> int:
    from curator_tui.models import GoldStandardItem, Mechanism, MechanismStep

    if kind == "step":
        return session.get_one(MechanismStep, ident).position
    if kind == "gold":
        return session.get_one(GoldStandardItem, ident).position
    return session.get_one(Mechanism, ident).rank
