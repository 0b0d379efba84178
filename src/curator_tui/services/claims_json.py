"""Claims as structured JSON (docs/CLAIMS_JSON.md): written streamed, read back as cards.

The document is one JSON object, ``{"format": "curator-claims", "version": 1, "claims":
[...]}``. Each claim carries every field: statement, synthesis, mechanisms (rank, summary,
steps), the studies it cites with their whole record (every column of ``models.Study``)
with stance and note, the gold-standard designs, and the history entry it was exported at.

Writing streams: the claims are read in id order by a few queries at once (a merge join,
as ``services.cards.iter_cards`` does) and written one at a time, so ``--all`` never holds
the library in memory. Reading turns each claim into a ``ParsedCard`` for the importer's
card path (duplicates, ``--replace``, shared study records: all as for a card file), plus
the study fields a card does not carry (the retraction). Anything wrong is a
``CardParseError``: ``file:line: claim N: what is wrong``, the line where that claim starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from curator_tui.cards.doi import DOIError, normalize_doi
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.parse import CardParseError, ParsedCard
from curator_tui.models import (
    Claim,
    ClaimRevision,
    Evidence,
    GoldStandardItem,
    MechanismStep,
    Study,
)
from curator_tui.models import Mechanism as MechanismRow
from curator_tui.services.card_studies import STUDY_COLUMNS
from curator_tui.services.cards import _Groups

FORMAT = "curator-claims"
VERSION = 1
# Every field of a study record, in the table's order (the id is the library's own).
RECORD_FIELDS = tuple(
    column.name
    for column in Study.__table__.columns  # type: ignore[attr-defined]
    if column.name != "id"
)
# The record's fields a card does not carry (merged by the importer itself).
EXTRA_FIELDS = tuple(name for name in RECORD_FIELDS if name not in ("doi", *STUDY_COLUMNS))
_INTEGER_FIELDS = frozenset({"year", "sample_size"})


def _at(value: datetime) -> str:
    at = value if value.tzinfo else value.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iter_claim_objects(
    session: Session, claim_ids: Sequence[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Each claim as its JSON object, in id order (all claims, or these), streamed."""
    opts = {"yield_per": 2000}

    def scoped(query: Any, column: Any) -> Any:
        return query.where(column.in_(claim_ids)) if claim_ids is not None else query

    claims = session.execute(
        scoped(
            sa_select(col(Claim.id), col(Claim.statement), col(Claim.synthesis)), col(Claim.id)
        ).order_by(col(Claim.id)),
        execution_options=opts,
    )
    mechanisms = _Groups(
        session.execute(
            scoped(
                sa_select(
                    col(MechanismRow.claim_id),
                    col(MechanismRow.id),
                    col(MechanismRow.rank),
                    col(MechanismRow.summary),
                ),
                col(MechanismRow.claim_id),
            ).order_by(col(MechanismRow.claim_id), col(MechanismRow.rank), col(MechanismRow.id)),
            execution_options=opts,
        )
    )
    steps = _Groups(
        session.execute(
            scoped(
                sa_select(
                    col(MechanismRow.claim_id),
                    col(MechanismStep.mechanism_id),
                    col(MechanismStep.text),
                ).join(MechanismRow, col(MechanismRow.id) == col(MechanismStep.mechanism_id)),
                col(MechanismRow.claim_id),
            ).order_by(
                col(MechanismRow.claim_id),
                col(MechanismRow.rank),
                col(MechanismRow.id),
                col(MechanismStep.position),
                col(MechanismStep.id),
            ),
            execution_options=opts,
        )
    )
    evidence = _Groups(
        session.execute(
            scoped(
                sa_select(
                    col(Evidence.claim_id),
                    col(Evidence.stance),
                    col(Evidence.note),
                    *(getattr(Study, name) for name in RECORD_FIELDS),
                ).join(Study, col(Study.id) == col(Evidence.study_id)),
                col(Evidence.claim_id),
            ).order_by(col(Evidence.claim_id), col(Evidence.position), col(Evidence.id)),
            execution_options=opts,
        )
    )
    gold = _Groups(
        session.execute(
            scoped(
                sa_select(
                    col(GoldStandardItem.claim_id),
                    col(GoldStandardItem.design),
                    col(GoldStandardItem.description),
                ),
                col(GoldStandardItem.claim_id),
            ).order_by(
                col(GoldStandardItem.claim_id),
                col(GoldStandardItem.position),
                col(GoldStandardItem.id),
            ),
            execution_options=opts,
        )
    )
    newest = (
        sa_select(
            col(ClaimRevision.claim_id).label("claim_id"),
            func.max(ClaimRevision.revision).label("revision"),
        )
        .group_by(col(ClaimRevision.claim_id))
        .subquery()
    )
    revisions = _Groups(
        session.execute(
            scoped(
                sa_select(
                    col(ClaimRevision.claim_id),
                    col(ClaimRevision.revision),
                    col(ClaimRevision.at),
                    col(ClaimRevision.author),
                    col(ClaimRevision.summary),
                    col(ClaimRevision.kind),
                ).join(
                    newest,
                    (newest.c.claim_id == col(ClaimRevision.claim_id))
                    & (newest.c.revision == col(ClaimRevision.revision)),
                ),
                col(ClaimRevision.claim_id),
            ).order_by(col(ClaimRevision.claim_id)),
            execution_options=opts,
        )
    )
    for claim_id, statement, synthesis in claims:
        by_mechanism: dict[int, list[str]] = {}
        for _, mechanism_id, text in steps.take(claim_id):
            by_mechanism.setdefault(mechanism_id, []).append(text)
        revision = None
        for _, number, at, author, summary, kind in revisions.take(claim_id):
            revision = {
                "revision": number,
                "at": _at(at),
                "author": author,
                "summary": summary,
                "kind": kind,
            }
        yield {
            "id": claim_id,
            "statement": statement,
            "synthesis": synthesis,
            "mechanisms": [
                {"rank": rank, "summary": summary, "steps": by_mechanism.get(mid, [])}
                for rank, (_, mid, _, summary) in enumerate(mechanisms.take(claim_id))
            ],
            "studies": [
                {
                    "stance": row[1],
                    "note": row[2],
                    "record": dict(zip(RECORD_FIELDS, row[3:], strict=True)),
                }
                for row in evidence.take(claim_id)
            ],
            "gold_standard": [
                {"design": design, "description": description}
                for _, design, description in gold.take(claim_id)
            ],
            "revision": revision,
        }


def write_document(
    handle: IO[str], claims: Iterator[dict[str, Any]], *, exported_at: datetime
) -> int:
    """Write the document, one claim to a line (streamed); returns how many claims."""
    head = {"format": FORMAT, "version": VERSION, "exported_at": _at(exported_at)}
    handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "claims": [')
    count = 0
    for claim in claims:
        handle.write(("\n" if not count else ",\n") + json.dumps(claim, ensure_ascii=False))
        count += 1
    handle.write("\n]}\n" if count else "]}\n")
    return count


def is_document(data: bytes) -> bool:
    """Is this .json file meant as a claims document (a top-level object naming our format)?

    Checked on the first 4 KiB only: the exporter writes the format first. A document whose
    JSON is broken is still recognised here, so its error names its line.
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and f'"{FORMAT}"'.encode() in head


@dataclass(frozen=True)
class ClaimsDocument:
    """A claims document read: its cards (importer-ready) and the record fields cards lack."""

    cards: list[ParsedCard]
    # DOI -> the record's EXTRA_FIELDS as the file gives them.
    extras: dict[str, dict[str, Any]]


def _claim_starts(text: str) -> list[int]:
    """The line where each entry of the top-level ``claims`` array starts (1-based)."""
    decoder = json.JSONDecoder()
    starts: list[int] = []

    def skip(index: int) -> int:
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        return index

    counted = [0, 1]  # up to this offset, this line: counted on from the last claim

    def line(index: int) -> int:
        counted[1] += text.count("\n", counted[0], index)
        counted[0] = index
        return counted[1]

    index = skip(0)
    if text[index : index + 1] != "{":
        return starts
    index = skip(index + 1)
    while index < len(text) and text[index] != "}":
        key, index = decoder.raw_decode(text, index)
        index = skip(skip(index) + 1)  # the ":"
        if key == "claims" and text[index : index + 1] == "[":
            index = skip(index + 1)
            position = 0
            while index < len(text) and text[index] != "]":
                starts.append(line(index))
                _, index = decoder.raw_decode(text, index)
                index = skip(index)
                if text[index : index + 1] == ",":
                    index = skip(index + 1)
                position += 1
            index += 1
        else:
            _, index = decoder.raw_decode(text, index)
        index = skip(index)
        if text[index : index + 1] == ",":
            index = skip(index + 1)
    return starts


class _Bad(Exception):
    """One thing wrong in one claim entry (its line is added by the caller)."""


def _string(obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    if key not in obj:
        if required:
            raise _Bad(f"{where}has no {key!r}")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise _Bad(f"{where}{key!r} must be a string, not {json.dumps(value)[:40]}")
    if required and not value.strip():
        raise _Bad(f"{where}{key!r} is empty")
    return value


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise _Bad(f"{where}{key!r} must be a list")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"{where}must be an object, not {json.dumps(value)[:40]}")
    return value


def _record(raw: Any, where: str) -> dict[str, Any]:
    record = _object(raw, where)
    unknown = sorted(set(record) - set(RECORD_FIELDS))
    if unknown:
        raise _Bad(f"{where}unknown field {unknown[0]!r} (known: {', '.join(RECORD_FIELDS)})")
    out: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name == "doi":
            try:
                out["doi"] = normalize_doi(_string(record, "doi", where, required=True))
            except DOIError as exc:
                raise _Bad(f"{where}{exc}") from None
        elif name in _INTEGER_FIELDS:
            value = record.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise _Bad(f"{where}{name!r} must be a whole number or null")
            out[name] = value
        else:
            out[name] = _string(record, name, where)
    return out


def _claim(raw: Any) -> tuple[Card, dict[str, dict[str, Any]]]:
    claim = _object(raw, "")
    statement = _string(claim, "statement", "", required=True)
    synthesis = _string(claim, "synthesis", "")
    mechanisms = []
    for number, item in enumerate(_list(claim, "mechanisms", ""), 1):
        where = f"mechanism {number}: "
        mechanism = _object(item, where)
        rank = mechanism.get("rank", number - 1)
        if rank != number - 1:
            raise _Bad(f"{where}'rank' is {json.dumps(rank)}, expected {number - 1} (in order)")
        steps = _list(mechanism, "steps", where)
        for index, step in enumerate(steps, 1):
            if not isinstance(step, str) or not step.strip():
                raise _Bad(f"{where}step {index} must be a non-empty string")
        mechanisms.append(Mechanism(_string(mechanism, "summary", where), tuple(steps)))
    studies: list[StudyRef] = []
    extras: dict[str, dict[str, Any]] = {}
    for number, item in enumerate(_list(claim, "studies", ""), 1):
        where = f"study {number}: "
        link = _object(item, where)
        stance = _string(link, "stance", where, required=True)
        if stance not in {s.value for s in Stance}:
            raise _Bad(f"{where}'stance' must be 'supporting' or 'contradicting', not {stance!r}")
        record = _record(link.get("record"), f"{where}record: ")
        if any(st.doi == record["doi"] for st in studies):
            raise _Bad(f"{where}study {record['doi']} is cited twice")
        studies.append(
            StudyRef(
                doi=record["doi"],
                stance=Stance(stance),
                note=_string(link, "note", where),
                **{k: record[k] for k in STUDY_COLUMNS},
            )
        )
        extras[record["doi"]] = {k: record[k] for k in EXTRA_FIELDS}
    gold = []
    for number, item in enumerate(_list(claim, "gold_standard", ""), 1):
        where = f"gold-standard item {number}: "
        entry = _object(item, where)
        gold.append(
            GoldItem(
                _string(entry, "design", where, required=True),
                _string(entry, "description", where),
            )
        )
    card = Card(statement, synthesis, tuple(mechanisms), tuple(studies), tuple(gold))
    return card, extras


def read_document(data: bytes, source: str) -> ClaimsDocument:
    """The claims of a document, checked whole; CardParseError on the first thing wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CardParseError(source, line, "not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CardParseError(source, exc.lineno, f"not JSON: {exc.msg}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CardParseError(source, 1, f'not a claims document (no "format": {FORMAT!r})')
    version = document.get("version")
    if version != VERSION:
        raise CardParseError(
            source,
            1,
            f"claims document version {json.dumps(version)}: this curator reads version {VERSION}",
        )
    claims = document.get("claims")
    if not isinstance(claims, list):
        raise CardParseError(source, 1, "the document has no 'claims' list")
    starts: list[int] | None = None
    cards: list[ParsedCard] = []
    extras: dict[str, dict[str, Any]] = {}
    for number, raw in enumerate(claims, 1):
        try:
            card, found = _claim(raw)
        except _Bad as exc:
            if starts is None:
                starts = _claim_starts(text)
            line = starts[number - 1] if number <= len(starts) else 1
            raise CardParseError(source, line, f"claim {number}: {exc}") from None
        # Warnings about a study name the claim's first line (a document has no study lines).
        if starts is None and card.studies:
            starts = _claim_starts(text)
        line = starts[number - 1] if starts is not None and number <= len(starts) else 1
        cards.append(ParsedCard(card, study_lines=(line,) * len(card.studies)))
        for doi, fields in found.items():
            extras.setdefault(doi, fields)
        claims[number - 1] = None  # the parsed JSON of a claim is not needed once read
    return ClaimsDocument(cards, extras)


def apply_extras(session: Session, extras: dict[str, dict[str, Any]], *, overwrite: bool) -> None:
    """Give the studies the record fields cards do not carry: empty ones filled (all with
    ``overwrite``, ``import --replace``)."""
    if not extras or not EXTRA_FIELDS:
        return
    dois = list(extras)
    for start in range(0, len(dois), 500):
        rows = session.execute(
            sa_select(Study).where(col(Study.doi).in_(dois[start : start + 500]))
        ).scalars()
        for study in rows:
            for name, value in extras[study.doi].items():
                held = getattr(study, name)
                if value in (None, "") or held == value:
                    continue
                if overwrite or held in (None, ""):
                    setattr(study, name, value)
                    session.add(study)
    session.flush()
