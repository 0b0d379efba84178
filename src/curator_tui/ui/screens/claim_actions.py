"""Claim actions: create, delete, save with conflict detection, cancel."""

from __future__ import annotations

from sqlmodel import Session
from textual import work

from curator_tui.db import session_scope
from curator_tui.services import claims as claim_service
from curator_tui.services.cards import ClaimDetail, create_from_card, load_claim
from curator_tui.services.errors import Conflict, ServiceError
from curator_tui.ui.drafts import Origin
from curator_tui.ui.screens.checks import required
from curator_tui.ui.screens.dialogs import (
    ConfirmDialog,
    TextDialog,
)
from curator_tui.ui.screens.editing import EditingScreen, Outcome
from curator_tui.ui.screens.undo_steps import delete_claim, restore_claim
from curator_tui.ui.widgets.claim_editor import ClaimEditor
from curator_tui.undo import UndoEntry


class ClaimActions(EditingScreen):
    """Create, delete and save claims (statement and synthesis)."""

    def action_new_claim(self) -> None:
        self.open_new_claim()

    def open_new_claim(self, draft: dict[str, str] | None = None) -> None:
        """The new-claim dialog (with unsaved text from a draft)."""

        def created(text: str) -> None:
            def operation(session: Session) -> Outcome:
                claim_id = claim_service.create_claim(session, text)
                self._new_claim = claim_id
                return UndoEntry("create claim", lambda s: delete_claim(s, claim_id)), None

            self._new_claim = None
            self.edit(operation, claim_id=lambda: self._new_claim, then_tab="mechanisms")

        self.app.push_screen(
            TextDialog(
                "New claim: the statement",
                validate=required("The statement"),
                on_save=created,
                draft=draft,
                origin=Origin("new_claim"),
            )
        )

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
        self.save_claim()

    def save_claim(self) -> bool:
        """Save the claim pane's text (in a worker); False when there is nothing it can save."""
        editor = self.query_one(ClaimEditor)
        if (detail := self._need_claim()) is None or editor.claim_id != detail.id:
            return False
        statement, synthesis = editor.values
        if not statement.strip():
            self.notify("The statement cannot be empty.", severity="error")
            return False
        old = (detail.statement, detail.synthesis)
        self._save_claim(detail.id, statement, synthesis, editor.version, old)
        return True

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
                UndoEntry("edit statement", lambda s: restore_claim(s, claim_id, *old))
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
