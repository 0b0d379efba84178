"""Finding claims by the words in them, behind one small interface per database.

The rule (what a word is, case, Unicode) is ``cards/words.py``, and only there: each claim
stores its words, computed in Python (``claim.words``, one line of distinct words), and
each database only looks the typed words up among those stored:

- SQLite: the FTS5 index ``claim_fts`` over ``claim.words`` (migration 0006), whose
  ``ascii`` tokenizer cuts that line exactly at its spaces; a quoted prefix term per word.
- PostgreSQL: a GIN index on ``array_to_tsvector(string_to_array(words, ' '))``, stored
  as the generated column ``claim.words_vector`` (no text parser, no dictionary: the
  lexemes are the stored words), and ``'word':*`` prefix queries.
- Any other database: ``' ' || words LIKE '% word%'`` per word (a scan, but the same rule).

The words are stored with the claim's rendering just before each commit that changed it
(rendered.py), so a change to a step, a study's title or an import is searchable as soon
as it is committed. A claim without stored words (inserted by plain SQL, or cleared by
migration 0006's triggers after a plain-SQL change to any of its parts) is matched here
in Python from its parts, so the answer is the same meanwhile; the next commit through
the services, or the next opening of the library, stores them (``store_missing_words``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    column,
    false,
    func,
    literal,
    or_,
    text,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from curator_tui.cards.model import Card, Mechanism, StudyRef
from curator_tui.cards.words import (
    card_parts,
    claim_words,
    found_in,
    matches,
    query_words,
)
from curator_tui.cards.words import words as words_of
from curator_tui.models import Claim, Evidence, MechanismStep, Study
from curator_tui.models import Mechanism as MechanismRow

# Shares of claims matching a filter where the plan for its first page changes (measured
# at 100,000 claims: bench/RESULTS.md). Below SPARSE, sorting the matches is cheaper than
# walking the sort index; from DENSE (per order) up, probing the text index per claim is
# cheapest. Probing walks more rows of the recency index than of the statement one before
# it fills a page: at 0.5-0.9 of the claims it cost 30 ms a page there, against 9-16 ms
# collecting the matches; by statement it wins from about 0.7.
SPARSE = 0.05
DENSE = {"statement": 0.7, "updated": 0.95}
# The longest prefix FTS5 has an index of its own for (migration 0006: prefix='1 2 3').
PREFIX_INDEX = 3
_WINDOW = 1000
_STORE = update(Claim).where(col(Claim.id) == bindparam("claim_id")).values(words=bindparam("w"))


class ClaimSearch(Protocol):
    """Restricts a claim query to the claims matching every word of ``words``."""

    # Whether ``page_ids`` needs how many claims match (it picks its plan by their share).
    pages_need_count: bool

    def restrict(self, query: Any, words: str) -> Any:
        """The query, filtered."""
        ...

    def count(self, session: Session, words: str) -> int | None:
        """How many claims match, if this search can say faster than a COUNT over claims."""
        ...

    def page_ids(
        self, session: Session, words: str, order: str, offset: int, limit: int, matches: int
    ) -> list[int] | None:
        """One page of matching ids in list ``order``, if this search has a faster way.

        ``matches`` is how many claims match (from ``count``). None: use the generic query.
        """
        ...


def unindexed_matches(session: Session, query: Sequence[str]) -> list[int]:
    """The claims without stored words that match ``query``, found from their parts."""
    if not query:
        return []
    missing = unindexed_ids(session)
    if not missing:
        return []
    from curator_tui.services.cards import iter_cards

    found = []
    for start in range(0, len(missing), _WINDOW):
        for claim_id, card in iter_cards(session, missing[start : start + _WINDOW]):
            if matches(query, claim_words(card).split(" ")):
                found.append(claim_id)
    return found


def _with_unindexed(query: Any, condition: Any, extra: list[int]) -> Any:
    return query.where(or_(condition, col(Claim.id).in_(extra)) if extra else condition)


class _Search:
    """No faster way to count or page than the generic query; unindexed claims seen."""

    pages_need_count = False

    def __init__(self, session: Session | None = None) -> None:
        self.session = session

    def _unindexed(self, query: Sequence[str]) -> list[int]:
        return unindexed_matches(self.session, query) if self.session is not None else []

    def count(self, session: Session, words: str) -> int | None:
        """No faster way than counting the filtered claims."""
        return None

    def page_ids(
        self, session: Session, words: str, order: str, offset: int, limit: int, matches: int
    ) -> list[int] | None:
        """No faster way than the generic query."""
        return None


class LikeSearch(_Search):
    """Every word the start of a stored word, by LIKE over the words (any database)."""

    def restrict(self, query: Any, words: str) -> Any:
        """The query, filtered by one LIKE per word."""
        found = query_words(words)
        if not found:
            return query.where(false())
        padded = literal(" ") + col(Claim.words)
        # Words hold letters and digits only: nothing in them is a LIKE wildcard.
        condition = and_(*(padded.like(f"% {word}%") for word in found))
        extra = self._unindexed(found)
        return _with_unindexed(query, condition, extra)


def fts_query(words: str) -> str:
    """An FTS5 query: every word of the rule as a quoted prefix term (never FTS syntax)."""
    return " ".join(f'"{word}"*' for word in query_words(words))


class Fts5Search(_Search):
    """Prefix match of every word through SQLite's FTS5 index (with 1-3 letter prefix indexes)."""

    pages_need_count = True

    def count(self, session: Session, words: str) -> int | None:
        """Counted in the index itself: no join with the claims."""
        match = fts_query(words)
        if not match:
            return 0
        found = session.connection().execute(
            text("SELECT count(*) FROM claim_fts WHERE claim_fts MATCH :match"), {"match": match}
        )
        return int(found.scalar_one()) + len(unindexed_matches(session, query_words(words)))

    def page_ids(
        self, session: Session, words: str, order: str, offset: int, limit: int, matches: int
    ) -> list[int] | None:
        """One page of matches, by whichever of three plans suits how many claims match.

        - few match (under 5 %): sort the matches by a narrow (id, key) index;
        - many match: walk the order's index and keep the claims that match, which finds
          a page within a few hundred rows where sorting every match would cost 10-50x;
        - most match (DENSE: 0.7 by statement, 0.95 by recency) and every word is short
          enough for the prefix indexes (1-3 letters): walk the same way, probing the text
          index per claim instead of collecting the matches first. A longer prefix has no index of its own: each
          probe would merge the postings of every word it starts (0.4 s a page for
          "insu" at 100,000 claims, against 14 ms collecting the matches once).
        """
        match = fts_query(words)
        plan = _ORDERS.get(order)
        if not match or plan is None or unindexed_matches(session, query_words(words)):
            return None
        walk_index, narrow_index, order_by = plan
        claims = session.execute(text("SELECT max(id) FROM claim")).scalar() or 0
        share = matches / max(1, claims)  # max(id) is O(1) and close enough for a ratio
        matching = "claim.id IN (SELECT rowid FROM claim_fts WHERE claim_fts MATCH :match)"
        if share < SPARSE or offset > 4 * limit:
            index = narrow_index
        else:
            index = walk_index
            if share >= DENSE[order] and all(
                len(word) <= PREFIX_INDEX for word in query_words(words)
            ):
                matching = (
                    "EXISTS (SELECT 1 FROM claim_fts"
                    " WHERE claim_fts MATCH :match AND claim_fts.rowid = claim.id)"
                )
        found = session.execute(
            text(
                f"SELECT id FROM claim INDEXED BY {index} WHERE {matching}"
                f" ORDER BY {order_by} LIMIT :limit OFFSET :offset"
            ),
            {"match": match, "limit": limit, "offset": offset},
        )
        return list(found.scalars())

    def restrict(self, query: Any, words: str) -> Any:
        """The query, filtered through ``claim_fts``."""
        match = fts_query(words)
        if not match:
            return query.where(false())
        ids = text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH :match").bindparams(
            match=match
        )
        condition = col(Claim.id).in_(ids.columns(column("rowid", Integer)))
        extra = self._unindexed(query_words(words))
        return _with_unindexed(query, condition, extra)


def tsquery(words: Sequence[str], *, prefix: bool = True) -> str:
    """A PostgreSQL ``tsquery`` in its input syntax: every word a quoted (prefix) lexeme.

    Words under the rule hold letters and digits only: nothing in them needs escaping.
    """
    return " & ".join(f"'{word}'{':*' if prefix else ''}" for word in words)


# PostgreSQL's generated column of the stored words as lexemes, with no parser in between,
# and a GIN index (migration 0006); not a model field: no other database has it.
PG_WORDS_VECTOR = "claim.words_vector"
# The first one and two letters of each stored word, as lexemes, with a GIN index of their
# own (migration 0011): a short typed word is one exact lookup there. As a prefix of
# words_vector it merged the postings of every word it starts (535 ms to count "c" at
# 100,000 claims).
PG_INITIALS_VECTOR = "claim.initials_vector"
SHORT_WORD = 2


class TsvectorSearch(_Search):
    """Prefix match of every word through PostgreSQL's GIN indexes on the stored words."""

    def count(self, session: Session, words: str) -> int | None:
        """Counted through the indexes, never by reading every claim's vectors.

        When nearly every claim matches (one typed letter), the planner prices a sequential
        scan below the index; but a claim's vectors are kept out of its row (migration
        0013), and that scan fetches each one: 0.7 s for "c" at 100,000 claims, against
        39 ms through the index. The setting lasts for this count only.
        """
        if not query_words(words):
            return 0
        connection = session.connection()
        counting = self.restrict(sa_select(func.count(col(Claim.id))), words)
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        counted = int(connection.execute(counting).scalar_one())
        # Back to the session's setting (a failed count rolls back, and the SET with it).
        connection.execute(text("RESET enable_seqscan"))
        return counted

    def restrict(self, query: Any, words: str) -> Any:
        """The query, filtered by ``@@`` on the indexed columns."""
        found = query_words(words)
        if not found:
            return query.where(false())
        short = [word for word in found if len(word) <= SHORT_WORD]
        long = [word for word in found if len(word) > SHORT_WORD]
        tests: list[str] = []
        values: dict[str, str] = {}
        if short:
            tests.append(f"{PG_INITIALS_VECTOR} @@ CAST(:initials AS tsquery)")
            values["initials"] = tsquery(short, prefix=False)
        if long:
            tests.append(f"{PG_WORDS_VECTOR} @@ CAST(:tsquery AS tsquery)")
            values["tsquery"] = tsquery(long)
        condition = text(" AND ".join(tests)).bindparams(**values)
        extra = self._unindexed(found)
        return _with_unindexed(query, condition, extra)


# Each list order: the index that walks it (it holds the id as the tie-break), the narrow
# (id, key) index that sorts matches (migration 0004), and the ORDER BY.
_ORDERS = {
    "statement": ("ix_claim_statement", "ix_claim_id_statement", "statement, id"),
    "updated": ("ix_claim_updated_at", "ix_claim_id_updated_at", "updated_at DESC, id DESC"),
}


def search_for(dialect: str, session: Session | None = None) -> ClaimSearch:
    """The search implementation for a database dialect (``session``: to see unindexed claims)."""
    if dialect == "sqlite":
        return Fts5Search(session)
    if dialect == "postgresql":
        return TsvectorSearch(session)
    return LikeSearch(session)


def store_words(session: Session, cards: Iterable[tuple[int, Any]]) -> None:
    """Store the words of these (id, card) pairs as each claim's ``claim.words``."""
    rows = [{"claim_id": claim_id, "w": claim_words(card)} for claim_id, card in cards]
    if rows:
        session.connection().execute(_STORE, rows)


def index_new_claims(connection: Any, first: int, last: int) -> None:
    """Add the claims ``first`` to ``last`` to SQLite's index at once (its trigger suspended).

    What the insert trigger does row by row; FTS5 writes its pending terms out at every
    row's savepoint inside a trigger, which made indexing 10,000 new claims cost 5x more.
    """
    # FTS5 gathers new terms in memory and writes a segment each time they pass its
    # ``hashsize`` (1 MB by default), then merges the segments. A batch of 1,000 claims
    # holds ~5 MB of terms (each word and its 1-3 character prefixes): with room for the
    # whole batch, indexing 10,000 claims took 0.50 s instead of 0.71 s. The setting is
    # stored with the index, so the default is put back in the same transaction.
    connection.exec_driver_sql(_SET_HASHSIZE, (_BULK_HASHSIZE,))
    connection.exec_driver_sql(
        "INSERT INTO claim_fts(rowid, words) SELECT id, words FROM claim WHERE id BETWEEN ? AND ?",
        (first, last),
    )
    connection.exec_driver_sql(_SET_HASHSIZE, (_DEFAULT_HASHSIZE,))


_SET_HASHSIZE = "INSERT INTO claim_fts(claim_fts, rank) VALUES ('hashsize', ?)"
_BULK_HASHSIZE = 16 * 1024 * 1024
_DEFAULT_HASHSIZE = 1024 * 1024


def unindexed_ids(session: Session) -> list[int]:
    """Claims whose words are not stored (changed by plain SQL since)."""
    return list(
        session.execute(text("SELECT id FROM claim WHERE words IS NULL ORDER BY id")).scalars()
    )


def store_missing_words(session: Session) -> None:
    """Store the words of every claim that has none (run before a commit by rendered.py)."""
    from curator_tui.services.cards import iter_cards

    missing = unindexed_ids(session)
    for start in range(0, len(missing), _WINDOW):
        store_words(session, iter_cards(session, missing[start : start + _WINDOW]))


def found_in_claims(
    session: Session, rows: Sequence[tuple[int, str]], words: str
) -> dict[int, str]:
    """For (id, statement) rows: where each matched outside its statement (none if it didn't)."""
    query = query_words(words)
    if not query:
        return {}
    elsewhere = [
        (claim_id, statement)
        for claim_id, statement in rows
        if not matches(query, words_of(statement))
    ]
    if not elsewhere:
        return {}
    return {
        claim_id: where
        for claim_id, card in _searched_parts(session, elsewhere)
        if (where := found_in(query, card_parts(card)))
    }


def _searched_parts(
    session: Session, rows: Sequence[tuple[int, str]]
) -> Iterator[tuple[int, Card]]:
    """(id, statement) rows as cards holding only what the filter searches (three queries).

    Lighter than ``cards.iter_cards`` (five queries, every study field): the hints of a page
    of the list are worked out on each keystroke.
    """
    ids = [claim_id for claim_id, _ in rows]
    connection = session.connection()
    synthesis = dict(
        connection.execute(
            sa_select(col(Claim.id), col(Claim.synthesis)).where(col(Claim.id).in_(ids))
        ).all()
    )
    mechanisms: dict[int, dict[int, tuple[str, list[str]]]] = {}
    for claim_id, rank, summary, step in connection.execute(
        sa_select(
            col(MechanismRow.claim_id),
            col(MechanismRow.rank),
            col(MechanismRow.summary),
            col(MechanismStep.text),
        )
        .outerjoin(MechanismStep, col(MechanismStep.mechanism_id) == col(MechanismRow.id))
        .where(col(MechanismRow.claim_id).in_(ids))
        .order_by(col(MechanismRow.claim_id), col(MechanismRow.rank), col(MechanismStep.position))
    ):
        steps = mechanisms.setdefault(claim_id, {}).setdefault(rank, (summary, []))[1]
        if step is not None:
            steps.append(step)
    studies: dict[int, list[StudyRef]] = {}
    for claim_id, doi, title, authors in connection.execute(
        sa_select(col(Evidence.claim_id), col(Study.doi), col(Study.title), col(Study.authors))
        .join(Study, col(Study.id) == col(Evidence.study_id))
        .where(col(Evidence.claim_id).in_(ids))
        .order_by(col(Evidence.claim_id), col(Evidence.position))
    ):
        studies.setdefault(claim_id, []).append(StudyRef(doi=doi, title=title, authors=authors))
    for claim_id, statement in rows:
        ranked = mechanisms.get(claim_id, {})
        yield (
            claim_id,
            Card(
                statement=statement,
                synthesis=synthesis.get(claim_id, ""),
                mechanisms=tuple(
                    Mechanism(summary, tuple(steps))
                    for _, (summary, steps) in sorted(ranked.items())
                ),
                studies=tuple(studies.get(claim_id, ())),
            ),
        )
