"""The history: deltas are exact, every change is an entry, deletions keep their text."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from curator_tui.db import session_scope
from curator_tui.delta import (
    apply_to_tokens,
    pack_delta,
    pack_full,
    tokens_of,
    unpack_delta,
    unpack_full,
)
from curator_tui.services import claims, history, mechanisms
from curator_tui.services.rendered import iter_markdown

lines = st.lists(st.text(max_size=30), max_size=12)


@given(lines, lines, st.booleans())
def test_a_delta_gives_back_the_new_text_exactly(old: list[str], new: list[str], end: bool) -> None:
    a = "\n".join(old)
    b = "\n".join(new) + ("\n" if end else "")
    assert unpack_delta(a, pack_delta(a, b)) == b
    assert unpack_full(pack_full(b)) == b


def test_texts_longer_than_the_packing_window_and_older_packs_unpack_exactly() -> None:
    # Packing uses an 8 KB window (delta._PACK_WBITS); revisions already stored were
    # packed with a 32 KB one. A text whose repeats lie further back than 8 KB, packed
    # either way, must come back exactly (red if the packer and unpacker disagree on the
    # stream's form or its preset dictionary).
    import random
    import zlib

    from curator_tui.delta import _ZDICT

    rng = random.Random(7)
    block = "".join(rng.choice("abcdefgh mTOR ß\n") for _ in range(9000))
    text = block + "middle" + block
    assert unpack_full(pack_full(text)) == text
    older = zlib.compressobj(level=9, wbits=-15, zdict=_ZDICT)
    stored = older.compress(text.encode("utf-8")) + older.flush()
    assert len(stored) < len(pack_full(text))  # the 32 KB window did reach the repeat
    assert unpack_full(stored) == text


@given(st.lists(st.tuples(lines, st.booleans()), min_size=1, max_size=6))
def test_a_chain_of_deltas_applied_as_tokens_gives_each_text(
    versions: list[tuple[list[str], bool]],
) -> None:
    texts = ["\n".join(parts) + ("\n" if end else "") for parts, end in versions]
    tokens = tokens_of(texts[0])
    for old, new in itertools.pairwise(texts):
        tokens = apply_to_tokens(tokens, pack_delta(old, new))
        assert "".join(tokens) == new
        assert tokens == tokens_of(new)


def test_a_one_line_edit_of_a_card_costs_a_few_dozen_bytes() -> None:
    card = (Path(__file__).parents[1] / "data" / "card-rir-vs-failure.txt").read_text()
    edited = card.replace("Over eight weeks", "Over nine weeks", 1)
    assert edited != card
    assert len(pack_delta(card, edited)) < 120 < len(pack_full(card))


def test_a_moved_step_or_study_is_copied_from_where_it_was() -> None:
    from curator_tui.cards.parse import parse_card
    from curator_tui.cards.render import render_markdown

    source = (Path(__file__).parents[1] / "data" / "card-rir-vs-failure.txt").read_text()
    card = render_markdown(parse_card(source, "card").card)
    lines = card.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    second = first + 1
    assert lines[second].startswith("2. ")
    moved = list(lines)
    moved[first], moved[second] = "1." + lines[second][2:], "2." + lines[first][2:]
    edited = "\n".join(moved)
    assert unpack_delta(card, pack_delta(card, edited)) == edited
    assert len(pack_delta(card, edited)) < 60  # the line itself is ~200 bytes


def test_each_change_is_an_entry_with_author_summary_and_text(any_library: Engine) -> None:
    engine = history.with_author(any_library, "Ada")
    with session_scope(engine) as session:
        claim_id = claims.create_claim(session, "Creatine improves strength", "First")
    with session_scope(engine) as session:
        mechanism = mechanisms.add_mechanism(session, claim_id, "More phosphocreatine")
        mechanisms.add_step(session, mechanism, "Stores rise 10.1000/abc")
        history.note(session, claim_id, "added step 1 of the most probable mechanism")
    with session_scope(engine) as session:
        claims.update_claim(session, claim_id, synthesis="Second")  # not named: still recorded
    with session_scope(engine) as session:
        entries = history.revisions(session, claim_id)
        now = dict((cid, text) for cid, _, text in iter_markdown(session))[claim_id]
        texts = [history.text_at(session, claim_id, e.revision) for e in entries]
    assert [(e.revision, e.author, e.summary, e.kind) for e in entries] == [
        (3, "Ada", "changed", "edited"),
        (2, "Ada", "added step 1 of the most probable mechanism", "edited"),
        (1, "Ada", "created the claim", "created"),
    ]
    assert texts[0] == now
    assert "Stores rise" in texts[1] and "First" in texts[1]
    assert "Stores rise" not in texts[2]


def test_a_change_that_changes_nothing_is_not_an_entry(any_library: Engine) -> None:
    engine = any_library
    with session_scope(engine) as session:
        claim_id = claims.create_claim(session, "Sleep aids recovery")
    with session_scope(engine) as session:
        claims.update_claim(session, claim_id, statement="Sleep aids recovery")
    with session_scope(engine) as session:
        assert len(history.revisions(session, claim_id)) == 1


def test_a_deleted_claim_keeps_its_history_and_last_text(any_library: Engine) -> None:
    engine = any_library
    with session_scope(engine) as session:
        claim_id = claims.create_claim(session, "Sleep aids recovery", "Kept text")
    with session_scope(engine) as session:
        before = dict((cid, text) for cid, _, text in iter_markdown(session))[claim_id]
        claims.delete_claim(session, claim_id)
    with session_scope(engine) as session:
        deleted = history.deleted_claims(session)
        assert [(d.claim_id, d.revision, d.kind) for d in deleted] == [(claim_id, 2, "deleted")]
        assert history.text_at(session, claim_id, 2) == before


def test_texts_far_from_a_whole_one_are_still_exact(any_library: Engine) -> None:
    engine = any_library
    with session_scope(engine) as session:
        claim_id = claims.create_claim(session, "Claim 0")
    expected = {}
    for n in range(1, history.KEYFRAME * 2 + 5):
        with session_scope(engine) as session:
            claims.update_claim(session, claim_id, statement=f"Claim {n}", synthesis="x" * n)
    with session_scope(engine) as session:
        for entry in history.revisions(session, claim_id):
            expected[entry.revision] = history.text_at(session, claim_id, entry.revision)
    assert len(expected) == history.KEYFRAME * 2 + 5
    for revision, text in expected.items():
        assert text.startswith(f"# Claim {revision - 1}\n"), revision
        assert "x" * (revision - 1) in text or revision == 1
