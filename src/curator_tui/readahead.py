"""Work done ahead in another process, handed back in order.

Importing 10,000 card files spends about a third of its time reading and parsing them
and the rest writing to the library, one after the other on one core. Parsing is pure
Python (the GIL rules out threads), so on a machine with a second core a worker process
parses the files ahead while this process writes: the import then takes about as long
as the writing alone.

A worker imports only what it runs (here, cards/files.py): this module stays outside
services/, whose package would load SQLAlchemy and the tables into every worker (~0.5 s
of CPU at its start).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _exit_with(parent: int) -> None:
    """In a worker: exit as soon as the process that started it is gone.

    A worker blocks on its task queue, whose pipe it holds both ends of: killed with
    SIGKILL, the parent would leave it waiting forever.
    """

    # Ctrl+C reaches the whole process group: the importing process decides when to stop
    # (between two transactions), and shuts this worker down then.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def map_ahead(
    work: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    chunk: int = 100,
    local: int = 1000,
    ahead: int = 8,
    parallel_from: int = 2000,
    parallel: bool = True,
) -> Iterator[R]:
    """``work`` over ``items`` in chunks; the results one by one, in the items' order.

    With at least ``parallel_from`` items and a second core, worker processes take the
    chunks after the first ``local`` items (those run here while the workers start), at
    most ``ahead`` chunks in flight, so memory stays flat however many items there are.
    ``work`` must be a module-level function (it is pickled by name). ``parallel=False``
    runs everything here.
    """
    cores = os.cpu_count() or 1
    if not parallel or len(items) < parallel_from or cores < 2:
        for part in _chunks(items, chunk):
            yield from work(part)
        return
    # "spawn": a fresh interpreter, never a fork of this process and its open database.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(4, cores - 1),
        mp_context=context,
        initializer=_exit_with,
        initargs=(os.getpid(),),
    ) as pool:
        later = _chunks(items[local:], chunk)
        flight: deque[Future[list[R]]] = deque()
        for part in later:
            flight.append(pool.submit(work, part))
            if len(flight) >= ahead:
                break
        for part in _chunks(items[:local], chunk):
            yield from work(part)
        while flight:
            if not flight[0].done() and len(flight) < 2 * ahead:
                # The workers are behind (this process was quicker with the last results
                # than they were with the next): rather than wait idle, do the next chunk
                # here; its results take their turn after those in flight.
                stolen = next(later, None)
                if stolen is not None:
                    done: Future[list[R]] = Future()
                    done.set_result(work(stolen))
                    flight.append(done)
                    continue
            results = flight.popleft().result()
            for part in later:  # one more chunk in flight for the one just taken
                flight.append(pool.submit(work, part))
                break
            yield from results
