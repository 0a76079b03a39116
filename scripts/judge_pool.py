"""Draw pairs of a corpus for judging by reading, without showing any model score.

    python scripts/judge_pool.py --corpus ../shared/data/baomoi-2017.jsonl.gz --seed 1 \\
        --confirmed 250 --below 150 --hard 150 --near 300 -o out/judge/pool-1.jsonl

Strata (each pair keeps every stratum it was drawn for; the first one names it):
- `confirmed`: `same_story` pairs of the run's report (in one story), at random;
- `below`: candidate pairs just below the confirming threshold, not confirmed;
- `hard`: candidate pairs the scorer has not confirmed that share most of their names, or whose
  titles open alike (a column or a series), the pairs one topic makes;
- `near`: each article's 5 nearest articles by TF-IDF cosine (>= 0.25), whatever the model says,
  the same number drawn from each cosine band; the band sizes are written with them, so that
  figures over this stratum can be weighted back to the whole population.

`near` is independent of the model: its verdicts measure the precision and recall of any version.
`--left-apart` draws `near` pairs only among those the run leaves in different stories (the
recall check of a new version). Writes one JSON line per pair: ids, stratum, band, and the
model's figures under "model" (for the analysis afterwards; never shown to a reader).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from dedup import pipeline
from dedup.io import read_articles

BANDS = ((0.25, 0.35), (0.35, 0.5), (0.5, 0.7), (0.7, 1.01))
NEAREST = 5


def nearest(body, k: int = NEAREST, floor: float = 0.25, chunk: int = 1000) -> np.ndarray:
    """Each article's k nearest others by cosine (rows of L2-normalised TF-IDF): (i, j, cos), i < j, unique."""
    n = body.shape[0]
    out = []
    bt = body.T.tocsc()
    for s in range(0, n, chunk):
        sims = (body[s : s + chunk] @ bt).toarray()
        rows = np.arange(s, min(n, s + chunk))
        sims[rows - s, rows] = -1.0
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        vals = np.take_along_axis(sims, top, axis=1)
        for r, (js, vs) in enumerate(zip(top, vals, strict=True)):
            for j, v in zip(js.tolist(), vs.tolist(), strict=True):
                if v >= floor:
                    i = s + r
                    out.append((min(i, j), max(i, j), round(v, 4)))
    return np.array(sorted(set(out)), dtype=object) if out else np.zeros((0, 3), object)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--confirmed", type=int, default=0)
    parser.add_argument("--below", type=int, default=0)
    parser.add_argument("--hard", type=int, default=0)
    parser.add_argument("--near", type=int, default=0, help="near pairs in all (split evenly over the bands)")
    parser.add_argument("--left-apart", action="store_true", help="near pairs only among those left apart")
    parser.add_argument("--exclude", nargs="*", default=[], help="JSONL files of pairs already drawn")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    config = replace(pipeline.MatchConfig(), claims=False, workers=0)
    articles, _ = read_articles([args.corpus])
    say = lambda m: print(m, file=sys.stderr)  # noqa: E731
    prep = pipeline.prepare(articles, config, say)
    model = pipeline.load_scorer(config)
    dec = pipeline.decide(prep, config, model)
    confirmed, links = pipeline.confirmed_links(dec)
    groups, _ = pipeline.stories_of(prep.articles, links, config)
    story = np.full(len(prep.articles), -1)
    for g, members in enumerate(groups):
        story[members] = g
    ids = [a.id for a in prep.articles]
    n = prep.n_real
    cand = {(int(i), int(j)): k for k, (i, j) in enumerate(prep.candidates.tolist())}

    seen: set[tuple[str, str]] = set()
    for path in args.exclude:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            seen.add((min(r["a"], r["b"]), max(r["a"], r["b"])))
    drawn: dict[tuple[int, int], dict] = {}

    def model_of(i: int, j: int) -> dict:
        k = cand.get((i, j))
        out = {"candidate": k is not None, "one_story": bool(story[i] >= 0 and story[i] == story[j])}
        if k is not None:
            out.update(probability=round(float(dec.probability[k]), 4), kind=dec.kind[k])
        return out

    def take(pool: list[tuple[int, int]], count: int, stratum: str, extra: dict | None = None) -> int:
        order = rng.permutation(len(pool))
        got = 0
        for p in order.tolist():
            if got >= count:
                break
            i, j = pool[p]
            key = (min(ids[i], ids[j]), max(ids[i], ids[j]))
            if key in seen:
                continue
            if (i, j) in drawn:
                drawn[(i, j)]["strata"].append(stratum)
                continue
            drawn[(i, j)] = {"a": key[0], "b": key[1], "stratum": stratum, "strata": [stratum], **(extra or {})}
            got += 1
        return got

    thr = dec.threshold
    in_story = [
        (int(dec.pairs[k, 0]), int(dec.pairs[k, 1]))
        for k in confirmed
        if dec.kind[k] == "same_story" and story[dec.pairs[k, 0]] == story[dec.pairs[k, 1]] >= 0
    ]
    take(in_story, args.confirmed, "confirmed")
    prob = dec.probability
    real = prep.candidates[:, 1] < n
    unconfirmed = np.array([kd is None for kd in dec.kind]) & real
    below = np.flatnonzero(unconfirmed & (prob >= thr - 0.3) & (prob < thr))
    take([tuple(map(int, prep.candidates[k])) for k in below], args.below, "below")
    if args.hard:
        names = dec.features[:, 4]  # name containment
        cos = dec.features[:, 0]
        shared_names = np.flatnonzero(unconfirmed & (names >= 0.5) & (cos < 0.35) & (prob >= 0.05))
        take([tuple(map(int, prep.candidates[k])) for k in shared_names], args.hard // 2, "hard")
        opening = {}
        for r in range(n):
            words = (prep.articles[r].title or "").lower().split()[:3]
            if len(words) == 3:
                opening.setdefault(" ".join(words), []).append(r)
        series = [
            (int(i), int(j))
            for k, (i, j) in enumerate(prep.candidates.tolist())
            if j < n
            and dec.kind[k] != "duplicate"
            and (prep.articles[i].title or "").lower().split()[:3] == (prep.articles[j].title or "").lower().split()[:3]
            and len((prep.articles[i].title or "").split()) >= 3
        ]
        take(series, args.hard - args.hard // 2, "hard")
    bands: dict[str, int] = {}
    if args.near:
        near = nearest(prep.signals.body[:n])
        say(f"{len(near)} nearest pairs at cosine >= 0.25")
        for lo, hi in BANDS:
            in_band = [
                (int(i), int(j))
                for i, j, c in near.tolist()
                if lo <= c < hi
                and not (args.left_apart and story[i] >= 0 and story[i] == story[j])
                and (model_of(int(i), int(j)).get("kind") != "duplicate")
            ]
            name = f"{lo:.2f}-{min(hi, 1.0):.2f}"
            bands[name] = len(in_band)
            take(in_band, args.near // len(BANDS), "near", {"band": name})
        cos_of = {(int(i), int(j)): c for i, j, c in near.tolist()}
    else:
        cos_of = {}
    rows = []
    for (i, j), row in drawn.items():
        row["model"] = model_of(i, j)
        if (i, j) in cos_of:
            row["cosine"] = cos_of[(i, j)]
        if "band" in row and bands:
            row["band_size"] = bands[row["band"]]
        row["seed"] = args.seed
        rows.append(row)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    say(f"wrote {len(rows)} pairs to {args.output}; band sizes {bands}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
