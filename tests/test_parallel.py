from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from dedup import parallel
from tests.conftest import group_is_gone


def _sum_and_pid(values: np.ndarray, scale: int) -> tuple[int, int]:
    return int(values.sum()) * scale, os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_started_call_whose_result_is_not_collected_is_stopped() -> None:
    begun = time.perf_counter()
    with pytest.raises(KeyError), parallel.Spare() as spare, spare.start(_sleep, 60.0) as started:
        raise KeyError("an error before the result is asked")
    assert time.perf_counter() - begun < 30
    assert not started._process.is_alive()


def test_a_spare_process_runs_a_call_on_arguments_made_after_it_was_forked() -> None:
    with parallel.Spare() as spare:
        values = np.arange(50_000, dtype=np.int64)  # made after the fork: it can only reach it sent
        with spare.start(_sum_and_pid, values, 2) as started:
            total, pid = started()
    assert total == 2 * int(values.sum())
    assert pid not in (os.getpid(), None)
    with pytest.raises(RuntimeError, match="one call"):
        spare.start(_sum_and_pid, values, 1)


def test_a_spare_process_given_no_call_is_stopped() -> None:
    begun = time.perf_counter()
    with pytest.raises(KeyError), parallel.Spare() as spare:
        raise KeyError("an error before any call")
    assert time.perf_counter() - begun < 30
    assert not spare._process.is_alive()


def test_an_error_in_a_spare_process_is_raised_where_its_result_is_asked() -> None:
    with parallel.Spare() as spare:
        started = spare.start(_fail, "no shingles")
        with pytest.raises(ValueError, match="no shingles"):
            started()


def test_a_spare_not_separate_runs_its_call_here() -> None:
    with parallel.Spare(separate=False) as spare:
        total, pid = spare.start(_sum_and_pid, np.arange(10), 2)()
    assert (total, pid) == (90, os.getpid())


def test_map_chunks_keeps_input_order() -> None:
    chunks = [list(range(k, k + 3)) for k in range(0, 30, 3)]
    assert parallel.map_chunks(_squares, chunks, 2) == [x * x for x in range(30)]


def _squares(chunk: list[int]) -> list[int]:
    return [x * x for x in chunk]


def test_one_ahead_gives_every_result_in_order_computing_the_next_in_another_thread() -> None:
    import threading

    begun = [threading.Event() for _ in range(6)]
    threads: set[int] = set()

    def work(x: int) -> int:
        threads.add(threading.get_ident())
        begun[x].set()
        return x * x

    results = []
    for k, result in enumerate(parallel.one_ahead(work, list(range(6)))):
        if k + 1 < 6:
            # The next item is taken up while the caller still holds this result.
            assert begun[k + 1].wait(10)
        results.append(result)
    assert results == [x * x for x in range(6)]
    assert threading.get_ident() not in threads
    assert list(parallel.one_ahead(work, [3])) == [9]
    assert list(parallel.one_ahead(work, [])) == []


def test_one_ahead_raises_an_error_of_the_work_where_its_result_is_due() -> None:
    def work(x: int) -> int:
        if x == 2:
            raise ValueError("bad item")
        return x

    got = []
    with pytest.raises(ValueError, match="bad item"):
        for result in parallel.one_ahead(work, [0, 1, 2, 3]):
            got.append(result)
    assert got == [0, 1]


_CTRL_C_IN_A_POOL = """
import os, signal, sys, time
from dedup import parallel

def work(chunk):
    if chunk == 0:
        os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C at a terminal: the whole process group
    time.sleep(100)
    return [chunk]

try:
    parallel.map_chunks(work, list(range(8)), 2)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_stops_a_pool_and_its_workers_at_once_without_a_traceback() -> None:
    """The workers leave Ctrl-C to the parent, which stops them: no worker's traceback, no worker
    left running, and no wait for the chunks queued (each would take 100 s)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_IN_A_POOL],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out == b"interrupted\n", err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err
    assert group_is_gone(proc.pid), "a worker of the stopped pool is still running"
