"""Mechanisms (ranked, rank 0 = most probable) and their ordered steps."""

from __future__ import annotations

from sqlmodel import Session, col

from curator_tui.cards.text import clean
from curator_tui.models import Mechanism, MechanismStep
from curator_tui.services.common import fetch, move_in, renumber, required, siblings, touch


def _mechanisms(session: Session, claim_id: int) -> list[Mechanism]:
    return siblings(session, Mechanism, col(Mechanism.claim_id) == claim_id, col(Mechanism.rank))


def _steps(session: Session, mechanism_id: int) -> list[MechanismStep]:
    return siblings(
        session,
        MechanismStep,
        col(MechanismStep.mechanism_id) == mechanism_id,
        col(MechanismStep.position),
    )


def add_mechanism(
    session: Session, claim_id: int, summary: str = "", rank: int | None = None
) -> int:
    """Add a mechanism at ``rank`` (default: last); returns its id."""
    touch(session, claim_id)
    rows = _mechanisms(session, claim_id)
    mechanism = Mechanism(claim_id=claim_id, summary=clean(summary), rank=len(rows))
    session.add(mechanism)
    session.flush()
    if rank is not None:
        rows.insert(max(0, min(rank, len(rows))), mechanism)
        renumber(session, rows, "rank")
    session.flush()
    assert mechanism.id is not None
    return mechanism.id


def update_mechanism(session: Session, mechanism_id: int, summary: str) -> None:
    """Change a mechanism's summary."""
    mechanism = fetch(session, Mechanism, mechanism_id)
    mechanism.summary = clean(summary)
    touch(session, mechanism.claim_id)
    session.add(mechanism)
    session.flush()


def delete_mechanism(session: Session, mechanism_id: int) -> None:
    """Delete a mechanism and its steps; the ranks close up."""
    mechanism = fetch(session, Mechanism, mechanism_id)
    claim_id = mechanism.claim_id
    touch(session, claim_id)
    session.delete(mechanism)
    session.flush()
    renumber(session, _mechanisms(session, claim_id), "rank")
    session.flush()


def move_mechanism(session: Session, mechanism_id: int, offset: int) -> int:
    """Move a mechanism up (negative) or down the ranking; returns its new rank."""
    mechanism = fetch(session, Mechanism, mechanism_id)
    touch(session, mechanism.claim_id)
    rows = move_in(_mechanisms(session, mechanism.claim_id), mechanism, offset)
    renumber(session, rows, "rank")
    session.flush()
    return rows.index(mechanism)


def promote_mechanism(session: Session, mechanism_id: int) -> None:
    """Make an alternative the most probable; the old one becomes the first alternative."""
    move_mechanism(session, mechanism_id, -(10**9))


def add_step(session: Session, mechanism_id: int, text: str, position: int | None = None) -> int:
    """Insert a step at ``position`` (default: last); returns its id."""
    mechanism = fetch(session, Mechanism, mechanism_id)
    value = required(text, "a step")
    touch(session, mechanism.claim_id)
    rows = _steps(session, mechanism_id)
    step = MechanismStep(mechanism_id=mechanism_id, text=value, position=len(rows))
    session.add(step)
    session.flush()
    if position is not None:
        rows.insert(max(0, min(position, len(rows))), step)
        renumber(session, rows)
    session.flush()
    assert step.id is not None
    return step.id


def edit_step(session: Session, step_id: int, text: str) -> None:
    """Change a step's text."""
    step = fetch(session, MechanismStep, step_id)
    step.text = required(text, "a step")
    touch(session, fetch(session, Mechanism, step.mechanism_id).claim_id)
    session.add(step)
    session.flush()


def delete_step(session: Session, step_id: int) -> None:
    """Delete a step; the numbers close up."""
    step = fetch(session, MechanismStep, step_id)
    mechanism_id = step.mechanism_id
    touch(session, fetch(session, Mechanism, mechanism_id).claim_id)
    session.delete(step)
    session.flush()
    renumber(session, _steps(session, mechanism_id))
    session.flush()


def move_step(session: Session, step_id: int, offset: int) -> int:
    """Move a step up (negative) or down; returns its new position."""
    step = fetch(session, MechanismStep, step_id)
    touch(session, fetch(session, Mechanism, step.mechanism_id).claim_id)
    rows = move_in(_steps(session, step.mechanism_id), step, offset)
    renumber(session, rows)
    session.flush()
    return rows.index(step)
