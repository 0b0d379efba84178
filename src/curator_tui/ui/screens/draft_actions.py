"""Unsaved text on the main screen: hand it over as a draft, save it, put a draft back."""

from __future__ import annotations

from collections.abc import Callable

from textual import work

from curator_tui.cards.model import Stance
from curator_tui.db import session_scope
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.errors import NotFound
from curator_tui.ui.drafts import Draft
from curator_tui.ui.screens.claim_actions import ClaimActions
from curator_tui.ui.screens.item_actions import ItemActions
from curator_tui.ui.screens.transfer_actions import TransferActions
from curator_tui.ui.widgets.claim_editor import ClaimEditor


class DraftActions(ClaimActions, ItemActions, TransferActions):
    """The claim pane's unsaved text as a draft, and drafts put back where they were typed."""

    def unsaved_draft(self) -> Draft | None:
        """The claim pane's text, if it is not saved."""
        editor = self.query_one(ClaimEditor)
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
                    with session_scope(self.curator.engine) as session:
                        details[draft.claim_id] = load_claim(session, draft.claim_id)
                except NotFound:
                    details[draft.claim_id] = None
        self.app.call_from_thread(self._put_back, drafts, details, restored)

    def _put_back(
        self,
        drafts: list[Draft],
        details: dict[int, ClaimDetail | None],
        restored: Callable[[], None],
    ) -> None:
        for draft in sorted(drafts, key=lambda d: d.where != "claim"):
            detail = details.get(draft.claim_id) if draft.claim_id is not None else None
            if draft.claim_id is not None and detail is None:
                text = " / ".join(t for t in draft.fields.values() if t.strip())
                self.notify(
                    f"Claim {draft.claim_id} is gone; the text typed for it was: {text}",
                    severity="warning",
                    timeout=60,
                    markup=False,
                )
                continue
            if detail is not None:
                self.show_detail(detail)
                self.reload_list(detail.id)
            if draft.where == "claim" and detail is not None:
                editor = self.query_one(ClaimEditor)
                editor.put_draft(
                    draft.fields.get("statement", ""),
                    draft.fields.get("synthesis", ""),
                    draft.version,
                )
                self.action_tab("claim")
            else:
                self.reopen(draft, detail)
        restored()

    def reopen(self, draft: Draft, detail: ClaimDetail | None) -> None:
        """Open the dialog a draft was typed in, with its text."""
        origin = draft.origin
        if origin is None:
            return
        args, text = origin.args, draft.fields
        if detail is None:
            claimless = {"new_claim": self.open_new_claim, "import": self.open_import}
            if origin.action in claimless:
                claimless[origin.action](text)
            return
        openers: dict[str, Callable[[], None]] = {
            "add_step": lambda: self.open_add_step(
                detail.id, args["mechanism_id"], args.get("position"), text
            ),
            "edit_step": lambda: self.open_edit_step(detail, args["step_id"], text),
            "edit_summary": lambda: self.open_edit_summary(detail, args["mechanism_id"], text),
            "add_mechanism": lambda: self.open_add_mechanism(detail, text),
            "add_study": lambda: self.open_add_study(detail.id, Stance(args["stance"]), text),
            "edit_study": lambda: self.open_edit_study(detail, args["evidence_id"], text),
            "add_gold": lambda: self.open_add_gold(detail.id, args["position"], text),
            "edit_gold": lambda: self.open_edit_gold(detail, args["item_id"], text),
            "export": lambda: self.open_export(detail, text),
        }
        if (opener := openers.get(origin.action)) is not None:
            opener()
