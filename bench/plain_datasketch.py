"""The design done plainly with datasketch and scikit-learn: the yardstick `bench/run.py` measures dedup against.

Per article: lower-case, split into words with `\\w+`, MinHash (128 permutations) the set of word 5-shingles,
index in a MinHashLSH at threshold 0.5; query every article for candidates; confirm each candidate pair with
TF-IDF cosine (vectoriser fitted once on all texts, only the candidate pairs scored) and keep cosine >= 0.5.

This is what a competent user would write from the libraries' documentation, with nothing slowed on purpose
and nothing tuned either. Usage::

    python bench/plain_datasketch.py CORPUS.jsonl[.gz] [-o pairs.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
from datasketch import MinHash, MinHashLSH
from sklearn.feature_extraction.text import TfidfVectorizer

NUM_PERM = 128
LSH_THRESHOLD = 0.5
SHINGLE = 5
MIN_COSINE = 0.5
WORD = re.compile(r"\w+")


def open_text(path: Path) -> IO[str]:
    """Open a .jsonl or .jsonl.gz file for reading as UTF-8 text."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_articles(path: Path) -> Iterator[tuple[str, str]]:
    """Yield (id, text) for each non-blank line of a JSONL file."""
    with open_text(path) as stream:
        for line in stream:
            if line.strip():
                record = json.loads(line)
                yield str(record["id"]), record["text"]


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """The set of lower-cased word `size`-shingles of `text`, as UTF-8 bytes."""
    words = WORD.findall(text.lower())
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the plain pipeline on one corpus and write the confirmed pairs as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="JSONL or JSONL.gz with id and text per line")
    parser.add_argument("-o", "--output", type=Path, default=None, help="where to write the pairs (default: stdout)")
    args = parser.parse_args(argv)

    timings: dict[str, float] = {}
    start = clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    ids: list[str] = []
    texts: list[str] = []
    for art_id, text in read_articles(args.corpus):
        ids.append(art_id)
        texts.append(text)
    lap("read")

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    sketches: dict[int, MinHash] = {}
    with lsh.insertion_session() as session:
        for i, text in enumerate(texts):
            grams = shingles(text)
            if not grams:  # fewer than five words: nothing to compare
                continue
            m = MinHash(num_perm=NUM_PERM)
            m.update_batch(list(grams))
            sketches[i] = m
            session.insert(i, m)
    lap("minhash_and_index")

    candidates: set[tuple[int, int]] = set()
    for i, m in sketches.items():
        for j in lsh.query(m):
            if j != i:
                candidates.add((i, j) if i < j else (j, i))
    lap("query")

    tfidf = TfidfVectorizer().fit_transform(texts)  # rows are L2-normalised, so a dot product is the cosine
    lap("tfidf_fit")
    pairs: list[tuple[str, str, float]] = []
    if candidates:
        left, right = (np.array(side, dtype=np.int64) for side in zip(*sorted(candidates), strict=True))
        cosines = np.asarray(tfidf[left].multiply(tfidf[right]).sum(axis=1)).ravel()
        keep = np.flatnonzero(cosines >= MIN_COSINE)
        pairs = [(ids[left[k]], ids[right[k]], round(float(cosines[k]), 4)) for k in keep]
    lap("confirm")

    result = {
        "articles": len(ids),
        "without_shingles": len(ids) - len(sketches),
        "lsh": {"bands": lsh.b, "rows": lsh.r},
        "candidates": len(candidates),
        "pairs_found": len(pairs),
        "timings": {**timings, "total": round(time.perf_counter() - start, 3)},
        "pairs": pairs,
    }
    text = json.dumps(result, ensure_ascii=False)
    if args.output is None:
        sys.stdout.write(text + "\n")
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n", encoding="utf-8")
    print(
        f"plain: {len(ids)} articles, {len(candidates)} candidates, {len(pairs)} pairs, "
        f"{timings} total {result['timings']['total']}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
