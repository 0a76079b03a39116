"""Reference row for `bench/run.py`: MinHash + LSH with rensa (a Rust MinHash), nothing else.

The same shingling as `plain_datasketch.py` (lower-cased `\\w+` words, word 5-shingles, 128 permutations),
indexed in rensa's `RMinHashLSH`, then every article queried for candidates. rensa needs the band count to
divide 128, so datasketch's 25 bands x 5 rows for threshold 0.5 cannot be had; 32 x 4 is the nearest (its
S-curve midpoint (1/32)^(1/4) = 0.42 against 16 x 8's 0.71), which lets through more candidates. No TF-IDF
confirmation: this row times the hashing and bucketing tier only.

Runs in the separate bench virtualenv (rensa and the standard library), never in dedup's::

    out/bench-venv/bin/python bench/ref_rensa.py CORPUS.jsonl[.gz] [--bands 32] [-o result.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

from rensa import RMinHash, RMinHashLSH

NUM_PERM = 128
LSH_THRESHOLD = 0.5
SHINGLE = 5
SEED = 42
BANDS = 32
WORD = re.compile(r"\w+")


def read_texts(path: Path) -> list[str]:
    """The `text` of every non-blank line of a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line)["text"] for line in stream if line.strip()]


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """The distinct lower-cased word `size`-shingles of `text`."""
    words = WORD.findall(text.lower())
    return list({" ".join(words[i : i + size]) for i in range(len(words) - size + 1)})


def main(argv: list[str] | None = None) -> int:
    """Sketch, index and query one corpus with rensa; write counts and stage timings as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--bands", type=int, default=BANDS, help="LSH bands; must divide 128")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    texts = read_texts(args.corpus)
    t_read = time.perf_counter()

    lsh = RMinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, num_bands=args.bands)
    sketches: dict[int, RMinHash] = {}
    for i, text in enumerate(texts):
        grams = shingles(text)
        if not grams:
            continue
        m = RMinHash(num_perm=NUM_PERM, seed=SEED)
        m.update(grams)
        sketches[i] = m
        lsh.insert(i, m)
    t_index = time.perf_counter()

    candidates: set[tuple[int, int]] = set()
    for i, m in sketches.items():
        for j in lsh.query(m):
            if j != i:
                candidates.add((i, j) if i < j else (j, i))
    t_query = time.perf_counter()

    result = {
        "articles": len(texts),
        "without_shingles": len(texts) - len(sketches),
        "lsh": {"bands": args.bands, "rows": NUM_PERM // args.bands},
        "candidates": len(candidates),
        "timings": {
            "read": round(t_read - start, 3),
            "minhash_and_index": round(t_index - t_read, 3),
            "query": round(t_query - t_index, 3),
            "total": round(t_query - start, 3),
        },
    }
    text = json.dumps(result)
    if args.output is None:
        sys.stdout.write(text + "\n")
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
