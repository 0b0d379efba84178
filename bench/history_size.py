"""Benchmark: what the history costs in file size (issue 10: at most +50%).

Run by hand (not part of the test suite), from the checkout, with the project's venv:

    .venv/bin/python bench/history_size.py                       # 100k claims, 10 edits each
    .venv/bin/python bench/history_size.py --claims 10000        # a quicker run

It generates a library (``curator_tui.generate.populate``, seed 1), then applies
``--edits`` random recorded edits to every claim through the same edit commands the app
uses (services/edits.py: a word changed in a step or the synthesis, a step added, moved
or deleted, a study design added, a stance flipped), in transactions of ``--batch`` edits.
The figure is the file size with the history over the same library with the history
table emptied, both after VACUUM: the baseline is measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from curator_tui.cards.model import Stance
from curator_tui.db import open_library, session_scope
from curator_tui.generate import populate
from curator_tui.services import edits
from curator_tui.services.errors import ServiceError

KINDS = ("word", "synthesis", "add", "move", "delete", "gold", "flip")


def pick_edit(connection: object, rng: random.Random, claim_id: int) -> edits.Edit | None:
    """A random edit of one claim, from its rows as they are now."""
    conn = connection  # a SQLAlchemy connection
    kind = rng.choice(KINDS)
    steps = conn.execute(  # type: ignore[attr-defined]
        text(
            "SELECT s.id, s.text, s.mechanism_id FROM mechanismstep s "
            "JOIN mechanism m ON m.id = s.mechanism_id WHERE m.claim_id = :c"
        ),
        {"c": claim_id},
    ).all()
    if kind == "synthesis":
        return edits.EditClaim(claim_id, synthesis=f"Revised synthesis {rng.randrange(10**6)}.")
    if kind == "flip":
        link = conn.execute(  # type: ignore[attr-defined]
            text("SELECT id FROM evidence WHERE claim_id = :c LIMIT 1"), {"c": claim_id}
        ).first()
        return edits.FlipStance(link[0]) if link else None
    if kind == "gold":
        return edits.AddGold(claim_id, "Randomized controlled trial", "12 weeks, n=60")
    if not steps:
        return None
    step_id, step_text, mechanism_id = rng.choice(steps)
    if kind == "word":
        words = step_text.split(" ")
        words[rng.randrange(len(words))] = rng.choice(["markedly", "slightly", "rarely"])
        return edits.EditStep(step_id, " ".join(words))
    if kind == "add":
        return edits.AddStep(mechanism_id, "An added step that a curator wrote (10.1000/x).", 1)
    if kind == "move":
        return edits.MoveStep(step_id, rng.choice([-1, 1]))
    return edits.DeleteStep(step_id) if len(steps) > 2 else None


def vacuumed_size(path: Path) -> int:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("VACUUM")
    db.close()
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=10, help="edits per claim")
    parser.add_argument("--batch", type=int, default=2000, help="edits per transaction")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="curator-history-"))
    folder.mkdir(parents=True, exist_ok=True)
    library = folder / "history.db"
    library.unlink(missing_ok=True)
    engine = open_library(library)
    started = time.monotonic()
    populate(engine, args.claims, seed=1)
    print(f"generated {args.claims} claims in {time.monotonic() - started:.0f} s", flush=True)
    rng = random.Random(1)
    plan = [c for c in range(1, args.claims + 1) for _ in range(args.edits)]
    rng.shuffle(plan)
    started, applied, refused = time.monotonic(), 0, 0
    for start in range(0, len(plan), args.batch):
        with session_scope(engine) as session:
            for claim_id in plan[start : start + args.batch]:
                edit = pick_edit(session.connection(), rng, claim_id)
                if edit is None:
                    refused += 1
                    continue
                try:
                    with session.begin_nested():
                        edits.apply(session, edit)
                    applied += 1
                except ServiceError:
                    refused += 1
        done = start + args.batch
        if done % (args.batch * 25) == 0:
            rate = done / (time.monotonic() - started)
            print(f"  {done:,} of {len(plan):,} edits ({rate:.0f}/s)", flush=True)
    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT count(*) FROM claim_revision")).scalar_one()
    engine.dispose()
    print(f"applied {applied:,} edits ({refused:,} skipped) in {time.monotonic() - started:.0f} s")
    with_history = vacuumed_size(library)
    bare = folder / "bare.db"
    shutil.copy(library, bare)
    with sqlite3.connect(bare) as db:
        db.execute("DELETE FROM claim_revision")
    without = vacuumed_size(bare)
    ratio = with_history / without
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(
        f"| library, {args.claims:,} claims, {revisions:,} revisions | "
        f"{with_history / 1e6:.0f} MB | {without / 1e6:.0f} MB (history emptied) | "
        f"{ratio:.2f} | <= 1.5 | {verdict} |"
    )
    if args.workdir is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
