"""The card's fixed section titles and boilerplate, exactly as the published cards print them."""

from __future__ import annotations

import re

MECHANISM = "Mechanism"
MOST_PROBABLE = "Most probable mechanism"
ALTERNATIVE = "Less supported by current evidence, but not ruled out"
EVIDENCE = "Evidence from Studies"
SUPPORTING = "Supporting"
CONTRADICTING = "Contradicting"
CONTRIBUTIONS = "Community contributions welcome"
GOLD = "Gold Standard Evidence Needed"
GOLD_INTRO = (
    "According to GRADE and EBM methodology, here is what ideal scientific evidence would "
    "look like to definitively prove or disprove this specific claim, ordered from strongest "
    "to weakest evidence."
)

SYNTHESIS_RE = re.compile(r"^Synthesis from (\d+) stud(?:y|ies)$")
COUNT_RE = re.compile(r"^(Supporting|Contradicting) \((\d+)\)$")


def synthesis_line(count: int) -> str:
    """``Synthesis from 1 study`` / ``Synthesis from 2 studies``."""
    return f"Synthesis from {count} {'study' if count == 1 else 'studies'}"
