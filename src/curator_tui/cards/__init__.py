"""The claim card format: plain data, parsing and rendering. No database, no UI."""

from __future__ import annotations

from curator_tui.cards.doi import DOIError, find_dois, normalize_doi
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.parse import CardParseError, ParsedCard, parse_card
from curator_tui.cards.render import render_markdown, render_plain

__all__ = [
    "Card",
    "CardParseError",
    "DOIError",
    "GoldItem",
    "Mechanism",
    "ParsedCard",
    "Stance",
    "StudyRef",
    "find_dois",
    "normalize_doi",
    "parse_card",
    "render_markdown",
    "render_plain",
]
