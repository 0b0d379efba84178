"""Turning a card file into blocks: one per paragraph, heading or list item, with its line.

The two formats (the published plain text and our Markdown export) become the same
block stream, so a single grammar (``parse.py``) reads both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from curator_tui.cards.text import clean

Kind = Literal["line", "h1", "h2", "h3", "p", "em", "ol", "ul", "other"]

# A paragraph longer than this is not a card paragraph: it is a broken or hostile file.
MAX_LINE = 20_000


class BlockError(ValueError):
    """A file that cannot be read as blocks: message and 1-based line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Block:
    """One paragraph of a card. ``kind`` is ``line`` for plain text, else the Markdown shape."""

    line: int
    kind: Kind
    text: str
    # Markdown list items only: the emphasised (bullet) or bold (ordered) lead span,
    # the text after it, and the first link target.
    lead: str | None = None
    rest: str = ""
    link: str | None = None
    # Bullets that end in their link: the Markdown source between the lead span and the
    # link, escapes kept (a study's citation, read by cards/citation.py).
    cite: str | None = None


def _check_length(line: int, text: str) -> None:
    if len(text) > MAX_LINE:
        raise BlockError(
            line, f"paragraph is too long ({len(text):,} characters; at most {MAX_LINE:,})"
        )


def plain_blocks(text: str) -> list[Block]:
    """Every non-blank line of a plain-text card, cleaned."""
    blocks = []
    for number, raw in enumerate(text.split("\n"), 1):
        _check_length(number, raw)
        line = clean(raw)
        if line:
            blocks.append(Block(number, "line", line))
    return blocks


# Without text_join, an escape stays a token of its own: in a citation "\." is text,
# "." is structure.
_md = MarkdownIt("commonmark").disable("text_join")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return clean("".join(parts))


def _lead_span(children: list[Token], open_type: str) -> tuple[str | None, str, str | None]:
    """The leading emphasis span's text, the text after it, and the first link's target."""
    link = next((str(c.attrs.get("href", "")) for c in children if c.type == "link_open"), None)
    # markdown-it may open the inline run with an empty text token.
    while children and children[0].type == "text" and not children[0].content:
        children = children[1:]
    if not children or children[0].type != open_type:
        return None, _inline_text(children), link
    close = open_type.replace("_open", "_close")
    depth, end = 0, len(children)
    for index, child in enumerate(children):
        if child.type == open_type:
            depth += 1
        elif child.type == close:
            depth -= 1
            if depth == 0:
                end = index
                break
    return _inline_text(children[1:end]), _inline_text(children[end + 1 :]), link


def _source(children: list[Token]) -> str | None:
    """The Markdown source of plain inline text (escapes kept); None if it holds other syntax."""
    parts = []
    for child in children:
        if child.type == "text":
            parts.append(child.content.replace("\\", "\\\\"))
        elif child.type in ("text_special", "code_inline", "html_inline"):
            # Escaped, entity-coded or code text: never structure.
            parts.append("".join(f"\\{c}" if c in _PUNCTUATION else c for c in child.content))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        else:
            return None
    return clean("".join(parts))


def _citation_source(children: list[Token]) -> str | None:
    """What a bullet holds between its lead emphasis and its closing link, as source."""
    children = [c for c in children if not (c.type == "text" and not c.content)]
    start = 0
    if children and children[0].type == "em_open":
        start = next((i for i, c in enumerate(children) if c.type == "em_close"), len(children))
        start += 1
    opens = [i for i, c in enumerate(children) if c.type == "link_open"]
    if len(opens) != 1 or children[-1].type != "link_close" or opens[0] < start:
        return None
    return _source(children[start : opens[0]])


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown card; anything a card cannot contain is a BlockError."""
    for number, raw in enumerate(text.split("\n"), 1):
        _check_length(number, raw)
    tokens = _md.parse(text)
    blocks: list[Block] = []
    lists: list[str] = []
    pending: Kind | None = None
    line = 1
    for token in tokens:
        if token.map:
            line = token.map[0] + 1
        if token.type in ("bullet_list_open", "ordered_list_open"):
            if lists:
                raise BlockError(line, "nested lists are not part of a card")
            lists.append("ol" if token.type == "ordered_list_open" else "ul")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "heading_open":
            pending = token.tag if token.tag in ("h1", "h2", "h3") else "other"  # type: ignore[assignment]
        elif token.type == "paragraph_open":
            pending = lists[-1] if lists else "p"  # type: ignore[assignment]
        elif token.type == "inline":
            children = token.children or []
            kind: Kind = pending or "p"
            body = _inline_text(children)
            if kind == "p" and len(children) >= 3 and children[0].type == "em_open":
                lead, rest, _ = _lead_span(children, "em_open")
                if lead is not None and not rest:
                    kind = "em"
            if kind == "ul":
                lead, rest, link = _lead_span(children, "em_open")
                cite = _citation_source(children)
                blocks.append(Block(line, kind, body, lead, rest, link, cite))
            elif kind == "ol":
                lead, rest, link = _lead_span(children, "strong_open")
                blocks.append(Block(line, kind, body, lead, rest, link))
            else:
                blocks.append(Block(line, kind, body))
            pending = None
        elif token.type in ("fence", "code_block", "html_block", "hr", "blockquote_open"):
            shape = {
                "fence": "a code block",
                "code_block": "an indented code block",
                "html_block": "an HTML block",
                "hr": "a horizontal rule",
                "blockquote_open": "a block quote",
            }[token.type]
            # Kept as a block so the grammar reports the first problem in file order.
            blocks.append(Block(line, "other", f"({shape}, which is not part of a card)"))
    return blocks
