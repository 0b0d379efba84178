"""Benchmark: the curation check (issue 13) at 100k claims, against baselines of the same run.

Run by hand (not part of the test suite), from the checkout, with the project's venv:

    .venv/bin/python bench/check_speed.py                  # 100k claims, a few minutes
    .venv/bin/python bench/check_speed.py --claims 10000 --library /tmp/l.db --keep

Figures (bounds from issue 13):

1. ``curator check`` of the whole library against ``curator export --all`` of it: both
   processes timed whole (spawn to exit, output to /dev/null), alternating, median of
   ``--runs``; bound 3x. The index is warm (a first check has stored every claim's keys);
   the first check after generating, which computes them, is reported apart. A warm check
   reads the stored duplicate map (migration 0012); the same check after one statement was
   edited (the map found again from the stored pair verdicts, the edited claim's pairs
   compared afresh) is timed apart, median of ``--runs``, against the same bound.
2. One claim checked after an edit, in process: an edit of its statement committed
   through the edit commands, then the check as the app's worker runs it (the card's
   checks and the duplicate lookup by the statement as it is now; its result is posted,
   then the index stores the edited claim's keys, timed apart); p95 of ``--edits``
   claims; bound 20 ms.
   The lookup's query plan is printed: it must search the key index, never scan.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench import build_library  # noqa: E402

PYTHON = sys.executable


def timed(cmd: list[str]) -> float:
    """Seconds from spawn to exit, output discarded (exit status 0 or 1 both fine)."""
    started = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with {result.returncode}")
    return elapsed


def curator(library: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "curator_tui.cli", "--db", str(library), "--no-pager", *args]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def edit_one(library: Path, rng: random.Random) -> None:
    """Edit one random claim's statement through the edit commands (the map goes stale)."""
    from sqlalchemy import text

    from curator_tui.db import open_library, session_scope
    from curator_tui.services import edits

    engine = open_library(library)
    with session_scope(engine) as session:
        claim_id, statement = session.execute(
            text("SELECT id, statement FROM claim ORDER BY id LIMIT 1 OFFSET :n"),
            {"n": rng.randint(0, 999)},
        ).one()
        edits.apply(session, edits.EditClaim(claim_id, statement=f"{statement} edited"))
    engine.dispose()


def one_claim(
    library: Path, edits_count: int, seed: int
) -> tuple[list[float], list[float], list[float], str]:
    """Per edit, in ms: the check, the duplicate lookup alone, the index update after the
    check; and the lookup's query plan."""
    from sqlalchemy import text

    from curator_tui.cards.problems import fingerprint
    from curator_tui.db import open_library, session_scope
    from curator_tui.services import curation_check, edits

    engine = open_library(library)
    rng = random.Random(seed)
    with engine.connect() as connection:
        top = int(connection.execute(text("SELECT max(id) FROM claim")).scalar() or 0)
    checks: list[float] = []
    lookups: list[float] = []
    updates: list[float] = []
    for _ in range(edits_count):
        claim_id = rng.randint(1, top)
        with session_scope(engine) as session:
            statement = (
                curation_check.existing_ids(session, [claim_id])
                and session.execute(
                    text("SELECT statement FROM claim WHERE id = :id"), {"id": claim_id}
                ).scalar_one()
            )
        if not statement:
            continue
        with session_scope(engine) as session:
            edits.apply(session, edits.EditClaim(claim_id, statement=f"{statement} edited"))
        # As the app's worker does it: the check (its result posted), then the index.
        started = time.perf_counter()
        with session_scope(engine) as session:
            curation_check.check_claims(session, [claim_id])
        checks.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with session_scope(engine) as session:
            curation_check.prepare(session, writable=True, budget=1000)
        updates.append((time.perf_counter() - started) * 1000)
        with session_scope(engine) as session:
            started = time.perf_counter()
            curation_check.find_duplicates(session, claim_id, f"{statement} edited")
            lookups.append((time.perf_counter() - started) * 1000)
    keys = ", ".join(str(k) for k in fingerprint("any statement at all"))
    with engine.connect() as connection:
        plan = "\n".join(
            " ".join(str(c) for c in row)
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT claim_id, key FROM claim_fingerprint"
                f" WHERE key IN ({keys}) AND claim_id != 1 LIMIT 576"
            )
        )
    engine.dispose()
    return checks, lookups, updates, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--library", type=Path, help="use (or build) this library file")
    parser.add_argument("--keep", action="store_true", help="keep the built library")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="check-speed-"))
    library = args.library or folder / "library.db"
    if not library.exists():
        print(f"building {args.claims:,} claims ...", flush=True)
        print(f"  built in {build_library(library, args.claims, args.seed):.1f} s", flush=True)
    first = timed(curator(library, "check"))
    print(f"first check (computes every claim's keys): {first:.2f} s", flush=True)

    check_times: list[float] = []
    export_times: list[float] = []
    for _ in range(args.runs):
        export_times.append(timed(curator(library, "export", "--all")))
        check_times.append(timed(curator(library, "check")))
    check, export = statistics.median(check_times), statistics.median(export_times)
    after_edit: list[float] = []
    rng = random.Random(args.seed + 1)
    for _ in range(args.runs):
        edit_one(library, rng)
        after_edit.append(timed(curator(library, "check")))
    edited = statistics.median(after_edit)

    checks, lookups, updates, plan = one_claim(library, args.edits, args.seed)
    rows = [
        (
            "curator check, whole library (warm index)",
            f"{check:.2f} s",
            f"{export:.2f} s (export --all)",
            check / export,
            "<= 3",
            check / export <= 3,
        ),
        (
            "curator check, whole library, after one statement edited",
            f"{edited:.2f} s",
            f"{export:.2f} s (export --all)",
            edited / export,
            "<= 3",
            edited / export <= 3,
        ),
        (
            "one claim checked after an edit, p95",
            f"{p95(checks):.1f} ms",
            "-",
            None,
            "< 20 ms",
            p95(checks) < 20,
        ),
    ]
    print()
    print(f"{args.claims:,} claims, {args.runs} runs each (median), {len(checks)} edits")
    print("| figure | value | baseline | ratio | bound | result |")
    print("|---|---|---|---|---|---|")
    for name, value, base, ratio, bound, ok in rows:
        shown = f"{ratio:.2f}" if ratio is not None else "-"
        print(f"| {name} | {value} | {base} | {shown} | {bound} | {'PASS' if ok else 'FAIL'} |")
    print()
    print(
        f"check runs: {', '.join(f'{t:.2f}' for t in check_times)} s;"
        f" export runs: {', '.join(f'{t:.2f}' for t in export_times)} s;"
        f" check after an edit: {', '.join(f'{t:.2f}' for t in after_edit)} s"
    )
    print(
        f"one claim after an edit: median {statistics.median(checks):.1f} ms,"
        f" max {max(checks):.1f} ms; duplicate lookup alone: median"
        f" {statistics.median(lookups):.2f} ms, p95 {p95(lookups):.2f} ms; the index"
        f" update after it: median {statistics.median(updates):.1f} ms,"
        f" p95 {p95(updates):.1f} ms"
    )
    print(f"lookup plan:\n{plan}")
    if not args.keep and args.library is None:
        library.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
