"""The mechanism-step editor: the most probable mechanism and the ranked alternatives."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.text import strip_controls
from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail, MechanismView
from curator_tui.ui.widgets.item_list import Hanging, ItemList, can_move, item


def mechanism_name(rank: int) -> str:
    """How the card names a mechanism of this rank."""
    return "the most probable mechanism" if rank == 0 else f"alternative {rank}"


class MechanismEditor(ItemList):
    """Headings, summaries and numbered steps; keys act on the highlighted line."""

    BINDINGS = [
        Binding(
            "a",
            "add_step",
            "Add step",
            tooltip="Add a step after the cursor",
            id="steps.add",
        ),
        Binding(
            "enter,e",
            "edit_item",
            "Edit",
            tooltip="Edit the step or summary",
            id="steps.edit",
        ),
        Binding(
            "d,delete",
            "delete_item",
            "Delete",
            tooltip="Delete the step (ctrl+z undoes)",
            id="steps.delete",
        ),
        Binding(
            "shift+up,K",
            "move_item(-1)",
            "Move up",
            tooltip="Move the step or mechanism up",
            id="steps.up",
        ),
        Binding(
            "shift+down,J",
            "move_item(1)",
            "Move down",
            tooltip="Move the step or mechanism down",
            id="steps.down",
        ),
        Binding(
            "A",
            "add_alternative",
            "Add alternative",
            tooltip="Add a less-supported mechanism",
            id="mechanisms.add",
        ),
        Binding(
            "p",
            "promote",
            "Promote",
            tooltip="Make this alternative the most probable",
            id="mechanisms.promote",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mechanisms: tuple[MechanismView, ...] = ()

    def show_claim(self, detail: ClaimDetail | None, keep: str | None = None) -> None:
        """Show a claim's mechanisms (or nothing); highlight ``keep`` if it is here."""
        self.claim_id = detail.id if detail else None
        self.mechanisms = detail.mechanisms if detail else ()
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
                    head = Text(f"{number:>2}. ", style="bold")
                    body = Text(strip_controls(step.text))
                    options.append(item(Hanging(head, body), f"step:{step.id}"))
        self.show(options, keep)

    def _mechanism_of(self) -> tuple[MechanismView, int | None] | None:
        """(the highlighted line's mechanism, the step's index when it is a step)."""
        hit = self.highlighted_as("step", "mechanism", "summary")
        if hit is None:
            return None
        kind, ident = hit
        for mechanism in self.mechanisms:
            if kind != "step" and mechanism.id == ident:
                return mechanism, None
            for index, step in enumerate(mechanism.steps):
                if kind == "step" and step.id == ident:
                    return mechanism, index
        return None

    def action_add_step(self) -> None:
        if not self.has_claim():
            return
        where = self._mechanism_of()
        if where is not None:
            mechanism, index = where
            position = 0 if index is None else index + 1
        elif self.mechanisms:
            mechanism = self.mechanisms[0]
            position = len(mechanism.steps)
        else:
            self.notify("Add a mechanism first: press A.", severity="warning")
            return
        self.ask("add_step", mechanism_id=mechanism.id, position=position)

    def action_edit_item(self) -> None:
        hit = self.highlighted_as("step", "summary", "mechanism")
        if hit is None:
            return
        kind, ident = hit
        if kind == "step":
            self.ask("edit_step", step_id=ident)
        else:
            self.ask("edit_summary", mechanism_id=ident)

    def action_delete_item(self) -> None:
        where = self._mechanism_of()
        hit = self.highlighted_as("step", "mechanism", "summary")
        if where is None or hit is None:
            return
        mechanism = where[0]
        if hit[0] == "step":
            self.request(edits.DeleteStep(hit[1]))
            return
        question = (
            f"Delete {mechanism_name(mechanism.rank)} and its {len(mechanism.steps)} step(s)?"
            " (ctrl+z undoes)"
        )
        self.request(edits.DeleteMechanism(mechanism.id), confirm=question)

    def action_move_item(self, offset: int) -> None:
        where = self._mechanism_of()
        if where is None:
            return
        mechanism, index = where
        if index is not None:
            step_id = mechanism.steps[index].id
            if can_move((s.id for s in mechanism.steps), step_id, offset):
                self.request(edits.MoveStep(step_id, offset))
        elif can_move((m.id for m in self.mechanisms), mechanism.id, offset):
            self.request(edits.MoveMechanism(mechanism.id, offset))

    def action_add_alternative(self) -> None:
        if self.has_claim():
            self.ask("add_mechanism")

    def action_promote(self) -> None:
        if not self.has_claim():
            return
        where = self._mechanism_of()
        if where is None:
            self.notify(
                "Put the cursor on an alternative mechanism to promote it.", severity="warning"
            )
        elif where[0].rank == 0:
            self.notify("This is already the most probable mechanism.")
        else:
            self.request(edits.PromoteMechanism(where[0].id))
