"""Judged pairs against a report: shares of one event with their intervals."""

from __future__ import annotations

import json

from dedup import evaluate
from tests.conftest import FIXTURES


def test_wilson_interval_holds_the_share_and_narrows_with_more_pairs() -> None:
    low, high = evaluate.wilson(19, 20)
    assert low < 0.95 < high <= 1.0
    low2, high2 = evaluate.wilson(190, 200)
    assert low < low2 < 0.95 < high2 < high
    assert evaluate.wilson(0, 0) == (0.0, 1.0)


def test_judged_shares_count_confirmed_and_left_apart_pairs() -> None:
    report = {
        "articles": [{"id": i, "story": s} for i, s in (("a", "s1"), ("b", "s1"), ("c", None), ("d", "s2"))],
        "pairs": [{"a": "a", "b": "b", "kind": "same_story"}],
    }
    judged = [
        {"a": "b", "b": "a", "verdict": "different_event"},
        {"a": "a", "b": "c", "verdict": "same_event", "band": "0.25-0.35", "band_size": 100},
        {"a": "c", "b": "d", "verdict": "different_event", "band": "0.25-0.35", "band_size": 100},
        {"a": "a", "b": "d", "verdict": "unsure"},
        {"a": "a", "b": "zz", "verdict": "same_event"},
    ]
    shares = {s.group: (s.right, s.judged) for s in evaluate.judged_shares(report, judged)}
    assert shares == {
        "confirmed as same_story": (0, 1),
        "left apart": (1, 2),
        "left apart, cosine 0.25-0.35": (1, 2),
    }
    assert evaluate.weighted_left_apart(report, judged) == (50.0, 0.5)


def test_judged_shares_of_confirmed_pairs_are_also_given_per_confidence() -> None:
    report = {
        "articles": [{"id": i, "story": "s1"} for i in "abc"],
        "pairs": [
            {"a": "a", "b": "b", "kind": "same_story", "confidence": "firm"},
            {"a": "a", "b": "c", "kind": "same_story", "confidence": "likely"},
            {"a": "b", "b": "c", "kind": "same_story", "confidence": "likely"},
        ],
    }
    judged = [
        {"a": "a", "b": "b", "verdict": "same_event"},
        {"a": "a", "b": "c", "verdict": "different_event"},
        {"a": "b", "b": "c", "verdict": "same_event"},
    ]
    shares = {s.group: (s.right, s.judged) for s in evaluate.judged_shares(report, judged)}
    assert shares == {
        "confirmed as same_story": (2, 3),
        "confirmed as same_story, firm": (1, 1),
        "confirmed as same_story, likely": (1, 2),
    }


def test_story_shares_count_judged_stories_the_report_still_gives_per_confidence() -> None:
    report = {
        "stories": [
            {"id": "s1", "articles": ["a", "b"], "confidence": "firm"},
            {"id": "s2", "articles": ["c", "d", "e"], "confidence": "likely"},
            {"id": "s3", "articles": ["f", "g"], "confidence": "likely"},
        ]
    }
    judged = [
        {"articles": ["a", "b"], "verdict": "one_event"},
        {"articles": ["c", "d", "e"], "verdict": "mixed"},
        {"articles": ["f", "g"], "verdict": "one_event"},
        {"articles": ["c", "d"], "verdict": "one_event"},  # no longer a story of the report
        {"articles": ["f", "g"], "verdict": "unsure"},
    ]
    shares = {s.group: (s.right, s.judged) for s in evaluate.story_shares(report, judged)}
    assert shares == {"stories": (2, 3), "stories, firm": (1, 1), "stories, likely": (1, 2)}


def test_the_judged_set_is_well_formed() -> None:
    rows = [json.loads(line) for line in (FIXTURES / "judged" / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 800
    assert {r["verdict"] for r in rows} <= {"same_event", "different_event", "unsure"}
    assert all(r["reason"].strip() and r["a"] < r["b"] for r in rows)
    assert len({(r["a"], r["b"]) for r in rows}) == len(rows)


def test_figure_shares_match_judged_figures_by_articles_and_offsets() -> None:
    side = {"start": 10}
    report = {
        "stories": [
            {
                "claims": [
                    {"a": {"article": "x", **side}, "b": {"article": "y", "start": 20}, "verdict": "conflict"},
                    {"a": {"article": "x", "start": 30}, "b": {"article": "y", "start": 40}, "verdict": "rounded"},
                    {
                        "a": {"article": "x", "start": 50},
                        "b": {"article": "z", "start": 60},
                        "verdict": "conflict",
                        "note": "the two versions contradict more of their figures than they share",
                    },
                ]
            }
        ]
    }
    judged = [
        {"a": "x", "a_start": 10, "b": "y", "b_start": 20, "verdict": "conflict"},
        {"a": "y", "a_start": 40, "b": "x", "b_start": 30, "verdict": "different_quantity"},
        {"a": "x", "a_start": 50, "b": "z", "b_start": 60, "verdict": "different_time"},
        {"a": "x", "a_start": 99, "b": "z", "b_start": 60, "verdict": "conflict"},
    ]
    shares = {s.group: (s.right, s.judged) for s in evaluate.figure_shares(report, judged)}
    assert shares == {"conflict": (1, 1), "rounded": (0, 1), "conflict?": (0, 1)}


def test_the_judged_figures_are_well_formed_and_point_at_their_snippets() -> None:
    rows = [
        json.loads(line)
        for path in sorted((FIXTURES / "judged").glob("figures*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) >= 500
    verdicts = {"consistent", "conflict", "different_quantity", "different_time", "misread"}
    assert {r["verdict"] for r in rows} <= verdicts
    assert all(r["reason"].strip() and r[f"{s}_text"] in r[f"{s}_sentence"] for r in rows for s in "ab")
