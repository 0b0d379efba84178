"""The editing core of the main screen: edits run in workers, each with its undo step."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual import work
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from curator_tui.db import describe_db_error, session_scope
from curator_tui.services import claims as claim_service
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.errors import NotFound, ServiceError
from curator_tui.ui.widgets.claim_editor import ClaimEditor
from curator_tui.ui.widgets.claim_list import ClaimList
from curator_tui.ui.widgets.item_list import ItemList
from curator_tui.undo import UndoEntry, UndoStack

if TYPE_CHECKING:
    from curator_tui.ui.app import CuratorApp

# What an edit returns: the undo entry (None: not undoable) and the option to highlight.
Outcome = tuple[UndoEntry | None, str | None]
Operation = Callable[[Session], Outcome]


class EditingScreen(Screen[None]):
    """What every editing action needs: the current claim, edits in workers, undo."""

    def __init__(self) -> None:
        super().__init__()
        self.detail: ClaimDetail | None = None
        self.search = ""
        self.sort: claim_service.Sort = "statement"
        self.undo_stack = UndoStack()
        self._undo_claim: int | None = None
        self._new_claim: int | None = None
        self._detail_timer: Timer | None = None
        # What each text typed into the filter found (total, first page), while the library
        # is unchanged: erasing a letter shows the earlier list at once.
        self._typed: dict[str, tuple[int, list[claim_service.ClaimRow]]] = {}
        # Each list reload is numbered; a slower answer for an older one is dropped.
        self._list_request = 0
        # One edit at a time, in the order the curator made them.
        self._edit_lock = threading.Lock()

    @property
    def curator(self) -> CuratorApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    # --- filled in by the main screen -------------------------------------------

    def show_detail(self, detail: ClaimDetail | None, keep: str | None = None) -> None:
        """Hand a claim (plain data) to every pane."""
        raise NotImplementedError

    def reload_list(self, select_id: int | None = None) -> object:
        """Recount the claim list and find ``select_id`` in it."""
        raise NotImplementedError

    def load_detail(self, claim_id: int) -> object:
        """Load one claim for the panes."""
        raise NotImplementedError

    def action_tab(self, tab: str) -> None:
        """Show a pane and focus what is in it."""
        raise NotImplementedError

    @property
    def claim_list(self) -> ClaimList:
        """The claim list widget."""
        return self.query_one(ClaimList)

    # --- edits -----------------------------------------------------------------------

    def edit(
        self,
        operation: Operation,
        claim_id: int | Callable[[], int | None] | None = None,
        then_tab: str | None = None,
    ) -> None:
        """Run an edit in a worker, remember how to undo it, then show the result.

        ``claim_id`` is the claim to show afterwards (default: the current one); a callable
        is asked after the edit, for a claim the edit itself creates. ``then_tab``: a pane
        to switch to once it is shown.
        """
        self._edit(
            operation,
            claim_id if claim_id is not None else (self.detail.id if self.detail else None),
            then_tab,
        )

    @work(thread=True, group="edit", exit_on_error=False)
    def _edit(
        self,
        operation: Operation,
        claim_id: int | Callable[[], int | None] | None,
        then_tab: str | None = None,
    ) -> None:
        with self._edit_lock:
            try:
                with session_scope(self.curator.engine) as session:
                    undo, keep = operation(session)
            except ServiceError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
                return
            except SQLAlchemyError as exc:
                reason = describe_db_error(exc)
                self.app.call_from_thread(
                    self.notify,
                    f"The library refused the change: {reason}",
                    severity="error",
                    markup=False,
                )
                return
            if undo is not None:
                self.undo_stack.push(undo)
            self._refresh_after_edit(claim_id() if callable(claim_id) else claim_id, keep)
        if then_tab is not None:
            self.app.call_from_thread(self.action_tab, then_tab)

    def _refresh_after_edit(self, claim_id: int | None, keep: str | None) -> None:
        detail = None
        if claim_id is not None:
            try:
                with session_scope(self.curator.engine) as session:
                    detail = load_claim(session, claim_id)
            except NotFound:
                detail = None
        self.app.call_from_thread(self._edited, detail, keep)

    def _edited(self, detail: ClaimDetail | None, keep: str | None) -> None:
        editor = self.query_one(ClaimEditor)
        if detail is not None and editor.claim_id == detail.id:
            if editor.dirty:
                # Our own edit bumped the version: unsaved statement text is not a conflict.
                editor.version = detail.version
            else:
                editor.show_claim(detail, force=True)
        self.show_detail(detail, keep)
        self.reload_list(detail.id if detail else None)

    def action_undo(self) -> None:
        """Undo the last edit of this session."""
        entry = self.undo_stack.pop()
        if entry is None:
            self.notify("Nothing to undo.")
            return

        def operation(session: Session) -> Outcome:
            self._undo_claim = entry.undo(session)
            return None, None

        self._undo_claim = None
        self._run_undo(operation, entry.label)

    @work(thread=True, group="edit", exit_on_error=False)
    def _run_undo(self, operation: Operation, label: str) -> None:
        with self._edit_lock:
            try:
                with session_scope(self.curator.engine) as session:
                    operation(session)
            except ServiceError as exc:
                self.app.call_from_thread(
                    self.notify, f"Cannot undo {label}: {exc}", severity="error", markup=False
                )
                return
            claim_id = self._undo_claim or (self.detail.id if self.detail else None)
            self.app.call_from_thread(self.notify, f"Undone: {label}", markup=False)
            self._refresh_after_edit(claim_id, None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed (the library went away, a disk error): say so, keep running."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if isinstance(error, SQLAlchemyError):
                message = describe_db_error(error)
            elif isinstance(error, OSError):
                message = f"{error.filename or ''}: {error.strerror or error}".lstrip(": ")
            else:
                message = f"{type(error).__name__}: {error}"
            self.notify(f"That did not work: {message}", severity="error", timeout=15, markup=False)

    def _need_claim(self) -> ClaimDetail | None:
        if self.detail is None:
            self.notify("Select a claim first (or press n to create one).", severity="warning")
        return self.detail

    # --- the focused list's item actions --------------------------------------------

    def _focused_list(self) -> ItemList | None:
        focused = self.focused
        return focused if isinstance(focused, ItemList) else None
