"""The claim list: a virtual list that renders only the rows on screen.

It never holds the whole library: it knows the total, keeps a cache of pages of rows,
and asks for a missing page with a message (the screen fetches it in a worker).
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from curator_tui.cards.text import strip_controls
from curator_tui.services.claims import ClaimRow

PAGE = 100
# Pages kept in memory; far-away pages are dropped so memory stays flat at any library size.
MAX_PAGES = 20
# The statement keeps at least this many cells; below it the counts are left out.
MIN_STATEMENT = 12
# Where a filter matched outside the statement ("· step 2: …mTOR…") takes at most this
# share of the row's room when both do not fit, and is left out below HINT_CELLS.
HINT_SHARE = 0.5
HINT_CELLS = 8
NOT_BOLD = Style(bold=False)
# The mark of a claim the curation check found errors in (issue 13).
ERROR_MARK = "✗"
# The mark of a claim citing a study with a retraction notice (issue 12).
RETRACTED_MARK = "⊘"


class _Styles(NamedTuple):
    """The styles of a drawing of the list (read once per drawing); mark and counts are
    foreground only (they are drawn over the line's background, the cursor's or not)."""

    base: Style
    cursor: Style
    mark: Style
    error: Style
    counts: Style
    found: Style
    empty: Style


def _foreground(style: Style) -> Style:
    """``style`` without its background, so the cursor's background shows through it."""
    return Style.from_color(style.color) + style.without_color


class ClaimList(ScrollView, can_focus=True):
    """One line per claim: a mark, the statement, the counts of steps and studies, the id."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "jump(0)", "First", show=False, id="list.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="list.last"),
        # Not in the footer: enter on a list is expected, and at 80 columns the footer
        # needs its room for "? Help" (the key is in help and the palette).
        Binding(
            "enter",
            "open",
            "Open",
            tooltip="Open the claim in the editor panes",
            id="list.open",
            show=False,
        ),
    ]
    COMPONENT_CLASSES = {
        "claim-list--cursor",
        "claim-list--mark",
        "claim-list--error",
        "claim-list--counts",
        "claim-list--found",
        "claim-list--empty",
    }

    cursor: reactive[int] = reactive(0, always_update=True)

    class NeedRows(Message):
        """The list (at ``generation``) needs rows ``offset`` .. ``offset + limit`` (a page)."""

        def __init__(self, generation: int, offset: int, limit: int) -> None:
            super().__init__()
            self.generation = generation
            self.offset = offset
            self.limit = limit

    class Highlighted(Message):
        """The cursor is on a claim."""

        def __init__(self, row: ClaimRow) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        """The curator pressed enter on a claim."""

        def __init__(self, row: ClaimRow) -> None:
            super().__init__()
            self.row = row

    class PageShown(Message):
        """A page of rows arrived: the screen may check these claims (the error marks)."""

        def __init__(self, claim_ids: tuple[int, ...]) -> None:
            super().__init__()
            self.claim_ids = claim_ids

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = 0
        self.empty_message: list[str] = []
        self._pages: dict[int, list[ClaimRow]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self._sort = ""
        # Widths in digits of the id, steps and studies of the rows loaded since a reset.
        self._columns = (1, 1, 1)
        self._styles: _Styles | None = None
        # Drawn rows, so a scroll by a line draws one new row, not a screenful.
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        # The claims the curation check found errors in (marked ERROR_MARK); kept across
        # resets, changed only by ``mark_errors``.
        self._errors: set[int] = set()
        # A loaded row cites a retracted study: the legend says what its mark means.
        self._retracted = False

    # --- data in ---------------------------------------------------------------------

    def reset(self, total: int, empty_message: list[str] | None = None) -> int:
        """Forget every row (new filter, sort or edits); returns the new generation."""
        self._generation += 1
        self.total = total
        self.empty_message = empty_message or []
        self._pages.clear()
        self._pending.clear()
        self._columns = (1, 1, 1)
        self._strips.clear()
        self.virtual_size = Size(self.size.width, total)
        self.cursor = min(self.cursor, max(0, total - 1))
        self.refresh()
        return self._generation

    def set_page(self, generation: int, offset: int, rows: list[ClaimRow]) -> None:
        """Rows for a page asked for earlier (ignored if the list was reset since)."""
        if generation != self._generation:
            return
        page = offset // PAGE
        self._pending.discard(page)
        self._pages[page] = rows
        self._measure(rows)
        if not self._retracted and any(row.retracted for row in rows):
            self._retracted = True
            self._fit_legend()
        if len(self._pages) > MAX_PAGES:
            here = self.cursor // PAGE
            for far in sorted(self._pages, key=lambda p: -abs(p - here))[
                : len(self._pages) - MAX_PAGES
            ]:
                del self._pages[far]
        self.refresh()
        if self.cursor // PAGE == page:
            self._announce()
        if rows:
            self.post_message(self.PageShown(tuple(row.id for row in rows)))

    def mark_errors(self, checked: tuple[int, ...] | None, with_errors: set[int]) -> None:
        """The check's verdict on ``checked`` claims (None: every claim): those in
        ``with_errors`` are marked."""
        before = set(self._errors)
        if checked is None:
            self._errors.clear()
        else:
            self._errors.difference_update(checked)
        self._errors.update(with_errors)
        if self._errors != before:
            self._fit_legend()
            self.refresh()

    def has_errors(self, claim_id: int) -> bool:
        """Whether the list marks this claim as having errors."""
        return claim_id in self._errors

    @property
    def marks_errors(self) -> bool:
        """Whether the list marks any claim as having errors (the legend then explains it)."""
        return bool(self._errors)

    def set_hints(self, generation: int, offset: int, found_in: dict[int, str]) -> None:
        """Where each row of a page matched outside its statement (worked out after it)."""
        rows = self._pages.get(offset // PAGE)
        if generation != self._generation or rows is None:
            return
        self._pages[offset // PAGE] = [
            replace(row, found_in=found_in.get(row.id, "")) for row in rows
        ]
        self.refresh()

    @property
    def generation(self) -> int:
        """Changes on every reset, so stale pages can be recognised."""
        return self._generation

    @property
    def loaded_rows(self) -> int:
        """How many rows are held in memory now."""
        return sum(len(rows) for rows in self._pages.values())

    def row_at(self, index: int) -> ClaimRow | None:
        """The row at ``index`` if it is loaded; asks for its page otherwise."""
        if not 0 <= index < self.total:
            return None
        page = index // PAGE
        rows = self._pages.get(page)
        if rows is None:
            if page not in self._pending:
                self._pending.add(page)
                self.post_message(self.NeedRows(self._generation, page * PAGE, PAGE))
            return None
        local = index - page * PAGE
        return rows[local] if local < len(rows) else None

    def wants(self, generation: int, offset: int) -> bool:
        """Is the page at ``offset`` still asked for (by the list as it is since ``generation``)?

        No once the list is reset (it asks again for what it shows then), and no once the
        page arrived: each reset asks for the cursor's page before the screen hands it in.
        """
        return generation == self._generation and offset // PAGE in self._pending

    @property
    def current(self) -> ClaimRow | None:
        """The claim under the cursor, if loaded."""
        return self.row_at(self.cursor)

    def select_id(self, claim_id: int) -> bool:
        """Move the cursor to a loaded claim; False if it is not in a loaded page."""
        for page, rows in self._pages.items():
            for local, row in enumerate(rows):
                if row.id == claim_id:
                    self.cursor = page * PAGE + local
                    return True
        return False

    # --- cursor ----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.total:
            self.scroll_to_region_for(new)  # a scroll redraws every line
        # Only the two lines whose highlight changed are drawn again.
        self.refresh_line(old)
        self.refresh_line(new)
        if old != new:
            self._announce()

    def scroll_to_region_for(self, index: int) -> None:
        """Keep the cursor row on screen."""
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def _announce(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Highlighted(row))

    def action_cursor(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor = self.total - 1 if where < 0 else 0

    def action_open(self) -> None:
        if (row := self.current) is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: object) -> None:
        offset = getattr(event, "y", None)
        if isinstance(offset, int):
            self.cursor = max(0, min(self.total - 1, int(self.scroll_offset.y) + offset))

    # --- rendering -------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._styles = None  # read once per drawing, not once per line
        return super().render_lines(crop)

    def _line_styles(self) -> _Styles:
        if self._styles is None:
            component = self.get_component_rich_style
            self._styles = _Styles(
                self.rich_style,
                component("claim-list--cursor"),
                _foreground(component("claim-list--mark")),
                _foreground(component("claim-list--error")),
                _foreground(component("claim-list--counts")),
                _foreground(component("claim-list--found")),
                component("claim-list--empty"),
            )
        return self._styles

    def _message_lines(self, width: int) -> list[str]:
        """The empty list's message, wrapped to the list (24 columns in an 80-column terminal)."""
        lines: list[str] = []
        for line in self.empty_message:
            lines.extend(textwrap.wrap(line, max(1, width - 1)) or [""])
        return lines

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        styles = self._line_styles()
        base = styles.base
        if self.total == 0:
            message = self._message_lines(width)
            text = message[y] if y < len(message) else ""
            style = base + styles.empty
            return Strip([Segment(" " + text.ljust(width - 1)[: width - 1], style)], width)
        index = int(self.scroll_offset.y) + y
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.row_at(index)
        selected = index == self.cursor
        line_style = base + styles.cursor if selected else base
        if row is None:
            return Strip([Segment(" …".ljust(width), line_style)], width)
        end = "" if self.show_vertical_scrollbar else " "
        errors = row.id in self._errors
        key = (row, errors, width, end, selected, self.has_focus, self._columns, styles)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._draw_row(row, width, end, line_style, styles, errors)
            if selected and not self.has_focus:
                strip = Strip([Segment(s.text, (s.style or Style()) + NOT_BOLD) for s in strip])
            self._strips[key] = strip
        return strip

    def _draw_row(
        self,
        row: ClaimRow,
        width: int,
        end: str,
        line_style: Style,
        styles: _Styles,
        errors: bool = False,
    ) -> Strip:
        """``! statement… · step 2: …mTOR…  8▸1▪ 12345``: the mark, the statement cut to fit,
        where a filter matched outside it (muted), the counts, the id.

        The statement and the hint are data: Texts cut by cells (wide characters keep the
        columns in place) drawn as plain segments, never parsed as markup. When room is
        short the counts go first (the statement keeps MIN_STATEMENT cells and a hint
        HINT_CELLS), then the hint. ``end`` is a space, or nothing when the scrollbar's
        track sets the id apart.
        """
        id_width, steps_width, studies_width = self._columns
        ident = f"{row.id:>{id_width}}"
        counts = f"{row.steps:>{steps_width}}▸{row.studies:>{studies_width}}▪"
        room = width - len(ident) - 3 - len(end)  # mark, space, statement, space, id, end
        # Control characters are dropped: a claim cannot move the cursor or ring the bell.
        statement = Text(strip_controls(row.statement).replace("\n", " "))
        hint = Text(" · " + strip_controls(row.found_in).replace("\n", " ") if row.found_in else "")
        # While filtering, where a claim matched matters more than its counts.
        wanted = MIN_STATEMENT + (HINT_CELLS if hint else 0)
        if room - len(counts) - 1 >= wanted:
            room -= len(counts) + 1
        else:
            counts = ""
        statement_room, hint_room = _split_room(room, statement.cell_len, hint.cell_len)
        statement.truncate(max(1, statement_room), overflow="ellipsis")
        hint.truncate(hint_room, overflow="ellipsis")
        pad = " " * max(0, room - statement.cell_len - hint.cell_len)
        muted = line_style + styles.counts
        # The check's errors outrank a cut-off statement (itself one of its warnings).
        # A retracted study cited is the most specific of the errors (the check counts it
        # as one), and the list knows it without running the check.
        if row.retracted:
            mark = Segment(RETRACTED_MARK, line_style + styles.error)
        elif errors:
            mark = Segment(ERROR_MARK, line_style + styles.error)
        else:
            mark = Segment("!" if row.truncated else " ", line_style + styles.mark)
        segments = [
            mark,
            Segment(f" {statement.plain}", line_style),
        ]
        if hint_room:
            segments.append(Segment(hint.plain, line_style + styles.found))
        segments += [
            Segment(f"{pad} ", line_style),
            Segment(f"{counts} {ident}" if counts else ident, muted),
        ]
        if end:
            segments.append(Segment(end, line_style))
        return Strip(segments).crop_extend(0, width, line_style)

    def _measure(self, rows: list[ClaimRow]) -> None:
        """Widen the id and count columns to the rows loaded (they never narrow until a reset)."""
        if rows:
            id_width, steps_width, studies_width = self._columns
            self._columns = (
                max(id_width, *(len(str(row.id)) for row in rows)),
                max(steps_width, *(len(str(row.steps)) for row in rows)),
                max(studies_width, *(len(str(row.studies)) for row in rows)),
            )

    # --- the legend ------------------------------------------------------------------

    def show_sort(self, sort: str) -> None:
        """Name the order in the legend (under the list), shortened to the list's width."""
        self._sort = sort
        self._fit_legend()

    def _fit_legend(self) -> None:
        if not self._sort:
            return
        room = self.size.width - 2  # the border's corners
        for legend in legend_variants(self._sort, bool(self._errors), self._retracted):
            if len(legend) <= room:
                break
        self.border_subtitle = Text(legend)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total)
        self._fit_legend()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _split_room(room: int, statement: int, hint: int) -> tuple[int, int]:
    """Cells for the statement and the hint in ``room`` (the hint 0: left out).

    Both whole when they fit; else the hint keeps up to HINT_SHARE of the room (more if
    the statement is short), the statement at least MIN_STATEMENT cells or half the room,
    and a hint with less than HINT_CELLS is left out.
    """
    if not hint or statement + hint <= room:
        return min(statement, room), min(hint, max(0, room - statement))
    hint_room = min(hint, max(int(room * HINT_SHARE), room - statement))
    hint_room = min(hint_room, room - min(statement, MIN_STATEMENT, (room + 1) // 2))
    if hint_room < HINT_CELLS:
        return room, 0
    return room - hint_room, hint_room


def legend_variants(sort: str, errors: bool = False, retracted: bool = False) -> list[str]:
    """The legend from longest to shortest: the order first, then what the marks mean.

    ``errors``: the list marks claims with errors; their mark is explained before the rest.
    ``retracted``: a row shown cites a retracted study; its mark is explained first.
    """
    if retracted:
        rest = legend_variants(sort, errors)
        note = f"{RETRACTED_MARK} cites a retraction"
        return [f"{v} · {note}" for v in rest[:-1]] + [
            f"{sort} · {RETRACTED_MARK} retracted",
            f"{sort} {RETRACTED_MARK} retracted",
            sort,
        ]
    if errors:
        return [
            f"sort: {sort} · ▸ steps ▪ studies · ! cut off · {ERROR_MARK} errors",
            f"sort: {sort} · ▸ steps ▪ studies · {ERROR_MARK} has errors",
            f"sort: {sort} · {ERROR_MARK} has errors",
            f"sort: {sort} · {ERROR_MARK} errors",
            f"sort: {sort}",
            sort,
        ]
    return [
        f"sort: {sort} · ▸ steps ▪ studies · ! cut off",
        f"sort: {sort} · ▸ steps ▪ studies",
        f"sort: {sort} · ▸steps ▪studies",
        f"sort: {sort}",
        sort,
    ]
