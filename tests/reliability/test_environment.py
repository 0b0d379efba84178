"""Environment faults: each is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from curator_tui.db import open_library
from curator_tui.services.sample import seed

from .helpers import DATA, curator, one_clean_error
from .test_crash import write_cards

NOBODY = 65534
as_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="permission faults are simulated by running as 'nobody' (needs root and setpriv)",
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
def test_read_only_library(library: Path) -> None:
    before = dump(library)
    library.chmod(0o444)
    for suffix in ("-wal", "-shm"):
        extra = library.with_name(library.name + suffix)
        if extra.exists():
            extra.chmod(0o444)
    # Reading and exporting still work...
    listed = curator("list", "--json", db=library, user=NOBODY)
    assert listed.returncode == 0 and '"id": 2' in listed.stdout, listed.stderr
    assert curator("export", "1", db=library, user=NOBODY).stdout.startswith("# ")
    # ...changing it is one clear error per file, and nothing changes.
    result = curator(
        "import", "--replace", "-q", str(DATA / "card-rir-vs-failure.txt"), db=library, user=NOBODY
    )
    line = one_clean_error(result)
    assert "card-rir-vs-failure.txt" in line and "read-only" in line, line
    assert dump(library) == before


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
def test_unwritable_out_directory(library: Path) -> None:
    out = library.parent / "locked"
    out.mkdir()
    out.chmod(0o555)
    library.parent.chmod(0o777)  # the library itself stays usable by nobody
    for path in library.parent.glob("lib.db*"):
        path.chmod(0o666)
    line = one_clean_error(
        curator("export", "--all", "--out", str(out / "cards"), db=library, user=NOBODY)
    )
    assert "Permission denied" in line or "cannot" in line
    line = one_clean_error(
        curator("export", "1", "-o", str(out / "one.md"), db=library, user=NOBODY)
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


def test_full_disk_during_export(tmp_path: Path, small_disk: Path) -> None:
    library = tmp_path / "big.db"
    write_cards(tmp_path / "cards", 200)
    assert curator("import", "-q", str(tmp_path / "cards"), db=library).returncode == 0
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
