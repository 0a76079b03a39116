"""The HTML report: one self-contained page (no network) that renders its stories from embedded JSON.

A report of 35k articles holds thousands of stories; written out as tables it is megabytes of
markup a browser lays out for tens of seconds. Here the page carries the report's data as one
JSON block and draws only what is looked at: a story index (sortable; searched by title and
source; filtered by firm conflicts, copies only and size) shown 200 rows at a time, the records
passed over (folded, each with its file and line and why), and one
story at a time (#s12): its versions side by side, its fact table with the disagreeing rows
first and each figure marked in its sentence, the agreeing rows and the pairs folded.

Every text is put in the page as a text node, never as markup, and isolated for bidirectional
display (dir="auto", <bdi>).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dedup.models import Report

_ASSETS = Path(__file__).parent / "data"


def page_data(report: Report, summary: str) -> dict[str, Any]:
    """What the page draws, in short keys: the articles of stories, and per story its articles,
    kinds, firm and doubtful conflict counts, pairs and fact rows (sentences for the disagreeing
    rows only: the others show their figures)."""
    story_of = report.story_of()
    articles = {
        # A fifth field, 1, marks an article an index's earlier run holds, listed for its story.
        a.id: [a.title, a.source, a.url, a.published.isoformat(timespec="minutes") if a.published else None]
        + ([1] if a.id in report.earlier else [])
        for a in report.articles
        if a.id in story_of
    }
    stories = []
    for s in report.stories:
        rows = []
        firm = doubtful = 0
        for r in s.facts:
            conflict = r["verdict"] == "conflict"
            firm += conflict and not r.get("note")
            doubtful += conflict and bool(r.get("note"))
            figures = [[f["article"], f["text"], f["sentence"] if conflict else None] for f in r["figures"]]
            rows.append([r["verdict"], r.get("note"), r["quantity"], r.get("disagree", []), figures])
        matches = report.story_matches[s.id]
        stories.append(
            {
                "id": s.id,
                "a": list(s.articles),
                "k": sorted({m.kind for m in matches}),
                "c": report.confidence_of[s.id],
                "f": firm,
                "d": doubtful,
                "p": [[m.a, m.b, m.kind, round(m.score, 4), m.evidence.get("confidence")] for m in matches],
                "x": rows,
            }
        )
    # Every record passed over (--skip-bad): where it was, its id if one was read, and why.
    rejected = [[r.origin, r.id, r.reason] for r in report.rejected]
    return {
        "summary": summary,
        "articles": articles,
        "stories": stories,
        "total": len(report.articles),
        "rejected": rejected,
    }


def to_html(report: Report, summary: str) -> str:
    """The report as one HTML page that needs no network."""
    data = json.dumps(page_data(report, summary), ensure_ascii=False, separators=(",", ":"))
    # Inside <script> only "</" (and "<!--") could end or change the block: written with a backslash.
    data = data.replace("</", "<\\/").replace("<!--", "\\u003c!--")
    template = (_ASSETS / "report.html").read_text(encoding="utf-8")
    return template.replace("/*DATA*/", data, 1)
