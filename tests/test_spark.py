"""The Spark engine gives the local engine's report: the same stages, on Spark tasks."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import io, pipeline, report, spark
from dedup.cli import cli
from dedup.config import MatchConfig

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "baomoi-sample.jsonl.gz"

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def session():
    """One local Spark session (two cores, as a small machine has) for the module's tests."""
    s = spark.session("local[2]")
    yield s
    s.stop()


def _local(inputs: list[str], config: MatchConfig, **read: object) -> str:
    articles, rejected = io.read_articles(inputs, **read)  # type: ignore[arg-type]
    return report.to_json(pipeline.run(articles, config, rejected=rejected))


@pytest.mark.slow
def test_sample_report_equals_the_local_engines(session) -> None:
    """2,931 real articles (ranked among the shipped reference articles): every article, pair,
    story, compared figure, fact and count of the Spark report is the local one's."""
    config = MatchConfig()
    local = _local([str(SAMPLE)], config)
    # Groups of 1,500 articles: the pairs are scored in six tasks, within and across groups.
    found = spark.run([str(SAMPLE)], config, spark=session, group_size=1500)
    assert report.to_json(found) == local
    assert len(found.stories) > 300 and sum(len(s.claims) for s in found.stories) > 100
    kinds = {m.kind for m in found.matches}
    assert kinds == {"duplicate", "same_story"}


def _records(path: Path, records: list[dict | str]) -> str:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _sample_records(k: int) -> list[dict]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        return [json.loads(next(f)) for _ in range(k)]


def test_repeated_ids_bad_records_and_input_order_as_the_local_reader(session, tmp_path) -> None:
    """Bad lines listed with their file and line, an id repeated with other content kept by
    --on-duplicate-id, a record repeated as it was read once, a file named twice read once: the
    report is the local engine's, articles in input order."""
    recs = _sample_records(6)
    first = _records(tmp_path / "a.jsonl", [recs[0], recs[1], "{not json", recs[2]])
    changed = dict(recs[1], text=recs[1]["text"] + " Cập nhật.")
    second = _records(tmp_path / "b.jsonl", [recs[3], changed, recs[0], {"id": "x"}, recs[4]])
    config = replace(MatchConfig(), reference=None)
    inputs = [first, second, first]
    cached = session.sparkContext._jsc.getPersistentRDDs().size()
    for rule in ("first", "last"):
        local = _local(inputs, config, skip_bad=True, on_duplicate_id=rule)
        found = spark.run(inputs, config, skip_bad=True, on_duplicate_id=rule, spark=session)
        # The run released what it cached in the caller's session.
        assert session.sparkContext._jsc.getPersistentRDDs().size() == cached
        assert report.to_json(found) == local
        assert [r.origin for r in found.rejected] == [f"{first}:3", f"{second}:4"]
    kept = json.loads(report.to_json(found))["articles"]
    assert [a["id"] for a in kept] == [recs[k]["id"] for k in (0, 1, 2, 3, 4)]


def test_a_bad_line_stops_the_run_naming_file_and_line(session, tmp_path) -> None:
    recs = _sample_records(2)
    path = _records(tmp_path / "feed.jsonl", [recs[0], '{"id": "b", "text": ', recs[1]])
    result = CliRunner().invoke(cli, ["match", path, "--engine", "spark", "-q"])
    assert result.exit_code == 1
    assert f"Error: {path}:2: not valid JSON" in result.output
    assert "Traceback" not in result.output


def test_same_cli_report_as_the_local_engine(session, tmp_path) -> None:
    """`dedup match --engine spark` writes the report `dedup match` writes (the seed articles)."""
    seeds = str(ROOT / "fixtures" / "seeds")
    local_out, spark_out = tmp_path / "local.json", tmp_path / "spark.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["match", seeds, "-o", str(local_out), "-q"]).exit_code == 0
    result = runner.invoke(cli, ["match", seeds, "--engine", "spark", "-o", str(spark_out), "-q"])
    assert result.exit_code == 0, result.output
    assert spark_out.read_text(encoding="utf-8") == local_out.read_text(encoding="utf-8")
    assert json.loads(spark_out.read_text(encoding="utf-8"))["stories"]


def test_input_the_engine_cannot_read(session, tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["match", "-", "--engine", "spark"], input="{}\n")
    assert result.exit_code == 1 and "Error: -: the Spark engine reads files" in result.output
    result = runner.invoke(cli, ["match", str(tmp_path / "none-*.jsonl"), "--engine", "spark"])
    assert result.exit_code == 1 and "no file matches" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--master", "local[2]"], "--master is for --engine spark"),
        (["--engine", "spark", "--index", "idx"], "--index runs on the local engine"),
    ],
)
def test_options_that_do_not_go_together(args: list[str], message: str, tmp_path) -> None:
    result = CliRunner().invoke(cli, ["match", str(ROOT / "fixtures" / "seeds"), *args])
    assert result.exit_code == 2 and message in result.output


def test_input_of_only_bad_records_gives_the_local_engines_empty_report(session, tmp_path) -> None:
    path = _records(tmp_path / "bad.jsonl", ["{not json", '{"id": "x"}'])
    config = replace(MatchConfig(), reference=None)
    found = spark.run([path], config, skip_bad=True, spark=session)
    assert report.to_json(found) == _local([path], config, skip_bad=True)
    assert len(found.rejected) == 2 and not found.articles


def test_a_uri_glob_over_several_files_reads_each_in_order(session, tmp_path) -> None:
    """Files a URI names (here file://, read through Spark's filesystem as hdfs:// or s3a:// are)
    are read in name order, each with its own line numbers: the local engine's report of the same
    files, but for the names in the records' origins."""
    recs = _sample_records(6)
    feed = tmp_path / "feed"
    feed.mkdir()
    a = _records(feed / "a.jsonl", [recs[0], "{bad", recs[1]])
    b = _records(feed / "b.jsonl", [recs[2], "{bad", recs[3], recs[0]])
    (feed / "notes.txt.bak").write_text("not an article file")
    config = replace(MatchConfig(), reference=None)
    found = spark.run([f"file://{feed}/*.jsonl"], config, skip_bad=True, spark=session)
    local = json.loads(_local([a, b], config, skip_bad=True))
    mine = json.loads(report.to_json(found))
    assert [r["origin"].rsplit("/", 1)[-1] for r in mine["rejected"]] == ["a.jsonl:2", "b.jsonl:2"]
    assert all(r["origin"].startswith("file:") for r in mine["rejected"])
    for key in ("articles", "pairs", "stories"):
        assert mine[key] == local[key]


def test_files_a_task_cannot_read_stop_the_run_with_a_message(session, tmp_path) -> None:
    recs = _sample_records(2)
    good = _records(tmp_path / "good.jsonl", recs)
    (tmp_path / "data.csv").write_text("id,text\n")
    warned: list[str] = []
    found = spark.run([str(tmp_path / "*")], replace(MatchConfig(), reference=None), spark=session, warn=warned.append)
    assert [a.id for a in found.articles] == [r["id"] for r in recs]
    assert any("data.csv" in w for w in warned)
    # Named as a file, a file of another kind fails in the task that reads it: said as locally.
    csv = str(tmp_path / "data.csv")
    result = CliRunner().invoke(cli, ["match", good, csv, "--engine", "spark", "-q"])
    local = CliRunner().invoke(cli, ["match", good, csv, "-q"])
    assert result.exit_code == 1, result.output
    assert f"Error: {csv}: not an article file" in result.output and "Traceback" not in result.output
    assert result.output == local.output


@pytest.mark.slow
def test_a_quiet_run_prints_none_of_the_jvms_start_up_log(tmp_path) -> None:
    """`-q` on the Spark engine: the driver's log is errors only (dedup/data/spark-log4j2.properties),
    so neither Spark's start-up warnings nor its note on the log level reach standard error."""
    import subprocess
    import sys

    out = tmp_path / "report.json"
    args = [sys.executable, "-m", "dedup", "match", str(ROOT / "fixtures" / "seeds"), "--engine", "spark", "-q"]
    done = subprocess.run([*args, "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["stories"]
    for noise in ("log4j", "Setting default log level", "setLogLevel", " WARN ", " INFO "):
        assert noise not in done.stderr, done.stderr


def test_too_many_rejected_records_stop_the_job_right_after_reading(session, tmp_path) -> None:
    """--max-rejected is judged as soon as the records are read, not after the whole job."""
    recs = _sample_records(3)
    path = _records(tmp_path / "feed.jsonl", [recs[0], "{not json", recs[1], recs[2]])
    args = ["match", path, "--engine", "spark", "--skip-bad", "-o", str(tmp_path / "r.json")]
    result = CliRunner().invoke(cli, [*args, "--max-rejected", "0"])
    assert result.exit_code == 1, result.output
    assert f"1 of 4 records rejected (25.0%), more than --max-rejected 0; the first at {path}:2" in result.output
    assert "3 articles read, 1 rejected" in result.output and "hashing" not in result.output
    assert not (tmp_path / "r.json").exists()
    assert CliRunner().invoke(cli, [*args, "--max-rejected", "1", "-q"]).exit_code == 0
