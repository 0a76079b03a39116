"""Draw compared figure pairs of a report for judging by reading, without showing the verdict.

    python scripts/judge_claims.py REPORT.json --corpus ../shared/data/baomoi-2017.jsonl.gz \\
        --seed 1 --conflict 120 --doubtful 40 --rounded 100 --exact 40 -o out/judge/claims-1.jsonl

Strata: firm conflicts (no note), doubtful conflicts (with the note), rounded and exact pairs,
each drawn at random from the report's stories. Each row keeps the pair's articles, snippets,
offsets and both sentences (the sentence around each snippet, as written), and the report's
verdict under "model" (for the analysis afterwards; never shown to a reader).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from dedup.io import read_articles

_ENDS = ".!?\n"


def sentence(text: str, start: int, end: int, limit: int = 400) -> str:
    """The sentence of `text` holding start..end (at most `limit` characters each side)."""
    s = start
    while s > 0 and start - s < limit and not (text[s - 1] in _ENDS and (s >= len(text) or text[s] in " \n")):
        s -= 1
    e = end
    while (
        e < len(text)
        and e - end < limit
        and text[e] not in "!?\n"
        and not (text[e] == "." and text[e + 1 : e + 2] in (" ", "\n", ""))
    ):
        e += 1
    return text[s : e + 1].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report")
    parser.add_argument("--corpus", nargs="+", required=True)
    parser.add_argument("--seed", type=int, required=True)
    for name in ("conflict", "doubtful", "rounded", "exact"):
        parser.add_argument(f"--{name}", type=int, default=0)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    pools: dict[str, list[tuple[str, dict]]] = {"conflict": [], "doubtful": [], "rounded": [], "exact": []}
    for story in report["stories"]:
        for c in story["claims"]:
            stratum = "doubtful" if c["verdict"] == "conflict" and c.get("note") else c["verdict"]
            pools[stratum].append((story["id"], c))
    rng = random.Random(args.seed)
    drawn = []
    for stratum, pool in pools.items():
        count = getattr(args, stratum)
        drawn += [(stratum, *p) for p in rng.sample(pool, min(count, len(pool)))]
    need = {c[side]["article"] for _, _, c in drawn for side in ("a", "b")}
    articles, _ = read_articles(args.corpus)
    by_id = {a.id: a for a in articles if a.id in need}
    rows = []
    for stratum, story, c in drawn:
        row = {"story": story, "stratum": stratum, "seed": args.seed, "quantity": c["quantity"]}
        for side in ("a", "b"):
            s = c[side]
            art = by_id[s["article"]]
            text = art.title if s.get("field") == "title" else art.text
            row[side] = s["article"]
            row[f"{side}_text"] = s["text"]
            row[f"{side}_value"] = s["value"]
            row[f"{side}_title"] = art.title
            row[f"{side}_sentence"] = sentence(text, s["start"], s["end"])
            row[f"{side}_start"], row[f"{side}_end"], row[f"{side}_field"] = s["start"], s["end"], s.get("field")
        row["model"] = {"verdict": c["verdict"], "note": c.get("note")}
        rows.append(row)
    rng.shuffle(rows)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} figure pairs to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
