"""Feed articles to an index in batches and compare with one run over all of them.

    python scripts/index_batches.py --batches 7 ../shared/data/vmds-dev.jsonl ../shared/data/baomoi-2017.jsonl.gz \
        --gold ../shared/data/vmds-dev.jsonl --out out/batches

The articles are ordered by publication (undated ones after, in id order) and cut into equal
batches; each batch is one `dedup match BATCH --index DIR` process (its time and peak memory
measured), and one `dedup match` over all of them is the reference. Prints (and writes to
OUT/summary.json) each batch's time and peak memory, the pairwise F1 between the two groupings,
and, with --gold, the labelled stories' scores of both.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup import evaluate, io


def read_lines(paths: list[str]) -> list[tuple[str, str]]:
    """(sort key, line) of every JSONL record."""
    out = []
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                record = json.loads(line)
                published = record.get("published")
                when = io.parse_published(published) if published else None
                key = (0, when.isoformat(), record["id"]) if when else (1, "", record["id"])
                out.append((key, line if line.endswith("\n") else line + "\n"))
    out.sort(key=lambda kv: kv[0])
    return [(k[2], line) for k, line in out]


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; its wall time, peak memory (GiB) and stderr."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read() if proc.stderr else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return time.monotonic() - start, usage.ru_maxrss / 2**20, err


def pairs_of(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(a, b) for members in groups.values() for a, b in combinations(sorted(members), 2)}


def pair_f1(x: set[tuple[str, str]], y: set[tuple[str, str]]) -> float:
    if not x and not y:
        return 1.0
    both = len(x & y)
    return 2 * both / (len(x) + len(y))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--batches", type=int, default=7)
    ap.add_argument("--first", type=float, default=0.0, help="Share of the articles in the first batch (0: equal).")
    ap.add_argument("--gold", default=None)
    ap.add_argument("--out", default="out/batches")
    ap.add_argument("--dedup", default=str(Path(sys.executable).parent / "dedup"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index"
    if index.exists():
        for p in index.iterdir():
            p.unlink()
    lines = read_lines(args.inputs)
    n = len(lines)
    if args.first:
        head = int(n * args.first)
        rest = args.batches - 1
        bounds = [0, head] + [head + (n - head) * k // rest for k in range(1, rest + 1)]
    else:
        bounds = [n * k // args.batches for k in range(args.batches + 1)]
    rows = []
    for b in range(args.batches):
        batch = out / f"batch{b + 1}.jsonl"
        batch.write_text("".join(line for _id, line in lines[bounds[b] : bounds[b + 1]]), encoding="utf-8")
        seconds, peak, _err = timed([args.dedup, "match", str(batch), "--index", str(index), "-o", os.devnull])
        rows.append({"batch": b + 1, "articles": bounds[b + 1] - bounds[b], "indexed_before": bounds[b],
                     "seconds": round(seconds, 1), "peak_gib": round(peak, 2)})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    export = out / "export.jsonl"
    subprocess.run([args.dedup, "index", "export", str(index), "-o", str(export)], check=True)
    batched: dict[str, list[str]] = {}
    for line in export.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["story"]:
            batched.setdefault(r["story"], []).append(r["id"])
    whole = out / "all.jsonl"
    whole.write_text("".join(line for _id, line in lines), encoding="utf-8")
    report = out / "one-shot.json"
    seconds, peak, _err = timed([args.dedup, "match", str(whole), "-o", str(report)])
    one = json.loads(report.read_text(encoding="utf-8"))
    oneshot = evaluate.stories_of_report(one)
    summary = {
        "articles": n,
        "batches": rows,
        "one_shot": {"seconds": round(seconds, 1), "peak_gib": round(peak, 2)},
        "pairs_batched": len(pairs_of(batched)),
        "pairs_one_shot": len(pairs_of(oneshot)),
        "pairwise_f1_between": round(pair_f1(pairs_of(batched), pairs_of(oneshot)), 4),
    }
    if args.gold:
        gold = evaluate.read_gold([args.gold])
        for name, groups in (("batched", batched), ("one_shot", oneshot)):
            s = evaluate.score(groups, gold)
            summary[f"gold_{name}"] = {k: round(v, 4) for k, v in dataclasses.asdict(s).items()}
    print(json.dumps(summary, indent=1))
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
