"""The filter's word rule (cards/words.py): what a word is, case, Unicode, and the hints."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator_tui.cards.model import Card, Mechanism, StudyRef
from curator_tui.cards.words import (
    MAX_TEXT,
    MAX_WORD,
    _fold_run,
    card_parts,
    claim_words,
    distinct_words,
    fold,
    found_in,
    matches,
    query_words,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mTORC1-dependent signalling", ["mtorc1", "dependent", "signalling"]),
        ("VO₂max", ["vo2max"]),
        ("10.1152/japplphysiol.00132.2019", ["10", "1152", "japplphysiol", "00132", "2019"]),
        ("Müller, café", ["muller", "cafe"]),
        ("Mu\u0308ller", ["muller"]),  # decomposed: the same word
        ("Straße", ["strasse"]),
        ("α-actinin and β₂", ["α", "actinin", "and", "β2"]),
        ("ΣΊΣΥΦΟΣ", ["σισυφοσ"]),
        ("ﬁbre ＡＢＣ", ["fibre", "abc"]),
        ("8_weeks 100% (n=12)", ["8", "weeks", "100", "n", "12"]),
        ('% "* ( ) — …', []),
        ("İstanbul", ["istanbul"]),
    ],
)
def test_what_a_word_is(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("mtor", True),
        ("MTORC1-DEP", True),  # cut at the hyphen like the text: both are prefixes
        ("torc", False),  # inside a word, not its start
        ("vo2", True),
        ("VO₂M", True),
        ("cafe", True),
        ("CAFÉ", True),
        ("10.1152/japp", True),
        ("10.1152/japplphysiol.00132.2019", True),
        ("10.1153", False),
        ("helms mtor", True),
        ("helms zebra", False),
        ("%", False),  # no word typed: nothing found
        ("", False),
    ],
)
def test_every_typed_word_is_the_start_of_a_word(typed: str, found: bool) -> None:
    card = Card(
        statement="Creatine helps",
        mechanisms=(Mechanism("", ("mTORC1-dependent signalling", "VO₂max rises")),),
        studies=(
            StudyRef("10.1152/japplphysiol.00132.2019", title="Café study", authors="Helms ER"),
        ),
    )
    assert matches(query_words(typed), claim_words(card).split(" ")) is found


def test_the_stored_words_are_distinct_and_in_card_order() -> None:
    card = Card(
        statement="Sleep helps sleep",
        synthesis="Helps recovery",
        mechanisms=(Mechanism("Recovery", ("Growth hormone",)),),
        studies=(StudyRef("10.1/x", title="Sleep", authors="Dattilo M"),),
    )
    assert claim_words(card) == "sleep helps recovery growth hormone dattilo m 10 1 x"


def test_a_word_and_a_claim_have_a_size_limit() -> None:
    long = "x" * (MAX_WORD + 50)
    assert words(long) == ["x" * MAX_WORD]
    # A typed word as long is cut the same way, so it still finds the claim.
    assert matches(query_words(long + "yz"), words(long))
    many = [f"w{n}" for n in range(MAX_TEXT // 4)]
    for extra in range(4):  # the cut falls on a word, a space, and inside words
        claim = Card(statement="x" * extra + " " + " ".join(many))
        stored = claim_words(claim)
        assert MAX_TEXT - 8 <= len(stored) <= MAX_TEXT
        kept = stored.split(" ")
        assert kept == words(claim.statement)[: len(kept)]


# --- properties -------------------------------------------------------------------------

# Text heavy in what folding has to get right: marks, compatibility forms, Hangul jamo,
# cased scripts, digits of other scripts, separators.
tricky = st.text(
    alphabet=st.one_of(
        st.characters(
            categories=[
                "Mn",
                "Mc",
                "Me",
                "Lu",
                "Ll",
                "Lm",
                "Lt",
                "Lo",
                "Nd",
                "No",
                "Nl",
                "Pd",
                "Pc",
            ]
        ),
        st.sampled_from(list("aAzZ09 -_.,/ßΣςσİıﬁᄀ가ᅡᆨ각ᴬ²₂½éǅΐᏸ\u0301\u0308\u0345")),
    ),
    max_size=40,
)
PROPERTIES = settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))


@PROPERTIES
@given(st.one_of(st.text(max_size=40), tricky))
def test_folding_is_the_whole_pipeline_and_stable(text: str) -> None:
    # fold() only sends non-ASCII runs through Unicode's tables: the same as all of it.
    assert fold(text) == _fold_run(text)
    assert fold(fold(text)) == fold(text)


@PROPERTIES
@given(st.one_of(st.text(max_size=40), tricky))
def test_stored_words_are_what_both_databases_can_hold_exactly(text: str) -> None:
    for word in words(text):
        # Its own words: the text stored is the words, and typing a word finds it.
        assert words(word) == [word]
        assert 0 < len(word) <= MAX_WORD
        # SQLite's ascii tokenizer cuts at ASCII non-alphanumerics and folds A-Z: the
        # stored words have neither, so its tokens are exactly the words.
        assert all(not c.isascii() or (c.isalnum() and not c.isupper()) for c in word)
    stored = claim_words(Card(statement=text))
    assert stored.split(" ") == list(dict.fromkeys(words(text))) or stored == ""


@PROPERTIES
@given(st.lists(st.one_of(st.text(max_size=20), tricky), min_size=2, max_size=6))
def test_a_claims_words_are_the_words_of_each_part(texts: list[str]) -> None:
    card = Card(
        statement=texts[0],
        synthesis=texts[1],
        mechanisms=(Mechanism(texts[-1], tuple(texts[2:])),),
    )
    each = [word for _, part in card_parts(card) for word in words(part)]
    assert claim_words(card) == " ".join(dict.fromkeys(each))


@PROPERTIES
@given(st.one_of(st.text(max_size=40), tricky))
def test_typing_any_start_of_a_text_finds_it(text: str) -> None:
    stored = words(text)
    for end in range(1, len(text) + 1):
        typed = query_words(text[:end])
        if typed:
            assert matches(typed, stored), (text, end, typed, stored)


@PROPERTIES
@given(st.one_of(st.text(max_size=60), tricky, st.lists(tricky).map(" ".join)))
def test_distinct_words_are_the_rule_s_words_once_each(text: str) -> None:
    # distinct_words cuts UTF-8 bytes at ASCII separators: the same words as the rule.
    assert distinct_words(text) == " ".join(dict.fromkeys(words(text)))


def test_distinct_words_agree_with_the_rule_on_every_character() -> None:
    """Each code point of the planes in use, alone, inside a word and between words."""
    bad = []
    for code in [*range(0x80, 0x30000), *range(0xE0000, 0xE0200)]:
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        for text in (char, f"Ab{char}c D-{char}", f"x{char * 3}y"):
            if distinct_words(text) != " ".join(dict.fromkeys(words(text))):
                bad.append(text)
    long = "é" * 60 + "x" * 50
    for text in ("x" * (MAX_WORD + 1), long, f"a {long} a", "a" * MAX_WORD + "é"):
        if distinct_words(text) != " ".join(dict.fromkeys(words(text))):
            bad.append(text)
    assert not bad, [ascii(b) for b in bad[:10]]


def test_every_character_folds_to_a_fixed_point() -> None:
    """Each code point of the planes in use, alone and after a letter."""
    planes = [*range(0x80, 0x30000), *range(0xE0000, 0xE0200)]
    bad = []
    for code in planes:
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        for text in (char, "a" + char):
            folded = fold(text)
            stable = folded == _fold_run(text) and fold(folded) == folded
            if not stable or any(words(word) != [word] for word in words(text)):
                bad.append(text)
    assert not bad, [ascii(b) for b in bad[:10]]
    assert unicodedata.unidata_version  # the rule follows the running Python's Unicode
    assert sys.maxunicode == 0x10FFFF


# --- where a match is -------------------------------------------------------------------

CARD = Card(
    statement="Creatine improves sprint power",
    synthesis="Most trials used 20 g a day",
    mechanisms=(
        Mechanism(
            "More phosphocreatine", ("Uptake in muscle (10.1038/x.1)", "`mTORC1` signalling")
        ),
        Mechanism("Water retention", ("Cells swell", "Cites 10.1152/japplphysiol.00132.2019.")),
    ),
    studies=(StudyRef("10.1000/abc", title="Sprints after loading", authors="Helms ER, Cronin J"),),
)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("creatine", ""),  # the statement shows it
        ("mtor", "step 2: mTORC1…"),
        ("creat phospho", "mechanism: …phosphocreatine"),
        ("helms", "study: Helms…"),
        ("cronin", "study: …Cronin…"),
        ("retention", "alternative 1: …retention"),
        ("swell", "alternative 1 step 1: …swell"),
        # Both words in one place beats the first place holding one of them.
        ("10.1152", "alternative 1 step 2: …10.1152/japplphysiol.00132.2019"),
        ("20 helms", "synthesis: …20… · study: Helms…"),
        ("trials mtor helms", "synthesis: …trials… · step 2: mTORC1…"),  # at most two places
        ("zebra", ""),
    ],
)
def test_found_in_says_where_a_claim_matched(typed: str, hint: str) -> None:
    assert found_in(query_words(typed), card_parts(CARD)) == hint
