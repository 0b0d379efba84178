"""Benchmark: curator-tui at 1k and 100k claims, each figure as a ratio to a baseline.

Run by hand (not part of the test suite), from the checkout, with the project's venv:

    .venv/bin/python bench/bench.py                 # everything, a few minutes
    .venv/bin/python bench/bench.py --json out.json --keep

It builds libraries of 1k, 10k and 100k generated claims (curator_tui.generate.populate)
in a temporary directory, measures every figure of issue 5 against a baseline measured
in the same run, and prints a table with the bound and PASS/FAIL. Processes are timed
whole (spawn to exit, wall clock) and their peak RSS is the kernel's ru_maxrss of that
child (GNU time's %M). The median of ``--runs`` runs is used where a run is cheap; a command
that takes longer than ``--cheap`` seconds is run once. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
PROBE = REPO / "bench" / "app_probe.py"
PYTHON = sys.executable
CURATOR = str(Path(PYTHON).with_name("curator"))
GNU_TIME = "/usr/bin/time"


# --- running things -----------------------------------------------------------------------


@dataclass
class Run:
    """One finished child process."""

    wall: float  # seconds, spawn to exit
    maxrss_mb: float  # peak resident set size of the child
    returncode: int
    stdout: str = ""
    stderr: str = ""


def run(
    cmd: Sequence[str],
    *,
    stdout: IO[bytes] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 1200.0,
    check: bool = True,
) -> Run:
    """Run ``cmd``; time it spawn-to-exit and read its peak RSS.

    The peak RSS comes from GNU time (``%M``), not from our own os.wait4: on Linux a
    child's ru_maxrss starts at the peak of the process it was exec'd from (this one,
    with the libraries loaded), so only a small parent like ``time`` reports it right.
    """
    with contextlib.ExitStack() as stack:
        err = stack.enter_context(tempfile.TemporaryFile())
        out = stdout if stdout is not None else stack.enter_context(tempfile.TemporaryFile())
        rss_file = stack.enter_context(tempfile.NamedTemporaryFile("r", suffix=".rss"))
        started = time.perf_counter()
        proc = subprocess.Popen(
            [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd],
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,
        )
        # Over the time limit: kill the whole group (time and the command it runs).
        timer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        text = ""
        if stdout is None:
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
        lines = rss_file.read().split()
        maxrss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    result = Run(wall, maxrss_kb / 1024, proc.returncode, text, stderr)
    if check and proc.returncode != 0:
        killed = " (killed: over the time limit)" if proc.returncode < 0 else ""
        raise RuntimeError(f"{' '.join(cmd)} failed{killed}: {proc.returncode}\n{stderr[-2000:]}")
    return result


def repeat(
    measure: Callable[[], Run], runs: int, cheap: float, log: Callable[[str], None], label: str
) -> list[Run]:
    """``runs`` runs of a measure; just one when the first takes longer than ``cheap`` s."""
    results = [measure()]
    log(f"  {label}: {results[0].wall:.3f} s, {results[0].maxrss_mb:.0f} MB")
    if results[0].wall > cheap:
        return results
    for _ in range(runs - 1):
        results.append(measure())
        log(f"  {label}: {results[-1].wall:.3f} s, {results[-1].maxrss_mb:.0f} MB")
    return results


def paired(
    baseline: Callable[[], Run],
    measure: Callable[[], Run],
    runs: int,
    cheap: float,
    log: Callable[[str], None],
    labels: tuple[str, str],
    warm: bool = True,
) -> tuple[list[Run], list[Run]]:
    """A measure and its baseline run alternately (so a busy spell hits both alike).

    Both are run once untimed first (caches) when ``warm``; then ``runs`` pairs, or just
    one when the measure takes longer than ``cheap`` seconds.
    """
    if warm:
        baseline()
        measure()
    bases: list[Run] = []
    measures: list[Run] = []
    for _ in range(runs):
        bases.append(baseline())
        log(f"  {labels[0]}: {bases[-1].wall:.3f} s, {bases[-1].maxrss_mb:.0f} MB")
        measures.append(measure())
        log(f"  {labels[1]}: {measures[-1].wall:.3f} s, {measures[-1].maxrss_mb:.0f} MB")
        if measures[-1].wall > cheap:
            break
    return bases, measures


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return ordered[rank - 1]


# --- the report ---------------------------------------------------------------------------


@dataclass
class Figure:
    """One line of the table: a measured value, its baseline, the bound on their ratio."""

    name: str
    value: float
    baseline: float
    baseline_name: str
    bound: float
    unit: str = "s"
    runs: int = 1
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def passed(self) -> bool:
        return self.ratio <= self.bound


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        print(
            f"  => {figure.name}: {fmt(figure.value, figure.unit)} / "
            f"{fmt(figure.baseline, figure.unit)} = {figure.ratio:.2f} "
            f"(bound {figure.bound:g}) {'PASS' if figure.passed else 'FAIL'}",
            flush=True,
        )

    def table(self) -> str:
        lines = [
            "| figure | value | baseline | ratio | bound | result |",
            "|---|---|---|---|---|---|",
        ]
        for f in self.figures:
            runs = f" (median of {f.runs})" if f.runs > 1 else ""
            runs += f", {f.note}" if f.note else ""
            lines.append(
                f"| {f.name}{runs} | {fmt(f.value, f.unit)} | {fmt(f.baseline, f.unit)} "
                f"({f.baseline_name}) | {f.ratio:.2f} | ≤ {f.bound:g} | "
                f"{'PASS' if f.passed else '**FAIL**'} |"
            )
        return "\n".join(lines)


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:g} {unit}"


# --- the benchmark ------------------------------------------------------------------------


def build_library(path: Path, claims: int, seed: int) -> float:
    """A library of generated claims; returns the seconds populate() took."""
    from curator_tui.db import open_library
    from curator_tui.generate import populate

    engine = open_library(path)
    started = time.perf_counter()
    populate(engine, claims, seed)
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return elapsed


def probe(mode: str, library: Path, env: dict[str, str], *extra: str) -> tuple[Run, dict[str, Any]]:
    """Run bench/app_probe.py; its JSON result, and the process (wall time, peak RSS)."""
    cmd = [PYTHON, str(PROBE), mode, str(library), repr(time.time()), *extra]
    result = run(cmd, env=env)
    return result, json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", type=int, default=100_000, help="claims in the large library")
    parser.add_argument("--small", type=int, default=1_000, help="claims in the small library")
    parser.add_argument("--import-claims", type=int, default=10_000, help="card files imported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs per cheap measure (median)")
    parser.add_argument(
        "--quick-runs", type=int, default=5, help="runs per sub-second measure (median)"
    )
    parser.add_argument(
        "--file-runs",
        type=int,
        default=3,
        help="runs of export --out / cp -r of the large library (median; slow, noisy)",
    )
    parser.add_argument(
        "--cheap",
        type=float,
        default=20.0,
        help="a run longer than this many seconds is not repeated",
    )
    parser.add_argument("--keystrokes", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=1200.0, help="cap per command, seconds")
    parser.add_argument("--workdir", type=Path, help="where to build (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the libraries and exports")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if not Path(GNU_TIME).exists() or shutil.which("sqlite3") is None:
        parser.error(
            "needs GNU time (/usr/bin/time) and the sqlite3 shell: apt-get install time sqlite3"
        )

    compile_sources()
    S, L = size_label(args.small), size_label(args.large)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="curator-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["CURATOR_CONFIG"] = str(work / "no-config.toml")  # the default keys, whatever the user has
    env["TEXTUAL_ANIMATIONS"] = "none"
    env.pop("CURATOR_DB", None)
    report = Report()
    info = report.info
    info["machine"] = {
        "nproc": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
    }
    info["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info["git"] = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    log = print

    def timed(cmd: Sequence[str], stdout: IO[bytes] | None = None) -> Callable[[], Run]:
        def measure() -> Run:
            if stdout is not None and stdout.name != os.devnull:
                stdout.seek(0)
                stdout.truncate()
                settle_disk()
            return run(cmd, stdout=stdout, env=env, timeout=args.timeout)

        return measure

    try:
        # --- libraries ---------------------------------------------------------------
        small, large, mid = work / "small.db", work / "large.db", work / "import-src.db"
        log(f"building libraries in {work}")
        for path, claims in ((small, args.small), (mid, args.import_claims), (large, args.large)):
            if path.exists():
                log(f"  {path.name}: kept from an earlier run")
                continue
            elapsed = build_library(path, claims, args.seed)
            info[f"populate_{claims}_s"] = round(elapsed, 2)
            log(f"  {path.name}: {claims} claims in {elapsed:.1f} s")

        # --- app start, memory -------------------------------------------------------
        log("app start to first paint (bench/app_probe.py start), with its baseline")
        import_ui_cmd = timed([PYTHON, "-c", "import textual.app, sqlmodel"])
        import_ui: list[Run] = []
        starts: dict[str, list[tuple[Run, dict[str, Any]]]] = {"small": [], "large": []}
        import_ui_cmd()  # warm-up
        for path in (small, large):
            probe("start", path, env)
        for _ in range(args.quick_runs):
            import_ui.append(import_ui_cmd())
            log(f"  import textual.app, sqlmodel: {import_ui[-1].wall:.3f} s")
            for name, path in (("small", small), ("large", large)):
                proc, data = probe("start", path, env)
                starts[name].append((proc, data))
                log(
                    f"  {name}: first paint {data['first_paint']:.3f} s (imports {data['imported']:.3f} s,"
                    f" library open {data['opened']:.3f} s), process {proc.wall:.3f} s, "
                    f"{proc.maxrss_mb:.0f} MB, rows held after end: {data['loaded_rows_after_end']}"
                )
        b_ui = median([r.wall for r in import_ui])
        paint = {k: median([d["first_paint"] for _, d in v]) for k, v in starts.items()}
        rss = {k: median([p.maxrss_mb for p, _ in v]) for k, v in starts.items()}
        info["app_start"] = {
            k: {
                "first_paint_s": paint[k],
                "imports_s": median([d["imported"] for _, d in v]),
                "library_open_s": median([d["opened"] for _, d in v]),
                "process_s": median([p.wall for p, _ in v]),
                "maxrss_mb": rss[k],
                "rows_held_after_end": max(d["loaded_rows_after_end"] for _, d in v),
            }
            for k, v in starts.items()
        }
        report.add(
            Figure(
                f"app start → first paint of the list, {L}",
                paint["large"],
                b_ui,
                "python -c 'import textual.app, sqlmodel'",
                1.5,
                runs=args.quick_runs,
            )
        )
        report.add(
            Figure(
                f"app start → first paint, {L} ÷ {S}",
                paint["large"],
                paint["small"],
                f"the same at {S}",
                1.2,
                runs=args.quick_runs,
            )
        )
        report.add(
            Figure(
                f"app peak RSS, {L} ÷ {S}",
                rss["large"],
                rss["small"],
                f"at {S}",
                1.3,
                "MB",
                args.quick_runs,
            )
        )

        # --- filter keystrokes ---------------------------------------------------------
        log(f"filter: {args.keystrokes} keystrokes (bench/app_probe.py filter)")
        latency: dict[str, float] = {}
        for name, path in (("small", small), ("large", large)):
            _, data = probe("filter", path, env, str(args.keystrokes))
            latency[name] = p95(data["latencies"])
            info[f"filter_{name}"] = {
                "p50_s": median(data["latencies"]),
                "p95_s": latency[name],
                "max_s": max(data["latencies"]),
                "latencies_ms": [round(x * 1000, 1) for x in data["latencies"]],
                "keys": data["keys"],
                "totals": data["totals"],
            }
            log(
                f"  {name}: p50 {median(data['latencies']) * 1000:.1f} ms, "
                f"p95 {latency[name] * 1000:.1f} ms, max {max(data['latencies']) * 1000:.1f} ms"
            )
            if data.get("hint_latencies"):
                # Where each row matched is drawn after the list (no bound: for the record).
                hints = data["hint_latencies"]
                info[f"filter_{name}"]["hints_p95_s"] = p95(hints)
                log(
                    f"  {name}: the cursor's row says where it matched after "
                    f"p50 {median(hints) * 1000:.1f} ms, p95 {p95(hints) * 1000:.1f} ms"
                )
        report.add(
            Figure(
                f"filter keystroke → list updated, p95, {L} ÷ {S}",
                latency["large"],
                latency["small"],
                f"the same at {S}",
                2,
            )
        )
        report.add(
            Figure(
                f"filter keystroke → list updated, p95 at {L}",
                latency["large"],
                0.050,
                "the 50 ms budget",
                1,
            )
        )

        # --- export one claim ---------------------------------------------------------
        log("curator export ID")
        claim_id = str(args.large // 2)
        import_sqlmodel, export_one = paired(
            timed([PYTHON, "-c", "import sqlmodel"]),
            timed(
                [CURATOR, "--db", str(large), "export", claim_id, "--quiet"], subprocess_devnull()
            ),
            args.quick_runs,
            args.cheap,
            log,
            ("import sqlmodel", f"curator export {claim_id}"),
        )
        b_sqlmodel = median([r.wall for r in import_sqlmodel])
        report.add(
            Figure(
                f"`curator export ID` ({L} library), whole process",
                median([r.wall for r in export_one]),
                b_sqlmodel,
                "python -c 'import sqlmodel'",
                1.3,
                runs=len(export_one),
            )
        )

        # --- export --all to one stream -----------------------------------------------
        log(f"curator export --all > FILE ({L})")
        stream_file = work / "all.md"
        with stream_file.open("wb") as handle:
            dump, export_all = paired(
                timed(["sqlite3", str(large), ".dump"], subprocess_devnull()),
                timed([CURATOR, "--db", str(large), "export", "--all", "--quiet"], handle),
                args.runs,
                args.cheap,
                log,
                ("sqlite3 .dump", "export --all"),
                warm=False,
            )
        info["export_all_bytes"] = stream_file.stat().st_size
        report.add(
            Figure(
                f"`curator export --all > FILE`, {L}",
                median([r.wall for r in export_all]),
                median([r.wall for r in dump]),
                "sqlite3 LIBRARY .dump > /dev/null",
                3,
                runs=len(export_all),
            )
        )
        report.add(
            Figure(
                f"`curator export --all > FILE`, {L}, peak RSS",
                max(r.maxrss_mb for r in export_all),
                200.0,
                "the 200 MB budget",
                1,
                "MB",
            )
        )

        # --- export --all --out DIR ---------------------------------------------------
        log(f"curator export --all --out DIR ({L})")

        def export_dir(library: Path, target: Path) -> Callable[[], Run]:
            def measure() -> Run:
                shutil.rmtree(target, ignore_errors=True)
                settle_disk()
                return run(
                    [
                        CURATOR,
                        "--db",
                        str(library),
                        "export",
                        "--all",
                        "--out",
                        str(target),
                        "--quiet",
                    ],
                    env=env,
                    timeout=args.timeout,
                )

            return measure

        # Each run writes into a new directory, after the disk has settled. Nothing is
        # deleted until every run is done: on the VM this was measured on, creating 100k
        # files soon after deleting 200k others took up to 10x longer (all of it kernel
        # time), and deleting between runs put every export, never a cp, right after one.
        export_out: list[Run] = []
        copies: list[Run] = []
        made: list[Path] = []
        for index in range(args.file_runs):
            out_dir, copy_dir = work / f"out-{L}-{index}", work / f"copy-{L}-{index}"
            made += [out_dir, copy_dir]
            export_out.append(export_dir(large, out_dir)())
            log(f"  export --out: {export_out[-1].wall:.3f} s, {export_out[-1].maxrss_mb:.0f} MB")
            info["export_out_files"] = sum(1 for _ in out_dir.iterdir())
            settle_disk()
            copies.append(run(["cp", "-r", str(out_dir), str(copy_dir)], timeout=args.timeout))
            log(f"  cp -r: {copies[-1].wall:.3f} s")
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)
        settle_disk()
        info["export_out_runs_s"] = [round(r.wall, 2) for r in export_out]
        info["cp_runs_s"] = [round(r.wall, 2) for r in copies]
        report.add(
            Figure(
                f"`curator export --all --out DIR`, {L}",
                median([r.wall for r in export_out]),
                median([r.wall for r in copies]),
                "cp -r DIR",
                2,
                runs=len(export_out),
                note="each run in a new directory after `sync`",
            )
        )

        # --- import ---------------------------------------------------------------------
        log(f"curator import of {args.import_claims} card files")
        target = work / "imported.db"
        # Each export into a new directory, none deleted until the end (as above): deleting
        # 10,000 files just before writing them again had made this baseline 4.6-6.7 s of
        # mostly kernel time, against 1.1-1.2 s into a new directory. The import reads the
        # newest export.
        card_dirs: list[Path] = []

        def export_cards() -> Run:
            card_dirs.append(work / f"out-{args.import_claims}-{len(card_dirs)}")
            return export_dir(mid, card_dirs[-1])()

        def import_cards() -> Run:
            for leftover in work.glob("imported.db*"):
                leftover.unlink()
            settle_disk()
            return run(
                [CURATOR, "--db", str(target), "import", "--quiet", str(card_dirs[-1])],
                env=env,
                timeout=args.timeout,
            )

        export_mid, imports = paired(
            export_cards,
            import_cards,
            args.runs,
            args.cheap,
            log,
            ("export --out", "import"),
            warm=False,
        )
        for folder in card_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        import sqlite3

        with sqlite3.connect(target) as conn:
            info["imported_claims"] = conn.execute("SELECT count(*) FROM claim").fetchone()[0]
        report.add(
            Figure(
                f"`curator import` of {args.import_claims} card files",
                median([r.wall for r in imports]),
                median([r.wall for r in export_mid]),
                "`curator export --all --out DIR` of the same claims",
                2,
                runs=len(imports),
            )
        )
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"machine: {info['machine']}")
    print(f"date: {info['date']}  tree: {info['git']}")
    print()
    print(report.table())
    failed = [f.name for f in report.figures if not f.passed]
    print()
    print(f"{len(report.figures) - len(failed)} of {len(report.figures)} bounds met")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "info": info,
                    "figures": [
                        {
                            "name": f.name,
                            "value": f.value,
                            "unit": f.unit,
                            "baseline": f.baseline,
                            "baseline_name": f.baseline_name,
                            "ratio": f.ratio,
                            "bound": f.bound,
                            "passed": f.passed,
                            "runs": f.runs,
                        }
                        for f in report.figures
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    return 1 if failed else 0


def settle_disk() -> None:
    """Let the page cache write back what earlier steps wrote (not timed)."""
    os.sync()
    time.sleep(2)


def compile_sources() -> None:
    """Byte-compile the curator_tui being measured, as scripts/bootstrap.sh does.

    With PYTHONDONTWRITEBYTECODE set, an editable install's sources (or a tree named by
    PYTHONPATH) would be compiled again by every timed start, which an installed wheel
    never does; the floors' libraries come compiled.
    """
    found = subprocess.run(
        [PYTHON, "-c", "import curator_tui, os; print(os.path.dirname(curator_tui.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    subprocess.run([PYTHON, "-m", "compileall", "-q", found.stdout.strip()], check=True)


def size_label(claims: int) -> str:
    """1000 -> 1k, 100000 -> 100k."""
    return f"{claims // 1000}k" if claims % 1000 == 0 and claims else str(claims)


def subprocess_devnull() -> IO[bytes]:
    """/dev/null for a child's stdout (the cost of the output, not of a pipe reader)."""
    return open(os.devnull, "wb")


if __name__ == "__main__":
    sys.exit(main())
