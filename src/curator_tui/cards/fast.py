"""A fast reader for our own Markdown export, proved right card by card.

Importing 10,000 exported cards through a full CommonMark parser costs ~2 ms a card.
Our export has a fixed shape, so this reader takes it apart line by line, then checks
itself: it renders what it read and requires the very same lines back. Because render →
parse is the identity (tests/test_roundtrip.py), a card that passes the check is exactly
what the full parser would return. Anything else (hand-edited files, another tool's
Markdown, plain-text cards) returns None and goes through the full parser.
"""

from __future__ import annotations

import re

from curator_tui.cards import sections as s
from curator_tui.cards.citation import parse_citation
from curator_tui.cards.doi import DOIError, normalize_doi
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.render import render_markdown

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_STEP = re.compile(r"^\d+\. (.*)$")
_LIST_START = re.compile(r"\d+\. ")
_TITLE = r"(?:\*((?:\\.|[^\\*])*)\*\. )?"
_BULLET = re.compile(
    r"^- " + _TITLE + r"(.*?)\[DOI (?:\\.|[^\\\]])*\]\((https://doi\.org/[^)\s]*)\)$"
)
_GOLD = re.compile(r"^\*\*((?:\\.|[^\\*])*)\*\* — (.*)$")
# A citation is inert when it has no unescaped character that could start inline syntax.
_INERT = re.compile(r"(?:\\.|[^\\*_`<\[\]])*")
_MECHANISM_TITLES = {f"### {s.MOST_PROBABLE}": True, f"### {s.ALTERNATIVE}": False}


def _text(raw: str) -> str:
    return _UNESCAPE.sub(r"\1", raw)


class _NotOurs(Exception):
    """The text is not in the export's exact shape."""


def _bullet(line: str, stance: Stance) -> StudyRef:
    """A study bullet: its title, citation and DOI."""
    match = _BULLET.match(line)
    if not match or not _INERT.fullmatch(match.group(2)):
        raise _NotOurs
    try:
        doi = normalize_doi(match.group(3))
    except DOIError:
        raise _NotOurs from None
    fields = parse_citation(match.group(2))._asdict()
    return StudyRef(doi=doi, stance=stance, title=_text(match.group(1) or ""), **fields)


def _numbered(block: str) -> list[str]:
    items = []
    for line in block.split("\n"):
        match = _STEP.match(line)
        if not match:
            raise _NotOurs
        items.append(match.group(1))
    return items


def _gold(raw: str) -> GoldItem:
    match = _GOLD.match(raw)
    if match:
        return GoldItem(_text(match.group(1)), _text(match.group(2)))
    return GoldItem(_text(raw))


def _read(blocks: list[str]) -> Card:
    """The card the blocks of an export hold (raises _NotOurs when they are not one)."""
    take = iter(blocks)
    nxt = next(take, None)
    if nxt is None or not nxt.startswith("# ") or "\n" in nxt:
        raise _NotOurs
    statement = _text(nxt[2:])
    if next(take, None) != f"## {s.MECHANISM}":
        raise _NotOurs
    count = next(take, None)
    if count is None or not s.SYNTHESIS_RE.match(count.strip("*")):
        raise _NotOurs
    nxt = next(take, None)
    synthesis = ""
    if nxt is not None and not nxt.startswith("#"):
        synthesis, nxt = _text(nxt), next(take, None)
    mechanisms: list[Mechanism] = []
    while nxt in _MECHANISM_TITLES:
        if _MECHANISM_TITLES[nxt] != (not mechanisms):
            raise _NotOurs
        nxt = next(take, None)
        summary = ""
        if nxt is not None and not nxt.startswith("#") and not _LIST_START.match(nxt):
            summary, nxt = _text(nxt), next(take, None)
        steps: list[str] = []
        if nxt is not None and _LIST_START.match(nxt):
            steps, nxt = [_text(t) for t in _numbered(nxt)], next(take, None)
        mechanisms.append(Mechanism(summary, tuple(steps)))
    if nxt != f"## {s.EVIDENCE}":
        raise _NotOurs
    studies: list[StudyRef] = []
    for stance, title in (
        (Stance.SUPPORTING, s.SUPPORTING),
        (Stance.CONTRADICTING, s.CONTRADICTING),
    ):
        heading = next(take, None)
        if heading is None or not heading.startswith(f"### {title} ("):
            raise _NotOurs
        nxt = next(take, None)
        if nxt is not None and nxt.startswith("- "):
            studies.extend(_bullet(line, stance) for line in nxt.split("\n"))
            nxt = next(take, None)
        if nxt != f"*{s.CONTRIBUTIONS}*":
            raise _NotOurs
    if next(take, None) != f"## {s.GOLD}" or next(take, None) != s.GOLD_INTRO:
        raise _NotOurs
    gold: list[GoldItem] = []
    nxt = next(take, None)
    if nxt is not None:
        gold = [_gold(raw) for raw in _numbered(nxt)]
    if next(take, None) is not None:
        raise _NotOurs
    return Card(statement, synthesis, tuple(mechanisms), tuple(studies), tuple(gold))


def read_export(text: str) -> tuple[Card, str] | None:
    """The card and its rendering, if ``text`` is exactly one of our exports (else None)."""
    body = text.strip("\n")
    try:
        card = _read(body.split("\n\n"))
    except _NotOurs:
        return None
    rendered = render_markdown(card)
    return (card, rendered) if rendered == body + "\n" else None


def parse_export(text: str) -> Card | None:
    """The card, if ``text`` is exactly one of our exports (else None: use the full parser)."""
    found = read_export(text)
    return found[0] if found else None
