"""The main screen: the claim list on the left, the claim's panes on the right.

The screen is the only place that calls the services; it does so in thread workers
and hands the widgets plain data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Footer,
    Header,
    Input,
    ProgressBar,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.worker import Worker, WorkerState

from curator_tui.cards.model import Stance
from curator_tui.cards.render import render_markdown
from curator_tui.db import describe_db_error, session_scope
from curator_tui.filenames import card_filename
from curator_tui.files import write_atomic
from curator_tui.services import claims as claim_service
from curator_tui.services import evidence as evidence_service
from curator_tui.services import gold as gold_service
from curator_tui.services import mechanisms as mechanism_service
from curator_tui.services.cards import ClaimDetail, create_from_card, load_claim
from curator_tui.services.errors import Conflict, NotFound, ServiceError
from curator_tui.services.importing import Importer, collect
from curator_tui.ui.clipboard import copy_text
from curator_tui.ui.screens.dialogs import (
    ConfirmDialog,
    PromptDialog,
    StudyDialog,
    StudyFields,
    TextDialog,
)
from curator_tui.ui.widgets.claim_editor import ClaimEditor
from curator_tui.ui.widgets.claim_list import ClaimList
from curator_tui.ui.widgets.evidence import EvidenceList
from curator_tui.ui.widgets.gold import GoldList
from curator_tui.ui.widgets.item_list import ItemList
from curator_tui.ui.widgets.mechanisms import MechanismEditor
from curator_tui.ui.widgets.preview import Preview
from curator_tui.undo import UndoEntry, UndoStack

if TYPE_CHECKING:
    from curator_tui.ui.app import CuratorApp

# What an edit returns: the undo entry (None: not undoable) and the option to highlight.
Outcome = tuple[UndoEntry | None, str | None]
Operation = Callable[[Session], Outcome]

SORTS: list[claim_service.Sort] = ["statement", "updated", "id"]
EMPTY_LIBRARY = [
    "",
    "No claims yet.",
    "",
    "Press n to create a claim,",
    "or i to import card files",
    "(.txt or .md, or a folder).",
]
TABS = ["claim", "mechanisms", "evidence", "gold", "preview"]


class MainScreen(Screen[None]):
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

    def __init__(self) -> None:
        super().__init__()
        self.detail: ClaimDetail | None = None
        self.search = ""
        self.sort: claim_service.Sort = "statement"
        self.undo_stack = UndoStack()
        self._undo_claim: int | None = None
        self._new_claim: int | None = None
        # One edit at a time, in the order the curator made them.
        self._edit_lock = threading.Lock()

    @property
    def curator(self) -> CuratorApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield Input(placeholder="Filter claims…", id="filter")
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
        self.reload_list()

    @property
    def claim_list(self) -> ClaimList:
        """The claim list widget."""
        return self.query_one(ClaimList)

    # --- the list --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def reload_list(self, select_id: int | None = None) -> None:
        """Count the claims for the filter, and find where ``select_id`` now is."""
        with session_scope(self.curator.engine) as session:
            total = claim_service.count_claims(session, self.search)
            index = (
                claim_service.index_of(session, select_id, self.search, self.sort)
                if select_id
                else None
            )
        self.app.call_from_thread(self._list_reloaded, total, index)

    def _list_reloaded(self, total: int, index: int | None) -> None:
        claims = self.claim_list
        message = (
            EMPTY_LIBRARY
            if not self.search
            else ["", f"No claim matches “{self.search}”.", "", "escape clears the filter."]
        )
        claims.reset(total, message)
        claims.border_title = f"Claims ({total:,})" + (
            f" matching “{self.search}”" if self.search else ""
        )
        claims.border_subtitle = f"sort: {self.sort} · ▸ steps ▪ studies · ! cut off"
        if index is not None:
            claims.cursor = index
        if total == 0:
            self.show_detail(None)
        claims.row_at(claims.cursor)  # ask for the cursor's page now

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
        if self.detail is None or self.detail.id != message.row.id:
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
        self.query_one(Preview).show_markdown(render_markdown(detail.to_card()) if detail else "")
        library = self.curator.library_name
        self.sub_title = f"{library} · claim {detail.id}" if detail else library

    # --- edits -----------------------------------------------------------------------

    def edit(self, operation: Operation, claim_id: int | None = None) -> None:
        """Run an edit in a worker, remember how to undo it, then show the result."""
        self._edit(
            operation,
            claim_id if claim_id is not None else (self.detail.id if self.detail else None),
        )

    @work(thread=True, group="edit", exit_on_error=False)
    def _edit(self, operation: Operation, claim_id: int | None) -> None:
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
            self._refresh_after_edit(claim_id, keep)

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

    # --- claim actions ---------------------------------------------------------------

    def _need_claim(self) -> ClaimDetail | None:
        if self.detail is None:
            self.notify("Select a claim first (or press n to create one).", severity="warning")
        return self.detail

    def action_new_claim(self) -> None:
        def created(text: str | None) -> None:
            if text is None:
                return

            def operation(session: Session) -> Outcome:
                claim_id = claim_service.create_claim(session, text)
                self._new_claim = claim_id
                return UndoEntry("create claim", lambda s: _delete_claim(s, claim_id)), None

            self._new_claim = None
            self._create(operation)

        self.app.push_screen(
            TextDialog("New claim: the statement", validate=_required("The statement")), created
        )

    @work(thread=True, group="edit", exit_on_error=False)
    def _create(self, operation: Operation) -> None:
        with self._edit_lock:
            try:
                with session_scope(self.curator.engine) as session:
                    undo, _ = operation(session)
            except ServiceError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
                return
            if undo:
                self.undo_stack.push(undo)
            self._refresh_after_edit(self._new_claim, None)
        self.app.call_from_thread(self.action_tab, "mechanisms")

    def action_delete_claim(self) -> None:
        if (detail := self._need_claim()) is None:
            return

        def decided(yes: bool | None) -> None:
            if not yes:
                return
            card = detail.to_card()

            def operation(session: Session) -> Outcome:
                claim_service.delete_claim(session, detail.id)
                return UndoEntry("delete claim", lambda s: create_from_card(s, card)), None

            self.edit(operation, claim_id=-1)

        self.app.push_screen(
            ConfirmDialog(f"Delete claim {detail.id}? (ctrl+z undoes)", yes="Delete"), decided
        )

    def action_save_claim(self) -> None:
        editor = self.query_one(ClaimEditor)
        if (detail := self._need_claim()) is None or editor.claim_id != detail.id:
            return
        statement, synthesis = editor.values
        if not statement.strip():
            self.notify("The statement cannot be empty.", severity="error")
            return
        old = (detail.statement, detail.synthesis)
        self._save_claim(detail.id, statement, synthesis, editor.version, old)

    @work(thread=True, group="edit", exit_on_error=False)
    def _save_claim(
        self,
        claim_id: int,
        statement: str,
        synthesis: str,
        version: int | None,
        old: tuple[str, str],
    ) -> None:
        with self._edit_lock:
            try:
                with session_scope(self.curator.engine) as session:
                    claim_service.update_claim(
                        session,
                        claim_id,
                        statement=statement,
                        synthesis=synthesis,
                        expected_version=version,
                    )
            except Conflict:
                self.app.call_from_thread(self._conflict, claim_id, statement, synthesis)
                return
            except ServiceError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
                return
            self.undo_stack.push(
                UndoEntry("edit statement", lambda s: _restore_claim(s, claim_id, *old))
            )
            with session_scope(self.curator.engine) as session:
                detail = load_claim(session, claim_id)
        self.app.call_from_thread(self._claim_saved, detail)

    def _claim_saved(self, detail: ClaimDetail) -> None:
        self.query_one(ClaimEditor).show_claim(detail, force=True)
        self.show_detail(detail)
        self.notify("Saved.")
        self.reload_list(detail.id)

    def _conflict(self, claim_id: int, statement: str, synthesis: str) -> None:
        def decided(overwrite: bool | None) -> None:
            if overwrite:
                self._save_claim(claim_id, statement, synthesis, None, (statement, synthesis))
            else:
                self.notify(
                    "Your text is still in the editor; escape discards it and shows the saved claim."
                )

        self.app.push_screen(
            ConfirmDialog(
                "This claim was changed elsewhere since you opened it. Overwrite with your text?",
                yes="Overwrite",
                no="Keep my text here",
            ),
            decided,
        )

    def action_cancel_claim(self) -> None:
        editor = self.query_one(ClaimEditor)
        if not editor.dirty:
            self.claim_list.focus()
            return

        def decided(discard: bool | None) -> None:
            if discard:
                editor.revert()
                if self.detail is not None:
                    self.load_detail(self.detail.id)
                self.claim_list.focus()

        self.app.push_screen(
            ConfirmDialog("Discard your changes to this claim?", yes="Discard", no="Keep editing"),
            decided,
        )

    # --- the focused list's item actions --------------------------------------------

    def _focused_list(self) -> ItemList | None:
        focused = self.focused
        return focused if isinstance(focused, ItemList) else None

    def action_edit_item(self) -> None:
        target = self._focused_list()
        if (detail := self._need_claim()) is None or target is None:
            return
        if isinstance(target, MechanismEditor):
            self._edit_mechanism_item(detail, target)
        elif isinstance(target, EvidenceList):
            self._edit_study(detail, target)
        elif isinstance(target, GoldList):
            self._edit_gold(detail, target)

    def action_delete_item(self) -> None:
        target = self._focused_list()
        if (detail := self._need_claim()) is None or target is None:
            return
        if isinstance(target, MechanismEditor):
            self._delete_mechanism_item(detail, target)
        elif isinstance(target, EvidenceList):
            self._unlink_study(detail, target)
        elif isinstance(target, GoldList):
            self._delete_gold(detail, target)

    def action_move_item(self, offset: int) -> None:
        target = self._focused_list()
        if self._need_claim() is None or target is None:
            return
        if (hit := target.highlighted_as("step", "mechanism", "summary", "gold")) is None:
            return
        kind, ident = hit
        if kind == "step":
            move: Callable[[Session, int, int], int] = mechanism_service.move_step
        elif kind == "gold":
            move = gold_service.move_gold
        else:
            move, kind = mechanism_service.move_mechanism, "mechanism"

        def operation(session: Session) -> Outcome:
            before = _position(session, kind, ident)
            after = move(session, ident, offset)
            if after == before:
                return None, f"{kind}:{ident}"
            return UndoEntry(
                f"move {kind}", lambda s: _undo_move(move, s, ident, before - after)
            ), f"{kind}:{ident}"

        self.edit(operation)

    # mechanisms and steps

    def _mechanism_at_cursor(
        self, editor: MechanismEditor, detail: ClaimDetail
    ) -> tuple[int, int | None] | None:
        """(mechanism id, index to insert a step at) for the highlighted line."""
        hit = editor.highlighted_as("step", "mechanism", "summary")
        if hit is None:
            return None
        kind, ident = hit
        for mechanism in detail.mechanisms:
            if kind in ("mechanism", "summary") and mechanism.id == ident:
                return mechanism.id, 0
            for index, step in enumerate(mechanism.steps):
                if kind == "step" and step.id == ident:
                    return mechanism.id, index + 1
        return None

    def action_add_step(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        editor = self.query_one(MechanismEditor)
        where = self._mechanism_at_cursor(editor, detail)
        if where is None:
            if detail.mechanisms:
                where = (detail.mechanisms[0].id, len(detail.mechanisms[0].steps))
            else:
                self.notify("Add a mechanism first: press A.", severity="warning")
                return
        mechanism_id, position = where

        def write(text: str | None) -> None:
            if text is None:
                return

            def operation(session: Session) -> Outcome:
                step_id = mechanism_service.add_step(session, mechanism_id, text, position)
                return UndoEntry(
                    "add step", _call(mechanism_service.delete_step, step_id)
                ), f"step:{step_id}"

            self.edit(operation)

        self.app.push_screen(TextDialog("New step", validate=_required("A step")), write)

    def _edit_mechanism_item(self, detail: ClaimDetail, editor: MechanismEditor) -> None:
        hit = editor.highlighted_as("step", "summary", "mechanism")
        if hit is None:
            return
        kind, ident = hit
        if kind == "step":
            old = next(s.text for m in detail.mechanisms for s in m.steps if s.id == ident)

            def save_step(text: str | None) -> None:
                if text is None or text == old:
                    return

                def operation(session: Session) -> Outcome:
                    mechanism_service.edit_step(session, ident, text)
                    return UndoEntry(
                        "edit step", _call(mechanism_service.edit_step, ident, old)
                    ), f"step:{ident}"

                self.edit(operation)

            self.app.push_screen(
                TextDialog("Edit step", old, validate=_required("A step")), save_step
            )
            return
        summary = next(m.summary for m in detail.mechanisms if m.id == ident)

        def save_summary(text: str | None) -> None:
            if text is None or text == summary:
                return

            def operation(session: Session) -> Outcome:
                mechanism_service.update_mechanism(session, ident, text)
                undo = UndoEntry(
                    "edit summary", _call(mechanism_service.update_mechanism, ident, summary)
                )
                return undo, f"summary:{ident}"

            self.edit(operation)

        self.app.push_screen(TextDialog("Mechanism summary", summary), save_summary)

    def _delete_mechanism_item(self, detail: ClaimDetail, editor: MechanismEditor) -> None:
        hit = editor.highlighted_as("step", "mechanism", "summary")
        if hit is None:
            return
        kind, ident = hit
        if kind == "step":
            mechanism_id, index, text = next(
                (m.id, i, s.text)
                for m in detail.mechanisms
                for i, s in enumerate(m.steps)
                if s.id == ident
            )

            def operation(session: Session) -> Outcome:
                mechanism_service.delete_step(session, ident)
                return UndoEntry(
                    "delete step", _call(mechanism_service.add_step, mechanism_id, text, index)
                ), None

            self.edit(operation)
            return
        mechanism = next(m for m in detail.mechanisms if m.id == ident)

        def decided(yes: bool | None) -> None:
            if not yes:
                return

            def operation(session: Session) -> Outcome:
                mechanism_service.delete_mechanism(session, ident)

                def undo(s: Session) -> None:
                    new_id = mechanism_service.add_mechanism(
                        s, detail.id, mechanism.summary, mechanism.rank
                    )
                    for step in mechanism.steps:
                        mechanism_service.add_step(s, new_id, step.text)

                return UndoEntry("delete mechanism", undo), None

            self.edit(operation)

        what = (
            "the most probable mechanism"
            if mechanism.rank == 0
            else f"alternative {mechanism.rank}"
        )
        self.app.push_screen(
            ConfirmDialog(
                f"Delete {what} and its {len(mechanism.steps)} step(s)? (ctrl+z undoes)",
                yes="Delete",
            ),
            decided,
        )

    def action_add_alternative(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        label = (
            "Most probable mechanism: summary"
            if not detail.mechanisms
            else "New alternative mechanism: summary"
        )

        def write(text: str | None) -> None:
            if text is None:
                return

            def operation(session: Session) -> Outcome:
                mechanism_id = mechanism_service.add_mechanism(session, detail.id, text)
                undo = UndoEntry(
                    "add mechanism", _call(mechanism_service.delete_mechanism, mechanism_id)
                )
                return undo, f"mechanism:{mechanism_id}"

            self.edit(operation)

        self.app.push_screen(TextDialog(label), write)

    def action_promote(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        hit = self.query_one(MechanismEditor).highlighted_as("step", "mechanism", "summary")
        mechanism_id = None
        if hit is not None:
            kind, ident = hit
            for m in detail.mechanisms:
                if (kind != "step" and m.id == ident) or any(s.id == ident for s in m.steps):
                    mechanism_id, rank = m.id, m.rank
        if mechanism_id is None:
            self.notify(
                "Put the cursor on an alternative mechanism to promote it.", severity="warning"
            )
            return
        if rank == 0:
            self.notify("This is already the most probable mechanism.")
            return
        chosen = mechanism_id

        def operation(session: Session) -> Outcome:
            mechanism_service.promote_mechanism(session, chosen)
            undo = UndoEntry("promote", _call(mechanism_service.move_mechanism, chosen, rank))
            return undo, f"mechanism:{chosen}"

        self.edit(operation)

    # evidence

    def action_add_study(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        focused = self.focused
        stance = focused.stance if isinstance(focused, EvidenceList) else Stance.SUPPORTING

        def link(doi: str | None) -> None:
            if doi is None:
                return

            def operation(session: Session) -> Outcome:
                evidence_id = evidence_service.link_study(session, detail.id, doi, stance)
                undo = UndoEntry("add study", _call(evidence_service.unlink_study, evidence_id))
                return undo, f"evidence:{evidence_id}"

            self.edit(operation)

        self.app.push_screen(
            PromptDialog(
                f"Add a {stance.value} study by DOI",
                placeholder="10.1080/02640414.2024.2321021 or https://doi.org/…",
                validate=_doi_problem,
            ),
            link,
        )

    def _evidence_at(self, target: ItemList, detail: ClaimDetail) -> Any:
        hit = target.highlighted_as("evidence")
        if hit is None:
            return None
        return next((e for e in detail.evidence if e.id == hit[1]), None)

    def action_flip_stance(self) -> None:
        target = self._focused_list()
        if (detail := self._need_claim()) is None or target is None:
            return
        if (link := self._evidence_at(target, detail)) is None:
            return

        def operation(session: Session) -> Outcome:
            new = evidence_service.flip_stance(session, link.id)
            undo = UndoEntry("flip stance", _call(evidence_service.flip_stance, link.id))
            self.app.call_from_thread(
                self.notify, f"{link.study.doi} is now {new.value}.", markup=False
            )
            return undo, None

        self.edit(operation)

    def _unlink_study(self, detail: ClaimDetail, target: ItemList) -> None:
        if (link := self._evidence_at(target, detail)) is None:
            return
        study = link.study

        def operation(session: Session) -> Outcome:
            evidence_service.unlink_study(session, link.id)
            undo = UndoEntry(
                "unlink study",
                _call(evidence_service.link_study, detail.id, study.doi, study.stance, study.note),
            )
            return undo, None

        self.edit(operation)

    def _edit_study(self, detail: ClaimDetail, target: ItemList) -> None:
        if (link := self._evidence_at(target, detail)) is None:
            return
        study = link.study
        old = {name: getattr(study, name) for name in evidence_service.STUDY_FIELDS}

        def save(fields: StudyFields | None) -> None:
            if fields is None:
                return

            def operation(session: Session) -> Outcome:
                evidence_service.update_study(session, link.study_id, **fields.values)
                undo = UndoEntry(
                    "edit study", _call(evidence_service.update_study, link.study_id, **old)
                )
                return undo, None

            self.edit(operation)

        self.app.push_screen(StudyDialog(study, validate=_study_problem), save)

    # gold standard

    def action_add_gold(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        hit = self.query_one(GoldList).highlighted_as("gold")
        ids = [g.id for g in detail.gold]
        position = ids.index(hit[1]) + 1 if hit and hit[1] in ids else len(ids)

        def write(text: str | None) -> None:
            if text is None:
                return
            design, description = _split_design(text)

            def operation(session: Session) -> Outcome:
                item_id = gold_service.add_gold(session, detail.id, design, description, position)
                return UndoEntry(
                    "add design", _call(gold_service.delete_gold, item_id)
                ), f"gold:{item_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "New study design (optionally: design -- description)",
                validate=_required("A study design"),
            ),
            write,
        )

    def _edit_gold(self, detail: ClaimDetail, target: ItemList) -> None:
        hit = target.highlighted_as("gold")
        if hit is None:
            return
        ident = hit[1]
        item = next(g for g in detail.gold if g.id == ident)
        old = f"{item.design} — {item.description}" if item.description else item.design

        def save(text: str | None) -> None:
            if text is None or text == old:
                return
            design, description = _split_design(text)

            def operation(session: Session) -> Outcome:
                gold_service.edit_gold(session, ident, design, description)
                undo = UndoEntry(
                    "edit design",
                    _call(gold_service.edit_gold, ident, item.design, item.description),
                )
                return undo, f"gold:{ident}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "Edit study design (design -- description)",
                old,
                validate=_required("A study design"),
            ),
            save,
        )

    def _delete_gold(self, detail: ClaimDetail, target: ItemList) -> None:
        hit = target.highlighted_as("gold")
        if hit is None:
            return
        ident = hit[1]
        index, item = next((i, g) for i, g in enumerate(detail.gold) if g.id == ident)

        def operation(session: Session) -> Outcome:
            gold_service.delete_gold(session, ident)
            undo = UndoEntry(
                "delete design",
                _call(gold_service.add_gold, detail.id, item.design, item.description, index),
            )
            return undo, None

        self.edit(operation)

    # --- markdown out, cards in ------------------------------------------------------

    def markdown(self) -> str | None:
        """The current claim's export, exactly as `curator export` writes it."""
        return render_markdown(self.detail.to_card()) if self.detail else None

    def action_copy(self) -> None:
        if (text := self.markdown()) is None or self.detail is None:
            self._need_claim()
            return
        copy_text(self.app, text, f"claim {self.detail.id} as Markdown")

    def action_export(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        default = str(Path.cwd() / card_filename(detail.id, detail.statement))

        def chosen(path: str | None) -> None:
            if path:
                self._export_to(Path(path).expanduser(), self.markdown() or "")

        self.app.push_screen(PromptDialog("Export this claim's Markdown to", default), chosen)

    @work(thread=True, group="io", exit_on_error=False)
    def _export_to(self, path: Path, text: str) -> None:
        if path.is_dir() and self.detail is not None:
            path = path / card_filename(self.detail.id, self.detail.statement)
        try:
            write_atomic(path, lambda handle: handle.write(text))
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"Cannot write {path}: {exc.strerror}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.notify, f"Exported to {path}", markup=False)

    def action_import(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self._import(path)

        self.app.push_screen(
            PromptDialog("Import card files from (a file or a folder)", str(Path.cwd()) + "/"),
            chosen,
        )

    @work(thread=True, group="io", exit_on_error=False)
    def _import(self, path: str) -> None:
        files = collect([Path(path).expanduser()])
        self.app.call_from_thread(
            self._progress_start, f"Importing {len(files)} file(s)", len(files)
        )
        importer = Importer(
            self.curator.engine,
            on_result=lambda _: self.app.call_from_thread(self._progress_advance),
        )
        try:
            for file in files:
                importer.add(file)
            importer.flush()
        finally:
            self.app.call_from_thread(self._progress_done)
        results = importer.results
        failed = [r for r in results if not r.ok]
        imported = [i for r in results if r.status in ("imported", "replaced") for i in r.claim_ids]
        duplicates = sum(r.status == "duplicate" for r in results)
        for result in failed[:5]:
            self.app.call_from_thread(
                self.notify, result.message, severity="error", timeout=15, markup=False
            )
        summary = f"Imported {len(imported)} claim(s) from {len(results)} file(s)"
        if duplicates:
            summary += f"; {duplicates} already in the library"
        if failed:
            summary += f"; {len(failed)} failed"
        self.app.call_from_thread(
            self.notify, summary + ".", severity="error" if failed else "information", markup=False
        )
        self.app.call_from_thread(self.reload_list, imported[0] if imported else None)

    def _progress_start(self, label: str, total: int) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(total, 1), progress=0)
        bar.border_title = label
        bar.display = True

    def _progress_advance(self) -> None:
        self.query_one("#progress", ProgressBar).advance(1)

    def _progress_done(self) -> None:
        self.query_one("#progress", ProgressBar).display = False

    # --- navigation ------------------------------------------------------------------

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

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.search = event.value.strip()
        self.claim_list.cursor = 0
        self.reload_list()

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
            with filter_input.prevent(Input.Changed):
                filter_input.value = ""
            filter_input.display = False
        self.load_detail(claim_id)
        self.reload_list(claim_id)


# --- helpers for undo entries and validation --------------------------------------------


def _call(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[Session], int | None]:
    """An undo function: call a service with these arguments in the undo's session."""

    def run(session: Session) -> None:
        fn(session, *args, **kwargs)

    return run


def _delete_claim(session: Session, claim_id: int) -> None:
    claim_service.delete_claim(session, claim_id)


def _restore_claim(session: Session, claim_id: int, statement: str, synthesis: str) -> int:
    claim_service.update_claim(session, claim_id, statement=statement, synthesis=synthesis)
    return claim_id


def _undo_move(
    move: Callable[[Session, int, int], int], session: Session, ident: int, offset: int
) -> None:
    move(session, ident, offset)


def _position(session: Session, kind: str, ident: int) -> int:
    from curator_tui.models import GoldStandardItem, Mechanism, MechanismStep

    if kind == "step":
        return session.get_one(MechanismStep, ident).position
    if kind == "gold":
        return session.get_one(GoldStandardItem, ident).position
    return session.get_one(Mechanism, ident).rank


def _split_design(text: str) -> tuple[str, str]:
    """ "design -- description" (or with an em dash) into its two parts."""
    for separator in (" — ", " -- "):
        if separator in text:
            design, _, description = text.partition(separator)
            return design, description
    return text, ""


def _required(what: str) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        return None if text.strip() else f"{what} cannot be empty."

    return check


def _doi_problem(text: str) -> str | None:
    try:
        evidence_service.doi_or_error(text)
    except ServiceError as exc:
        return str(exc)
    return None


def _study_problem(values: dict[str, str]) -> str | None:
    for name in ("year", "sample_size"):
        value = values.get(name, "").strip()
        if value and not value.isdigit():
            return f"{name.replace('_', ' ').capitalize()} must be a whole number."
    return None
