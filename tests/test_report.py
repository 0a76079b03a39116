from __future__ import annotations

import json
from pathlib import Path

from dedup import pipeline, report
from dedup.io import read_articles

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def test_json_written_in_parts_is_the_report_as_data() -> None:
    articles, _ = read_articles([str(SEEDS)])
    result = pipeline.run(articles)
    parts = list(report.json_parts(result))
    assert len(parts) > len(articles)  # a record at a time, not one string
    text = "".join(parts)
    assert text == report.to_json(result)
    assert json.loads(text) == report.to_dict(result)
    assert json.loads(text)["rejected"] == []


def test_json_of_a_run_with_no_stories_keeps_every_key() -> None:
    articles, _ = read_articles([str(SEEDS)])
    alone = pipeline.run(articles[2:3])
    data = json.loads(report.to_json(alone))
    assert list(data) == ["articles", "pairs", "stories", "rejected", "stats"]
    assert data["pairs"] == [] and data["stories"] == [] and len(data["articles"]) == 1


def test_markdown_keeps_a_title_with_line_breaks_on_its_heading_and_in_its_cell() -> None:
    from dataclasses import replace

    articles, _ = read_articles([str(SEEDS)])
    result = pipeline.run(articles)
    story = result.stories[0]
    broken = "Dòng một\nDòng hai\r\nDòng | ba\u2028Dòng bốn"
    first = story.articles[0]
    renamed = tuple(replace(a, title=broken) if a.id == first else a for a in result.articles)
    text = report.to_markdown(replace(result, articles=renamed))
    assert f"## Story {story.id}: Dòng một Dòng hai Dòng | ba Dòng bốn" in text.splitlines()
    assert any(
        line.startswith(f"| {first} |") and "Dòng một Dòng hai Dòng \\| ba Dòng bốn" in line
        for line in text.splitlines()
    )
    assert not any(line.startswith("Dòng") for line in text.splitlines())
