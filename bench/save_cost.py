"""Benchmark: what an edit's save costs now against a tree before the history (issue 10).

Run by hand (not part of the test suite), from the checkout, with the project's venv:

    .venv/bin/python bench/save_cost.py                    # 100k claims, baseline 0776c11
    .venv/bin/python bench/save_cost.py --claims 5000 --rounds 2 --saves 20   # quicker

The bound: the save of an edit, from the key press to the list updated, stays within
1.2x of the baseline's (p95, both measured in one run). The baseline tree is taken from
git (``git archive``, ``src/`` only) and run with the same venv through ``PYTHONPATH``;
each tree generates its own library (seed 1: the same claims; the baseline cannot open a
library of the newer schema). ``bench/app_probe.py save`` times each ``ctrl+s`` of a step
edited in the dialog until the list shows the saved claim again. The two trees alternate,
``--rounds`` times each, and the p95 is taken over all of a tree's saves.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "bench" / "app_probe.py"
GENERATE = (
    "import sys; from curator_tui.db import open_library; "
    "from curator_tui.generate import populate; "
    "populate(open_library(sys.argv[1]), int(sys.argv[2]), seed=1)"
)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def unpack(commit: str, folder: Path) -> Path:
    """The ``src/`` of a commit, unpacked into ``folder``; returns its ``src``."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def run_probe(src: Path, library: Path, saves: int) -> list[float]:
    """One probe process on the tree at ``src``: the latency of each save, in seconds."""
    env = dict(os.environ, PYTHONPATH=str(src), TEXTUAL_ANIMATIONS="none")
    out = subprocess.run(
        [sys.executable, str(PROBE), "save", str(library), str(time.time()), str(saves)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1])["latencies"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="0776c11", help="the tree to compare with")
    parser.add_argument(
        "--tree", default=None, help="the tree measured (a commit; default: this checkout)"
    )
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=40, help="saves per probe process")
    parser.add_argument("--rounds", type=int, default=3, help="probe processes per tree")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="curator-save-"))
    try:
        trees = {
            "baseline": unpack(args.baseline, folder / "baseline"),
            "now": unpack(args.tree, folder / "now") if args.tree else ROOT / "src",
        }
        libraries = {}
        for name, src in trees.items():
            libraries[name] = folder / f"{name}.db"
            env = dict(os.environ, PYTHONPATH=str(src))
            subprocess.run(
                [sys.executable, "-c", GENERATE, str(libraries[name]), str(args.claims)],
                env=env,
                check=True,
            )
            print(f"generated {args.claims:,} claims with the {name} tree", flush=True)
        latencies: dict[str, list[float]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            for name, src in trees.items():
                found = run_probe(src, libraries[name], args.saves)
                # The first save of a process warms caches (imports of the dialog, etc.).
                latencies[name].extend(found[1:])
                print(
                    f"round {round_ + 1} {name}: p95 {p95(found[1:]) * 1000:.1f} ms,"
                    f" median {statistics.median(found[1:]) * 1000:.1f} ms",
                    flush=True,
                )
        now, base = p95(latencies["now"]), p95(latencies["baseline"])
        ratio = now / base
        verdict = "PASS" if ratio <= 1.2 else "FAIL"
        print(
            f"| edit saved (ctrl+s -> list updated), p95 of {len(latencies['now'])}, "
            f"{args.claims:,} claims | {now * 1000:.1f} ms | {base * 1000:.1f} ms "
            f"({args.baseline}, before the history) | {ratio:.2f} | <= 1.2 | {verdict} |"
        )
        print(
            f"medians: now {statistics.median(latencies['now']) * 1000:.1f} ms, "
            f"baseline {statistics.median(latencies['baseline']) * 1000:.1f} ms"
        )
        return 0 if ratio <= 1.2 else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
