"""The history pane: a claim's revisions, newest first, and the selected one's diff against now.

Everything shown is literal text (``rich.text.Text``): a claim about "[bold]" shows the
brackets. ``r`` asks to restore the highlighted revision (an edit like any other, so
ctrl+z undoes it).
"""

from __future__ import annotations

from datetime import UTC

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static

from curator_tui.cards.text import strip_controls
from curator_tui.services.edits import RestoreRevision
from curator_tui.services.history import RevisionInfo
from curator_tui.ui.messages import DiffRequested
from curator_tui.ui.widgets.item_list import Hanging, ItemList, item

DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def diff_text(diff: str) -> Text:
    """A unified diff as literal text: added lines green, removed red, hunk headers cyan."""
    text = Text(no_wrap=False)
    for line in diff.splitlines():
        style = next((s for prefix, s in DIFF_STYLES if line.startswith(prefix)), "")
        text.append(strip_controls(line), style=style)
        text.append("\n")
    text.rstrip()
    return text


def entry_line(entry: RevisionInfo) -> Hanging:
    """One history entry: revision, author, time (UTC), what was done (wrapped under it)."""
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    line = Text(strip_controls(entry.author), style="italic")
    line.append(f" · {at:%Y-%m-%d %H:%M} · ", style="dim")
    line.append(strip_controls(entry.summary))
    return Hanging(Text(f"{entry.revision:>3} ", style="bold"), line)


class HistoryList(ItemList):
    """The revisions; the highlighted one's diff is shown below."""

    BINDINGS = [
        Binding(
            "r",
            "restore",
            "Restore",
            tooltip="Make the claim what it was at this revision (asks; ctrl+z undoes)",
            id="history.restore",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[RevisionInfo] = []

    def show_entries(self, claim_id: int | None, entries: list[RevisionInfo]) -> None:
        """Show a claim's history (newest first) and ask for the highlighted one's diff."""
        self.claim_id = claim_id
        self.entries = entries
        options = [item(entry_line(e), f"rev:{e.revision}") for e in entries]
        if not options:
            options = [item(Text("No history yet.", style="italic"), "none:0")]
        self.show(options)
        self._want_diff()

    @property
    def revision(self) -> int | None:
        """The highlighted revision."""
        hit = self.highlighted_as("rev")
        return hit[1] if hit else None

    def _want_diff(self) -> None:
        if self.claim_id is not None and self.revision is not None:
            self.post_message(DiffRequested(self.claim_id, self.revision))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._want_diff()

    def action_restore(self) -> None:
        revision, claim_id = self.revision, self.claim_id
        if revision is None or claim_id is None:
            return
        if self.entries and self.entries[0].revision == revision:
            self.notify("That is the claim as it is now.")
            return
        self.request(
            RestoreRevision(claim_id, revision),
            confirm=f"Make claim {claim_id} what it was at revision {revision}? (ctrl+z undoes)",
        )


class HistoryPane(Vertical):
    """The history list above, the diff of its highlighted revision against now below."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.diff = Text()
        self.shown: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield HistoryList(id="history-list")
        with VerticalScroll(id="history-diff-scroll"):
            yield Static(id="history-diff")

    @property
    def entries(self) -> HistoryList:
        """The list of revisions."""
        return self.query_one(HistoryList)

    def show_entries(self, claim_id: int | None, entries: list[RevisionInfo]) -> None:
        """Show a claim's history."""
        if claim_id is None:
            self.show_diff(None, 0, "")
        self.entries.show_entries(claim_id, entries)

    def show_diff(self, claim_id: int | None, revision: int, diff: str) -> None:
        """Show a revision's diff against now (ignored unless it is still the highlighted one)."""
        entries = self.entries
        if claim_id is not None and (claim_id, revision) != (entries.claim_id, entries.revision):
            return
        if claim_id is None:
            self.diff, self.shown = Text(), None
        elif diff:
            self.diff = diff_text(diff)
            self.shown = (claim_id, revision)
        else:
            self.diff = Text(f"Revision {revision} is the claim as it is now.", style="italic")
            self.shown = (claim_id, revision)
        self.query_one("#history-diff", Static).update(self.diff)
