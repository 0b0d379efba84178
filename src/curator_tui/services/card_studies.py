"""The study records on cards, merged into the library's shared records.

A study is shared by every claim that cites it, so a card saying something else about it
is either news (fill in, correct) or a conflict with what other claims show:

- a study new to the library takes the card's record;
- a field the card leaves empty keeps the library's value (absent means keep, never
  blank: an export does not show a study's design or sample size, a hand-written card
  may show nothing but the DOI);
- a field the library has empty takes the card's value;
- a field both have, with different values, takes the card's value when no other claim
  cites the study (or ``overwrite_shared``, which is ``import --replace``); otherwise the
  library's value stays. Either way, when other claims cite it the difference is reported
  as a StudyDisagreement, for the importer to turn into a warning naming the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from curator_tui.cards.model import Card, StudyRef
from curator_tui.models import Evidence, Study
from curator_tui.services.common import insert_ids
from curator_tui.services.evidence import update_study

STUDY_COLUMNS = [f.name for f in fields(StudyRef) if f.name not in ("doi", "stance", "note")]
# A study's (or a row's) values of STUDY_COLUMNS as one tuple, read in C.
_values = attrgetter(*STUDY_COLUMNS)
_CHUNK = 500


@dataclass(frozen=True)
class StudyDisagreement:
    """A card's record of a study differs from the library's, and other claims cite it."""

    card: int  # index of the card among those saved
    study: int  # index of the study among the card's studies
    doi: str
    fields: tuple[tuple[str, Any, Any], ...]  # (field, the card's value, the library's value)
    others: int  # how many other claims cite the study
    updated: bool  # the card's values were written (else the library's were kept)


def _given(value: Any) -> bool:
    return value not in (None, "")


def _citers(session: Session, study_id: int) -> int:
    query = sa_select(func.count(func.distinct(col(Evidence.claim_id)))).where(
        col(Evidence.study_id) == study_id
    )
    return int(session.connection().execute(query).scalar_one())


def merge_studies(
    session: Session,
    cards: Sequence[Card],
    *,
    overwrite_shared: bool = False,
    disagreements: list[StudyDisagreement] | None = None,
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Make the library hold the studies on these cards (about to be saved as claims).

    Returns DOI -> study id and DOI -> the record as the library now holds it. New
    studies go in with one statement. Run it after the claims being replaced have lost
    their old links: any claim still citing a study counts as another claim.
    Disagreements are appended to ``disagreements``.
    """
    connection = session.connection()
    mentions: dict[str, list[tuple[int, int, StudyRef]]] = {}
    for card_index, card in enumerate(cards):
        for study_index, study in enumerate(card.studies):
            mentions.setdefault(study.doi, []).append((card_index, study_index, study))
    # DOI -> (study id, its values of STUDY_COLUMNS): plain tuples (a Row's attributes
    # cost ~1 us each, and a batch of 1,000 cards reads ~1,500 studies).
    known: dict[str, tuple[int, tuple[Any, ...]]] = {}
    dois = list(mentions)
    columns = [col(Study.id), col(Study.doi), *(getattr(Study, k) for k in STUDY_COLUMNS)]
    for start in range(0, len(dois), _CHUNK):
        rows = connection.execute(
            sa_select(*columns).where(col(Study.doi).in_(dois[start : start + _CHUNK]))
        ).all()
        known.update((row[1], (row[0], tuple(row[2:]))) for row in rows)

    records: dict[str, dict[str, Any]] = {}
    changed: dict[int, dict[str, Any]] = {}
    for doi, group in mentions.items():
        study_id, stored = known.get(doi, (None, None))
        # The record so far, and its values as a tuple (None once changed: worked out again).
        held: tuple[Any, ...] | None = stored
        record = dict(zip(STUDY_COLUMNS, held, strict=True)) if held is not None else None
        citing: set[int] = set()  # the cards (claims) of this batch that cite it so far
        library_citers: int | None = None
        for card_index, study_index, study in group:
            values = _values(study)
            if record is None:
                record, held = dict(zip(STUDY_COLUMNS, values, strict=True)), values
                citing.add(card_index)
                continue
            if held is None:
                held = tuple(record[k] for k in STUDY_COLUMNS)
            if values == held:
                # The record the library holds, again (most citations of a shared study):
                # nothing differs and nothing is missing.
                citing.add(card_index)
                continue
            held = None
            given = {k: getattr(study, k) for k in STUDY_COLUMNS if _given(getattr(study, k))}
            differ = {k: v for k, v in given.items() if _given(record[k]) and record[k] != v}
            if differ:
                if study_id is not None and library_citers is None:
                    library_citers = _citers(session, study_id)
                others = (library_citers or 0) + len(citing - {card_index})
                take = overwrite_shared or not others
                if others and disagreements is not None:
                    disagreements.append(
                        StudyDisagreement(
                            card_index,
                            study_index,
                            doi,
                            tuple((k, v, record[k]) for k, v in differ.items()),
                            others,
                            take,
                        )
                    )
                if take:
                    record.update(differ)
            record.update({k: v for k, v in given.items() if not _given(record[k])})
            citing.add(card_index)
        assert record is not None
        records[doi] = record
        # (``held`` is the stored tuple itself while nothing changed the record.)
        if study_id is not None and held is not stored:
            before = dict(zip(STUDY_COLUMNS, stored or (), strict=True))
            delta = {k: v for k, v in record.items() if before[k] != v}
            if delta:
                changed[study_id] = delta

    ids = {doi: int(study_id) for doi, (study_id, _) in known.items()}
    new = [doi for doi in mentions if doi not in known]
    if new:
        rows_in = [(doi, *(records[doi][k] for k in STUDY_COLUMNS)) for doi in new]
        ids.update(
            zip(new, insert_ids(connection, Study, ("doi", *STUDY_COLUMNS), rows_in), strict=True)
        )
    for study_id, delta in changed.items():
        # Every claim citing the study shows the new record: they are touched (new
        # version, rendered again).
        update_study(session, study_id, **delta)
    return ids, records
