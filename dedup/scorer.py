"""Same-story probability of candidate pairs: signals per pair, and a logistic model over them.

Absolute cosine is a weak rule for rewrites: two outlets' write-ups of one event often score
0.15-0.3, while articles on the same theme about other events score the same. What separates them
is the neighbourhood: same-story articles are each other's nearest candidates. So beside the
pair's own signals (cosine of body, title and lead; shared names and figures) the scorer uses
where the pair ranks in each article's own candidate list. All of it is computed for candidate
pairs only, with numpy over whole arrays.

The model is a standardised logistic regression fitted on the labelled dev stories by
`scripts/fit_scorer.py` and shipped as `dedup/data/scorer.json` (plain numbers, no pickles).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from dedup import kernels, parallel, similarity
from dedup.config import DEFAULT_MODEL

PAIR_SIGNALS = (
    "cosine",
    "cosine_lead",
    "cosine_title",
    "name_jaccard",
    "name_containment",
    "figure_jaccard",
    "figure_containment",
    "date_share",
    "dates_apart",
    "name_rarity",
)
RANK_SIGNALS = ("rank_worse", "rank_better", "share_of_best_min", "share_of_best_max", "mutual_best")
FEATURES = (
    *PAIR_SIGNALS,
    *(f"cosine_{r}" for r in RANK_SIGNALS),
    *(f"mix_{r}" for r in RANK_SIGNALS),
)


# Pairs per chunk when spread over threads (each chunk's signals are independent of the others).
PARALLEL_CHUNK = 100_000


@dataclass(frozen=True)
class Sets:
    """Many sets of hashes in one flat array: set d is values[offsets[d]:offsets[d + 1]], sorted, unique."""

    values: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, sets: Sequence[np.ndarray]) -> Sets:
        """The sets of a list of sorted unique arrays."""
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        values = np.concatenate(list(sets)) if len(sets) else np.zeros(0, np.uint64)
        return cls(values, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, d: int) -> np.ndarray:
        """Set d, a view into the flat array."""
        return self.values[self.offsets[d] : self.offsets[d + 1]]

    def union(self, other: Sets) -> Sets:
        """Set by set, the union of two families of as many sets (of one dtype)."""
        return Sets(*kernels.union_rows(self.values, self.offsets, other.values, other.offsets))

    def intersections(self, pairs: np.ndarray, workers: int = 1) -> np.ndarray:
        """How many elements the two sets of each (i, j) pair share (`workers` threads, 0: every core)."""
        pairs = np.ascontiguousarray(pairs, dtype=np.int64)
        starts = list(range(0, len(pairs), PARALLEL_CHUNK))
        parts = parallel.thread_map(
            lambda s: kernels.pair_intersections(self.values, self.offsets, pairs[s : s + PARALLEL_CHUNK]),
            starts,
            workers,
        )
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def overlaps(self, pairs: np.ndarray, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Jaccard and containment (share of the smaller set) of the two sets of each pair; 0 where
        empty (`workers` threads, 0: every core)."""
        inter = self.intersections(pairs, workers).astype(np.float64)
        sizes = np.diff(self.offsets).astype(np.float64)
        a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
        union = a + b - inter
        small = np.minimum(a, b)
        jac = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        cont = np.divide(inter, small, out=np.zeros_like(inter), where=small > 0)
        return jac, cont


@dataclass(frozen=True)
class Signals:
    """The per-article material pair signals are computed from (rows aligned with the run's articles)."""

    body: sp.csr_matrix  # L2-normalised TF-IDF of title and body
    lead: sp.csr_matrix  # the same over the first lines only
    title: sp.csr_matrix  # the same over the title only
    names: Sets  # hashes of the names each article mentions
    figures: Sets  # hashes of the figures (number + next syllable) it gives
    dates: Sets  # codes of the days it names
    name_df: np.ndarray  # per element of names.values: in how many of the run's articles it is


def element_frequencies(sets: Sets) -> np.ndarray:
    """Per element of sets.values, the number of sets holding it."""
    if not len(sets.values):
        return np.zeros(0)
    _, inverse, counts = np.unique(sets.values, return_inverse=True, return_counts=True)
    return counts[inverse].astype(np.float64)


def rank_signals(pairs: np.ndarray, values: np.ndarray, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """Where each pair stands in its two articles' candidate lists, ranked by `values`.

    Columns: log rank in the worse and the better list (1 = top), the pair's value as a share of
    each article's best value (smaller and larger), and whether it is the top of both lists.
    Written into `out` (m rows, len(RANK_SIGNALS) columns) when given.
    """
    m = len(pairs)
    if out is None:
        out = np.zeros((m, len(RANK_SIGNALS)))
    if m == 0:
        return out
    index = np.int32 if max(n, 2 * m) < 2**31 else np.int64
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(index)
    # Best first within each article; equal values share a rank, so ranks do not depend on order.
    rank, share = kernels.neighbour_ranks(ends, np.ascontiguousarray(values, dtype=np.float64), n)
    del ends
    r0, r1 = rank[:m], rank[m:]
    s0, s1 = share[:m], share[m:]
    out[:, 0] = np.log1p(np.maximum(r0, r1))
    out[:, 1] = np.log1p(np.minimum(r0, r1))
    out[:, 2] = np.minimum(s0, s1)
    out[:, 3] = np.maximum(s0, s1)
    out[:, 4] = (r0 == 1) & (r1 == 1)
    return out


def _pair_columns(signals: Signals, pairs: np.ndarray, cosines: np.ndarray | None = None) -> np.ndarray:
    """The PAIR_SIGNALS of some pairs, one row each."""
    cos = similarity.pair_cosines(signals.body, pairs) if cosines is None else cosines
    name_jac, name_cont = signals.names.overlaps(pairs)
    fig_jac, fig_cont = signals.figures.overlaps(pairs)
    # Days: versions of one event name its day, a column or a case on another day names others.
    # The share of the fewer days named that the other names too, and whether both name days
    # and share none.
    _, day_share = signals.dates.overlaps(pairs)
    sizes = np.diff(signals.dates.offsets)
    apart = (sizes[pairs[:, 0]] > 0) & (sizes[pairs[:, 1]] > 0) & (day_share == 0) if len(pairs) else np.zeros(0)
    # A name only these two articles hold is strong evidence, one that many of the run's articles
    # hold (a celebrity, a club, a country) weak: 2 over the article count of the rarest shared name.
    least = kernels.pair_min_shared(signals.names.values, signals.name_df, signals.names.offsets, pairs)
    rarity = np.divide(2.0, least, out=np.zeros_like(least), where=least > 0)
    return np.column_stack(
        [
            cos,
            similarity.pair_cosines(signals.lead, pairs),
            similarity.pair_cosines(signals.title, pairs),
            name_jac,
            name_cont,
            fig_jac,
            fig_cont,
            day_share,
            apart,
            rarity,
        ]
    )


def _fill_columns(signals: Signals, pairs: np.ndarray, out: np.ndarray, cosines3: np.ndarray, start: int) -> None:
    """The PAIR_SIGNALS of PARALLEL_CHUNK pairs from `start`, written into their rows of out and cosines3."""
    block = _pair_columns(signals, pairs[start : start + PARALLEL_CHUNK])
    out[start : start + len(block), : len(PAIR_SIGNALS)] = block
    cosines3[start : start + len(block)] = block[:, :3]


def pair_features(
    signals: Signals, pairs: np.ndarray, cosines: np.ndarray | None = None, workers: int = 1
) -> np.ndarray:
    """The FEATURES of every candidate pair, one row each (`cosines` of the body if already known).

    The per-pair signals are computed by `workers` threads (0: every core), 100k pairs at a time,
    in kernels that release the interpreter lock; the ranks need every pair at once.
    """
    n = signals.body.shape[0]
    m = len(pairs)
    # float32 rows: half the memory of a run's millions of candidates. The three cosines are
    # also kept as float64 for the ranks, so ties break the same way whatever the storage.
    out = np.empty((m, len(FEATURES)), dtype=np.float32)
    cosines3 = np.empty((m, 3))
    k = len(PAIR_SIGNALS)
    if cosines is None:
        fill = partial(_fill_columns, signals, pairs, out, cosines3)
        parallel.thread_map(fill, list(range(0, m, PARALLEL_CHUNK)), workers)
    else:
        block = _pair_columns(signals, pairs, cosines)
        out[:, :k] = block
        cosines3[:] = block[:, :3]
        del block
    # The two rankings are independent: one thread each.
    mix = cosines3[:, 0] + 0.5 * cosines3[:, 1] + 0.5 * cosines3[:, 2]
    rankings = [(cosines3[:, 0], k), (mix, k + len(RANK_SIGNALS))]
    parallel.thread_map(
        lambda ranking: rank_signals(pairs, ranking[0], n, out=out[:, ranking[1] : ranking[1] + len(RANK_SIGNALS)]),
        rankings,
        workers,
    )
    return out


@dataclass(frozen=True)
class Scorer:
    """A standardised logistic regression over FEATURES, and the probability that confirms a pair."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    info: dict[str, Any]

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Same-story probability of each row of features."""
        out = np.zeros(len(x))
        for start in range(0, len(x), 200_000):  # in blocks: no float64 copy of millions of rows
            block = x[start : start + 200_000].astype(np.float64)
            z = ((block - self.mean) / self.scale) @ self.coef + self.intercept
            out[start : start + len(block)] = 1.0 / (1.0 + np.exp(-z))
        return out

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL) -> Scorer:
        """Read a model written by `save`; refuse one fitted on other features."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: fitted on other features; refit with scripts/fit_scorer.py")
        return cls(
            tuple(data["features"]),
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
            dict(data.get("info", {})),
        )

    def save(self, path: Path | str) -> None:
        """Write the model as plain JSON numbers, rounded so that refits diff cleanly."""
        data = {
            "features": list(self.features),
            "mean": [round(float(v), 8) for v in self.mean],
            "scale": [round(float(v), 8) for v in self.scale],
            "coef": [round(float(v), 8) for v in self.coef],
            "intercept": round(float(self.intercept), 8),
            "threshold": round(float(self.threshold), 4),
            "info": self.info,
        }
        Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
