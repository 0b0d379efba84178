"""Finding claims by text, behind one small interface per database.

SQLite uses the FTS5 index ``claim_fts`` (migration 0002, kept in sync by triggers), so
filter-as-you-type costs the same at 100,000 claims as at 10. Other databases fall back
to word-by-word ``ILIKE`` until they supply their own ``ClaimSearch``.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from sqlalchemy import Integer, column, or_, text
from sqlmodel import Session, col

from curator_tui.models import Claim

_WORD = re.compile(r"\w+", re.UNICODE)
# Shares of claims matching a filter where the plan for its first page changes (measured
# at 100,000 claims: bench/RESULTS.md). Below SPARSE, sorting the matches is cheaper than
# walking the sort index; from DENSE up, probing the text index per claim is cheapest.
SPARSE = 0.05
DENSE = 0.5


class ClaimSearch(Protocol):
    """Restricts a claim query to the claims matching every word of ``words``."""

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


class LikeSearch:
    """Every word must appear in the statement or synthesis (any database)."""

    def count(self, session: Session, words: str) -> int | None:
        """No faster way than counting the filtered claims."""
        return None

    def page_ids(
        self, session: Session, words: str, order: str, offset: int, limit: int, matches: int
    ) -> list[int] | None:
        """No faster way than the generic query."""
        return None

    def restrict(self, query: Any, words: str) -> Any:
        """The query, filtered by ILIKE per word."""
        for word in words.split():
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(
                    col(Claim.statement).ilike(pattern, escape="\\"),
                    col(Claim.synthesis).ilike(pattern, escape="\\"),
                )
            )
        return query


def fts_query(words: str) -> str:
    """An FTS5 query: every word as a quoted prefix term (user text is never FTS syntax)."""
    return " ".join(f'"{token}"*' for token in _WORD.findall(words))


class Fts5Search:
    """Prefix match of every word through SQLite's FTS5 index (with 1-3 letter prefix indexes)."""

    def count(self, session: Session, words: str) -> int | None:
        """Counted in the index itself: no join with the claims."""
        match = fts_query(words)
        if not match:
            return None
        found = session.connection().execute(
            text("SELECT count(*) FROM claim_fts WHERE claim_fts MATCH :match"), {"match": match}
        )
        return int(found.scalar_one())

    def page_ids(
        self, session: Session, words: str, order: str, offset: int, limit: int, matches: int
    ) -> list[int] | None:
        """One page of matches, by whichever of three plans suits how many claims match.

        - few match (under 5 %): sort the matches by a narrow (id, key) index;
        - many match: walk the order's index and keep the claims that match, which finds
          a page within a few hundred rows where sorting every match would cost 10-50x;
        - most match (half or more): walk the same way, probing the text index per claim
          instead of collecting the matches first.
        """
        match = fts_query(words)
        plan = _ORDERS.get(order)
        if not match or plan is None:
            return None
        walk_index, narrow_index, order_by = plan
        claims = session.execute(text("SELECT max(id) FROM claim")).scalar() or 0
        share = matches / max(1, claims)  # max(id) is O(1) and close enough for a ratio
        matching = "claim.id IN (SELECT rowid FROM claim_fts WHERE claim_fts MATCH :match)"
        if share < SPARSE or offset > 4 * limit:
            index = narrow_index
        else:
            index = walk_index
            if share >= DENSE:
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
            # Only punctuation typed: FTS has no token for it, so match it literally.
            return LikeSearch().restrict(query, words)
        ids = text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH :match").bindparams(
            match=match
        )
        return query.where(col(Claim.id).in_(ids.columns(column("rowid", Integer))))


# Each list order: the index that walks it (it holds the id as the tie-break), the narrow
# (id, key) index that sorts matches (migration 0004), and the ORDER BY.
_ORDERS = {
    "statement": ("ix_claim_statement", "ix_claim_id_statement", "statement, id"),
    "updated": ("ix_claim_updated_at", "ix_claim_id_updated_at", "updated_at DESC, id DESC"),
}


def search_for(dialect: str) -> ClaimSearch:
    """The search implementation for a database dialect."""
    return Fts5Search() if dialect == "sqlite" else LikeSearch()
