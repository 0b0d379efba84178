"""A claim's exact rows (ids, positions, text) as plain data, and putting them back.

The inverse of every claim edit is "put the claim back as it was" (edits.py): taking the
rows before the edit and restoring them gives back the same ids and positions, whatever
the edit did, so no edit needs an inverse of its own written and tested separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col

from curator_tui.models import (
    Claim,
    Evidence,
    GoldStandardItem,
    Mechanism,
    MechanismStep,
    Study,
    utcnow,
)
from curator_tui.services.claims import expect_version
from curator_tui.services.common import mark_stale
from curator_tui.services.errors import Conflict
from curator_tui.study_fields import STUDY_FIELDS

# Every field of a study's record (the same list the study services validate).
STUDY_RECORD = STUDY_FIELDS


@dataclass(frozen=True)
class ClaimSnapshot:
    """Every row of one claim, exactly."""

    claim_id: int
    version: int
    statement: str
    synthesis: str
    created_at: datetime
    mechanisms: tuple[tuple[int, int, str], ...]  # id, rank, summary
    steps: tuple[tuple[int, int, int, str], ...]  # id, mechanism id, position, text
    evidence: tuple[tuple[int, int, str, str, int], ...]  # id, study id, stance, note, position
    gold: tuple[tuple[int, int, str, str], ...]  # id, position, design, description
    # The records of the studies it cites: put back only where no other claim cites them
    # (a record other claims share is changed by its own edit, with its own inverse).
    studies: tuple[tuple[int, tuple[Any, ...]], ...] = ()


# Built once: an edit takes a snapshot before it runs, so this is on every edit's path.
_CLAIM = sa_select(
    col(Claim.version), col(Claim.statement), col(Claim.synthesis), col(Claim.created_at)
).where(col(Claim.id) == bindparam("claim"))
_MECHANISMS = (
    sa_select(col(Mechanism.id), col(Mechanism.rank), col(Mechanism.summary))
    .where(col(Mechanism.claim_id) == bindparam("claim"))
    .order_by(col(Mechanism.id))
)
_STEPS = (
    sa_select(
        col(MechanismStep.id),
        col(MechanismStep.mechanism_id),
        col(MechanismStep.position),
        col(MechanismStep.text),
    )
    .join(Mechanism, col(Mechanism.id) == col(MechanismStep.mechanism_id))
    .where(col(Mechanism.claim_id) == bindparam("claim"))
    .order_by(col(MechanismStep.id))
)
_EVIDENCE = (
    sa_select(
        col(Evidence.id),
        col(Evidence.study_id),
        col(Evidence.stance),
        col(Evidence.note),
        col(Evidence.position),
    )
    .where(col(Evidence.claim_id) == bindparam("claim"))
    .order_by(col(Evidence.id))
)
_GOLD = (
    sa_select(
        col(GoldStandardItem.id),
        col(GoldStandardItem.position),
        col(GoldStandardItem.design),
        col(GoldStandardItem.description),
    )
    .where(col(GoldStandardItem.claim_id) == bindparam("claim"))
    .order_by(col(GoldStandardItem.id))
)
_RECORDS = (
    sa_select(col(Study.id), *(col(getattr(Study, name)) for name in STUDY_RECORD))
    .join(Evidence, col(Evidence.study_id) == col(Study.id))
    .where(col(Evidence.claim_id) == bindparam("claim"))
    .order_by(col(Study.id))
)


def take(session: Session, claim_id: int) -> ClaimSnapshot | None:
    """The claim's rows now (None: there is no such claim)."""
    session.flush()
    connection = session.connection()
    where = {"claim": claim_id}
    claim = connection.execute(_CLAIM, where).first()
    if claim is None:
        return None
    # Rows as plain tuples, in the shapes ClaimSnapshot documents.
    mechanisms: Any = tuple(tuple(r) for r in connection.execute(_MECHANISMS, where))
    steps: Any = tuple(tuple(r) for r in connection.execute(_STEPS, where))
    evidence: Any = tuple(tuple(r) for r in connection.execute(_EVIDENCE, where))
    gold: Any = tuple(tuple(r) for r in connection.execute(_GOLD, where))
    records = tuple((r[0], tuple(r[1:])) for r in connection.execute(_RECORDS, where))
    return ClaimSnapshot(
        claim_id,
        claim[0],
        claim[1],
        claim[2],
        claim[3],
        mechanisms,
        steps,
        evidence,
        gold,
        records,
    )


def _put_records(session: Session, snapshot: ClaimSnapshot) -> None:
    """The cited studies' records as they were, where no other claim cites them."""
    for study_id, values in snapshot.studies:
        shared = (
            session.connection()
            .execute(
                sa_select(col(Evidence.id)).where(
                    col(Evidence.study_id) == study_id, col(Evidence.claim_id) != snapshot.claim_id
                )
            )
            .first()
        )
        study = session.get(Study, study_id)
        if shared is None and study is not None:
            for name, value in zip(STUDY_RECORD, values, strict=True):
                setattr(study, name, value)
            session.add(study)


def version_of(session: Session, claim_id: int) -> int | None:
    """The claim's version now (None: deleted)."""
    session.flush()
    return (
        session.connection()
        .execute(sa_select(col(Claim.version)).where(col(Claim.id) == claim_id))
        .scalar_one_or_none()
    )


def put(session: Session, snapshot: ClaimSnapshot, expected_version: int | None) -> int:
    """Make the claim exactly the snapshot: same ids, positions and text; its new version.

    ``expected_version``: the version the claim must have now (None: it must not exist),
    so a claim changed elsewhere since is never overwritten (Conflict). The version only
    ever grows (an editor holding an old one must not be let through), so the new version
    is one more than the larger of now and the snapshot's.
    """
    claim_id = snapshot.claim_id
    if expected_version is not None:
        expect_version(session, claim_id, expected_version)  # checks and locks at once
    now = version_of(session, claim_id)
    if now != expected_version:
        what = "deleted" if now is None else f"at version {now}"
        raise Conflict(f"claim {claim_id} was changed elsewhere since (it is {what})")
    session.expunge_all()  # the identity map must not keep rows deleted below
    if now is None:
        session.connection().execute(
            insert(Claim).values(
                id=claim_id,
                statement=snapshot.statement,
                synthesis=snapshot.synthesis,
                created_at=snapshot.created_at,
                updated_at=utcnow(),
                version=snapshot.version + 1,
            )
        )
        version = snapshot.version + 1
    else:
        claim = session.get_one(Claim, claim_id)
        claim.statement, claim.synthesis = snapshot.statement, snapshot.synthesis
        version = max(claim.version, snapshot.version) + 1
        claim.updated_at, claim.version = utcnow(), version
        session.add(claim)
        for model in (Mechanism, Evidence, GoldStandardItem):
            session.connection().execute(delete(model).where(col(model.claim_id) == claim_id))
    session.flush()
    rows: tuple[tuple[type[SQLModel], list[dict[str, Any]]], ...] = (
        (
            Mechanism,
            [
                {"id": i, "claim_id": claim_id, "rank": r, "summary": s}
                for i, r, s in snapshot.mechanisms
            ],
        ),
        (
            MechanismStep,
            [
                {"id": i, "mechanism_id": m, "position": p, "text": t}
                for i, m, p, t in snapshot.steps
            ],
        ),
        (
            Evidence,
            [
                {
                    "id": i,
                    "claim_id": claim_id,
                    "study_id": s,
                    "stance": st,
                    "note": n,
                    "position": p,
                }
                for i, s, st, n, p in snapshot.evidence
            ],
        ),
        (
            GoldStandardItem,
            [
                {"id": i, "claim_id": claim_id, "position": p, "design": d, "description": de}
                for i, p, d, de in snapshot.gold
            ],
        ),
    )
    for table, values in rows:
        if values:
            session.connection().execute(insert(table), values)
    _put_records(session, snapshot)
    mark_stale(session, [claim_id])
    session.flush()
    return version
