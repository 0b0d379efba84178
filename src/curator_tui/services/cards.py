"""Claims as cards: loading one claim (with ids, for the UI), many (for export), saving one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.render import render_markdown
from curator_tui.cards.words import claim_words
from curator_tui.db import (
    BULK_INSERT_TRIGGERS,
    FTS_INSERT_TRIGGER,
    bulk_insert,
    suspended_triggers,
)
from curator_tui.models import Claim, Evidence, GoldStandardItem, MechanismStep, Study, utcnow
from curator_tui.models import Mechanism as MechanismRow
from curator_tui.services import history
from curator_tui.services.card_studies import STUDY_COLUMNS, StudyDisagreement, merge_studies
from curator_tui.services.common import fetch, insert_ids, mark_stale
from curator_tui.services.search import index_new_claims


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
    retraction_nature: str = ""
    """A notice on the study (Retraction Watch): "Retraction", "Correction", ...; '' none."""
    retraction_date: str = ""
    """The notice's date (ISO), or ''."""


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
        **{k: getattr(study, k) for k in STUDY_COLUMNS},
    )


def find_study(session: Session, doi: str) -> StudyRef | None:
    """The library's record of the study with this (normalised) DOI, or None."""
    study = session.exec(select(Study).where(col(Study.doi) == doi)).first()
    return None if study is None else _study_ref(study, Stance.SUPPORTING.value, "")


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
        EvidenceView(
            e.id or 0,
            st.id or 0,
            _study_ref(st, e.stance, e.note),
            st.retraction_nature,
            st.retraction_date,
        )
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
                    *(getattr(Study, name) for name in STUDY_COLUMNS),
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
                        **dict(zip(STUDY_COLUMNS, row[4:], strict=True)),
                    )
                    for row in evidence.take(claim_id)
                ),
                gold=tuple(
                    GoldItem(design, description) for _, design, description in gold.take(claim_id)
                ),
            ),
        )


def _write_children(
    connection: Any, claim_ids: list[int], cards: list[Card], study_ids: dict[str, int]
) -> None:
    """Insert the parts of many claims with one multi-row statement per table."""
    owners = [
        (cid, rank, m)
        for cid, card in zip(claim_ids, cards, strict=True)
        for rank, m in enumerate(card.mechanisms)
    ]
    if owners:
        mechanism_ids = insert_ids(
            connection,
            MechanismRow,
            ("claim_id", "rank", "summary"),
            [(cid, rank, m.summary) for cid, rank, m in owners],
        )
        steps = [
            (mid, pos, text)
            for mid, (_, _, m) in zip(mechanism_ids, owners, strict=True)
            for pos, text in enumerate(m.steps)
        ]
        bulk_insert(connection, MechanismStep, ("mechanism_id", "position", "text"), steps)
    evidence = [
        (cid, study_ids[st.doi], st.stance.value, st.note, pos)
        for cid, card in zip(claim_ids, cards, strict=True)
        for pos, st in enumerate(card.studies)
    ]
    columns = ("claim_id", "study_id", "stance", "note", "position")
    bulk_insert(connection, Evidence, columns, evidence)
    gold = [
        (cid, pos, g.design, g.description)
        for cid, card in zip(claim_ids, cards, strict=True)
        for pos, g in enumerate(card.gold)
    ]
    bulk_insert(
        connection, GoldStandardItem, ("claim_id", "position", "design", "description"), gold
    )


def create_many(
    session: Session,
    cards: list[Card],
    rendered: Sequence[str | None] | None = None,
    known_words: Sequence[str | None] | None = None,
    *,
    overwrite_shared: bool = False,
    disagreements: list[StudyDisagreement] | None = None,
    summaries: Sequence[str] | None = None,
    packed: Sequence[bytes | None] | None = None,
) -> list[int]:
    """New claims holding everything on these cards, in a few statements; their ids, in order.

    ``summaries``: each claim's first history entry ("imported from cards/x.md").

    ``rendered``, ``known_words``, ``packed``: each card's Markdown, words (claim_words)
    and packed Markdown (delta.pack_full) if already known, reused when the library's study
    records are exactly the card's. The cards'
    study records are merged into the library's as ``merge_studies`` says
    (``overwrite_shared``, ``disagreements``)."""
    if not cards:
        return []
    study_ids, records = merge_studies(
        session, cards, overwrite_shared=overwrite_shared, disagreements=disagreements
    )
    # Each rendering from the card as the library holds it (its studies' records may be
    # fuller than the card's): the same text a later render from the database gives.
    texts, words, packs = [], [], []
    known = rendered or [None] * len(cards)
    known_w = known_words or [None] * len(cards)
    known_p = packed or [None] * len(cards)
    for card, text, found, pack in zip(cards, known, known_w, known_p, strict=True):
        studies = tuple(
            StudyRef(doi=st.doi, stance=st.stance, note=st.note, **records[st.doi])
            for st in card.studies
        )
        held = card if studies == card.studies else replace(card, studies=studies)
        if held is card and text is not None:
            texts.append(text)
            packs.append(pack)
        else:
            texts.append(render_markdown(held))
            packs.append(None)
        words.append(claim_words(held) if found is None or held is not card else found)
    now = utcnow()
    connection = session.connection()
    # The claims go in with their renderings and words, so the triggers that clear them
    # when a part is added would only undo that: they wait until the parts are in. The
    # full-text index takes the whole batch in one statement.
    with suspended_triggers(connection, BULK_INSERT_TRIGGERS) as suspended:
        # Explicit ids: never the id of a deleted claim, whose history goes on.
        first = history.next_claim_id(connection)
        ids = list(range(first, first + len(cards)))
        bulk_insert(
            connection,
            Claim,
            (
                "id",
                "statement",
                "synthesis",
                "created_at",
                "updated_at",
                "version",
                "markdown",
                "words",
            ),
            [
                (claim_id, c.statement, c.synthesis, now, now, 1, text, w)
                for claim_id, c, text, w in zip(ids, cards, texts, words, strict=True)
            ],
        )
        if FTS_INSERT_TRIGGER in suspended:
            index_new_claims(connection, ids[0], ids[-1])
        _write_children(connection, ids, cards, study_ids)
    history.record_created(
        session,
        {
            claim_id: (text, summary, pack)
            for claim_id, text, summary, pack in zip(
                ids, texts, summaries or ["created the claim"] * len(ids), packs, strict=True
            )
        },
    )
    return ids


def create_from_card(
    session: Session,
    card: Card,
    *,
    overwrite_shared: bool = False,
    disagreements: list[StudyDisagreement] | None = None,
    summary: str = "created the claim",
) -> int:
    """A new claim holding everything on the card; returns its id."""
    return create_many(
        session,
        [card],
        overwrite_shared=overwrite_shared,
        disagreements=disagreements,
        summaries=[summary],
    )[0]


def replace_from_card(
    session: Session,
    claim_id: int,
    card: Card,
    *,
    overwrite_shared: bool = False,
    disagreements: list[StudyDisagreement] | None = None,
) -> None:
    """Make an existing claim hold exactly what is on the card (same id, new version).

    Its studies take the card's record where no other claim cites them (``merge_studies``).
    """
    claim = fetch(session, Claim, claim_id)
    claim.statement, claim.synthesis = card.statement, card.synthesis
    claim.updated_at, claim.version = utcnow(), claim.version + 1
    session.add(claim)
    for model in (MechanismRow, Evidence, GoldStandardItem):
        session.execute(delete(model).where(col(model.claim_id) == claim_id))
    session.flush()
    study_ids = merge_studies(
        session, [card], overwrite_shared=overwrite_shared, disagreements=disagreements
    )[0]
    _write_children(session.connection(), [claim_id], [card], study_ids)
    mark_stale(session, [claim_id])
