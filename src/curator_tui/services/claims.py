"""Claims: create, update, delete, list and find."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from curator_tui.cards.problems import RETRACTION
from curator_tui.cards.text import clean, is_truncated
from curator_tui.db import session_scope
from curator_tui.models import Claim, Evidence, Mechanism, MechanismStep, Study, utcnow
from curator_tui.services.common import fetch, mark_stale, required
from curator_tui.services.errors import Conflict, NotFound
from curator_tui.services.history import newest, next_claim_id, record_deletion
from curator_tui.services.search import ClaimSearch, found_in_claims, search_for

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Sort = Literal["updated", "statement", "id"]


@dataclass(frozen=True)
class ClaimRow:
    """One line of the claim list: plain data, safe to hand to the UI."""

    id: int
    statement: str
    steps: int
    studies: int
    updated_at: datetime
    version: int
    # With a filter: where the claim matched when its statement alone does not show it
    # ("step 2: …mTOR…"), else empty; None when it was not worked out (``where_found``).
    found_in: str | None = None
    # It cites a study with a retraction notice (Retraction Watch: retraction, correction...).
    retracted: bool = False

    @property
    def truncated(self) -> bool:
        """The statement was cut off when it was copied ("...")."""
        return is_truncated(self.statement)


def create_claim(session: Session, statement: str, synthesis: str = "") -> int:
    """Create a claim; returns its id."""
    claim = Claim(
        id=next_claim_id(session.connection()),
        statement=required(statement, "the claim statement"),
        synthesis=clean(synthesis),
    )
    session.add(claim)
    session.flush()
    assert claim.id is not None
    mark_stale(session, [claim.id])
    return claim.id


def update_claim(
    session: Session,
    claim_id: int,
    *,
    statement: str | None = None,
    synthesis: str | None = None,
    expected_version: int | None = None,
) -> int:
    """Change a claim's statement and/or synthesis; returns the new version.

    With ``expected_version``, refuses (Conflict) when someone else saved in between.
    """
    if expected_version is not None:
        expect_version(session, claim_id, expected_version)
    claim = fetch(session, Claim, claim_id)
    if statement is not None:
        claim.statement = required(statement, "the claim statement")
    if synthesis is not None:
        claim.synthesis = clean(synthesis)
    claim.updated_at = utcnow()
    claim.version += 1
    session.add(claim)
    session.flush()
    mark_stale(session, [claim_id])
    return claim.version


def expect_version(session: Session, claim_id: int, version: int) -> None:
    """Refuse (Conflict) unless the claim is still at ``version``, the one the curator saw.

    One statement checks and locks: it "updates" the version to itself where it matches.
    On PostgreSQL the row then stays locked until commit, and a second save waiting on
    the lock finds the new version (a SELECT first would let both pass); on SQLite the
    statement takes the library's write lock before anything was read.
    """
    found = session.connection().execute(
        update(Claim)
        .where(col(Claim.id) == claim_id, col(Claim.version) == version)
        .values(version=col(Claim.version))
    )
    if found.rowcount == 1:
        return
    now = (
        session.connection()
        .execute(sa_select(col(Claim.version)).where(col(Claim.id) == claim_id))
        .scalar_one_or_none()
    )
    # Who and when, from the history: what a curator needs to go and ask.
    last = newest(session, claim_id)
    by = f" (by {last.author}, {last.at:%Y-%m-%d %H:%M} UTC)" if last is not None else ""
    if now is None:
        raise NotFound(f"claim {claim_id} was deleted elsewhere{by} since you opened it")
    raise Conflict(f"claim {claim_id} was changed elsewhere{by} since you opened it")


def delete_claim(session: Session, claim_id: int, summary: str = "deleted the claim") -> None:
    """Delete a claim with its mechanisms, steps, evidence links and gold-standard items.

    Its history keeps the text it had, so it can be restored with its id.
    """
    from curator_tui.cards.render import render_markdown
    from curator_tui.services.cards import load_card

    claim = fetch(session, Claim, claim_id)
    record_deletion(session, claim_id, render_markdown(load_card(session, claim_id)), summary)
    session.delete(claim)
    session.flush()


def find_by_statement(session: Session, statement: str) -> int | None:
    """The id of the claim with exactly this statement, if any."""
    return session.exec(select(Claim.id).where(Claim.statement == clean(statement))).first()


def _search(session: Session) -> ClaimSearch:
    return search_for(session.get_bind().dialect.name, session)


def _matching(query: Any, search: str | None, session: Session) -> Any:
    """Only the claims with every word of ``search`` (cards/words.py: the rule)."""
    if not search or not search.strip():
        return query
    return _search(session).restrict(query, search)


def _ordered(query: Any, sort: Sort) -> Any:
    if sort == "statement":
        return query.order_by(col(Claim.statement), col(Claim.id))
    if sort == "id":
        return query.order_by(col(Claim.id))
    return query.order_by(col(Claim.updated_at).desc(), col(Claim.id).desc())


def list_claims(
    session: Session,
    search: str | None = None,
    sort: Sort = "id",
    offset: int = 0,
    limit: int | None = None,
    *,
    matches: int | None = None,
    found_in: bool = True,
) -> list[ClaimRow]:
    """Claims as list rows, filtered by words of ``search`` and sorted.

    ``matches``: how many claims match ``search``, when the caller has just counted them.
    With ``search`` (and ``found_in``), each row says where it matched when its statement
    does not show it; ``found_in=False`` leaves that to a later ``where_found``.
    """
    page: Any = None
    if search and search.strip() and limit is not None:
        searching = _search(session)
        if matches is None:
            matches = count_claims(session, search) if searching.pages_need_count else 0
        ids = searching.page_ids(session, search, sort, offset, limit, matches)
        if ids is not None:
            page = ids
    if page is None:
        page = _ordered(_matching(sa_select(col(Claim.id)), search, session), sort)
        page = page.offset(offset)
        if limit is not None:
            page = page.limit(limit)
        page = page.scalar_subquery()
    # The page's ids first, then the counts for those rows only: SQLite would otherwise
    # count steps and studies for every matching claim before sorting them.
    steps = (
        select(func.count(col(MechanismStep.id)))
        .join(Mechanism, col(Mechanism.id) == col(MechanismStep.mechanism_id))
        .where(col(Mechanism.claim_id) == col(Claim.id))
        .scalar_subquery()
    )
    studies = (
        select(func.count(col(Evidence.id)))
        .where(col(Evidence.claim_id) == col(Claim.id))
        .scalar_subquery()
    )
    # One probe per row of the page (evidence by claim, study by id), as the counts.
    # Only a retraction withdraws a study (problems.is_retraction, which the check uses):
    # a correction or an expression of concern is shown on the study, not as this mark.
    retracted = (
        sa_select(col(Evidence.id))
        .join(Study, col(Study.id) == col(Evidence.study_id))
        .where(
            col(Evidence.claim_id) == col(Claim.id),
            func.lower(func.trim(col(Study.retraction_nature))) == RETRACTION,
        )
        .exists()
    )
    query = sa_select(
        col(Claim.id),
        col(Claim.statement),
        steps,
        studies,
        col(Claim.updated_at),
        col(Claim.version),
        retracted,
    ).where(col(Claim.id).in_(page))
    rows = [
        ClaimRow(id_, statement, steps_, studies_, updated, version, retracted=bool(cites))
        for id_, statement, steps_, studies_, updated, version, cites in session.execute(
            _ordered(query, sort)
        )
    ]
    if search and search.strip() and found_in:
        where = where_found(session, [(row.id, row.statement) for row in rows], search)
        rows = [replace(row, found_in=where.get(row.id, "")) for row in rows]
    return rows


def first_page(engine: Engine, search: str, sort: Sort, limit: int) -> tuple[int, list[ClaimRow]]:
    """How many claims match ``search``, and the first ``limit`` of them (rows as list_claims,
    without where they matched).

    On a database server the count runs on a second connection while the page is read: the
    server works on both at once, and over a network each costs its round trips only once.
    At 100,000 claims on PostgreSQL counting a short prefix takes 15-25 ms and the page
    10-15 ms. SQLite counts first: its plan for the page depends on how many match.
    """
    if not search.strip() or search_for(engine.dialect.name).pages_need_count:
        with session_scope(engine) as session:
            total = count_claims(session, search)
            rows = list_claims(session, search, sort, 0, limit, matches=total, found_in=False)
            return total, rows if total else []
    with ThreadPoolExecutor(1, thread_name_prefix="count") as beside:
        counting = beside.submit(_count_alone, engine, search)
        with session_scope(engine) as session:
            rows = list_claims(session, search, sort, 0, limit, found_in=False)
        return counting.result(), rows


def _count_alone(engine: Engine, search: str) -> int:
    with session_scope(engine) as session:
        return count_claims(session, search)


def where_found(session: Session, rows: Sequence[tuple[int, str]], search: str) -> dict[int, str]:
    """For (id, statement) rows matching ``search``: where each matched outside its statement.

    Rows whose statement has every word are left out ("step 2: …mTOR…", cards/words.py).
    """
    return found_in_claims(session, rows, search)


def count_claims(session: Session, search: str | None = None) -> int:
    """How many claims match ``search`` (all when empty)."""
    if (
        search
        and search.strip()
        and (counted := _search(session).count(session, search)) is not None
    ):
        return counted
    query = _matching(select(func.count(col(Claim.id))), search, session)
    return int(session.exec(query).one())


def claim_version(session: Session, claim_id: int) -> int:
    """The claim's current version."""
    return fetch(session, Claim, claim_id).version


def index_of(
    session: Session, claim_id: int, search: str | None = None, sort: Sort = "id"
) -> int | None:
    """The position of a claim in the list for this filter and sort (None if filtered out)."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        return None
    query = select(func.count(col(Claim.id)))
    if search:
        query = _matching(query, search, session)
        if not session.exec(
            _matching(select(Claim.id).where(Claim.id == claim_id), search, session)
        ).first():
            return None
    if sort == "statement":
        query = query.where(
            or_(
                col(Claim.statement) < claim.statement,
                (col(Claim.statement) == claim.statement) & (col(Claim.id) < claim_id),
            )
        )
    elif sort == "updated":
        query = query.where(
            or_(
                col(Claim.updated_at) > claim.updated_at,
                (col(Claim.updated_at) == claim.updated_at) & (col(Claim.id) > claim_id),
            )
        )
    else:
        query = query.where(col(Claim.id) < claim_id)
    return int(session.exec(query).one())
