from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from dedup.cli import cli
from dedup.io import read_articles
from tests.conftest import FIXTURES, SEEDS, group_is_gone, seed_id


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_every_command_has_help() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert command.help and command.help.strip(), name
        assert "Usage: " in result.output


def test_match_writes_json_report(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = invoke("match", str(SEEDS), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"articles", "pairs", "stories", "rejected", "stats"} <= set(data)
    assert len(data["articles"]) == 5


def test_report_file_gets_the_mode_of_a_new_file_or_keeps_its_own(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        out = tmp_path / "report.json"
        assert invoke("match", str(SEEDS), "-o", str(out), "-q").exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644  # readable by the next step of a pipeline
        out.chmod(0o640)
        assert invoke("match", str(SEEDS), "-o", str(out), "-q").exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


@pytest.mark.parametrize(("fmt", "marker"), [("md", "# Match report"), ("html", "<!doctype html>")])
def test_match_human_formats(tmp_path: Path, fmt: str, marker: str) -> None:
    out = tmp_path / f"r.{fmt}"
    result = invoke("match", str(SEEDS), "-o", str(out), "--format", fmt, "-q")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(marker)
    assert seed_id("000") in text and seed_id("001") in text


def test_parquet_tables_hold_what_the_json_report_holds(tmp_path: Path) -> None:
    """--format parquet: a directory of tables, a row per article, pair, story, compared pair
    of figures and figure of a fact; a second run replaces the directory whole."""
    pq = pytest.importorskip("pyarrow.parquet")
    sample = tmp_path / "sample.jsonl"
    sample.write_text(
        "".join(line for _, line in zip(range(400), _gz_lines(FIXTURES / "baomoi-sample.jsonl.gz"), strict=False)),
        encoding="utf-8",
    )
    js, out = tmp_path / "r.json", tmp_path / "reports" / "today.parquet"
    assert invoke("match", str(sample), "-o", str(js), "-q").exit_code == 0
    # An earlier report's tables are replaced whole (the format follows the .parquet name).
    assert invoke("match", str(SEEDS), "-o", str(out), "-q").exit_code == 0
    umask = os.umask(0o022)
    try:
        result = invoke("match", str(sample), "-o", str(out), "-q")
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o755 and (out / "pairs.parquet").stat().st_mode & 0o777 == 0o644
    data = json.loads(js.read_text(encoding="utf-8"))
    read = {p.stem: pq.read_table(p).to_pylist() for p in out.glob("*.parquet")}
    assert set(read) == {"articles", "pairs", "stories", "claims", "facts", "rejected"}
    assert [a["id"] for a in read["articles"]] == [a["id"] for a in data["articles"]]
    assert [(p["a"], p["b"], p["kind"]) for p in read["pairs"]] == [(p["a"], p["b"], p["kind"]) for p in data["pairs"]]
    assert [s["articles"] for s in read["stories"]] == [s["articles"] for s in data["stories"]]
    assert len(read["claims"]) == sum(len(s["claims"]) for s in data["stories"]) > 0
    figures = [(s["id"], g["article"], g["value"]) for s in data["stories"] for f in s["facts"] for g in f["figures"]]
    assert [(r["story"], r["figure_article"], r["figure_value"]) for r in read["facts"]] == figures


def _gz_lines(path: Path) -> list[str]:
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.readlines()


@pytest.mark.parametrize(
    ("output", "message"),
    [("-", "name it with -o DIR"), ("file", "is a file"), ("dir", "holds other files than a report's tables")],
)
def test_parquet_needs_a_new_directory_or_an_earlier_reports(tmp_path: Path, output: str, message: str) -> None:
    """Nothing but an earlier report's tables is ever replaced: a directory of other files is refused."""
    if output == "file":
        output = str(tmp_path / "report.json")
        Path(output).write_text("{}")
    elif output == "dir":
        (tmp_path / "notes.txt").write_text("mine")
        output = str(tmp_path)
    result = invoke("match", str(SEEDS), "-o", output, "--format", "parquet")
    assert result.exit_code == 2 and message in result.output
    if output == str(tmp_path):
        assert (tmp_path / "notes.txt").read_text() == "mine"


def test_match_reads_stdin_and_prints_to_stdout() -> None:
    lines = "".join(
        json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}, ensure_ascii=False) + "\n"
        for p in sorted(SEEDS.glob("*.txt"))
    )
    result = invoke("match", "-", "-q", input=lines)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["articles"]) == 5


@pytest.mark.parametrize(
    "args",
    [
        ("match",),
        ("match", "x", "--format", "pdf"),
        ("match", "x", "--threshold", "2"),
        ("match", "x", "--duplicate-containment", "0"),  # every confirmed pair would be a copy
        ("match", "x", "--nope"),
        ("eval",),
    ],
)
def test_bad_flags_exit_2(args: tuple[str, ...]) -> None:
    assert invoke(*args).exit_code == 2


def test_malformed_jsonl_exits_1_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "in.jsonl"
    bad.write_text('{"id": "1", "text": "a"}\n{"id": "2", "text": oops}\n', encoding="utf-8")
    result = invoke("match", str(bad), "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 1
    assert f"Error: {bad}:2: not valid JSON" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists()


def test_skip_bad_lists_rejected_records(tmp_path: Path) -> None:
    bad = tmp_path / "in.jsonl"
    bad.write_text('{"id": "1", "text": "a"}\n{"id": "1", "text": "b"}\n{"text": "c"}\n', encoding="utf-8")
    result = invoke("match", str(bad), "--skip-bad", "-q")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [a["id"] for a in report["articles"]] == ["1"]
    assert [r["origin"] for r in report["rejected"]] == [f"{bad}:2", f"{bad}:3"]
    assert report["stats"]["rejected"] == 2
    # Said on stderr too, even under -q: the JSONL and CSV reports have no place for them.
    assert f"passed over {bad}:2: duplicate id" in result.stderr
    assert f"passed over {bad}:3: missing required field 'id'" in result.stderr
    for fmt in ("jsonl", "csv"):
        other = invoke("match", str(bad), "--skip-bad", "-q", "--format", fmt)
        assert other.exit_code == 0 and f"passed over {bad}:3" in other.stderr, fmt


def test_quiet_still_says_what_it_passed_over(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"id": "b", "text": "y"}\n', encoding="utf-8")
    (tmp_path / ".c.jsonl").write_text('{"id": "c", "text": "z"}\n', encoding="utf-8")
    result = invoke("match", str(tmp_path), "-q", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 0
    assert "warning: passed over 1 file(s)" in result.stderr and "b.json" in result.stderr
    assert "warning: passed over 1 hidden file(s)" in result.stderr and ".c.jsonl" in result.stderr
    assert "articles read" not in result.stderr  # progress stays quiet
    said = invoke("claims", str(tmp_path), "a")  # claims and explain say it too
    assert said.exit_code == 0 and "b.json" in said.stderr


def test_a_lone_surrogate_in_a_record_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "in.jsonl"
    bad.write_text('{"id": "a\\ud800", "text": "x", "title": "t\\udc00"}\n{"id": "b", "text": "y"}\n', encoding="utf-8")
    for args in (("match", str(bad), "-o", str(tmp_path / "r.json")), ("claims", str(bad), "b")):
        result = invoke(*args)
        assert result.exit_code == 1
        assert f"{bad}:1: field 'id' is not valid Unicode" in result.stderr
        assert "Traceback" not in result.output
    went_on = invoke("match", str(bad), "--skip-bad", "-q")
    assert went_on.exit_code == 0
    assert [r["id"] for r in json.loads(went_on.stdout)["rejected"]] == ["a\\ud800"]


def test_missing_input_exits_1() -> None:
    result = invoke("match", "/nonexistent/dir")
    assert result.exit_code == 1 and "no such file or directory" in result.output


def test_missing_background_table_exits_1(tmp_path: Path) -> None:
    result = invoke("match", str(SEEDS), "--background", str(tmp_path / "none.npz"), "-q")
    assert result.exit_code == 1 and "background document-frequency table not found" in result.output


@pytest.mark.parametrize(
    ("name", "data"),
    [("articles.jsonl", b'{"id": "a", "text": "x"}\n'), ("empty.npz", b""), ("other.npz", None)],
)
def test_a_file_that_is_no_background_table_exits_1_naming_it(tmp_path: Path, name: str, data: bytes | None) -> None:
    import numpy as np

    path = tmp_path / name
    if data is None:
        np.savez(path, something=np.arange(3))  # an archive without the table's arrays
    else:
        path.write_bytes(data)
    result = invoke("match", str(SEEDS), "--background", str(path), "-q", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 1, result.output
    assert f"{path}: not a document-frequency table" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "r.json").exists()


def test_progress_and_summary_go_to_stderr(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["match", str(SEEDS), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0
    assert "5 articles -> 1 story, 1 pair inside them" in result.stderr
    assert result.stdout == ""


def test_eval_scores_a_report_against_gold(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    articles = [{"id": i, "story": "s1" if i in "abx" else None} for i in "abcx"]
    report.write_text(
        json.dumps({"articles": articles, "stories": [{"id": "s1", "articles": ["a", "b", "x"]}]}), encoding="utf-8"
    )
    gold = tmp_path / "g.jsonl"
    gold.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [{"id": "a", "story": "1"}, {"id": "b", "story": "1"}, {"id": "c", "story": "1"}]
        ),
        encoding="utf-8",
    )
    result = invoke("eval", str(report), str(gold))
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    # Predicted pairs a-b (right), a-x and b-x (x is a distractor: wrong); gold pairs a-b, a-c, b-c.
    assert scores["pair_precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert scores["pair_recall"] == pytest.approx(1 / 3, abs=1e-4)


def test_eval_says_what_is_wrong_with_gold_and_report_files(tmp_path: Path) -> None:
    import gzip

    report = tmp_path / "r.json"
    report.write_text(
        json.dumps({"articles": [{"id": "a"}, {"id": "b"}], "stories": [{"id": "s1", "articles": ["a", "b"]}]}),
        encoding="utf-8",
    )
    rows = [{"id": "a", "story": "1"}, {"id": "b", "story": "1"}, {"id": "c", "story": "1"}]
    good = "".join(json.dumps(r) + "\n" for r in rows)

    def run(name: str, data: bytes, *extra: str) -> Result:
        path = tmp_path / name
        path.write_bytes(data)
        return CliRunner().invoke(cli, ["eval", str(report), str(path), *extra])

    for name, data, said in [
        ("bad.jsonl", (good + "{oops\n").encode(), "bad.jsonl:4: not valid JSON"),
        ("latin.jsonl", good.encode() + b'{"id": "d\xe9", "story": "2"}\n', "latin.jsonl:4: not UTF-8"),
        ("dup.jsonl", (good + json.dumps(rows[0]) + "\n").encode(), "dup.jsonl:4: duplicate id 'a' (first at"),
        ("corrupt.jsonl.gz", b"\x1f\x8b" + b"not gzip at all" * 10, "corrupt.jsonl.gz:1: cannot read"),
        ("cut.jsonl.gz", gzip.compress(good.encode() * 200)[:60], "cut.jsonl.gz:"),
    ]:
        result = run(name, data)
        assert result.exit_code == 1, (name, result.output)
        assert said in result.stderr and "Traceback" not in result.output, (name, result.stderr)
    partly = run("more.jsonl", good.encode())  # c is labelled but not in the report
    assert partly.exit_code == 0, partly.output
    assert "1 of 3 labelled articles are not in" in partly.stderr
    other = run("other.jsonl", b'{"id": "x", "story": "1"}\n{"id": "y", "story": "1"}\n')
    assert other.exit_code == 1 and "none of the 2 labelled articles is in" in other.stderr
    missing = CliRunner().invoke(cli, ["eval", str(tmp_path / "nope.json"), str(tmp_path / "more.jsonl")])
    assert missing.exit_code == 1 and "nope.json" in missing.stderr
    gone = CliRunner().invoke(cli, ["eval", str(report), str(tmp_path / "nope.jsonl")])
    assert gone.exit_code == 1 and "nope.jsonl: no such file" in gone.stderr
    # Gold without a single `story` (articles, not labels; or a folder of .txt files): nothing to score.
    unlabelled = run("plain.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n')
    assert unlabelled.exit_code == 1 and "no labelled articles in" in unlabelled.stderr
    assert "2 rows read, none with a `story`" in unlabelled.stderr
    (tmp_path / "txts").mkdir()
    (tmp_path / "txts" / "a.txt").write_text("x", encoding="utf-8")
    folder = CliRunner().invoke(cli, ["eval", str(report), str(tmp_path / "txts")])
    assert folder.exit_code == 1 and "GOLD is .jsonl or .jsonl.gz files" in folder.stderr


def test_eval_rejects_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    gold = tmp_path / "g.jsonl"
    gold.write_text("", encoding="utf-8")
    result = invoke("eval", str(bad), str(gold))
    assert result.exit_code == 1 and "not a dedup JSON report" in result.output


def test_claims_lists_an_articles_claims_by_id() -> None:
    result = invoke("claims", str(SEEDS), seed_id("001"), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    by_text = {r["text"]: r for r in rows}
    assert by_text["hơn 1.500 báo cáo viên"]["value"] == 1500
    assert by_text["hơn 1.500 báo cáo viên"]["qualifier"] == "hơn"
    assert by_text["gần 281.800 hội viên"]["high"] == 281800
    # "Nearly": open below as worded; judged a hundred under at most.
    assert by_text["gần 281.800 hội viên"]["low"] is None
    assert by_text["gần 281.800 hội viên"]["judged_low"] == 281700
    assert by_text["hơn 1.500 báo cáo viên"]["high"] is None
    assert {r["article"] for r in rows} == {seed_id("001")}
    (article,) = [a for a in read_articles([str(SEEDS)])[0] if a.id == seed_id("001")]
    assert all(getattr(article, r["field"])[r["start"] : r["end"]] == r["text"] for r in rows)


def test_claim_offsets_index_the_articles_text_or_title_as_given(tmp_path: Path) -> None:
    # A JSONL article whose title is not the start of its text: offsets were into title + "\n" + text.
    row = {"id": "t", "title": "Hơn 2.000 người dự lễ", "text": "Sáng nay, 2.150 người đã có mặt. Có 12 xe cứu thương."}
    feed = tmp_path / "t.jsonl"
    feed.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = [json.loads(line) for line in invoke("claims", str(feed), "--format", "json").output.splitlines()]
    assert [(r["field"], r["text"]) for r in rows] == [
        ("title", "Hơn 2.000 người dự lễ"),
        ("text", "2.150 người"),
        ("text", "12 xe cứu thương"),
    ]
    assert all(row[r["field"]][r["start"] : r["end"]] == r["text"] for r in rows)


def test_claims_json_writes_numbers_as_the_report_does(tmp_path: Path) -> None:
    # 0,42% is judged 0.415 to 0.43: float arithmetic gives 0.41500000000000004 and the like.
    feed = tmp_path / "a.jsonl"
    feed.write_text(json.dumps({"id": "x", "text": "Lãi suất giảm 0,42% và 1,35% trong quý."}) + "\n", encoding="utf-8")
    result = invoke("claims", str(feed), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["value"], r["judged_low"], r["judged_high"]) for r in rows] == [(0.42, 0.415, 0.43), (1.35, 1.345, 1.36)]
    assert all(len(line) < 400 for line in result.output.splitlines())


def test_claims_table_and_unknown_id() -> None:
    result = invoke("claims", str(SEEDS / f"{seed_id('000')}.txt"))
    assert result.exit_code == 0 and "«1.525 báo cáo viên»" in result.output
    result = invoke("claims", str(SEEDS), "no-such-id")
    assert result.exit_code == 1 and "no article with id 'no-such-id'" in result.output
    typo = invoke("claims", str(SEEDS), "feed.jsonl")  # a file mistyped, not an id
    assert typo.exit_code == 1 and "feed.jsonl: no such file or directory" in typo.output


def test_claims_table_puts_a_title_on_its_header_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "title": "Hai\ndòng", "text": "có 25 người"}) + "\n", encoding="utf-8")
    result = invoke("claims", str(path))
    assert result.exit_code == 0 and result.output.splitlines()[0] == "== a  Hai dòng  (1 claim)"


def test_explain_shows_why_a_pair_matched_or_not() -> None:
    a, b, c = seed_id("000"), seed_id("001"), seed_id("002")
    result = invoke("explain", str(SEEDS), "-a", a, "-b", b, "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["verdict"] == "same_story" and info["candidate"]
    assert info["probability"] >= info["threshold"]
    assert "tọa đàm" in info["shared_top_terms"]
    assert set(info["signals"]) >= {"cosine", "name_jaccard", "cosine_rank_worse"}
    # The confidence the report gives the pair, and none for a pair that is not confirmed.
    match = json.loads(invoke("match", str(SEEDS), "-q").stdout)
    given = next(p for p in match["pairs"] if {p["a"], p["b"]} == {a, b})
    assert info["confidence"] == given["confidence"] == ("firm" if info["probability"] >= info["firm"] else "likely")
    result = invoke("explain", str(SEEDS), "-a", a, "-b", c)
    assert result.exit_code == 0
    assert result.output.startswith(f"{a} ~ {c}: no match") and "confidence:" not in result.output
    assert json.loads(invoke("explain", str(SEEDS), "-a", a, "-b", c, "--json").output)["confidence"] is None
    result = invoke("explain", str(SEEDS), "-a", a, "-b", "zzz")
    assert result.exit_code == 1 and "no article with id 'zzz'" in result.output


def test_explain_weighs_with_the_options_of_match_and_says_whether_one_story() -> None:
    a, b, c = seed_id("000"), seed_id("001"), seed_id("002")
    info = json.loads(invoke("explain", str(SEEDS), "-a", b, "-b", a, "--json").output)
    assert (info["a"], info["b"]) == (b, a)  # in the order asked
    assert info["verdict"] == "same_story" and info["one_story"] is True
    strict = json.loads(invoke("explain", str(SEEDS), "-a", a, "-b", b, "--json", "--threshold", "0.9999").output)
    assert strict["verdict"] == "no match" and strict["one_story"] is False and strict["threshold"] == 0.9999
    apart = invoke("explain", str(SEEDS), "-a", a, "-b", c).output
    assert "stories: in different stories" in apart
    missing = invoke("explain", str(SEEDS), "-a", a, "-b", c, "--background", "/no/such/table.npz")
    assert missing.exit_code == 1 and "/no/such/table.npz" in missing.output


def test_two_articles_alone_are_a_story_only_above_the_lone_pair_floor(tmp_path: Path) -> None:
    # The two seed versions of one story match each other and nothing else (probability 0.96).
    a, b = seed_id("000"), seed_id("001")
    out = tmp_path / "r.json"
    assert invoke("match", str(SEEDS), "-o", str(out), "-q", "--no-claims").exit_code == 0
    default = json.loads(out.read_text(encoding="utf-8"))
    assert [s["articles"] for s in default["stories"]] == [[a, b]] and default["stats"]["lone_pairs_apart"] == 0
    assert invoke("match", str(SEEDS), "-o", str(out), "-q", "--no-claims", "--lone-pair-floor", "0.99").exit_code == 0
    strict = json.loads(out.read_text(encoding="utf-8"))
    assert strict["stories"] == [] and strict["pairs"] == [] and strict["stats"]["lone_pairs_apart"] == 1
    said = invoke("explain", str(SEEDS), "-a", a, "-b", b, "--lone-pair-floor", "0.99").output
    assert "stories: not one story: the pair would make a story of the two alone" in said and "0.99 or more" in said
    info = json.loads(invoke("explain", str(SEEDS), "-a", a, "-b", b, "--json").output)
    assert info["lone_pair"] is False and info["one_story"] is True and info["lone_pair_floor"] == 0.5
    # A daily run groups by the same rule.
    for floor, expected in (("0.99", []), ("0.5", [[a, b]])):
        index = tmp_path / f"index-{floor}"
        args = ["match", str(SEEDS), "--index", str(index), "-o", str(out), "-q", "--lone-pair-floor", floor]
        assert invoke(*args).exit_code == 0
        daily = json.loads(out.read_text(encoding="utf-8"))
        assert [s["articles"] for s in daily["stories"]] == expected
        assert daily["stats"]["lone_pairs_apart"] == (1 if floor == "0.99" else 0)


def test_explain_says_when_the_titles_name_different_days(tmp_path: Path) -> None:
    text = (SEEDS / f"{seed_id('000')}.txt").read_text(encoding="utf-8")
    feed = tmp_path / "days.jsonl"
    rows = [
        {"id": "d1", "title": "Bản tin ngày 1/6", "text": text},
        {"id": "d3", "title": "Bản tin ngày 3/6", "text": text},
    ]
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    info = json.loads(invoke("explain", str(feed), "-a", "d1", "-b", "d3", "--json").output)
    assert info["titles_dated_apart"] is True
    shown = invoke("explain", str(feed), "-a", "d1", "-b", "d3").output
    assert "the titles name different days" in shown


@pytest.mark.parametrize("kind", ["empty directory", "empty file", "empty stdin"])
def test_no_articles_fails_or_with_allow_empty_gives_an_empty_report(tmp_path: Path, kind: str) -> None:
    if kind == "empty directory":
        args, stdin = [str(tmp_path)], None
    elif kind == "empty file":
        (tmp_path / "none.jsonl").write_text("", encoding="utf-8")
        args, stdin = [str(tmp_path / "none.jsonl")], None
    else:
        args, stdin = ["-"], "\n"
    failed = CliRunner().invoke(cli, ["match", *args], input=stdin)
    assert failed.exit_code == 1 and "no article in the input" in failed.stderr and not failed.stdout
    result = CliRunner().invoke(cli, ["match", *args, "--allow-empty"], input=stdin)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["articles"] == [] and report["stories"] == [] and report["pairs"] == []
    assert "no article in the input; the report is empty" in result.stderr


def test_explain_needs_two_different_articles() -> None:
    a = seed_id("000")
    result = invoke("explain", str(SEEDS), "-a", a, "-b", a)
    assert result.exit_code == 1 and "two different articles" in result.output


@pytest.mark.parametrize("command", [["claims"], ["explain", "-a", "a", "-b", "b"]])
def test_claims_and_explain_stop_on_bad_input_or_say_what_they_passed_over(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": "a", "text": "Có 1.525 báo cáo viên."}\nnot json\n{"id": "b", "text": "Hơn 1.500 báo cáo viên."}\n',
        encoding="utf-8",
    )
    stopped = CliRunner().invoke(cli, [command[0], str(path), *command[1:]])
    assert stopped.exit_code == 1
    assert f"{path}:2: not valid JSON" in stopped.stderr and "--skip-bad" in stopped.stderr
    assert stopped.exception is None or isinstance(stopped.exception, SystemExit)
    went_on = CliRunner().invoke(cli, [command[0], str(path), *command[1:], "--skip-bad"])
    assert went_on.exit_code == 0, went_on.output
    assert f"passed over {path}:2: not valid JSON" in went_on.stderr
    if command[0] == "claims":
        assert "«1.525 báo cáo viên»" in went_on.stdout and "«Hơn 1.500 báo cáo viên»" in went_on.stdout


def test_a_full_disk_for_the_texts_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    # Files may not grow past 200 kB in this process: the texts of the dev stories (1.1 MB) do not fit.
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000)); "
        "from dedup.cli import cli; cli()"
    )
    args = ["match", str(FIXTURES / "vmds-dev.jsonl"), "-o", str(tmp_path / "r.json")]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "cannot write the temporary file for article texts" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_report_on_stdout_is_utf8_whatever_the_terminal_encoding() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", "match", str(SEEDS), "-q"], capture_output=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    data = json.loads(proc.stdout.decode("utf-8"))
    assert len(data["articles"]) == 5
    assert any("ệ" in a["title"] or "ộ" in a["title"] for a in data["articles"])


def test_the_console_entry_ends_with_the_command_s_status_and_everything_written(tmp_path: Path) -> None:
    # main() ends the process without the interpreter's teardown: nothing may be lost by it.
    out = tmp_path / "out"
    ok = subprocess.run(
        [sys.executable, "-m", "dedup", "match", str(SEEDS), "-o", str(out / "r.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert [p.name for p in out.iterdir()] == ["r.json"]  # no temporary file left beside it
    assert len(json.loads((out / "r.json").read_text(encoding="utf-8"))["articles"]) == 5
    assert "5 articles -> " in ok.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "dedup", "claims", str(SEEDS), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    # Every line the command writes in this process reaches the pipe.
    assert listed.stdout == CliRunner().invoke(cli, ["claims", str(SEEDS), "--format", "json"]).output
    assert len(listed.stdout.splitlines()) >= 20
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\nnot json\n', encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-m", "dedup", "match", str(bad), "-o", str(tmp_path / "x.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert failed.returncode == 1
    assert f"{bad}:2" in failed.stderr and "Traceback" not in failed.stderr
    usage = subprocess.run([sys.executable, "-m", "dedup", "match"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_a_report_goes_through_a_link_to_its_file_and_into_a_pipe(tmp_path: Path) -> None:
    import threading

    real = tmp_path / "reports" / "real.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = invoke("match", str(SEEDS), "-q", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert len(json.loads(real.read_text(encoding="utf-8"))["articles"]) == 5
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.json"]

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = invoke("match", str(SEEDS), "-q", "-o", str(fifo))
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert fifo.is_fifo()  # still a pipe, not replaced by a file
    assert len(json.loads(got[0].decode("utf-8"))["articles"]) == 5


def test_a_closed_pipe_ends_a_report_on_stdout_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", "match", str(FIXTURES / "vmds-dev.jsonl"), "-q", "-o", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b"{")
    proc.stdout.close()  # as `| head -c 100` does
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(120) == 1
    assert err == ""


_TERM_WHILE_WRITING = """
import os, signal, sys
import dedup.cli as cli

write = cli._write_atomically

def stopped_midway(parts, output):
    def parts_then_stop():
        for i, part in enumerate(parts):
            yield part
            if i == 0:
                os.kill(os.getpid(), signal.SIGTERM)
    return write(parts_then_stop(), output)

cli._write_atomically = stopped_midway
sys.argv[0] = "dedup"
cli.main()
"""


def test_sigterm_while_the_report_is_written_leaves_no_file_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", _TERM_WHILE_WRITING, "match", str(SEEDS), "-q", "-o", str(out / "r.json")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 143, proc.stderr
    assert "stopped by SIGTERM" in proc.stderr and "Traceback" not in proc.stderr
    assert list(out.iterdir()) == []  # neither the report nor its temporary file


_TERM_WHERE_IGNORED = """
import os, signal, sys, time
import dedup.cli as cli

write = cli._write_atomically

class Finalised:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)  # its SystemExit is raised here, where Python ignores it
        time.sleep(0.2)

def stop_in_a_finaliser(parts, output):
    Finalised()
    time.sleep(2)  # the stop comes again meanwhile, where it stops the run
    return write(parts, output)

cli._write_atomically = stop_in_a_finaliser
sys.argv[0] = "dedup"
cli.main()
"""


def test_sigterm_that_lands_where_python_ignores_exceptions_still_stops_the_run(tmp_path: Path) -> None:
    """A stop raised in a finaliser or a callback of compiled code is printed and ignored by Python;
    the run sends it again and stops on it: exit 143, no report, nothing printed but the stop."""
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-c", _TERM_WHERE_IGNORED, "match", str(SEEDS), "-q", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 143, proc.stderr
    assert proc.stderr == "dedup: stopped by SIGTERM\n"
    assert not out.exists()


def test_sigterm_while_reading_stops_the_run_and_its_processes(tmp_path: Path) -> None:
    # Standard input left open: the run waits in its reading process until it is stopped.
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", "match", "-", "-o", str(tmp_path / "r.json")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(b'{"id": "a", "text": "C\\u00f3 1.525 b\\u00e1o c\\u00e1o vi\\u00ean."}\n')
    proc.stdin.flush()
    time.sleep(3)
    assert proc.poll() is None  # still reading
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert b"Traceback" not in err
    assert not (tmp_path / "r.json").exists() and list(tmp_path.iterdir()) == []
    # No process of the run is left (the group would still have members).
    assert group_is_gone(proc.pid), "a process of the stopped run is still running"


def test_make_report_is_the_pipeline_step_with_any_output_path(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "reports of today" / "r.md"
    proc = subprocess.run(
        ["make", "-s", "-C", str(root), "report", f"OUT={out}", "FORMAT=md"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("# Match report")
    # Without OUT the report's name follows its format.
    dry = subprocess.run(["make", "-n", "-C", str(root), "report", "FORMAT=html"], capture_output=True, text=True)
    assert '-o "out/report.html" --format html' in dry.stdout
    # Without FORMAT the format follows OUT's extension, as dedup match has it.
    page = subprocess.run(
        ["make", "-n", "-C", str(root), "report", "OUT=out/today.html"], capture_output=True, text=True, check=False
    )
    assert '-o "out/today.html"' in page.stdout and "--format" not in page.stdout
    bad = subprocess.run(
        ["make", "-s", "-C", str(root), "report", f"IN={tmp_path / 'none.jsonl'}", f"OUT={tmp_path / 'x.json'}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "no such file" in bad.stderr and not (tmp_path / "x.json").exists()
    # IN may name a path with spaces, quoted as a shell would take it.
    spaced = tmp_path / "feeds of today"
    shutil.copytree(root / "fixtures" / "seeds", spaced)
    quoted = subprocess.run(
        ["make", "-s", "-C", str(root), "report", f'IN="{spaced}"', f"OUT={tmp_path / 'q.json'}", "ARGS=-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert quoted.returncode == 0, quoted.stderr
    assert len(json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))["articles"]) == 5
    # OUT=- is the report alone on standard output (the command line goes to stderr).
    piped = subprocess.run(
        ["make", "-s", "-C", str(root), "report", "OUT=-", "ARGS=-q"], capture_output=True, text=True, check=False
    )
    assert piped.returncode == 0 and json.loads(piped.stdout)["stories"], piped.stderr


@pytest.mark.parametrize(
    ("name", "opening"),
    [("r.html", "<!doctype html>"), ("r.md", "# "), ("r.csv", "a,b,kind,score,story"), ("r.json", "{\n")],
)
def test_the_format_follows_the_output_extension(tmp_path: Path, name: str, opening: str) -> None:
    out = tmp_path / name
    result = invoke("match", str(SEEDS), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(opening)
    # An explicit --format wins over the extension.
    forced = invoke("match", str(SEEDS), "-o", str(out), "-q", "--format", "json")
    assert forced.exit_code == 0 and json.loads(out.read_text(encoding="utf-8"))["stories"]


def test_csv_has_a_row_per_pair_and_jsonl_a_line_per_story_with_every_article(tmp_path: Path) -> None:
    import csv

    result = invoke("match", str(SEEDS), "-o", str(tmp_path / "r.json"), "-q")
    assert result.exit_code == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert invoke("match", str(SEEDS), "-o", str(tmp_path / "r.csv"), "-q").exit_code == 0
    with open(tmp_path / "r.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["a"], r["b"], r["kind"], float(r["score"])) for r in rows] == [
        (p["a"], p["b"], p["kind"], p["score"]) for p in data["pairs"]
    ]
    titles = {a["id"]: a["title"] for a in data["articles"]}
    assert all(r["a_title"] == titles[r["a"]] and r["b_title"] == titles[r["b"]] for r in rows)
    assert {"a_source", "b_source", "story"} <= set(rows[0])
    assert invoke("match", str(SEEDS), "-o", str(tmp_path / "r.jsonl"), "-q").exit_code == 0
    lines = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    stories = [line for line in lines if line["story"]]
    assert [(s["story"], [a["id"] for a in s["articles"]]) for s in stories] == [
        (s["id"], s["articles"]) for s in data["stories"]
    ]
    assert sorted(a["id"] for line in lines for a in line["articles"]) == sorted(a["id"] for a in data["articles"])


def test_a_run_that_reads_no_article_fails_unless_allowed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = invoke("match", str(empty), "-q")
    assert result.exit_code == 1 and "no article in the input" in result.stderr and "--allow-empty" in result.stderr
    allowed = invoke("match", str(empty), "-q", "--allow-empty")
    assert allowed.exit_code == 0 and json.loads(allowed.stdout)["articles"] == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1"}\n{oops\n', encoding="utf-8")
    rejected = invoke("match", str(bad), "-q", "--skip-bad")
    assert rejected.exit_code == 1 and "every one of the 2 records was rejected" in rejected.stderr
    only_other = tmp_path / "feeds"
    only_other.mkdir()
    (only_other / "a.json").write_text('[{"id": "1", "text": "x"}]\n', encoding="utf-8")
    passed_over = invoke("match", str(only_other), "-q")
    assert passed_over.exit_code == 1 and "a.json" in passed_over.stderr


def test_the_same_record_twice_is_one_article_and_an_id_again_follows_on_duplicate_id(tmp_path: Path) -> None:
    articles, _ = read_articles([str(SEEDS)])
    record = {"id": articles[0].id, "title": articles[0].title, "text": articles[0].text}
    feed = tmp_path / "a.jsonl"
    feed.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    again = tmp_path / "b.jsonl"
    again.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = invoke("match", str(feed), str(again), str(SEEDS / f"{articles[1].id}.txt"), "-q")
    assert result.exit_code == 0, result.output
    assert [a["id"] for a in json.loads(result.stdout)["articles"]] == [articles[0].id, articles[1].id]
    assert "b.jsonl" not in result.stderr  # the same record again: one article, nothing to say
    changed = dict(record, title="Tin đã sửa", text=record["text"] + " Thêm.")
    again.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    other = invoke("match", str(feed), str(again), "-q")
    assert other.exit_code == 1 and "duplicate id" in other.stderr and "with other content" in other.stderr
    assert "--on-duplicate-id" in other.stderr
    titles = {}
    for rule in ("first", "last"):
        kept = invoke(
            "match", str(feed), str(again), str(SEEDS / f"{articles[1].id}.txt"), "-q", "--on-duplicate-id", rule
        )
        assert kept.exit_code == 0, kept.output
        assert f"b.jsonl:1: id {articles[0].id!r} again, other content" in kept.stderr
        data = json.loads(kept.stdout)
        assert [a["id"] for a in data["articles"]] == [articles[0].id, articles[1].id]
        titles[rule] = data["articles"][0]["title"]
    assert titles == {"first": record["title"], "last": "Tin đã sửa"}
    # The text kept is the last one too: explain reads the article as the run did.
    claims = invoke("claims", str(again), "--format", "json")
    assert claims.exit_code == 0


def test_max_rejected_fails_a_run_that_rejects_too_many(tmp_path: Path) -> None:
    good = "".join(json.dumps({"id": str(k), "text": f"Tin số {k} về thời tiết Hà Nội"}) + "\n" for k in range(8))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(good + "{oops\n" + '{"id": "x"}\n', encoding="utf-8")
    for limit, code in (("1", 1), ("2", 0), ("10%", 1), ("20%", 0)):
        result = invoke("match", str(feed), "-q", "--skip-bad", "--max-rejected", limit)
        assert result.exit_code == code, (limit, result.output)
        if code:
            assert f"2 of 10 records rejected (20.0%), more than --max-rejected {limit}" in result.stderr
            assert "feed.jsonl:9" in result.stderr and not result.stdout
    bad = invoke("match", str(feed), "-q", "--skip-bad", "--max-rejected", "lots")
    assert bad.exit_code == 2 and "--max-rejected" in bad.stderr


def test_ndjson_any_case_and_gzip_on_stdin_are_read(tmp_path: Path) -> None:
    import gzip

    articles, _ = read_articles([str(SEEDS)])
    lines = [json.dumps({"id": a.id, "title": a.title, "text": a.text}, ensure_ascii=False) + "\n" for a in articles]
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.NDJSON").write_text("".join(lines[:2]), encoding="utf-8")
    (folder / "b.JSONL").write_text("".join(lines[2:]), encoding="utf-8")
    (folder / "c.json").write_text("[]", encoding="utf-8")
    result = invoke("match", str(folder), "-q")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["articles"]) == 5
    assert "passed over 1 file(s)" in result.stderr and ".json: 1" in result.stderr
    zipped = CliRunner().invoke(cli, ["match", "-", "-q"], input=gzip.compress("".join(lines).encode()))
    assert zipped.exit_code == 0, zipped.output
    assert len(json.loads(zipped.stdout)["stories"]) == 1


def test_an_article_without_title_is_named_by_its_first_sentence(tmp_path: Path) -> None:
    text = "Chiều 12/6, mưa lớn gây ngập nhiều tuyến phố ở Hà Nội. Giao thông ùn tắc kéo dài."
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "1", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text(
        "Tiếng Việt | English\nPrint Thứ tư, 17/05/2023 10:15 Gốc\nMưa lớn ở Hà Nội\n" + text, encoding="utf-8"
    )
    result = invoke("match", str(feed), str(page), "-q", "--allow-empty")
    titles = [a["title"] for a in json.loads(result.stdout)["articles"]]
    assert titles == ["Chiều 12/6, mưa lớn gây ngập nhiều tuyến phố ở Hà Nội.", "Mưa lớn ở Hà Nội"]


def test_max_days_on_undated_articles_is_said_to_do_nothing() -> None:
    result = invoke("match", str(SEEDS), "-q", "--max-days", "3")
    assert result.exit_code == 0
    assert "no article has a publication date" in result.stderr
    assert "publication date" not in invoke("match", str(SEEDS), "-q").stderr


def test_a_damaged_scorer_is_an_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from dedup import cli as cli_module

    broken = tmp_path / "scorer.json"
    broken.write_text('{"features": [', encoding="utf-8")
    monkeypatch.setattr(cli_module, "_DEFAULTS", replace(cli_module._DEFAULTS, scorer=str(broken)))
    result = invoke("match", str(SEEDS), "-q")
    assert result.exit_code == 1 and "scorer.json cannot be read" in result.stderr
    assert "Traceback" not in result.output


def test_progress_is_a_timestamped_line_per_stage_off_a_terminal_and_a_bar_on_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import re

    from dedup.cli import _Progress

    result = invoke("match", str(FIXTURES / "vmds-dev.jsonl"))
    lines = result.stderr.splitlines()
    assert lines and all(re.match(r"dedup: \[\s*\d+\.\ds\] ", line) for line in lines), lines
    assert any("reading and comparing the figures of the" in line for line in lines)
    bar = _Progress(quiet=False)
    bar.tty = True
    bar.step("claims", 5, 10)
    bar.step("claims", 10, 10)
    bar("done")
    err = capsys.readouterr().err
    assert "\rdedup: claims   [" + "#" * 15 + "." * 15 + "] 5/10" in err
    assert "] 10/10\n" in err and err.endswith("dedup: done\n")
    quiet = _Progress(quiet=True)
    quiet.tty = True
    quiet.step("claims", 1, 2)
    quiet("x")
    assert capsys.readouterr().err == ""


def test_every_package_dedup_imports_is_declared() -> None:
    import ast
    import configparser
    import sys as _sys

    root = Path(__file__).resolve().parent.parent
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    # Required packages, and the optional ones of the engine extras (the Spark engine's).
    listed = config["options"]["install_requires"] + config["options.extras_require"]["spark"]
    declared = {
        line.split(">")[0].split("<")[0].split("=")[0].strip().lower().replace("-", "_")
        for line in listed.splitlines()
        if line.strip() and not line.strip().startswith("#")
    }
    names = {"scikit_learn": "sklearn"}
    declared = {names.get(d, d) for d in declared}
    imported = set()
    for path in (root / "dedup").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in _sys.stdlib_module_names and m != "dedup"}
    assert third_party <= declared, third_party - declared


def test_an_output_that_would_replace_an_input_or_the_index_stops_the_run_before_any_work(tmp_path: Path) -> None:
    """-o naming an input, a file of the index or a directory is refused at once: nothing written."""
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x", "text": "Có 1.525 báo cáo viên."}\n', encoding="utf-8")
    before = feed.read_bytes()
    same = invoke("match", str(feed), "-q", "-o", str(feed))
    assert same.exit_code == 2 and "is one of the inputs" in same.stderr
    assert feed.read_bytes() == before
    index = tmp_path / "index"
    inside = invoke("match", str(feed), "-q", "--index", str(index), "-o", str(index / "index.sqlite"))
    assert inside.exit_code == 2 and "inside the index" in inside.stderr
    assert not index.exists()  # refused before the index was made
    folder = invoke("match", str(feed), "-q", "--index", str(index), "-o", str(tmp_path))
    assert folder.exit_code == 2 and "is a directory" in folder.stderr
    assert not index.exists()
    under_a_file = invoke("match", str(feed), "-q", "-o", str(feed / "r.json"))
    assert under_a_file.exit_code == 2 and "is not a directory" in under_a_file.stderr
    fine = invoke("match", str(feed), "-q", "-o", str(tmp_path / "new" / "r.json"))
    assert fine.exit_code == 0 and (tmp_path / "new" / "r.json").exists()


def test_options_that_would_do_nothing_are_refused() -> None:
    """An option of --index runs without --index, or --max-rejected without --skip-bad, would be
    ignored without a word: the run is refused instead, saying what goes with it."""
    for extra in (["--window-days", "3"], ["--update"], ["--lock-timeout", "5"]):
        result = invoke("match", str(SEEDS), "-q", *extra)
        assert result.exit_code == 2 and f"{extra[0]} is for runs against an index" in result.stderr, extra
    result = invoke("match", str(SEEDS), "-q", "--max-rejected", "5")
    assert result.exit_code == 2 and "add --skip-bad" in result.stderr
    assert invoke("match", str(SEEDS), "-q", "--max-rejected", "5", "--skip-bad").exit_code == 0
