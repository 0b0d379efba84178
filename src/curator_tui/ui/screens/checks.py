"""Checks of what the curator typed in a dialog: a message when it will not do."""

from __future__ import annotations

from collections.abc import Callable

from curator_tui.services import evidence as evidence_service
from curator_tui.services.errors import ServiceError


def split_design(text: str) -> tuple[str, str]:
    """ "design -- description" (or with an em dash) into its two parts."""
    for separator in (" — ", " -- "):
        if separator in text:
            design, _, description = text.partition(separator)
            return design, description
    return text, ""


def required(what: str) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        return None if text.strip() else f"{what} cannot be empty."

    return check


def doi_problem(text: str) -> str | None:
    try:
        evidence_service.doi_or_error(text)
    except ServiceError as exc:
        return str(exc)
    return None


def study_problem(values: dict[str, str]) -> str | None:
    """A number field that holds no whole number (what else is wrong, the library says)."""
    for name in ("year", "sample_size"):
        value = values.get(name, "").strip()
        label = name.replace("_", " ").capitalize()
        if value.startswith("-") and value[1:].isdigit():
            return f"{label} cannot be negative."
        if value and not value.isdigit():
            return f"{label} must be a whole number."
    return None
