"""Quality floors on the labelled dev stories; they only move up.

The shipped scorer was fitted on these stories, so these figures are in-sample for it; the
out-of-fold figures are recorded in the model and checked here too.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dedup import evaluate, pipeline, scorer
from dedup.io import read_articles
from tests.conftest import FIXTURES

GOLD = FIXTURES / "vmds-dev.jsonl"


@pytest.mark.slow
def test_dev_stories_among_distractors_stay_above_the_floor() -> None:
    articles, _ = read_articles([str(GOLD), str(FIXTURES / "baomoi-sample.jsonl.gz")])
    result = pipeline.run(articles, replace(pipeline.MatchConfig(), claims=False))
    scores = evaluate.score({s.id: list(s.articles) for s in result.stories}, evaluate.read_gold([GOLD]))
    assert scores.pair_f1 >= PAIR_F1_FLOOR, scores
    assert scores.bcubed_f1 >= BCUBED_F1_FLOOR, scores


def test_shipped_scorer_was_fitted_to_the_targets_out_of_fold() -> None:
    info = scorer.Scorer.load().info
    oof = info["out_of_fold_with_distractors"]
    assert oof["pair_f1"] >= 0.90 and oof["bcubed_f1"] >= 0.92
    assert info["out_of_fold_labelled_only"]["pair_f1"] >= 0.90


# Measured 0.903 and 0.948 (in-sample for the scorer). They were 0.932 and 0.960 before the
# scorer learned from pairs of the 2017 feed judged by reading: it now confirms more of the
# labelled stories' pairs (recall 0.917) and fewer right ones (precision 0.889). The trade was
# taken for the real feed, where same-story precision rose from 0.72 to 0.78 and the same-event
# pairs left apart fell from about half of the nearest pairs to about a quarter (README).
PAIR_F1_FLOOR = 0.90
BCUBED_F1_FLOOR = 0.94
