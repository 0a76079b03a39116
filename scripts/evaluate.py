"""`make eval`: story quality on the labelled set, alone and among unlabelled distractors.

Runs `dedup match` in-process on the gold file (and again with the distractors), writes each JSON
report under out/, and prints pairwise and B-cubed precision/recall/F1 by the scoring rule of
dedup.evaluate (the same rule as the shared scorer).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from dedup import evaluate, pipeline, report, scorer
from dedup.io import read_articles


def run_one(inputs: list[str], gold: dict[str, str], out: Path, config: pipeline.MatchConfig) -> dict:
    articles, _ = read_articles(inputs)
    start = time.perf_counter()
    result = pipeline.run(articles, config)
    seconds = time.perf_counter() - start
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.to_json(result), encoding="utf-8")
    stories = {s.id: list(s.articles) for s in result.stories}
    row = evaluate.score(stories, gold).to_dict()
    row.update(articles=len(articles), seconds=round(seconds, 1), report=str(out))
    return row


def print_shares(shares: list[evaluate.JudgedShare]) -> None:
    """One line per judged group: how many a reader found right, of how many, the share and its 95% interval."""
    for share in shares:
        low, high = share.interval()
        counts = f"{share.right:>5} of {share.judged:<5}"
        print(f"    {share.group:<36}{counts}{share.share:>7.3f}  [{low:.3f}, {high:.3f}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", required=True, help="labelled JSONL (field `story`)")
    parser.add_argument("--distractors", help="unlabelled JSONL(.gz) mixed in for the second run")
    parser.add_argument("--out", default="out/eval", help="folder for the reports")
    parser.add_argument("--no-claims", action="store_true", help="skip claims (faster)")
    parser.add_argument(
        "--judged",
        nargs="*",
        default=sorted(
            str(p) for pattern in ("pairs*.jsonl", "fresh-*.jsonl") for p in Path("fixtures/judged").glob(pattern)
        ),
        help="pairs of the distractors judged by reading (default: fixtures/judged/pairs*.jsonl and fresh-*.jsonl)",
    )
    parser.add_argument(
        "--judged-figures",
        nargs="*",
        default=sorted(str(p) for p in Path("fixtures/judged").glob("figures*.jsonl")),
        help="compared figures of the distractors judged by reading (default: fixtures/judged/figures*.jsonl)",
    )
    args = parser.parse_args()
    gold = evaluate.read_gold([args.gold])
    config = replace(pipeline.MatchConfig(), claims=not args.no_claims, workers=0)
    rows = [("labelled only", run_one([args.gold], gold, Path(args.out) / "gold.json", config))]
    if args.distractors:
        rows.append(
            (
                "with distractors",
                run_one([args.gold, args.distractors], gold, Path(args.out) / "mixed.json", config),
            )
        )
    print(
        f"{'run':<18}{'articles':>9}{'pair P':>8}{'pair R':>8}{'pair F1':>9}"
        f"{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}{'sec':>7}"
    )
    for name, r in rows:
        print(
            f"{name:<18}{r['articles']:>9}{r['pair_precision']:>8.3f}{r['pair_recall']:>8.3f}{r['pair_f1']:>9.3f}"
            f"{r['bcubed_precision']:>7.3f}{r['bcubed_recall']:>7.3f}{r['bcubed_f1']:>7.3f}{r['seconds']:>7.1f}"
        )
    print(json.dumps({name: r for name, r in rows}), file=sys.stderr)
    info = scorer.Scorer.load(config.scorer).info
    if args.distractors and args.judged:
        mixed = json.loads((Path(args.out) / "mixed.json").read_text(encoding="utf-8"))
        print("\nPairs of the distractors judged by reading (share of one event, 95% interval):")
        fitted_on = set(info.get("judged", []))
        for path in args.judged:
            judged = evaluate.read_judged(path)
            note = "fitted on: in-sample" if Path(path).name in fitted_on else "not fitted on"
            print(f"  {path} ({len(judged)} pairs; {note})")
            print_shares(evaluate.judged_shares(mixed, judged))
            missed, rate = evaluate.weighted_left_apart(mixed, judged)
            if missed:
                print(f"    left apart, weighted by band size: {rate:.3f} of one event, about {missed:,.0f} pairs")
        for path in sorted(str(p) for p in Path("fixtures/judged").glob("stories*.jsonl")):
            rows = evaluate.read_judged(path)
            print(f"\nStories of the distractors judged whole by reading ({path}, {len(rows)} stories):")
            print("  share of those the report still gives that are one event (95% interval):")
            print_shares(evaluate.story_shares(mixed, rows))
        for path in args.judged_figures:
            figures = evaluate.read_judged(path)
            print(f"\nFigures of the distractors judged by reading ({path}, {len(figures)} pairs):")
            print("  share judged right of each verdict the report still gives them (95% interval):")
            print_shares(evaluate.figure_shares(mixed, figures))
        oof = info.get("out_of_fold_judged")
        if oof:
            print(
                f"  out of fold, when the scorer was fitted: precision {oof['precision']:.3f}, recall "
                f"{oof['recall']:.3f} over the {info.get('judged_rows')} judged candidate pairs"
            )
    if Path(args.gold).name == info.get("gold"):
        # The shipped pair scorer was fitted on these stories, so the runs above are in-sample for it.
        print(f"\nThe pair scorer was fitted on {info['gold']}: figures above are in-sample for it.")
        print(
            f"Out of fold, as measured when it was fitted ({info.get('fitted', '?')}; scripts/fit_scorer.py -o "
            "ANOTHER.json measures them again): 5 folds grouped by story, threshold chosen out of fold:"
        )
        for name, key in (
            ("labelled only", "out_of_fold_labelled_only"),
            ("with distractors", "out_of_fold_with_distractors"),
        ):
            r = info[key]
            print(
                f"{name:<18}{'':>9}{r['pair_precision']:>8.3f}{r['pair_recall']:>8.3f}{r['pair_f1']:>9.3f}"
                f"{r['bcubed_precision']:>7.3f}{r['bcubed_recall']:>7.3f}{r['bcubed_f1']:>7.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
