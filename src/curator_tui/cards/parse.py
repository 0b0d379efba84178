"""Reading a card file (published plain text or our Markdown export) into a Card.

Every problem is a CardParseError naming the file, the line and what was expected;
things worth knowing that do not stop the import (cut-off text, inferred studies,
counts that could not be reconciled) are returned as warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from curator_tui.cards import sections as s
from curator_tui.cards.blocks import (
    MAX_LINE,
    Block,
    BlockError,
    Kind,
    markdown_blocks,
    plain_blocks,
)
from curator_tui.cards.citation import parse_citation
from curator_tui.cards.doi import DOIError, find_dois, normalize_doi
from curator_tui.cards.fast import read_export
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.plain import is_title, plain_study_title, read_plain
from curator_tui.cards.text import is_truncated


class CardParseError(ValueError):
    """A card file that does not fit the format."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class ParsedCard:
    """A parsed card and the warnings worth reporting about it."""

    card: Card
    warnings: tuple[str, ...] = field(default=())
    truncated: bool = False
    # The card's Markdown when the fast reader already rendered it (saves a render on import).
    rendered: str | None = None
    # The line of each of ``card.studies`` in its file (for warnings about a study).
    study_lines: tuple[int, ...] = ()
    # The card's words (cards/words.py claim_words) when already worked out (an import does
    # it where it parses, in the read-ahead process).
    words: str | None = None
    # ``rendered`` compressed as the history stores a claim's first revision
    # (delta.pack_full): worked out beside the rendering, in the read-ahead process.
    packed: bytes | None = None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 50 else text[:47] + "...")


class _Reader:
    """A cursor over the blocks of one file, with the grammar's small helpers."""

    def __init__(self, blocks: list[Block], source: str, markdown: bool) -> None:
        self.blocks = blocks
        self.source = source
        self.markdown = markdown
        self.index = 0

    def peek(self) -> Block | None:
        return self.blocks[self.index] if self.index < len(self.blocks) else None

    def take(self) -> Block:
        block = self.blocks[self.index]
        self.index += 1
        return block

    def error(self, message: str, block: Block | None = None) -> CardParseError:
        if block is None:
            block = self.peek()
        if block is None:
            last = self.blocks[-1].line if self.blocks else 1
            return CardParseError(self.source, last, f"{message}, but the file ended")
        return CardParseError(self.source, block.line, message)

    def at(self, title: str, kind: Kind) -> bool:
        """Is the next block the section title ``title`` (a ``kind`` heading in Markdown)?"""
        block = self.peek()
        if block is None or block.text != title:
            return False
        return not self.markdown or block.kind == kind

    def at_heading(self) -> bool:
        block = self.peek()
        if block is None:
            return False
        if self.markdown:
            return block.kind in ("h1", "h2", "h3")
        return is_title(block.text)

    def expect(self, title: str, kind: Kind) -> Block:
        if self.at(title, kind):
            return self.take()
        block = self.peek()
        wanted = f"{'#' * int(kind[1])} {title}" if self.markdown and kind[0] == "h" else title
        found = "" if block is None else f", found {_shown(block.text)}"
        raise self.error(f"expected {wanted!r}{found}")

    def paragraph(self) -> str:
        """An optional paragraph (a plain line that is not a title; a Markdown ``p``)."""
        block = self.peek()
        if block is None:
            return ""
        if (self.markdown and block.kind == "p") or (
            block.kind == "line" and not is_title(block.text)
        ):
            return self.take().text
        return ""

    def items(self, kind: Kind) -> list[Block]:
        """The list items (Markdown) or lines (plain) up to the next title."""
        out = []
        while (block := self.peek()) is not None and not self.at_heading():
            if self.markdown and block.kind != kind:
                break
            if not self.markdown and block.text == s.CONTRIBUTIONS:
                break
            out.append(self.take())
        return out


def _decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise CardParseError(source, 1, "the file is empty")
    if b"\x00" in data[:8192]:
        raise CardParseError(source, 1, "this is a binary file, not a card")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CardParseError(
            source, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _study(block: Block, stance: Stance, reader: _Reader) -> StudyRef:
    if block.link:
        # The link is the DOI's resolver URL, percent-encoded: normalize_doi decodes it.
        try:
            doi = normalize_doi(block.link)
        except DOIError as exc:
            raise reader.error(str(exc), block) from None
        cite = block.cite or ""
        if block.lead is not None:
            cite = cite.removeprefix(".")  # the "." that ends the title
        fields = parse_citation(cite)._asdict()
        return StudyRef(doi=doi, stance=stance, title=block.lead or "", **fields)
    target = block.text
    dois = find_dois(target)
    if not dois:
        raise reader.error(f"study entry has no DOI: {_shown(block.text)}", block)
    try:
        doi = normalize_doi(dois[0])
    except DOIError as exc:
        raise reader.error(str(exc), block) from None
    title = (block.lead or "") if block.kind == "ul" else plain_study_title(block.text, dois[0])
    return StudyRef(doi=doi, stance=stance, title=title)


def _gold(block: Block) -> GoldItem:
    if block.kind == "ol" and block.lead is not None:
        return GoldItem(block.lead, block.rest.removeprefix("—").strip())
    return GoldItem(block.text)


def _evidence(reader: _Reader, title: str) -> tuple[int, list[Block]]:
    block = reader.peek()
    if block is None or not (match := s.COUNT_RE.match(block.text)) or match.group(1) != title:
        found = "" if block is None else f", found {_shown(block.text)}"
        wanted = f"### {title} (N)" if reader.markdown else f"{title} (N)"
        raise reader.error(f"expected {wanted!r}{found}")
    if reader.markdown and block.kind != "h3":
        raise reader.error(f"{block.text!r} must be a level-3 heading", block)
    reader.take()
    listed = reader.items("ul")
    if reader.markdown:
        if (nxt := reader.peek()) is not None and nxt.kind == "em" and nxt.text == s.CONTRIBUTIONS:
            reader.take()
    elif reader.at(s.CONTRIBUTIONS, "line"):
        reader.take()
    return int(match.group(2)), listed


def decode_card_file(data: bytes, source: str) -> str:
    """The text of a card file: UTF-8 (a byte-order mark is fine), LF line ends."""
    return _decode(data, source)


def split_cards(text: str) -> list[tuple[int, str]]:
    """A Markdown stream of several cards, cut at each ``# `` heading: (first line, text)."""
    if not text.lstrip().startswith("# "):
        return [(0, text)]
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("# ")]
    if len(starts) <= 1:
        return [(0, text)]
    bounds = [*starts, len(lines)]
    return [(bounds[i], "\n".join(lines[bounds[i] : bounds[i + 1]])) for i in range(len(starts))]


def _truncation_warnings(
    card: Card, source: str, statement_line: int, synthesis_line: int
) -> list[str]:
    warnings = []
    if is_truncated(card.statement):
        warnings.append(
            f"{source}:{statement_line}: the claim statement was cut off (ends in '...')"
        )
    if card.synthesis and is_truncated(card.synthesis):
        warnings.append(f"{source}:{synthesis_line}: the synthesis summary was cut off")
    return warnings


def _fast(text: str, source: str, line_offset: int) -> ParsedCard | None:
    """Our own export, read by the fast reader (None when it is anything else)."""
    if len(text) > MAX_LINE * 50:
        return None
    found = read_export(text)
    if found is None:
        return None
    card, rendered = found
    first = line_offset + len(text) - len(text.lstrip("\n")) + 1
    # In an export the synthesis paragraph is the 7th line: "# ", "", "## Mechanism", "", count, "".
    warnings = _truncation_warnings(card, source, first, first + 6)
    # In an export only study bullets start with "- " (escaping sees to it), in card order.
    lines = tuple(
        line_offset + number
        for number, line in enumerate(text.split("\n"), 1)
        if line.startswith("- ")
    )
    return ParsedCard(card, tuple(warnings), is_truncated(card.statement), rendered, lines)


def parse_card(
    data: bytes | str, source: str = "<card>", line_offset: int = 0, *, fast: bool = True
) -> ParsedCard:
    """Parse one card; raises CardParseError naming ``source`` and the line.

    ``line_offset`` is the number of lines before this card in its file (card streams).
    ``fast=False`` skips the fast readers (cards/fast.py for our own exports, cards/plain.py
    for the published plain text), which tests compare with the full reader.
    """
    text = _decode(data, source) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The first line that is not blank starts where the line of the first non-blank
    # character starts (found without splitting the whole text).
    blank = len(text) - len(text.lstrip())
    if blank == len(text):
        raise CardParseError(source, 1 + line_offset, "the file is empty")
    markdown = text.startswith("# ", text.rfind("\n", 0, blank) + 1)
    if fast and markdown and (quick := _fast(text, source, line_offset)) is not None:
        return quick
    if fast and not markdown and (plain := read_plain(text, line_offset)) is not None:
        card = plain.card
        cut = _truncation_warnings(card, source, plain.statement_line, plain.synthesis_line)
        return ParsedCard(
            card, tuple(cut), is_truncated(card.statement), study_lines=plain.study_lines
        )
    try:
        blocks = markdown_blocks(text) if markdown else plain_blocks(text)
    except BlockError as exc:
        raise CardParseError(source, exc.line + line_offset, exc.message) from None
    if line_offset:
        blocks = [replace(b, line=b.line + line_offset) for b in blocks]
    if not blocks:
        raise CardParseError(
            source, 1 + line_offset, "the file has no text (only control characters or markup)"
        )
    reader = _Reader(blocks, source, markdown)
    warnings: list[str] = []

    head = reader.take()
    if markdown and head.kind != "h1":
        raise reader.error("expected the claim statement as a '# ' heading", head)
    if not markdown and is_title(head.text):
        raise reader.error(f"expected the claim statement first, found {_shown(head.text)}", head)
    statement = head.text
    truncated = is_truncated(statement)
    if truncated:
        warnings.append(f"{source}:{head.line}: the claim statement was cut off (ends in '...')")

    reader.expect(s.MECHANISM, "h2")
    count_block = reader.peek()
    if count_block is None or not (count := s.SYNTHESIS_RE.match(count_block.text)):
        found = "" if count_block is None else f", found {_shown(count_block.text)}"
        raise reader.error(f"expected 'Synthesis from N studies'{found}")
    reader.take()
    synthesis_block = reader.peek()
    synthesis = reader.paragraph()
    if synthesis and synthesis_block is not None and is_truncated(synthesis):
        warnings.append(f"{source}:{synthesis_block.line}: the synthesis summary was cut off")

    mechanisms: list[Mechanism] = []
    while reader.at(s.MOST_PROBABLE, "h3") or reader.at(s.ALTERNATIVE, "h3"):
        block = reader.take()
        if block.text == s.MOST_PROBABLE and mechanisms:
            raise reader.error(
                f"a second {s.MOST_PROBABLE!r}: a claim has at most one (is it an alternative?)",
                block,
            )
        if block.text == s.ALTERNATIVE and not mechanisms:
            raise reader.error(
                f"{s.ALTERNATIVE!r} before {s.MOST_PROBABLE!r}: sections are out of order", block
            )
        summary = reader.paragraph()
        steps = tuple(b.text for b in reader.items("ol"))
        mechanisms.append(Mechanism(summary, steps))
    if reader.markdown and (stray := reader.peek()) is not None and stray.kind != "h2":
        raise reader.error(f"expected '## {s.EVIDENCE}', found {_shown(stray.text)}")

    reader.expect(s.EVIDENCE, "h2")
    n_sup, sup_blocks = _evidence(reader, s.SUPPORTING)
    n_con, con_blocks = _evidence(reader, s.CONTRADICTING)
    reader.expect(s.GOLD, "h2")
    if (intro := reader.peek()) is not None and intro.text == s.GOLD_INTRO:
        reader.take()
    gold = [_gold(b) for b in reader.items("ol")]
    if (extra := reader.peek()) is not None:
        raise reader.error(f"unexpected text after the gold-standard list: {_shown(extra.text)}")

    studies: dict[str, StudyRef] = {}
    lines: dict[str, int] = {}
    for stance, listed, number, title in (
        (Stance.SUPPORTING, sup_blocks, n_sup, s.SUPPORTING),
        (Stance.CONTRADICTING, con_blocks, n_con, s.CONTRADICTING),
    ):
        for block in listed:
            study = _study(block, stance, reader)
            if study.doi in studies:
                raise reader.error(f"study {study.doi} is listed twice", block)
            studies[study.doi] = study
            lines[study.doi] = block.line
        if len(listed) > number:
            raise reader.error(
                f"'{title} ({number})' but {len(listed)} studies are listed: the counts disagree",
                listed[number],
            )

    declared = int(count.group(1))
    if declared != n_sup + n_con:
        raise reader.error(
            f"'Synthesis from {declared}' but Supporting ({n_sup}) + Contradicting ({n_con}) "
            f"= {n_sup + n_con}: the counts disagree",
            count_block,
        )
    missing = {
        Stance.SUPPORTING: n_sup - len(sup_blocks),
        Stance.CONTRADICTING: n_con - len(con_blocks),
    }
    if any(missing.values()):
        cited_text = " ".join(
            [statement, synthesis]
            + [m.summary for m in mechanisms]
            + [step for m in mechanisms for step in m.steps]
            + [g.design + " " + g.description for g in gold]
        )
        cited = [d for d in find_dois(cited_text) if d not in studies]
        short = [(stance, n) for stance, n in missing.items() if n > 0]
        if len(short) == 1 and len(cited) == short[0][1]:
            stance = short[0][0]
            for doi in cited:
                studies[doi] = StudyRef(doi=doi, stance=stance)
            warnings.append(
                f"{source}: {stance.value} studies inferred from the DOIs cited in the card: "
                + ", ".join(cited)
            )
        else:
            warnings.append(
                f"{source}: the counts say {n_sup} supporting and {n_con} contradicting but "
                f"{len(sup_blocks)} and {len(con_blocks)} are listed, and the {len(cited)} other "
                "DOIs cited cannot tell which are missing: kept the listed studies"
            )
    ordered = sorted(studies.values(), key=lambda st: st.stance is Stance.CONTRADICTING)
    card = Card(
        statement=statement,
        synthesis=synthesis,
        mechanisms=tuple(mechanisms),
        studies=tuple(ordered),
        gold=tuple(gold),
    )
    study_lines = tuple(lines.get(study.doi, head.line) for study in ordered)
    return ParsedCard(card, tuple(warnings), truncated, study_lines=study_lines)
