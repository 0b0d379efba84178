"""The main screen: the claim list on the left, the claim's panes on the right.

The screen is the only place that calls the services; it does so in thread workers
and hands the widgets plain data.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Footer,
    Header,
    Input,
    ProgressBar,
    TabbedContent,
    TabPane,
    TextArea,
)

from curator_tui.cards.model import Stance
from curator_tui.cards.render import render_markdown
from curator_tui.db import session_scope
from curator_tui.services import claims as claim_service
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.errors import NotFound
from curator_tui.ui.screens.draft_actions import DraftActions
from curator_tui.ui.widgets.claim_editor import ClaimEditor
from curator_tui.ui.widgets.claim_list import PAGE, ClaimList
from curator_tui.ui.widgets.evidence import EvidenceList
from curator_tui.ui.widgets.filter_input import FilterInput
from curator_tui.ui.widgets.gold import GoldList
from curator_tui.ui.widgets.mechanisms import MechanismEditor
from curator_tui.ui.widgets.preview import Preview

SORTS: list[claim_service.Sort] = ["statement", "updated", "id"]
EMPTY_LIBRARY = [
    "",
    "No claims yet.",
    "",
    "Press n to create a claim,",
    "or i to import card files",
    "(.txt or .md, or a folder).",
]


class MainScreen(DraftActions):
    """Browse and edit the library."""

    BINDINGS = [
        Binding("n", "new_claim", "New", tooltip="Create a claim", id="claims.new"),
        Binding(
            "slash", "filter", "Filter", tooltip="Filter the claims as you type", id="claims.filter"
        ),
        Binding(
            "o",
            "cycle_sort",
            "Sort",
            tooltip="Sort by statement, last update or id",
            id="claims.sort",
        ),
        Binding(
            "c",
            "copy",
            "Copy",
            tooltip="Copy the claim's Markdown to the clipboard",
            id="claim.copy",
        ),
        Binding(
            "x",
            "export",
            "Export",
            tooltip="Export the claim's Markdown to a file",
            id="claim.export",
        ),
        Binding(
            "i", "import", "Import", tooltip="Import card files or a folder", id="claims.import"
        ),
        Binding(
            "D",
            "delete_claim",
            "Delete claim",
            tooltip="Delete the claim (ctrl+z undoes)",
            id="claims.delete",
            show=False,
        ),
        Binding(
            "1",
            "tab('claim')",
            "Claim",
            show=False,
            tooltip="Statement and synthesis",
            id="tabs.claim",
        ),
        Binding(
            "2",
            "tab('mechanisms')",
            "Mechanisms",
            show=False,
            tooltip="Mechanisms and steps",
            id="tabs.mechanisms",
        ),
        Binding(
            "3",
            "tab('evidence')",
            "Evidence",
            show=False,
            tooltip="Supporting and contradicting studies",
            id="tabs.evidence",
        ),
        Binding(
            "4",
            "tab('gold')",
            "Gold standard",
            show=False,
            tooltip="Ideal study designs",
            id="tabs.gold",
        ),
        Binding(
            "5",
            "tab('preview')",
            "Preview",
            show=False,
            tooltip="The Markdown export",
            id="tabs.preview",
        ),
        Binding(
            "escape", "back", "Back", show=False, tooltip="Back to the claim list", id="claims.back"
        ),
    ]
    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield FilterInput(placeholder="Filter claims…", id="filter")
                yield ClaimList(id="claims")
                yield ProgressBar(id="progress", show_eta=False)
            with TabbedContent(id="tabs", initial="mechanisms"):
                with TabPane("1 Claim", id="claim"):
                    yield ClaimEditor(id="claim-editor")
                with TabPane("2 Mechanisms", id="mechanisms"):
                    yield MechanismEditor(id="mechanism-editor")
                with TabPane("3 Evidence", id="evidence"):
                    yield EvidenceList(Stance.SUPPORTING, id="supporting")
                    yield EvidenceList(Stance.CONTRADICTING, id="contradicting")
                with TabPane("4 Gold", id="gold"):
                    yield GoldList(id="gold-list")
                with TabPane("5 Preview", id="preview"):
                    yield Preview(id="preview-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one("#progress", ProgressBar).display = False
        self.query_one(ClaimList).focus()
        self.show_detail(None)
        self._first_page()
        # Watched rather than waiting for Input.Changed: the query starts with the keystroke,
        # while the screen is laid out again, instead of after it.
        self.watch(self.query_one("#filter", Input), "value", self.filter_typed, init=False)

    # --- the list --------------------------------------------------------------------

    def reload_list(self, select_id: int | None = None) -> None:
        """Recount the claims for the filter and reload the cursor's page (one worker)."""
        self._typed.clear()  # the library or the order changed: forget what typing found
        self._start_reload(select_id, self.claim_list.cursor)

    def _start_reload(self, select_id: int | None, cursor: int) -> None:
        self._list_request += 1
        self._reload(self._list_request, self.search, self.sort, select_id, cursor)

    def _first_page(self) -> None:
        """The list's first page, read before the screen is first drawn.

        ~15 ms at 100,000 claims: the screen is drawn once, with its rows, instead of
        drawn empty while a worker competes with that drawing for the GIL (which made the
        same query take 140 ms) and then drawn again. A library error goes to the worker,
        which reports it as usual.
        """
        self._list_request += 1
        try:
            found = self._read_list(self.search, self.sort, None, 0)
        except SQLAlchemyError:
            self.reload_list()
            return
        self._list_reloaded(self._list_request, *found)

    def _read_list(
        self, search: str, sort: claim_service.Sort, select_id: int | None, cursor: int
    ) -> tuple[int, int | None, int, list[claim_service.ClaimRow]]:
        """(total, the selected claim's index, the page's offset, the page's rows)."""
        with session_scope(self.curator.engine) as session:
            total = claim_service.count_claims(session, search)
            index = claim_service.index_of(session, select_id, search, sort) if select_id else None
            at = index if index is not None else min(cursor, max(total - 1, 0))
            offset = at // PAGE * PAGE
            rows = (
                claim_service.list_claims(session, search, sort, offset, PAGE, matches=total)
                if total
                else []
            )
        return total, index, offset, rows

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def _reload(
        self,
        request: int,
        search: str,
        sort: claim_service.Sort,
        select_id: int | None,
        cursor: int,
    ) -> None:
        found = self._read_list(search, sort, select_id, cursor)
        self.app.call_from_thread(self._list_reloaded, request, *found)

    def _list_reloaded(
        self,
        request: int,
        total: int,
        index: int | None,
        offset: int,
        rows: list[claim_service.ClaimRow],
    ) -> None:
        if request != self._list_request:
            return  # the filter or the library changed again while this one was counted
        if offset == 0 and index is None:
            if len(self._typed) >= 100:
                del self._typed[next(iter(self._typed))]
            self._typed[self.search] = (total, rows)
        self._show_list(total, index, offset, rows)

    def _show_list(
        self, total: int, index: int | None, offset: int, rows: list[claim_service.ClaimRow]
    ) -> None:
        claims = self.claim_list
        message = (
            EMPTY_LIBRARY
            if not self.search
            else ["", f"No claim matches “{self.search}”.", "", "escape clears the filter."]
        )
        generation = claims.reset(total, message)
        claims.border_title = f"Claims ({total:,})" + (
            f" matching “{self.search}”" if self.search else ""
        )
        claims.border_subtitle = f"sort: {self.sort} · ▸ steps ▪ studies · ! cut off"
        if index is not None:
            claims.cursor = index  # before the rows arrive: they announce the cursor's claim
        claims.set_page(generation, offset, rows)
        if total == 0:
            self.show_detail(None)
        claims.row_at(claims.cursor)  # the cursor's page, if it was not the one loaded

    @on(ClaimList.NeedRows)
    def fetch_rows(self, message: ClaimList.NeedRows) -> None:
        self._fetch_page(self.claim_list.generation, message.offset, message.limit)

    @work(thread=True, group="pages", exit_on_error=False)
    def _fetch_page(self, generation: int, offset: int, limit: int) -> None:
        with session_scope(self.curator.engine) as session:
            rows = claim_service.list_claims(session, self.search, self.sort, offset, limit)
        self.app.call_from_thread(self.claim_list.set_page, generation, offset, rows)

    @on(ClaimList.Highlighted)
    def claim_highlighted(self, message: ClaimList.Highlighted) -> None:
        current = self.claim_list.current
        if current is None or current.id != message.row.id:
            return  # a stale announcement: the cursor has moved on since
        if self.detail is not None and self.detail.id == message.row.id:
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if self.focused is self.query_one("#filter", Input):
            # While the curator types a filter, load the claim once typing pauses.
            claim_id = message.row.id
            self._detail_timer = self.set_timer(0.25, lambda: self.load_detail(claim_id))
        else:
            self.load_detail(message.row.id)

    @on(ClaimList.Opened)
    def claim_opened(self, message: ClaimList.Opened) -> None:
        self.load_detail(message.row.id)
        self.action_tab(self.query_one(TabbedContent).active or "mechanisms")

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, claim_id: int) -> None:
        """Load one claim for the panes."""
        try:
            with session_scope(self.curator.engine) as session:
                detail: ClaimDetail | None = load_claim(session, claim_id)
        except NotFound:
            detail = None
        self.app.call_from_thread(self.show_detail, detail)

    def show_detail(self, detail: ClaimDetail | None, keep: str | None = None) -> None:
        """Hand a claim (plain data) to every pane."""
        editor = self.query_one(ClaimEditor)
        if editor.dirty and (detail is None or detail.id != editor.claim_id):
            # Moving to another claim with unsaved text: keep the text, keep the claim.
            self.notify(
                "Unsaved changes to the statement: ctrl+s saves, escape discards.",
                severity="warning",
            )
            return
        self.detail = detail
        editor.show_claim(detail)
        self.query_one(MechanismEditor).show_claim(detail, keep)
        for pane in self.query(EvidenceList):
            pane.show_evidence(detail.evidence if detail else None)
        self.query_one(GoldList).show_gold(detail.gold if detail else None)
        if self.query_one(TabbedContent).active == "preview" or detail is None:
            # Rendering Markdown widgets is the slowest part of showing a claim: only when seen.
            self.query_one(Preview).show_markdown(
                render_markdown(detail.to_card()) if detail else ""
            )
        library = self.curator.library_name
        self.sub_title = f"{library} · claim {detail.id}" if detail else library

    # --- navigation ------------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "preview" and self.detail is not None:
            self.query_one(Preview).show_markdown(render_markdown(self.detail.to_card()))

    def action_tab(self, tab: str) -> None:
        """Show a pane and focus what is in it."""
        self.query_one(TabbedContent).active = tab
        target = {
            "claim": "#statement",
            "mechanisms": "#mechanism-editor",
            "evidence": "#supporting",
            "gold": "#gold-list",
            "preview": "#preview-pane",
        }[tab]
        widget = self.query_one(target)
        widget.focus()
        if isinstance(widget, TextArea):
            widget.move_cursor(widget.document.end)

    def action_back(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if self.focused is filter_input:
            self._close_filter()
        else:
            self.claim_list.focus()

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.display = True
        filter_input.focus()

    def _close_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.value:
            filter_input.value = ""
        filter_input.display = False
        self.claim_list.focus()

    def filter_typed(self, value: str) -> None:
        """The filter's text changed: show the claims matching it."""
        if value.strip() == self.search:
            return  # a space typed, or the filter cleared by select_claim
        self.search = value.strip()
        self.claim_list.cursor = 0
        known = self._typed.get(self.search)
        if known is None:
            self._start_reload(None, 0)
        else:
            self._list_request += 1  # an answer still on its way is for an older text
            self._show_list(known[0], None, 0, known[1])

    @on(Input.Submitted, "#filter")
    def filter_done(self, event: Input.Submitted) -> None:
        self.claim_list.focus()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted by {self.sort}.")
        self.reload_list(self.detail.id if self.detail else None)

    def select_claim(self, claim_id: int) -> None:
        """Show a claim and put the list's cursor on it (clears the filter)."""
        filter_input = self.query_one("#filter", Input)
        if filter_input.value:
            self.search = ""
            filter_input.value = ""  # filter_typed sees nothing new: the reload is below
            filter_input.display = False
        self.load_detail(claim_id)
        self.reload_list(claim_id)
