"""Environment faults: each is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import curator_tui
from curator_tui.db import open_library
from curator_tui.services.sample import seed

from .helpers import DATA, curator, one_clean_error

NOBODY = 65534
as_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="permission faults are simulated by running as 'nobody' (needs root and setpriv)",
)


# What 'nobody' has no use for (and cannot import anyway): the development tools.
DEV_ONLY = ("mypy*", "ruff*", "hypothesis*", "pip", "pip-*", "setuptools*", "_pytest", "pytest*")
DEV_ONLY += ("*__mypyc*", "grimp*", "importlinter", "import_linter*", "librt*", "__editable__*")
DEV_ONLY += ("_editable_impl_*", "curator_tui*")


def _share(source: str, target: str) -> None:
    """Hard-link a file when others may read it (fast, no space), else copy it readable."""
    if os.stat(source).st_mode & stat.S_IROTH:
        try:
            os.link(source, target)
            return
        except OSError:  # another file system
            pass
    shutil.copy2(source, target)
    os.chmod(target, os.stat(target).st_mode | stat.S_IROTH)


def _runs_as_nobody(python: str, cwd: Path, env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [*setpriv(NOBODY), python, "-s", "-c", "import curator_tui.cli, sqlmodel"],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    return probe.returncode == 0


def setpriv(user: int) -> list[str]:
    """The prefix that runs a command as ``user`` (uid and gid), with no groups."""
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]


@pytest.fixture(scope="module")
def nobody_python() -> Iterator[tuple[str, dict[str, str], Path]]:
    """(python, environment, folder) with which 'nobody' runs the CLI of this checkout.

    A clone may sit in a folder only root may enter (as /root is), and so may its
    virtualenv and interpreter: 'nobody' gets a world-readable copy of the installed
    packages and of curator_tui (hard links where possible), on PYTHONPATH, run by the
    first interpreter of this Python version it can start.
    """
    runtime = Path(tempfile.mkdtemp(prefix="curator-nobody-", dir="/tmp"))
    try:
        runtime.chmod(0o755)
        site = runtime / "site"
        shutil.copytree(
            sysconfig.get_paths()["purelib"],
            site,
            ignore=shutil.ignore_patterns(*DEV_ONLY),
            copy_function=_share,
        )
        shutil.copytree(
            Path(curator_tui.__file__).parent,
            site / "curator_tui",
            ignore=shutil.ignore_patterns("__pycache__"),
            copy_function=_share,
        )
        for folder, dirs, _ in os.walk(runtime):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "PYTHON"))}
        env.update({"PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1", "HOME": str(runtime)})
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        candidates = [
            os.path.realpath(sys.executable),
            os.path.realpath(getattr(sys, "_base_executable", sys.executable)),
            *(shutil.which(version, path=p) or "" for p in os.get_exec_path()),
            f"/usr/bin/{version}",
            f"/usr/local/bin/{version}",
        ]
        for python in dict.fromkeys(c for c in candidates if c and os.path.exists(c)):
            if _runs_as_nobody(python, runtime, env):
                yield python, env, runtime
                return
        pytest.skip(
            f"no {version} that the user 'nobody' may run (they all sit in private folders)"
        )
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def as_nobody(
    nobody_python: tuple[str, dict[str, str], Path], *args: str, db: Path
) -> subprocess.CompletedProcess[str]:
    """``curator --db DB ARGS`` run by the user 'nobody' (see ``nobody_python``)."""
    python, env, cwd = nobody_python
    return subprocess.run(
        [*setpriv(NOBODY), python, "-s", "-m", "curator_tui.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def open_dir():  # type: ignore[no-untyped-def]
    """A folder another user can reach (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="curator-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def library(open_dir: Path) -> Path:
    path = open_dir / "lib.db"
    seed(open_library(path))
    return path


def dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


@as_root
def test_read_only_library(library: Path, open_dir: Path, nobody_python) -> None:  # type: ignore[no-untyped-def]
    card = Path(shutil.copy(DATA / "card-rir-vs-failure.txt", open_dir))  # nobody reads it here
    card.chmod(0o644)
    before = dump(library)
    library.chmod(0o444)
    for suffix in ("-wal", "-shm"):
        extra = library.with_name(library.name + suffix)
        if extra.exists():
            extra.chmod(0o444)
    # Reading and exporting still work...
    listed = as_nobody(nobody_python, "list", "--json", db=library)
    assert listed.returncode == 0 and '"id": 2' in listed.stdout, listed.stderr
    exported = as_nobody(nobody_python, "export", "1", db=library)
    assert exported.stdout.startswith("# "), exported.stderr
    # ...changing it is one clear error per file, and nothing changes.
    result = as_nobody(nobody_python, "import", "--replace", "-q", str(card), db=library)
    line = one_clean_error(result)
    assert "card-rir-vs-failure.txt" in line and "read-only" in line, line
    assert dump(library) == before


@as_root
def test_a_library_browsed_read_only_can_be_changed_once_writable_again(  # type: ignore[no-untyped-def]
    open_dir: Path, nobody_python
) -> None:
    # The curator's own library and folder: SQLite makes its -wal and -shm as they are.
    open_dir.chmod(0o777)
    library = open_dir / "own.db"
    engine = open_library(library)
    seed(engine)
    engine.dispose()
    os.chown(library, NOBODY, NOBODY)
    card = Path(shutil.copy(DATA / "card-rir-vs-failure.txt", open_dir))
    card.chmod(0o644)
    library.chmod(0o444)
    listed = as_nobody(nobody_python, "list", "--json", db=library)
    assert listed.returncode == 0, listed.stderr
    # Browsing left them read-only (SQLite gave them the library's permissions then).
    shm = library.with_name(library.name + "-shm")
    assert shm.exists() and not stat.S_IMODE(shm.stat().st_mode) & stat.S_IWUSR
    library.chmod(0o644)
    result = as_nobody(nobody_python, "import", "--replace", "-q", str(card), db=library)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_missing_directory(tmp_path: Path) -> None:
    line = one_clean_error(curator("import", str(DATA), db=tmp_path / "nowhere" / "lib.db"))
    assert "does not exist" in line
    assert not (tmp_path / "nowhere").exists()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a library\n" * 100)
    line = one_clean_error(curator("list", db=bogus))
    assert "not a database" in line
    assert bogus.read_text().startswith("these are my notes")


def test_library_path_is_a_directory(tmp_path: Path) -> None:
    assert "is a directory" in one_clean_error(curator("list", db=tmp_path))


@as_root
def test_unwritable_out_directory(library: Path, nobody_python) -> None:  # type: ignore[no-untyped-def]
    out = library.parent / "locked"
    out.mkdir()
    out.chmod(0o555)
    library.parent.chmod(0o777)  # the library itself stays usable by nobody
    for path in library.parent.glob("lib.db*"):
        path.chmod(0o666)
    line = one_clean_error(
        as_nobody(nobody_python, "export", "--all", "--out", str(out / "cards"), db=library)
    )
    assert "Permission denied" in line or "cannot" in line
    line = one_clean_error(
        as_nobody(nobody_python, "export", "1", "-o", str(out / "one.md"), db=library)
    )
    assert "Permission denied" in line
    assert list(out.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_during_export(tmp_path: Path, small_disk: Path, card_files) -> None:  # type: ignore[no-untyped-def]
    library = tmp_path / "big.db"
    cards = card_files.write(tmp_path / "cards", range(200))
    assert curator("import", "-q", str(cards), db=library).returncode == 0
    line = one_clean_error(curator("export", "--all", "-o", str(small_disk / "all.md"), db=library))
    assert "No space left on device" in line
    # Nothing half-written is left behind.
    assert list(small_disk.iterdir()) == []
    line = one_clean_error(
        curator("export", "--all", "--out", str(small_disk / "cards"), db=library)
    )
    assert "No space left on device" in line
    assert not any(p.name.endswith(".tmp") for p in (small_disk / "cards").iterdir())


def test_export_to_a_device_writes_through_it(tmp_path: Path, library: Path) -> None:
    """-o /dev/null must not replace the device with a file (an atomic rename would)."""
    result = curator("export", "--all", "-o", "/dev/null", db=library)
    assert result.returncode == 0, result.stderr
    assert Path("/dev/null").is_char_device()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    assert curator("export", "1", "-o", str(fifo), db=library).returncode == 0
    assert reader.communicate(timeout=30)[0].startswith("# ")
    assert fifo.is_fifo()


def test_export_through_a_symlink_replaces_its_target(tmp_path: Path, library: Path) -> None:
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert curator("export", "1", "-o", str(link), db=library).returncode == 0
    assert link.is_symlink() and target.read_text().startswith("# ")
