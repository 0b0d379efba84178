"""Drafts of the claim pane: what is unsaved, and putting drafts back after a restart.

ui/drafts.py keeps the drafts file; this is the main screen's side of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from curator_tui.ui.drafts import Draft
from curator_tui.ui.messages import DraftsLoaded
from curator_tui.ui.widgets.claim_editor import ClaimEditor

if TYPE_CHECKING:
    from curator_tui.ui.screens.main import MainScreen


def claim_draft(editor: ClaimEditor) -> Draft | None:
    """The claim pane's text, if it is not saved."""
    if not editor.dirty:
        return None
    statement, synthesis = editor.values
    return Draft(
        where="claim",
        title=f"Claim {editor.claim_id}",
        fields={"statement": statement, "synthesis": synthesis},
        claim_id=editor.claim_id,
        version=editor.version,
        changed=editor.changed_fields(),
    )


def put_back_drafts(screen: MainScreen, message: DraftsLoaded) -> None:
    """Put each draft back: the claim pane's text, then each dialog with its text."""
    for draft in sorted(message.drafts, key=lambda d: d.where != "claim"):
        claim_id = draft.claim_id
        detail = message.details.get(claim_id) if claim_id is not None else None
        if claim_id is not None and detail is None:
            text = " / ".join(t for t in draft.fields.values() if t.strip())
            screen.notify(
                f"Claim {claim_id} is gone; the text typed for it was: {text}",
                severity="warning",
                timeout=60,
                markup=False,
            )
            continue
        if detail is not None:
            screen.show_detail(detail)
            screen.reload_list(detail.id)
        if draft.where == "claim" and detail is not None:
            screen.query_one(ClaimEditor).put_draft(
                draft.fields.get("statement", ""),
                draft.fields.get("synthesis", ""),
                draft.version,
            )
            screen.action_tab("claim")
        elif draft.origin is not None:
            screen.open_dialog(draft.origin, draft.fields, detail)
    message.restored()
