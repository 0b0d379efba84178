"""``curator list``: the claims as a table or JSON, streamed page by page.

A library of 100,000 claims starts printing at once and ends in seconds: rows are
queried a page at a time and written as plain text (a Rich table renders nothing
until it has every row, and takes a minute and a half for 100,000 of them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from curator_tui.cli.common import CliError, open_engine
from curator_tui.cli.pager import Output, output

if TYPE_CHECKING:
    from sqlmodel import Session

    from curator_tui.services.claims import ClaimRow

FIRST_PAGE = 100  # on the screen at once
PAGE = 1000  # then pages big enough that their queries cost little
CUT_OFF = "  (cut off)"
# Statement column: at least this wide, however narrow the terminal (it then wraps).
MIN_STATEMENT = 10
# The table's fixed parts: borders and padding, Steps, Studies, Updated (ID apart).
FIXED_WIDTH = 2 + 3 + 3 + len("Steps") + 3 + len("Studies") + 3 + len("2026-01-01 00:00") + 2
# C0 and C1 control characters: a statement must not drive the terminal.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def _pages(
    session: Session, search: str | None, sort: Any, limit: int | None, matches: int
) -> Iterator[list[ClaimRow]]:
    """The claims a page at a time (each page a query of its own, so the first is quick).

    ``matches``: how many claims match ``search``, counted once for every page.
    """
    from curator_tui.services.claims import list_claims

    seen: set[int] = set()
    offset, size = 0, FIRST_PAGE
    while limit is None or offset < limit:
        if limit is not None:
            size = min(size, limit - offset)
        rows = list_claims(session, search, sort, offset, size, matches=matches)
        # A claim added while we print moves later rows down a place: never list one twice.
        fresh = [row for row in rows if row.id not in seen]
        seen.update(row.id for row in fresh)
        if fresh:
            yield fresh
        if len(rows) < size:
            return
        offset += len(rows)
        size = PAGE


def _largest_id(session: Session) -> int:
    from sqlalchemy import func
    from sqlmodel import col, select

    from curator_tui.models import Claim

    return int(session.exec(select(func.max(col(Claim.id)))).one() or 0)


def _json_row(row: ClaimRow) -> str:
    # The layout of json.dumps(rows, indent=2), one element at a time; 20x faster than
    # json.dumps per row with indent (which cannot use the C encoder).
    updated = row.updated_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    # With --search: where the claim matched outside its statement ("" if it did not).
    found_in = (
        ""
        if row.found_in is None
        else f'    "found_in": {json.dumps(row.found_in, ensure_ascii=False)},\n'
    )
    return (
        "  {\n"
        f'    "id": {row.id},\n'
        f'    "statement": {json.dumps(row.statement, ensure_ascii=False)},\n'
        f"{found_in}"
        f'    "steps": {row.steps},\n'
        f'    "studies": {row.studies},\n'
        f'    "truncated": {"true" if row.truncated else "false"},\n'
        f'    "updated_at": "{updated}"\n'
        "  }"
    )


def _write_json(out: Output, pages: Iterator[list[ClaimRow]]) -> None:
    opened = False
    for rows in pages:
        text = ",\n".join(_json_row(row) for row in rows)
        out.write(("[\n" if not opened else ",\n") + text)
        out.flush()
        opened = True
    out.write("\n]\n" if opened else "[]\n")


class _Table:
    """The list as a bordered table, a line per claim, fitted to ``width`` columns."""

    def __init__(self, width: int, id_width: int, color: bool) -> None:
        self.id_width = max(len("ID"), id_width)
        self.statement_width = max(MIN_STATEMENT, width - FIXED_WIDTH - self.id_width)
        self.bold = ("\x1b[1m", "\x1b[0m") if color else ("", "")
        self.yellow = ("\x1b[33m", "\x1b[0m") if color else ("", "")
        self.dim = ("\x1b[2m", "\x1b[0m") if color else ("", "")

    def _rule(self, left: str, middle: str, right: str, line: str) -> str:
        widths = [self.id_width, self.statement_width, 5, 7, 16]
        return left + middle.join(line * (w + 2) for w in widths) + right + "\n"

    def header(self, title: str) -> str:
        """The title, the top border and the column names."""
        on, off = self.bold
        names = [
            "ID".rjust(self.id_width),
            "Statement".ljust(self.statement_width),
            "Steps",
            "Studies",
            "Updated".ljust(16),
        ]
        return (
            title
            + "\n"
            + self._rule("┏", "┳", "┓", "━")
            + "┃ "
            + " ┃ ".join(on + name + off for name in names)
            + " ┃\n"
            + self._rule("┡", "╇", "┩", "━")
        )

    def row(self, row: ClaimRow) -> str:
        """One claim's line."""
        return (
            f"│ {row.id:>{self.id_width}} │ {self._statement(row)} │ {row.steps:>5} │"
            f" {row.studies:>7} │ {row.updated_at:%Y-%m-%d %H:%M} │\n"
        )

    def footer(self) -> str:
        """The bottom border."""
        return self._rule("└", "┴", "┘", "─")

    def _statement(self, row: ClaimRow) -> str:
        text = _CONTROLS.sub("\N{REPLACEMENT CHARACTER}", row.statement)
        if unicodedata.combining(text[:1] or " "):
            text = " " + text  # a leading combining mark would join the border
        if row.found_in:
            return self._with_hint(text, row.found_in)
        # As the Rich table had it: the marker follows the statement when both fit.
        width = self.statement_width
        kept, cells, whole = _clip(text, width)
        if whole and row.truncated and cells + len(CUT_OFF) <= width:
            on, off = self.yellow
            return kept + on + CUT_OFF + off + " " * (width - cells - len(CUT_OFF))
        if not whole:
            kept, cells, _ = _clip(text, width - 1)
            kept, cells = kept + "…", cells + 1
        return kept + " " * (width - cells)

    def _with_hint(self, text: str, found_in: str) -> str:
        """The statement and where the filter matched outside it (dim), cut to fit."""
        hint = " · " + _CONTROLS.sub("\N{REPLACEMENT CHARACTER}", found_in)
        width = self.statement_width
        _, text_cells, _ = _clip(text, len(text) * 2)
        _, hint_cells, _ = _clip(hint, len(hint) * 2)
        hint_room = min(hint_cells, max(width // 2, width - text_cells))
        kept, cells = _fit(text, width - hint_room)
        shown, hint_used = _fit(hint, min(hint_room, width - cells))
        on, off = self.dim
        return kept + on + shown + off + " " * (width - cells - hint_used)


def _fit(text: str, width: int) -> tuple[str, int]:
    """``text`` cut to ``width`` cells, with "…" when cut; and its cells."""
    kept, cells, whole = _clip(text, width)
    if not whole and width > 0:
        kept, cells, _ = _clip(text, width - 1)
        kept, cells = kept + "…", cells + 1
    return kept, cells


def _clip(text: str, width: int) -> tuple[str, int, bool]:
    """The longest start of ``text`` within ``width`` cells, its cells, and if it is all."""
    if text.isascii():
        return text[:width], min(len(text), width), len(text) <= width
    used = 0
    for index, char in enumerate(text):
        cells = (
            0
            if unicodedata.combining(char)
            else 2
            if unicodedata.east_asian_width(char) in "WF"
            else 1
        )
        if used + cells > width:
            return text[:index], used, False
        used += cells
    return text, used, True


def _color(out: Output) -> bool:
    isatty = getattr(out, "isatty", None)
    return (
        bool(isatty and isatty())
        and "NO_COLOR" not in os.environ
        and os.environ.get("TERM") != "dumb"
    )


def cmd_list(args: argparse.Namespace) -> int:
    """List the claims."""
    from curator_tui.db import session_scope
    from curator_tui.services.claims import count_claims

    if args.limit is not None and args.limit < 0:
        raise CliError("--limit must be 0 or more")
    engine = open_engine(args.db, create=False)
    # The session ends before the pager is waited for: no transaction stays open while
    # the user reads.
    with output(page=not args.no_pager) as out, session_scope(engine) as session:
        matches = count_claims(session, args.search)
        pages = _pages(session, args.search, args.sort, args.limit, matches)
        if args.json:
            _write_json(out, pages)
            return 0
        total = matches if args.limit is None else min(matches, args.limit)
        width = shutil.get_terminal_size().columns
        table = _Table(width, len(str(_largest_id(session))), _color(out))
        out.write(table.header(f"{total} claim(s)"))
        for rows in pages:
            out.write("".join(table.row(row) for row in rows))
            out.flush()
        out.write(table.footer())
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``curator list``."""
    p = sub.add_parser(
        "list",
        parents=[common],
        help="list the claims",
        description="List the claims in the library (through a pager on a terminal, as git does).",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array for scripts")
    p.add_argument(
        "--search",
        metavar="TEXT",
        help="only claims with every word (as the start of a word in the statement, synthesis,"
        " mechanisms, steps, or a linked study's title, authors or DOI); a claim that matched"
        " elsewhere says where",
    )
    p.add_argument(
        "--sort", choices=["id", "updated", "statement"], default="id", help="order (default: id)"
    )
    p.add_argument("--limit", type=int, metavar="N", help="at most N claims")
    p.set_defaults(func=cmd_list)
