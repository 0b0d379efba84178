"""Mechanism and step actions: add, edit, delete, move, promote."""

from __future__ import annotations

from sqlmodel import Session

from curator_tui.services import mechanisms as mechanism_service
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.drafts import Origin
from curator_tui.ui.screens.checks import required
from curator_tui.ui.screens.dialogs import (
    ConfirmDialog,
    TextDialog,
)
from curator_tui.ui.screens.editing import EditingScreen, Outcome
from curator_tui.ui.screens.undo_steps import call
from curator_tui.ui.widgets.mechanisms import MechanismEditor
from curator_tui.undo import UndoEntry


class MechanismActions(EditingScreen):
    """Mechanism and step actions: add, edit, delete, move, promote."""

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
        self.open_add_step(detail.id, mechanism_id, position)

    def open_add_step(
        self,
        claim_id: int,
        mechanism_id: int,
        position: int | None,
        draft: dict[str, str] | None = None,
    ) -> None:
        """The new-step dialog for a mechanism, the step to go at ``position``."""

        def write(text: str) -> None:
            def operation(session: Session) -> Outcome:
                step_id = mechanism_service.add_step(session, mechanism_id, text, position)
                return UndoEntry(
                    "add step", call(mechanism_service.delete_step, step_id)
                ), f"step:{step_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "New step",
                validate=required("A step"),
                on_save=write,
                draft=draft,
                origin=Origin(
                    "add_step", claim_id, {"mechanism_id": mechanism_id, "position": position}
                ),
            )
        )

    def _edit_mechanism_item(self, detail: ClaimDetail, editor: MechanismEditor) -> None:
        hit = editor.highlighted_as("step", "summary", "mechanism")
        if hit is None:
            return
        kind, ident = hit
        if kind == "step":
            self.open_edit_step(detail, ident)
        else:
            self.open_edit_summary(detail, ident)

    def open_edit_step(
        self, detail: ClaimDetail, step_id: int, draft: dict[str, str] | None = None
    ) -> None:
        """The dialog editing one step of the claim."""
        old = next((s.text for m in detail.mechanisms for s in m.steps if s.id == step_id), None)
        if old is None:
            self.notify("That step is no longer in the claim.", severity="warning")
            return

        def save_step(text: str) -> None:
            if text == old:
                return

            def operation(session: Session) -> Outcome:
                mechanism_service.edit_step(session, step_id, text)
                return UndoEntry(
                    "edit step", call(mechanism_service.edit_step, step_id, old)
                ), f"step:{step_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "Edit step",
                old,
                validate=required("A step"),
                on_save=save_step,
                draft=draft,
                origin=Origin("edit_step", detail.id, {"step_id": step_id}),
            )
        )

    def open_edit_summary(
        self, detail: ClaimDetail, mechanism_id: int, draft: dict[str, str] | None = None
    ) -> None:
        """The dialog editing a mechanism's summary."""
        summary = next((m.summary for m in detail.mechanisms if m.id == mechanism_id), None)
        if summary is None:
            self.notify("That mechanism is no longer in the claim.", severity="warning")
            return

        def save_summary(text: str) -> None:
            if text == summary:
                return

            def operation(session: Session) -> Outcome:
                mechanism_service.update_mechanism(session, mechanism_id, text)
                undo = UndoEntry(
                    "edit summary", call(mechanism_service.update_mechanism, mechanism_id, summary)
                )
                return undo, f"summary:{mechanism_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "Mechanism summary",
                summary,
                on_save=save_summary,
                draft=draft,
                origin=Origin("edit_summary", detail.id, {"mechanism_id": mechanism_id}),
            )
        )

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
                    "delete step", call(mechanism_service.add_step, mechanism_id, text, index)
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
        self.open_add_mechanism(detail)

    def open_add_mechanism(self, detail: ClaimDetail, draft: dict[str, str] | None = None) -> None:
        """The dialog adding a mechanism (the most probable one if there is none yet)."""
        label = (
            "Most probable mechanism: summary"
            if not detail.mechanisms
            else "New alternative mechanism: summary"
        )

        def write(text: str) -> None:
            def operation(session: Session) -> Outcome:
                mechanism_id = mechanism_service.add_mechanism(session, detail.id, text)
                undo = UndoEntry(
                    "add mechanism", call(mechanism_service.delete_mechanism, mechanism_id)
                )
                return undo, f"mechanism:{mechanism_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(label, on_save=write, draft=draft, origin=Origin("add_mechanism", detail.id))
        )

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
            undo = UndoEntry("promote", call(mechanism_service.move_mechanism, chosen, rank))
            return undo, f"mechanism:{chosen}"

        self.edit(operation)
