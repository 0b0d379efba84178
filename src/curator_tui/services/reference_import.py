"""Reference files and retraction data merged into the library's study records.

One transaction per file. A study new to the library is created with the file's fields;
one already there gets its empty fields filled, and a field that differs keeps the
library's value and is listed (``update=True`` takes the file's). ``dry_run=True`` does
the same work and rolls it back: the result says what would change. A retraction file
marks each matching study with its notice's nature and date.

A change to a study record is a change to every claim citing it, as the study-record
dialog's edit (edits.EditStudy) treats it: those claims are touched (new version, stored
rendering redone before commit) and their history records the change by name. Studies
are read with ``FOR UPDATE`` on PostgreSQL, so an edit of the same record waits for this
import (and its value guard then sees the new values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from curator_tui.db import describe_db_error
from curator_tui.models import Evidence, Study
from curator_tui.references import ParsedFile, parse_file
from curator_tui.references.record import RECORD_FIELDS
from curator_tui.services import history
from curator_tui.services.common import touch

_CHUNK = 500


@dataclass(frozen=True)
class Difference:
    """A field where the file and the library disagree."""

    line: int
    doi: str
    field: str
    library: Any
    file: Any
    # The line of an earlier entry of the same file that made the study, if one did.
    earlier: int | None = None


@dataclass
class ReferenceImport:
    """What importing one reference or retraction file did (or would do)."""

    path: str
    dry_run: bool = False
    update: bool = False
    entries: int = 0
    created: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    differences: list[Difference] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    not_in_library: int = 0
    no_doi: int = 0
    short_doi: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: str = ""

    def difference_lines(self) -> list[str]:
        """``file:line: study DOI: field differs ...`` for each difference."""
        kept = (
            "took the file's (--update)"
            if self.update
            else "kept the library's (--update takes the file's)"
        )
        lines = []
        for d in self.differences:
            if d.earlier is None:
                lines.append(
                    f"{self.path}:{d.line}: study {d.doi}: {d.field} differs: library"
                    f" {_shown(d.library)}, file {_shown(d.file)}: {kept}"
                )
            else:
                lines.append(
                    f"{self.path}:{d.line}: study {d.doi}: {d.field} differs from line"
                    f" {d.earlier} of the same file ({_shown(d.library)} there,"
                    f" {_shown(d.file)} here): kept line {d.earlier}'s"
                )
        return lines

    def summary(self) -> str:
        """One line: how many studies were created, filled, updated, marked and skipped."""
        would = "would be " if self.dry_run else ""
        parts = [f"{self.entries} entr{'y' if self.entries == 1 else 'ies'}"]
        if self.retracted or self.not_in_library:
            parts.append(
                f"{len(self.retracted)} stud{'y' if len(self.retracted) == 1 else 'ies'} {would}marked"
            )
            parts.append(f"{self.not_in_library} not in the library")
        else:
            parts.append(f"{len(self.created)} new")
            parts.append(f"{len(self.filled)} filled")
            if self.update:
                parts.append(f"{len(self.updated)} updated")
            parts.append(f"{self.unchanged} unchanged")
            parts.append(f"{len(self.differences)} difference(s)")
        skipped = self.no_doi + self.short_doi
        if skipped:
            parts.append(
                f"{skipped} skipped ({self.no_doi} without DOI, {self.short_doi} short DOI)"
            )
        if self.errors:
            parts.append(f"{len(self.errors)} broken")
        prefix = "dry run: " if self.dry_run else ""
        return prefix + ", ".join(parts)


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def import_references(
    engine: Engine,
    path: Path,
    data: bytes,
    *,
    kind: str | None = None,
    update: bool = False,
    dry_run: bool = False,
) -> ReferenceImport:
    """Read a reference or retraction file and merge it, in one transaction."""
    parsed = parse_file(path, data, kind)
    result = ReferenceImport(
        str(path),
        dry_run=dry_run,
        update=update,
        entries=parsed.entries,
        no_doi=parsed.no_doi,
        short_doi=parsed.short_doi,
        skipped=list(parsed.skipped),
        errors=list(parsed.errors),
    )
    if not parsed.records and not parsed.retractions:
        return result
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                _merge(session, parsed, result, Path(path).name)
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
            except BaseException:
                session.rollback()
                raise
    except SQLAlchemyError as exc:
        result.failed = f"{path}: not imported: {describe_db_error(exc)}"
    return result


def _studies(session: Session, dois: list[str]) -> dict[str, Study]:
    found: dict[str, Study] = {}
    for start in range(0, len(dois), _CHUNK):
        statement = sa_select(Study).where(col(Study.doi).in_(dois[start : start + _CHUNK]))
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        found.update((s.doi, s) for s in session.execute(statement).scalars())
    return found


def _merge(session: Session, parsed: ParsedFile, result: ReferenceImport, name: str) -> None:
    dois = sorted({r.doi for r in parsed.records} | {r.doi for r in parsed.retractions})
    studies = _studies(session, dois)
    changed: dict[int, str] = {}
    new: dict[str, int] = {}
    for record in parsed.records:
        study = studies.get(record.doi)
        if study is None:
            study = Study(doi=record.doi, **record.fields())
            session.add(study)
            studies[record.doi] = study
            new[record.doi] = record.line
            result.created.append(record.doi)
            continue
        filled = updated = False
        for key, value in record.fields().items():
            current = getattr(study, key)
            if current in (None, ""):
                setattr(study, key, value)
                filled = True
            elif current != value:
                earlier = new.get(record.doi)
                result.differences.append(
                    Difference(record.line, record.doi, key, current, value, earlier)
                )
                if result.update and earlier is None:
                    setattr(study, key, value)
                    updated = True
        if record.doi in new:
            continue  # the same DOI twice in the file: the first entry made it
        if updated:
            result.updated.append(record.doi)
        elif filled:
            result.filled.append(record.doi)
        else:
            result.unchanged += 1
        if (filled or updated) and study.id is not None:
            changed[study.id] = f"imported the record of the study {record.doi} from {name}"
    for notice in parsed.retractions:
        study = studies.get(notice.doi)
        if study is None:
            result.not_in_library += 1
            continue
        if (study.retraction_nature, study.retraction_date) == (notice.nature, notice.date):
            continue
        study.retraction_nature, study.retraction_date = notice.nature, notice.date
        session.add(study)
        result.retracted.append(notice.doi)
        if study.id is not None:
            what = f"{notice.nature}, {notice.date}" if notice.date else notice.nature
            changed[study.id] = f"marked the study {notice.doi} retracted ({what}) from {name}"
    session.flush()
    if changed:
        _touch_citing(session, changed)


def _touch_citing(session: Session, changed: dict[int, str]) -> None:
    """The claims citing changed studies: a new version and a named history entry."""
    ids = sorted(changed)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            sa_select(col(Evidence.claim_id), col(Evidence.study_id)).where(
                col(Evidence.study_id).in_(ids[start : start + _CHUNK])
            )
        ).all()
        for claim_id, study_id in rows:
            touch(session, claim_id)
            history.note(session, claim_id, changed[study_id])


__all__ = ["RECORD_FIELDS", "Difference", "ReferenceImport", "import_references"]
