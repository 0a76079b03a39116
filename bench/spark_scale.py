"""The Spark engine measured: per-stage time and shuffle sizes, beside the local engine on the same input.

    python bench/spark_scale.py --corpus ../shared/data/baomoi-2017.jsonl.gz [--copies K] [--master local[2]]
        [--no-local]

``--copies K`` runs on the corpus followed by K - 1 perturbed copies (``bench/run.py``'s: new ids, one
sentence dropped and a few neighbouring words swapped per article; every article then has near-copies,
so candidate pairs grow faster than the articles). Both engines run in this process one after the other
(the local one first, with every core); their reports are compared (equal or not, and how many pairs
differ). Spark's own figures come from its REST API: every job of a stage carries the stage's name
(``dedup:read`` ...), and its stages' shuffle reads and writes are added up. Peak memory is the largest
sum of resident sets of this process and its children (the JVM, the Python workers) sampled every
0.5 s. Results go to stdout as a table and to ``out/bench/spark-K.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import _descendants, _rss_kib, count_articles, write_perturbed_copies  # noqa: E402

from dedup import io, pipeline, report, spark  # noqa: E402
from dedup.config import MatchConfig  # noqa: E402


class PeakMemory:
    """The largest sum of resident sets of this process and its descendants, sampled in a thread."""

    def __init__(self, every_s: float = 0.5) -> None:
        self.every_s = every_s
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = sum(_rss_kib(p) for p in [me, *_descendants(me)])
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakMemory:
        self.peak_kib = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stop.clear()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def shuffle_by_stage(session: Any) -> dict[str, dict[str, float]]:
    """Per dedup stage: Spark tasks' run time and the bytes its shuffles wrote and read."""
    sc = session.sparkContext
    base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
    group_of_stage: dict[int, str] = {}
    for job in _get(f"{base}/jobs"):
        for stage_id in job.get("stageIds", []):
            group_of_stage[stage_id] = (job.get("jobGroup") or "other").removeprefix("dedup:")
    out: dict[str, dict[str, float]] = {}
    for stage in _get(f"{base}/stages"):
        name = group_of_stage.get(stage["stageId"], "other")
        row = out.setdefault(name, {"task_s": 0.0, "shuffle_write_mib": 0.0, "shuffle_read_mib": 0.0})
        row["task_s"] += stage.get("executorRunTime", 0) / 1000
        row["shuffle_write_mib"] += stage.get("shuffleWriteBytes", 0) / 2**20
        row["shuffle_read_mib"] += stage.get("shuffleReadBytes", 0) / 2**20
    return {k: {m: round(v, 1) for m, v in row.items()} for k, row in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=1, help="the corpus and K-1 perturbed copies (default 1)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--no-local", action="store_true", help="leave out the local engine's run")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus
    if args.copies > 1:
        corpus = args.out / f"corpus-x{args.copies}.jsonl.gz"
        if not corpus.exists():
            write_perturbed_copies(args.corpus, corpus, args.copies)
    n = count_articles(corpus)
    say = lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True)  # noqa: E731
    result: dict[str, Any] = {"corpus": str(corpus), "articles": n, "master": args.master}
    local_json = None
    if not args.no_local:
        with PeakMemory() as mem:
            start = time.perf_counter()
            articles, rejected = io.read_articles([str(corpus)])
            local = pipeline.run(articles, MatchConfig(workers=0), rejected=rejected, progress=say)
            result["local"] = {
                "wall_s": round(time.perf_counter() - start, 1),
                "peak_mib": round(mem.peak_kib / 1024),
                "stages_s": local.stats["seconds"],
            }
        local_json = report.to_dict(local)
        del local, articles
    session = spark.session(args.master, ui=True)
    try:
        with PeakMemory() as mem:
            start = time.perf_counter()
            found = spark.run([str(corpus)], MatchConfig(), spark=session, progress=say)
            result["spark"] = {
                "wall_s": round(time.perf_counter() - start, 1),
                "peak_mib": round(mem.peak_kib / 1024),
                "stages_s": found.stats["seconds"],
                "by_stage": shuffle_by_stage(session),
            }
    finally:
        session.stop()
    found_json = report.to_dict(found)
    result["pairs"] = len(found_json["pairs"])
    result["stories"] = len(found_json["stories"])
    result["candidates"] = found.stats["candidates"]
    if local_json is not None:
        result["same_report"] = found_json == local_json
        a = {(p["a"], p["b"], p["kind"]) for p in local_json["pairs"]}
        b = {(p["a"], p["b"], p["kind"]) for p in found_json["pairs"]}
        result["pairs_differing"] = len(a ^ b)
    (args.out / f"spark-{args.copies}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"{n} articles, {result['pairs']} pairs, {result['stories']} stories; master {args.master}")
    if "local" in result:
        print(f"local engine: {result['local']['wall_s']} s, peak {result['local']['peak_mib']} MiB")
        print(f"same report: {result['same_report']} ({result['pairs_differing']} pairs differ)")
    sp = result["spark"]
    print(f"spark engine: {sp['wall_s']} s, peak {sp['peak_mib']} MiB (driver, JVM and Python workers)")
    print(f"{'stage':<12}{'wall s':>8}{'task s':>9}{'shuffle write MiB':>19}{'shuffle read MiB':>18}")
    for name, secs in sp["stages_s"].items():
        row = sp["by_stage"].get(name, {})
        print(
            f"{name:<12}{secs:>8.1f}{row.get('task_s', 0):>9.1f}"
            f"{row.get('shuffle_write_mib', 0):>19.1f}{row.get('shuffle_read_mib', 0):>18.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
