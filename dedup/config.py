"""Every setting of a run, and where the shipped data lies: importable without numpy or
scikit-learn, so that the command line can start reading input while those load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
DEFAULT_MODEL = DATA / "scorer.json"  # the fitted scorer (scripts/fit_scorer.py)
DEFAULT_BACKGROUND = DATA / "background_df.npz"  # document frequencies of a news corpus
DEFAULT_REFERENCE = DATA / "reference.jsonl.gz"  # real articles small runs are ranked among


@dataclass(frozen=True)
class LSHParams:
    """How one LSH tier hashes: permutations, seed, and the Jaccard threshold (or explicit bands)."""

    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.5
    bands: tuple[int, int] | None = None  # (b, r) overrides the threshold-derived choice
    max_bucket: int = 0  # buckets with more members than this carry no signal; 0 keeps all


@dataclass(frozen=True)
class MatchConfig:
    """Every setting of a run; the defaults are the measured ones (see README, "How matching works")."""

    shingle_size: int = 5
    # 64 permutations in 21 bands of 3 rows: a copy with 60% of the text (Jaccard 0.6) shares a
    # bucket with its original 99.4% of the time; the term tier below catches copies as well.
    dup_lsh: LSHParams = field(default_factory=lambda: LSHParams(num_perm=64, seed=1, threshold=0.3))
    # A pair is a `duplicate` when this share of the shorter text's shingles is in the other:
    # a copy with a cut tail or a dropped sentence keeps nearly all of its shingles, while
    # separate write-ups of one event share well under a tenth.
    duplicate_containment: float = 0.5
    # The term tier: each article's 20 heaviest TF-IDF terms plus the names it mentions, in 128
    # one-row bands. Rewrites of one event share only a few such terms (Jaccard 0.03-0.15), which
    # one-row bands catch and wider bands lose; buckets beyond 10 members (common terms) give
    # windowed pairs only. Measured on the dev stories among 35k distractors: 95% of same-story
    # pairs become candidates and 97% are reachable through the stories' other pairs.
    story_terms: int = 20
    story_bands: int = 128
    story_seed: int = 2
    story_max_bucket: int = 10
    story_window: int = 3
    story_max_window_bucket: int = 200
    # Same-story pairs are published within days of each other (all dev pairs within 7 days);
    # a pair with both dates further apart is not confirmed as same_story. 0 turns it off.
    max_days: float = 14.0
    scorer: str = str(DEFAULT_MODEL)
    # The scorer ranks each pair among its articles' other candidates. A run of a handful of
    # articles has no others, so runs smaller than `reference_below` are scored among a shipped
    # sample of real news articles too: they compete for ranks, never appear in the report, and a
    # pair is judged alike in a run of five and in a run of thousands.
    reference: str | None = str(DEFAULT_REFERENCE)
    reference_below: int = 5000
    threshold: float | None = None  # None: the model's own, chosen on the dev stories
    # A same-story pair may also be asked for this body or lead cosine (off by default: 10% of
    # dev same-story pairs score under 0.18, as low as articles on one theme about other events).
    min_cosine: float = 0.0
    # Ranks say a pair is the best each article has, not that it is good: in a small run the
    # articles of one theme are each other's best. A same-story pair must also share at least this
    # many of its distinctive terms and names (the story-tier sets); 98.9% of dev same-story pairs do.
    min_shared_terms: int = 2
    # A confirmed same_story pair at or above this probability is `firm`, below it `likely`.
    # Judged by reading on the 35k corpus: 218 of 229 judged pairs at 0.9 or above were one event
    # in fixtures/judged/pairs.jsonl (where the cut was chosen), 71 of 75 in fresh-2026-12-07.jsonl,
    # and 87 of 100 firm pairs drawn at random after the tier was added (fresh-2026-12-07c.jsonl),
    # against 169 of 227, 83 of 123 and 28 of 40 below it. Copies are firm.
    firm: float = 0.9
    # A group joins another only if at least this share of the pairs across them is confirmed.
    majority: float = 0.5
    # Two articles are a story of their own only when their pair's same-story probability reaches
    # this (copies always are); a weaker pair counts inside larger stories only (cluster.stories).
    # Judged by reading on the 35k corpus (fixtures/judged/pairs.jsonl, fresh-2026-12-07.jsonl,
    # fresh-2026-12-07c.jsonl, pairs-majority-2026-12-07.jsonl), such two-article stories were
    # one event 2 times in 16 under 0.5 and 55 in 63 at 0.5 or more; pairs under 0.5 inside
    # stories of ten or more, 13 in 14. On the dev stories among the 35k it costs 0.0013 of pair
    # F1. 0 turns it off.
    lone_pair_floor: float = 0.5
    title_weight: int = 2
    lead_tokens: int = 60
    background: str | None = str(DEFAULT_BACKGROUND)
    claims: bool = True
    workers: int = 1
