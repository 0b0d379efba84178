"""DOIs: normalising what curators paste, rejecting what is not a DOI, finding cited ones.

A DOI is ``10.`` + a registrant code of four or more digits (dots allowed) + ``/`` + a
suffix; it is case-insensitive, so the canonical form is lower case without a resolver
prefix (CARD_FORMAT.md).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator_tui.cards.doi import DOIError, doi_url, find_dois, normalize_doi

SEED_DOI = "10.1080/02640414.2024.2321021"
LANCET = "10.1016/s0140-6736(20)30183-5"

VALID = [
    # (as pasted, canonical form)
    (SEED_DOI, SEED_DOI),
    (f"https://doi.org/{SEED_DOI}", SEED_DOI),
    (f"http://doi.org/{SEED_DOI}", SEED_DOI),
    (f"http://dx.doi.org/{SEED_DOI}", SEED_DOI),
    (f"https://dx.doi.org/{SEED_DOI}", SEED_DOI),
    (f"HTTPS://DOI.ORG/{SEED_DOI}", SEED_DOI),
    (f"doi.org/{SEED_DOI}", SEED_DOI),
    (f"doi:{SEED_DOI}", SEED_DOI),
    (f"doi: {SEED_DOI}", SEED_DOI),
    (f"DOI:{SEED_DOI}", SEED_DOI),
    (f"DOI {SEED_DOI}", SEED_DOI),
    (f"  {SEED_DOI}\n", SEED_DOI),
    ("10.1080/ABC.Def-123", "10.1080/abc.def-123"),
    ("https://doi.org/10.1016/S0140-6736(20)30183-5", LANCET),
    # Sentence punctuation after a DOI is not part of it ...
    (f"{SEED_DOI}.", SEED_DOI),
    (f"{SEED_DOI},", SEED_DOI),
    (f"{SEED_DOI};", SEED_DOI),
    (f"{SEED_DOI}:", SEED_DOI),
    (f"{SEED_DOI}'", SEED_DOI),
    (f'{SEED_DOI}"', SEED_DOI),
    (f"{SEED_DOI}).", SEED_DOI),
    (f"https://doi.org/{SEED_DOI}...", SEED_DOI),
    # ... but a balanced closing parenthesis is.
    ("10.1016/S0140-6736(20)30183-5", LANCET),
    ("10.1016/S0140-6736(20)30183-5).", LANCET),
    ("10.1234/abc(1)", "10.1234/abc(1)"),
    # Percent-encoding from a copied URL.
    ("https://doi.org/10.1016%2FS0140-6736%2820%2930183-5", LANCET),
    ("10.1080%2F02640414.2024.2321021", SEED_DOI),
    # Registrant codes with dots, long suffixes with slashes.
    ("10.1000.10/abc", "10.1000.10/abc"),
    ("10.12345/a/b/c", "10.12345/a/b/c"),
    (
        "10.1002/(SICI)1097-4636(199706)35:4<491::AID-JBM9>3.0.CO;2-1",
        "10.1002/(sici)1097-4636(199706)35:4<491::aid-jbm9>3.0.co;2-1",
    ),
]

INVALID = [
    "",
    "   ",
    "doi:",
    "https://doi.org/",
    "10.1080",
    "10.1080/",
    "10.1080/.",
    "10.108/abc",  # registrant code of three digits
    "11.1080/abc",
    "10.abcd/efg",
    "10.1080.x/abc",
    "10./abc",
    "1080/02640414.2024.2321021",
    "10.1080/ab cd",
    "10.1080%2F",
    "https://example.org/10.1080/02640414.2024.2321021",
    "not a doi",
    "PMID 38393985",
]


@pytest.mark.parametrize(("pasted", "canonical"), VALID)
def test_normalize_doi(pasted: str, canonical: str) -> None:
    assert normalize_doi(pasted) == canonical


@pytest.mark.parametrize("canonical", sorted({c for _, c in VALID}))
def test_canonical_form_is_a_fixed_point(canonical: str) -> None:
    assert normalize_doi(canonical) == canonical
    assert normalize_doi(f"https://doi.org/{canonical}") == canonical


@pytest.mark.parametrize("text", INVALID)
def test_invalid_doi_raises(text: str) -> None:
    with pytest.raises(DOIError) as info:
        normalize_doi(text)
    # The message is for a curator: it says what was wrong and what a DOI looks like.
    assert "10." in str(info.value)


def test_doi_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalize_doi("nope")


def test_find_dois_order_dedupe_and_case() -> None:
    text = (
        f"As shown in the study with DOI {SEED_DOI}, and in "
        "https://doi.org/10.1016/S0140-6736(20)30183-5. Earlier work (10.1000/XYZ.1) "
        f"and again ({SEED_DOI.upper()}); see also doi:10.1000/xyz.1, 10.5555/Last."
    )
    assert find_dois(text) == [SEED_DOI, LANCET, "10.1000/xyz.1", "10.5555/last"]


def test_find_dois_in_the_seed_step_styles() -> None:
    # The seeds cite as "DOI 10.x/y" and as a bare "(10.x/y)" at the end of a sentence.
    assert find_dois(f"in the study with DOI {SEED_DOI}.") == [SEED_DOI]
    assert find_dois(f"failure ({SEED_DOI}).") == [SEED_DOI]


@pytest.mark.parametrize(
    "text",
    ["", "no identifiers here", "10.108/abc is too short a registrant", "version 10.1 of 2024"],
)
def test_find_dois_finds_nothing(text: str) -> None:
    assert find_dois(text) == []


# As DOIs are cited in running text: not percent-encoded, and without "<" (a SICI DOI),
# where find_dois stops because text may hold HTML.
IN_TEXT = [(p, c) for p, c in VALID if "%" not in p and "<" not in p]


@pytest.mark.parametrize(("pasted", "canonical"), IN_TEXT)
def test_found_dois_are_canonical(pasted: str, canonical: str) -> None:
    found = find_dois(f"Cited: {pasted} in passing.")
    assert found == [canonical]
    assert normalize_doi(found[0]) == found[0]


# Regression: closing curly quotes and an ellipsis after a DOI are not part of it.
@pytest.mark.parametrize(
    "text",
    [
        f"as shown in “DOI {SEED_DOI}”.",
        f"see ‘{SEED_DOI}’",
        # The seeds are cut off with "..."; a page may just as well use "…".
        f"as shown in the study with DOI {SEED_DOI}…",
    ],
)
def test_unicode_punctuation_after_a_doi(text: str) -> None:
    assert find_dois(text) == [SEED_DOI]


@pytest.mark.parametrize("pasted", [f"{SEED_DOI}”", f"{SEED_DOI}’", f"{SEED_DOI}…"])
def test_normalize_drops_unicode_punctuation(pasted: str) -> None:
    assert normalize_doi(pasted) == SEED_DOI


@given(st.text(max_size=30))
def test_doi_url_is_the_percent_encoded_doi(suffix: str) -> None:
    # doi_url leaves a DOI of URL-safe characters as it is: the same as quoting it.
    for doi in (f"10.1234/{suffix}", f"10.1234/{suffix.lower()}-a_b.c~d/e"):
        assert doi_url(doi) == "https://doi.org/" + quote(doi, safe="/")
