"""Build the background document-frequency table shipped in dedup/data/background_df.npz.

Counts, for every hashed term column (syllables and syllable bigrams, as the matcher hashes them),
how many articles of a large news corpus contain it. Rebuild it whenever the hashing changes:

    python scripts/build_background.py ../shared/data/baomoi-2017.jsonl.gz
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from dedup import normalize, pipeline, similarity
from dedup.io import read_articles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="+", help="JSONL(.gz) files or directories of articles")
    parser.add_argument("-o", "--output", default=str(similarity.DEFAULT_BACKGROUND))
    parser.add_argument("--min-df", type=int, default=2, help="drop columns seen in fewer documents")
    args = parser.parse_args()
    articles, rejected = read_articles(args.corpus, skip_bad=True)
    print(f"{len(articles)} articles, {len(rejected)} rejected", file=sys.stderr)
    config = pipeline.MatchConfig(workers=0)
    boilerplate = normalize.learn_boilerplate((a.source, a.text) for a in articles)
    feats = pipeline.extract_features(articles, boilerplate, config)
    df = np.zeros(similarity.N_FEATURES)
    for f in feats:
        df[f.columns] += 1
    similarity.Background(len(articles), df).save(args.output, min_df=args.min_df)
    size = Path(args.output).stat().st_size
    print(f"wrote {args.output}: {int((df >= args.min_df).sum())} columns, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
