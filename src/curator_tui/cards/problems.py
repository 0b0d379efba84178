"""The curation check of one claim card: a pure function from the card to its problems.

``check_card`` looks at one card alone (citations, steps, summaries, cut-off text, gold
standard, study records, retracted supporting studies). What needs the whole library (the
same statement on two claims) is services/curation_check.py's, which uses the statement
fingerprints defined here: ``statement_key`` for identical statements and
``band_keys`` (MinHash by one-permutation hashing, cut into LSH bands) for near-identical
ones. ``safe_fixes`` lists the changes that never alter meaning (whitespace, DOIs written
in their normalised form). No database, no UI.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from curator_tui.cards.doi import DOIError, find_dois, normalize_doi
from curator_tui.cards.model import Card, Stance
from curator_tui.cards.text import clean, is_truncated


class Severity(StrEnum):
    """An error fails ``curator check``; a warning only under ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


# Every code, its severity and what it means (the README's table says the same).
CODES: dict[str, tuple[Severity, str]] = {
    "uncited-doi": (
        Severity.ERROR,
        "a DOI cited in the synthesis, a mechanism's summary or a step is not linked as a study",
    ),
    "study-not-cited": (
        Severity.WARNING,
        "a linked study is cited nowhere in the statement, synthesis, summaries or steps",
    ),
    "step-without-citation": (Severity.WARNING, "a step cites no DOI"),
    "mechanism-without-steps": (Severity.ERROR, "a mechanism has no steps"),
    "empty-summary": (Severity.ERROR, "a mechanism's summary is empty"),
    "cut-off": (Severity.WARNING, 'the statement or the synthesis ends with "..." (cut off)'),
    "no-gold-standard": (Severity.WARNING, "the claim has no gold-standard design"),
    "study-incomplete": (Severity.WARNING, "a linked study has no title, authors or year"),
    "retracted-supporting-study": (
        Severity.ERROR,
        "a study cited as supporting has been retracted",
    ),
    "duplicate-statement": (
        Severity.ERROR,
        "another claim has the same statement (case, spaces and punctuation aside)",
    ),
    "near-duplicate-statement": (
        Severity.WARNING,
        "another claim's statement is nearly the same (shingle similarity at least 0.8)",
    ),
    "untidy-text": (
        Severity.WARNING,
        "a text has spaces to remove or a DOI not in its normalised form (--fix tidies it)",
    ),
}


@dataclass(frozen=True)
class Target:
    """Where in the claim a problem is, for the app to jump to.

    ``part``: statement, synthesis, mechanism, step, study or gold. ``mechanism``: the
    mechanism's rank (0 is the most probable); ``index``: the step's index in it, or the
    study's index in the card's studies.
    """

    part: str
    mechanism: int | None = None
    index: int | None = None


@dataclass(frozen=True)
class Problem:
    """One problem of one claim."""

    claim: int
    code: str
    where: str
    message: str
    target: Target

    @property
    def severity(self) -> Severity:
        """The code's severity."""
        return CODES[self.code][0]

    def line(self) -> str:
        """The one line ``curator check`` prints."""
        return f"{self.severity}: {self.code}: claim {self.claim}: {self.where}: {self.message}"

    def as_json(self) -> dict[str, object]:
        """The object ``curator check --json`` prints (docs/CHECK.md)."""
        target: dict[str, object] = {"part": self.target.part}
        if self.target.mechanism is not None:
            target["mechanism"] = self.target.mechanism
        if self.target.index is not None:
            target["index"] = self.target.index
        return {
            "claim": self.claim,
            "severity": str(self.severity),
            "code": self.code,
            "where": self.where,
            "message": self.message,
            "target": target,
        }


def mechanism_name(rank: int) -> str:
    """How a mechanism is named: the most probable one, or an alternative by its rank."""
    return "the most probable mechanism" if rank == 0 else f"alternative mechanism {rank}"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# The one nature of a retraction notice that withdraws the study, folded.
RETRACTION = "retraction"


def is_retraction(nature: str) -> bool:
    """Whether a retraction notice's nature withdraws the study."""
    # Retraction Watch's natures: only a retraction does (a correction or an expression of
    # concern does not).
    return nature.strip().casefold() == RETRACTION


def _texts(card: Card) -> Iterator[tuple[str, Target, str]]:
    """Every text of the card that may cite a DOI: (where, target, text)."""
    yield "statement", Target("statement"), card.statement
    yield "synthesis", Target("synthesis"), card.synthesis
    for rank, mechanism in enumerate(card.mechanisms):
        name = mechanism_name(rank)
        yield f"summary of {name}", Target("mechanism", rank), mechanism.summary
        for number, step in enumerate(mechanism.steps):
            yield f"step {number + 1} of {name}", Target("step", rank, number), step


def check_card(
    claim_id: int, card: Card, retracted: Mapping[str, str] | None = None
) -> list[Problem]:
    """The problems of one card on its own. ``retracted``: DOI -> retraction nature."""
    problems: list[Problem] = []

    def add(code: str, where: str, message: str, target: Target) -> None:
        problems.append(Problem(claim_id, code, where, message, target))

    linked = {study.doi for study in card.studies}
    cited: set[str] = set()
    for where, target, text in _texts(card):
        dois = find_dois(text)
        cited.update(dois)
        if target.part != "statement":
            for doi in dois:
                if doi not in linked:
                    add(
                        "uncited-doi", where, f"cites {doi}, which is not linked as a study", target
                    )
        if target.part == "step" and not dois:
            add("step-without-citation", where, f"cites no study: {_short(text)!r}", target)
        if _untidy(text):
            add("untidy-text", where, "has spaces to remove or a DOI to normalise", target)
    if is_truncated(card.statement):
        add("cut-off", "statement", 'ends with "...": it was cut off', Target("statement"))
    if is_truncated(card.synthesis):
        add("cut-off", "synthesis", 'ends with "...": it was cut off', Target("synthesis"))
    for rank, mechanism in enumerate(card.mechanisms):
        name = mechanism_name(rank)
        if not mechanism.steps:
            add("mechanism-without-steps", name, "has no steps", Target("mechanism", rank))
        if not mechanism.summary.strip():
            add("empty-summary", f"summary of {name}", "is empty", Target("mechanism", rank))
    if not card.gold:
        add("no-gold-standard", "gold standard", "lists no study design", Target("gold"))
    for index, study in enumerate(card.studies):
        where = f"{study.stance} study {study.doi}"
        target = Target("study", index=index)
        if study.doi not in cited:
            add("study-not-cited", where, "is linked but cited nowhere in the text", target)
        missing = [
            name
            for name, value in (
                ("title", study.title),
                ("authors", study.authors),
                ("year", study.year),
            )
            if value in (None, "") or (isinstance(value, str) and not value.strip())
        ]
        if missing:
            add("study-incomplete", where, f"has no {', '.join(missing)}", target)
    # Last: the one check that reads more than the card (a library check caches the rest).
    for index, study in enumerate(card.studies):
        if study.stance is Stance.SUPPORTING and is_retraction(
            (retracted or {}).get(study.doi, "")
        ):
            problems.append(retracted_problem(claim_id, study.doi, index))
    return problems


def retracted_problem(claim_id: int, doi: str, index: int) -> Problem:
    """The problem of a retracted study cited as supporting (``index``: among the studies)."""
    return Problem(
        claim_id,
        "retracted-supporting-study",
        f"{Stance.SUPPORTING} study {doi}",
        "has been retracted",
        Target("study", index=index),
    )


# --- safe fixes ---------------------------------------------------------------------------

_RESOLVER_DOI = re.compile(
    r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)(10\.\d{4,}(?:\.\d+)*/[^\s\"<>]+)", re.IGNORECASE
)
_BARE_DOI = re.compile(r"10\.\d{4,}(?:\.\d+)*/[^\s\"<>]+")


def _normalise_doi_match(match: re.Match[str]) -> str:
    raw = match.group(1) if match.re is _RESOLVER_DOI else match.group(0)
    try:
        doi = normalize_doi(raw)
    except DOIError:
        return match.group(0)
    # The punctuation normalize_doi trimmed (a sentence's full stop) stays after it.
    tail = raw[len(doi) :] if raw.lower().startswith(doi) else ""
    return doi + tail


def tidy(text: str) -> str:
    """The text with single spaces, stripped, and every cited DOI in its normalised form."""
    text = clean(text)
    text = _RESOLVER_DOI.sub(_normalise_doi_match, text)
    return _BARE_DOI.sub(_normalise_doi_match, text)


def _untidy(text: str) -> bool:
    if not text:
        return False
    if text != text.strip() or "  " in text:
        return True
    # Else a control character, a space other than " " or a DOI can be untidy: each
    # confirmed by tidying (costly) only when it may be there.
    if not text.isprintable():
        return tidy(text) != text
    if "10." not in text:
        return False
    lower = text.lower()
    if "doi.org" in lower or "doi:" in lower or "%" in text:
        return tidy(text) != text
    if any(m.group(0) != m.group(0).lower() for m in _BARE_DOI.finditer(text)):
        return tidy(text) != text
    return False


@dataclass(frozen=True)
class Fix:
    """A safe change: the part (``target``) and its text before and after."""

    target: Target
    where: str
    before: str
    after: str


def safe_fixes(card: Card) -> list[Fix]:
    """The texts of the card that ``tidy`` changes, with their tidy form."""
    return [
        Fix(target, where, text, tidy(text))
        for where, target, text in _texts(card)
        if _untidy(text) and tidy(text)
    ]


# --- statement fingerprints ---------------------------------------------------------------

SHINGLE = 5  # characters per shingle of the normalised statement
BINS = 64  # MinHash values per statement (one-permutation hashing: one hash per shingle)
ROWS = 8  # values per LSH band: BINS // ROWS bands
NEAR = 0.8  # shingle (Jaccard) similarity from which two statements are near-identical
_EMPTY_BIN = 0xFFFFFFFF
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_statement(statement: str) -> str:
    """The statement without case, punctuation or extra spaces: what makes two identical."""
    folded = unicodedata.normalize("NFKC", statement).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def shingles(normalised: str) -> set[str]:
    """The normalised statement's character shingles (the whole of a shorter one)."""
    if len(normalised) <= SHINGLE:
        return {normalised} if normalised else set()
    return {normalised[i : i + SHINGLE] for i in range(len(normalised) - SHINGLE + 1)}


def _hashed_shingles(normalised: str) -> set[int]:
    # Stable across processes (the keys are stored), unlike hash().
    data = normalised.encode()
    if len(data) <= SHINGLE:
        return {zlib.crc32(data)} if data else set()
    return {zlib.crc32(data[i : i + SHINGLE]) for i in range(len(data) - SHINGLE + 1)}


def similarity(first: set[str], second: set[str]) -> float:
    """The Jaccard similarity of two shingle sets."""
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def _key(kind: bytes, data: bytes) -> int:
    # A signed 64-bit integer: a BIGINT on both backends.
    return int.from_bytes(hashlib.blake2b(kind + data, digest_size=8).digest(), "big", signed=True)


def statement_key(normalised: str) -> int:
    """The key shared by identical normalised statements (and, rarely, by a collision)."""
    return _key(b"=", normalised.encode())


def band_keys(normalised: str) -> list[int]:
    """The LSH band keys of a normalised statement: near-identical ones likely share one.

    One-permutation MinHash: each shingle's hash (crc32) falls in one of ``BINS`` bins, and
    each bin keeps its smallest; bands of ``ROWS`` bins are hashed with their number. Two
    statements share a band with probability 1 - (1 - s^8)^8 at similarity s: 0.77 at
    0.8, 0.96 at 0.87, 0.99 at 0.9; 0.0005 at 0.3, where unrelated statements stay.
    """
    hashed = _hashed_shingles(normalised)
    if not hashed:
        return []
    bins = [_EMPTY_BIN] * BINS
    # crc32 spreads its low bits well: they choose the bin, the whole value competes in it.
    for value in sorted(hashed):
        slot = value & (BINS - 1)
        if bins[slot] == _EMPTY_BIN:
            bins[slot] = value
    keys = []
    for band in range(BINS // ROWS):
        part = bins[band * ROWS : (band + 1) * ROWS]
        if all(v == _EMPTY_BIN for v in part):
            continue  # a short statement: no evidence either way in this band
        data = b"".join(v.to_bytes(4, "big") for v in part)
        keys.append(_key(bytes([band]), data))
    return keys


def fingerprint(statement: str) -> list[int]:
    """Every index key of a statement: its statement key, then its band keys."""
    normalised = normalise_statement(statement)
    return [statement_key(normalised), *band_keys(normalised)]


# --- stored results -------------------------------------------------------------------------


def encode_problems(problems: list[Problem]) -> str:
    """A claim's problems as compact JSON (its claim id left out), for the check's cache."""
    return json.dumps(
        [
            [p.code, p.where, p.message, p.target.part, p.target.mechanism, p.target.index]
            for p in problems
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_problems(claim_id: int, text: str) -> list[Problem]:
    """The problems ``encode_problems`` stored, as claim ``claim_id``'s."""
    return [
        Problem(claim_id, code, where, message, Target(part, mechanism, index))
        for code, where, message, part, mechanism, index in json.loads(text)
    ]


def decode_many(stored: Iterable[tuple[int, str]]) -> dict[int, list[Problem]]:
    """``decode_problems`` of many claims at once: claim id -> its problems.

    One JSON parse for them all (a parse per claim was most of reading 100,000), and one
    ``Target`` per distinct place.
    """
    pairs = list(stored)
    if not pairs:
        return {}
    decoded = json.loads("[" + ",".join(text for _, text in pairs) + "]")
    targets: dict[tuple[str, int | None, int | None], Target] = {}
    found: dict[int, list[Problem]] = {}
    for (claim_id, _), items in zip(pairs, decoded, strict=True):
        problems = found[claim_id] = []
        for code, where, message, part, mechanism, index in items:
            target = targets.get((part, mechanism, index))
            if target is None:
                target = targets[(part, mechanism, index)] = Target(part, mechanism, index)
            problems.append(Problem(claim_id, code, where, message, target))
    return found
