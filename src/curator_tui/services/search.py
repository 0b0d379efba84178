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


class ClaimSearch(Protocol):
    """Restricts a claim query to the claims matching every word of ``words``."""

    def restrict(self, query: Any, words: str, *, dense: bool = False) -> Any:
        """The query, filtered. ``dense``: most claims match (a hint for the strategy)."""
        ...

    def count(self, session: Session, words: str) -> int | None:
        """How many claims match, if this search can say faster than a COUNT over claims."""
        ...


class LikeSearch:
    """Every word must appear in the statement or synthesis (any database)."""

    def count(self, session: Session, words: str) -> int | None:
        """No faster way than counting the filtered claims."""
        return None

    def restrict(self, query: Any, words: str, *, dense: bool = False) -> Any:
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

    def restrict(self, query: Any, words: str, *, dense: bool = False) -> Any:
        """The query, filtered through ``claim_fts``.

        When most claims match (one or two letters typed), walking the claims in list order
        and probing the index per claim finds a page at once; when few match, collecting
        the matches first is faster. The two differ 10-1000x either way, hence ``dense``.
        """
        match = fts_query(words)
        if not match:
            # Only punctuation typed: FTS has no token for it, so match it literally.
            return LikeSearch().restrict(query, words)
        if dense:
            probe = text(
                "EXISTS (SELECT 1 FROM claim_fts"
                " WHERE claim_fts MATCH :match AND claim_fts.rowid = claim.id)"
            ).bindparams(match=match)
            return query.where(probe)
        ids = text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH :match").bindparams(
            match=match
        )
        return query.where(col(Claim.id).in_(ids.columns(column("rowid", Integer))))


def search_for(dialect: str) -> ClaimSearch:
    """The search implementation for a database dialect."""
    return Fts5Search() if dialect == "sqlite" else LikeSearch()
