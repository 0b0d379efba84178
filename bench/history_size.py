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

``--record text`` is the quick way to the 100k figure. Each edit is made on the claim's
Markdown instead (the same seven kinds, done to the lines they change: a word of a step,
the synthesis paragraph, a step added, moved or deleted with the list renumbered, a design
added, a study moved between the stance sections), and the new text is appended through
the history's own ``_append``, exactly as a recorded edit stores it. Only the claim tables
are left as generated. Through the edit commands the app's save path runs for every edit
(about 70 edits/s here, four hours for 1M edits); this way it takes minutes. Run both at
a few thousand claims to see they agree.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.db import open_library, session_scope
from curator_tui.generate import populate
from curator_tui.services import edits, history
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


STEP = re.compile(r"^(\d+)\. (?!\*\*)")
GOLD = re.compile(r"^\d+\. \*\*")


def _renumber(lines: list[str], start: int) -> None:
    """Number the list that holds line ``start`` 1, 2, 3... (as rendering does)."""
    first = start
    while first > 0 and STEP.match(lines[first - 1]):
        first -= 1
    number, at = 1, first
    while at < len(lines) and STEP.match(lines[at]):
        lines[at] = STEP.sub(f"{number}. ", lines[at], count=1)
        number, at = number + 1, at + 1


def text_edit(text: str, rng: random.Random) -> str | None:
    """The claim's Markdown after one random edit of the kinds in KINDS, or None."""
    lines = text.split("\n")
    kind = rng.choice(KINDS)
    steps = [i for i, line in enumerate(lines) if STEP.match(line)]
    if kind == "synthesis":
        at = next((i for i, line in enumerate(lines) if line.startswith("*Synthesis")), None)
        if at is None or at + 2 >= len(lines):
            return None
        lines[at + 2] = f"Revised synthesis {rng.randrange(10**6)}."
    elif kind == "flip":
        studies = [i for i, line in enumerate(lines) if line.startswith("- *")]
        sections = [i for i, line in enumerate(lines) if line.startswith("### Contradicting")]
        if not studies or not sections:
            return None
        line = lines.pop(studies[0])
        # after the heading and its blank line (the pop moved the heading up by one)
        target = sections[0] + 1 if studies[0] < sections[0] else sections[0]
        lines.insert(target, line)
        for at, heading in enumerate(lines):  # the sections' counts, as rendering has them
            if heading.startswith(("### Supporting (", "### Contradicting (")):
                name, start = heading.split(" (")[0], at + 2
                count = 0
                while start + count < len(lines) and lines[start + count].startswith("- *"):
                    count += 1
                lines[at] = f"{name} ({count})"
    elif kind == "gold":
        last = max((i for i, line in enumerate(lines) if GOLD.match(line)), default=None)
        if last is None:
            return None
        number = int(lines[last].split(".")[0]) + 1
        lines.insert(last + 1, f"{number}. **Randomized controlled trial** — 12 weeks, n=60")
    elif not steps:
        return None
    elif kind == "word":
        at = rng.choice(steps)
        words = lines[at].split(" ")
        words[rng.randrange(1, len(words))] = rng.choice(["markedly", "slightly", "rarely"])
        lines[at] = " ".join(words)
    elif kind == "add":
        at = rng.choice(steps)
        lines.insert(at, "1. An added step that a curator wrote (10.1000/x).")
        _renumber(lines, at)
    elif kind == "move":
        at = rng.choice(steps)
        other = at + rng.choice([-1, 1])
        if not (0 <= other < len(lines) and STEP.match(lines[other])):
            return None
        lines[at], lines[other] = lines[other], lines[at]
        _renumber(lines, at)
    else:  # delete
        if len(steps) <= 2:
            return None
        at = rng.choice(steps)
        del lines[at]
        _renumber(lines, at if at < len(lines) and STEP.match(lines[at]) else at - 1)
    return "\n".join(lines)


def record_as_text(engine: Engine, claims: int, per_claim: int, rng: random.Random) -> int:
    """Append ``per_claim`` text edits to every claim's history; returns how many."""
    appended = 0
    for first in range(1, claims + 1, 1000):
        window = list(range(first, min(first + 1000, claims + 1)))
        with session_scope(engine) as session:
            for claim_id in window:
                previous = history.latest(session, claim_id)
                if previous is None:
                    continue
                number, current, since = previous
                for _ in range(per_claim):
                    # as many edits as asked: a kind that does not fit the claim is drawn again
                    changed = None
                    for _draw in range(10):
                        changed = text_edit(current, rng)
                        if changed is not None and changed != current:
                            break
                    if changed is None or changed == current:
                        continue
                    history._append(
                        session,
                        claim_id,
                        changed,
                        "edited",
                        "edited",
                        "bench",
                        (number, current, since),
                    )
                    number += 1
                    since = 1 if since >= history.KEYFRAME else since + 1
                    current = changed
                    appended += 1
        if first % 20_000 == 1 and first > 1:
            print(f"  {first - 1:,} of {claims:,} claims", flush=True)
    return appended


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
    parser.add_argument(
        "--record",
        choices=("commands", "text"),
        default="commands",
        help="make the edits through the edit commands, or on the Markdown (see above)",
    )
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
    if args.record == "text":
        started = time.monotonic()
        appended = record_as_text(engine, args.claims, args.edits, rng)
        print(f"recorded {appended:,} text edits in {time.monotonic() - started:.0f} s")
        return finish(engine, library, folder, args)
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
    print(f"applied {applied:,} edits ({refused:,} skipped) in {time.monotonic() - started:.0f} s")
    return finish(engine, library, folder, args)


def finish(engine: Engine, library: Path, folder: Path, args: argparse.Namespace) -> int:
    """Print the size with the history against the size without; 1 if over the bound."""
    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT count(*) FROM claim_revision")).scalar_one()
    engine.dispose()
    with_history = vacuumed_size(library)
    bare = folder / "bare.db"
    shutil.copy(library, bare)
    with sqlite3.connect(bare) as db:
        db.execute("DELETE FROM claim_revision")
    without = vacuumed_size(bare)
    ratio = with_history / without
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(
        f"| library ({args.record}), {args.claims:,} claims, {revisions:,} revisions | "
        f"{with_history / 1e6:.0f} MB | {without / 1e6:.0f} MB (history emptied) | "
        f"{ratio:.2f} | <= 1.5 | {verdict} |"
    )
    if args.workdir is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
