"""Spreading work over worker processes, with results always in input order.

Results never depend on the number of processes: work is cut into the same chunks either way and
gathered in order, so one and two workers give byte-identical reports.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import InvalidStateError, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any


def worker_count(workers: int) -> int:
    """The number of processes (or threads) a `workers` setting means (0: every core)."""
    return workers if workers > 0 else (os.cpu_count() or 1)


def map_chunks(
    work: Callable[[Any], list[Any]],
    chunks: list[Any],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    tick: Callable[[], None] | None = None,
) -> list[Any]:
    """Apply `work` to every chunk in `workers` processes; the results of all chunks, in order
    (`tick` is called as each chunk's results arrive, for a progress bar).

    `initargs` reach each process once (where processes are forked, without being copied).
    Objects that exist before the pool starts are kept out of the garbage collector's scans while
    it runs: a scan in a forked worker would touch, and so copy, every page of the parent's objects.
    """
    out: list[Any] = []
    with _frozen():
        pool = ProcessPoolExecutor(workers, initializer=_worker_start, initargs=(initializer, initargs))
    try:
        for chunk in pool.map(work, chunks):
            out.extend(chunk)
            if tick is not None:
                tick()
    except BaseException:
        # An error, Ctrl-C or a stop: the chunks not begun are dropped and the workers stopped now,
        # not left to finish every chunk queued (nor, the parent gone, to wait on it for ever).
        _stop_pool(pool)
        raise
    pool.shutdown()
    return out


def _worker_start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """A pool worker's start: Ctrl-C is for the parent, which stops its workers (a worker taking it
    too would print its own traceback and could leave the pool waiting); then the initializer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: pending work cancelled, its worker processes terminated and reaped."""
    _quiet_pool_manager()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


def _quiet_pool_manager() -> None:
    """Keep quiet the pool's manager thread when its workers are stopped under it: it may try to
    fail futures already cancelled (InvalidStateError), which says nothing about the run's stop.
    Any other error of any thread is printed as before."""
    if getattr(threading.excepthook, "_dedup", False):
        return
    before = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if not issubclass(args.exc_type, InvalidStateError):
            before(args)

    hook._dedup = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def thread_map(work: Callable[[Any], Any], items: list[Any], workers: int) -> list[Any]:
    """`work` applied to every item by `workers` threads (0: every core), results in order.

    For work that runs in compiled kernels that release the interpreter lock: the threads share
    the process's arrays, so nothing is copied to or from them. The threads are gone when this
    returns, so processes forked later start from a single-threaded parent.
    """
    workers = min(worker_count(workers), len(items))
    if workers <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, items))


def one_ahead(work: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Any]:
    """`work(item)` for every item, in order, each computed in a thread while the caller handles the one before.

    For a loop whose two halves both run mostly outside the interpreter lock (numpy, scipy,
    compiled kernels): the halves of consecutive items overlap on two cores, and at most two
    results are alive at once. The thread is gone when the iteration ends.
    """
    if len(items) < 2:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(work, items[0])
        for item in items[1:]:
            done = pending.result()
            pending = pool.submit(work, item)
            yield done
        yield pending.result()


@contextmanager
def _frozen() -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector's scans while processes start.

    A scan in a forked process would touch, and so copy, every page of the parent's objects.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        outcome = ("ok", fn(*args))
    except BaseException as err:  # handed to the parent, which raises it
        outcome = ("error", err)
    conn.send(outcome)
    conn.close()


def _spare_child(conn: Any, tasks: Any, parent_end: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops this process
    parent_end.close()  # the parent's end of the task pipe, inherited
    try:
        fn, args = tasks.recv()
    except EOFError:
        return  # the parent went on without it
    tasks.close()
    _child(conn, fn, args)


def _fork(target: Callable[..., None], *args: Any) -> tuple[Any, Any]:
    """A daemon process running `target(send, *args)`, and the receiving end of its pipe `send`."""
    context = multiprocessing.get_context()
    conn, send = context.Pipe(duplex=False)
    with _frozen():
        process = context.Process(target=target, args=(send, *args), daemon=True)
        process.start()
    send.close()
    return process, conn


class Started:
    """A call running in a process of its own (see `Spare.start`); call the object for its result.

    As a context manager it stops the process on the way out if the result was never collected,
    so an error elsewhere does not wait for it.
    """

    def __init__(self, process: Any = None, conn: Any = None, result: tuple[str, Any] | None = None) -> None:
        self._process = process
        self._conn = conn
        self._result = result

    def __call__(self) -> Any:
        if self._result is None:
            try:
                self._result = self._conn.recv()
            except EOFError:
                self._result = ("error", RuntimeError("a worker process ended without a result"))
            finally:
                self._conn.close()
                self._process.join()
        status, value = self._result
        if status == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the process if it is still running; its result is not wanted."""
        if self._process is not None and self._result is None:
            self._process.terminate()
            self._process.join()
            self._conn.close()
            self._result = ("error", RuntimeError("cancelled"))

    def __enter__(self) -> Started:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cancel()


class Spare:
    """A process forked now, to run one call given later (`start`): its arguments are sent to it,
    everything the call allocates beyond its result is gone with the process.

    A process forked late shares every page the parent holds then, and the pages the parent frees
    afterwards are only given back when both have let go; one forked while the parent is still
    small holds nothing of what comes later. With `separate` false, the call runs here when
    started. As a context manager it stops the process on the way out if no call was started.
    """

    def __init__(self, separate: bool = True) -> None:
        self._process: Any = None
        self._conn: Any = None
        self._tasks: Any = None
        if separate:
            receive, self._tasks = multiprocessing.get_context().Pipe(duplex=False)
            self._process, self._conn = _fork(_spare_child, receive, self._tasks)
            receive.close()

    def start(self, fn: Callable[..., Any], *args: Any) -> Started:
        """Run `fn(*args)` in the spare process (or here, at once, when not separate)."""
        if self._process is None:
            return Started(result=("ok", fn(*args)))
        if self._tasks is None:
            raise RuntimeError("a spare process runs one call")
        tasks, self._tasks = self._tasks, None
        tasks.send((fn, args))
        tasks.close()
        return Started(self._process, self._conn)

    def close(self) -> None:
        """Stop the process if no call was started in it."""
        if self._tasks is not None:
            self._tasks.close()
            self._tasks = None
            self._process.terminate()
            self._process.join()
            self._conn.close()

    def __enter__(self) -> Spare:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


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
