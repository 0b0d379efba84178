"""The claims' history: every committed change, who made it and when, and the text after it.

Recording happens where the stored rendering is refreshed (rendered.py), just before a
transaction commits: each claim a service changed is rendered anyway, and that text is
appended as the claim's next revision, as a delta from the previous one (delta.py), with
a whole text every ``KEYFRAME`` revisions so no text is far from one. A service names its
change with ``note``; a change nobody named is still recorded ("changed"). Deletions are
recorded by ``record_deletion`` with the text they deleted, so a deleted claim can come
back. Nothing here ever updates or deletes a revision.

The author travels with the engine (``with_author``): the CLI and the app pass theirs in,
anything else records the login name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from curator_tui.authors import author_of
from curator_tui.authors import with_author as with_author  # the history's API too
from curator_tui.delta import apply_to_tokens, pack_delta, pack_full, tokens_of, unpack_full
from curator_tui.models import ClaimRevision, utcnow
from curator_tui.services.errors import NotFound

NOTES_KEY = "curator_history_notes"
KEYFRAME = 32


@dataclass(frozen=True)
class RevisionInfo:
    """One entry of a claim's history: plain data for the CLI and the app."""

    claim_id: int
    revision: int
    at: datetime
    author: str
    summary: str
    kind: str

    def as_json(self) -> dict[str, Any]:
        """The entry as ``history --json`` prints it."""
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=UTC)
        return {
            "claim_id": self.claim_id,
            "revision": self.revision,
            "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": self.author,
            "summary": self.summary,
            "kind": self.kind,
        }


def next_claim_id(connection: Any) -> int:
    """The id for a new claim: never one a deleted claim had, whose history goes on.

    SQLite gives a new row max(id) + 1, which reuses the id of the newest claim once it
    is deleted; its history (and a later restore) would then mix two claims.
    """
    from curator_tui.db import lock_claim_ids
    from curator_tui.models import Claim

    lock_claim_ids(connection)
    highest = connection.execute(
        sa_select(func.max(col(Claim.id))).union_all(
            sa_select(func.max(col(ClaimRevision.claim_id)))
        )
    ).scalars()
    return max((int(value) for value in highest if value is not None), default=0) + 1


def note(session: Session, claim_id: int, summary: str, kind: str = "edited") -> None:
    """Name the change this transaction makes to a claim (the last note wins)."""
    session.info.setdefault(NOTES_KEY, {})[claim_id] = (summary, kind)


_LAST_FULL = (
    sa_select(func.max(col(ClaimRevision.revision)))
    .where(col(ClaimRevision.claim_id) == bindparam("claim"), col(ClaimRevision.full))
    .scalar_subquery()
)
# Built once: every recorded change reads the claim's chain from its last whole text.
_CHAIN = (
    sa_select(col(ClaimRevision.revision), col(ClaimRevision.full), col(ClaimRevision.data))
    .where(
        col(ClaimRevision.claim_id) == bindparam("claim"),
        col(ClaimRevision.revision) >= _LAST_FULL,
    )
    .order_by(col(ClaimRevision.revision))
)


_INSERT = insert(ClaimRevision)


def _chain(session: Session, claim_id: int) -> list[tuple[int, bool, bytes]]:
    """The claim's revisions from its last whole text on: (revision, full, data)."""
    rows = session.connection().execute(_CHAIN, {"claim": claim_id})
    return [(row[0], bool(row[1]), bytes(row[2])) for row in rows]


def _text_of(chain: Sequence[tuple[int, bool, bytes]]) -> str:
    tokens: list[str] = []
    for _, full, data in chain:
        tokens = tokens_of(unpack_full(data)) if full else apply_to_tokens(tokens, data)
    return "".join(tokens)


def latest(session: Session, claim_id: int) -> tuple[int, str, int] | None:
    """(revision, text, revisions since the last whole text) of the claim's newest entry."""
    chain = _chain(session, claim_id)
    if not chain:
        return None
    return chain[-1][0], _text_of(chain), len(chain)


def _append(
    session: Session,
    claim_id: int,
    text: str,
    summary: str,
    kind: str,
    author: str,
    previous: tuple[int, str, int] | None,
) -> None:
    """Append the claim's next revision; ``previous``: what ``latest`` says now."""
    if previous is None:
        revision, full, data = 1, True, pack_full(text)
    else:
        number, old, since_full = previous
        revision = number + 1
        full = since_full >= KEYFRAME
        data = pack_full(text) if full else pack_delta(old, text)
    session.connection().execute(
        _INSERT,
        {
            "claim_id": claim_id,
            "revision": revision,
            "at": utcnow(),
            "author": author,
            "summary": summary,
            "kind": kind,
            "full": full,
            "data": data,
        },
    )


def record_changes(session: Session, texts: Mapping[int, str]) -> None:
    """Append a revision for each changed claim, given its Markdown now (rendered.py)."""
    notes: dict[int, tuple[str, str]] = session.info.pop(NOTES_KEY, {})
    if not texts:
        return
    author = author_of(session)
    for claim_id, text in texts.items():
        summary, kind = notes.get(claim_id, ("changed", "edited"))
        previous = latest(session, claim_id)
        if previous is None and claim_id not in notes:
            summary, kind = "created the claim", "created"
        elif previous is None:
            kind = "created" if kind == "edited" else kind
        elif previous[1] == text and claim_id not in notes:
            continue  # nothing a reader could see changed, and nobody said it did
        _append(session, claim_id, text, summary, kind, author, previous)


def record_deletion(session: Session, claim_id: int, text: str, summary: str) -> None:
    """Append the deletion of a claim, holding the text it had (to restore it from)."""
    session.info.get(NOTES_KEY, {}).pop(claim_id, None)
    previous = latest(session, claim_id)
    _append(session, claim_id, text, summary, "deleted", author_of(session), previous)
    session.flush()


def record_created(session: Session, created: Mapping[int, tuple[str, str, bytes | None]]) -> None:
    """Revision 1 of many new claims, {id: (text, summary, packed)}, as one multi-row
    insert. ``packed``: the text as ``pack_full`` packs it, if already worked out."""
    if not created:
        return
    from curator_tui.db import bulk_insert

    author, now = author_of(session), utcnow()
    bulk_insert(
        session.connection(),
        ClaimRevision,
        ("claim_id", "revision", "at", "author", "summary", "kind", "full", "data"),
        [
            (claim_id, 1, now, author, summary, "created", True, packed or pack_full(text))
            for claim_id, (text, summary, packed) in created.items()
        ],
    )


def _info(row: Any) -> RevisionInfo:
    return RevisionInfo(
        claim_id=row.claim_id,
        revision=row.revision,
        at=row.at,
        author=row.author,
        summary=row.summary,
        kind=row.kind,
    )


_INFO_COLUMNS = (
    col(ClaimRevision.claim_id),
    col(ClaimRevision.revision),
    col(ClaimRevision.at),
    col(ClaimRevision.author),
    col(ClaimRevision.summary),
    col(ClaimRevision.kind),
)


def revisions(session: Session, claim_id: int) -> list[RevisionInfo]:
    """The claim's history, newest first."""
    query = (
        sa_select(*_INFO_COLUMNS)
        .where(col(ClaimRevision.claim_id) == claim_id)
        .order_by(col(ClaimRevision.revision).desc())
    )
    return [_info(row) for row in session.connection().execute(query)]


def newest(session: Session, claim_id: int) -> RevisionInfo | None:
    """The claim's newest history entry (who changed it last, and when)."""
    query = (
        sa_select(*_INFO_COLUMNS)
        .where(col(ClaimRevision.claim_id) == claim_id)
        .order_by(col(ClaimRevision.revision).desc())
        .limit(1)
    )
    row = session.connection().execute(query).first()
    return _info(row) if row is not None else None


def deleted_claims(session: Session) -> list[RevisionInfo]:
    """The deletion entries of claims that are deleted now, newest first."""
    from curator_tui.models import Claim

    newest = (
        sa_select(
            col(ClaimRevision.claim_id).label("cid"),
            func.max(col(ClaimRevision.revision)).label("rev"),
        )
        .group_by(col(ClaimRevision.claim_id))
        .subquery()
    )
    query = (
        sa_select(*_INFO_COLUMNS)
        .join(
            newest,
            (col(ClaimRevision.claim_id) == newest.c.cid)
            & (col(ClaimRevision.revision) == newest.c.rev),
        )
        .where(
            col(ClaimRevision.kind) == "deleted",
            col(ClaimRevision.claim_id).not_in(sa_select(col(Claim.id))),
        )
        .order_by(col(ClaimRevision.at).desc(), col(ClaimRevision.claim_id).desc())
    )
    return [_info(row) for row in session.connection().execute(query)]


def text_at(session: Session, claim_id: int, revision: int) -> str:
    """The claim's Markdown as it was after ``revision``."""
    last_full = (
        sa_select(func.max(col(ClaimRevision.revision)))
        .where(
            col(ClaimRevision.claim_id) == claim_id,
            col(ClaimRevision.full),
            col(ClaimRevision.revision) <= revision,
        )
        .scalar_subquery()
    )
    query = (
        sa_select(col(ClaimRevision.revision), col(ClaimRevision.full), col(ClaimRevision.data))
        .where(
            col(ClaimRevision.claim_id) == claim_id,
            col(ClaimRevision.revision) >= last_full,
            col(ClaimRevision.revision) <= revision,
        )
        .order_by(col(ClaimRevision.revision))
    )
    chain = [(row[0], bool(row[1]), bytes(row[2])) for row in session.connection().execute(query)]
    if not chain or chain[-1][0] != revision:
        raise NotFound(f"claim {claim_id} has no revision {revision}")
    return _text_of(chain)


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff of two texts (empty when they are equal)."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_label,
            tofile=new_label,
        )
    )
