"""Spreading work over worker processes, with results always in input order.

Results never depend on the number of processes: work is cut into the same chunks either way and
gathered in order, so one and two workers give byte-identical reports.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def worker_count(workers: int) -> int:
    """The number of processes a `workers` setting means (0: every core)."""
    return workers if workers > 0 else (os.cpu_count() or 1)


def map_chunks(
    work: Callable[[Any], list[Any]],
    chunks: list[Any],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> list[Any]:
    """Apply `work` to every chunk in `workers` processes; the results of all chunks, in order.

    `initargs` reach each process once (where processes are forked, without being copied).
    Objects that exist before the pool starts are kept out of the garbage collector's scans while
    it runs: a scan in a forked worker would touch, and so copy, every page of the parent's objects.
    """
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, initializer=initializer, initargs=initargs) as pool:
            return [result for chunk in pool.map(work, chunks) for result in chunk]
    finally:
        gc.unfreeze()
