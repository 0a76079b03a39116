"""Spreading work over worker processes, with results always in input order.

Results never depend on the number of processes: work is cut into the same chunks either way and
gathered in order, so one and two workers give byte-identical reports.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable, Iterator
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
    return list(imap_chunks(work, chunks, workers, initializer, initargs))


def imap_chunks(
    work: Callable[[Any], list[Any]],
    chunks: list[Any],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[Any]:
    """`map_chunks`, yielding each result as soon as it and those before it are done."""
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, initializer=initializer, initargs=initargs) as pool:
            for chunk in pool.map(work, chunks):
                yield from chunk
    finally:
        gc.unfreeze()


_CALL: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []


def _set_call(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _CALL[:] = [(fn, args)]


def _run_call() -> Any:
    fn, args = _CALL[0]
    return fn(*args)


def start(fn: Callable[..., Any], *args: Any, separate: bool = True) -> Callable[[], Any]:
    """Start `fn(*args)` in a forked process and go on; call the returned function for its result.

    The arguments reach the process without being copied, and everything the call allocates
    beyond its result is gone with the process. With `separate` false, the call runs here at once.
    """
    if not separate:
        result = fn(*args)
        return lambda: result
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(1, initializer=_set_call, initargs=(fn, args))
        future = pool.submit(_run_call)
    finally:
        gc.unfreeze()

    def wait() -> Any:
        try:
            return future.result()
        finally:
            pool.shutdown()

    return wait


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def return_free_memory() -> None:
    """Hand the allocator's free pages back to the system (glibc keeps them after a stage's big frees)."""
    if _TRIM is not None:
        _TRIM(0)
