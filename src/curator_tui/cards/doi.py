"""DOIs: normalising what curators paste, and finding the ones cited in text."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

# 10. + registrant code of four or more digits (dots allowed) + / + suffix.
_DOI_RE = re.compile(r"^10\.\d{4,}(?:\.\d+)*/\S+$")
_PREFIX_RE = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:\s*|doi\s+)",
    re.IGNORECASE,
)
_FIND_RE = re.compile(r"10\.\d{4,}(?:\.\d+)*/[^\s\"<>]+", re.IGNORECASE)
_TRAILING = ".,;:'\"]}>”’»…）"


class DOIError(ValueError):
    """The text is not a DOI."""


def _trim(doi: str) -> str:
    # Sentence punctuation after a DOI is not part of it; a ")" is only when balanced,
    # as in 10.1016/S0140-6736(20)30183-5.
    while doi:
        if doi[-1] in _TRAILING or (doi[-1] == ")" and doi.count(")") > doi.count("(")):
            doi = doi[:-1]
        else:
            break
    return doi


def normalize_doi(text: str) -> str:
    """The canonical form of a DOI: no resolver prefix, lower case. Raises DOIError."""
    raw = text.strip()
    doi = _PREFIX_RE.sub("", raw).strip()
    if "%" in doi:
        doi = unquote(doi)
    doi = _trim(doi).lower()
    if not _DOI_RE.match(doi):
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise DOIError(
            f"not a DOI: {shown!r} (expected 10.<registrant>/<suffix>, e.g. 10.1080/02640414.2024.2321021)"
        )
    return doi


def find_dois(text: str) -> list[str]:
    """The distinct DOIs cited in ``text``, normalised, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _FIND_RE.finditer(text):
        seen.setdefault(_trim(match.group(0)).lower(), None)
    return list(seen)


# What quote(doi, safe="/") leaves as it is: most DOIs are only that.
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*")


def doi_url(doi: str) -> str:
    """The resolver link for a normalised DOI (percent-encoded: parentheses stay in the link)."""
    if _URL_SAFE.fullmatch(doi):
        return "https://doi.org/" + doi
    return "https://doi.org/" + quote(doi, safe="/")
