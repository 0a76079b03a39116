"""The HTML report in a real browser: Debian's chromium driven by selenium through chromedriver
(both installed by `make install`). The page is opened from a file, with no network."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from dedup import pipeline, report
from dedup.io import read_articles
from dedup.models import Article, Rejected
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert binary and driver, "chromium and chromium-driver are installed by `make install`"
    options = Options()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()


def _report(tmp: Path, inputs: list[str] | None = None, articles: list[Article] | None = None) -> tuple[Path, dict]:
    """Run dedup, write its HTML report, and return the page's path and the JSON report."""
    if articles is None:
        articles, _ = read_articles(inputs or [])
    result = pipeline.run(articles)
    page = tmp / "report.html"
    page.write_text(report.to_html(result), encoding="utf-8")
    return page, json.loads(report.to_json(result))


def _open(browser: WebDriver, page: Path) -> None:
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(lambda b: b.execute_script("return document.body.dataset.ready === '1'"))


def _open_story(browser: WebDriver, row: int = 0) -> None:
    """Click a story of the index and wait until its page is drawn (hashchange is asynchronous)."""
    _rows(browser)[row].find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 30).until(
        lambda b: (
            b.find_elements(By.CSS_SELECTOR, "#story .version")
            and not b.find_element(By.ID, "story").get_attribute("hidden")
        )
    )


def _rows(browser: WebDriver) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "#stories tbody tr")


def _firm(story: dict) -> int:
    return sum(r["verdict"] == "conflict" and not r.get("note") for r in story["facts"])


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return _report(tmp_path_factory.mktemp("dev"), [str(FIXTURES / "vmds-dev.jsonl")])


def test_the_dev_stories_index_searches_filters_sorts_and_opens_a_story(browser: WebDriver, dev) -> None:
    page, data = dev
    stories = data["stories"]
    _open(browser, page)
    assert browser.find_element(By.ID, "summary").text.startswith(f"{len(data['articles'])} articles, ")
    assert len(_rows(browser)) == len(stories) <= 200
    # Firm conflicts first: the first row is a story with the most.
    first = _rows(browser)[0].get_attribute("data-story")
    assert _firm(next(s for s in stories if s["id"] == first)) == max(map(_firm, stories))

    # Search a word of one story's first title: that story stays, most others go.
    by_id = {a["id"]: a for a in data["articles"]}
    target = max(stories, key=lambda s: len(s["articles"]))
    words = by_id[target["articles"][0]]["title"].split()
    query = max(words, key=len)
    search = browser.find_element(By.ID, "search")
    search.send_keys(query)
    shown = [r.get_attribute("data-story") for r in _rows(browser)]
    titles = {s["id"]: [by_id[a]["title"].lower() for a in s["articles"]] for s in stories}
    assert target["id"] in shown
    assert set(shown) == {sid for sid, ts in titles.items() if any(query.lower() in t for t in ts)}
    search.clear()
    search.send_keys(" ")  # an input event: the full index again
    assert len(_rows(browser)) == len(stories)

    # Filter: stories with firm conflicts only.
    browser.find_element(By.ID, "conflicts").click()
    assert {r.get_attribute("data-story") for r in _rows(browser)} == {s["id"] for s in stories if _firm(s)}
    browser.find_element(By.ID, "conflicts").click()

    # Filter: firm stories only (their firm pairs alone join their versions), as the JSON says.
    firm_stories = {s["id"] for s in stories if s["confidence"] == "firm"}
    assert firm_stories and len(firm_stories) < len(stories)
    browser.find_element(By.ID, "firm").click()
    assert {r.get_attribute("data-story") for r in _rows(browser)} == firm_stories
    browser.find_element(By.ID, "firm").click()
    assert len(_rows(browser)) == len(stories)

    # Sort by size, largest first.
    header = browser.find_element(By.CSS_SELECTOR, "th[data-key=size]")
    header.click()
    sizes = [int(r.find_elements(By.TAG_NAME, "td")[2].text) for r in _rows(browser)]
    assert sizes == sorted(sizes, reverse=True) and header.get_attribute("aria-sort") == "descending"

    # Open the largest story: its versions side by side, its facts, agreeing rows and pairs folded.
    _open_story(browser)
    view = browser.find_element(By.ID, "story")
    assert view.is_displayed() and not browser.find_element(By.ID, "index").is_displayed()
    opened = next(s for s in stories if s["id"] == browser.execute_script("return location.hash.slice(1)"))
    assert len(opened["articles"]) == max(len(s["articles"]) for s in stories)
    versions = view.find_elements(By.CSS_SELECTOR, ".version")
    assert [v.get_attribute("data-article") for v in versions] == opened["articles"]
    assert versions[0].text.startswith(by_id[opened["articles"][0]]["title"])
    disagree = [r for r in opened["facts"] if r["verdict"] == "conflict"]
    assert len(view.find_elements(By.CSS_SELECTOR, "table.facts")) == bool(disagree) + (
        len(disagree) < len(opened["facts"])
    )
    agree = view.find_elements(By.CSS_SELECTOR, "details.agree")
    if agree:
        assert agree[0].get_attribute("open") is None and not agree[0].find_element(By.TAG_NAME, "table").is_displayed()
    pairs = view.find_element(By.CSS_SELECTOR, "details.pairs")
    assert (
        pairs.find_element(By.TAG_NAME, "summary").text
        == f"{sum(1 for p in data['pairs'] if p['a'] in opened['articles'])} matched pairs"
    )
    # Each pair says how firm it is, as the JSON report does.
    shown = [
        [td.get_attribute("textContent") for td in row.find_elements(By.TAG_NAME, "td")]
        for row in pairs.find_elements(By.CSS_SELECTOR, "tr.pair")
    ]
    given = {f"{p['a']} ~ {p['b']}": p["confidence"] for p in data["pairs"] if p["a"] in opened["articles"]}
    assert shown and {row[0]: row[2] for row in shown} == given
    browser.back()
    assert browser.find_element(By.ID, "index").is_displayed()


def test_a_disagreeing_fact_marks_each_figure_in_its_sentence(browser: WebDriver, tmp_path: Path) -> None:
    # The two seed versions of one story (a firm match), one figure of the second edited.
    seeds, _ = read_articles([str(FIXTURES / "seeds")])
    a, b = (next(x for x in seeds if x.id.startswith(p)) for p in ("000", "001"))
    b = replace(b, text=b.text.replace("281.800", "218.800"))
    page, data = _report(tmp_path, articles=[a, b])
    assert [p["confidence"] for p in data["pairs"]] == ["firm"]
    _open(browser, page)
    _open_story(browser)
    row = browser.find_element(By.CSS_SELECTOR, "#story table.facts tr.conflict")
    assert [m.text for m in row.find_elements(By.TAG_NAME, "mark")] == ["281.799 hội viên", "gần 218.800 hội viên"]
    assert "218.800" in row.text and row.find_element(By.TAG_NAME, "td").text == "conflict"


def test_the_sample_report_shows_its_stories_page_by_page(browser: WebDriver, tmp_path: Path) -> None:
    page, data = _report(tmp_path, [str(FIXTURES / "baomoi-sample.jsonl.gz")])
    n = len(data["stories"])
    assert n > 200
    _open(browser, page)
    assert len(_rows(browser)) == 200
    assert browser.find_element(By.ID, "count").text == f"{n} of {n} stories, first 200 shown"
    browser.find_element(By.ID, "more").click()
    assert len(_rows(browser)) == min(400, n)
    browser.find_element(By.ID, "copies").click()
    copies = [s for s in data["stories"] if s["kinds"] == ["duplicate"]]
    assert len(_rows(browser)) == min(200, len(copies))


def test_titles_are_text_not_markup_and_keep_their_direction(browser: WebDriver, tmp_path: Path) -> None:
    text = "Công an tỉnh Nghệ An vừa bắt giữ đối tượng buôn bán ma túy tại huyện Quế Phong."
    titles = ["<b>Độc quyền</b> & *tin nóng*", "\u202eTin đảo chiều"]
    articles = [Article(id=f"x{k}", text=text, title=t, url=f"https://example.org/{k}") for k, t in enumerate(titles)]
    page, _ = _report(tmp_path, articles=articles)
    _open(browser, page)
    assert not browser.find_elements(By.CSS_SELECTOR, "#stories b")
    cell = _rows(browser)[0].find_elements(By.TAG_NAME, "td")[1]
    assert cell.get_attribute("textContent") == titles[0] and cell.get_attribute("dir") == "auto"
    _open_story(browser)
    links = browser.find_elements(By.CSS_SELECTOR, ".version a")
    assert [link.get_attribute("href") for link in links] == ["https://example.org/0", "https://example.org/1"]
    assert links[1].get_attribute("textContent") == titles[1] and links[1].get_attribute("dir") == "auto"


def test_only_a_web_address_becomes_a_link(browser: WebDriver, tmp_path: Path) -> None:
    """A url of the input that is no web address ("javascript:", "data:") is no link on the page."""
    text = "Công an tỉnh Nghệ An vừa bắt giữ đối tượng buôn bán ma túy tại huyện Quế Phong."
    urls = ["javascript:alert(1)", "HTTP://example.org/1", "data:text/html,<b>x</b>"]
    articles = [Article(id=f"x{k}", text=text, title=f"Tin {k}", url=u) for k, u in enumerate(urls)]
    page, _ = _report(tmp_path, articles=articles)
    _open(browser, page)
    _open_story(browser)
    links = browser.find_elements(By.CSS_SELECTOR, ".version a")
    assert [link.get_attribute("href") for link in links] == ["http://example.org/1"]
    shown = [v.get_attribute("textContent") for v in browser.find_elements(By.CSS_SELECTOR, ".version bdi")]
    assert "Tin 0" in " ".join(shown) and "Tin 2" in " ".join(shown)


def test_an_indexed_runs_earlier_articles_are_marked(browser: WebDriver, tmp_path: Path) -> None:
    """The versions an index's earlier run holds (listed for their story) say so."""
    articles, _ = read_articles([str(FIXTURES / "seeds")])
    result = pipeline.run(articles)
    story = result.stories[0]
    earlier, new = story.articles[0], story.articles[1]
    page = tmp_path / "report.html"
    page.write_text(report.to_html(replace(result, earlier=frozenset({earlier}))), encoding="utf-8")
    _open(browser, page)
    _open_story(browser)
    versions = {v.get_attribute("data-article"): v for v in browser.find_elements(By.CSS_SELECTOR, "#story .version")}
    assert "earlier" in versions[earlier].get_attribute("class").split()
    assert "indexed earlier" in versions[earlier].text
    assert "earlier" not in versions[new].get_attribute("class").split()
    assert "indexed earlier" not in versions[new].text


def test_records_passed_over_are_listed_with_where_and_why(browser: WebDriver, tmp_path: Path) -> None:
    """A run with --skip-bad lists each record it passed over, folded under the summary."""
    lines = (FIXTURES / "vmds-dev.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    bad = tmp_path / "feed.jsonl"
    bad.write_text("\n".join([*lines[:2], "{not json", '{"id": "x9", "title": "no text"}', *lines[2:]]) + "\n")
    articles, rejected = read_articles([str(bad)], skip_bad=True)
    assert len(rejected) == 2 and len(articles) == len(lines)
    result = replace(pipeline.run(articles), rejected=tuple(rejected))
    page = tmp_path / "report.html"
    page.write_text(report.to_html(result), encoding="utf-8")
    _open(browser, page)
    box = browser.find_element(By.ID, "rejected")
    assert box.get_attribute("hidden") is None
    assert box.find_element(By.TAG_NAME, "summary").text == "2 records passed over"
    assert not box.find_elements(By.CSS_SELECTOR, "tbody tr")  # drawn when opened
    box.find_element(By.TAG_NAME, "summary").click()
    WebDriverWait(browser, 10).until(lambda b: len(box.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2)
    cells = [
        [td.get_attribute("textContent") for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in box.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert [c[0] for c in cells] == [f"{bad}:3", f"{bad}:4"]
    assert cells[1][1] == "x9" and cells[0][1] == ""
    assert all(c[2] for c in cells)  # each says why
    # A run that passed nothing over shows no such list.
    page.write_text(report.to_html(replace(result, rejected=())), encoding="utf-8")
    _open(browser, page)
    assert browser.find_element(By.ID, "rejected").get_attribute("hidden") is not None
    # Very many records passed over leave the page working: the first thousand are drawn, then a count.
    many = tuple(Rejected(f"{bad}:{k}", "not valid JSON") for k in range(150_000))
    page.write_text(report.to_html(replace(result, rejected=many)), encoding="utf-8")
    _open(browser, page)
    assert len(_rows(browser)) == len(result.stories)  # the index is drawn
    box = browser.find_element(By.ID, "rejected")
    box.find_element(By.TAG_NAME, "summary").click()
    WebDriverWait(browser, 10).until(lambda b: box.find_elements(By.CSS_SELECTOR, "tbody tr"))
    rows = box.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1001 and rows[-1].get_attribute("textContent").startswith("… and 149000 more")
