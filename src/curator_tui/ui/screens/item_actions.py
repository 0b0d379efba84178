"""The item keys (edit, delete, move) routed to the focused pane's actions."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from curator_tui.services import gold as gold_service
from curator_tui.services import mechanisms as mechanism_service
from curator_tui.ui.screens.editing import Outcome
from curator_tui.ui.screens.evidence_actions import EvidenceActions
from curator_tui.ui.screens.gold_actions import GoldActions
from curator_tui.ui.screens.mechanism_actions import MechanismActions
from curator_tui.ui.screens.undo_steps import position, undo_move
from curator_tui.ui.widgets.evidence import EvidenceList
from curator_tui.ui.widgets.gold import GoldList
from curator_tui.ui.widgets.mechanisms import MechanismEditor
from curator_tui.undo import UndoEntry


class ItemActions(MechanismActions, EvidenceActions, GoldActions):
    """Edit, delete and move act on whatever the focused pane has under its cursor."""

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
            before = position(session, kind, ident)
            after = move(session, ident, offset)
            if after == before:
                return None, f"{kind}:{ident}"
            return UndoEntry(
                f"move {kind}", lambda s: undo_move(move, s, ident, before - after)
            ), f"{kind}:{ident}"

        self.edit(operation)
