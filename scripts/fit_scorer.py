"""Fit the pair scorer shipped as dedup/data/scorer.json on labelled stories.

    python scripts/fit_scorer.py --gold ../shared/data/vmds-dev.jsonl \\
        --distractors ../shared/data/baomoi-2017.jsonl.gz

Candidate pairs come from the pipeline itself (both LSH tiers), in two runs: the labelled articles
alone, and the labelled articles among the unlabelled distractors, so the model sees small and large
runs. Rows are the candidate pairs touching a labelled article; a pair is positive when both are in
one gold story. A standardised logistic regression is fitted; its threshold is chosen on
out-of-fold probabilities (folds grouped by story), run through the real clustering and scored by
the evaluation rule on the distractor run. The out-of-fold figures are written into the model.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

from dedup import cluster, evaluate, pipeline
from dedup import scorer as scorer_mod
from dedup.io import read_articles


def labelled_rows(prep: pipeline.Prepared, gold: dict[str, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs touching a labelled article: their index, label and story group."""
    ids = [a.id for a in prep.articles]
    story = np.array([gold.get(i, "") for i in ids], dtype=object)
    a, b = prep.candidates[:, 0], prep.candidates[:, 1]
    touch = (story[a] != "") | (story[b] != "")
    label = (story[a] == story[b]) & (story[a] != "")
    group = np.where(story[a] != "", story[a], story[b])
    return np.flatnonzero(touch), label, group


def cluster_score(
    prep: pipeline.Prepared,
    x: np.ndarray,
    prob: np.ndarray,
    gold: dict[str, str],
    threshold: float,
    config: pipeline.MatchConfig,
) -> evaluate.Scores:
    """Stories the pipeline would form at this threshold (copies included), scored against gold."""
    dec = pipeline.decide(prep, replace(config, threshold=threshold), GivenProbabilities(prob), x)
    links = [
        (int(dec.pairs[k, 0]), int(dec.pairs[k, 1]), 1.0 if kind == "duplicate" else float(prob[k]))
        for k, kind in enumerate(dec.kind)
        if kind is not None
    ]
    groups = cluster.majority(prep.n_real, links, config.majority)
    ids = [a.id for a in prep.articles]
    return evaluate.score({str(n): [ids[i] for i in g] for n, g in enumerate(groups)}, gold)


class GivenProbabilities:
    """A scorer that returns given probabilities, to run decide() on out-of-fold figures."""

    def __init__(self, prob: np.ndarray) -> None:
        self.prob = prob
        self.threshold = 0.5

    def probability(self, _x: np.ndarray) -> np.ndarray:
        return self.prob


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", required=True)
    parser.add_argument("--distractors", required=True)
    parser.add_argument("-o", "--output", default=str(scorer_mod.DEFAULT_MODEL))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    args = parser.parse_args()
    gold = evaluate.read_gold([args.gold])
    config = replace(pipeline.MatchConfig(), claims=False, workers=0)
    runs = []
    labelled, _ = read_articles([args.gold])
    first_of_story: dict[str, object] = {}
    for article in sorted(labelled, key=lambda a: a.id):
        first_of_story.setdefault(gold[article.id], article)
    singletons = sorted(first_of_story.values(), key=lambda a: a.id)
    # Three runs: the labelled stories alone (padded with the reference sample, as any small run
    # is), one article per story (each article's best candidates are then other events on its
    # theme: every pair is a negative), and the labelled stories among all the distractors.
    for articles in (labelled, singletons, labelled + read_articles([args.distractors])[0]):
        prep = pipeline.prepare(articles, config, lambda m: print(m, file=sys.stderr))
        x = scorer_mod.pair_features(prep.signals, prep.candidates, workers=0)
        rows, label, group = labelled_rows(prep, gold)
        runs.append((prep, x, rows, label, group))
        recall = label[rows].sum() / evaluate.score({}, gold).gold_pairs
        print(
            f"{len(articles)} articles (+{len(prep.articles) - prep.n_real} reference): {len(rows)} labelled "
            f"candidate rows, pair recall {recall:.3f}",
            file=sys.stderr,
        )

    runs = [runs[0], runs[2], runs[1]]  # the distractor run second: the threshold is chosen on it
    x_all = np.concatenate([x[rows] for _, x, rows, _, _ in runs])
    y_all = np.concatenate([label[rows] for _, _, rows, label, _ in runs])
    g_all = np.concatenate([group[rows] for _, _, rows, _, group in runs])
    run_of = np.concatenate([np.full(len(rows), k) for k, (_, _, rows, _, _) in enumerate(runs)])

    def fit(x: np.ndarray, y: np.ndarray) -> tuple[StandardScaler, LogisticRegression]:
        scaler = StandardScaler().fit(x)
        model = LogisticRegression(C=args.C, max_iter=2000).fit(scaler.transform(x), y)
        return scaler, model

    oof = np.zeros(len(y_all))
    for train, test in GroupKFold(n_splits=args.folds).split(x_all, y_all, g_all):
        scaler, model = fit(x_all[train], y_all[train])
        oof[test] = model.predict_proba(scaler.transform(x_all[test]))[:, 1]

    # Threshold: the best out-of-fold stories in all three runs at once: pair F1 + B-cubed F1 among
    # the distractors and alone, less the share of lone articles wrongly joined in the third run.
    def run_probabilities(k: int) -> tuple[pipeline.Prepared, np.ndarray, np.ndarray]:
        prep, x, rows, _label, _group = runs[k]
        prob = np.zeros(len(prep.candidates))
        prob[rows] = oof[run_of == k]
        return prep, x, prob

    scored = [run_probabilities(k) for k in range(3)]
    table = []
    for threshold in np.round(np.arange(0.2, 0.85, 0.05), 2):
        small, big, lone = (cluster_score(p, x, pr, gold, float(threshold), config) for p, x, pr in scored)
        objective = (
            big.pair_f1 + big.bcubed_f1 + small.pair_f1 + small.bcubed_f1 - lone.predicted_pairs / len(singletons)
        )
        table.append((objective, float(threshold), big, small, lone))
        print(
            f"t={threshold:.2f} distractors P/R/F1 {big.pair_precision:.3f}/{big.pair_recall:.3f}/{big.pair_f1:.3f} "
            f"B3 {big.bcubed_f1:.3f} | alone F1 {small.pair_f1:.3f} B3 {small.bcubed_f1:.3f} | "
            f"one per story: {lone.predicted_pairs} false pairs",
            file=sys.stderr,
        )
    _, threshold, best, small, lone = max(table, key=lambda t: (round(t[0], 4), -t[1]))

    scaler, model = fit(x_all, y_all)
    info = {
        "fitted": date.today().isoformat(),
        "gold": args.gold.rsplit("/", 1)[-1],
        "rows": len(y_all),
        "positives": int(y_all.sum()),
        "out_of_fold_with_distractors": best.to_dict(),
        "out_of_fold_labelled_only": small.to_dict(),
        # One article per story: every pair joined there is a false match.
        "out_of_fold_one_per_story_false_pairs": lone.predicted_pairs,
    }
    scorer_mod.Scorer(
        scorer_mod.FEATURES, scaler.mean_, scaler.scale_, model.coef_[0], float(model.intercept_[0]), threshold, info
    ).save(args.output)
    print(f"threshold {threshold}: {best.to_dict()}\nwrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
