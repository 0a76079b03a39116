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
    dec = pipeline.decide(prep, replace(config, threshold=threshold), scorer_mod_identity(prob), x)
    links = [
        (int(dec.pairs[k, 0]), int(dec.pairs[k, 1]), 1.0 if kind == "duplicate" else float(prob[k]))
        for k, kind in enumerate(dec.kind)
        if kind is not None
    ]
    groups = cluster.majority(len(prep.articles), links, config.majority)
    ids = [a.id for a in prep.articles]
    return evaluate.score({str(n): [ids[i] for i in g] for n, g in enumerate(groups)}, gold)


class scorer_mod_identity:  # noqa: N801 - stands in for a Scorer whose probabilities are already known
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
    for inputs in ([args.gold], [args.gold, args.distractors]):
        articles, _ = read_articles(inputs)
        prep = pipeline.prepare(articles, config, lambda m: print(m, file=sys.stderr))
        x = scorer_mod.pair_features(prep.signals, prep.candidates)
        rows, label, group = labelled_rows(prep, gold)
        runs.append((prep, x, rows, label, group))
        recall = label[rows].sum() / evaluate.score({}, gold).gold_pairs
        print(f"{len(articles)} articles: {len(rows)} labelled candidate rows, pair recall {recall:.3f}", file=sys.stderr)

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

    # Threshold: the best pair F1 + B-cubed F1 of out-of-fold stories on the distractor run.
    prep, x, rows, _label, _group = runs[1]
    prob = np.zeros(len(prep.candidates))
    prob[rows] = oof[run_of == 1]
    table = []
    for threshold in np.round(np.arange(0.2, 0.85, 0.05), 2):
        s = cluster_score(prep, x, prob, gold, float(threshold), config)
        table.append((s.pair_f1 + s.bcubed_f1, float(threshold), s))
        print(f"t={threshold:.2f} pair P/R/F1 {s.pair_precision:.3f}/{s.pair_recall:.3f}/{s.pair_f1:.3f} "
              f"B3 F1 {s.bcubed_f1:.3f}", file=sys.stderr)
    _, threshold, best = max(table, key=lambda t: (t[0], -t[1]))
    small_prep, small_x, small_rows, _, _ = runs[0]
    small_prob = np.zeros(len(small_prep.candidates))
    small_prob[small_rows] = oof[run_of == 0]
    small = cluster_score(small_prep, small_x, small_prob, gold, threshold, config)

    scaler, model = fit(x_all, y_all)
    info = {
        "fitted": date.today().isoformat(),
        "gold": args.gold.rsplit("/", 1)[-1],
        "rows": int(len(y_all)),
        "positives": int(y_all.sum()),
        "out_of_fold_with_distractors": best.to_dict(),
        "out_of_fold_labelled_only": small.to_dict(),
    }
    scorer_mod.Scorer(
        scorer_mod.FEATURES, scaler.mean_, scaler.scale_, model.coef_[0], float(model.intercept_[0]), threshold, info
    ).save(args.output)
    print(f"threshold {threshold}: {best.to_dict()}\nwrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
