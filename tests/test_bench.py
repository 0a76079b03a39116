"""The bench's own arithmetic (its runs are timed by `make bench`, never here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", _PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


def test_median_ratio_over_rounds_skips_failed_rounds(bench) -> None:
    rounds = [{"wall": 2.0, "peak_rss": 0.5}, None, {"wall": 3.0, "peak_rss": 0.4}, {"wall": 2.2, "peak_rss": 0.6}]
    assert bench.median_ratios(rounds) == {"wall": 2.2, "peak_rss": 0.5}
    assert bench.median_ratios([None, None]) is None


def test_ratio_is_plain_over_dedup(bench) -> None:
    dedup = bench.Row(name="dedup", articles=10, wall_s=10.0, peak_rss_mib=200.0, rc=0)
    plain = bench.Row(name="plain", articles=10, wall_s=50.0, peak_rss_mib=100.0, rc=0)
    assert bench.ratios(dedup, plain) == {"wall": 5.0, "peak_rss": 0.5}


def test_repeat_must_be_positive(bench, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bench.main(["--repeat", "0", "--corpus", str(_PATH)])
    assert exc.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err


def test_no_ratio_when_a_run_failed(bench) -> None:
    dedup = bench.Row(name="dedup", articles=10, wall_s=10.0, peak_rss_mib=200.0, rc=1)
    plain = bench.Row(name="plain", articles=10, wall_s=50.0, peak_rss_mib=100.0, rc=0)
    assert bench.ratios(dedup, plain) is None
