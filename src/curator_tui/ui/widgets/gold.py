"""The gold-standard pane: the ideal study designs, strongest first."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.text import strip_controls
from curator_tui.services import edits
from curator_tui.services.cards import GoldView
from curator_tui.ui.widgets.item_list import Hanging, ItemList, can_move, item


class GoldList(ItemList):
    """Numbered study designs."""

    BINDINGS = [
        Binding(
            "a",
            "add_gold",
            "Add design",
            tooltip="Add a study design after the cursor",
            id="gold.add",
        ),
        Binding("enter,e", "edit_item", "Edit", tooltip="Edit the study design", id="gold.edit"),
        Binding(
            "d,delete",
            "delete_item",
            "Delete",
            tooltip="Delete the design (ctrl+z undoes)",
            id="gold.delete",
        ),
        Binding(
            "shift+up,K",
            "move_item(-1)",
            "Move up",
            tooltip="Move the design up",
            id="gold.up",
        ),
        Binding(
            "shift+down,J",
            "move_item(1)",
            "Move down",
            tooltip="Move the design down",
            id="gold.down",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.gold: tuple[GoldView, ...] = ()

    def show_gold(
        self, claim_id: int | None, gold: tuple[GoldView, ...] | None, keep: str | None = None
    ) -> None:
        """Show the designs; highlight ``keep`` if it is here."""
        self.claim_id = claim_id
        self.gold = gold or ()
        options = []
        for number, design in enumerate(self.gold, 1):
            body = Text(strip_controls(design.design), style="bold")
            if design.description:
                body.append(" — " + strip_controls(design.description))
            options.append(
                item(Hanging(Text(f"{number:>2}. ", style="bold"), body), f"gold:{design.id}")
            )
        if not options:
            options.append(
                item(Text("No study designs yet: press a to add one.", style="italic"), "none:0")
            )
        self.show(options, keep)

    def _item(self) -> int | None:
        hit = self.highlighted_as("gold")
        return hit[1] if hit else None

    def action_add_gold(self) -> None:
        if not self.has_claim():
            return
        ids = [g.id for g in self.gold]
        current = self._item()
        position = ids.index(current) + 1 if current in ids else len(ids)
        self.ask("add_gold", position=position)

    def action_edit_item(self) -> None:
        if (ident := self._item()) is not None:
            self.ask("edit_gold", item_id=ident)

    def action_delete_item(self) -> None:
        if (ident := self._item()) is not None:
            self.request(edits.DeleteGold(ident))

    def action_move_item(self, offset: int) -> None:
        ident = self._item()
        if ident is not None and can_move((g.id for g in self.gold), ident, offset):
            self.request(edits.MoveGold(ident, offset))
