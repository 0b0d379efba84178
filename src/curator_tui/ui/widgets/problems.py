"""The Problems pane: what the curation check finds (issue 13), the claim's or the library's.

It shows the problems of the claim on screen (checked again after each edit), or, after
"Check the library", the library's. Enter posts ``ProblemChosen`` for the highlighted
problem; the screen goes to the part it names. Every problem is literal text
(``rich.text.Text``): a message quoting a curator's "[bold]" shows the brackets.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.problems import Problem, Severity
from curator_tui.cards.text import strip_controls
from curator_tui.ui.messages import ProblemChosen
from curator_tui.ui.widgets.item_list import Hanging, ItemList, item

ERROR_MARK = "✗"
WARNING_MARK = "!"


def problem_line(problem: Problem, *, with_claim: bool) -> Hanging:
    """One problem: its mark, then where, what and its code (wrapped under them)."""
    error = problem.severity is Severity.ERROR
    head = Text(
        f"{ERROR_MARK if error else WARNING_MARK} ", style="bold red" if error else "bold yellow"
    )
    body = Text()
    if with_claim:
        body.append(f"claim {problem.claim} · ", style="bold")
    body.append(strip_controls(problem.where), style="italic")
    body.append(": " + strip_controls(problem.message))
    body.append(f"  {problem.code}", style="dim")
    return Hanging(head, body)


class ProblemList(ItemList):
    """The problems, errors first; Enter goes to the part of the claim."""

    BINDINGS = [
        Binding(
            "enter",
            "choose",
            "Go to",
            tooltip="Go to the step, study or statement the problem names",
            id="problems.go",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.problems: list[Problem] = []
        self.library = False
        self.total = 0

    def show_problems(
        self,
        claim_id: int | None,
        problems: list[Problem],
        *,
        library: bool = False,
        total: int = 0,
    ) -> None:
        """Show a claim's problems, or (``library``) the library's first ones of ``total``."""
        self.claim_id = claim_id
        self.library = library
        self.total = max(total, len(problems))
        self.problems = sorted(problems, key=lambda p: (p.severity is not Severity.ERROR, p.claim))
        options = [
            item(problem_line(p, with_claim=library), f"problem:{n}")
            for n, p in enumerate(self.problems)
        ]
        if library and total > len(self.problems):
            more = f"… and {total - len(self.problems):,} more: 'curator check' lists every one."
            options.append(item(Text(more, style="italic"), "none:1"))
        if not options:
            if claim_id is None and not library:
                empty = "No claim selected."
            else:
                empty = "No problem found." if not library else "No problem in the library."
            options = [item(Text(empty, style="italic"), "none:0")]
        self.show(options)

    def update_claims(self, claim_ids: tuple[int, ...], problems: list[Problem]) -> None:
        """New problems of some claims (checked again after an edit), in the library's list."""
        kept = [p for p in self.problems if p.claim not in claim_ids]
        total = self.total - (len(self.problems) - len(kept)) + len(problems)
        self.show_problems(None, kept + problems, library=True, total=total)

    @property
    def chosen(self) -> Problem | None:
        """The highlighted problem."""
        hit = self.highlighted_as("problem")
        return self.problems[hit[1]] if hit else None

    def action_choose(self) -> None:
        if (problem := self.chosen) is not None:
            self.post_message(ProblemChosen(problem))
