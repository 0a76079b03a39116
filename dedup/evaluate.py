"""Score predicted stories against gold story labels.

Rule: every pair of articles put in one story counts. A pair that joins a labelled article to
anything outside its gold story is a false positive; pairs between two unlabelled articles
(distractors) are ignored. B-cubed is averaged over labelled articles.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Scores:
    """Pairwise and B-cubed precision, recall and F1."""

    gold_articles: int
    gold_pairs: int
    predicted_pairs: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float

    def to_dict(self) -> dict[str, float | int]:
        """The scores rounded for printing."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def read_gold(paths: Iterable[str | Path]) -> dict[str, str]:
    """Article id -> gold story from JSONL(.gz) files; rows without a story are distractors."""
    gold: dict[str, str] = {}
    for path in paths:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    row = json.loads(line)
                    if row.get("story"):
                        gold[str(row["id"])] = str(row["story"])
    return gold


def score(predicted: Mapping[str, list[str]], gold: Mapping[str, str]) -> Scores:
    """Score predicted stories (story id -> member ids) against gold labels."""
    pred_of = {a: s for s, members in predicted.items() for a in members}
    pred_pairs = set()
    for members in predicted.values():
        for a, b in itertools.combinations(sorted(members), 2):
            if a in gold or b in gold:
                pred_pairs.add((a, b))
    by_gold: dict[str, list[str]] = defaultdict(list)
    for a, s in gold.items():
        by_gold[s].append(a)
    gold_pairs = {p for ids in by_gold.values() for p in itertools.combinations(sorted(ids), 2)}
    tp = len(pred_pairs & gold_pairs)
    p = tp / len(pred_pairs) if pred_pairs else 0.0
    r = tp / len(gold_pairs) if gold_pairs else 0.0
    bp = br = 0.0
    for a, s in gold.items():
        cluster = set(predicted[pred_of[a]]) if a in pred_of else {a}
        inter = len(cluster & set(by_gold[s]))
        bp += inter / len(cluster)
        br += inter / len(by_gold[s])
    n = len(gold) or 1
    return Scores(len(gold), len(gold_pairs), len(pred_pairs), p, r, _f1(p, r), bp / n, br / n, _f1(bp / n, br / n))


def stories_of_report(report: object) -> dict[str, list[str]]:
    """Story id -> member ids from a JSON report's `stories`."""
    if not isinstance(report, Mapping) or not isinstance(report.get("stories", []), list):
        raise ValueError("expected an object with a `stories` list")
    stories = report.get("stories", [])
    assert isinstance(stories, list)
    return {str(s["id"]): [str(a) for a in s["articles"]] for s in stories}
