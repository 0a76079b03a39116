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
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

from dedup import cluster, evaluate, pipeline
from dedup import scorer as scorer_mod
from dedup.disjoint import DisjointSets
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
    groups, _ = cluster.stories(prep.n_real, links, config.majority, lone_floor=config.lone_pair_floor)
    ids = [a.id for a in prep.articles]
    return evaluate.score({str(n): [ids[i] for i in g] for n, g in enumerate(groups)}, gold)


def judged_rows(prep: pipeline.Prepared, paths: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs of a run that were judged by reading (same_event 1, different_event 0;
    unsure left out): their index, label, group (pairs linked through an article share one,
    so that no article is on both sides of a fold) and whether they were drawn from the
    confirmed pairs of the report that was judged."""
    judged = {}
    drawn_confirmed = set()
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["verdict"] in ("same_event", "different_event"):
                judged[(r["a"], r["b"])] = r["verdict"] == "same_event"
                if r.get("stratum") == "confirmed":
                    drawn_confirmed.add((r["a"], r["b"]))
    sets: DisjointSets[str] = DisjointSets()
    for a, b in judged:
        sets.union(a, b)
    ids = [a.id for a in prep.articles]
    found = [
        (k, judged[key], "judged:" + sets.find(key[0]), key in drawn_confirmed)
        for k, (i, j) in enumerate(prep.candidates.tolist())
        if (key := (min(ids[i], ids[j]), max(ids[i], ids[j]))) in judged
    ]
    return (
        np.array([f[0] for f in found], dtype=np.int64),
        np.array([f[1] for f in found], dtype=bool),
        np.array([f[2] for f in found], dtype=object),
        np.array([f[3] for f in found], dtype=bool),
    )


def judged_scores(dec: pipeline.Decisions, rows: np.ndarray, label: np.ndarray) -> tuple[float, float, int]:
    """Precision and recall of same-story confirmations over judged rows (copies left out)."""
    kind = [dec.kind[k] for k in rows.tolist()]
    copy = np.array([kd == "duplicate" for kd in kind], dtype=bool)
    said = np.array([kd == "same_story" for kd in kind], dtype=bool)
    tp = int((said & label).sum())
    precision = tp / max(1, int(said.sum()))
    recall = tp / max(1, int((label & ~copy).sum()))
    return precision, recall, int(said.sum())


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
    parser.add_argument(
        "--judged",
        nargs="*",
        default=["fixtures/judged/pairs.jsonl"],
        help="pairs of the distractors judged by reading",
    )
    parser.add_argument("--judged-weight", type=float, default=3.0, help="weight of a judged pair in the fit")
    parser.add_argument(
        "--min-pair-f1",
        type=float,
        default=0.90,
        help="out-of-fold pair F1 on the labelled stories a threshold must keep",
    )
    parser.add_argument(
        "--judged-objective", type=float, default=4.0, help="weight of the judged pairs' F0.5 in choosing the threshold"
    )
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
    # Pairs of the distractors judged by reading: hard negatives (one topic, one column, other
    # days) that the labelled stories, four years from the distractors, never give.
    prep_big, x_big, rows_big, label_big, group_big = runs[1]
    j_rows, j_label, j_group, j_conf = judged_rows(prep_big, args.judged)
    print(f"{len(j_rows)} judged pairs among the candidates ({int(j_label.sum())} same event)", file=sys.stderr)
    label_big = label_big.copy()
    label_big[j_rows] = j_label
    group_big = group_big.copy()
    group_big[j_rows] = j_group
    runs[1] = (prep_big, x_big, np.concatenate([rows_big, j_rows]), label_big, group_big)
    x_all = np.concatenate([x[rows] for _, x, rows, _, _ in runs])
    y_all = np.concatenate([label[rows] for _, _, rows, label, _ in runs])
    g_all = np.concatenate([group[rows] for _, _, rows, _, group in runs])
    run_of = np.concatenate([np.full(len(rows), k) for k, (_, _, rows, _, _) in enumerate(runs)])
    is_judged = np.zeros(len(y_all), dtype=bool)
    start = len(runs[0][2]) + len(rows_big)
    is_judged[start : start + len(j_rows)] = True
    weight = np.where(is_judged, args.judged_weight, 1.0)

    def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[StandardScaler, LogisticRegression]:
        scaler = StandardScaler().fit(x)
        model = LogisticRegression(C=args.C, max_iter=2000).fit(scaler.transform(x), y, sample_weight=w)
        return scaler, model

    oof = np.zeros(len(y_all))
    for train, test in GroupKFold(n_splits=args.folds).split(x_all, y_all, g_all):
        scaler, model = fit(x_all[train], y_all[train], weight[train])
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
    for threshold in np.round(np.arange(0.2, 0.95, 0.05), 2):
        small, big, lone = (cluster_score(p, x, pr, gold, float(threshold), config) for p, x, pr in scored)
        p_big, x_b, pr_big = scored[1]
        dec = pipeline.decide(p_big, replace(config, threshold=float(threshold)), GivenProbabilities(pr_big), x_b)
        jp, jr, jn = judged_scores(dec, j_rows, j_label)
        cp, _, cn = judged_scores(dec, j_rows[j_conf], j_label[j_conf])
        # Precision on the judged pairs counts double: a reader must be able to trust a match.
        judged_f = 1.25 * jp * jr / max(1e-9, 0.25 * jp + jr)
        objective = (
            big.pair_f1
            + big.bcubed_f1
            + small.pair_f1
            + small.bcubed_f1
            - lone.predicted_pairs / len(singletons)
            + args.judged_objective * judged_f
        )
        table.append((objective, float(threshold), big, small, lone, (jp, jr, jn)))
        print(
            f"t={threshold:.2f} distractors P/R/F1 {big.pair_precision:.3f}/{big.pair_recall:.3f}/{big.pair_f1:.3f} "
            f"B3 {big.bcubed_f1:.3f} | alone F1 {small.pair_f1:.3f} B3 {small.bcubed_f1:.3f} | "
            f"one per story: {lone.predicted_pairs} false pairs | judged P/R {jp:.3f}/{jr:.3f} of {jn}"
            f" | drawn confirmed: P {cp:.3f} of {cn}",
            file=sys.stderr,
        )
    # The labelled stories' recall is not sold for precision: only thresholds that keep their
    # out-of-fold pair F1 (among the distractors and alone) at the floor the tests hold are chosen.
    allowed = [t for t in table if t[2].pair_f1 >= args.min_pair_f1 and t[3].pair_f1 >= args.min_pair_f1] or table
    _, threshold, best, small, lone, judged_pr = max(allowed, key=lambda t: (round(t[0], 4), -t[1]))

    scaler, model = fit(x_all, y_all, weight)
    info = {
        "fitted": date.today().isoformat(),
        "gold": args.gold.rsplit("/", 1)[-1],
        "rows": len(y_all),
        "positives": int(y_all.sum()),
        "out_of_fold_with_distractors": best.to_dict(),
        "out_of_fold_labelled_only": small.to_dict(),
        # One article per story: every pair joined there is a false match.
        "out_of_fold_one_per_story_false_pairs": lone.predicted_pairs,
        "judged": [p.rsplit("/", 1)[-1] for p in args.judged],
        "judged_rows": len(j_rows),
        "judged_weight": args.judged_weight,
        # Same-story confirmations among the judged candidate pairs of the distractors, out of fold.
        "out_of_fold_judged": {
            "precision": round(judged_pr[0], 4),
            "recall": round(judged_pr[1], 4),
            "confirmed": judged_pr[2],
        },
    }
    scorer_mod.Scorer(
        scorer_mod.FEATURES, scaler.mean_, scaler.scale_, model.coef_[0], float(model.intercept_[0]), threshold, info
    ).save(args.output)
    print(f"threshold {threshold}: {best.to_dict()}\nwrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
