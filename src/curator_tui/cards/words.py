"""The words a claim is found by: the one rule of the filter, for every database.

A claim matches a filter when every word typed is the start (a prefix) of a word anywhere
in the claim: its statement, synthesis, mechanism summaries and steps, and the title,
authors and DOI of each linked study. What a word is:

- Text is folded first: compatibility forms are unified (``VO₂max`` is ``vo2max``, the
  ligature ``ﬁ`` is ``fi``), case is folded (``ß`` is ``ss``, ``Σ`` and ``ς`` are ``σ``),
  and marks are dropped (``café`` is ``cafe``, ``Müller`` is ``muller``). Folded text is
  kept decomposed, so that a syllable typed jamo by jamo (Hangul) is a prefix of itself.
- A word is then a maximal run of letters and digits (``str.isalnum``). Everything else
  separates words: ``mTORC1-dependent`` is ``mtorc1`` and ``dependent``, the DOI
  ``10.1152/japplphysiol.00132.2019`` is ``10``, ``1152``, ``japplphysiol``, ``00132``,
  ``2019``. Typed text is cut the same way, so typing the whole DOI (or any start of it)
  finds the claim.
- A word is cut after ``MAX_WORD`` characters, typed or stored; a claim keeps its first
  ``MAX_TEXT`` characters of distinct words (far beyond any real claim; PostgreSQL's
  ``tsvector`` has a size limit).
- Text with no word in it (``%``, ``"*``) finds nothing.

The words are computed here, in Python, and stored with each claim as one line of
distinct words separated by single spaces (``claim_words``). Each database only finds the
stored words that start with the typed ones (SQLite: an FTS5 index whose ``ascii``
tokenizer splits that line exactly at its spaces; PostgreSQL: a ``tsvector`` built from
the same words with no parser), so both find exactly the claims ``matches`` says.

``found_in`` says where a claim matched when its statement alone does not show it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from curator_tui.cards.model import Card

MAX_WORD = 100
MAX_TEXT = 100_000
# Letters and digits (Python's \w without the underscore); the group is the word as kept.
_WORD = re.compile(rf"([^\W_]{{1,{MAX_WORD}}})[^\W_]*")
_CHUNK = re.compile(r"\S+")
# Punctuation around a chunk of text is not shown in a hint ("(Helms," -> "Helms").
_EDGE = "(),;:.!?\"'“”‘’«»`*"


class _NoMarks(dict[int, int | None]):
    """A ``str.translate`` table that drops marks (Unicode categories M*), filled as used."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code))[0] == "M" else code
        self[code] = kept
        return kept


_NO_MARKS = _NoMarks()


def fold(text: str) -> str:
    """Text as the filter compares it: compatibility forms unified, case folded, no marks.

    The same as ``_fold_run`` on the whole text (tests/test_words.py checks it), but only
    runs of non-ASCII characters go through Unicode's tables: ASCII is only lower-cased.
    """
    if text.isascii():
        return text.lower()
    return _NON_ASCII.sub(_fold_run, text.lower())


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(run: re.Match[str] | str) -> str:
    # Decompose (ᴬ is A), fold case, decompose what folding made, then drop the marks.
    text = run if isinstance(run, str) else run.group()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return text.translate(_NO_MARKS)


def words(text: str) -> list[str]:
    """The words of ``text`` under the rule, in order (repeats kept)."""
    return _WORD.findall(fold(text))


# Bytes that are not ASCII letters or digits become spaces; UTF-8's bytes of non-ASCII
# characters (>= 0x80) stay as they are.
_ASCII_SEPARATORS = bytes(b if b >= 0x80 or chr(b).isalnum() else 0x20 for b in range(256))


def _separated_run(run: re.Match[str]) -> str:
    return _separated(run.group())


@lru_cache(maxsize=4096)
def _separated(run: str) -> str:
    # A run of non-ASCII text folded, with everything that is no letter or digit a space
    # (cached: the same few runs, "β", "’", "≥", recur in claim after claim).
    return "".join(c if c.isalnum() else " " for c in _fold_run(run))


def distinct_words(text: str) -> str:
    """The distinct words of ``text`` in order, separated by single spaces.

    The same as ``" ".join(dict.fromkeys(words(text)))`` (tests/test_words.py checks it),
    computed in C for the most part: only runs of non-ASCII characters are folded and
    split in Python; the rest is cut at its separators as UTF-8 bytes.
    """
    lowered = text.lower()
    if not lowered.isascii():
        lowered = _NON_ASCII.sub(_separated_run, lowered)
    found = lowered.encode("utf-8").translate(_ASCII_SEPARATORS).split()
    if found and max(map(len, found)) > MAX_WORD:
        # A word longer than MAX_WORD (in bytes; perhaps not in characters): the rule's cut.
        return " ".join(dict.fromkeys(words(text)))
    return b" ".join(dict.fromkeys(found)).decode("utf-8")


def query_words(typed: str) -> list[str]:
    """The distinct words of what was typed into the filter, in order."""
    return list(dict.fromkeys(words(typed)))


def card_parts(card: Card) -> list[tuple[str, str]]:
    """The searchable texts of a claim, each with the name a hint gives it, in card order."""
    parts = [("statement", card.statement), ("synthesis", card.synthesis)]
    for rank, mechanism in enumerate(card.mechanisms):
        name = "mechanism" if rank == 0 else f"alternative {rank}"
        parts.append((name, mechanism.summary))
        step = "step" if rank == 0 else f"alternative {rank} step"
        parts.extend((f"{step} {n}", text) for n, text in enumerate(mechanism.steps, 1))
    for study in card.studies:
        parts.extend(("study", text) for text in (study.title, study.authors, study.doi))
    return parts


def claim_words(card: Card) -> str:
    """What is stored for a claim: its distinct words, separated by single spaces.

    In card order, and at most MAX_TEXT characters of them (whole words).
    """
    # One pass over all the parts: a line break is no letter or digit, and folding works
    # character by character, so the words of the joined texts are the words of each.
    stored = distinct_words("\n".join(text for _, text in card_parts(card)))
    if len(stored) > MAX_TEXT:
        stored = stored[: MAX_TEXT + 1].rsplit(" ", 1)[0]
    return stored


def matches(query: Sequence[str], stored: Iterable[str]) -> bool:
    """Is every query word the start of one of the ``stored`` words? (Nothing typed: no.)"""
    if not query:
        return False
    have = set(stored)
    return all(any(word.startswith(q) for word in have) for q in query)


def found_in(query: Sequence[str], parts: Sequence[tuple[str, str]], limit: int = 2) -> str:
    """Where the query words the statement lacks are, e.g. ``step 2: …mTOR…``.

    ``parts`` as ``card_parts`` gives them, the statement first. Empty when the statement
    has every word (or nothing else has them). Each place is the first part holding every
    word still missing, else the one holding most of them (``10.1152`` shows the step
    citing that DOI, not the first step with a word starting with ``10``); at most
    ``limit`` places, in card order.
    """
    if not parts:
        return ""
    texts = _Folded([text for _, text in parts])
    missing = [q for q in query if not texts.holds(0, q)]
    places: list[tuple[int, str]] = []
    while missing and len(places) < limit:
        best, most = 0, 0
        for index in range(1, len(parts)):
            count = sum(texts.holds(index, q) for q in missing)
            if count > most:
                best, most = index, count
                if count == len(missing):
                    break
        if not most:
            break
        held = [q for q in missing if texts.holds(best, q)]
        places.append((best, _snippet(parts[best][1], held)))
        missing = [q for q in missing if q not in held]
    return " · ".join(f"{parts[index][0]}: {snippet}" for index, snippet in sorted(places))


class _Folded:
    """A claim's texts, each folded when first searched for words starting with a query word."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.folded: dict[int, str] = {}

    def holds(self, index: int, q: str) -> bool:
        """Does text ``index`` have a word starting with ``q``?"""
        folded = self.folded.get(index)
        if folded is None:
            folded = self.folded[index] = fold(self.texts[index])
        return q in folded and _starts_word(q).search(folded) is not None


@lru_cache(maxsize=256)
def _starts_word(q: str) -> re.Pattern[str]:
    """``q`` where no letter or digit comes before it: a word starting with ``q``.

    The same as splitting into words (``q`` is letters and digits, at most MAX_WORD of
    them, so a word cut at MAX_WORD still starts with it), without splitting.
    """
    return re.compile(r"(?<![^\W_])" + re.escape(q))


def _snippet(text: str, held: Sequence[str]) -> str:
    """The chunk of ``text`` (between spaces) holding most of the ``held`` words."""
    chunks = list(_CHUNK.finditer(text))
    folded = _Folded([chunk.group() for chunk in chunks])
    scores = [sum(folded.holds(i, q) for q in held) for i in range(len(chunks))]
    if not scores or not max(scores):
        # A word that only folding made (a compatibility form holding a space).
        return text[:40] + ("…" if len(text) > 40 else "")
    number = scores.index(max(scores))
    chunk = chunks[number].group()
    shown = chunk.strip(_EDGE) or chunk
    before = "…" if number > 0 else ""
    after = "…" if number < len(chunks) - 1 else ""
    return f"{before}{shown}{after}"
