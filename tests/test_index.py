"""`dedup match INPUT... --index DIR` and `dedup index stats/export/prune`: a persistent SQLite index
fed in batches (fixtures/vmds-dev.jsonl split by publication date), checked through the command
line, the export and the SQLite file itself."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from dedup import io, normalize, similarity, store
from dedup.cli import cli
from dedup.io import parse_published
from tests.conftest import FIXTURES

DEV = FIXTURES / "vmds-dev.jsonl"
ROOT = Path(__file__).resolve().parent.parent


# ---- helpers -------------------------------------------------------------------------------------


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def dedup_proc(*args: str | Path, **kw: Any) -> subprocess.Popen[str]:
    """`python -m dedup ARGS` in a session of its own (so that anything it leaves can be found)."""
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=ROOT,
        **kw,
    )


def reap(proc: subprocess.Popen[str]) -> None:
    """Wait for a process started here, then stop whatever it left in its own process group."""
    proc.wait(timeout=120)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def export(directory: Path) -> list[dict[str, Any]]:
    result = invoke("index", "export", directory)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def stats(directory: Path) -> dict[str, Any]:
    result = invoke("index", "stats", directory, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def db_path(directory: Path) -> Path:
    return directory / store.DATABASE


def runs_count(directory: Path) -> int:
    with sqlite3.connect(db_path(directory)) as db:
        return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def story_table(directory: Path) -> dict[str, tuple[str, int, str, str | None]]:
    """story id -> (founder, created_run, state, merged_into)"""
    with sqlite3.connect(db_path(directory)) as db:
        rows = db.execute("SELECT id, founder, created_run, state, merged_into FROM stories").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}  # type: ignore[misc]


def snapshot(directory: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the index (the time a run was written at left out; figures
    unpickled), to tell an index left exactly as it was."""
    db = sqlite3.connect(db_path(directory))
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {}
        for table in tables:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if (table, r[1]) != ("runs", "at")]
            rows = db.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
            if table == "articles":
                # Figures are pickled sets of words, whose order changes from process to process.
                at = cols.index("figures")
                rows = [(*r[:at], store.read_figures(r[at]), *r[at + 1 :]) for r in rows]
            out[table] = sorted(rows, key=lambda r: repr(r[:2]))
        return out
    finally:
        db.close()


def integrity(directory: Path) -> str:
    db = sqlite3.connect(db_path(directory))
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def same_story_pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {pair for g in groups for pair in itertools.combinations(sorted(g), 2)}


def groups_of_export(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["story"] is not None:
            groups[r["story"]].append(r["id"])
    return dict(groups)


def story_digest(seed: str) -> str:
    return "s" + hashlib.blake2b(seed.encode("utf-8"), digest_size=5).hexdigest()


def without_run(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "run"} for r in rows]


# ---- two batches of vmds-dev, built once -----------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    rows: list[dict[str, Any]]  # every input record, by publication time then id
    batch1: Path
    batch2: Path
    after1: Path  # an index holding batch 1 (never changed by a test: copy it)
    after2: Path  # the same index after batch 2
    export1: list[dict[str, Any]]
    export2: list[dict[str, Any]]
    stories1: dict[str, tuple[str, int, str, str | None]]
    stories2: dict[str, tuple[str, int, str, str | None]]
    report2: dict[str, Any]
    stderr2: str

    def copy(self, which: Path, to: Path) -> Path:
        shutil.copytree(which, to)
        return to

    def ids(self, batch: Path) -> list[str]:
        return [r["id"] for r in read_rows(batch)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("index")
    rows = read_rows(DEV)
    rows.sort(key=lambda r: (parse_published(r["published"]), r["id"]))
    half = len(rows) // 2
    batch1 = write_rows(root / "batch1.jsonl", rows[:half])
    batch2 = write_rows(root / "batch2.jsonl", rows[half:])
    work = root / "work"
    first = invoke("match", batch1, "--index", work, "-q", "-o", root / "report1.json")
    assert first.exit_code == 0, first.output
    after1 = shutil.copytree(work, root / "after1")
    second = invoke("match", batch2, "--index", work, "-o", root / "report2.json")
    assert second.exit_code == 0, second.output
    after2 = shutil.copytree(work, root / "after2")
    return Corpus(
        root, rows, batch1, batch2, after1, after2, export(after1), export(after2),
        story_table(after1), story_table(after2),
        json.loads((root / "report2.json").read_text(encoding="utf-8")), second.stderr,
    )  # fmt: skip


# ---- 1. two batches ------------------------------------------------------------------------------


def test_two_batches_index_every_article_once(corpus: Corpus) -> None:
    rows = corpus.export2
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 312
    assert set(ids) == {r["id"] for r in corpus.rows}
    source = {r["id"]: r for r in corpus.rows}
    for r in rows:
        assert {"id", "story", "published", "source"} <= set(r)
        assert r["source"] == source[r["id"]]["source"]
        assert r["published"] == parse_published(source[r["id"]]["published"]).isoformat(timespec="minutes")
    run_of = {r["id"]: r["run"] for r in rows}
    assert {run_of[i] for i in corpus.ids(corpus.batch1)} == {1}
    assert {run_of[i] for i in corpus.ids(corpus.batch2)} == {2}

    figures = stats(corpus.after2)
    groups = groups_of_export(rows)
    assert figures["runs"] == 2
    assert figures["articles"] == 312
    assert figures["articles_in_stories"] == sum(len(g) for g in groups.values())
    assert figures["stories"] == len(groups)  # live stories are exactly those with articles
    states = corpus.stories2
    assert figures["stories_merged"] == sum(s[2] == "merged" for s in states.values())
    assert figures["stories_dissolved"] == sum(s[2] == "dissolved" for s in states.values())
    assert all(len(g) >= 2 for g in groups.values())
    assert all(states[sid][2] == "live" for sid in groups)


def test_story_ids_of_the_first_batch_follow_the_naming_rules(corpus: Corpus) -> None:
    """A story keeps its id while the group holding its oldest article lives on (a story that
    splits leaves its id with that group); it changes only when recorded as merged into another;
    ids are never reused; a new story's id is the digest of its smallest article id."""
    before = {r["id"]: r for r in corpus.export1}
    after = {r["id"]: r for r in corpus.export2}
    states = corpus.stories2

    def resolved(sid: str) -> str:
        seen = set()
        while states[sid][2] == "merged":
            assert sid not in seen, f"merge cycle at {sid}"
            seen.add(sid)
            sid = states[sid][3]  # type: ignore[assignment]
        return sid

    # Every story of run 1 is still known with its founder and run; none is forgotten.
    for sid, (founder, created, _state, _into) in corpus.stories1.items():
        assert states[sid][:2] == (founder, created)
    old_groups = groups_of_export(corpus.export1)
    age = lambda aid: (after[aid]["published"], aid)  # noqa: E731
    for sid, members in old_groups.items():
        grouped = [a for a in members if after[a]["story"] is not None]
        if not grouped:
            assert states[sid][2] == "dissolved", sid
            continue
        assert states[sid][2] != "dissolved", sid
        heir = min(grouped, key=age)
        assert after[heir]["story"] == resolved(sid), (sid, heir)
        # Articles of run 1 in the heir's story keep their story id (or the one it merged into).
        for a in grouped:
            if after[a]["story"] == after[heir]["story"]:
                assert after[a]["story"] == resolved(before[a]["story"]), a
    # Stories made by run 2: new ids, never ids of run 1, named after their smallest article.
    groups = groups_of_export(corpus.export2)
    for sid, members in groups.items():
        founder, created, state, _into = states[sid]
        assert state == "live"
        if sid not in corpus.stories1:
            assert created == 2
            assert founder == min(members)
            assert sid in {story_digest(founder if k == 0 else f"{founder}#{k}") for k in range(5)}
    merged = {sid for sid, s in states.items() if s[2] == "merged"}
    assert not merged & set(groups)


def test_report_of_the_second_run_lists_its_articles_and_the_earlier_ones(corpus: Corpus) -> None:
    report = corpus.report2
    listed = [a["id"] for a in report["articles"]]
    assert len(listed) == len(set(listed))
    batch2 = corpus.ids(corpus.batch2)
    batch1 = set(corpus.ids(corpus.batch1))
    ours = [a for a in report["articles"] if a["id"] in set(batch2)]
    assert sorted(a["id"] for a in ours) == sorted(batch2)
    assert not any("earlier" in a for a in ours)
    earlier = [a for a in report["articles"] if a["id"] not in set(batch2)]
    assert earlier, "run 2 joined no article of run 1: the test data no longer test this"
    assert all(a.get("earlier") is True for a in earlier)
    assert {a["id"] for a in earlier} <= batch1
    assert report["stats"]["earlier_articles"] == len(earlier)
    assert report["stats"]["articles"] == len(batch2)
    assert report["stats"]["index"]["run"] == 2 and report["stats"]["index"]["added"] == len(batch2)

    # The report's stories are the index's stories of run 2's articles, with every member.
    groups = groups_of_export(corpus.export2)
    story_of = {r["id"]: r["story"] for r in corpus.export2}
    assert {s["id"] for s in report["stories"]} == {story_of[i] for i in batch2 if story_of[i]}
    in_stories = set()
    for s in report["stories"]:
        assert set(s["articles"]) <= set(listed), s["id"]
        assert sorted(s["articles"]) == sorted(groups[s["id"]])
        in_stories |= set(s["articles"])
    assert {a["id"] for a in earlier} <= in_stories  # an earlier article is there for its story
    for a in report["articles"]:
        assert a.get("story") == story_of[a["id"]]
    assert "run 2 written to the index: 156 articles" in corpus.stderr2


# ---- 2. agreement with one run over everything ------------------------------------------------------


def test_two_batches_agree_with_one_run_over_everything(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "one.json"
    result = invoke("match", DEV, "-q", "--no-claims", "-o", out)
    assert result.exit_code == 0, result.output
    one = json.loads(out.read_text(encoding="utf-8"))
    whole = same_story_pairs([s["articles"] for s in one["stories"]])
    batched = same_story_pairs(list(groups_of_export(corpus.export2).values()))
    assert whole and batched
    both = len(whole & batched)
    f1 = 2 * both / (len(whole) + len(batched))
    assert f1 >= 0.95, (f1, len(whole), len(batched), both)


# ---- 3. a re-run changes nothing -------------------------------------------------------------------


@pytest.mark.parametrize("batch", ["batch1", "batch2"])
def test_running_a_batch_again_changes_nothing(corpus: Corpus, tmp_path: Path, batch: str) -> None:
    index = corpus.copy(corpus.after2, tmp_path / "index")
    before = snapshot(index)
    source = getattr(corpus, batch)
    out = tmp_path / "again.json"
    result = invoke("match", source, "--index", index, "-o", out)
    assert result.exit_code == 0, result.output
    assert "nothing new: the index is unchanged" in result.stderr
    assert "156 of the 156 articles already indexed as they are" in result.stderr
    assert "written to the index" not in result.stderr
    assert runs_count(index) == 2
    assert export(index) == corpus.export2
    assert snapshot(index) == before
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["stats"]["index"]["run"] is None and report["stats"]["index"]["unchanged"] == 156
    assert sorted(a["id"] for a in report["articles"] if not a.get("earlier")) == sorted(corpus.ids(source))


def test_a_batch_of_indexed_and_new_articles_adds_only_the_new_ones(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after1, tmp_path / "index")
    both = write_rows(tmp_path / "both.jsonl", read_rows(corpus.batch2) + read_rows(corpus.batch1))
    result = invoke("match", both, "--index", index, "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert "156 of the 312 articles already indexed as they are" in result.stderr
    assert export(index) == corpus.export2  # as if batch 2 had come alone
    with sqlite3.connect(db_path(index)) as db:
        assert db.execute("SELECT added, replaced, unchanged FROM runs WHERE run = 2").fetchone() == (156, 0, 156)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    listed = [a["id"] for a in report["articles"]]
    assert sorted(listed) == sorted(r["id"] for r in corpus.rows)  # every input article, once
    assert not any(a.get("earlier") for a in report["articles"])


# ---- 4. an indexed id with another text ------------------------------------------------------------


def test_an_indexed_id_with_another_text_is_an_error_or_with_update_replaces_it(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after2, tmp_path / "index")
    before = snapshot(index)
    rows = read_rows(corpus.batch1)[:3]
    changed = dict(rows[2], title=rows[2]["title"] + " (cập nhật)", text=rows[2]["text"] + "\nThêm một câu mới.")
    path = write_rows(tmp_path / "changed.jsonl", [rows[0], rows[1], changed])
    result = invoke("match", path, "--index", index, "-o", tmp_path / "r.json")
    assert result.exit_code == 1
    assert f"{path}:3" in result.output
    assert repr(changed["id"]) in result.output and "--update" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "r.json").exists()
    assert snapshot(index) == before

    result = invoke("match", path, "--index", index, "--update", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    rows_after = export(index)
    ids = [r["id"] for r in rows_after]
    assert len(ids) == len(set(ids)) == 312
    (mine,) = [r for r in rows_after if r["id"] == changed["id"]]
    assert mine["title"] == changed["title"] and mine["run"] == 3
    assert runs_count(index) == 3
    with sqlite3.connect(db_path(index)) as db:
        row = db.execute("SELECT added, replaced, unchanged FROM runs WHERE run = 3").fetchone()
        origin = db.execute("SELECT origin FROM articles WHERE id = ?", (changed["id"],)).fetchone()[0]
    assert row == (1, 1, 2)
    assert origin == f"{path}:3"
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["stats"]["index"]["replaced"] == 1 and report["stats"]["index"]["added"] == 0
    # The same changed file again: now it is what the index holds.
    again = invoke("match", path, "--index", index, "-o", tmp_path / "r2.json")
    assert again.exit_code == 0, again.output
    assert "nothing new" in again.stderr and runs_count(index) == 3


def _unrelated(row: dict[str, Any]) -> dict[str, Any]:
    """`row` sent again with a text about something else."""
    return dict(
        row,
        title="Thời tiết Hà Nội hôm nay",
        text="Sáng nay trời Hà Nội mưa nhỏ, nhiệt độ khoảng 25 độ C.\nDự báo ngày mai trời nắng nhẹ, gió yếu.",
    )


def _document_frequencies_recounted(index: Path) -> tuple[Any, Any]:
    """The index's document frequencies, and the same counted again over the articles it holds."""
    with store.Index.open(index, create=False) as ix:
        ids = [r[0] for r in ix.db.execute("SELECT id FROM articles ORDER BY id")]
        _sig, values, _off = store.read_features(ix.features(ids), ix._num_perm())
        kept = ix.document_frequencies().astype(np.int64)
    use = np.zeros(similarity.N_FEATURES, dtype=np.int64)
    np.add.at(use, values["columns"].astype(np.int64), 1)
    return kept, use


def test_document_frequencies_count_the_indexed_articles(corpus: Corpus, tmp_path: Path) -> None:
    kept, use = _document_frequencies_recounted(corpus.after2)
    assert (kept == use).all()
    index = corpus.copy(corpus.after2, tmp_path / "index")
    assert invoke("index", "prune", index, "--before", "2013-10-22").exit_code == 0
    kept, use = _document_frequencies_recounted(index)
    assert (kept == use).all()


def test_update_keeps_document_frequencies_of_the_indexed_articles(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after2, tmp_path / "index")
    row = read_rows(corpus.batch2)[0]
    path = write_rows(tmp_path / "changed.jsonl", [_unrelated(row)])
    result = invoke("match", path, "--index", index, "--update", "-q", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    kept, use = _document_frequencies_recounted(index)
    assert (kept == use).all(), f"{int((kept != use).sum())} columns differ"


def test_update_of_an_article_whose_partner_is_outside_the_window_dissolves_their_story(
    corpus: Corpus, tmp_path: Path
) -> None:
    groups = groups_of_export(corpus.export2)
    published = {r["id"]: r["published"] for r in corpus.export2}
    # A story of two articles of different days: the later one is replaced by an unrelated text,
    # and with --window-days 0 the earlier one is outside the run's window.
    sid, (earlier, later) = next(
        (sid, sorted(m, key=lambda a: published[a]))
        for sid, m in sorted(groups.items())
        if len(m) == 2 and len({published[a][:10] for a in m}) == 2
    )
    index = corpus.copy(corpus.after2, tmp_path / "index")
    row = next(r for r in corpus.rows if r["id"] == later)
    path = write_rows(tmp_path / "changed.jsonl", [_unrelated({k: v for k, v in row.items() if k != "story"})])
    result = invoke("match", path, "--index", index, "--update", "--window-days", "0", "-q", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in export(index)}
    assert rows[later]["story"] is None
    after = groups_of_export(list(rows.values()))
    assert all(len(m) >= 2 for m in after.values()), {s: m for s, m in after.items() if len(m) < 2}
    assert rows[earlier]["story"] is None and story_table(index)[sid][2] == "dissolved"
    assert stats(index)["stories"] == len(after)


# ---- 5. story ids do not depend on the input's order -----------------------------------------------


def test_story_ids_do_not_depend_on_the_input_order(corpus: Corpus, tmp_path: Path) -> None:
    index = tmp_path / "index"
    for batch, expected in ((corpus.batch1, corpus.export1), (corpus.batch2, corpus.export2)):
        reversed_batch = write_rows(tmp_path / f"reversed-{batch.name}", read_rows(batch)[::-1])
        result = invoke("match", reversed_batch, "--index", index, "-q", "-o", tmp_path / "r.json")
        assert result.exit_code == 0, result.output
        assert without_run(export(index)) == without_run(expected)


def _pair_and_bridge(corpus: Corpus) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Two stories of two articles each (an article and a copy of it from another outlet, about
    two different events), and two articles telling both events, which join them."""
    p = corpus.rows[0]
    q = next(r for r in corpus.rows if r["story"] != p["story"] and len(r["text"]) > 1500)

    def art(aid: str, source: str, title: str, text: str, at: str) -> dict[str, Any]:
        return {"id": aid, "source": source, "title": title, "text": text, "published": f"01/11/2013 {at}"}

    ps = [
        art("p1", "a.vn", p["title"], p["text"], "08:00"),
        art("p2", "b.vn", "Tin: " + p["title"], p["text"] + "\nTheo báo chí.", "09:00"),
    ]
    qs = [
        art("q1", "c.vn", q["title"], q["text"], "08:30"),
        art("q2", "d.vn", "Tin: " + q["title"], q["text"] + "\nTheo TTXVN.", "09:30"),
    ]
    bridge = [
        art("m1", "e.vn", f"{p['title']} và {q['title']}", p["text"] + "\n" + q["text"], "12:00"),
        art("m2", "f.vn", f"{q['title']} và {p['title']}", q["text"] + "\n" + p["text"], "12:30"),
    ]
    return ps, qs, bridge


@pytest.mark.parametrize("together", [True, False])
def test_stories_joined_by_a_later_run_keep_the_older_story_id(corpus: Corpus, tmp_path: Path, together: bool) -> None:
    """Two stories joined: the one made in the earlier run survives (made in the same run: the
    smaller id), the other is recorded as merged into it."""
    ps, qs, bridge = _pair_and_bridge(corpus)
    index = tmp_path / "index"
    batches = [ps + qs, bridge] if together else [ps, qs, bridge]
    for k, batch in enumerate(batches):
        path = write_rows(tmp_path / f"b{k}.jsonl", batch)
        result = invoke("match", path, "--index", index, "-q", "-o", tmp_path / f"r{k}.json")
        assert result.exit_code == 0, result.output
        if k == len(batches) - 2:
            before = {r["id"]: r["story"] for r in export(index)}
    sp, sq = before["p1"], before["q1"]
    assert sp and sq and sp != sq and before["p2"] == sp and before["q2"] == sq
    assert sp == story_digest("p1") and sq == story_digest("q1")
    rows = export(index)
    stories = {r["story"] for r in rows}
    assert len(stories) == 1, rows
    (survivor,) = stories
    expected = min(sp, sq) if together else sp  # made in the same run: the smaller id; else the older
    other = sq if survivor == sp else sp
    assert survivor == expected
    table = story_table(index)
    assert table[survivor][2] == "live" and table[other][2:] == ("merged", survivor)
    figures = stats(index)
    assert (figures["stories"], figures["stories_merged"], figures["articles_in_stories"]) == (1, 1, 6)
    report = json.loads((tmp_path / f"r{len(batches) - 1}.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in report["stories"]] == [survivor]
    assert sorted(report["stories"][0]["articles"]) == ["m1", "m2", "p1", "p2", "q1", "q2"]


# ---- 6. a run killed at any moment -----------------------------------------------------------------

# A run that kills itself with SIGKILL inside Index.commit: just before its COMMIT (every change of
# the run written, none committed) or just after it.
_KILL_IN_COMMIT = """
import os, signal, sys
from dedup import cli, store

WHEN = os.environ["DEDUP_TEST_KILL"]
commit = store.Index.commit


class Killing:
    def __init__(self, db):
        self.db = db

    def execute(self, sql, *args):
        if sql == "COMMIT" and WHEN == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        out = self.db.execute(sql, *args)
        if sql == "COMMIT" and WHEN == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return out

    def __getattr__(self, name):
        return getattr(self.db, name)


def killed_commit(self, changes):
    self.db = Killing(self.db)
    return commit(self, changes)


store.Index.commit = killed_commit
sys.argv[0] = "dedup"
cli.main()
"""


def _state(index: Path, corpus: Corpus) -> str:
    """'before' or 'after' batch 2, checking the index is exactly one of them and sound."""
    assert integrity(index) == "ok"
    rows = export(index)
    runs = runs_count(index)
    if runs == 1:
        assert rows == corpus.export1
        assert snapshot(index) == snapshot(corpus.after1)
        return "before"
    assert runs == 2
    assert rows == corpus.export2
    assert snapshot(index) == snapshot(corpus.after2)
    return "after"


def test_a_run_killed_at_any_moment_leaves_the_index_as_it_was_or_as_after_it(corpus: Corpus, tmp_path: Path) -> None:
    outcomes = []
    for k, moment in enumerate([0.5, 1.5, 2.5, "marker"]):
        index = corpus.copy(corpus.after1, tmp_path / f"index{k}")
        proc = dedup_proc("match", corpus.batch2, "--index", index, "-o", tmp_path / f"r{k}.json")
        assert proc.stderr is not None
        try:
            if moment == "marker":
                # Right before the commit: the last line a run says before writing to the index.
                for line in proc.stderr:
                    if "confirmed pairs in the window" in line:
                        break
            else:
                time.sleep(moment)
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        finally:
            reap(proc)
        state = _state(index, corpus)
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0 and state == "after"
        outcomes.append(state)
    # Killed half a second in, a run has not even read its input.
    assert outcomes[0] == "before", outcomes

    for when, expected in (("before", "before"), ("after", "after")):
        index = corpus.copy(corpus.after1, tmp_path / f"commit-{when}")
        proc = subprocess.run(
            [sys.executable, "-c", _KILL_IN_COMMIT, "match", str(corpus.batch2), "--index", str(index), "-q",
             "-o", str(tmp_path / "x.json")],
            env=dict(os.environ, DEDUP_TEST_KILL=when), capture_output=True, text=True, timeout=120, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert _state(index, corpus) == expected

    # A killed run leaves the lock free: the next run goes ahead and does the whole batch.
    index = tmp_path / "commit-before"
    lock = index / store.LOCK
    result = invoke("match", corpus.batch2, "--index", index, "-q", "--lock-timeout", "0", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert _state(index, corpus) == "after"
    assert lock.exists()


# ---- 7. locking ----------------------------------------------------------------------------------


def test_a_run_on_an_index_in_use_waits_then_fails(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after1, tmp_path / "index")
    before = snapshot(index)
    with store.Index.open(index) as held, held.locked(0):
        result = invoke("match", corpus.batch2, "--index", index, "--lock-timeout", "0.5", "-o", tmp_path / "r.json")
        pruned = invoke("index", "prune", index, "--before", "2013-10-30", "--lock-timeout", "0")
    assert result.exit_code == 1
    assert "in use" in result.output and "--lock-timeout" in result.output
    assert f"process {os.getpid()}" in result.output  # who holds it
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists()
    assert pruned.exit_code == 1 and "in use" in pruned.output
    assert snapshot(index) == before
    # Once released, the same run goes through.
    result = invoke("match", corpus.batch2, "--index", index, "--lock-timeout", "0", "-q", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert runs_count(index) == 2


def test_two_runs_started_together_both_land(corpus: Corpus, tmp_path: Path) -> None:
    index = tmp_path / "fresh" / "index"  # neither the index nor its directory exists yet
    procs = [
        dedup_proc("match", batch, "--index", index, "--lock-timeout", "120", "-o", tmp_path / f"r{k}.json")
        for k, batch in enumerate((corpus.batch1, corpus.batch2))
    ]
    errors = []
    for proc in procs:
        assert proc.stderr is not None
        errors.append(proc.stderr.read())
        reap(proc)
    assert [p.returncode for p in procs] == [0, 0], errors
    assert not any("Traceback" in e for e in errors)
    rows = export(index)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 312
    assert runs_count(index) == 2
    assert {r["run"] for r in rows} == {1, 2}
    assert integrity(index) == "ok"
    for k, batch in enumerate((corpus.batch1, corpus.batch2)):
        report = json.loads((tmp_path / f"r{k}.json").read_text(encoding="utf-8"))
        assert sorted(a["id"] for a in report["articles"] if not a.get("earlier")) == sorted(corpus.ids(batch))


# ---- 8. prune, and an index that is not there ------------------------------------------------------


def test_prune_removes_the_days_before_a_date(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after2, tmp_path / "index")
    before = stats(index)
    cut = "2013-10-22"
    old = {r["id"] for r in corpus.export2 if r["day"] < cut}
    assert 0 < len(old) < 312
    result = invoke("index", "prune", index, "--before", cut)
    assert result.exit_code == 0, result.output
    assert f"{len(old)} articles removed" in result.stderr
    rows = export(index)
    assert {r["id"] for r in rows} == {r["id"] for r in corpus.export2} - old
    assert all(r["day"] >= cut for r in rows)
    after = stats(index)
    assert after["articles"] == before["articles"] - len(old)
    assert after["articles_in_stories"] < before["articles_in_stories"]
    assert after["pairs"] < before["pairs"]
    assert after["first_day"] >= cut
    # A story left with one article is dissolved; the others keep their ids.
    groups = groups_of_export(rows)
    assert all(len(g) >= 2 for g in groups.values())
    assert after["stories"] == len(groups)
    kept = {r["id"]: r["story"] for r in rows}
    was = {r["id"]: r["story"] for r in corpus.export2}
    assert all(kept[a] in (was[a], None) for a in kept)
    dissolved = after["stories_dissolved"] - before["stories_dissolved"]
    assert f"{dissolved} stor" in result.stderr
    with sqlite3.connect(db_path(index)) as db:
        left = db.execute("SELECT COUNT(*) FROM pairs WHERE a NOT IN (SELECT id FROM articles) "
                          "OR b NOT IN (SELECT id FROM articles)").fetchone()[0]  # fmt: skip
    assert left == 0


@pytest.mark.parametrize("date", ["2013-13-01", "22/10/2013", "yesterday"])
def test_prune_with_a_bad_date_is_a_usage_error(corpus: Corpus, tmp_path: Path, date: str) -> None:
    index = corpus.copy(corpus.after1, tmp_path / "index")
    before = snapshot(index)
    result = invoke("index", "prune", index, "--before", date)
    assert result.exit_code == 2
    assert "--before" in result.output and "YYYY-MM-DD" in result.output
    assert snapshot(index) == before


@pytest.mark.parametrize("command", [("stats",), ("stats", "--json"), ("export",), ("prune", "--before", "2013-01-01")])
def test_index_commands_on_a_directory_without_an_index(tmp_path: Path, command: tuple[str, ...]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for where in (empty, tmp_path / "missing"):
        result = invoke("index", command[0], where, *command[1:])
        assert result.exit_code == 1
        assert "no index here" in result.output
        assert "Traceback" not in result.output
    assert list(empty.iterdir()) == []  # nothing made by looking
    assert not (tmp_path / "missing").exists()


def test_match_with_an_index_that_is_a_file_or_not_sqlite(corpus: Corpus, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("not an index\n", encoding="utf-8")
    result = invoke("match", corpus.batch1, "--index", plain, "-o", tmp_path / "r.json")
    assert result.exit_code == 2 and "is a file" in result.output
    assert plain.read_text(encoding="utf-8") == "not an index\n"
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / store.DATABASE).write_text("not SQLite either\n" * 100, encoding="utf-8")
    result = invoke("match", corpus.batch1, "--index", damaged, "-o", tmp_path / "r.json")
    assert result.exit_code == 1
    assert "not a dedup index, or is damaged" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists()
    assert (damaged / store.DATABASE).read_text(encoding="utf-8") == "not SQLite either\n" * 100


# ---- 9. an index of a newer dedup ----------------------------------------------------------------


def test_an_index_of_a_newer_schema_is_refused(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after1, tmp_path / "index")
    with sqlite3.connect(db_path(index)) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    before = snapshot(index)
    result = invoke("match", corpus.batch2, "--index", index, "-o", tmp_path / "r.json")
    assert result.exit_code == 1
    assert "written by a newer dedup" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists()
    assert snapshot(index) == before
    for command in (("stats",), ("export",), ("prune", "--before", "2013-10-30")):
        other = invoke("index", command[0], index, *command[1:])
        assert other.exit_code == 1 and "written by a newer dedup" in other.output, command
    assert snapshot(index) == before


def test_markdown_report_of_an_indexed_run_marks_the_earlier_articles(corpus: Corpus, tmp_path: Path) -> None:
    index = corpus.copy(corpus.after1, tmp_path / "index")
    out = tmp_path / "run2.md"
    result = invoke("match", corpus.batch2, "--index", index, "-q", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    earlier = {a["id"] for a in corpus.report2["articles"] if a.get("earlier")}
    assert earlier
    marked = {line.split("|")[1].split(" (indexed earlier)")[0].strip() for line in text.splitlines()
              if line.startswith("| ") and "(indexed earlier)" in line}  # fmt: skip
    assert marked == {i for i in earlier if f"| {i} " in text or f"| {i} (" in text}
    assert not any(f"| {i} (indexed earlier)" in text for i in corpus.ids(corpus.batch2))
    # The first line counts the run's articles, and says how many of its stories' are earlier ones.
    in_stories = sum(len(s["articles"]) for s in corpus.report2["stories"])
    assert text.splitlines()[2].startswith(
        f"{len(corpus.ids(corpus.batch2))} articles, {len(corpus.report2['stories'])} stories "
        f"({in_stories} articles in them, {len(earlier)} of them indexed earlier), "
    )


def test_jsonl_report_of_an_indexed_run_marks_the_earlier_articles(corpus: Corpus, tmp_path: Path) -> None:
    """The JSONL report tells the run's articles from those indexed earlier, as the JSON one does."""
    index = corpus.copy(corpus.after1, tmp_path / "index")
    out = tmp_path / "run2.jsonl"
    result = invoke("match", corpus.batch2, "--index", index, "-q", "-o", out)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    marked = {a["id"] for line in lines for a in line["articles"] if a.get("earlier") is True}
    earlier = {a["id"] for a in corpus.report2["articles"] if a.get("earlier")}
    assert earlier and marked == earlier


def _line_counts_held(index: Path) -> tuple[dict[tuple[str, int], int], dict[str, int]]:
    with sqlite3.connect(db_path(index)) as db:
        lines = {(s, h): d for s, h, d in db.execute("SELECT source, line, docs FROM lines")}
        sources = dict(db.execute("SELECT source, docs FROM sources").fetchall())
    return lines, sources


def _line_counts_of(rows: list[dict[str, Any]]) -> tuple[dict[tuple[str, int], int], dict[str, int]]:
    """The outlets' line counts of these records, counted afresh (as hashes, as the index keeps them)."""
    counts = normalize.LineCounts.of((r.get("source"), io.nfc(r["text"])) for r in rows)
    lines = {(s, store.line_hash(k)): d for s, counter in counts.per_source.items() for k, d in counter.items()}
    return lines, dict(counts.n_docs)


def test_line_counts_follow_the_articles_the_index_holds(corpus: Corpus, tmp_path: Path) -> None:
    """Boilerplate is learned from the outlets' line counts: pruning or replacing an article takes
    its lines out of them, so they stay those of the articles the index holds."""
    index = corpus.copy(corpus.after2, tmp_path / "index")
    by_id = {r["id"]: r for r in corpus.rows}
    assert _line_counts_held(index) == _line_counts_of(corpus.rows)
    cut = "2013-10-22"
    assert invoke("index", "prune", index, "--before", cut).exit_code == 0
    held = [by_id[r["id"]] for r in export(index)]
    assert 0 < len(held) < len(corpus.rows)
    assert _line_counts_held(index) == _line_counts_of(held)
    first = held[0]
    changed = dict(first, text=first["text"] + "\nẢnh: Minh họa")
    path = write_rows(tmp_path / "changed.jsonl", [changed])
    result = invoke("match", path, "--index", index, "--update", "-q", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    final = [changed if r["id"] == first["id"] else r for r in held]
    assert _line_counts_held(index) == _line_counts_of(final)
    assert ("" if first.get("source") is None else first["source"], store.line_hash("ảnh: minh họa")) in (
        _line_counts_held(index)[0]
    )


def test_an_index_of_schema_1_is_migrated_and_keeps_its_counts(corpus: Corpus, tmp_path: Path) -> None:
    """An index written before articles kept their lines gets the column; its articles' lines stay
    counted (nothing says which they were), the next run's are recorded."""
    index = corpus.copy(corpus.after1, tmp_path / "index")
    with sqlite3.connect(db_path(index)) as db:
        db.execute("ALTER TABLE articles DROP COLUMN lines")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    before = _line_counts_held(index)
    result = invoke("match", corpus.batch2, "--index", index, "-q", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db_path(index)) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        unknown = db.execute("SELECT COUNT(*) FROM articles WHERE lines IS NULL").fetchone()[0]
    assert version == str(store.SCHEMA_VERSION) == "3"
    assert unknown == len(corpus.ids(corpus.batch1))
    assert _line_counts_held(index) == _line_counts_of(corpus.rows)
    assert invoke("index", "prune", index, "--before", "2100-01-01").exit_code == 0
    lines, sources = _line_counts_held(index)
    assert (lines, sources) == before  # the second batch's lines taken out, the first's kept


def test_the_runs_features_wait_in_a_file_that_says_so_when_the_disk_is_full(monkeypatch) -> None:
    from dedup import daily

    spilled = daily._Spilled()
    spilled.append(b"abc")
    spilled.append(b"")
    spilled.append(b"de")
    assert len(spilled) == 3 and [spilled[k] for k in (2, 0, 1)] == [b"de", b"abc", b""]
    spilled.close()

    class Full:
        def seek(self, _at: int) -> None:
            pass

        def write(self, _data: bytes) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(daily.tempfile, "TemporaryFile", Full)
    with pytest.raises(io.SpoolError, match=r"temporary file for the run.s features in .*No space left"):
        daily._Spilled().append(b"abc")


def test_an_index_locked_while_it_is_opened_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs making one new index at once: while one turns the new file to WAL mode, SQLite may
    tell the other "database is locked" at once, whatever its busy timeout (seen once in 20 such
    pairs of runs); the other tries again instead of failing. Here the first tries are refused."""
    connect = sqlite3.connect
    refused = []

    def busy_at_first(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        if len(refused) < 3:
            refused.append(1)
            raise sqlite3.OperationalError("database is locked")
        return connect(*args, **kwargs)

    monkeypatch.setattr(store.sqlite3, "connect", busy_at_first)
    with store.Index.open(tmp_path / "index") as index:
        assert index.meta("schema_version") == str(store.SCHEMA_VERSION)
    assert len(refused) == 3
    monkeypatch.setattr(store, "OPEN_TIMEOUT", 0.0)  # locked for longer than the wait: an error
    refused.clear()
    with pytest.raises(store.IndexProblem, match="database is locked"):
        store.Index.open(tmp_path / "other")
