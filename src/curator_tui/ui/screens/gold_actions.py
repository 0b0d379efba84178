"""Gold-standard actions: add, edit, delete designs."""

from __future__ import annotations

from sqlmodel import Session

from curator_tui.services import gold as gold_service
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.drafts import Origin
from curator_tui.ui.screens.checks import required, split_design
from curator_tui.ui.screens.dialogs import (
    TextDialog,
)
from curator_tui.ui.screens.editing import EditingScreen, Outcome
from curator_tui.ui.screens.undo_steps import call
from curator_tui.ui.widgets.gold import GoldList
from curator_tui.ui.widgets.item_list import ItemList
from curator_tui.undo import UndoEntry


class GoldActions(EditingScreen):
    """Gold-standard actions: add, edit, delete designs."""

    # gold standard

    def action_add_gold(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        hit = self.query_one(GoldList).highlighted_as("gold")
        ids = [g.id for g in detail.gold]
        position = ids.index(hit[1]) + 1 if hit and hit[1] in ids else len(ids)
        self.open_add_gold(detail.id, position)

    def open_add_gold(
        self, claim_id: int, position: int, draft: dict[str, str] | None = None
    ) -> None:
        """The dialog adding a gold-standard design at ``position``."""

        def write(text: str) -> None:
            design, description = split_design(text)

            def operation(session: Session) -> Outcome:
                item_id = gold_service.add_gold(session, claim_id, design, description, position)
                return UndoEntry(
                    "add design", call(gold_service.delete_gold, item_id)
                ), f"gold:{item_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "New study design (optionally: design -- description)",
                validate=required("A study design"),
                on_save=write,
                draft=draft,
                origin=Origin("add_gold", claim_id, {"position": position}),
            )
        )

    def _edit_gold(self, detail: ClaimDetail, target: ItemList) -> None:
        hit = target.highlighted_as("gold")
        if hit is None:
            return
        self.open_edit_gold(detail, hit[1])

    def open_edit_gold(
        self, detail: ClaimDetail, item_id: int, draft: dict[str, str] | None = None
    ) -> None:
        """The dialog editing one gold-standard design."""
        item = next((g for g in detail.gold if g.id == item_id), None)
        if item is None:
            self.notify("That study design is no longer in the claim.", severity="warning")
            return
        old = f"{item.design} — {item.description}" if item.description else item.design

        def save(text: str) -> None:
            if text == old:
                return
            design, description = split_design(text)

            def operation(session: Session) -> Outcome:
                gold_service.edit_gold(session, item_id, design, description)
                undo = UndoEntry(
                    "edit design",
                    call(gold_service.edit_gold, item_id, item.design, item.description),
                )
                return undo, f"gold:{item_id}"

            self.edit(operation)

        self.app.push_screen(
            TextDialog(
                "Edit study design (design -- description)",
                old,
                validate=required("A study design"),
                on_save=save,
                draft=draft,
                origin=Origin("edit_gold", detail.id, {"item_id": item_id}),
            )
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
                call(gold_service.add_gold, detail.id, item.design, item.description, index),
            )
            return undo, None

        self.edit(operation)
