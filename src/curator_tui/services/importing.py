"""Importing card files into a library: each file all or nothing, the batch goes on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from curator_tui.cards.parse import (
    CardParseError,
    ParsedCard,
    decode_card_file,
    parse_card,
    split_cards,
)
from curator_tui.db import describe_db_error, session_scope
from curator_tui.services.cards import create_from_card, replace_from_card
from curator_tui.services.claims import find_by_statement
from curator_tui.services.errors import ServiceError
from curator_tui.services.evidence import upsert_study_record

CARD_SUFFIXES = (".txt", ".md", ".markdown")
RECORD_SUFFIXES = (".json",)
Status = Literal["imported", "replaced", "duplicate", "studies", "failed"]


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: Status
    claim_ids: list[int] = field(default_factory=list)
    message: str = ""
    warnings: list[str] = field(default_factory=list)

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
            # Study records first, so the cards that cite them link to full records.
            found.sort(key=lambda p: p.suffix.lower() not in RECORD_SUFFIXES)
            out.extend(found)
        else:
            out.append(path if path.exists() else str(raw))
    return out


def _import_records(engine: Engine, path: Path, data: bytes) -> FileResult:
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        return FileResult(
            str(path), "failed", message=f"{path}:{line}: not a JSON study-record file ({exc})"
        )
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


def _parse_all(path: Path, data: bytes) -> list[ParsedCard]:
    text = decode_card_file(data, str(path))
    return [parse_card(chunk, str(path), offset) for offset, chunk in split_cards(text)]


def import_file(engine: Engine, path: Path | str, *, replace: bool = False) -> FileResult:
    """Import one file in one transaction: everything in it, or nothing."""
    if isinstance(path, str):
        return FileResult(path, "failed", message=f"{path}: no such file or directory")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(str(path), "failed", message=f"{path}: cannot read: {exc.strerror}")
    if path.suffix.lower() in RECORD_SUFFIXES:
        return _import_records(engine, path, data)
    try:
        parsed = _parse_all(path, data)
    except CardParseError as exc:
        return FileResult(str(path), "failed", message=str(exc))
    result = FileResult(str(path), "imported")
    try:
        with session_scope(engine) as session:
            for item in parsed:
                result.warnings.extend(item.warnings)
                existing = find_by_statement(session, item.card.statement)
                if existing is None:
                    result.claim_ids.append(create_from_card(session, item.card))
                elif replace:
                    replace_from_card(session, existing, item.card)
                    result.claim_ids.append(existing)
                    result.status = "replaced"
                else:
                    result.claim_ids.append(existing)
                    if len(parsed) == 1:
                        result.status = "duplicate"
                        result.message = f"already in the library as claim {existing} (use --replace to update it)"
                    else:
                        result.warnings.append(
                            f"{path}: {item.card.statement[:40]!r}... is already claim {existing}: skipped"
                        )
    except ServiceError as exc:
        return FileResult(str(path), "failed", message=f"{path}: {exc}")
    except SQLAlchemyError as exc:
        return FileResult(
            str(path), "failed", message=f"{path}: not imported: {describe_db_error(exc)}"
        )
    return result


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    replace: bool = False,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Import files and directories; a failed file does not stop the batch."""
    results = []
    for path in collect(paths):
        result = import_file(engine, path, replace=replace)
        results.append(result)
        if progress is not None:
            progress(result)
    return results
