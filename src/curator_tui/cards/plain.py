"""A fast reader for the published plain text, for cards in its exact shape.

The full reader (parse.py) turns every line into a block and walks them with a cursor
and the grammar's helpers: ~0.35 ms a card, most of an import of thousands of
plain-text cards. This reader walks the lines once, with the very same rules, and gives
up (None) on anything out of the ordinary: a line that cleaning would change beyond its
outer spaces (control characters, tabs, runs of spaces), a card too long to hold only
short lines, anything the full reader reports as an error, and a card whose counts need
its studies inferred from the DOIs it cites. Those go through the full reader, which
says what is wrong or what it inferred. tests/test_plain_reader.py checks that both
readers give the same card, warnings and lines for every card this one reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from curator_tui.cards import sections as s
from curator_tui.cards.blocks import MAX_LINE
from curator_tui.cards.doi import DOIError, find_dois, normalize_doi
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef

TITLES = frozenset(
    {s.MECHANISM, s.MOST_PROBABLE, s.ALTERNATIVE, s.EVIDENCE, s.CONTRIBUTIONS, s.GOLD}
)
_MECHANISM_TITLES = (s.MOST_PROBABLE, s.ALTERNATIVE)


def is_title(text: str) -> bool:
    """Is this line of a plain-text card a section title (or a count line)?"""
    # Both count patterns start with "S" or "C": most lines are ruled out without a regex.
    return text in TITLES or (
        text[:1] in ("S", "C") and bool(s.COUNT_RE.match(text) or s.SYNTHESIS_RE.match(text))
    )


def plain_study_title(text: str, first_doi: str) -> str:
    """The title of a plain study line "Title. Citation. DOI 10.x/y" (``first_doi`` found in it)."""
    # Keep the part before the DOI, then its first sentence.
    head = text.split(first_doi, 1)[0] if first_doi in text else text
    title = head.rstrip(" .:;,").removesuffix("DOI").removesuffix("doi").rstrip(" .:;,(")
    return title.split(". ", 1)[0] if ". " in title else title


@dataclass(frozen=True)
class PlainRead:
    """A card read by the fast reader, with the lines its warnings and studies refer to."""

    card: Card
    statement_line: int
    synthesis_line: int
    study_lines: tuple[int, ...]


class _Declined(Exception):
    """Not for this reader: the full reader takes the card."""


def _lines(text: str, line_offset: int) -> tuple[list[str], Sequence[int]]:
    """The non-blank lines, cleaned, and their numbers (raises _Declined)."""
    raw = text.split("\n")
    if len(text) > MAX_LINE and max(map(len, raw)) > MAX_LINE:
        raise _Declined
    # Printable text without a double space is what cards/text.py clean() leaves alone
    # but for its outer spaces: each line is then cleaned by strip(" ").
    if "  " in text or not "".join(raw).isprintable():
        raise _Declined
    texts = [line.strip(" ") for line in raw]
    if "" not in texts:
        return texts, range(1 + line_offset, len(texts) + 1 + line_offset)
    numbers = [number for number, line in enumerate(texts, 1 + line_offset) if line]
    return [line for line in texts if line], numbers


def _studies(
    listed: list[str], numbers: Sequence[int], stance: Stance, into: dict[str, tuple[StudyRef, int]]
) -> None:
    for text, number in zip(listed, numbers, strict=True):
        dois = find_dois(text)
        if not dois:
            raise _Declined
        try:
            doi = normalize_doi(dois[0])
        except DOIError:
            raise _Declined from None
        if doi in into:
            raise _Declined
        into[doi] = (
            StudyRef(doi=doi, stance=stance, title=plain_study_title(text, dois[0])),
            number,
        )


def _read(texts: list[str], numbers: Sequence[int]) -> PlainRead:
    end = len(texts)
    if end < 3 or is_title(texts[0]) or texts[1] != s.MECHANISM:
        raise _Declined
    count = s.SYNTHESIS_RE.match(texts[2])
    if not count:
        raise _Declined
    at = 3
    synthesis, synthesis_line = "", numbers[0]
    if at < end and not is_title(texts[at]):
        synthesis, synthesis_line = texts[at], numbers[at]
        at += 1

    def until_title(start: int) -> int:
        while start < end and not is_title(texts[start]):
            start += 1
        return start

    mechanisms: list[Mechanism] = []
    while at < end and texts[at] in _MECHANISM_TITLES:
        if (texts[at] == s.MOST_PROBABLE) == bool(mechanisms):
            raise _Declined  # a second most probable, or an alternative first
        at += 1
        summary = ""
        if at < end and not is_title(texts[at]):
            summary = texts[at]
            at += 1
        stop = until_title(at)
        mechanisms.append(Mechanism(summary, tuple(texts[at:stop])))
        at = stop
    if at >= end or texts[at] != s.EVIDENCE:
        raise _Declined
    at += 1
    studies: dict[str, tuple[StudyRef, int]] = {}
    counted = 0
    for stance, title in (
        (Stance.SUPPORTING, s.SUPPORTING),
        (Stance.CONTRADICTING, s.CONTRADICTING),
    ):
        match = s.COUNT_RE.match(texts[at]) if at < end else None
        if not match or match.group(1) != title:
            raise _Declined
        stop = until_title(at + 1)
        # As many studies as the count says: fewer need inferring, more are an error.
        if stop - at - 1 != int(match.group(2)):
            raise _Declined
        _studies(texts[at + 1 : stop], numbers[at + 1 : stop], stance, studies)
        counted += int(match.group(2))
        at = stop + 1 if stop < end and texts[stop] == s.CONTRIBUTIONS else stop
    if int(count.group(1)) != counted or at >= end or texts[at] != s.GOLD:
        raise _Declined
    at += 1
    if at < end and texts[at] == s.GOLD_INTRO:
        at += 1
    if until_title(at) != end:
        raise _Declined  # text after the gold-standard list
    card = Card(
        statement=texts[0],
        synthesis=synthesis,
        mechanisms=tuple(mechanisms),
        studies=tuple(study for study, _ in studies.values()),
        gold=tuple(GoldItem(text) for text in texts[at:end]),
    )
    return PlainRead(card, numbers[0], synthesis_line, tuple(n for _, n in studies.values()))


def read_plain(text: str, line_offset: int = 0) -> PlainRead | None:
    """The card, if ``text`` (LF line ends) is a plain-text card in the published shape.

    None for anything else (the full reader in parse.py takes it): what it returns is
    exactly what the full reader gives.
    """
    try:
        return _read(*_lines(text, line_offset))
    except _Declined:
        return None
