"""The gold-standard pane: the ideal study designs, strongest first."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.text import strip_controls
from curator_tui.services.cards import GoldView
from curator_tui.ui.widgets.item_list import ItemList, item


class GoldList(ItemList):
    """Numbered study designs."""

    BINDINGS = [
        Binding(
            "a",
            "screen.add_gold",
            "Add design",
            tooltip="Add a study design after the cursor",
            id="gold.add",
        ),
        Binding(
            "enter,e", "screen.edit_item", "Edit", tooltip="Edit the study design", id="gold.edit"
        ),
        Binding(
            "d,delete",
            "screen.delete_item",
            "Delete",
            tooltip="Delete the design (ctrl+z undoes)",
            id="gold.delete",
        ),
        Binding(
            "shift+up,K",
            "screen.move_item(-1)",
            "Move up",
            tooltip="Move the design up",
            id="gold.up",
        ),
        Binding(
            "shift+down,J",
            "screen.move_item(1)",
            "Move down",
            tooltip="Move the design down",
            id="gold.down",
        ),
    ]

    def show_gold(self, gold: tuple[GoldView, ...] | None) -> None:
        """Show the designs."""
        options = []
        for number, design in enumerate(gold or (), 1):
            line = Text(f"{number:>2}. ", style="bold")
            line.append(strip_controls(design.design), style="bold")
            if design.description:
                line.append(" — " + strip_controls(design.description))
            options.append(item(line, f"gold:{design.id}"))
        if not options:
            options.append(
                item(Text("No study designs yet: press a to add one.", style="italic"), "none:0")
            )
        self.show(options)
