"""The main screen: the claim list on the left, the claim's panes on the right.

The screen is the only place that calls the services, in thread workers, and hands the
widgets plain data. Panes post what the curator wants (``EditRequested``,
``DialogRequested``); one handler runs every edit through the ``EditRunner`` (which keeps
the inverses for ctrl+z) and shows its result (``Edited``): the claim reloaded, the cursor
on the row the edit names, a notice of what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.widgets import Footer, Header, Input, ProgressBar, TabbedContent, TabPane, TextArea

from curator_tui.cards.model import Stance
from curator_tui.cards.problems import Problem
from curator_tui.cards.render import render_markdown
from curator_tui.db import is_read_only, session_scope
from curator_tui.services import edits, history
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.crossref import CrossrefSettings
from curator_tui.services.errors import NotFound
from curator_tui.ui.drafts import Draft, Origin
from curator_tui.ui.edit_runner import EditRunner
from curator_tui.ui.guard import EditGuard, TypedText
from curator_tui.ui.messages import (
    AccessChecked,
    DetailLoaded,
    DialogRequested,
    DiffLoaded,
    DiffRequested,
    DraftsLoaded,
    Edited,
    EditFailed,
    EditRequested,
    HistoryLoaded,
    NothingToUndo,
    ProblemChosen,
    ProblemsChecked,
)
from curator_tui.ui.problem_checks import ProblemChecker, error_claims, target_key
from curator_tui.ui.screens import conflicts, openers
from curator_tui.ui.screens.claim_drafts import claim_draft, put_back_drafts
from curator_tui.ui.screens.dialogs import ConfirmDialog, EditDialog
from curator_tui.ui.screens.help import key_of
from curator_tui.ui.screens.main_keys import MAIN_BINDINGS, TAB_FOCUS
from curator_tui.ui.screens.transfer_actions import TransferActions
from curator_tui.ui.study_lookup import StudyLookup
from curator_tui.ui.widgets.claim_editor import ClaimEditor
from curator_tui.ui.widgets.claim_list import ClaimList
from curator_tui.ui.widgets.evidence import EvidenceList
from curator_tui.ui.widgets.filter_input import FilterInput
from curator_tui.ui.widgets.gold import GoldList
from curator_tui.ui.widgets.history import HistoryPane
from curator_tui.ui.widgets.item_list import ItemList
from curator_tui.ui.widgets.mechanisms import MechanismEditor
from curator_tui.ui.widgets.preview import Preview
from curator_tui.ui.widgets.problems import ProblemList

# Each pane's tab label, and the shorter one for a narrow terminal: at 80 columns the
# panes are 55 wide and the full labels need 77 ("7 Problems" was off the tab bar).
TAB_LABELS = {
    "claim": ("1 Claim", "1 Claim"),
    "mechanisms": ("2 Mechanisms", "2 Mech"),
    "evidence": ("3 Evidence", "3 Evid"),
    "gold": ("4 Gold", "4 Gold"),
    "preview": ("5 Preview", "5 Prev"),
    "history": ("6 History", "6 Hist"),
    "problems": ("7 Problems", "7 Prob"),
}
FULL_TABS_WIDTH = sum(len(full) + 2 for full, _ in TAB_LABELS.values())  # padding 0 1


class MainScreen(TransferActions):
    """Browse and edit the library."""

    BINDINGS = MAIN_BINDINGS

    def __init__(
        self,
        engine: Engine,
        library_name: str,
        crossref: CrossrefSettings | None = None,
        keys: dict[str, str] | None = None,
    ) -> None:
        """``keys``: the user's keymap (binding id to keys), to name keys in notices."""
        super().__init__(engine, library_name)
        self.keys = keys or {}
        # How the add-study dialog finds a DOI's record: the library, then Crossref.
        self.study_lookup = StudyLookup(engine, crossref or CrossrefSettings(cache_dir=None))
        self.edits = EditRunner(self, engine)
        self.guard = EditGuard()
        # A refused dialog's text, to open again once the claim is loaded as saved now.
        self.reopen: TypedText | None = None
        # The curation check (issue 13); a problem to go to once its claim is shown.
        self.checker = ProblemChecker(self, engine)
        self.jump_to: Problem | None = None
        # A library the curator may only browse and export (said in the header).
        self.read_only = False

    # --- layout ----------------------------------------------------------------------

    def on_resize(self, _event: events.Resize) -> None:
        self.call_after_refresh(self._fit_tabs)

    def _fit_tabs(self) -> None:
        """Shorter tab labels, closer together, where the full ones do not fit."""
        tabs = self.query_one(TabbedContent)
        compact = tabs.size.width < FULL_TABS_WIDTH
        if compact == tabs.has_class("-compact"):
            return  # as they are: a label set anew restyles the tab bar (~20 ms at start)
        tabs.set_class(compact, "-compact")
        for pane_id, (full, short) in TAB_LABELS.items():
            tabs.get_tab(pane_id).label = short if compact else full

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield FilterInput(placeholder="Filter claims…", id="filter")
                yield ClaimList(id="claims")
                yield ProgressBar(id="progress", show_eta=False)
            with TabbedContent(id="tabs", initial="mechanisms"):
                with TabPane(TAB_LABELS["claim"][0], id="claim"):
                    yield ClaimEditor(id="claim-editor")
                with TabPane(TAB_LABELS["mechanisms"][0], id="mechanisms"):
                    yield MechanismEditor(id="mechanism-editor")
                with TabPane(TAB_LABELS["evidence"][0], id="evidence"):
                    yield EvidenceList(Stance.SUPPORTING, id="supporting")
                    yield EvidenceList(Stance.CONTRADICTING, id="contradicting")
                with TabPane(TAB_LABELS["gold"][0], id="gold"):
                    yield GoldList(id="gold-list")
                with TabPane(TAB_LABELS["preview"][0], id="preview"):
                    yield Preview(id="preview-pane")
                with TabPane(TAB_LABELS["history"][0], id="history"):
                    yield HistoryPane(id="history-pane")
                with TabPane(TAB_LABELS["problems"][0], id="problems"):
                    yield ProblemList(id="problems-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one("#progress", ProgressBar).display = False
        self.query_one(ClaimList).focus()
        self.show_detail(None)
        self.first_page()
        self._check_access()
        # Watched rather than waiting for Input.Changed: the query starts with the keystroke,
        # while the screen is laid out again, instead of after it.
        self.watch(self.query_one("#filter", Input), "value", self.filter_typed, init=False)

    # --- showing a claim -------------------------------------------------------------

    @on(DetailLoaded)
    def detail_loaded(self, message: DetailLoaded) -> None:
        if message.request == self._detail_request:
            self.show_detail(message.detail)
            typed, self.reopen = self.reopen, None
            if typed is not None and message.detail is not None:
                self.open_dialog(typed.origin, typed.fields, message.detail, typed.focused)

    @on(ClaimList.Opened)
    def claim_opened(self, message: ClaimList.Opened) -> None:
        self.load_detail(message.row.id)
        self.action_tab(self.query_one(TabbedContent).active or "mechanisms")

    def show_detail(self, detail: ClaimDetail | None, keep: str | None = None) -> None:
        """Hand a claim (plain data) to every pane; ``keep``: the row the cursor goes to."""
        editor = self.query_one(ClaimEditor)
        if editor.dirty and (detail is None or detail.id != editor.claim_id):
            # Moving to another claim with unsaved text: keep the text, keep the claim.
            self.notify(
                "Unsaved changes to the statement: ctrl+s saves, escape discards.",
                severity="warning",
            )
            return
        self.detail = detail
        claim_id = detail.id if detail else None
        editor.show_claim(detail)
        self.query_one(MechanismEditor).show_claim(detail, keep)
        for pane in self.query(EvidenceList):
            pane.show_evidence(claim_id, detail.evidence if detail else None, keep)
        self.query_one(GoldList).show_gold(claim_id, detail.gold if detail else None, keep)
        self._follow(keep)
        active = self.query_one(TabbedContent).active
        if active == "preview" or detail is None:
            # Rendering Markdown widgets is the slowest part of showing a claim: only when seen.
            self.query_one(Preview).show_markdown(
                render_markdown(detail.to_card()) if detail else ""
            )
        if active == "history" or detail is None:
            self.refresh_history()
        self.check_shown(detail)
        self._show_sub_title()

    def _show_sub_title(self) -> None:
        """The library's name and the claim shown."""
        claim = f" · claim {self.detail.id}" if self.detail else ""
        self.sub_title = f"{self.library_name}{claim}"

    @work(thread=True, group="access", exit_on_error=False)
    def _check_access(self) -> None:
        # On PostgreSQL a query (the role's privileges): not on the event loop.
        self.post_message(AccessChecked(is_read_only(self.engine)))

    @on(AccessChecked)
    def access_checked(self, message: AccessChecked) -> None:
        self.read_only = message.read_only
        if message.read_only:
            # In the title: the header cuts a long library path short, never the title.
            self.title = f"{self.app.title} (read-only)"
            # Before anything is typed, rather than when the first save is refused.
            self.notify(
                "This library is read-only: you may browse and export, not change it.",
                severity="warning",
                timeout=10,
            )

    def _follow(self, keep: str | None) -> None:
        """The cursor follows an item that moved to the other list of its pane (a flip)."""
        focused = self.focused
        if keep is None or not isinstance(focused, ItemList) or focused.has_key(keep):
            return
        for pane in self.query(ItemList):
            if pane.parent is focused.parent and pane.has_key(keep):
                pane.focus()

    # --- the curation check (issue 13) --------------------------------------------------

    def check_shown(self, detail: ClaimDetail | None) -> None:
        """Check the claim now shown (after every edit too); go to a problem waiting for it."""
        problems = self.query_one(ProblemList)
        if detail is None:
            if not problems.library:
                problems.show_problems(None, [])
            return
        self.checker.check_claim(detail.id)
        if self.jump_to is not None and self.jump_to.claim == detail.id:
            problem, self.jump_to = self.jump_to, None
            self.go_to_problem(problem)

    @on(ProblemsChecked)
    def problems_checked(self, message: ProblemsChecked) -> None:
        pane = self.query_one(ProblemList)
        if message.library:
            self.claim_list.mark_errors(None, set(message.errors))
            pane.show_problems(None, message.problems, library=True, total=message.total)
            self.notify(f"Checked the library: {message.total:,} problem(s).", markup=False)
            return
        self.claim_list.mark_errors(message.claim_ids, error_claims(message.problems))
        if pane.library:
            pane.update_claims(message.claim_ids, message.problems)
        elif self.detail is not None and message.claim_ids == (self.detail.id,):
            pane.show_problems(self.detail.id, message.problems)

    @on(ClaimList.PageShown)
    def page_shown(self, message: ClaimList.PageShown) -> None:
        self.checker.check_claims(message.claim_ids)

    @on(ProblemChosen)
    def problem_chosen(self, message: ProblemChosen) -> None:
        self.go_to_problem(message.problem)

    def go_to_problem(self, problem: Problem) -> None:
        """Show the pane and the row of the part a problem names (loading its claim first)."""
        if self.detail is None or self.detail.id != problem.claim:
            self.jump_to = problem
            self.select_claim(problem.claim)
            return
        tab, selector, key = target_key(self.detail, problem)
        self.action_tab(tab)
        widget = self.query_one(selector)
        widget.focus()
        if key is not None and isinstance(widget, ItemList) and widget.has_key(key):
            widget.highlighted = [option.id for option in widget.options].index(key)

    def action_check_claim(self) -> None:
        """Check the current claim and show its problems."""
        if (detail := self.need_claim()) is not None:
            self.query_one(ProblemList).library = False  # the claim's, not the library's
            self.checker.check_claim(detail.id)
            self.action_tab("problems")

    def action_check_library(self) -> None:
        """Check every claim; the Problems pane lists what is found, the list marks errors."""
        self.notify("Checking the library…")
        self.checker.check_library()
        self.action_tab("problems")

    # --- history ---------------------------------------------------------------------

    def refresh_history(self) -> None:
        """Reload the history pane for the current claim."""
        if self.detail is None:
            self.query_one(HistoryPane).show_entries(None, [])
        else:
            self._load_history(self.detail.id)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _load_history(self, claim_id: int) -> None:
        with session_scope(self.engine) as session:
            entries = history.revisions(session, claim_id)
        self.post_message(HistoryLoaded(claim_id, entries))

    @on(HistoryLoaded)
    def history_loaded(self, message: HistoryLoaded) -> None:
        if self.detail is not None and self.detail.id == message.claim_id:
            self.query_one(HistoryPane).show_entries(message.claim_id, message.entries)

    @on(DiffRequested)
    def diff_requested(self, message: DiffRequested) -> None:
        self._load_diff(message.claim_id, message.revision)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def _load_diff(self, claim_id: int, revision: int) -> None:
        with session_scope(self.engine) as session:
            old = history.text_at(session, claim_id, revision)
            newest = history.latest(session, claim_id)
        now = newest[1] if newest else ""
        diff = history.unified_diff(old, now, f"revision {revision}", "now")
        self.post_message(DiffLoaded(claim_id, revision, diff))

    @on(DiffLoaded)
    def diff_loaded(self, message: DiffLoaded) -> None:
        self.query_one(HistoryPane).show_diff(message.claim_id, message.revision, message.diff)

    # --- edits: the one handler ------------------------------------------------------

    @on(EditRequested)
    def edit_requested(self, message: EditRequested) -> None:
        message.stop()
        # Made on the claim as shown now: refused if it changed before the edit runs.
        edit, question = self.guard.wrap(message.edit, self.detail), message.confirm
        if question is None:
            self.run_edit(edit)
            return

        def decided(yes: bool | None) -> None:
            if yes:
                self.run_edit(edit)

        self.app.push_screen(ConfirmDialog(question, yes="Yes"), decided)

    def run_edit(self, edit: edits.Edit) -> None:
        """Apply an edit (in a worker); ``Edited`` or ``EditFailed`` follows."""
        self.edits.run(edit)

    def action_undo(self) -> None:
        """Undo the newest edit of this session (in a worker)."""
        self.edits.undo()

    @on(Edited)
    def edited(self, message: Edited) -> None:
        applied, detail = message.applied, message.detail
        self.guard.saved(applied.edit)
        editor = self.query_one(ClaimEditor)
        if detail is not None and editor.claim_id == detail.id:
            saved = (
                isinstance(applied.edit, (edits.EditClaim, edits.Revived))
                and message.undone is None
            )
            if editor.dirty and not saved:
                # Our own edit bumped the version: unsaved statement text is not a conflict.
                editor.version = detail.version
            else:
                editor.show_claim(detail, force=True)
        self.show_detail(detail, openers.focus_key(applied))
        self.reload_list(detail.id if detail else None)
        if message.undone is not None:
            self.notify(f"Undone: {message.undone}", markup=False)
        else:
            self.notify(applied.summary[:1].upper() + applied.summary[1:] + ".", markup=False)
        if isinstance(applied.edit, edits.CreateClaim):
            self.action_tab("mechanisms")

    @on(EditFailed)
    def edit_failed(self, message: EditFailed) -> None:
        edit = message.edit
        typed = self.guard.refused(edit)
        if (
            message.conflict
            and message.undone is None
            and isinstance(edit, edits.EditClaim)
            and edit.expected_version is not None
        ):
            conflicts.ask_overwrite(self, edit, message.reason, message.now)
            return
        if message.conflict and message.undone is None:
            conflicts.changed_elsewhere(self, edit, message.reason, typed)
            return
        deletion = message.deleted
        if (
            deletion is not None
            and typed is None
            and conflicts.ask_bring_back(self, edit, deletion)
        ):
            return
        if message.undone is not None:
            reason = f"Cannot undo {message.undone}: {message.reason}"
            if message.conflict:
                # Undo cannot go past another curator's change; a revision still can.
                history, restore = (
                    key_of("tabs.history", self.keys),
                    key_of("history.restore", self.keys),
                )
                reason += (
                    f". Press {history} for the History pane: {restore} there restores an"
                    " earlier revision."
                )
        elif deletion is not None:
            # Its parts came back with new ids if it were restored: this text cannot be
            # saved into them. It is kept in the dialog, to copy out or save elsewhere.
            reason = (
                f"{conflicts.deleted_by(deletion.claim_id, deletion)}: your text is kept here;"
                f" `curator restore {deletion.claim_id} {deletion.revision}` brings the claim back"
            )
        else:
            reason = message.reason[:1].upper() + message.reason[1:]
        self.notify(reason, severity="error", markup=False)
        if typed is not None and self.detail is not None:
            # Refused for another reason (the server went away, a read-only library):
            # the dialog comes back with what was typed, to save again or copy out.
            self.open_dialog(typed.origin, typed.fields, self.detail, typed.focused, reason)

    @on(NothingToUndo)
    def nothing_to_undo(self) -> None:
        self.notify("Nothing to undo.")

    # --- dialogs ---------------------------------------------------------------------

    @on(DialogRequested)
    def dialog_requested(self, message: DialogRequested) -> None:
        message.stop()
        self.open_dialog(message.origin)

    def open_dialog(
        self,
        origin: Origin,
        draft: dict[str, str] | None = None,
        detail: ClaimDetail | None = None,
        focus: str | None = None,
        refused_because: str | None = None,
    ) -> None:
        """Open the dialog an origin names (with a draft's text), for ``detail`` or the current
        claim; ``focus``: the field to put the cursor in; ``refused_because``: why the
        library refused this text last time, said in the dialog."""
        if origin.action == "new_claim":
            self.app.push_screen(openers.new_claim(self.run_edit, draft))
            return
        if origin.action == "import":
            self.open_import(draft)
            return
        detail = detail or self.need_claim()
        if detail is None or (origin.claim_id is not None and origin.claim_id != detail.id):
            return
        if origin.action == "export":
            self.open_export(detail, draft)
            return
        shown = detail
        opened: list[EditDialog[Any]] = []

        def run(edit: edits.Edit) -> None:
            # The version the dialog was opened on, and its text to reopen on a conflict.
            typed = (
                TypedText(origin, opened[0].saved_fields, opened[0].saved_focus) if opened else None
            )
            self.run_edit(self.guard.wrap(edit, shown, typed))

        dialog = openers.claim_dialog(origin, detail, run, draft, self.study_lookup.find)
        if isinstance(dialog, EditDialog):
            dialog.refocus = focus
            dialog.refused_because = refused_because
            opened.append(dialog)
        if isinstance(dialog, str):
            self.notify(dialog, severity="warning")
        elif dialog is not None:
            self.app.push_screen(dialog)

    # --- the claim -------------------------------------------------------------------

    def action_new_claim(self) -> None:
        self.open_dialog(Origin("new_claim"))

    def action_delete_claim(self) -> None:
        if (detail := self.need_claim()) is not None:
            self.post_message(
                EditRequested(
                    edits.DeleteClaim(detail.id),
                    confirm=f"Delete claim {detail.id}? (ctrl+z undoes)",
                )
            )

    def save_claim(self) -> bool:
        """Save the claim pane's text (in a worker); False when there is nothing it can save."""
        editor = self.query_one(ClaimEditor)
        edit = editor.pending_edit()
        if isinstance(edit, str):
            self.notify(edit, severity="error")
            return False
        if edit is not None:
            self.run_edit(edit)
        return edit is not None

    @on(ClaimEditor.CancelRequested)
    def cancel_claim(self) -> None:
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

    # --- unsaved text and drafts -----------------------------------------------------

    def has_unsaved_text(self) -> bool:
        """Unsaved text in the claim pane?"""
        return self.query_one(ClaimEditor).dirty

    def waiting_on_typing(self) -> bool:
        """The library screen's timers, or the page check's (the list's problem marks)."""
        return super().waiting_on_typing() or self.checker.page_check_waiting()

    def unsaved_draft(self) -> Draft | None:
        """The claim pane's text, if it is not saved."""
        return claim_draft(self.query_one(ClaimEditor))

    def save_unsaved(self) -> bool:
        """Save the claim pane's text as ctrl+s would."""
        return self.save_claim()

    @work(thread=True, group="drafts", exit_on_error=False)
    def restore_drafts(self, drafts: list[Draft], restored: Callable[[], None]) -> None:
        """Put drafts back: the claim pane's text, then each dialog reopened with its text.

        ``restored`` is called once the text is back (to forget the drafts file).
        """
        details: dict[int, ClaimDetail | None] = {}
        for draft in drafts:
            if draft.claim_id is not None and draft.claim_id not in details:
                try:
                    with session_scope(self.engine) as session:
                        details[draft.claim_id] = load_claim(session, draft.claim_id)
                except NotFound:
                    details[draft.claim_id] = None
        self.post_message(DraftsLoaded(drafts, details, restored))

    @on(DraftsLoaded)
    def put_back(self, message: DraftsLoaded) -> None:
        put_back_drafts(self, message)

    # --- navigation ------------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "preview" and self.detail is not None:
            self.query_one(Preview).show_markdown(render_markdown(self.detail.to_card()))
        elif event.pane.id == "history":
            self.refresh_history()

    def action_tab(self, tab: str) -> None:
        """Show a pane and focus what is in it."""
        self.query_one(TabbedContent).active = tab
        widget = self.query_one(TAB_FOCUS[tab])
        widget.focus()
        if isinstance(widget, TextArea):
            widget.move_cursor(widget.document.end)

    def action_back(self) -> None:
        if self.focused is self.query_one("#filter", Input):
            self.close_filter()
        else:
            self.claim_list.focus()

    def run_binding(self, binding: Binding) -> None:
        """Run a binding chosen in the palette where it is defined (the focused pane first)."""

        def defines(node: DOMNode | None) -> bool:
            return node is not None and any(
                isinstance(b, Binding) and b.id == binding.id for b in type(node).BINDINGS
            )

        nodes: list[DOMNode | None] = [self, self.focused, *self.query("*")]
        target = next((node for node in nodes if defines(node)), None)
        if target is not None:
            self.call_later(self.app.run_action, binding.action, target)
