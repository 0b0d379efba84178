"""The fast reader of our own exports agrees with the full CommonMark parser, always."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from hypothesis import given

from curator_tui.cards.fast import parse_export
from curator_tui.cards.model import Card, StudyRef
from curator_tui.cards.parse import parse_card
from curator_tui.cards.render import render_markdown

sys.path.insert(0, str(Path(__file__).parent))
from test_roundtrip import SETTINGS, cards, stored_cards


def shown_only(card: Card) -> Card:
    """What an export shows of a study: all but its design, sample size and note."""
    studies = tuple(replace(s, design="", sample_size=None, note="") for s in card.studies)
    return replace(card, studies=studies)


def titles_only(card: Card) -> Card:
    """What any Markdown reader gets back of a study: its DOI, stance and title."""
    studies = tuple(StudyRef(doi=s.doi, stance=s.stance, title=s.title) for s in card.studies)
    return Card(card.statement, card.synthesis, card.mechanisms, studies, card.gold)


@SETTINGS
@given(cards())
def test_fast_reader_reads_every_export(card: Card) -> None:
    text = render_markdown(card)
    fast = parse_export(text)
    assert fast is not None
    assert fast == parse_card(text, fast=False).card == titles_only(card)


@SETTINGS
@given(stored_cards())
def test_fast_reader_with_full_citations(card: Card) -> None:
    text = render_markdown(card)
    fast = parse_export(text)
    full = parse_card(text, fast=False).card
    # Every field the export shows comes back, by both readers; studies come in stance
    # order in an export.
    assert fast == full
    assert full.studies == tuple(
        sorted(shown_only(card).studies, key=lambda s: s.stance.value != "supporting")
    )


@SETTINGS
@given(cards())
def test_fast_reader_declines_what_is_not_an_export(card: Card) -> None:
    text = render_markdown(card)
    for changed in (
        text.replace("## Mechanism", "## Mechanisms"),
        text.replace("\n\n", "\n\n\n", 3).replace("### Supporting", "#### Supporting"),
        text.replace("*Community contributions welcome*", "Community contributions welcome"),
    ):
        if changed != text:
            assert parse_export(changed) is None


def test_warnings_and_lines_are_the_full_parsers(tmp_path: Path) -> None:
    seed = (Path(__file__).parents[1] / "data" / "card-rir-vs-failure.txt").read_bytes()
    text = "\n\n" + render_markdown(parse_card(seed).card)
    assert (
        parse_card(text, "x.md", 10).warnings == parse_card(text, "x.md", 10, fast=False).warnings
    )
