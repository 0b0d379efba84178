"""The library's claim list on a screen: counting, paging, filtering, sorting, loading a claim.

Every read runs in a thread worker and comes back as a typed message (messages.py); the
widgets are handed plain rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from curator_tui.db import describe_db_error, session_scope
from curator_tui.services import claims as claim_service
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.errors import NotFound
from curator_tui.ui.live import (
    LibraryChanged,
    LibraryReachable,
    LibraryUnreachable,
    LiveUpdates,
    ShownClaimChanged,
)
from curator_tui.ui.messages import DetailLoaded, HintsLoaded, ListLoaded, PageLoaded
from curator_tui.ui.widgets.claim_list import PAGE, ClaimList

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SORTS: list[claim_service.Sort] = ["statement", "updated", "id"]
# Where a filtered page's rows matched is worked out once the list has stood still this long.
HINTS_DELAY = 0.2

EMPTY_LIBRARY = [
    "",
    "No claims yet.",
    "",
    "Press n to create a claim,",
    "or i to import card files",
    "(.txt or .md, or a folder).",
]


class LibraryScreen(Screen[None]):
    """A screen showing the library's claims, one of them current (``detail``)."""

    def __init__(self, engine: Engine, library_name: str) -> None:
        super().__init__()
        self.engine = engine
        self.library_name = library_name
        self._detail: ClaimDetail | None = None
        self.search = ""
        self.sort: claim_service.Sort = "statement"
        self._detail_timer: Timer | None = None
        self._detail_request = 0
        # Pages whose hints (where rows matched) wait for the list to stand still.
        self._hints_wanted: dict[tuple[int, int], tuple[str, list[tuple[int, str]]]] = {}
        self._hints_timer: Timer | None = None
        # The claim the newest detail load is for, or the claim shown if none is on its way.
        self._detail_claim: int | None = None
        # What each text typed into the filter found (total, first page), while the library
        # is unchanged: erasing a letter shows the earlier list at once.
        self._typed: dict[str, tuple[int, list[claim_service.ClaimRow]]] = {}
        # Each list reload is numbered; a slower answer for an older one is dropped.
        self._list_request = 0
        # What the list load on its way was asked for (the claim to put the cursor on, the
        # cursor otherwise); None once it is shown.
        self._list_loading: tuple[int | None, int] | None = None
        self.live = LiveUpdates(self, engine)

    @property
    def detail(self) -> ClaimDetail | None:
        """The claim shown in the panes."""
        return self._detail

    @detail.setter
    def detail(self, detail: ClaimDetail | None) -> None:
        # A claim shown (an edit's result is shown without a load) is newer than any load
        # still on its way: that load's answer is dropped, as a newer load's would drop it.
        self._detail = detail
        self._detail_request += 1
        self._detail_claim = detail.id if detail else None

    @property
    def claim_list(self) -> ClaimList:
        """The claim list widget."""
        return self.query_one(ClaimList)

    def has_unsaved_text(self) -> bool:
        """Is text typed on this screen not saved yet? (The main screen's claim pane.)"""
        return False

    def waiting_on_typing(self) -> bool:
        """Is work waiting for the keys to stop (the claim's load, the row hints)?

        Tests and the filter bench wait for it before looking at the screen: a fast
        machine would otherwise look before that work ran and a slow one after.
        """
        return self._detail_timer is not None or self._hints_timer is not None

    # --- live updates: what others save ----------------------------------------------

    @on(events.Mount)
    def _start_live(self) -> None:
        self.live.start()

    @on(events.Unmount)
    def _stop_live(self) -> None:
        self.live.stop()

    @on(LibraryChanged)
    def library_changed(self) -> None:
        """Someone saved: the list again (the cursor stays on its claim), the claim if it changed.

        While a list load is on its way (a claim selected from the palette, a filter typed),
        the reload is that load again: the cursor of the list it is about to replace would
        take the curator back to the claim they left.
        """
        self._typed.clear()
        if self._list_loading is not None:
            self._start_reload(*self._list_loading)
        else:
            current = self.claim_list.current
            self._start_reload(current.id if current else None, self.claim_list.cursor)
        if self.detail is not None:
            self._check_shown(self.detail.id)

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def _check_shown(self, claim_id: int) -> None:
        with session_scope(self.engine) as session:
            try:
                version: int | None = claim_service.claim_version(session, claim_id)
            except NotFound:
                version = None
        self.post_message(ShownClaimChanged(claim_id, version))

    @on(ShownClaimChanged)
    def shown_claim_changed(self, message: ShownClaimChanged) -> None:
        detail = self.detail
        if detail is None or detail.id != message.claim_id or self._detail_claim != detail.id:
            return  # not shown, or about to be replaced by the claim whose load is on its way
        if message.version is not None and message.version <= detail.version:
            return  # what we show (our own save, already shown)
        if any(w.group == "edit" and w.is_running for w in self.workers):
            return  # our own save, whose result is on its way and reloads the claim
        if self.app.screen is not self or self.has_unsaved_text():
            deleted = message.version is None
            self.notify(
                f"Claim {detail.id} was {'deleted' if deleted else 'changed'} elsewhere. Your"
                " unsaved text is kept; saving it will ask "
                + ("whether to bring the claim back." if deleted else "before overwriting."),
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.load_detail(detail.id)

    @on(LibraryUnreachable)
    def library_unreachable(self, message: LibraryUnreachable) -> None:
        self.notify(
            f"The library cannot be reached: {message.reason}. Your text is kept; "
            "trying again every few seconds.",
            severity="error",
            timeout=30,
            markup=False,
        )

    @on(LibraryReachable)
    def library_reachable(self) -> None:
        self.notify("The library can be reached again.", markup=False)

    def need_claim(self) -> ClaimDetail | None:
        """The current claim; without one, say how to get one."""
        if self.detail is None:
            self.notify("Select a claim first (or press n to create one).", severity="warning")
        return self.detail

    # --- the list --------------------------------------------------------------------

    def reload_list(self, select_id: int | None = None) -> None:
        """Recount the claims for the filter and reload the cursor's page (one worker)."""
        self._typed.clear()  # the library or the order changed: forget what typing found
        self._start_reload(select_id, self.claim_list.cursor)

    def _start_reload(self, select_id: int | None, cursor: int) -> None:
        self._list_request += 1
        self._list_loading = (select_id, cursor)
        self._reload(self._list_request, self.search, self.sort, select_id, cursor)

    def first_page(self) -> None:
        """The list's first page, read before the screen is first drawn.

        ~15 ms at 100,000 claims: the screen is drawn once, with its rows, instead of
        drawn empty while a worker competes with that drawing for the GIL (which made the
        same query take 140 ms) and then drawn again. A library error goes to the worker,
        which reports it as usual.
        """
        self._list_request += 1
        self._list_loading = None
        try:
            found = self._read_list(self.search, self.sort, None, 0)
        except SQLAlchemyError:
            self.reload_list()
            return
        self.list_loaded(ListLoaded(self._list_request, *found))

    def _read_list(
        self, search: str, sort: claim_service.Sort, select_id: int | None, cursor: int
    ) -> tuple[int, int | None, int, list[claim_service.ClaimRow]]:
        """(total, the selected claim's index, the page's offset, the page's rows)."""
        if select_id is None and cursor < PAGE:
            # The first page whatever the count (a filter typed): both at once, on a server.
            total, rows = claim_service.first_page(self.engine, search, sort, PAGE)
            return total, None, 0, rows
        with session_scope(self.engine) as session:
            total = claim_service.count_claims(session, search)
            index = claim_service.index_of(session, select_id, search, sort) if select_id else None
            at = index if index is not None else min(cursor, max(total - 1, 0))
            offset = at // PAGE * PAGE
            # Where rows matched outside their statements comes after (_load_hints): the
            # list is shown without waiting for it.
            rows = (
                claim_service.list_claims(
                    session, search, sort, offset, PAGE, matches=total, found_in=False
                )
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
        self.post_message(ListLoaded(request, *self._read_list(search, sort, select_id, cursor)))

    @on(ListLoaded)
    def list_loaded(self, message: ListLoaded) -> None:
        if message.request != self._list_request:
            return  # the filter or the library changed again while this one was counted
        self._list_loading = None
        if message.offset == 0 and message.index is None:
            if len(self._typed) >= 100:
                del self._typed[next(iter(self._typed))]
            self._typed[self.search] = (message.total, message.rows)
        self._show_list(message.total, message.index, message.offset, message.rows)

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
        # A Text, not a str: a str border title is read as markup, and the filter is data.
        claims.border_title = Text(
            f"Claims ({total:,})" + (f" matching “{self.search}”" if self.search else "")
        )
        claims.show_sort(self.sort)
        if index is not None:
            claims.cursor = index  # before the rows arrive: they announce the cursor's claim
        claims.set_page(generation, offset, rows)
        self._want_hints(generation, offset, rows)
        if total == 0:
            self._detail_request += 1
            self._detail_claim = None
            self.post_message(DetailLoaded(self._detail_request, None))
        claims.row_at(claims.cursor)  # the cursor's page, if it was not the one loaded

    @on(ClaimList.NeedRows)
    def fetch_rows(self, message: ClaimList.NeedRows) -> None:
        if not self.claim_list.wants(message.generation, message.offset):
            return  # the list was reset since (it asks again), or the page came meanwhile
        self._fetch_page(message.generation, message.offset, message.limit)

    @work(thread=True, group="pages", exit_on_error=False)
    def _fetch_page(self, generation: int, offset: int, limit: int) -> None:
        with session_scope(self.engine) as session:
            rows = claim_service.list_claims(
                session, self.search, self.sort, offset, limit, found_in=False
            )
        self.post_message(PageLoaded(generation, offset, rows))

    @on(PageLoaded)
    def page_loaded(self, message: PageLoaded) -> None:
        self.claim_list.set_page(message.generation, message.offset, message.rows)
        self._want_hints(message.generation, message.offset, message.rows)

    def _want_hints(self, generation: int, offset: int, rows: list[claim_service.ClaimRow]) -> None:
        """Work out where a filtered page's rows matched (unless known) once the list stands
        still: each keystroke of the filter shows a page, and working out its hints (30-50 ms
        of CPU at 100,000 claims) on the cores the next keystroke needs slowed the typing."""
        if self.search and any(row.found_in is None for row in rows):
            statements = [(row.id, row.statement) for row in rows]
            self._hints_wanted[(generation, offset)] = (self.search, statements)
            if self._hints_timer is not None:
                self._hints_timer.stop()
            self._hints_timer = self.set_timer(HINTS_DELAY, self._hints_due)

    def _hints_due(self) -> None:
        self._hints_timer = None
        wanted, self._hints_wanted = self._hints_wanted, {}
        for (generation, offset), (search, statements) in wanted.items():
            if generation == self.claim_list.generation:  # pages of a list since replaced: no
                self._load_hints(generation, search, offset, statements)

    @work(thread=True, group="hints", exit_on_error=False)
    def _load_hints(
        self, generation: int, search: str, offset: int, rows: list[tuple[int, str]]
    ) -> None:
        with session_scope(self.engine) as session:
            found_in = claim_service.where_found(session, rows, search)
        self.post_message(HintsLoaded(generation, search, offset, found_in))

    @on(HintsLoaded)
    def hints_loaded(self, message: HintsLoaded) -> None:
        self.claim_list.set_hints(message.generation, message.offset, message.found_in)
        known = self._typed.get(message.search)
        if message.offset == 0 and known is not None:
            # Erasing back to this text shows the hints at once too.
            rows = [replace(r, found_in=message.found_in.get(r.id, "")) for r in known[1]]
            self._typed[message.search] = (known[0], rows)

    @on(ClaimList.Highlighted)
    def claim_highlighted(self, message: ClaimList.Highlighted) -> None:
        current = self.claim_list.current
        if current is None or current.id != message.row.id:
            return  # a stale announcement: the cursor has moved on since
        if self._detail_claim == message.row.id:
            # Shown, or on its way. (Not ``self.detail``: with another claim's load on its
            # way, the claim shown now is about to be replaced by that one.)
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if self.focused is self.query_one("#filter", Input):
            # While the curator types a filter, load the claim once typing pauses.
            claim_id = message.row.id
            self._detail_timer = self.set_timer(0.25, lambda: self._typing_paused(claim_id))
        else:
            self.load_detail(message.row.id)

    def _typing_paused(self, claim_id: int) -> None:
        self._detail_timer = None  # fired: nothing left to stop
        self.load_detail(claim_id)

    def load_detail(self, claim_id: int) -> None:
        """Load one claim for the panes (a newer load wins over an older one)."""
        if self._detail_timer is not None:
            # A load waiting for the filter's typing to pause is older than this one.
            self._detail_timer.stop()
            self._detail_timer = None
        self._detail_request += 1
        self._detail_claim = claim_id
        self._load_detail(self._detail_request, claim_id)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, request: int, claim_id: int) -> None:
        try:
            with session_scope(self.engine) as session:
                detail: ClaimDetail | None = load_claim(session, claim_id)
        except NotFound:
            detail = None
        self.post_message(DetailLoaded(request, detail))

    # --- filter and sort -------------------------------------------------------------

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.display = True
        filter_input.focus()

    def close_filter(self) -> None:
        """Clear and hide the filter; back to the list."""
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
            self._list_loading = None
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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed (the library went away, a disk error): say so, keep running."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            if event.worker.group == "list":
                self._list_loading = None  # no load on its way any more: the cursor counts
            error = event.worker.error
            if isinstance(error, SQLAlchemyError):
                message = describe_db_error(error)
            elif isinstance(error, OSError):
                message = f"{error.filename or ''}: {error.strerror or error}".lstrip(": ")
            else:
                message = f"{type(error).__name__}: {error}"
            self.notify(f"That did not work: {message}", severity="error", timeout=15, markup=False)
