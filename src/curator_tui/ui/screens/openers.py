"""The editing dialogs, built from an ``Origin`` (what a pane asks for, what a draft reopens).

Each builder takes the claim as plain data and ``run``, the one way to apply an edit: on
save, the dialog's text becomes an edit value (services/edits.py) handed to ``run``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import ModalScreen

from curator_tui.cards.model import Stance
from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.drafts import Origin
from curator_tui.ui.screens.add_study import AddStudyDialog, Find, StudiesToAdd
from curator_tui.ui.screens.checks import required, split_design, study_problem
from curator_tui.ui.screens.dialogs import StudyDialog, StudyFields, TextDialog

Run = Callable[[edits.Edit], None]
Draft = dict[str, str] | None
Dialog = ModalScreen[Any]

# Which row of which pane an edit's ``Applied.focus`` names (the option key's kind).
FOCUS_KIND: dict[type[edits.Edit], str] = {
    edits.AddStep: "step",
    edits.EditStep: "step",
    edits.MoveStep: "step",
    edits.AddMechanism: "mechanism",
    edits.EditMechanism: "summary",
    edits.MoveMechanism: "mechanism",
    edits.PromoteMechanism: "mechanism",
    edits.LinkStudy: "evidence",
    edits.LinkStudies: "evidence",
    edits.FlipStance: "evidence",
    edits.SetNote: "evidence",
    edits.AddGold: "gold",
    edits.EditGold: "gold",
    edits.MoveGold: "gold",
}


def focus_key(applied: edits.Applied) -> str | None:
    """The option key (``kind:id``) the cursor should follow after an edit, if any."""
    kind = FOCUS_KIND.get(type(applied.edit))
    if kind is None or applied.focus is None:
        return None
    return f"{kind}:{applied.focus}"


def new_claim(run: Run, draft: Draft = None) -> Dialog:
    """The new-claim dialog."""
    return TextDialog(
        "New claim: the statement",
        validate=required("The statement"),
        on_save=lambda text: run(edits.CreateClaim(text)),
        draft=draft,
        origin=Origin("new_claim"),
    )


def add_step(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog:
    mechanism_id, position = args["mechanism_id"], args.get("position")
    return TextDialog(
        "New step",
        validate=required("A step"),
        on_save=lambda text: run(edits.AddStep(mechanism_id, text, position)),
        draft=draft,
        origin=Origin("add_step", detail.id, {"mechanism_id": mechanism_id, "position": position}),
    )


def edit_step(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog | str:
    step_id = args["step_id"]
    old = next((s.text for m in detail.mechanisms for s in m.steps if s.id == step_id), None)
    if old is None:
        return "That step is no longer in the claim."

    def save(text: str) -> None:
        if text != old:
            run(edits.EditStep(step_id, text))

    return TextDialog(
        "Edit step",
        old,
        validate=required("A step"),
        on_save=save,
        draft=draft,
        origin=Origin("edit_step", detail.id, {"step_id": step_id}),
    )


def edit_summary(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog | str:
    mechanism_id = args["mechanism_id"]
    summary = next((m.summary for m in detail.mechanisms if m.id == mechanism_id), None)
    if summary is None:
        return "That mechanism is no longer in the claim."

    def save(text: str) -> None:
        if text != summary:
            run(edits.EditMechanism(mechanism_id, text))

    return TextDialog(
        "Mechanism summary",
        summary,
        on_save=save,
        draft=draft,
        origin=Origin("edit_summary", detail.id, {"mechanism_id": mechanism_id}),
    )


def add_mechanism(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog:
    label = (
        "Most probable mechanism: summary"
        if not detail.mechanisms
        else "New alternative mechanism: summary"
    )
    return TextDialog(
        label,
        on_save=lambda text: run(edits.AddMechanism(detail.id, text)),
        draft=draft,
        origin=Origin("add_mechanism", detail.id),
    )


def add_study(
    detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft, find: Find | None = None
) -> Dialog:
    """Add studies by DOI: each record looked up with ``find`` (the library, then Crossref)."""
    stance = Stance(args.get("stance", Stance.SUPPORTING.value))
    linked = {e.study.doi for e in detail.evidence}

    def check(chosen: StudiesToAdd) -> str | None:
        for doi, record in chosen.studies:
            if doi in linked:
                return f"{doi} is already linked to this claim."
            if problem := study_problem(dict(record)):
                return problem
        return None

    def save(chosen: StudiesToAdd) -> None:
        if len(chosen.studies) == 1:
            doi, record = chosen.studies[0]
            run(edits.LinkStudy(detail.id, doi, stance, record))
        else:
            run(edits.LinkStudies(detail.id, chosen.studies, stance))

    return AddStudyDialog(
        f"Add {stance.value} studies by DOI",
        find,
        validate=check,
        on_save=save,
        linked=frozenset(linked),
        draft=draft,
        origin=Origin("add_study", detail.id, {"stance": stance.value}),
    )


def edit_study(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog | str:
    evidence_id = args["evidence_id"]
    link = next((e for e in detail.evidence if e.id == evidence_id), None)
    if link is None:
        return "That study is no longer linked to the claim."
    study = link.study

    def save(fields: StudyFields) -> None:
        # Only what the curator changed: the edit's inverse then restores exactly that.
        changed = tuple(
            (name, value)
            for name, value in fields.values.items()
            if value != ("" if getattr(study, name) is None else str(getattr(study, name)))
        )
        if changed:
            # The record is shared: a field changed elsewhere since is not overwritten.
            seen = tuple((name, getattr(study, name)) for name, _ in changed)
            run(edits.EditStudy(link.study_id, changed, detail.id, expected=seen))

    return StudyDialog(
        study,
        validate=study_problem,
        on_save=save,
        draft=draft,
        origin=Origin("edit_study", detail.id, {"evidence_id": evidence_id}),
    )


def add_gold(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog:
    position = args.get("position")

    def save(text: str) -> None:
        design, description = split_design(text)
        run(edits.AddGold(detail.id, design, description, position))

    return TextDialog(
        "New study design (optionally: design -- description)",
        validate=required("A study design"),
        on_save=save,
        draft=draft,
        origin=Origin("add_gold", detail.id, {"position": position}),
    )


def edit_gold(detail: ClaimDetail, args: dict[str, Any], run: Run, draft: Draft) -> Dialog | str:
    item_id = args["item_id"]
    item = next((g for g in detail.gold if g.id == item_id), None)
    if item is None:
        return "That study design is no longer in the claim."
    old = f"{item.design} — {item.description}" if item.description else item.design

    def save(text: str) -> None:
        if text != old:
            design, description = split_design(text)
            run(edits.EditGold(item_id, design, description))

    return TextDialog(
        "Edit study design (design -- description)",
        old,
        validate=required("A study design"),
        on_save=save,
        draft=draft,
        origin=Origin("edit_gold", detail.id, {"item_id": item_id}),
    )


Builder = Callable[[ClaimDetail, dict[str, Any], Run, Draft], "Dialog | str"]

CLAIM_DIALOGS: dict[str, Builder] = {
    "add_step": add_step,
    "edit_step": edit_step,
    "edit_summary": edit_summary,
    "add_mechanism": add_mechanism,
    "edit_study": edit_study,
    "add_gold": add_gold,
    "edit_gold": edit_gold,
}


def claim_dialog(
    origin: Origin, detail: ClaimDetail, run: Run, draft: Draft = None, find: Find | None = None
) -> Dialog | str | None:
    """The dialog an origin names for a claim, a reason it cannot open, or None (unknown).

    ``find``: how the add-study dialog looks a DOI up (none: the curator types the record).
    """
    if origin.action == "add_study":
        return add_study(detail, origin.args, run, draft, find)
    builder = CLAIM_DIALOGS.get(origin.action)
    return builder(detail, origin.args, run, draft) if builder is not None else None
