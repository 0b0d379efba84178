"""Rendering a card: the Markdown export and the plain-text card. Pure functions."""

from __future__ import annotations

from curator_tui.cards import sections as s
from curator_tui.cards.citation import Citation, citation_markdown, citation_plain, natural_citation
from curator_tui.cards.doi import doi_url
from curator_tui.cards.escape import escape_inline
from curator_tui.cards.escape import escape_markdown as esc
from curator_tui.cards.model import Card, GoldItem, Stance, StudyRef


def study_citation(study: StudyRef) -> str:
    """The plain bibliographic line after a study's title: authors (year). journal vol(issue): pages."""
    return natural_citation(Citation.of(study))


def _study_bullet(study: StudyRef) -> str:
    # The title is the one emphasised span: literal "*" in curators' text is escaped,
    # so the parser can find where the title ends without guessing. The citation is
    # written so that it reads back as the same record (cards/citation.py).
    # Stripped of its syntax, the bullet reads exactly as the plain-text study line.
    parts = []
    if study.title:
        parts.append(f"*{escape_inline(study.title)}*.")
    # Without a title the citation starts the list item: "1. " there would nest a list.
    citation = citation_markdown(study, line_start=not parts)
    if citation:
        parts.append(citation + ".")
    parts.append(f"[DOI {escape_inline(study.doi)}]({doi_url(study.doi)})")
    return "- " + " ".join(parts)


def _gold_line(item: GoldItem) -> str:
    # The design is bold when a description follows, for the same reason as the title.
    if item.description:
        return f"**{escape_inline(item.design)}** — {escape_inline(item.description)}"
    return esc(item.design)


def render_markdown(card: Card) -> str:
    """The card as a Markdown document: UTF-8 text, LF line ends, one trailing newline."""
    blocks: list[str] = [f"# {esc(card.statement)}", f"## {s.MECHANISM}"]
    blocks.append(f"*{s.synthesis_line(card.study_count)}*")
    if card.synthesis:
        blocks.append(esc(card.synthesis))
    for rank, mechanism in enumerate(card.mechanisms):
        blocks.append(f"### {s.MOST_PROBABLE if rank == 0 else s.ALTERNATIVE}")
        if mechanism.summary:
            blocks.append(esc(mechanism.summary))
        if mechanism.steps:
            blocks.append("\n".join(f"{n}. {esc(t)}" for n, t in enumerate(mechanism.steps, 1)))
    blocks.append(f"## {s.EVIDENCE}")
    for stance, title in (
        (Stance.SUPPORTING, s.SUPPORTING),
        (Stance.CONTRADICTING, s.CONTRADICTING),
    ):
        studies = card.studies_with(stance)
        blocks.append(f"### {title} ({len(studies)})")
        if studies:
            blocks.append("\n".join(_study_bullet(st) for st in studies))
        blocks.append(f"*{s.CONTRIBUTIONS}*")
    blocks.append(f"## {s.GOLD}")
    blocks.append(s.GOLD_INTRO)
    if card.gold:
        blocks.append("\n".join(f"{n}. {_gold_line(g)}" for n, g in enumerate(card.gold, 1)))
    return "\n\n".join(blocks) + "\n"


def _plain_study(study: StudyRef) -> str:
    citation = citation_plain(study, line_start=not study.title)
    parts = [f"{p}." for p in (study.title, citation) if p]
    return " ".join([*parts, f"DOI {study.doi}"])


def render_plain(card: Card) -> str:
    """The card as the published plain text: one line per paragraph, no trailing newline."""
    lines = [card.statement, s.MECHANISM, s.synthesis_line(card.study_count)]
    if card.synthesis:
        lines.append(card.synthesis)
    for rank, mechanism in enumerate(card.mechanisms):
        lines.append(s.MOST_PROBABLE if rank == 0 else s.ALTERNATIVE)
        if mechanism.summary:
            lines.append(mechanism.summary)
        lines.extend(mechanism.steps)
    lines.append(s.EVIDENCE)
    for stance, title in (
        (Stance.SUPPORTING, s.SUPPORTING),
        (Stance.CONTRADICTING, s.CONTRADICTING),
    ):
        studies = card.studies_with(stance)
        lines.append(f"{title} ({len(studies)})")
        lines.extend(_plain_study(st) for st in studies)
        lines.append(s.CONTRIBUTIONS)
    lines.extend([s.GOLD, s.GOLD_INTRO])
    lines.extend(f"{g.design} — {g.description}" if g.description else g.design for g in card.gold)
    return "\n".join(lines)
