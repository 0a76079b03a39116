from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import random
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from dedup.io import InputError, ReadAside, TextSpool, _fingerprint, day_stamp, parse_published, read_articles
from dedup.models import Article


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_txt_file_gives_id_from_name_and_title_from_first_line(tmp_path: Path) -> None:
    (tmp_path / "a1.txt").write_text("\n\n  Tiêu đề bài  \nNội dung.\n", encoding="utf-8")
    articles, rejected = read_articles([str(tmp_path / "a1.txt")])
    assert [(a.id, a.title) for a in articles] == [("a1", "Tiêu đề bài")]
    assert articles[0].text == "\n\n  Tiêu đề bài  \nNội dung.\n"
    assert rejected == []


def test_jsonl_gz_and_directories_are_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "b.jsonl", [{"id": "b1", "text": "x"}])
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "a1", "text": "y", "title": "T", "source": "s.vn"}) + "\n")
    (tmp_path / "c.txt").write_text("z", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    warnings: list[str] = []
    articles, _ = read_articles([str(tmp_path)], warn=warnings.append)
    assert [a.id for a in articles] == ["a1", "c", "b1"]
    assert articles[0].source == "s.vn"
    assert len(warnings) == 1 and "notes.md" in warnings[0]


def test_input_is_nfc_normalised(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Hội Liên hiệp Phụ nữ")
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": decomposed, "title": decomposed}])
    (art,), _ = read_articles([str(tmp_path / "a.jsonl")])
    assert art.text == "Hội Liên hiệp Phụ nữ" and art.title == "Hội Liên hiệp Phụ nữ"


def test_stdin_reads_jsonl(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.dumps({"id": "x", "text": "tin"}).encode() + b"\n\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    articles, _ = read_articles(["-"])
    assert [a.origin for a in articles] == ["<stdin>:1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "1", "text": "a"}\n{"id": "2", "text": \n', "bad.jsonl:2: not valid JSON"),
        (b'{"id": "1", "text": "a"}\n{"text": "b"}\n', "bad.jsonl:2: missing required field 'id'"),
        (b'{"id": "1"}\n', "bad.jsonl:1: missing required field 'text'"),
        (
            b'{"id": "1", "text": "a"}\n{"id": "1", "text": "b"}\n',
            "bad.jsonl:2: duplicate id '1' with other content (first at",
        ),
        (b'{"id": "1", "text": "a"}\n{"id": "2", "text": "\xff"}\n', "bad.jsonl:2: not UTF-8"),
        (b'["id", "text"]\n', "bad.jsonl:1: expected a JSON object, got list"),
        (b'{"id": "1", "text": 5}\n', "bad.jsonl:1: field 'text' must be a string"),
        (b'{"id": "1", "text": "a", "published": "yesterday"}\n', "bad.jsonl:1: field 'published'"),
        (b'{"id": 1e3, "text": "a"}\n', "bad.jsonl:1: field 'id' must be a string or a whole number, got 1000.0"),
        # Valid JSON, but a lone surrogate is no Unicode text: it could not be written to a report.
        (b'{"id": "a\\ud800", "text": "x"}\n', "bad.jsonl:1: field 'id' is not valid Unicode"),
        (b'{"id": "1", "text": "a \\ud83d b"}\n', "bad.jsonl:1: field 'text' is not valid Unicode"),
        (b'{"id": "1", "text": "a", "title": "\\udc00"}\n', "bad.jsonl:1: field 'title' is not valid Unicode"),
        # JSON Python's reader cannot take: a number of 5,001 digits, arrays nested 100,000 deep.
        (b'{"id": "1", "text": "a", "n": ' + b"1" * 5001 + b"}\n", "bad.jsonl:1: not valid JSON here: a number of"),
        (b'{"id": "1", "text": "a"}\n' + b"[" * 100_000 + b"\n", "bad.jsonl:2: not valid JSON here: arrays or objects"),
        # A field given twice: one of its values would be lost without a word.
        (b'{"id": "1", "text": "a", "text": "b"}\n', "bad.jsonl:1: field 'text' given twice"),
        (b'{"id": "1", "id": "2", "text": "a"}\n', "bad.jsonl:1: field 'id' given twice"),
    ],
)
def test_bad_records_name_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_articles([str(path)])
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_a_name_repeated_outside_the_articles_fields_is_no_fault(tmp_path: Path) -> None:
    """Only the fields an article is made of must be given once: a key repeated in an object of
    the record's own, or "text" as a value, is read as JSON reads it."""
    path = tmp_path / "ok.jsonl"
    path.write_bytes(
        b'{"id": "1", "text": "a", "meta": {"k": 1, "k": 2}}\n'
        b'{"id": "2", "text": "say \\"text\\" twice", "kind": "text", "extra": "text"}\n'
        b'{"id": "3", "text": "c", "meta": {"id": 7, "id": 8}, "tags": [{"source": "x", "source": "y"}]}\n'
    )
    articles, _ = read_articles([str(path)])
    assert [(a.id, a.text) for a in articles] == [("1", "a"), ("2", 'say "text" twice'), ("3", "c")]


def test_a_record_giving_a_field_twice_is_listed_with_its_id() -> None:
    """The id of a record that gives another field twice is known, and listed with it."""
    import io as stdlib_io

    from dedup.io import _jsonl_lines

    lines = b'{"id": "7", "text": "a", "title": "x", "title": "y"}\n{"id": "8", "id": "9", "text": "b"}\n'
    out = list(_jsonl_lines(stdlib_io.BytesIO(lines), "feed.jsonl"))
    assert [(r.origin, r.id, r.reason) for r in out] == [
        ("feed.jsonl:1", "7", "field 'title' given twice: which value is meant?"),
        ("feed.jsonl:2", None, "field 'id' given twice: which value is meant?"),
    ]


def test_skip_bad_lists_every_bad_record_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": "1", "text": "a"}\nnot json\n{"id": "1", "text": "b"}\n{"id": "3", "text": "c"}\n')
    articles, rejected = read_articles([str(path)], skip_bad=True)
    assert [a.id for a in articles] == ["1", "3"]
    assert [(r.origin.rsplit(":", 1)[1], r.id) for r in rejected] == [("2", None), ("3", "1")]
    assert len(articles) + len(rejected) == 4


def test_non_utf8_txt_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes("dòng một\ndòng hai\n".encode() + b"\xff\n")
    with pytest.raises(InputError, match=r"x\.txt:3: not UTF-8"):
        read_articles([str(tmp_path / "x.txt")])


def test_missing_path_and_unknown_suffix_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        read_articles([str(tmp_path / "nope.jsonl")])
    (tmp_path / "a.csv").write_text("id,text\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"expected \.txt, \.jsonl, \.ndjson or \.jsonl\.gz"):
        read_articles([str(tmp_path / "a.csv")])


def test_truncated_gzip_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    blob = gzip.compress(b"".join(json.dumps({"id": str(i), "text": "x" * 50}).encode() + b"\n" for i in range(500)))
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(InputError, match=r"t\.jsonl\.gz:\d+: cannot read"):
        read_articles([str(path)])


def test_truncated_gzip_names_the_line_iterating_the_file_stops_at(tmp_path: Path) -> None:
    # Every whole line before the damage is read, as iterating the gzip file itself would.
    rng = random.Random(4)
    lines = [json.dumps({"id": str(i), "text": "".join(rng.choices("abcdđ ơ", k=400))}) for i in range(3000)]
    blob = gzip.compress("\n".join(lines).encode() + b"\n")
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(blob[: len(blob) * 2 // 3])
    whole = 0
    with pytest.raises(EOFError), gzip.open(path, "rb") as stream:
        for _line in stream:
            whole += 1
    assert whole > 1000
    with pytest.raises(InputError, match=rf"t\.jsonl\.gz:{whole + 1}: cannot read"):
        read_articles([str(path)])


def test_with_skip_bad_a_truncated_gzip_keeps_its_whole_lines_and_lists_the_rest(tmp_path: Path) -> None:
    rng = random.Random(5)
    lines = [json.dumps({"id": str(i), "text": "".join(rng.choices("abcdđ ơ", k=400))}) for i in range(3000)]
    blob = gzip.compress("\n".join(lines).encode() + b"\n")
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(blob[: len(blob) // 2])
    (tmp_path / "after.jsonl").write_text(json.dumps({"id": "after", "text": "x"}) + "\n", encoding="utf-8")
    articles, rejected = read_articles([str(path), str(tmp_path / "after.jsonl")], skip_bad=True)
    assert [a.id for a in articles[:-1]] == [str(i) for i in range(len(articles) - 1)] and len(articles) > 1000
    assert articles[-1].id == "after"  # the run goes on to the next input
    assert len(rejected) == 1
    assert rejected[0].origin == f"{path}:{len(articles)}"  # the first line it could not read
    assert "cannot read the file from this line on" in rejected[0].reason


def test_a_byte_order_mark_before_a_record_is_not_part_of_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + '{"id": "a", "text": "hai binh sĩ"}\n{"id": "b", "text": "x"}\n'.encode())
    articles, rejected = read_articles([str(path)])
    assert [a.id for a in articles] == ["a", "b"] and not rejected
    # Two such files concatenated (`cat a.jsonl b.jsonl`): the second's mark starts a line.
    path.write_bytes(b'{"id": "a", "text": "x"}\n\xef\xbb\xbf{"id": "b", "text": "x"}\n')
    articles, rejected = read_articles([str(path)])
    assert [a.id for a in articles] == ["a", "b"] and not rejected
    path.write_bytes(b'{"id": "a", "text": "x"}\n{"id": "b", \xef\xbb\xbf"text": "x"}\n')  # inside a record
    with pytest.raises(InputError, match=r"bom\.jsonl:2: not valid JSON"):
        read_articles([str(path)])


def test_hidden_files_in_a_directory_are_passed_over_with_a_warning(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x"}])
    (tmp_path / ".cache").mkdir()
    write_jsonl(tmp_path / ".cache" / "old.jsonl", [{"id": "old", "text": "x"}])
    warnings: list[str] = []
    articles, _ = read_articles([str(tmp_path)], warn=warnings.append)
    assert [a.id for a in articles] == ["a"]
    assert len(warnings) == 1 and "1 hidden file(s)" in warnings[0] and "old.jsonl" in warnings[0]


def test_a_record_with_a_lone_surrogate_is_listed_with_its_id_escaped(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"id": "a\\ud800", "text": "x"}\n{"id": "b", "text": "y"}\n')
    articles, rejected = read_articles([str(path)], skip_bad=True)
    assert [a.id for a in articles] == ["b"]
    assert [(r.origin, r.id) for r in rejected] == [(f"{path}:1", "a\\ud800")]
    json.dumps(rejected[0].id).encode("utf-8")  # writable


def test_an_empty_gz_file_is_damaged_not_empty(tmp_path: Path) -> None:
    path = tmp_path / "zero.jsonl.gz"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"zero\.jsonl\.gz:1: an empty file, not gzip data"):
        read_articles([str(path)])
    with gzip.open(path, "wt") as out:  # gzip of no lines: a header, nothing to read
        out.write("")
    assert read_articles([str(path)]) == ([], [])


def test_linked_folders_are_read_and_loops_and_dead_links_said(tmp_path: Path) -> None:
    top, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    top.mkdir()
    elsewhere.mkdir()
    write_jsonl(top / "own.jsonl", [{"id": "own", "text": "x"}])
    write_jsonl(elsewhere / "x.jsonl", [{"id": "linked", "text": "x"}])
    (top / "linked").symlink_to(elsewhere, target_is_directory=True)
    (top / "loop").symlink_to(top, target_is_directory=True)
    (top / "dead.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    warnings: list[str] = []
    articles, rejected = read_articles([str(top)], warn=warnings.append)
    assert [a.id for a in articles] == ["linked", "own"] and not rejected
    assert len(warnings) == 1 and "passed over 2 file(s)" in warnings[0]
    assert "dead.jsonl" in warnings[0] and str(top / "loop") in warnings[0]


def test_a_file_name_that_is_not_utf8_is_rejected_not_a_crash(tmp_path: Path) -> None:
    name = (tmp_path / "ok").as_posix().encode() + b"\xff.txt"
    with open(name, "wb") as out:
        out.write("Tiêu đề\nhai binh sĩ".encode())
    with pytest.raises(InputError, match="the file name is not UTF-8") as err:
        read_articles([str(tmp_path)])
    str(err.value).encode("utf-8")  # the message itself can be printed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23/10/2013 10:07", "2013-10-23T10:07"),
        ("06/05/2022", "2022-05-06T00:00"),
        ("2022-05-06T15:56:55+07:00", "2022-05-06T15:56+07:00"),
        ("2022-05-06T15:56:55Z", "2022-05-06T15:56+00:00"),
    ],
)
def test_published_formats(text: str, expected: str) -> None:
    assert parse_published(text).isoformat(timespec="minutes") == expected


def test_an_offset_moves_the_moment_and_a_time_without_one_is_read_as_utc() -> None:
    hanoi, utc, bare = (parse_published(t) for t in ("2017-06-01T10:00+07:00", "2017-06-01T10:00Z", "2017-06-01 10:00"))
    assert (day_stamp(utc) - day_stamp(hanoi)) * 24 == pytest.approx(7)
    assert day_stamp(bare) == day_stamp(utc)


def test_spool_gives_back_every_text_as_written() -> None:
    texts = ["", "1.525 báo cáo viên", "hoà\nthuỷ 🙂 𝐀", "lone \ud800 surrogate", "x" * 100_000]
    with TextSpool() as spool:
        positions = [spool.add(t) for t in texts]
        assert positions == list(range(len(texts)))
        assert len(spool) == len(texts)
        assert [spool[k] for k in reversed(range(len(texts)))] == texts[::-1]
        spool.add("after a read")
        assert spool[len(texts)] == "after a read"
        assert pickle.loads(pickle.dumps(spool)) == [*texts, "after a read"]


def test_reading_into_a_spool_keeps_positions_and_leaves_articles_without_text(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [{"id": "a", "text": "Hà Nội có 1.525 người"}, {"id": "a", "text": "dup id"}, {"id": "b", "text": "hai"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    with TextSpool() as spool:
        articles, rejected = read_articles([str(path)], skip_bad=True, spool=spool)
        assert [a.id for a in articles] == ["a", "b"] and len(rejected) == 1
        assert [a.text for a in articles] == ["", ""]
        assert [spool[k] for k in range(len(spool))] == ["Hà Nội có 1.525 người", "hai"]
        with pytest.raises(ValueError, match="empty spool"):
            read_articles([str(path)], skip_bad=True, spool=spool)


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_reading_aside_gives_what_reading_here_gives(tmp_path: Path) -> None:
    # A real slice of the 2017 corpus and a directory with a file that is passed over, read in a
    # forked process and here: the same articles, rejected records, texts and warnings, in order.
    write_jsonl(tmp_path / "b.jsonl", [{"id": "x", "text": "hai binh sĩ"}, {"id": "x", "text": "dup"}, "not an object"])
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    inputs = [str(FIXTURES / "baomoi-sample.jsonl.gz"), str(tmp_path)]
    results = []
    for make in (
        lambda spool, warn: read_articles(inputs, skip_bad=True, warn=warn, spool=spool),
        lambda spool, warn: ReadAside(inputs, True, warn, spool).result(),
    ):
        warnings: list[str] = []
        with TextSpool() as spool:
            articles, rejected = make(spool, warnings.append)
            results.append((articles, rejected, [spool[k] for k in range(len(spool))], warnings))
    here, aside = results
    assert len(here[0]) > 2000 and len(here[1]) == 2 and len(here[3]) == 1
    assert aside == here


def test_reading_aside_raises_what_reading_here_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x"}\n{"id": "b"}\n')
    with TextSpool() as spool, pytest.raises(InputError, match=r"bad.jsonl:2: missing required field 'text'"):
        ReadAside([str(path)], False, None, spool).result()
    with TextSpool() as spool, pytest.raises(InputError, match=r"missing\.jsonl: no such file"):
        ReadAside([str(path), str(tmp_path / "missing.jsonl")], False, None, spool)  # before any reading
    with TextSpool() as spool:
        spool.add("already here")
        with pytest.raises(ValueError, match="empty spool"):
            ReadAside([str(path)], True, None, spool).result()  # read here: the same refusal


def test_reading_aside_left_unread_is_stopped() -> None:
    import os

    with TextSpool() as spool:
        with ReadAside([str(FIXTURES / "baomoi-sample.jsonl.gz")], False, None, spool) as reading:
            pid = reading._pid
            assert pid > 0  # a forked process does the reading
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, 0)  # stopped and reaped when the block was left without its result


def test_reading_aside_hands_on_any_error_of_the_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.io as dio

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in the reader")

    monkeypatch.setattr(dio, "read_articles", broken)  # the forked reader inherits the patch
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x"}])
    with TextSpool() as spool, pytest.raises(RuntimeError, match="a bug in the reader"):
        ReadAside([str(path)], False, None, spool).result()


def test_whole_number_ids_are_read_as_their_digits(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text('{"id": 1000, "text": "a"}\n{"id": "x", "text": "b"}\n', encoding="utf-8")
    articles, _ = read_articles([str(path)])
    assert [a.id for a in articles] == ["1000", "x"]


def test_a_file_given_twice_is_read_once_and_said(tmp_path: Path) -> None:
    (tmp_path / "day").mkdir()
    path = tmp_path / "day" / "a.jsonl"
    path.write_text('{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n', encoding="utf-8")
    said: list[str] = []
    articles, rejected = read_articles([str(tmp_path / "day"), str(path)], warn=said.append)
    assert [a.id for a in articles] == ["1", "2"] and rejected == []
    assert said == [f"passed over {path}: already read (given as {tmp_path / 'day'})"]


def test_the_spool_keeps_each_texts_exact_key_as_it_writes_it() -> None:
    from dedup.io import TextSpool, exact_key

    texts = ["Hà Nội mưa to", "  Hà Nội mưa to\n", "Hà Nội mưa nhỏ", " \n "]
    with TextSpool() as spool:
        for t in texts:
            spool.add(t)
        assert list(spool.keys) == [exact_key(t) for t in texts]
        assert spool.keys[0] == spool.keys[1] != spool.keys[2] and spool.keys[3] == 0


def test_a_records_fingerprint_is_the_same_in_every_process() -> None:
    # Spark tasks compute it where they read the record: it must not depend on hash()'s seed.
    import subprocess
    import sys

    code = (
        "from datetime import datetime; from dedup.io import _fingerprint; from dedup.models import Article; "
        "print(_fingerprint(Article('a', ' Văn bản ', title='Tiêu đề', published=datetime(2017, 6, 1)), 7))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(runs) == 1 and runs.pop().isdigit()
    a = Article("a", "Văn bản", title="Tiêu đề")
    assert _fingerprint(a, 7) != _fingerprint(replace(a, title=""), 7) != _fingerprint(replace(a, title=None), 7)


def test_an_article_with_no_words_is_kept_and_said(tmp_path: Path) -> None:
    """A record with no text and no title is an article (nothing is dropped), and a warning says it
    can match nothing; one with a title and no text is matched by its title, without a word."""
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"id": "e1", "text": " \\n "}\n{"id": "e2", "text": "", "title": "Tiêu đề"}\n{"id": "e3", "text": "Mưa."}\n',
        encoding="utf-8",
    )
    said: list[str] = []
    articles, rejected = read_articles([str(path)], warn=said.append)
    assert [a.id for a in articles] == ["e1", "e2", "e3"] and not rejected
    assert said == [f"{path}:1: article 'e1' has no text and no title: it can match nothing"]
    # A title of spaces is no title; a record kept in place of another (--on-duplicate-id last) is
    # said too; past EMPTY_SAID of them, the rest are counted.
    from dedup.io import EMPTY_SAID

    lines = ['{"id": "s", "text": "", "title": "   "}', '{"id": "e3", "text": " "}']
    lines += [f'{{"id": "x{k}", "text": ""}}' for k in range(EMPTY_SAID + 5)]
    path.write_text("\n".join(['{"id": "e3", "text": "Mưa."}', *lines]) + "\n", encoding="utf-8")
    said.clear()
    read_articles([str(path)], warn=said.append, on_duplicate_id="last")
    assert said[0].endswith("article 's' has no text and no title: it can match nothing")
    assert said[1].startswith(f"{path}:3: id 'e3' again") and said[2].endswith(
        "article 'e3' has no text and no title: it can match nothing"
    )
    assert len(said) == 2 + EMPTY_SAID and said[-1] == "7 more articles have no text and no title"
