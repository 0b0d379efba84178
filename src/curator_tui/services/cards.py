"""Claims as cards: loading one claim (with ids, for the UI), many (for export), saving one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.models import Claim, Evidence, GoldStandardItem, MechanismStep, Study, utcnow
from curator_tui.models import Mechanism as MechanismRow
from curator_tui.services.common import fetch, mark_stale
from curator_tui.services.evidence import get_or_create_study

_STUDY_COLUMNS = [f.name for f in fields(StudyRef) if f.name not in ("doi", "stance", "note")]


@dataclass(frozen=True)
class StepView:
    """A step with its id."""

    id: int
    text: str


@dataclass(frozen=True)
class MechanismView:
    """A mechanism with its id, rank and steps."""

    id: int
    rank: int
    summary: str
    steps: tuple[StepView, ...]


@dataclass(frozen=True)
class EvidenceView:
    """A linked study: the link's id and the study's record."""

    id: int
    study_id: int
    study: StudyRef


@dataclass(frozen=True)
class GoldView:
    """A gold-standard item with its id."""

    id: int
    design: str
    description: str


@dataclass(frozen=True)
class ClaimDetail:
    """Everything about one claim, as plain data (what crosses into the UI)."""

    id: int
    statement: str
    synthesis: str
    version: int
    updated_at: datetime
    mechanisms: tuple[MechanismView, ...]
    evidence: tuple[EvidenceView, ...]
    gold: tuple[GoldView, ...]

    def to_card(self) -> Card:
        """The claim as a card, for rendering."""
        return Card(
            statement=self.statement,
            synthesis=self.synthesis,
            mechanisms=tuple(
                Mechanism(m.summary, tuple(s.text for s in m.steps)) for m in self.mechanisms
            ),
            studies=tuple(e.study for e in self.evidence),
            gold=tuple(GoldItem(g.design, g.description) for g in self.gold),
        )


def _study_ref(study: Any, stance: str, note: str) -> StudyRef:
    return StudyRef(
        doi=study.doi,
        stance=Stance(stance),
        note=note,
        **{k: getattr(study, k) for k in _STUDY_COLUMNS},
    )


def load_claim(session: Session, claim_id: int) -> ClaimDetail:
    """One claim with all its parts; NotFound if it is gone."""
    claim = fetch(session, Claim, claim_id)
    mechanisms = []
    for m in session.exec(
        select(MechanismRow)
        .where(MechanismRow.claim_id == claim_id)
        .order_by(col(MechanismRow.rank))
    ):
        steps = session.exec(
            select(MechanismStep)
            .where(MechanismStep.mechanism_id == m.id)
            .order_by(col(MechanismStep.position))
        )
        assert m.id is not None
        mechanisms.append(
            MechanismView(
                m.id, m.rank, m.summary, tuple(StepView(s.id or 0, s.text) for s in steps)
            )
        )
    evidence = tuple(
        EvidenceView(e.id or 0, st.id or 0, _study_ref(st, e.stance, e.note))
        for e, st in session.exec(
            select(Evidence, Study)
            .join(Study, col(Study.id) == col(Evidence.study_id))
            .where(Evidence.claim_id == claim_id)
            .order_by(col(Evidence.position))
        )
    )
    gold = tuple(
        GoldView(g.id or 0, g.design, g.description)
        for g in session.exec(
            select(GoldStandardItem)
            .where(GoldStandardItem.claim_id == claim_id)
            .order_by(col(GoldStandardItem.position))
        )
    )
    assert claim.id is not None
    return ClaimDetail(
        claim.id,
        claim.statement,
        claim.synthesis,
        claim.version,
        claim.updated_at,
        tuple(mechanisms),
        evidence,
        gold,
    )


def load_card(session: Session, claim_id: int) -> Card:
    """One claim as a card."""
    return load_claim(session, claim_id).to_card()


class _Groups:
    """Rows ordered by claim id, handed out one claim's group at a time (a merge join)."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._groups = groupby(rows, key=lambda row: row[0])
        self._next = next(self._groups, None)

    def take(self, claim_id: int) -> list[Any]:
        while self._next is not None and self._next[0] < claim_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != claim_id:
            return []
        rows = list(self._next[1])
        self._next = next(self._groups, None)
        return rows


def iter_cards(
    session: Session, claim_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, Card]]:
    """Cards in claim-id order, streamed: five queries for any number of claims."""
    opts = {"yield_per": 2000}

    def scoped(query: Any, column: Any) -> Any:
        return query.where(column.in_(claim_ids)) if claim_ids is not None else query

    claims = session.execute(
        scoped(select(Claim.id, Claim.statement, Claim.synthesis), col(Claim.id)).order_by(
            col(Claim.id)
        ),
        execution_options=opts,
    )
    mechanisms = _Groups(
        session.execute(
            scoped(
                select(MechanismRow.claim_id, MechanismRow.id, MechanismRow.summary),
                col(MechanismRow.claim_id),
            ).order_by(col(MechanismRow.claim_id), col(MechanismRow.rank)),
            execution_options=opts,
        )
    )
    steps = _Groups(
        session.execute(
            scoped(
                select(MechanismRow.claim_id, MechanismStep.mechanism_id, MechanismStep.text).join(
                    MechanismRow, col(MechanismRow.id) == col(MechanismStep.mechanism_id)
                ),
                col(MechanismRow.claim_id),
            ).order_by(
                col(MechanismRow.claim_id), col(MechanismRow.rank), col(MechanismStep.position)
            ),
            execution_options=opts,
        )
    )
    evidence = _Groups(
        session.execute(
            scoped(
                # Plain columns, not Study entities: no ORM identity map for 100k rows.
                sa_select(
                    col(Evidence.claim_id),
                    col(Evidence.stance),
                    col(Evidence.note),
                    col(Study.doi),
                    *(getattr(Study, name) for name in _STUDY_COLUMNS),
                ).join(Study, col(Study.id) == col(Evidence.study_id)),
                col(Evidence.claim_id),
            ).order_by(col(Evidence.claim_id), col(Evidence.position)),
            execution_options=opts,
        )
    )
    gold = _Groups(
        session.execute(
            scoped(
                select(
                    GoldStandardItem.claim_id, GoldStandardItem.design, GoldStandardItem.description
                ),
                col(GoldStandardItem.claim_id),
            ).order_by(col(GoldStandardItem.claim_id), col(GoldStandardItem.position)),
            execution_options=opts,
        )
    )
    for claim_id, statement, synthesis in claims:
        by_mechanism: dict[int, list[str]] = {}
        for _, mechanism_id, text in steps.take(claim_id):
            by_mechanism.setdefault(mechanism_id, []).append(text)
        yield (
            claim_id,
            Card(
                statement=statement,
                synthesis=synthesis,
                mechanisms=tuple(
                    Mechanism(summary, tuple(by_mechanism.get(mid, ())))
                    for _, mid, summary in mechanisms.take(claim_id)
                ),
                studies=tuple(
                    StudyRef(
                        doi=row[3],
                        stance=Stance(row[1]),
                        note=row[2],
                        **dict(zip(_STUDY_COLUMNS, row[4:], strict=True)),
                    )
                    for row in evidence.take(claim_id)
                ),
                gold=tuple(
                    GoldItem(design, description) for _, design, description in gold.take(claim_id)
                ),
            ),
        )


# Built once: Core statements on the session's connection skip the ORM's bulk machinery.
_INSERT_CLAIMS = insert(Claim).returning(col(Claim.id), sort_by_parameter_order=True)
_INSERT_MECHANISMS = insert(MechanismRow).returning(
    col(MechanismRow.id), sort_by_parameter_order=True
)
_INSERT_STUDIES = insert(Study).returning(col(Study.id), sort_by_parameter_order=True)
_INSERT_STEPS = insert(MechanismStep)
_INSERT_EVIDENCE = insert(Evidence)
_INSERT_GOLD = insert(GoldStandardItem)
_CHUNK = 500  # keeps IN (...) lists well under any database's parameter limit


def _study_ids(session: Session, studies: list[StudyRef]) -> dict[str, int]:
    """DOI -> id for these studies; new ones inserted together, empty fields filled in."""
    connection = session.connection()
    wanted = {st.doi: st for st in reversed(studies)}  # the first mention of a DOI wins
    known: dict[str, Any] = {}
    dois = list(wanted)
    for start in range(0, len(dois), _CHUNK):
        rows = connection.execute(
            sa_select(Study).where(col(Study.doi).in_(dois[start : start + _CHUNK]))
        ).all()
        known.update((row.doi, row) for row in rows)
    ids = {doi: row.id for doi, row in known.items()}
    missing = [st for doi, st in wanted.items() if doi not in known]
    if missing:
        rows_in = [{"doi": st.doi, **{k: getattr(st, k) for k in _STUDY_COLUMNS}} for st in missing]
        new_ids = connection.execute(_INSERT_STUDIES, rows_in).scalars().all()
        ids.update(zip([st.doi for st in missing], new_ids, strict=True))
    for doi, row in known.items():
        study = wanted[doi]
        if any(
            getattr(row, k) in (None, "") and getattr(study, k) not in (None, "")
            for k in _STUDY_COLUMNS
        ):
            # A known study: the card fills fields the library does not have yet.
            get_or_create_study(session, doi, **{k: getattr(study, k) for k in _STUDY_COLUMNS})
    return ids


def _write_children(session: Session, claim_ids: list[int], cards: list[Card]) -> None:
    """Insert the parts of many claims with one multi-row statement per table."""
    connection = session.connection()
    owners = [
        (cid, rank, m)
        for cid, card in zip(claim_ids, cards, strict=True)
        for rank, m in enumerate(card.mechanisms)
    ]
    if owners:
        mechanism_ids = (
            connection.execute(
                _INSERT_MECHANISMS,
                [{"claim_id": cid, "rank": rank, "summary": m.summary} for cid, rank, m in owners],
            )
            .scalars()
            .all()
        )
        steps = [
            {"mechanism_id": mid, "position": pos, "text": text}
            for mid, (_, _, m) in zip(mechanism_ids, owners, strict=True)
            for pos, text in enumerate(m.steps)
        ]
        if steps:
            connection.execute(_INSERT_STEPS, steps)
    all_studies = [st for card in cards for st in card.studies]
    if all_studies:
        ids = _study_ids(session, all_studies)
        connection.execute(
            _INSERT_EVIDENCE,
            [
                {
                    "claim_id": cid,
                    "study_id": ids[st.doi],
                    "stance": st.stance.value,
                    "note": st.note,
                    "position": pos,
                }
                for cid, card in zip(claim_ids, cards, strict=True)
                for pos, st in enumerate(card.studies)
            ],
        )
    gold = [
        {"claim_id": cid, "position": pos, "design": g.design, "description": g.description}
        for cid, card in zip(claim_ids, cards, strict=True)
        for pos, g in enumerate(card.gold)
    ]
    if gold:
        connection.execute(_INSERT_GOLD, gold)


def create_many(session: Session, cards: list[Card]) -> list[int]:
    """New claims holding everything on these cards, in a few statements; their ids, in order."""
    if not cards:
        return []
    now = utcnow()
    claim_ids = list(
        session.connection()
        .execute(
            _INSERT_CLAIMS,
            [
                {
                    "statement": c.statement,
                    "synthesis": c.synthesis,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for c in cards
            ],
        )
        .scalars()
        .all()
    )
    ids = [int(i) for i in claim_ids if i is not None]
    _write_children(session, ids, cards)
    mark_stale(session, ids)
    return ids


def create_from_card(session: Session, card: Card) -> int:
    """A new claim holding everything on the card; returns its id."""
    return create_many(session, [card])[0]


def replace_from_card(session: Session, claim_id: int, card: Card) -> None:
    """Make an existing claim hold exactly what is on the card (same id, new version)."""
    claim = fetch(session, Claim, claim_id)
    claim.statement, claim.synthesis = card.statement, card.synthesis
    claim.updated_at, claim.version = utcnow(), claim.version + 1
    session.add(claim)
    for model in (MechanismRow, Evidence, GoldStandardItem):
        session.execute(delete(model).where(col(model.claim_id) == claim_id))
    session.flush()
    _write_children(session, [claim_id], [card])
    mark_stale(session, [claim_id])
