"""The curation check over the library: each card's own problems, and duplicate statements.

A card's own problems come from ``cards.problems.check_card`` (pure). The same statement on
two claims needs the library: each claim's statement fingerprint (``cards.problems.
fingerprint``: a key for the exact statement, then LSH band keys of its MinHash) is kept in
``claim_fingerprint`` (migration 0008), indexed by key, so a claim's duplicates are found
by looking up its own keys, never by comparing it with every claim.

Keeping the index: migration 0008's triggers put a claim's id in ``claim_fingerprint_stale``
when the claim is added or its statement changes, however it changes (the services, an
import, plain SQL), and drop its keys when it is deleted. ``refresh_fingerprints`` stores
the keys of the queued claims; every check runs it first, in its own short transaction
(on a read-only library the queued claims are fingerprinted in memory instead). A claim
leaves the queue only if its statement did not change while it was keyed (migration
0014's change count): another session's edit is never lost to a check keying meanwhile.

A check of the whole library compares the claims sharing a key (~99,000 pairs at 100,000
generated claims, whose statements share templates). Migration 0012 keeps what it found:
each pair's verdict (``claim_pair``, dropped with a claim's keys when it is queued), and
the library's duplicate map (``claim_duplicate``), read instead of comparing anything while
a token no change has deleted vouches for it (``open_token``, ``store_results``). After an
edit the map is found again from the candidate pairs, only the edited claims' compared.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    or_,
    tuple_,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from curator_tui.cards.problems import (
    NEAR,
    SHINGLE,
    Fix,
    Problem,
    Target,
    check_card,
    decode_many,
    encode_problems,
    fingerprint,
    is_retraction,
    normalise_statement,
    safe_fixes,
    shingles,
    similarity,
)
from curator_tui.db import lock_for_transaction
from curator_tui.models import Claim, Evidence, LibraryMeta, Study
from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail, iter_cards, load_claim
from curator_tui.services.rendered import format_is_current

# Derived data, not part of a library's content: not among the models (a copy or a backup
# carries the claims; their fingerprints are made again from the queue).
_META = MetaData()
FINGERPRINT = Table(
    "claim_fingerprint",
    _META,
    Column("claim_id", Integer, primary_key=True),
    Column("key", BigInteger, primary_key=True),
)
# ``changes``: how many times the claim's statement changed while it was queued (0014).
STALE = Table(
    "claim_fingerprint_stale",
    _META,
    Column("claim_id", Integer, primary_key=True),
    Column("changes", Integer, nullable=False, server_default="0"),
)
# Each claim's own problems while its rendering is unchanged (migration 0009).
CHECK = Table(
    "claim_check",
    _META,
    Column("claim_id", Integer, primary_key=True),
    Column("problems", Text, nullable=False),
)

# Each compared pair's verdict, and the library's duplicate map with the tokens that say
# whether it is current (migration 0012).
PAIR = Table(
    "claim_pair",
    _META,
    Column("low_id", Integer, primary_key=True),
    Column("high_id", Integer, primary_key=True),
    Column("exact", Boolean, nullable=False),
    Column("similarity", Float),
)
DUPLICATE = Table(
    "claim_duplicate",
    _META,
    Column("claim_id", Integer, primary_key=True),
    Column("other", Integer, nullable=False),
    Column("exact", Boolean, nullable=False),
    Column("similarity", Float, nullable=False),
)
STATE = Table(
    "claim_duplicate_state",
    _META,
    Column("token", String, primary_key=True),
    Column("valid", Boolean, nullable=False),
)

_WINDOW = 1000
# Bump whenever cards.problems.fingerprint's keys change, or how two statements are
# compared (_compare, _Shingled.may_be_near, NEAR, WORDS): libraries then make their keys
# again and drop their stored pair verdicts and duplicate map (migration 0012).
FINGERPRINT_FORMAT = "2"
_FORMAT_KEY = "fingerprint_format"
# A lookup reads at most this many claims sharing a key, the most-shared first.
_CANDIDATES = 64
# A bucket this small is compared pair by pair in a library check; a bigger one (a very
# common statement) is compared neighbour by neighbour, so the work stays linear.
_SMALL_BUCKET = 8
# The word-set similarity below which a library check does not compare two statements'
# shingles (see _Shingled.may_be_near).
WORDS = 0.6


@dataclass(frozen=True)
class Duplicate:
    """Another claim with the same (``exact``) or nearly the same statement."""

    other: int
    exact: bool
    similarity: float

    def problem(self, claim_id: int) -> Problem:
        """This duplicate as a problem of ``claim_id``."""
        if self.exact:
            return Problem(
                claim_id,
                "duplicate-statement",
                "statement",
                f"the same statement as claim {self.other}",
                Target("statement"),
            )
        return Problem(
            claim_id,
            "near-duplicate-statement",
            "statement",
            f"nearly the same statement as claim {self.other} (similarity {self.similarity:.2f})",
            Target("statement"),
        )


# --- the index ------------------------------------------------------------------------------


def refresh_fingerprints(session: Session, budget: int | None = None) -> int:
    """Store the fingerprints of the claims queued as changed; returns how many.

    ``budget``: at most that many (the app's checks, which must stay short: a queue
    of 100,000 claims after an import is the command line's, or the library check's).

    A claim leaves the queue only if its statement did not change after it was read: the
    queue's change count (migration 0014) is read before the statement, and the queue row
    deleted only where it still holds that count. On PostgreSQL the rows are read locked,
    skipping those a change under way holds (its trigger's upsert locks the row until it
    commits): a change meanwhile waits for this transaction and queues its claim again,
    and a change under way is keyed by a later check, never waited for here.
    """
    connection = session.connection()
    done = 0
    while budget is None or done < budget:
        window = _WINDOW if budget is None else min(_WINDOW, budget - done)
        queued: dict[int, int] = {
            claim_id: changes
            for claim_id, changes in connection.execute(
                sa_select(STALE.c.claim_id, STALE.c.changes)
                .limit(window)
                .with_for_update(skip_locked=True)
            )
        }
        if not queued:
            return done
        ids = list(queued)
        # Read after the counts: a statement changed since is counted, and stays queued.
        statements = _statements(session, ids)
        connection.execute(delete(FINGERPRINT).where(FINGERPRINT.c.claim_id.in_(ids)))
        # A verdict holds while both statements do: these claims' are compared again.
        connection.execute(delete(PAIR).where(or_(PAIR.c.low_id.in_(ids), PAIR.c.high_id.in_(ids))))
        rows = [
            {"claim_id": claim_id, "key": key}
            for claim_id, statement in statements.items()
            for key in set(fingerprint(statement))
        ]
        if rows:
            connection.execute(insert(FINGERPRINT), rows)
        # A claim whose count changed stays queued: the next window reads it again.
        connection.execute(
            delete(STALE).where(
                tuple_(STALE.c.claim_id, STALE.c.changes).in_(sorted(queued.items()))
            )
        )
        done += len(ids)
    return done


def _stale_ids(session: Session) -> set[int]:
    return set(session.connection().execute(sa_select(STALE.c.claim_id)).scalars())


def _statements(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _WINDOW):
        window = wanted[start : start + _WINDOW]
        rows: Any = session.connection().execute(
            sa_select(col(Claim.id), col(Claim.statement)).where(col(Claim.id).in_(window))
        )
        found.update((claim_id, statement) for claim_id, statement in rows)
    return found


class _Shingled:
    """Statements normalised and shingled once each, for comparing them."""

    def __init__(self, statements: dict[int, str]) -> None:
        self.statements = statements
        self._done: dict[int, tuple[str, set[str]]] = {}
        self._normalised: dict[int, str] = {}
        self._words: dict[int, frozenset[str]] = {}

    def normalised(self, claim_id: int) -> str:
        found = self._normalised.get(claim_id)
        if found is None:
            found = self._normalised[claim_id] = normalise_statement(self.statements[claim_id])
        return found

    def words(self, claim_id: int) -> frozenset[str]:
        found = self._words.get(claim_id)
        if found is None:
            found = self._words[claim_id] = frozenset(self.normalised(claim_id).split())
        return found

    def may_be_near(self, first: int, second: int) -> bool:
        """False when cheap measures rule out a near duplicate (before any shingle)."""
        a, b = sorted((len(self.normalised(first)), len(self.normalised(second))))
        # The similarity is at most the smaller shingle set over the larger, and a set holds
        # at most length - SHINGLE + 1 shingles (fewer when some repeat: hence the margin).
        if (a - SHINGLE + 1) < (NEAR - 0.1) * (b - SHINGLE + 1) - 1:
            return False
        # Statements whose shingles are 80% the same share most of their words: pairs
        # that share less than 60% of their words (a band's chance agreement, mostly) are
        # not shingled: this may miss a pair with many words slightly changed.
        one, two = self.words(first), self.words(second)
        return len(one & two) >= WORDS * len(one | two)

    def get(self, claim_id: int) -> tuple[str, set[str]]:
        found = self._done.get(claim_id)
        if found is None:
            normalised = self.normalised(claim_id)
            found = self._done[claim_id] = (normalised, shingles(normalised))
        return found


def _compare(first: tuple[str, set[str]], second: tuple[str, set[str]]) -> Duplicate | None:
    """How two statements compare: the same, nearly the same, or neither (None)."""
    if first[0] == second[0]:
        return Duplicate(0, True, 1.0)
    sizes = sorted((len(first[1]), len(second[1])))
    if sizes[0] < NEAR * sizes[1]:
        return None  # the similarity is at most the smaller set over the larger
    score = similarity(first[1], second[1])
    return Duplicate(0, False, score) if score >= NEAR else None


def _prepared(statement: str) -> tuple[str, set[str]]:
    normalised = normalise_statement(statement)
    return normalised, shingles(normalised)


def _better(old: Duplicate | None, new: Duplicate) -> Duplicate:
    """An exact duplicate before a near one; then the lowest claim id."""
    if old is None:
        return new
    return min(old, new, key=lambda d: (not d.exact, d.other))


def find_duplicates(session: Session, claim_id: int, statement: str) -> Duplicate | None:
    """The claim whose statement ``statement`` (claim ``claim_id``'s) duplicates, by index."""
    keys = fingerprint(statement)
    shared: dict[int, int] = defaultdict(int)
    rows = session.connection().execute(
        sa_select(FINGERPRINT.c.claim_id, FINGERPRINT.c.key)
        .where(FINGERPRINT.c.key.in_(keys), FINGERPRINT.c.claim_id != claim_id)
        .limit(_CANDIDATES * len(keys))
    )
    for other, _key in rows:
        shared[other] += 1
    # Stored keys may be stale for queued claims (read-only library): those are compared
    # by their statements as they are now.
    candidates = sorted(shared, key=lambda other: (-shared[other], other))[:_CANDIDATES]
    best: Duplicate | None = None
    mine = _prepared(statement)
    for other, text in sorted(_statements(session, candidates).items()):
        found = _compare(mine, _prepared(text))
        if found is not None:
            best = _better(best, Duplicate(other, found.exact, found.similarity))
    return best


def _buckets(session: Session) -> Iterator[list[int]]:
    """The claim ids of each index key held by more than one claim, in id order."""
    shared = sa_select(FINGERPRINT.c.key).group_by(FINGERPRINT.c.key).having(func.count() > 1)
    rows = session.connection().execute(
        sa_select(FINGERPRINT.c.key, FINGERPRINT.c.claim_id)
        .where(FINGERPRINT.c.key.in_(shared))
        .order_by(FINGERPRINT.c.key, FINGERPRINT.c.claim_id)
    )
    bucket: list[int] = []
    last: Any = None
    for key, claim_id in rows:
        if key != last and bucket:
            yield bucket
            bucket = []
        last = key
        bucket.append(claim_id)
    if bucket:
        yield bucket


# A compared pair's verdict: exact, and the similarity (None: not a duplicate).
Verdict = tuple[bool, float | None]


def _candidate_pairs(session: Session) -> set[tuple[int, int]]:
    """The pairs of claims a library check compares: those sharing an index key."""
    pairs: set[tuple[int, int]] = set()
    for bucket in _buckets(session):
        if len(bucket) <= _SMALL_BUCKET:
            pairs.update((a, b) for i, a in enumerate(bucket) for b in bucket[i + 1 :])
        else:
            pairs.update(pairwise(bucket))
    return pairs


def stored_verdicts(session: Session) -> dict[tuple[int, int], Verdict]:
    """The verdicts stored in ``claim_pair`` (each pair compared since both were keyed)."""
    rows: Any = session.connection().execute(sa_select(PAIR))
    return {(low, high): (bool(exact), score) for low, high, exact, score in rows}


def library_duplicates(
    session: Session,
    verdicts: dict[tuple[int, int], Verdict] | None = None,
    *,
    stale: set[int] | frozenset[int] = frozenset(),
    fresh: list[dict[str, Any]] | None = None,
) -> dict[int, Duplicate]:
    """Every claim's duplicate, found through the index (claims sharing a key).

    ``verdicts``: pairs compared before (``stored_verdicts``), taken as they are unless a
    claim of the pair is in ``stale`` (queued: its statement changed since). ``fresh``:
    the pairs compared here are added to it, as rows of ``claim_pair``.
    """
    pairs = _candidate_pairs(session)
    known = verdicts or {}

    def cached(pair: tuple[int, int]) -> Verdict | None:
        if pair[0] in stale or pair[1] in stale:
            return None
        return known.get(pair)

    verdict_of = {pair: cached(pair) for pair in pairs}
    # Statements of the pairs to compare, and of the claims a stored duplicate names: a
    # claim deleted meanwhile (its keys read before) is nobody's duplicate.
    statements = _statements(
        session,
        {
            claim
            for pair, verdict in verdict_of.items()
            if verdict is None or verdict[1] is not None
            for claim in pair
        },
    )
    shingled = _Shingled(statements)
    found: dict[int, Duplicate] = {}
    # In no particular order: _better keeps the same duplicate whatever the order.
    for (a, b), verdict in verdict_of.items():
        if a not in statements or b not in statements:
            continue  # keys left by a claim deleted meanwhile
        if verdict is None:
            result = (
                _compare(shingled.get(a), shingled.get(b)) if shingled.may_be_near(a, b) else None
            )
            verdict = (False, None) if result is None else (result.exact, result.similarity)
            if fresh is not None:
                fresh.append(
                    {"low_id": a, "high_id": b, "exact": verdict[0], "similarity": verdict[1]}
                )
        exact, score = verdict
        if score is None:
            continue
        found[a] = _better(found.get(a), Duplicate(b, exact, score))
        found[b] = _better(found.get(b), Duplicate(a, exact, score))
    return found


def _library_map(
    session: Session, stale: set[int], results: list[dict[str, Any]] | None
) -> dict[int, Duplicate]:
    """Every claim's duplicate: the stored map while a valid token vouches for it, else found
    again (the stored verdicts reused); then, under a pending token, handed to
    ``store_results`` through ``results``."""
    connection = session.connection()
    tokens = connection.execute(sa_select(STATE.c.token, STATE.c.valid)).all()
    if not stale and any(valid for _, valid in tokens):
        rows: Any = connection.execute(sa_select(DUPLICATE))
        return {
            claim_id: Duplicate(other, bool(exact), score) for claim_id, other, exact, score in rows
        }
    pending = next((token for token, valid in tokens if not valid), None)
    keep = results is not None and pending is not None and not stale
    fresh: list[dict[str, Any]] = []
    found = library_duplicates(
        session, stored_verdicts(session), stale=stale, fresh=fresh if keep else None
    )
    if keep and results is not None:
        results.append({"token": pending, "duplicates": found, "pairs": fresh})
    return found


# --- the check ------------------------------------------------------------------------------


def retractions(session: Session, claim_ids: Sequence[int] | None = None) -> dict[str, str]:
    """DOI -> retraction nature of the studies with a notice (of these claims' studies)."""
    query: Any = sa_select(col(Study.doi), col(Study.retraction_nature)).where(
        col(Study.retraction_nature) != ""
    )
    if claim_ids is not None:
        query = query.where(
            col(Study.id).in_(
                sa_select(col(Evidence.study_id)).where(col(Evidence.claim_id).in_(claim_ids))
            )
        )
    return {doi: nature for doi, nature in session.connection().execute(query)}


# The PostgreSQL advisory lock held while the fingerprint index is brought up to date
# ("fpix" in ASCII).
_INDEX_LOCK = 0x66706978
# Taken shared by migration 0012's triggers, exclusive while a library check adds its token
# ("dups").
_MAP_LOCK = 0x64757073


def prepare(session: Session, *, writable: bool, budget: int | None = None) -> None:
    """Bring the fingerprint index up to date (a writable library only); commit it apart.

    ``budget``: store at most about that many claims' keys (see refresh_fingerprints).
    Without one (a library check), the keys are committed (``key_queue``), then a token is
    added for the check to store its duplicate map under (``open_token``), in the caller's
    transaction.
    """
    if not writable:
        return
    if key_queue(session, budget) and budget is None:
        session.commit()
        open_token(session)


def key_queue(session: Session, budget: int | None = None) -> bool:
    """Store the queued claims' keys, in the caller's transaction; False if another does.

    Keys made by another version of ``fingerprint`` (FINGERPRINT_FORMAT) are made again.
    """
    # One session at a time keys the queue (PostgreSQL): two app workers, or an app and
    # `curator check`, would take the same claims and store their keys twice (a unique
    # violation that failed the app's worker at start on a freshly copied library). A
    # budgeted run (the app's) does not wait: the session that holds the lock is doing it.
    if not lock_for_transaction(session.connection(), _INDEX_LOCK, wait=budget is None):
        return False
    meta = session.get(LibraryMeta, _FORMAT_KEY)
    if meta is None or meta.value != FINGERPRINT_FORMAT:
        connection = session.connection()
        connection.execute(delete(FINGERPRINT))
        connection.execute(delete(STALE))
        connection.execute(insert(STALE).from_select(["claim_id"], sa_select(col(Claim.id))))
        connection.execute(delete(PAIR))
        connection.execute(delete(DUPLICATE))
        session.merge(LibraryMeta(key=_FORMAT_KEY, value=FINGERPRINT_FORMAT))
        session.flush()
    refresh_fingerprints(session, budget)
    return True


def open_token(session: Session) -> str | None:
    """Add a pending token if the fingerprint queue is empty (a library check's); the token.

    Migration 0012's triggers delete every token when a claim is queued or deleted, so one
    still there when ``store_results`` runs vouches that what the check read is current.
    On PostgreSQL none is added while a change is under way (the triggers hold the lock
    shared until they commit): one whose trigger ran before the token existed, and whose
    claim is not yet committed to the queue, would leave the token standing. The check
    does not wait for it (an import may take minutes): it stores no map this time.
    """
    if not lock_for_transaction(session.connection(), _MAP_LOCK, wait=False):
        return None
    connection = session.connection()
    # A token still there vouches for every read since it was added: shared, not added
    # again (a check of some claims by id, which stores no map, adds none either then).
    standing = connection.execute(sa_select(STATE.c.token).order_by(STATE.c.valid)).first()
    if standing is not None:
        return str(standing[0])
    token = uuid.uuid4().hex
    # Written first: on SQLite the write lock is taken before the queue is read.
    connection.execute(insert(STATE).values(token=token, valid=False))
    if connection.execute(sa_select(STALE.c.claim_id).limit(1)).first() is not None:
        connection.execute(delete(STATE).where(STATE.c.token == token))
        return None
    return token


def check_claims(session: Session, claim_ids: Sequence[int]) -> list[Problem]:
    """The problems of these claims (those that exist), the duplicates looked up by index."""
    problems: list[Problem] = []
    retracted = retractions(session, claim_ids)
    for claim_id, card in iter_cards(session, sorted(set(claim_ids))):
        problems += check_card(claim_id, card, retracted)
        duplicate = find_duplicates(session, claim_id, card.statement)
        if duplicate is not None:
            problems.append(duplicate.problem(claim_id))
    return problems


def _digest(markdown: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(markdown.encode(), digest_size=8).digest(), "big", signed=True
    )


def _retracted_claims(session: Session, retracted: dict[str, str]) -> set[int]:
    """The claims citing as supporting a study whose notice is a retraction."""
    dois = [doi for doi, nature in retracted.items() if is_retraction(nature)]
    if not dois:
        return set()
    query = (
        sa_select(col(Evidence.claim_id))
        .join(Study, col(Study.id) == col(Evidence.study_id))
        .where(col(Study.doi).in_(dois), col(Evidence.stance) == "supporting")
    )
    return set(session.connection().execute(query).scalars())


def check_library(
    session: Session, *, results: list[dict[str, Any]] | None = None
) -> Iterator[Problem]:
    """Every claim's problems, claim by claim in id order (streamed).

    A claim's own problems are read from ``claim_check`` where it holds them (migration
    0009's triggers delete a claim's row whenever its stored rendering changes), else found
    again; given ``results``, those are added to it for ``store_results``, which stores
    them in a transaction of its own (a read that turns into a write fails on SQLite when
    another connection wrote meanwhile). Retracted studies are looked up for every claim;
    duplicates come from the stored map while it is current (else found again, and added
    to ``results`` too, for ``store_results``).
    """
    connection = session.connection()
    # Claims queued but not fingerprinted (a read-only library): looked up one by one.
    stale = _stale_ids(session)
    duplicates = _library_map(session, stale, results)
    retracted = retractions(session)
    uncached = _retracted_claims(session, retracted)
    # Results are stored only if found in a rendering of the current format.
    current = format_is_current(session)
    last = 0
    while True:
        # Ids and stored results only: a claim's row is read (its statement, whether it has
        # a rendering) only where needed, as reading all 100,000 was a second of the check.
        rows: list[Any] = list(
            connection.execute(
                sa_select(col(Claim.id), CHECK.c.problems)
                .outerjoin(CHECK, CHECK.c.claim_id == col(Claim.id))
                .where(col(Claim.id) > last)
                .order_by(col(Claim.id))
                .limit(_WINDOW)
            )
        )
        if not rows:
            return
        last = rows[-1][0]
        found = decode_many(
            (claim_id, stored)
            for claim_id, stored in rows
            if stored is not None and claim_id not in uncached
        )
        todo = [row[0] for row in rows if row[0] not in found]
        digests = (
            _digests(session, [claim_id for claim_id in todo if claim_id not in uncached])
            if results is not None and todo and current
            else {}
        )
        for claim_id, card in iter_cards(session, todo) if todo else ():
            found[claim_id] = check_card(claim_id, card, retracted)
            if results is not None and claim_id in digests:
                results.append(
                    {
                        "claim_id": claim_id,
                        "digest": digests[claim_id],
                        "problems": encode_problems(found[claim_id]),
                    }
                )
        queued = _statements(session, [r[0] for r in rows if r[0] in stale]) if stale else {}
        for claim_id, _ in rows:
            yield from found.get(claim_id, ())
            if claim_id in stale:
                statement = queued.get(claim_id)
                duplicate = (
                    None if statement is None else find_duplicates(session, claim_id, statement)
                )
            else:
                duplicate = duplicates.get(claim_id)
            if duplicate is not None:
                yield duplicate.problem(claim_id)


def _digests(session: Session, claim_ids: list[int]) -> dict[int, int]:
    """A digest of each claim's stored rendering (claims without one left out)."""
    if not claim_ids:
        return {}
    rows: Any = session.connection().execute(
        sa_select(col(Claim.id), col(Claim.markdown)).where(
            col(Claim.id).in_(claim_ids), col(Claim.markdown).is_not(None)
        )
    )
    return {claim_id: _digest(text or "") for claim_id, text in rows}


def store_results(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store the claims' own problems ``check_library`` found (its ``results``).

    Only where the claim's rendering is still the one they were found in (its digest):
    a claim changed since is checked again next time. The duplicate map and the pairs'
    verdicts it handed over are stored only if its token is still there (``open_token``).
    """
    for entry in rows:
        if "token" in entry:
            _store_map(session, entry)
    rows = [row for row in rows if "claim_id" in row]
    connection = session.connection()
    for start in range(0, len(rows), _WINDOW):
        window = rows[start : start + _WINDOW]
        now = _digests(session, [row["claim_id"] for row in window])
        kept = [
            {"claim_id": row["claim_id"], "problems": row["problems"]}
            for row in window
            if now.get(row["claim_id"]) == row["digest"]
        ]
        if kept:
            ids = [row["claim_id"] for row in kept]
            connection.execute(delete(CHECK).where(CHECK.c.claim_id.in_(ids)))
            connection.execute(insert(CHECK), kept)


def _store_map(session: Session, entry: dict[str, Any]) -> None:
    connection = session.connection()
    # One store (or keying of the queue) at a time: two checks may hand over the same pairs.
    lock_for_transaction(connection, _INDEX_LOCK)
    token = entry["token"]
    vouched = connection.execute(update(STATE).where(STATE.c.token == token).values(valid=True))
    if not vouched.rowcount:
        return
    connection.execute(delete(STATE).where(STATE.c.token != token))
    connection.execute(delete(DUPLICATE))
    duplicates: dict[int, Duplicate] = entry["duplicates"]
    mapped = [
        {"claim_id": c, "other": d.other, "exact": d.exact, "similarity": d.similarity}
        for c, d in sorted(duplicates.items())
    ]
    pairs: list[dict[str, Any]] = entry["pairs"]
    for start in range(0, len(mapped), _WINDOW):
        connection.execute(insert(DUPLICATE), mapped[start : start + _WINDOW])
    for start in range(0, len(pairs), _WINDOW):
        window = pairs[start : start + _WINDOW]
        lows = sorted({row["low_id"] for row in window})
        there = {
            (low, high)
            for low, high in connection.execute(
                sa_select(PAIR.c.low_id, PAIR.c.high_id).where(PAIR.c.low_id.in_(lows))
            )
        }
        new = [row for row in window if (row["low_id"], row["high_id"]) not in there]
        if new:
            connection.execute(insert(PAIR), new)


def existing_ids(session: Session, claim_ids: Sequence[int]) -> set[int]:
    """Which of these claims exist."""
    return set(_statements(session, claim_ids))


# --- safe fixes -----------------------------------------------------------------------------


def claims_to_tidy(session: Session) -> list[int]:
    """The claims with a safe fix to make (whitespace, DOI form), in id order."""
    return [claim_id for claim_id, card in iter_cards(session) if safe_fixes(card)]


@dataclass(frozen=True)
class Fixed:
    """One safe fix made: the claim, where, and the text before and after."""

    claim: int
    where: str
    before: str
    after: str


def _edit_for(detail: ClaimDetail, fix: Fix) -> edits.Edit:
    target = fix.target
    if target.part == "statement":
        return edits.EditClaim(detail.id, statement=fix.after)
    if target.part == "synthesis":
        return edits.EditClaim(detail.id, synthesis=fix.after)
    mechanism = next(m for m in detail.mechanisms if m.rank == target.mechanism)
    if target.part == "mechanism":
        return edits.EditMechanism(mechanism.id, fix.after)
    assert target.part == "step" and target.index is not None
    return edits.EditStep(mechanism.steps[target.index].id, fix.after)


def fix_claim(session: Session, claim_id: int) -> list[Fixed]:
    """Apply the safe fixes of one claim as edits (the history records each); what changed."""
    detail = load_claim(session, claim_id)
    done: list[Fixed] = []
    for fix in safe_fixes(detail.to_card()):
        edits.apply(session, edits.Guarded(_edit_for(detail, fix), detail.id, detail.version))
        detail = load_claim(session, claim_id)
        done.append(Fixed(claim_id, fix.where, fix.before, fix.after))
    return done
