"""The stored rendering of each claim (``claim.markdown``): kept fresh, used for exports.

Every service that changes a claim marks it (``mark_stale``); just before the transaction
commits, the marked claims are rendered from what the database now holds and stored, and
that text is appended to each claim's history (history.py). The claim's words for the
filter (``claim.words``, cards/words.py) are stored from the same reading of the claim,
and so are those of any claim a plain-SQL change left without words (search.py).
Changes made any other way are caught by the triggers of migration 0003, which clear
the stored text, and a cleared rendering is made again when it is read. So the stored
text is always exactly what rendering the claim now would give.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import bindparam, event, null, update
from sqlalchemy import select as sa_select
from sqlalchemy import text as sql
from sqlmodel import Session, col

from curator_tui.models import Claim, LibraryMeta
from curator_tui.services.common import STALE_KEY

# Rendering, reading cards, the history and the search words are imported where they are
# used: every command imports this module (services/__init__.py registers its hook), and
# `curator export ID` of a claim whose text is stored needs none of them (they were a
# tenth of its start-up).

_WINDOW = 1000
# Bump whenever render_markdown's output changes: libraries then render their claims again.
RENDER_FORMAT = "2"
_FORMAT_KEY = "render_format"
_STORE = (
    update(Claim)
    .where(col(Claim.id) == bindparam("claim_id"))
    .values(markdown=bindparam("text"), words=bindparam("words"))
)


def refresh(session: Session, claim_ids: Sequence[int]) -> dict[int, str]:
    """Render claims from the database as it is now and store the text (and the words)."""
    from curator_tui.cards.render import render_markdown
    from curator_tui.cards.words import claim_words
    from curator_tui.services.cards import iter_cards

    texts: dict[int, str] = {}
    for start in range(0, len(claim_ids), _WINDOW):
        window = list(claim_ids[start : start + _WINDOW])
        cards = list(iter_cards(session, window))
        rendered = {cid: render_markdown(card) for cid, card in cards}
        if rendered:
            rows = [
                {"claim_id": cid, "text": rendered[cid], "words": claim_words(card)}
                for cid, card in cards
            ]
            session.connection().execute(_STORE, rows)
            texts.update(rendered)
    return texts


@event.listens_for(Session, "before_commit")
def _render_stale(session: Session) -> None:
    stale = session.info.pop(STALE_KEY, None)
    if stale:
        from curator_tui.services.history import record_changes
        from curator_tui.services.search import store_missing_words

        session.flush()
        # The history records the text just rendered: one rendering serves both.
        record_changes(session, refresh(session, sorted(stale)))
        store_missing_words(session)


def iter_markdown(
    session: Session, claim_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, str, str]]:
    """(id, statement, export) in id order, streamed: stored text where fresh, else rendered now."""
    stored = col(Claim.markdown) if format_is_current(session) else null()
    query: Any = sa_select(col(Claim.id), col(Claim.statement), stored).order_by(col(Claim.id))
    if claim_ids is not None:
        query = query.where(col(Claim.id).in_(claim_ids))
    # Streamed for this statement only: Connection.execution_options changes the session's
    # connection itself, and later statements (an INSERT) would go through a server-side
    # cursor on PostgreSQL, which refuses them.
    result = session.connection().execute(query, execution_options={"yield_per": _WINDOW})
    for rows in result.partitions():
        missing = [row[0] for row in rows if row[2] is None]
        rendered = _render(session, missing) if missing else {}
        for claim_id, statement, text in rows:
            yield claim_id, statement, text if text is not None else rendered[claim_id]


def format_key() -> str:
    """The ``library_meta`` key that names the export format of the stored renderings."""
    return _FORMAT_KEY


def format_is_current(session: Session) -> bool:
    """Were the stored renderings made by this version's export format?"""
    # Plain SQL, not session.get: compiling an ORM query the first time costs more than
    # the whole of `curator export ID` after its imports.
    stored = session.execute(
        sql("SELECT value FROM library_meta WHERE key = :key"), {"key": _FORMAT_KEY}
    ).scalar()
    return bool(stored == RENDER_FORMAT)


def _render(session: Session, claim_ids: Sequence[int]) -> dict[int, str]:
    """Render claims without storing the text."""
    from curator_tui.cards.render import render_markdown
    from curator_tui.services.cards import iter_cards

    return {cid: render_markdown(card) for cid, card in iter_cards(session, claim_ids)}


def check_format(session: Session) -> bool:
    """Clear stored renderings made by a different export format; True if it had to.

    Run when a writable library is opened, it also stores the words of any claim that has
    none (written by plain SQL or by another tool since): the filter finds those by
    reading their parts on every keystroke until then.
    """
    if session.execute(sql("SELECT 1 FROM claim WHERE words IS NULL LIMIT 1")).first():
        from curator_tui.services.search import store_missing_words

        store_missing_words(session)
    if format_is_current(session):
        return False
    session.execute(update(Claim).values(markdown=None))
    session.merge(LibraryMeta(key=_FORMAT_KEY, value=RENDER_FORMAT))
    return True
