"""The claim list: a virtual list that renders only the rows on screen.

It never holds the whole library: it knows the total, keeps a cache of pages of rows,
and asks for a missing page with a message (the screen fetches it in a worker).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from curator_tui.cards.text import strip_controls
from curator_tui.services.claims import ClaimRow

PAGE = 100
# Pages kept in memory; far-away pages are dropped so memory stays flat at any library size.
MAX_PAGES = 20


class ClaimList(ScrollView, can_focus=True):
    """One line per claim: a mark, the statement, the counts of steps and studies."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "jump(0)", "First", show=False, id="list.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="list.last"),
        Binding(
            "enter", "open", "Open", tooltip="Open the claim in the editor panes", id="list.open"
        ),
    ]
    COMPONENT_CLASSES = {
        "claim-list--cursor",
        "claim-list--mark",
        "claim-list--counts",
        "claim-list--empty",
    }

    cursor: reactive[int] = reactive(0, always_update=True)

    class NeedRows(Message):
        """The list needs rows ``offset`` .. ``offset + limit`` (a page)."""

        def __init__(self, offset: int, limit: int) -> None:
            super().__init__()
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = 0
        self.empty_message: list[str] = []
        self._pages: dict[int, list[ClaimRow]] = {}
        self._pending: set[int] = set()
        self._generation = 0

    # --- data in ---------------------------------------------------------------------

    def reset(self, total: int, empty_message: list[str] | None = None) -> int:
        """Forget every row (new filter, sort or edits); returns the new generation."""
        self._generation += 1
        self.total = total
        self.empty_message = empty_message or []
        self._pages.clear()
        self._pending.clear()
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
        if len(self._pages) > MAX_PAGES:
            here = self.cursor // PAGE
            for far in sorted(self._pages, key=lambda p: -abs(p - here))[
                : len(self._pages) - MAX_PAGES
            ]:
                del self._pages[far]
        self.refresh()
        if self.cursor // PAGE == page:
            self._announce()

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
                self.post_message(self.NeedRows(page * PAGE, PAGE))
            return None
        local = index - page * PAGE
        return rows[local] if local < len(rows) else None

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
            self.scroll_to_region_for(new)
        self.refresh()
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

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self.total == 0:
            text = self.empty_message[y] if y < len(self.empty_message) else ""
            style = self.get_component_rich_style("claim-list--empty")
            return Strip([Segment(" " + text.ljust(width - 1)[: width - 1], base + style)], width)
        index = int(self.scroll_offset.y) + y
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.row_at(index)
        selected = index == self.cursor
        line_style = (
            base + self.get_component_rich_style("claim-list--cursor") if selected else base
        )
        if row is None:
            return Strip([Segment(" …".ljust(width), line_style)], width)
        counts = f" {row.steps:>2}▸ {row.studies:>1}▪ "
        mark = "!" if row.truncated else " "
        room = max(1, width - len(counts) - 2)
        # Text is data: control characters are dropped and nothing is parsed as markup.
        statement = strip_controls(row.statement).replace("\n", " ")
        if len(statement) > room:
            statement = statement[: room - 1] + "…"
        segments = [
            Segment(mark, line_style + self.get_component_rich_style("claim-list--mark")),
            Segment(" " + statement.ljust(room), line_style),
            Segment(counts, line_style + self.get_component_rich_style("claim-list--counts")),
        ]
        if selected and not self.has_focus:
            segments = [Segment(s.text, (s.style or Style()) + Style(bold=False)) for s in segments]
        return Strip(segments, width).crop(0, width)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
