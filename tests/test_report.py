from __future__ import annotations

import json
from pathlib import Path

from dedup import pipeline, report
from dedup.io import read_articles
from dedup.models import Article

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
    assert f"## Story {story.id}: Dòng một Dòng hai Dòng \\| ba Dòng bốn" in text.splitlines()
    assert any(
        line.startswith(f"| {first} |") and "Dòng một Dòng hai Dòng \\| ba Dòng bốn" in line
        for line in text.splitlines()
    )
    assert not any(line.startswith("Dòng") for line in text.splitlines())


def test_markdown_shows_titles_sources_and_snippets_as_written() -> None:
    # Rendered by a CommonMark reader with tables: each text must come out as written, not as markup.
    import html
    import re
    from dataclasses import replace

    from markdown_it import MarkdownIt

    articles, _ = read_articles([str(SEEDS)])
    result = pipeline.run(articles)
    story = result.stories[0]
    first, second = story.articles[:2]
    title = "*Độc quyền* [Video] <b>Hà Nội</b> | 1.525 báo_cáo_viên & _hội viên_ ~~x~~ \\ `y` #1"
    source = "<i>Báo</i> *A* | B"
    renamed = tuple(
        replace(a, title=title) if a.id == first else replace(a, source=source) if a.id == second else a
        for a in result.articles
    )
    page = MarkdownIt("commonmark").enable("table").render(report.to_markdown(replace(result, articles=renamed)))

    def texts(tag: str) -> list[str]:
        return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)]

    assert f"Story {story.id}: {title}" in texts("h2")
    assert title in texts("td") and source in texts("td")
    assert "<b>" not in page and "<em>" not in page and "<i>" not in page  # no markup made of the texts
    # The claims table still has its four columns on every row.
    assert all(row.count("<td>") == 4 for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "báo cáo viên" in row)


def test_html_says_what_the_markdown_says_first_and_orders_stories_alike() -> None:
    from dataclasses import replace
    from datetime import datetime

    articles, _ = read_articles([str(SEEDS)])
    result = pipeline.run(articles)
    story = result.stories[0]
    first = story.articles[0]
    dated = tuple(
        replace(a, published=datetime(2017, 10, 18)) if a.id == first else a  # a date alone, no time
        for a in result.articles
    )
    result = replace(result, articles=dated)
    page, text = report.to_html(result), report.to_markdown(result)
    summary = text.splitlines()[2]
    data = _page_data(page)
    assert "number conflicts" in summary and data["summary"] == summary
    title = next(a.title for a in result.articles if a.id == first)
    assert data["articles"][first][0] == title and data["stories"][0]["a"] == list(story.articles)
    assert data["articles"][first][3] == "2017-10-18T00:00" and "| 2017-10-18 |" in text  # not 2017-10-18 00:00


def _page_data(page: str) -> dict:
    """The JSON an HTML report carries (what its script draws)."""
    import re

    block = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert block and "</" not in block.group(1)
    return json.loads(block.group(1))


def test_the_html_page_needs_no_network_and_keeps_script_endings_in_texts_as_text() -> None:
    from dataclasses import replace

    articles, _ = read_articles([str(SEEDS)])
    result = pipeline.run(articles)
    first = result.stories[0].articles[0]
    title = "</script><script>alert(1)</script> <!-- x"
    result = replace(result, articles=tuple(replace(a, title=title) if a.id == first else a for a in result.articles))
    page = report.to_html(result)
    assert _page_data(page)["articles"][first][0] == title
    assert "http://" not in page and "https://" not in page and "src=" not in page


def test_people_see_firm_conflicts_first_and_doubtful_ones_marked() -> None:
    from dedup.models import Article, Match, Report, Story
    from dedup.reconcile import claim_pair_to_dict, reconcile

    a = "Phiên đấu thầu có 12 thành viên tham gia, khối lượng đạt 1.586 tỷ đồng, lãi suất 5,2%."
    b = "Phiên đấu thầu có 12 thành viên tham gia, khối lượng đạt 1.701 tỷ đồng, lãi suất 6,1%."
    c = "Phiên đấu thầu có 15 thành viên tham gia, khối lượng đạt 2.000 tỷ đồng, lãi suất 5,2%."
    doubtful = tuple(claim_pair_to_dict(p) for p in reconcile([("a", a), ("b", b)]))
    firm = tuple(claim_pair_to_dict(p) for p in reconcile([("c", c), ("d", c.replace("15 thành", "16 thành"))]))
    arts = tuple(Article(i, t) for i, t in (("a", a), ("b", b), ("c", c), ("d", c)))
    result = Report(
        arts,
        (Match("a", "b", "same_story", 0.9), Match("c", "d", "same_story", 0.9)),
        (Story("s1", ("a", "b"), doubtful), Story("s2", ("c", "d"), firm)),
    )
    text = report.to_markdown(result)
    assert "3 number conflicts (2 of them between versions that contradict more figures" in text
    assert text.index("## Story s2") < text.index("## Story s1")  # the firm conflict first
    assert text.count("| conflict? |") == 2 and text.count("| **conflict** |") == 1


def test_summary_counts_in_the_singular_for_one_and_leaves_out_an_empty_aside() -> None:
    from dedup.models import Article, Match, Report, Story

    arts = tuple(Article(i, "Có 5 người.") for i in ("a", "b"))
    one = Report(
        arts,
        (Match("a", "b", "same_story", 0.9),),
        (Story("s1", ("a", "b")),),
        (),
        {"articles": 2, "articles_in_stories": 2},
    )
    line = report.to_markdown(one).splitlines()[2]
    assert line.startswith("2 articles, 1 story (2 articles in it), 1 matched pair (")
    assert line.endswith(", 0 number conflicts, 0 rejected records.")  # no "(0 of them ...)"
    none = Report(arts[:1], (), (), (), {"articles": 1})
    assert (
        report.to_markdown(none)
        .splitlines()[2]
        .startswith("1 article, 0 stories (0 articles in them), 0 matched pairs")
    )


def test_the_fact_table_has_a_row_per_compared_quantity_with_every_figure_in_its_sentence() -> None:
    from tests.conftest import SEEDS

    seed_b = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    copy = seed_b.replace("hơn 1.500 báo cáo viên", "1.700 báo cáo viên").replace("281.800", "218.800")
    articles, _ = read_articles([str(SEEDS)])
    a = next(x for x in articles if x.id.startswith("000"))
    run = [a, Article(id="copy", title="Bản sao", text=copy)]
    result = pipeline.run(run)
    story = result.stories[0]
    data = json.loads(report.to_json(result))["stories"][0]
    assert data["facts"] == list(story.facts)
    rows = {r["quantity"]: r for r in data["facts"]}
    conflicts = [r for r in data["facts"] if r["verdict"] == "conflict"]
    assert {r["quantity"] for r in conflicts} == {"báo cáo viên", "hội viên"}
    assert data["facts"][: len(conflicts)] == conflicts  # disagreements first
    for r in conflicts:
        assert r["disagree"] == sorted([a.id, "copy"])
    assert rows["phụ nữ"]["verdict"] == "rounded" and "disagree" not in rows["phụ nữ"]
    texts = {"copy": copy, a.id: a.text}
    for r in data["facts"]:
        for f in r["figures"]:
            assert texts[f["article"]][f["start"] : f["end"]] == f["text"] and f["text"] in f["sentence"]
    # Every compared pair's figures are in one row.
    where = {(f["article"], f["start"]): r["quantity"] for r in data["facts"] for f in r["figures"]}
    assert all(
        where[(c["a"]["article"], c["a"]["start"])] == where[(c["b"]["article"], c["b"]["start"])]
        for c in data["claims"]
    )
    md = report.to_markdown(result)
    assert "Facts the versions disagree on (2 of" in md and "**1.700 báo cáo viên**" in md
    shown = _page_data(report.to_html(result))["stories"][0]
    assert shown["f"] == 2 and [x[0] for x in shown["x"]][:2] == ["conflict", "conflict"]
    assert all(f[2] for x in shown["x"][:2] for f in x[4])  # the disagreeing figures keep their sentences
    assert not any(f[2] for x in shown["x"][2:] for f in x[4])


def test_markdown_opens_with_a_story_index_and_cuts_long_tables_with_a_count() -> None:
    import re

    from dedup.models import Match, Report, Story

    arts = tuple(Article(f"a{k:02d}", f"tin {k}", title=f"Tin số {k}") for k in range(45))
    big = tuple(a.id for a in arts[:40])
    pairs = tuple(Match(big[0], b, "duplicate", 1.0) for b in big[1:])
    result = Report(arts, pairs, (Story("s1", big), Story("s2", (arts[40].id, arts[41].id))))
    text = report.to_markdown(result)
    links = re.findall(r"\]\(#(story-s\d+)\)", text)
    assert links == ["story-s1", "story-s2"]
    assert all(f'<a id="{anchor}"></a>' in text for anchor in links)
    assert text.index("## Stories") < text.index("## Story s1")
    assert "| … and 10 more articles |" in text and "| … and 9 more pairs |" in text
    assert text.count("| a00 ~ ") == report.MD_ROWS


def test_each_doubtful_conflict_says_why_in_the_json_and_the_summary_counts_each_reason() -> None:
    from dedup.models import Article, Match, Report, Story
    from dedup.reconcile import DOUBTS, claim_pair_to_dict, note_loose_matches, reconcile

    seized = " Công an thu giữ 12 bánh heroin và 3 khẩu súng."
    versions = {
        # Two auctions told as one story: more figures contradict than agree.
        "versions_apart": (
            "Phiên đấu thầu có 12 thành viên tham gia, khối lượng đạt 1.586 tỷ đồng, lãi suất 5,2%.",
            "Phiên đấu thầu có 12 thành viên tham gia, khối lượng đạt 1.701 tỷ đồng, lãi suất 6,1%.",
        ),
        # Two ages in one version.
        "several": (
            "Nghi phạm Nguyễn Văn An, 27 tuổi, và đồng phạm Trần Văn Bình, 31 tuổi, đã bị bắt giữ." + seized,
            "Nguyễn Văn An (28 tuổi) đã bị bắt giữ." + seized,
        ),
        # An operating crew and a full complement.
        "worded": (
            "Tàu được vận hành bởi thủy thủ đoàn 5.500 người, bao gồm cả nhân viên hàng không." + seized,
            "Tàu có thủy thủ đoàn đầy đủ bao tối đa gồm 5800 người, trong đó có 3000 thủy thủ." + seized,
        ),
        # The entities on a sanctions list and those added to it.
        "far_apart": (
            "Danh sách trừng phạt hiện có 42 thực thể của Triều Tiên." + seized,
            "Danh sách trừng phạt hiện có 4 thực thể của Triều Tiên." + seized,
        ),
        # One age told twice, in two versions whose match is only likely.
        "likely_match": (
            "Bà Tư Hường vừa qua đời sáng 13.5 vì tuổi cao sức yếu, thọ 82 tuổi." + seized,
            "Bà Tư Hường qua đời. Bà hưởng thọ 81 tuổi." + seized,
        ),
        # The same, in two versions of a story not matched with each other.
        "unmatched": (
            "Nhà du hành vũ trụ Viktor Gorbatko qua đời, thọ 82 tuổi." + seized,
            "Ông Viktor Gorbatko đã qua đời, hưởng thọ 83 tuổi." + seized,
        ),
    }
    stories, arts, matches = [], [], []
    for k, (code, (a, b)) in enumerate(versions.items()):
        ids = (f"{k}a", f"{k}b")
        pairs = reconcile([(ids[0], a), (ids[1], b)])
        if code in ("likely_match", "unmatched"):
            assert [p.note for p in pairs if p.verdict == "conflict"] == [""]  # firm between firm versions
            pairs = note_loose_matches(pairs, {frozenset(ids): code})
        claims = tuple(claim_pair_to_dict(p) for p in pairs)
        conflicts = [c for c in claims if c["verdict"] == "conflict"]
        assert conflicts and all(c["doubt"] == code and c["note"] for c in conflicts), (code, conflicts)
        assert all("doubt" not in c for c in claims if c["verdict"] != "conflict")
        stories.append(Story(f"s{k + 1}", ids, claims))
        arts += [Article(ids[0], a), Article(ids[1], b)]
        matches.append(Match(*ids, "same_story", 0.9))
    assert list(DOUBTS) == list(versions) == list(report._DOUBT_ASIDES)
    line = report.to_markdown(Report(tuple(arts), tuple(matches), tuple(stories))).splitlines()[2]
    assert (
        "7 number conflicts (2 of them between versions that contradict more figures than they share: perhaps "
        "different days or events; 1 among several figures of their kind: perhaps two quantities; 1 whose figures "
        "are not worded alike: perhaps two quantities; 1 whose figures are far apart: perhaps two quantities; 1 "
        "between versions only likely to tell one event; 1 between versions not matched with each other)"
    ) in line
