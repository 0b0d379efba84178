"""The study dialogs' own check of their number fields: the message says what is wrong."""

from __future__ import annotations

from curator_tui.ui.screens.checks import study_problem


def test_a_negative_number_is_called_negative_not_a_non_number() -> None:
    assert study_problem({"sample_size": "-5"}) == "Sample size cannot be negative."
    assert study_problem({"year": "-2020"}) == "Year cannot be negative."
    assert study_problem({"sample_size": "12a"}) == "Sample size must be a whole number."
    assert study_problem({"year": "2020", "sample_size": " 40 "}) is None
    assert study_problem({"year": "", "sample_size": ""}) is None
