"""Importing card files into a library: each file all or nothing, the batch goes on."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from curator_tui.cards.files import (
    CardFile,
    OtherFile,
    Unreadable,
    read_card_file,
    read_card_files,
    worked_out,
)
from curator_tui.cards.model import Card
from curator_tui.cards.parse import CardParseError, ParsedCard
from curator_tui.db import begin_write, describe_db_error, session_scope
from curator_tui.models import Claim
from curator_tui.readahead import map_ahead
from curator_tui.references import REFERENCE_SUFFIXES
from curator_tui.services import claims_json, history
from curator_tui.services.card_studies import StudyDisagreement
from curator_tui.services.cards import (
    create_from_card,
    create_many,
    load_card,
    replace_from_card,
)
from curator_tui.services.claims import find_by_statement
from curator_tui.services.common import STALE_KEY
from curator_tui.services.errors import ServiceError
from curator_tui.services.evidence import upsert_study_record

CARD_SUFFIXES = (".txt", ".md", ".markdown")
# Study records: our own .json list, CSL-JSON, and the reference and retraction files
# of curator_tui.references (.bib .ris .nbib .medline .csv).
RECORD_SUFFIXES = (".json", *REFERENCE_SUFFIXES)
Status = Literal["imported", "replaced", "duplicate", "studies", "failed"]


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: Status
    claim_ids: list[int] = field(default_factory=list)
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    # Broken entries of a reference file whose good entries were imported: exit status 1.
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The file did not fail."""
        return self.status != "failed"


def collect(paths: Iterable[str | Path]) -> list[Path | str]:
    """Expand directories (their card and study-record files, sorted); keep missing paths to report."""
    out: list[Path | str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in CARD_SUFFIXES + RECORD_SUFFIXES
            )
            # Study records first, so the cards that cite them link to full records;
            # retraction data (.csv) after the reference files, so it marks their studies.
            found.sort(
                key=lambda p: (p.suffix.lower() not in RECORD_SUFFIXES, p.suffix.lower() == ".csv")
            )
            out.extend(found)
        else:
            out.append(path if path.exists() else str(raw))
    return out


def _import_references(
    engine: Engine, path: Path, data: bytes, kind: str | None, update: bool, dry_run: bool
) -> FileResult:
    """A reference or retraction file, merged into the library's study records."""
    from curator_tui.services.reference_import import import_references

    done = import_references(engine, path, data, kind=kind, update=update, dry_run=dry_run)
    if done.failed:
        return FileResult(str(path), "failed", message=done.failed)
    status: Status = "studies"
    if not done.entries and done.errors:
        status = "failed"
    return FileResult(
        str(path),
        status,
        message=done.summary() if status == "studies" else done.errors[0],
        warnings=[*done.difference_lines(), *done.skipped],
        errors=done.errors if status == "studies" else done.errors[1:],
    )


def _import_records(
    engine: Engine, path: Path, data: bytes, *, update: bool = False, dry_run: bool = False
) -> FileResult:
    if path.suffix.lower() in REFERENCE_SUFFIXES:
        return _import_references(engine, path, data, None, update, dry_run)
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        return FileResult(
            str(path), "failed", message=f"{path}:{line}: not a JSON study-record file ({exc})"
        )
    from curator_tui.references.csl import looks_like_csl

    if looks_like_csl(records):
        return _import_references(engine, path, data, "csl", update, dry_run)
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return FileResult(
            str(path), "failed", message=f"{path}:1: expected a JSON list of study records"
        )
    try:
        with session_scope(engine) as session:
            for index, record in enumerate(records, 1):
                try:
                    upsert_study_record(session, record)
                except ServiceError as exc:
                    raise ServiceError(f"{path}: record {index}: {exc}") from None
    except ServiceError as exc:
        return FileResult(str(path), "failed", message=str(exc))
    except SQLAlchemyError as exc:
        return FileResult(
            str(path), "failed", message=f"{path}: not imported: {describe_db_error(exc)}"
        )
    return FileResult(str(path), "studies", message=f"{len(records)} study record(s)")


@dataclass
class _Parsed:
    """A card file read and parsed, not yet written."""

    path: str
    cards: list[ParsedCard]
    # A claims document's study fields that cards do not carry (claims_json.EXTRA_FIELDS).
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Records:
    """A study-record file, read."""

    path: Path
    data: bytes


def _taken(read: Unreadable | CardFile | OtherFile) -> FileResult | _Parsed | _Records:
    """A file as cards/files.py read it (perhaps in the read-ahead process), for writing."""
    if isinstance(read, CardFile):
        return _Parsed(read.path, read.cards)
    if isinstance(read, Unreadable):
        return FileResult(read.path, "failed", message=read.message)
    # A study-record file, or a claims document (JSON) parsed here.
    path, data = read.path, read.data
    if not claims_json.is_document(data):
        return _Records(path, data)
    try:
        document = claims_json.read_document(data, str(path))
    except CardParseError as exc:
        return FileResult(str(path), "failed", message=str(exc))
    return _Parsed(str(path), worked_out(document.cards), document.extras)


def _prepare(path: Path | str) -> FileResult | _Parsed | _Records:
    """Read and parse a file: everything that can fail before the library is touched."""
    return _taken(read_card_file(path, RECORD_SUFFIXES))


_CHUNK = 100  # files a read-ahead process parses per task
# What the read-ahead process runs: cards/files.py only, so it starts in ~0.1 s.
_READ_AHEAD = partial(read_card_files, others=RECORD_SUFFIXES)


def _prepare_many(paths: Sequence[Path | str]) -> list[FileResult | _Parsed | _Records]:
    """``_prepare`` for a chunk of files."""
    return [_prepare(path) for path in paths]


def _shown_value(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _disagreement_warning(path: str, parsed: ParsedCard, found: StudyDisagreement) -> str:
    """``file:line: study DOI: ...``: which fields differ, and whose record was kept."""
    lines = parsed.study_lines
    line = lines[found.study] if found.study < len(lines) else 1
    fields = ", ".join(
        f"{name} {_shown_value(card)} (library: {_shown_value(library)})"
        for name, card, library in found.fields
    )
    others = f"{found.others} other claim{'s' if found.others != 1 else ''}"
    cite = "cites" if found.others == 1 else "cite"
    if found.updated:
        outcome = f"updated the library's record, which {others} also {cite} (--replace)"
    else:
        outcome = (
            f"kept the library's record, which {others} also {cite} "
            "(import with --replace to take the card's)"
        )
    return f"{path}:{line}: study {found.doi}: the card differs in {fields}: {outcome}"


def _replace_changes(
    session: Session, claim_id: int, card: Card, found: list[StudyDisagreement]
) -> bool:
    """Replace the claim with ``card``; False, with nothing written, if that changes nothing.

    Tried in a savepoint and compared as the library then reads it, so an identical card
    (an export imported back with --replace) neither rewrites the claim's rows nor adds a
    revision. The study records merge as the replace merges them: a field the card leaves
    empty keeps the library's value, so the card alone cannot say whether anything changes.
    """
    before = load_card(session, claim_id)
    stale = set(session.info.get(STALE_KEY, ()))
    savepoint = session.begin_nested()
    replace_from_card(session, claim_id, card, overwrite_shared=True, disagreements=found)
    session.flush()
    if load_card(session, claim_id) == before:
        savepoint.rollback()
        # Nor is it rendered again at the commit: even storing the same text rewrites the
        # full-text index's entry for it.
        session.info[STALE_KEY] = stale
        return False
    savepoint.commit()
    return True


def _store(session: Session, item: _Parsed, replace: bool) -> FileResult:
    """Write one parsed file in the session's transaction (raises on a database refusal)."""
    path, parsed = item.path, item.cards
    result = FileResult(str(path), "imported")
    # Claims of a file of several cards that are in the library already, left as they are.
    kept: list[int] = []
    for card in parsed:
        result.warnings.extend(card.warnings)
        existing = find_by_statement(session, card.card.statement)
        found: list[StudyDisagreement] = []
        if existing is None:
            claim_id = create_from_card(
                session,
                card.card,
                overwrite_shared=replace,
                disagreements=found,
                summary=f"imported from {path}",
            )
            result.claim_ids.append(claim_id)
        elif replace:
            if _replace_changes(session, existing, card.card, found):
                history.note(session, existing, f"replaced from {path}", "replaced")
                result.claim_ids.append(existing)
                result.status = "replaced"
            elif len(parsed) == 1:
                result.claim_ids.append(existing)
                result.status = "duplicate"
                result.message = f"claim {existing} already holds exactly this card: unchanged"
            else:
                kept.append(existing)
                result.warnings.append(
                    f"{path}: {card.card.statement[:40]!r}... is claim {existing} as it is:"
                    " unchanged"
                )
        elif len(parsed) == 1:
            result.claim_ids.append(existing)
            result.status = "duplicate"
            result.message = (
                f"already in the library as claim {existing} (use --replace to update it)"
            )
        else:
            kept.append(existing)
            result.warnings.append(
                f"{path}: {card.card.statement[:40]!r}... is already claim {existing}: skipped"
            )
        result.warnings.extend(_disagreement_warning(path, card, d) for d in found)
    _none_written(result, kept, replace=replace)
    claims_json.apply_extras(session, item.extras, overwrite=replace)
    return result


def _none_written(result: FileResult, kept: list[int], *, replace: bool) -> None:
    """A file of several cards that wrote none: say so, as for a file of one."""
    if result.claim_ids or not kept or result.status != "imported":
        return
    result.status = "duplicate"
    result.claim_ids = kept
    listed = ", ".join(map(str, kept))
    result.message = (
        f"every claim already holds exactly its card: {listed} unchanged"
        if replace
        else f"every claim is already in the library, as {listed} (use --replace to update them)"
    )


def _store_batch(session: Session, items: list[_Parsed]) -> dict[int, FileResult]:
    """Write many parsed files with a few multi-row statements (new claims only)."""
    statements = list({card.card.statement for item in items for card in item.cards})
    ids: dict[str, int] = {}
    for start in range(0, len(statements), 500):
        ids.update(
            (statement, claim_id)
            for claim_id, statement in session.execute(
                sa_select(col(Claim.id), col(Claim.statement)).where(
                    col(Claim.statement).in_(statements[start : start + 500])
                )
            )
        )
    already = set(ids)
    new: dict[str, Card] = {}
    markdown: dict[str, str | None] = {}
    words: dict[str, str | None] = {}
    packed: dict[str, bytes | None] = {}
    sources: dict[str, tuple[_Parsed, ParsedCard]] = {}
    results: dict[int, FileResult] = {}
    for item in items:
        result = FileResult(str(item.path), "imported")
        for parsed in item.cards:
            result.warnings.extend(parsed.warnings)
            statement = parsed.card.statement
            if statement in already or statement in new:
                if len(item.cards) == 1:
                    result.status = "duplicate"
            else:
                new[statement] = parsed.card
                markdown[statement] = parsed.rendered
                words[statement] = parsed.words
                packed[statement] = parsed.packed
                sources[statement] = (item, parsed)
        results[id(item)] = result
    found: list[StudyDisagreement] = []
    created = create_many(
        session,
        list(new.values()),
        [markdown[st] for st in new],
        [words[st] for st in new],
        disagreements=found,
        summaries=[f"imported from {sources[st][0].path}" for st in new],
        packed=[packed[st] for st in new],
    )
    ids.update(zip(new, created, strict=True))
    statements = list(new)
    for item in items:
        result = results[id(item)]
        written: list[int] = []
        kept: list[int] = []
        seen: set[str] = set()
        for parsed in item.cards:
            statement = parsed.card.statement
            if statement in already or statement in seen or new.get(statement) is not parsed.card:
                kept.append(ids[statement])
                if len(item.cards) > 1:
                    result.warnings.append(
                        f"{item.path}: {statement[:40]!r}... is already claim {ids[statement]}: skipped"
                    )
            else:
                written.append(ids[statement])
            seen.add(statement)
        if result.status == "duplicate":
            result.claim_ids = kept
            result.message = (
                f"already in the library as claim {kept[0]} (use --replace to update it)"
            )
        else:
            result.claim_ids = written
            _none_written(result, kept, replace=False)
    for disagreement in found:
        item, parsed = sources[statements[disagreement.card]]
        results[id(item)].warnings.append(_disagreement_warning(item.path, parsed, disagreement))
    for item in items:
        claims_json.apply_extras(session, item.extras, overwrite=False)
    return results


def _store_alone(engine: Engine, item: _Parsed, replace: bool) -> FileResult:
    """One file in its own transaction: everything in it, or nothing."""
    try:
        with session_scope(engine) as session:
            begin_write(session.connection())
            return _store(session, item, replace)
    except ServiceError as exc:
        return FileResult(str(item.path), "failed", message=f"{item.path}: {exc}")
    except SQLAlchemyError as exc:
        return FileResult(
            str(item.path), "failed", message=f"{item.path}: not imported: {describe_db_error(exc)}"
        )


def import_file(
    engine: Engine,
    path: Path | str,
    *,
    replace: bool = False,
    update: bool = False,
    dry_run: bool = False,
) -> FileResult:
    """Import one file in one transaction: everything in it, or nothing.

    ``update`` and ``dry_run`` apply to reference and retraction files (references/):
    take the file's values where they differ; change nothing and say what would change.
    """
    item = _prepare(path)
    if isinstance(item, FileResult):
        return item
    if isinstance(item, _Records):
        return _import_records(engine, item.path, item.data, update=update, dry_run=dry_run)
    return _store_alone(engine, item, replace)


class Importer:
    """Imports many files fast: up to ``batch`` files share a transaction.

    Each file is still all or nothing: if the library refuses anything in a batch, the
    batch is rolled back and its files are written again one by one, so only the bad file
    fails. A file is reported (``on_result``) only once its transaction has committed, so
    whatever was reported imported survives a crash.

    With thousands of files (``add_all``, at least ``MANY``), batches grow: once a batch
    has written claims, the next may hold twice as many files (and wait twice as long), up
    to ``BULK_BATCH``. Fewer commits and fewer full-text index segments to merge save about
    a tenth of the writing, and the first new claims are still reported after ``batch``.
    Fewer files keep batches of ``batch``: a file that blocks its reader (a pipe, a slow
    mount) holds back at most that many uncommitted files.
    """

    MANY = 2000
    BULK_BATCH = 1000

    def __init__(
        self,
        engine: Engine,
        *,
        replace: bool = False,
        on_result: Callable[[FileResult], None] | None = None,
        batch: int = 250,
        seconds: float = 0.5,
        update: bool = False,
        dry_run: bool = False,
        stop: threading.Event | None = None,
    ) -> None:
        self.engine = engine
        # Set (by ctrl+c) to stop at the next point between two transactions.
        self.stop = stop
        self.replace = replace
        self.update = update
        self.dry_run = dry_run
        self.on_result = on_result
        self.batch = batch
        self.seconds = seconds
        # The current batch's size and wait, and how far they may grow.
        self._limit, self._wait, self._most = batch, seconds, batch
        self.results: list[FileResult] = []
        self._pending: list[FileResult | _Parsed] = []
        self._started = 0.0

    def add(self, path: Path | str) -> None:
        """Read and parse a file now; write it with its batch."""
        self._add(_prepare(path))

    def add_all(self, paths: Sequence[Path | str], *, read_ahead: bool = True) -> None:
        """Every file in order; with thousands (and ``read_ahead``), another process
        reads them ahead."""
        if len(paths) >= self.MANY:
            self._most = max(self.batch, self.BULK_BATCH)
        # Read ahead by more than a full batch: while a batch is written, the other
        # process goes on parsing the next one instead of waiting.
        ahead = -(-2 * self._most // _CHUNK)
        # The worker imports only cards/ and starts in ~0.1 s: meanwhile this process reads
        # the first few files itself.
        for read in map_ahead(
            _READ_AHEAD, paths, chunk=_CHUNK, local=3 * _CHUNK, ahead=ahead, parallel=read_ahead
        ):
            self._add(_taken(read))

    def _stop_if_asked(self) -> None:
        # Between transactions: what was committed is whole claims, the rest never written.
        if self.stop is not None and self.stop.is_set():
            raise KeyboardInterrupt

    def _add(self, item: FileResult | _Parsed | _Records) -> None:
        self._stop_if_asked()
        if isinstance(item, _Records):
            self.flush()
            self._report(
                _import_records(
                    self.engine, item.path, item.data, update=self.update, dry_run=self.dry_run
                )
            )
            return
        if not self._pending:
            self._started = time.monotonic()
        self._pending.append(item)
        if len(self._pending) >= self._limit or time.monotonic() - self._started >= self._wait:
            self.flush()

    def flush(self) -> None:
        """Write the pending files and report them."""
        self._stop_if_asked()
        pending, self._pending = self._pending, []
        parsed = [item for item in pending if isinstance(item, _Parsed)]
        stored: dict[int, FileResult] = {}
        try:
            with session_scope(self.engine) as session:
                # The write lock first: the studies and claim ids read next stay true
                # until this batch commits, whatever another import does meanwhile.
                begin_write(session.connection())
                if self.replace:
                    for item in parsed:
                        stored[id(item)] = _store(session, item, self.replace)
                else:
                    stored = _store_batch(session, parsed)
        except (ServiceError, SQLAlchemyError):
            stored = {id(item): _store_alone(self.engine, item, self.replace) for item in parsed}
        for entry in pending:
            self._report(entry if isinstance(entry, FileResult) else stored[id(entry)])
        written = any(r.status in ("imported", "replaced") for r in stored.values())
        if written and self._limit < self._most:
            self._limit, self._wait = min(self._limit * 2, self._most), self._wait * 2

    def _report(self, result: FileResult) -> None:
        self.results.append(result)
        if self.on_result is not None:
            self.on_result(result)


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    replace: bool = False,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Import files and directories; a failed file does not stop the batch."""
    importer = Importer(engine, replace=replace, on_result=progress)
    importer.add_all(collect(paths))
    importer.flush()
    return importer.results
