"""The add-study dialog: DOIs in, each study's record looked up and shown before it is linked.

One DOI: the form shows its record, from the library when the study is there (linked as it
is, read-only here) or else from Crossref, looked up in a thread worker while the curator
goes on typing. A field the curator typed in is never overwritten by an answer; a failed
lookup is one line under the DOI. Several DOIs pasted at once (spaces, commas, new lines,
doi.org links): each is looked up in turn and listed; ctrl+s links them all, in one edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from curator_tui.cards.doi import DOIError, normalize_doi
from curator_tui.cards.text import strip_controls
from curator_tui.ui.drafts import Origin
from curator_tui.ui.screens.dialogs import STUDY_FORM, EditDialog
from curator_tui.ui.study_lookup import RECORD_FIELDS, FoundStudy, LookupFailed

Find = Callable[[str], FoundStudy]
Record = tuple[tuple[str, str], ...]

# The form's fields: the record a lookup can fill (design and sample size are the curator's).
FORM = [(name, label) for name, label in STUDY_FORM if name in RECORD_FIELDS]
# How long typing must pause before a DOI is looked up (a paste looks up at once, nearly).
LOOKUP_DELAY = 0.4
_SEPARATORS = re.compile(r"[\s,;]+")


def split_dois(text: str) -> tuple[list[str], str | None]:
    """The distinct DOIs in pasted text (in order), or the first piece that is not one."""
    found: dict[str, None] = {}
    for piece in _SEPARATORS.split(text.strip()):
        if not piece:
            continue
        try:
            found.setdefault(normalize_doi(piece), None)
        except DOIError as exc:
            return list(found), str(exc)
    return list(found), None


@dataclass(frozen=True)
class StudiesToAdd:
    """What the dialog saves: each DOI with the record to create it with (empty: as it is)."""

    studies: tuple[tuple[str, Record], ...]


# The DOIs of a paste listed one per line; the rest are counted.
SHOWN = 8


def _without(problem: str, doi: str) -> str:
    """A lookup's one line without the DOI it starts with (shown beside it already)."""
    return strip_controls(problem.removeprefix(f"{doi}: "))


class DoiInput(Input):
    """A one-line input that keeps every line of a paste (Input keeps only the first)."""

    def _on_paste(self, event: events.Paste) -> None:
        # Input's own handler (which Textual would call after this one) is skipped.
        event.prevent_default()
        event.stop()
        if event.text:
            text = " ".join(event.text.split())
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)


class AddStudyDialog(EditDialog[StudiesToAdd]):
    """Add studies by DOI. ctrl+s links them; escape cancels (asks first if it changed).

    ``find`` looks one DOI up (blocking: it runs in a worker); ``validate`` checks the
    DOIs and the typed record before saving (a message keeps the dialog open).
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Add", id="add_study.save", tooltip="Link the studies"),
        Binding(
            "escape", "cancel", "Cancel", id="add_study.cancel", tooltip="Close without linking"
        ),
    ]

    class LookedUp(Message):
        """A lookup ended (posted by its worker): the record, or why there is none."""

        def __init__(self, doi: str, found: FoundStudy | None, problem: str = "") -> None:
            super().__init__()
            self.doi = doi
            self.found = found
            self.problem = problem

    def __init__(
        self,
        title: str,
        find: Find | None,
        validate: Callable[[StudiesToAdd], str | None] | None = None,
        on_save: Callable[[StudiesToAdd], None] | None = None,
        *,
        linked: frozenset[str] = frozenset(),
        draft: dict[str, str] | None = None,
        origin: Origin | None = None,
    ) -> None:
        super().__init__(title, on_save, draft=draft, origin=origin)
        self.find = find
        # The claim's studies already: a paste of several leaves them out.
        self.linked = linked
        self.validate = validate
        self.found: dict[str, FoundStudy] = {}
        self.problems: dict[str, str] = {}
        # What the dialog itself put in each field: a field that still holds it is not the
        # curator's text and may be filled again; any other text is theirs and stays.
        self.filled: dict[str, str] = {name: "" for name, _ in FORM}
        self.dois: list[str] = []
        self._timer: Timer | None = None
        self._pending: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog study"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield DoiInput(
                placeholder="10.1080/02640414.2024.2321021 or https://doi.org/… (several: paste them)",
                id="study-doi",
            )
            yield Static("", id="lookup-status", markup=False)
            with VerticalScroll(id="study-form") as form:
                # Not a stop of its own: tab from the DOI goes to the title (a scroll
                # container takes focus, and what was typed next went nowhere).
                form.can_focus = False
                for name, label in FORM:
                    with Horizontal(classes="study-field"):
                        yield Label(label, classes="field-name")
                        yield Input("", id=f"study-{name}", compact=True)
            yield Static("", id="dialog-error", markup=False)
            yield Label(
                "ctrl+s add · escape cancel · tab / enter next field", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.start_editing()
        self.query_one("#study-doi", Input).focus()
        if self.query_one("#study-doi", Input).value:
            self._doi_changed(at_once=True)

    # --- the DOIs and their lookups ------------------------------------------------------

    @on(Input.Changed, "#study-doi")
    def doi_typed(self, event: Input.Changed) -> None:
        event.stop()
        # What the last ctrl+s said of the DOI ("Type or paste a DOI.") is about the text
        # that was there; the text has changed, so it goes (ctrl+s checks again).
        self.query_one("#dialog-error", Static).update("")
        self._doi_changed(at_once=False)

    def _doi_changed(self, at_once: bool) -> None:
        dois, _ = split_dois(self.query_one("#study-doi", Input).value)
        if dois == self.dois:
            return
        self.dois = dois
        single = len(dois) <= 1
        form = self.query_one("#study-form")
        form.display = single
        if single:
            self._unfill()
        self._show_status()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if dois and self.find is not None:
            if at_once:
                self._look_up_all()
            else:
                self._timer = self.set_timer(LOOKUP_DELAY, self._look_up_all)

    def _look_up_all(self) -> None:
        self._timer = None
        wanted = [d for d in self.dois if d not in self.found and d not in self.problems]
        if wanted:
            self._look_up(wanted)
        elif len(self.dois) == 1 and self.dois[0] in self.found:
            self._fill(self.found[self.dois[0]])

    def _look_up(self, dois: list[str]) -> None:
        find = self.find
        assert find is not None

        def work() -> None:
            for doi in dois:
                try:
                    found = find(doi)
                except LookupFailed as exc:
                    self.post_message(self.LookedUp(doi, None, str(exc)))
                else:
                    self.post_message(self.LookedUp(doi, found))

        for doi in dois:
            self.problems.pop(doi, None)
        self._pending = set(dois)
        self._show_status()
        self.run_worker(work, thread=True, group="study-lookup", exit_on_error=False)

    @on(LookedUp)
    def looked_up(self, message: LookedUp) -> None:
        message.stop()
        self._pending.discard(message.doi)
        if message.found is not None:
            self.found[message.doi] = message.found
        else:
            self.problems[message.doi] = message.problem
        if self.dois == [message.doi] and message.found is not None:
            self._fill(message.found)
        self._show_status()

    def _fill(self, found: FoundStudy) -> None:
        """Put a record in the fields the curator has not typed in."""
        library = found.source == "library"
        for name, _ in FORM:
            field = self.query_one(f"#study-{name}", Input)
            if field.value == self.filled[name]:
                value = strip_controls(found.fields.get(name, ""))
                field.value = value
                self.filled[name] = value
            # The library's record is shared by claims: its own edit (e) changes it.
            field.disabled = library

    def _unfill(self) -> None:
        """Another DOI: empty what a lookup put in (the curator's text stays)."""
        for name, _ in FORM:
            field = self.query_one(f"#study-{name}", Input)
            field.disabled = False
            if field.value == self.filled[name]:
                field.value = ""
            self.filled[name] = ""

    def _show_status(self) -> None:
        self.query_one("#lookup-status", Static).update(self.status())

    def status(self) -> Text:
        """A line per DOI: being looked up, found (where), or why not."""
        if len(self.dois) > 1:
            return self._several()
        lines = Text()
        for doi in self.dois:
            found, problem = self.found.get(doi), self.problems.get(doi)
            if doi in self.linked:
                lines.append("Already linked to this claim.", style="bold")
            elif doi in self._pending:
                lines.append("Looking it up on Crossref…", style="italic")
            elif found is not None and found.source == "library":
                lines.append("In the library: linked with its record as it is (e edits it).")
            elif found is not None:
                lines.append("Found on Crossref: check the record, then ctrl+s.")
            elif problem:
                lines.append(_without(problem, doi), style="bold")
                lines.append(" (type the record, or add the DOI as it is)")
        return lines

    def _several(self) -> Text:
        """One line per DOI of a paste: its title and where it comes from, or why not.

        Each line is cut to the dialog's width, at most ``SHOWN`` DOIs are listed, and a
        failure they share (Crossref unreachable) is said once: the list and its keys stay
        on a 24-line screen however many DOIs were pasted.
        """
        width = self.query_one("#lookup-status").content_size.width or 60
        failed = {
            doi: _without(problem, doi)
            for doi in self.dois
            if (problem := self.problems.get(doi))
            and doi not in self.linked
            and doi not in self._pending
            and self.found.get(doi) is None
        }
        reasons = set(failed.values())
        shared = reasons.pop() if len(failed) > 1 and len(reasons) == 1 else None
        lines = Text()
        if shared is not None:
            lines.append(f"{shared}: each added without a record", style="bold")
        for doi in self.dois[:SHOWN]:
            line = Text(f"{doi}: ", style="bold")
            found = self.found.get(doi)
            if doi in self.linked:
                line.append("already linked to this claim: left out", style="italic")
            elif doi in self._pending:
                line.append("looking it up on Crossref…", style="italic")
            elif found is not None:
                title = strip_controls(found.fields.get("title", "")) or "(no title)"
                where = "in the library" if found.source == "library" else "from Crossref"
                line.append(f"{title} ({where})")
            elif doi in failed:
                why = "" if shared is not None else f"{failed[doi]}: "
                line.append(f"{why}added without a record", style="" if shared else "bold")
            line.truncate(width, overflow="ellipsis")
            if lines:
                lines.append("\n")
            lines.append_text(line)
        if len(self.dois) > SHOWN:
            lines.append(f"\n… and {len(self.dois) - SHOWN} more")
        lines.append(f"\nctrl+s links {sum(d not in self.linked for d in self.dois)} of them.")
        return lines

    # --- saving --------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "study-doi":
            _, problem = split_dois(event.value)
            self.query_one("#dialog-error", Static).update(problem or "")
            if problem is not None:
                return
            if self._timer is not None:
                self._timer.stop()
                self._look_up_all()
            if len(self.dois) == 1:
                self.query_one("#study-title", Input).focus()
            return
        self.focus_next()

    def result(self, fields: dict[str, str]) -> tuple[str | None, StudiesToAdd | None]:
        dois, problem = split_dois(fields["study-doi"])
        if problem is not None:
            return problem, None
        if not dois:
            return "Type or paste a DOI.", None
        studies: list[tuple[str, Record]] = []
        if len(dois) == 1:
            found = self.found.get(dois[0])
            if found is None or found.source != "library":
                record = tuple(
                    (name, fields[f"study-{name}"].strip())
                    for name, _ in FORM
                    if fields[f"study-{name}"].strip()
                )
                studies.append((dois[0], record))
            else:
                studies.append((dois[0], ()))
        else:
            dois = [doi for doi in dois if doi not in self.linked]
            if not dois:
                return "Every one of them is already linked to this claim.", None
            for doi in dois:
                found = self.found.get(doi)
                fresh = found is not None and found.source == "crossref"
                studies.append((doi, tuple(found.fields.items()) if fresh and found else ()))
        value = StudiesToAdd(tuple(studies))
        if self.validate and (problem := self.validate(value)):
            return problem, None
        return None, value
