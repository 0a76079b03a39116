"""Read articles from .txt files, .jsonl / .jsonl.gz files, directories and standard input.

Text is Unicode-NFC-normalised on the way in (the same syllable typed on two keyboards can arrive
composed or decomposed) and otherwise kept exactly as written. Every problem names the file and
line; nothing is dropped without a trace.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import signal
import sys
import tempfile
import unicodedata
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from dedup.furniture import is_furniture
from dedup.models import Article, Rejected

SUFFIXES = (".jsonl.gz", ".jsonl", ".ndjson.gz", ".ndjson", ".txt")  # in any case: .JSONL is .jsonl
_DATE_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")


class InputError(Exception):
    """Bad input that stops the run; the message names the file and line."""


class SpoolError(OSError):
    """A temporary file of a run (its texts, or its features on their way to an index) could not
    be written."""

    @classmethod
    def of(cls, what: str, directory: str | None, err: OSError) -> SpoolError:
        """The error for `what` the file held, where, why, and what to do about it."""
        where = directory or tempfile.gettempdir()
        return cls(
            f"cannot write the temporary file for {what} in {where}: {err.strerror or err} "
            "(set TMPDIR to a disk with room)"
        )


def exact_key(text: str) -> int:
    """A 64-bit key of a text as written (outer whitespace aside): equal texts, equal keys. 0 for a
    text without a letter or digit, which is no copy of anything."""
    body = text.strip()
    if not any(c.isalnum() for c in body):
        return 0
    digest = hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1


class TextSpool:
    """Article texts kept in a temporary file instead of memory, read back by position.

    The texts of a run are read whole twice (to learn boilerplate and to hash) and then only for
    the articles in stories, so they need not stay in memory: 140k articles are about 0.75 GB of
    Python strings. Worker processes forked from the run read the same file. The file has no
    name and is gone when the spool is closed or the process ends.
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or tempfile.gettempdir()
        try:
            # A large buffer: texts arrive one at a time and are written in 1 MB blocks.
            self._file = tempfile.TemporaryFile(dir=directory, buffering=1 << 20)  # noqa: SIM115 - closed by close()
            # Texts that replace one stored before (a record of the same id read later, kept by
            # --on-duplicate-id last): a file of their own, so that the first stays contiguous.
            self._later = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed by close()
        except OSError as err:
            raise self._failed(err) from None
        self._moved: dict[int, tuple[int, int]] = {}
        self._later_size = 0
        self._bounds = array("q", [0])
        # Each text's exact_key, computed as it is written (in the process that reads the input).
        self._keys = array("Q")
        self._unflushed = False

    def _failed(self, err: OSError) -> SpoolError:
        return SpoolError.of("article texts", self.directory, err)

    def add(self, text: str, key: int | None = None) -> int:
        """Store a text (`key`: its exact_key, when already known); returns its position."""
        data = text.encode("utf-8", "surrogatepass")
        try:
            self._file.write(data)
        except OSError as err:
            raise self._failed(err) from None
        self._bounds.append(self._bounds[-1] + len(data))
        self._keys.append(exact_key(text) if key is None else key)
        self._unflushed = True
        return len(self._bounds) - 2

    def replace(self, k: int, text: str, key: int | None = None) -> None:
        """Store a text in place of the one at position k (`key`: its exact_key, when known)."""
        data = text.encode("utf-8", "surrogatepass")
        try:
            self._later.seek(self._later_size)
            self._later.write(data)
            self._later.flush()
        except OSError as err:
            raise self._failed(err) from None
        self._moved[k] = (self._later_size, self._later_size + len(data))
        self._later_size += len(data)
        self._keys[k] = exact_key(text) if key is None else key

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def __getitem__(self, k: int) -> str:
        if self._unflushed:
            self.flush()
        moved = self._moved.get(k) if self._moved else None
        if moved is not None:
            return os.pread(self._later.fileno(), moved[1] - moved[0], moved[0]).decode("utf-8", "surrogatepass")
        start, end = self._bounds[k], self._bounds[k + 1]
        return os.pread(self._file.fileno(), end - start, start).decode("utf-8", "surrogatepass")

    def flush(self) -> None:
        """Write out the texts still buffered, so that another process reading the file sees them."""
        try:
            self._file.flush()
        except OSError as err:
            raise self._failed(err) from None
        self._unflushed = False

    @property
    def bounds(self) -> array:
        """Where each text starts in the file, and where the last ends."""
        return self._bounds

    @property
    def keys(self) -> array:
        """The exact_key of each text."""
        return self._keys

    @property
    def moved(self) -> dict[int, tuple[int, int]]:
        """Where the texts that replaced others lie in the file of later texts, by position."""
        return self._moved

    def adopt(self, bounds: array, keys: array, moved: dict[int, tuple[int, int]] | None = None) -> None:
        """Take the texts a forked process wrote into this spool's files (its `bounds`, `keys`
        and `moved` after a flush)."""
        if len(self):
            raise ValueError("only an empty spool can adopt the texts written by another process")
        self._bounds = array("q", bounds)
        self._keys = array("Q", keys)
        self._moved = dict(moved or {})

    def close(self) -> None:
        """Remove the file (texts that could not be written are dropped with it)."""
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            self._later.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # Where worker processes are spawned rather than forked, they get the texts themselves.
        return list, ([self[k] for k in range(len(self))],)

    def __enter__(self) -> TextSpool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def nfc(text: str) -> str:
    """Compose decomposed (NFD) Vietnamese so that equal text compares equal."""
    return unicodedata.normalize("NFC", text)


def parse_published(value: str) -> datetime:
    """Parse an ISO date/time or a Vietnamese `dd/mm/yyyy[ hh:mm]` date; raise ValueError otherwise."""
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            pass
    # An offset is kept ("+07:00", "Z"): it moves the moment, so the gap to another article.
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def day_stamp(when: datetime) -> float:
    """Days since 1970 of a publication time; one without an offset is read as UTC (as written,
    whatever zone the machine is set to), so that gaps are the same on every machine."""
    return (when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)).timestamp() / 86400


def _scalar_str(record: dict[str, Any], key: str) -> str | None:
    """Return an optional field as a string; numbers are accepted and written out, other types refused."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"field '{key}' must be a string, got {type(value).__name__}")
    return str(value)


def _check_unicode(record: dict[str, Any]) -> None:
    """Refuse a string field holding a lone surrogate escape ("\\ud800"): valid JSON, but no
    Unicode text, so it could neither be hashed alike nor written into a report."""
    for key in ("id", "text", "title", "source", "url", "published"):
        value = record.get(key)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as err:
                bad = value[err.start : err.end].encode("utf-8", "backslashreplace").decode("ascii")
                raise ValueError(
                    f"field '{key}' is not valid Unicode: a lone surrogate escape {bad} at character {err.start + 1}"
                ) from None


def safe_text(value: str) -> str:
    """`value` with any lone surrogate written as its escape, so that it can be printed and stored."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def article_from_record(record: Any, origin: str) -> Article:
    """Build an Article from one decoded JSON record; raise ValueError saying what is wrong."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    _check_unicode(record)
    for key in ("id", "text"):
        if key not in record or record[key] is None:
            raise ValueError(f"missing required field '{key}'")
    if isinstance(record["id"], float):
        # 1e3 would be "1000.0" and 1000 "1000": two spellings of one number, an id neither.
        raise ValueError(f"field 'id' must be a string or a whole number, got {record['id']!r}")
    art_id = _scalar_str(record, "id")
    if not isinstance(record["text"], str):
        raise ValueError(f"field 'text' must be a string, got {type(record['text']).__name__}")
    if not art_id or not art_id.strip():
        raise ValueError("field 'id' is empty")
    published = _scalar_str(record, "published")
    try:
        when = parse_published(published) if published else None
    except ValueError:
        raise ValueError(f"field 'published' is not an ISO date or dd/mm/yyyy[ hh:mm]: {published!r}") from None
    text = nfc(record["text"])
    return Article(
        id=art_id,
        text=text,
        # Without a title, the text's first sentence names the article (cut at a word).
        title=nfc(_scalar_str(record, "title") or "") or first_sentence(text),
        source=_scalar_str(record, "source"),
        url=_scalar_str(record, "url"),
        published=when,
        origin=origin,
    )


# The fields a record's article is made of: one given twice would silently lose one of its values.
_FIELDS = frozenset({"id", "text", "title", "source", "url", "published"})
_QUOTED_FIELDS = tuple(f'"{f}"' for f in sorted(_FIELDS))


def _repeated_field(line: str) -> str | None:
    """The first of _FIELDS that the record on `line` (valid JSON) names twice at its top level, if any.

    json calls object_pairs_hook for each object as it closes, the record's own object last."""
    last: list[str | None] = [None]

    def pairs_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        record = dict(pairs)
        last[0] = None
        if len(record) < len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen and key in _FIELDS:
                    last[0] = key
                    break
                seen.add(key)
        return record

    json.loads(line, object_pairs_hook=pairs_once)
    return last[0]


def _jsonl_lines(stream: IO[bytes], name: str) -> Iterator[Article | Rejected]:
    """Decode a JSONL byte stream line by line."""
    lineno = 0
    try:
        for lineno, raw in enumerate(stream, start=1):
            origin = f"{name}:{lineno}"
            if raw.startswith(b"\xef\xbb\xbf"):
                # A byte-order mark some editors write (mid-file where two such files were
                # concatenated): not part of the record.
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield Rejected(origin, f"not UTF-8 (byte {err.start + 1} of the line)")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                yield Rejected(origin, f"not valid JSON: {err.msg} (column {err.colno})")
                continue
            except ValueError:  # a whole number of more digits than Python converts
                limit = sys.get_int_max_str_digits()
                yield Rejected(origin, f"not valid JSON here: a number of more than {limit:,} digits")
                continue
            except RecursionError:
                yield Rejected(origin, "not valid JSON here: arrays or objects nested too deep")
                continue
            # Read again, pair by pair, only where a field's quoted name appears twice.
            if isinstance(record, dict) and any(line.count(q) > 1 for q in _QUOTED_FIELDS):
                twice = _repeated_field(line)
                if twice is not None:
                    rid = None if twice == "id" or record.get("id") is None else safe_text(str(record["id"]))
                    yield Rejected(origin, f"field '{twice}' given twice: which value is meant?", rid)
                    continue
            try:
                yield article_from_record(record, origin)
            except ValueError as err:
                rid = record.get("id") if isinstance(record, dict) else None
                yield Rejected(origin, str(err), None if rid is None else safe_text(str(rid)))
    except (OSError, EOFError, zlib.error) as err:
        # A truncated or corrupt .gz fails while reading, after the lines before it were read: the
        # rest of the file is one bad record (with --skip-bad, listed and the run goes on).
        yield Rejected(f"{name}:{lineno + 1}", f"cannot read the file from this line on: {err}")


def _read_txt(path: Path) -> Article | Rejected:
    """One article per .txt file: id from the file name, title from the first non-empty line."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return Rejected(f"{path}:{line}", "not UTF-8", path.name[: -len(".txt")])
    text = nfc(text)
    return Article(id=path.name[: -len(".txt")], text=text, title=txt_title(text), origin=str(path))


# A title is a line of a few words: a longer first line is a paragraph or a list of names.
TITLE_MAX_CHARS = 200


def txt_title(text: str) -> str:
    """The title of a .txt article: its first line that is neither page furniture ("Tiếng Việt |
    English", "Print Thứ tư, 17/05/2023 10:15") nor longer than a title, else its first sentence."""
    for line in text.splitlines():
        line = line.strip()
        if line and len(line) <= TITLE_MAX_CHARS and not is_furniture(line) and not _PRINT_LINE_RE.match(line):
            return line
    return first_sentence(text)


# Page furniture of saved pages that is only furniture as a title: "Print Thứ tư, 17/05/2023 ...".
_PRINT_LINE_RE = re.compile(r"^(?:print|in|bản in)\b.*\d", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?…](?=\s|$)")


def first_sentence(text: str, limit: int = 120) -> str:
    """The first sentence of a text (its first non-furniture line's), cut at a word within
    `limit` characters with "…": the title of an article that has none."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip() and not is_furniture(ln)), "")
    end = _SENTENCE_END_RE.search(line)
    sentence = line[: end.start() + 1] if end else line
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind(" ", 0, limit)
    return sentence[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def _files_in(directory: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """Article files under a directory (recursively, through linked folders, sorted), the other
    files, and the hidden ones (a name or a folder starting with "."): the last two are passed over.
    A link that leads to nothing, or to a folder already walked (a loop), is an other file."""
    found, other, hidden = [], [], []
    walked: set[str] = set()
    entries: list[Path] = []
    for root, dirs, files in os.walk(directory, followlinks=True):
        real = os.path.realpath(root)
        if real in walked:
            dirs.clear()
            entries.append(Path(root))
            continue
        walked.add(real)
        entries.extend(Path(root, f) for f in files)
    for path in sorted(entries):
        if any(part.startswith(".") for part in path.relative_to(directory).parts):
            hidden.append(path)
        elif path.is_file() and path.name.lower().endswith(SUFFIXES):
            found.append(path)
        else:
            other.append(path)
    return found, other, hidden


def _kinds(paths: list[Path]) -> str:
    """How many of some files have each extension: ".json: 2, .csv: 1"."""
    counts = Counter(p.suffix.lower() or "no extension" for p in paths)
    return ", ".join(f"{ext}: {n}" for ext, n in sorted(counts.items()))


def _listed(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")


def _read_path(path: Path) -> Iterator[Article | Rejected]:
    """Records from one article file, by its suffix."""
    name, shown = path.name.lower(), safe_text(str(path))
    if shown != str(path):
        # Bytes that are not UTF-8 in the name: no id or origin could be written into a report.
        yield Rejected(shown, "the file name is not UTF-8: rename the file")
    elif name.endswith(".txt"):
        yield _read_txt(path)
    elif name.endswith(".gz") and path.stat().st_size == 0:
        yield Rejected(f"{path}:1", "an empty file, not gzip data (gzip of no lines still has a header)")
    elif name.endswith((".jsonl.gz", ".ndjson.gz")):
        with gzip.open(path, "rb") as stream:
            yield from _jsonl_lines(stream, str(path))
    elif name.endswith((".jsonl", ".ndjson")):
        with path.open("rb") as stream:
            yield from _jsonl_lines(stream, str(path))
    else:
        raise InputError(f"{path}: not an article file (expected .txt, .jsonl, .ndjson or .jsonl.gz)")


def input_paths(
    inputs: Iterable[str], warn: Any = None, passed: Callable[[str], bool] = lambda _item: False
) -> Iterator[Path | str]:
    """The article files the inputs name, in reading order: each file, each directory's article
    files (sorted, recursively), and "-" for standard input. A file named twice
    (`data/ data/today.jsonl`) comes once, and that is said through `warn`. Items `passed` says
    yes to (another reader's URIs) come through as they are."""
    read: dict[str, str] = {}  # real path -> the input it was first read under

    def first_time(file: Path, item: str) -> bool:
        key = os.path.realpath(file)
        if key in read:
            if warn is not None:
                warn(f"passed over {file}: already read (given as {read[key]})")
            return False
        read[key] = item
        return True

    for item in inputs:
        if item == "-" or passed(item):
            yield item
            continue
        path = Path(item)
        if path.is_dir():
            files, other, hidden = _files_in(path)
            if other and warn is not None:
                warn(
                    f"passed over {len(other)} file(s) in {path} that are not .txt/.jsonl/.ndjson/.jsonl.gz files"
                    f" ({_kinds(other)}; or are links to nothing, or back into a folder already read): {_listed(other)}"
                )
            if hidden and warn is not None:
                warn(
                    f"passed over {len(hidden)} hidden file(s) in {path} (named with a leading '.'): {_listed(hidden)}"
                )
            yield from (file for file in files if first_time(file, item))
        elif path.exists():
            if first_time(path, item):
                yield path
        else:
            raise _missing(item)


def iter_records(inputs: Iterable[str], warn: Any = None) -> Iterator[Article | Rejected]:
    """Every record of every input, in order; `-` is JSONL on standard input (see input_paths)."""
    for item in input_paths(inputs, warn):
        if item == "-":
            stdin = sys.stdin.buffer
            if not hasattr(stdin, "peek"):
                stdin = io.BufferedReader(stdin)  # type: ignore[arg-type]
            if stdin.peek(2)[:2] == b"\x1f\x8b":
                # gzip data piped in (`cat feed.jsonl.gz | dedup match -`): read through it.
                with gzip.GzipFile(fileobj=stdin, mode="rb") as stream:
                    yield from _jsonl_lines(stream, "<stdin, gzip>")
            else:
                yield from _jsonl_lines(stdin, "<stdin>")
        else:
            yield from _read_path(Path(item))


def _missing(item: str) -> InputError:
    return InputError(f"{item}: no such file or directory")


def _fingerprint(article: Article, key: int) -> int:
    """What a record holds (`key`: its text's exact_key), as one number: two records of one id and
    one fingerprint are one article. The same in every process (a digest, not hash(), which
    Python seeds per process), so a Spark task can compute it where the record is read."""
    digest = hashlib.blake2b(digest_size=8)
    published = article.published.isoformat() if article.published else None
    for part in (str(key), article.text.strip()[:64], article.title, article.source, article.url, published):
        digest.update(b"\x00" if part is None else b"\x01" + part.encode("utf-8", "surrogatepass") + b"\x02")
    return int.from_bytes(digest.digest(), "little")


DUPLICATE_ID_RULES = ("error", "first", "last")
# How many articles with no text and no title read_articles names through `warn` before it counts the rest.
EMPTY_SAID = 50


def settle_repeat(
    record: Article, fingerprint: int, first_origin: str, first_fingerprint: int, rule: str, warn: Any = None
) -> str | Rejected:
    """What becomes of a record whose id came before (at `first_origin`): "same" (the same record
    again, read once), "first" (the earlier one kept), "last" (this one kept in its place), or,
    by the rule "error", a Rejected record. The two keeping rules are said through `warn`."""
    if fingerprint == first_fingerprint:
        return "same"
    if rule == "first":
        if warn is not None:
            warn(f"{record.origin}: id {record.id!r} again, other content; kept the first, at {first_origin}")
        return "first"
    if rule == "last":
        if warn is not None:
            warn(f"{record.origin}: id {record.id!r} again, other content; kept in place of {first_origin}")
        return "last"
    return Rejected(
        record.origin,
        f"duplicate id {record.id!r} with other content (first at {first_origin}; "
        "--on-duplicate-id first or last keeps one)",
        record.id,
    )


def read_articles(
    inputs: Iterable[str],
    skip_bad: bool = False,
    warn: Any = None,
    spool: TextSpool | None = None,
    on_duplicate_id: str = "error",
) -> tuple[list[Article], list[Rejected]]:
    """Read and check all inputs: unique ids, well-formed records.

    Without `skip_bad` the first bad record raises InputError; with it, bad records are returned
    as Rejected (and the article count plus the rejected count is the record count). With a
    `spool`, each article's text goes to it, at the article's position in the returned list, and
    the article itself carries an empty text.

    A record repeating an earlier one (same id, same content) is the same article, read once.
    An id arriving again with other content is, by `on_duplicate_id`: a bad record ("error"),
    passed over ("first": the first is kept) or kept in place of the first ("last"); either of
    the last two said through `warn`.
    """
    if on_duplicate_id not in DUPLICATE_ID_RULES:
        raise ValueError(f"on_duplicate_id must be one of {', '.join(DUPLICATE_ID_RULES)}")
    if spool is not None and len(spool):
        raise ValueError("read_articles needs an empty spool: texts are stored at their article's position")
    articles: list[Article] = []
    rejected: list[Rejected] = []
    seen: dict[str, str] = {}
    # What each id's record held: the same record arriving again (overlapping feeds) is read once.
    held: dict[str, int] = {}
    position: dict[str, int] = {}
    empty = 0  # articles with no text and no title, said through `warn` up to EMPTY_SAID of them

    def say_if_empty(record: Article) -> None:
        nonlocal empty
        if warn is None or record.title.strip() or record.text.strip():
            return
        empty += 1
        if empty <= EMPTY_SAID:
            warn(f"{record.origin}: article {record.id!r} has no text and no title: it can match nothing")

    for record in iter_records(inputs, warn):
        # The text's key is computed once: for the fingerprint, and kept by the spool.
        key = exact_key(record.text) if isinstance(record, Article) else 0
        if isinstance(record, Article) and record.id in seen:
            fingerprint = _fingerprint(record, key)
            settled = settle_repeat(record, fingerprint, seen[record.id], held[record.id], on_duplicate_id, warn)
            if settled in ("same", "first"):
                continue
            if settled == "last":
                say_if_empty(record)
                k = position[record.id]
                seen[record.id], held[record.id] = record.origin, fingerprint
                if spool is not None:
                    spool.replace(k, record.text, key)
                    record = replace(record, text="")
                articles[k] = record
                continue
            record = settled
        if isinstance(record, Rejected):
            if not skip_bad:
                raise InputError(f"{record.origin}: {record.reason} (use --skip-bad to list it and go on)")
            rejected.append(record)
            continue
        seen[record.id] = record.origin
        held[record.id] = _fingerprint(record, key)
        position[record.id] = len(articles)
        say_if_empty(record)
        if spool is not None:
            spool.add(record.text, key)
            record = replace(record, text="")
        articles.append(record)
    if warn is not None and empty > EMPTY_SAID:
        warn(f"{empty - EMPTY_SAID} more articles have no text and no title")
    return articles, rejected


class ReadAside:
    """:func:`read_articles` into a spool in a forked process, while this one goes on.

    The command line starts it before it loads numpy and scikit-learn (a second or more), so that
    reading and loading overlap. :meth:`result` returns what read_articles would have, raises what
    it would have raised, and replays its warnings through `warn` in order. Where processes cannot
    be forked the reading happens in :meth:`result`.
    """

    def __init__(
        self, inputs: Iterable[str], skip_bad: bool, warn: Any, spool: TextSpool, on_duplicate_id: str = "error"
    ) -> None:
        self._args = (list(inputs), skip_bad, spool)
        self._on_duplicate_id = on_duplicate_id
        self._warn = warn
        self._pid = 0
        # A path that is not there is said at once, not after the libraries have loaded.
        for item in self._args[0]:
            if item != "-" and not Path(item).exists():
                raise _missing(item)
        if hasattr(os, "fork") and not len(spool):
            read_fd, write_fd = os.pipe()
            self._pid = os.fork()
            if self._pid == 0:  # pragma: no cover - the child's coverage is not collected
                os.close(read_fd)
                self._child(write_fd)
            os.close(write_fd)
            self._fd = read_fd

    def _child(self, write_fd: int) -> None:  # pragma: no cover - runs in the forked process
        inputs, skip_bad, spool = self._args
        warnings: list[str] = []
        status = 0
        try:
            try:
                articles, rejected = read_articles(
                    inputs, skip_bad=skip_bad, warn=warnings.append, spool=spool, on_duplicate_id=self._on_duplicate_id
                )
                spool.flush()
                payload: tuple[Any, ...] = ("done", warnings, articles, rejected, spool.bounds, spool.keys, spool.moved)
            except Exception as err:  # bad input, a full disk, or a bug: raised again by the parent
                payload = ("failed", warnings, err)
            with os.fdopen(write_fd, "wb") as out:
                pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # a broken pipe or Ctrl-C: the parent says the reading stopped
            status = 1
        finally:
            os._exit(status)

    def __enter__(self) -> ReadAside:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the reading process if its result was never taken (the run stopped before)."""
        if self._pid:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
            self._pid = 0

    def result(self) -> tuple[list[Article], list[Rejected]]:
        """The articles and rejected records, once the reading is done."""
        inputs, skip_bad, spool = self._args
        if not self._pid:
            return read_articles(
                inputs, skip_bad=skip_bad, warn=self._warn, spool=spool, on_duplicate_id=self._on_duplicate_id
            )
        with os.fdopen(self._fd, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if not data:
            code = os.waitstatus_to_exitcode(status)
            raise InputError(f"reading {' '.join(inputs)} stopped without a result (exit status {code})")
        payload = pickle.loads(data)
        for message in payload[1]:
            if self._warn is not None:
                self._warn(message)
        if payload[0] == "failed":
            raise payload[2]
        _, _, articles, rejected, bounds, keys, moved = payload
        spool.adopt(bounds, keys, moved)
        return articles, rejected
