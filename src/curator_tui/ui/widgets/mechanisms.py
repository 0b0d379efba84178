"""The mechanism-step editor: the most probable mechanism and the ranked alternatives."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.text import strip_controls
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.widgets.item_list import ItemList, item


class MechanismEditor(ItemList):
    """Headings, summaries and numbered steps; keys act on the highlighted line."""

    BINDINGS = [
        Binding(
            "a",
            "screen.add_step",
            "Add step",
            tooltip="Add a step after the cursor",
            id="steps.add",
        ),
        Binding(
            "enter,e",
            "screen.edit_item",
            "Edit",
            tooltip="Edit the step or summary",
            id="steps.edit",
        ),
        Binding(
            "d,delete",
            "screen.delete_item",
            "Delete",
            tooltip="Delete the step (ctrl+z undoes)",
            id="steps.delete",
        ),
        Binding(
            "shift+up,K",
            "screen.move_item(-1)",
            "Move up",
            tooltip="Move the step or mechanism up",
            id="steps.up",
        ),
        Binding(
            "shift+down,J",
            "screen.move_item(1)",
            "Move down",
            tooltip="Move the step or mechanism down",
            id="steps.down",
        ),
        Binding(
            "A",
            "screen.add_alternative",
            "Add alternative",
            tooltip="Add a less-supported mechanism",
            id="mechanisms.add",
        ),
        Binding(
            "p",
            "screen.promote",
            "Promote",
            tooltip="Make this alternative the most probable",
            id="mechanisms.promote",
        ),
    ]

    def show_claim(self, detail: ClaimDetail | None, keep: str | None = None) -> None:
        """Show a claim's mechanisms (or nothing)."""
        options = []
        if detail is not None:
            if not detail.mechanisms:
                options.append(
                    item(
                        Text(
                            "No mechanism yet: press A to add the most probable one.",
                            style="italic",
                        ),
                        "none:0",
                    )
                )
            for mechanism in detail.mechanisms:
                title = (
                    "MOST PROBABLE MECHANISM"
                    if mechanism.rank == 0
                    else f"ALTERNATIVE {mechanism.rank} · less supported, not ruled out"
                )
                options.append(item(Text(title, style="bold"), f"mechanism:{mechanism.id}"))
                summary = strip_controls(mechanism.summary) or "(no summary: press e to write one)"
                options.append(item(Text(summary, style="italic"), f"summary:{mechanism.id}"))
                for number, step in enumerate(mechanism.steps, 1):
                    line = Text(f"{number:>2}. ", style="bold")
                    line.append(strip_controls(step.text))
                    options.append(item(line, f"step:{step.id}"))
        self.show(options, keep)
