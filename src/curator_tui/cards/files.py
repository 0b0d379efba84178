"""Reading card files for an import: bytes to parsed cards, each with its Markdown and words.

This is the part of an import that can fail before the library is touched, and for
thousands of files it runs in a read-ahead process (curator_tui/readahead.py). That process
imports only this module and the rest of cards/: one that imported the services (and
with them SQLAlchemy and the tables) would take ~0.7 s of CPU longer to start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from curator_tui.cards.parse import (
    CardParseError,
    ParsedCard,
    decode_card_file,
    parse_card,
    split_cards,
)
from curator_tui.cards.render import render_markdown
from curator_tui.cards.words import claim_words
from curator_tui.delta import pack_full


@dataclass
class Unreadable:
    """A file that cannot be imported: its path and the one line saying why."""

    path: str
    message: str


@dataclass
class CardFile:
    """A card file read and parsed."""

    # A string, not a Path: this crosses from the read-ahead process, and rebuilding a
    # Path on the other side costs as much as parsing the card (it is only ever shown).
    path: str
    cards: list[ParsedCard]


@dataclass
class OtherFile:
    """A file of another kind (a suffix the caller named), read but not parsed."""

    path: Path
    data: bytes


def worked_out(parsed: list[ParsedCard]) -> list[ParsedCard]:
    """The cards, each with its Markdown, words and packed first revision (what storing
    it needs)."""
    done = []
    for card in parsed:
        rendered = card.rendered or render_markdown(card.card)
        done.append(
            replace(
                card,
                rendered=rendered,
                words=claim_words(card.card),
                packed=pack_full(rendered),
            )
        )
    return done


def read_card_file(
    path: Path | str, others: tuple[str, ...] = ()
) -> Unreadable | CardFile | OtherFile:
    """Read and parse one file (a str is a path that was not found).

    A file whose suffix is one of ``others`` is only read.
    """
    if isinstance(path, str):
        return Unreadable(path, f"{path}: no such file or directory")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Unreadable(str(path), f"{path}: cannot read: {exc.strerror}")
    if path.suffix.lower() in others:
        return OtherFile(path, data)
    source = str(path)
    try:
        text = decode_card_file(data, source)
        cards = [parse_card(chunk, source, offset) for offset, chunk in split_cards(text)]
    except CardParseError as exc:
        return Unreadable(source, str(exc))
    return CardFile(source, worked_out(cards))


def read_card_files(
    paths: Sequence[Path | str], others: tuple[str, ...] = ()
) -> list[Unreadable | CardFile | OtherFile]:
    """``read_card_file`` for a chunk of files (module level: a worker process calls it)."""
    return [read_card_file(path, others) for path in paths]
