"""The stored rendering of each claim is always exactly what rendering it now would give."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Stance
from curator_tui.cards.render import render_markdown
from curator_tui.db import open_library, session_scope
from curator_tui.services import claims, evidence, gold, mechanisms
from curator_tui.services.cards import iter_cards, load_claim
from curator_tui.services.rendered import check_format, iter_markdown
from curator_tui.services.sample import seed


def stored(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT id, markdown FROM claim")).all())


def fresh(engine: Engine) -> dict[int, str]:
    with session_scope(engine) as session:
        return {cid: render_markdown(card) for cid, card in iter_cards(session)}


def assert_never_stale(engine: Engine) -> int:
    """Every stored rendering equals a fresh one; returns how many were stored."""
    now = fresh(engine)
    kept = {cid: md for cid, md in stored(engine).items() if md is not None}
    for cid, markdown in kept.items():
        assert markdown == now[cid], f"claim {cid} has a stale stored rendering"
    return len(kept)


def test_every_service_keeps_the_stored_rendering_fresh(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    seed(engine)
    rng = random.Random(11)
    operations = 0
    for _ in range(120):
        with session_scope(engine) as session:
            claim_ids = [r.id for r in claims.list_claims(session)]
            claim_id = rng.choice(claim_ids)
            detail = load_claim(session, claim_id)
            steps = [s.id for m in detail.mechanisms for s in m.steps]
            choice = rng.randrange(9)
            if choice == 0:
                claims.create_claim(session, f"New claim {rng.random()}", "with *synthesis*")
            elif choice == 1:
                claims.update_claim(session, claim_id, statement=f"Edited [{rng.random()}]")
            elif choice == 2 and detail.mechanisms:
                mechanisms.add_step(
                    session, rng.choice(detail.mechanisms).id, "A new step (10.1000/x)", 0
                )
            elif choice == 3 and steps:
                mechanisms.move_step(session, rng.choice(steps), rng.choice([-1, 1]))
            elif choice == 4 and steps:
                mechanisms.delete_step(session, rng.choice(steps))
            elif choice == 5:
                evidence.link_study(
                    session, claim_id, f"10.5555/r.{rng.randrange(10**6)}", Stance.CONTRADICTING
                )
            elif choice == 6 and detail.evidence:
                evidence.update_study(
                    session, rng.choice(detail.evidence).study_id, title=f"T {rng.random()}"
                )
            elif choice == 7:
                gold.add_gold(session, claim_id, "RCT", "a long one")
            elif choice == 8 and len(detail.mechanisms) > 1:
                mechanisms.promote_mechanism(session, detail.mechanisms[-1].id)
            operations += 1
        assert_never_stale(engine)
    # The services store renderings as they go: nothing is left to render at export time.
    assert all(md is not None for md in stored(engine).values())
    assert operations == 120


def test_changes_made_by_another_tool_clear_the_stored_rendering(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    engine = open_library(path)
    seed(engine)
    assert assert_never_stale(engine) == 2
    with sqlite3.connect(path) as db:  # no services, no app: plain SQL
        db.execute("UPDATE mechanismstep SET text = 'Rewritten by hand' WHERE id = 1")
        db.execute("UPDATE study SET journal = 'Another journal'")
    assert set(stored(engine).values()) == {None}
    with session_scope(engine) as session:
        exported = {cid: md for cid, _, md in iter_markdown(session)}
    assert exported == fresh(engine)
    assert any("Rewritten by hand" in md for md in exported.values())


def test_a_different_export_format_is_never_served(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    seed(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE claim SET markdown = 'old format'"))
        connection.execute(text("UPDATE library_meta SET value = '0' WHERE key = 'render_format'"))
    with session_scope(engine) as session:
        assert {md for _, _, md in iter_markdown(session)} == set(fresh(engine).values())
        assert check_format(session) is True
    assert set(stored(engine).values()) == {None}
    with session_scope(engine) as session:
        assert check_format(session) is False
