"""Score predicted stories against gold story labels.

Rule: every pair of articles put in one story counts. A pair that joins a labelled article to
anything outside its gold story is a false positive; pairs between two unlabelled articles
(distractors) are ignored. B-cubed is averaged over labelled articles.
"""

from __future__ import annotations

import gzip
import itertools
import json
import zlib
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


class GoldError(ValueError):
    """A gold file that cannot be read, with the file and line in the message."""


def _gold_files(paths: Iterable[str | Path]) -> list[Path]:
    """The gold files: each path, or the .jsonl/.jsonl.gz files under a directory (sorted)."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz")))
        elif path.is_file():
            out.append(path)
        else:
            raise GoldError(f"{path}: no such file or directory")
    return out


def read_gold(paths: Iterable[str | Path]) -> dict[str, str]:
    """Article id -> gold story from JSONL(.gz) files (or directories of them); rows without a
    story are distractors. Raises GoldError naming the file and line of anything unreadable,
    including an id given twice."""
    paths = list(paths)
    gold: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in _gold_files(paths):
        lineno = 0
        try:
            with gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb") as stream:
                for lineno, raw in enumerate(stream, start=1):
                    where = f"{path}:{lineno}"
                    try:
                        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                    except UnicodeDecodeError as err:
                        raise GoldError(f"{where}: not UTF-8 (byte {err.start + 1} of the line)") from None
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as err:
                        raise GoldError(f"{where}: not valid JSON: {err.msg} (column {err.colno})") from None
                    if not isinstance(row, dict) or row.get("id") is None:
                        raise GoldError(f"{where}: expected an object with an `id`")
                    rid = str(row["id"])
                    if rid in seen:
                        raise GoldError(f"{where}: duplicate id {rid!r} (first at {seen[rid]})")
                    seen[rid] = where
                    if row.get("story"):
                        gold[rid] = str(row["story"])
        except (OSError, EOFError, zlib.error) as err:
            raise GoldError(f"{path}:{lineno + 1}: cannot read: {err}") from None
    if not gold:
        # Nothing to score against: all-zero figures would read as a result.
        where = ", ".join(str(p) for p in paths)
        raise GoldError(
            f"no labelled articles in {where}: {len(seen)} rows read, none with a `story`"
            + ("" if seen else " (GOLD is .jsonl or .jsonl.gz files, or directories of them)")
        )
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
    if not isinstance(report, Mapping) or not isinstance(report.get("stories"), list):
        raise ValueError("expected an object with a `stories` list")
    return {str(s["id"]): [str(a) for a in s["articles"]] for s in report["stories"]}


def articles_of_report(report: Mapping[str, object]) -> set[str]:
    """The ids of a JSON report's `articles` (every article of its run)."""
    articles = report.get("articles")
    if not isinstance(articles, list):
        raise ValueError("expected an `articles` list")
    return {str(a["id"]) for a in articles}


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (0, 1 when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class JudgedShare:
    """How many pairs of a judged group a reader found right (of one event, for story pairs; as
    the verdict says, for figure pairs), with its 95% interval."""

    group: str
    judged: int  # pairs with a verdict (unsure left out)
    right: int

    @property
    def share(self) -> float:
        return self.right / self.judged if self.judged else 0.0

    def interval(self) -> tuple[float, float]:
        return wilson(self.right, self.judged)


def read_judged(path: str | Path) -> list[dict]:
    """Judged pairs, one JSON object a line (`a`, `b`, `verdict`, `reason`, `stratum`, ...)."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def judged_shares(report: Mapping[str, object], judged: Iterable[Mapping[str, object]]) -> list[JudgedShare]:
    """Judged pairs against a report: the share of one event among the pairs it confirms as
    `same_story` (its precision; and per confidence, firm or likely) and among those it leaves in
    different stories, for the pairs drawn from its confirmed pairs (`confirmed`) and from each
    article's nearest (`near`, per cosine band). Pairs whose articles are not in the report are
    left out."""
    story = {a["id"]: a["story"] for a in report["articles"]}  # type: ignore[index]
    kind = {(p["a"], p["b"]): p["kind"] for p in report["pairs"]}  # type: ignore[index]
    tier = {(p["a"], p["b"]): p.get("confidence") for p in report["pairs"]}  # type: ignore[index]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in judged:
        a, b, verdict = str(row["a"]), str(row["b"]), row["verdict"]
        if verdict not in ("same_event", "different_event") or a not in story or b not in story:
            continue
        pair = (min(a, b), max(a, b))
        together = story[a] is not None and story[a] == story[b]
        if kind.get(pair) == "same_story":
            groups = ["confirmed as same_story"]
            if tier.get(pair):
                groups.append(f"confirmed as same_story, {tier[pair]}")
        elif not together:
            groups = ["left apart"]
            if row.get("band"):
                groups.append(f"left apart, cosine {row['band']}")
        else:
            continue
        for g in groups:
            counts[g][0] += 1
            counts[g][1] += verdict == "same_event"
    return [JudgedShare(g, n, s) for g, (n, s) in sorted(counts.items())]


def weighted_left_apart(report: Mapping[str, object], judged: Iterable[Mapping[str, object]]) -> tuple[float, float]:
    """From near pairs drawn per cosine band among those a report leaves apart: the estimated number
    of same-event pairs left apart (each band's share times its size) and its share of them all."""
    shares = {s.group.rsplit(" ", 1)[-1]: s.share for s in judged_shares(report, judged) if "cosine" in s.group}
    sizes = {str(r["band"]): int(r["band_size"]) for r in judged if r.get("band") and r.get("band_size")}
    missed = sum(shares[b] * n for b, n in sizes.items() if b in shares)
    total = sum(n for b, n in sizes.items() if b in shares)
    return missed, (missed / total if total else 0.0)


# What a reader must have found for each verdict to be right (docs/judging-figures.md).
FIGURE_RIGHT = {"exact": "consistent", "rounded": "consistent", "conflict": "conflict"}


def story_shares(report: Mapping[str, object], judged: Iterable[Mapping[str, object]]) -> list[JudgedShare]:
    """Stories judged whole (`one_event` or `mixed`, unsure left out) against a report: the share
    of its stories with exactly those articles that are one event, in all and per confidence."""
    stories = {tuple(s["articles"]): s for s in report["stories"]}  # type: ignore[index, union-attr]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in judged:
        story = stories.get(tuple(row["articles"]))  # type: ignore[arg-type]
        if story is None or row["verdict"] not in ("one_event", "mixed"):
            continue
        for g in ("stories", f"stories, {story.get('confidence')}"):
            counts[g][0] += 1
            counts[g][1] += row["verdict"] == "one_event"
    return [JudgedShare(g, n, s) for g, (n, s) in sorted(counts.items())]


def figure_shares(report: Mapping[str, object], judged: Iterable[Mapping[str, object]]) -> list[JudgedShare]:
    """Judged figure pairs against a report: for each verdict the report gives a judged pair (found
    by both articles and both offsets), how many a reader found right; a conflict with a note is
    counted apart ("conflict?"). Pairs the report no longer compares are left out."""
    given: dict[tuple, tuple[str, bool]] = {}
    for story in report["stories"]:  # type: ignore[index]
        for c in story["claims"]:
            a, b = c["a"], c["b"]
            given[(a["article"], a["start"], b["article"], b["start"])] = (c["verdict"], bool(c.get("note")))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in judged:
        key = (row["a"], row["a_start"], row["b"], row["b_start"])
        flipped = (row["b"], row["b_start"], row["a"], row["a_start"])
        found = given.get(key) or given.get(flipped)
        if found is None:
            continue
        verdict, noted = found
        group = "conflict?" if verdict == "conflict" and noted else verdict
        counts[group][0] += 1
        counts[group][1] += row["verdict"] == FIGURE_RIGHT[verdict]
    return [JudgedShare(g, n, s) for g, (n, s) in sorted(counts.items())]
