"""The persistent index of `dedup match --index DIR`: a SQLite file (the standard library's sqlite3,
WAL mode) holding what later runs need to match new articles against earlier ones, and no text.

What it keeps per article: its metadata (id, title, source, url, publication), a digest of its text
(to tell a re-run from a changed article), the exact key of its text (copies), its hashed features
(shingles, MinHash signature, term counts, names, figures, days; see pipeline.Features), its
figures as read (for the fact table), and its story. Per story: the article that founded it, the
run that made it, and whether it was merged into another (and which) or dissolved. The confirmed
pairs inside stories; per outlet, in how many articles each short line was seen (hashed), from
which boilerplate is learned; and the document frequency of every hashed term column.

Everything a run changes is written in one transaction: a run killed at any moment leaves the
index as it was. A lock file beside the database keeps a second run waiting (or failing) while one
runs. All SQL lives here: another storage (a SQL server) would implement the same methods.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import pickle
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from dedup import normalize, similarity

SCHEMA_VERSION = 3
DATABASE = "index.sqlite"
LOCK = "index.lock"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    run INTEGER PRIMARY KEY, at TEXT NOT NULL, day REAL NOT NULL, inputs TEXT NOT NULL,
    added INTEGER NOT NULL, replaced INTEGER NOT NULL, unchanged INTEGER NOT NULL
);
CREATE TABLE articles (
    id TEXT PRIMARY KEY, story TEXT, day REAL NOT NULL, published TEXT, source TEXT,
    title TEXT NOT NULL, url TEXT, run INTEGER NOT NULL, origin TEXT NOT NULL,
    digest TEXT NOT NULL, exact_key INTEGER NOT NULL, prefix INTEGER NOT NULL,
    features BLOB NOT NULL, figures BLOB NOT NULL, lines BLOB
);
CREATE INDEX articles_day ON articles (day);
CREATE INDEX articles_story ON articles (story);
CREATE TABLE stories (
    id TEXT PRIMARY KEY, founder TEXT NOT NULL, created_run INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('live', 'merged', 'dissolved')),
    merged_into TEXT, changed_run INTEGER NOT NULL
);
CREATE TABLE pairs (
    a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL, score REAL NOT NULL,
    probability REAL, cosine REAL, jaccard REAL, containment REAL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX pairs_b ON pairs (b);
CREATE TABLE lines (
    source TEXT NOT NULL, line INTEGER NOT NULL, docs INTEGER NOT NULL, PRIMARY KEY (source, line)
) WITHOUT ROWID;
CREATE TABLE sources (source TEXT PRIMARY KEY, docs INTEGER NOT NULL);
CREATE TABLE document_frequencies (columns BLOB NOT NULL);
"""


# Seconds an index may stay locked by another process while it is opened (made, migrated).
OPEN_TIMEOUT = 60.0


class IndexProblem(Exception):
    """An index that cannot be used as asked (the message says why and what to do)."""


def text_digest(article_title: str, text: str) -> str:
    """What tells a re-sent article from a changed one: a digest of its title and text as written."""
    h = hashlib.blake2b(digest_size=16)
    h.update(article_title.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def line_hash(key: str) -> int:
    """A short line's key as a signed 64-bit integer: the index counts lines, it does not keep them."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _signed(key: int) -> int:
    """An unsigned 64-bit exact key as SQLite's signed integer."""
    return key - (1 << 64) if key >= 1 << 63 else key


def _unsigned(key: int) -> int:
    return key + (1 << 64) if key < 0 else key


# ---- features as bytes ---------------------------------------------------------------------------

_FIELDS = (
    ("shingles", np.uint32),
    ("columns", np.int32),
    ("counts", np.float32),
    ("lead_columns", np.int32),
    ("lead_counts", np.float32),
    ("title_columns", np.int32),
    ("title_counts", np.float32),
    ("names", np.uint64),
    ("figures", np.uint64),
    ("dates", np.uint64),
)


def features_blob(signature: np.ndarray, fields: dict[str, np.ndarray]) -> bytes:
    """One article's features as bytes: the lengths of its fields, its signature, then each field."""
    head = np.array([len(fields[name]) for name, _ in _FIELDS], dtype=np.int32)
    parts = [head.tobytes(), np.ascontiguousarray(signature, dtype=np.uint32).tobytes()]
    parts += [np.ascontiguousarray(fields[name], dtype=dtype).tobytes() for name, dtype in _FIELDS]
    return b"".join(parts)


Ragged = dict[str, np.ndarray]


def read_features(blobs: Sequence[bytes], num_perm: int) -> tuple[np.ndarray, Ragged, Ragged]:
    """The signatures, ragged values and per-field offsets of many articles' feature blobs."""
    n = len(blobs)
    signatures = np.zeros((n, num_perm), dtype=np.uint32)
    lengths = np.zeros((n, len(_FIELDS)), dtype=np.int64)
    pieces: list[list[np.ndarray]] = [[] for _ in _FIELDS]
    head_bytes = 4 * len(_FIELDS)
    for d, blob in enumerate(blobs):
        head = np.frombuffer(blob, dtype=np.int32, count=len(_FIELDS))
        lengths[d] = head
        at = head_bytes
        signatures[d] = np.frombuffer(blob, dtype=np.uint32, count=num_perm, offset=at)
        at += 4 * num_perm
        for f, (_name, dtype) in enumerate(_FIELDS):
            size = int(head[f])
            pieces[f].append(np.frombuffer(blob, dtype=dtype, count=size, offset=at))
            at += size * np.dtype(dtype).itemsize
        if at != len(blob):
            raise IndexProblem(f"an indexed article's features are damaged ({at} of {len(blob)} bytes read)")
    values = {}
    offsets = {}
    for f, (name, dtype) in enumerate(_FIELDS):
        values[name] = np.concatenate(pieces[f]) if n else np.zeros(0, dtype)
        off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths[:, f], out=off[1:])
        offsets[name] = off
    return signatures, values, offsets


def figures_blob(claims: list[Any], prefix: int) -> bytes:
    """An article's figures as read (claims.Claim objects), for the fact tables of later runs: each
    with its sentence, not the words read from it (see Claim.__getstate__)."""
    return zlib.compress(pickle.dumps((prefix, claims), protocol=5), 3)


def read_figures(blob: bytes) -> tuple[int, list[Any]]:
    return pickle.loads(zlib.decompress(blob))  # the index's own data, written by figures_blob


# ---- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indexed:
    """One indexed article, as later runs read it (its features and figures on demand)."""

    id: str
    story: str | None
    day: float
    published: str | None
    source: str | None
    title: str
    url: str | None
    run: int
    origin: str
    digest: str
    exact_key: int


@dataclass(frozen=True)
class StoryRecord:
    id: str
    founder: str
    created_run: int
    state: str
    merged_into: str | None


@dataclass(frozen=True)
class PairRecord:
    a: str
    b: str
    kind: str
    score: float
    probability: float | None
    cosine: float | None
    jaccard: float | None
    containment: float | None


@dataclass(frozen=True)
class NewArticle:
    """What a run adds for one of its articles."""

    indexed: Indexed
    features: bytes
    figures: bytes
    prefix: int
    lines: bytes  # lines_blob: whether its short lines were counted, and which


@dataclass
class RunChanges:
    """Everything a run writes, in one transaction (see Index.commit)."""

    at: str
    day: float
    inputs: str
    added: list[NewArticle]
    replaced: list[str]  # ids whose earlier version is removed (their new one is in `added`)
    unchanged: int
    story_of: dict[str, str | None]  # article id -> story id, for every article whose story is set or changed
    new_stories: list[StoryRecord]
    merged: dict[str, str]  # story id -> the story it was merged into
    dissolved: list[str]
    drop_pairs_among: set[str]  # pairs with both ends among these articles are replaced by `pairs`
    drop_pairs: list[tuple[str, str]]  # other kept pairs whose articles are no longer in one story
    pairs: list[PairRecord]
    lines: normalize.LineCounts | None  # the added articles' short lines
    settings: str  # the hashing settings of its features (recorded by the first run)
    column_use: np.ndarray | None  # change of each hashed column's document frequency (added less replaced)


# ---- the index -----------------------------------------------------------------------------------

_ARTICLE_COLUMNS = "id, story, day, published, source, title, url, run, origin, digest, exact_key"


def _indexed(row: Sequence[Any]) -> Indexed:
    values = list(row)
    values[10] = _unsigned(values[10])
    return Indexed(*values)


class Index:
    """An index directory: open it with `Index.open(DIR)` (created where missing), lock it for a run
    with `with index.locked(timeout):`, read what a run needs, and `commit` the run's changes."""

    def __init__(self, directory: Path, db: sqlite3.Connection) -> None:
        self.directory = directory
        self.db = db

    # opening and closing

    @classmethod
    def open(cls, directory: str | os.PathLike[str], create: bool = True) -> Index:
        """The index in `directory` (made there when `create` and there is none), its schema
        migrated to this version's."""
        path = Path(directory)
        database = path / DATABASE
        if not database.exists():
            if path.exists() and not path.is_dir():
                hint = "" if create else " (DIR is the directory of an index)"
                raise IndexProblem(f"{path} is a file, not an index directory{hint}")
            if not create:
                raise IndexProblem(f"{path}: no index here (no {DATABASE}); `dedup match ... --index {path}` makes one")
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise IndexProblem(f"cannot make the index directory {path}: {err.strerror or err}") from None
        # Two runs opening a new index at once: while one turns the new file to WAL mode, the
        # other is told "database is locked" at once, whatever the busy timeout; it tries again.
        deadline = time.monotonic() + OPEN_TIMEOUT
        while True:
            db = None
            try:
                db = sqlite3.connect(database, isolation_level=None, timeout=OPEN_TIMEOUT)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=OFF")
                index = cls(path, db)
                index._check_schema()
                return index
            except sqlite3.DatabaseError as err:
                if db is not None:
                    db.close()
                locked = isinstance(err, sqlite3.OperationalError) and "locked" in str(err)
                if locked and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise IndexProblem(f"{database} is not a dedup index, or is damaged: {err}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _check_schema(self) -> None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                    self.db.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [("schema_version", str(SCHEMA_VERSION)), ("created", _now())],
                    )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            return
        if "meta" not in tables:
            raise IndexProblem(f"{self.directory / DATABASE} is a SQLite file but not a dedup index")
        version = int(self.meta("schema_version") or 0)
        if version > SCHEMA_VERSION:
            raise IndexProblem(
                f"{self.directory} was written by a newer dedup (index schema {version}, this one reads up to "
                f"{SCHEMA_VERSION}): upgrade dedup to use it"
            )
        for step in range(version, SCHEMA_VERSION):
            _MIGRATIONS[step](self.db)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def check_settings(self, settings: str) -> None:
        """The hashing settings an index was made with must be the run's: features of different
        settings cannot be compared. The first run records them."""
        known = self.meta("settings")
        if known is not None and known != settings:
            raise IndexProblem(
                f"{self.directory} was made with other hashing settings ({known}) than this run's ({settings}): "
                "use the settings it was made with, or a new index"
            )

    # locking

    def locked(self, timeout: float) -> _Lock:
        """A lock on the index for one run: a second run waits up to `timeout` seconds (0: not at
        all), then fails with a message. The operating system releases it when a run dies."""
        return _Lock(self.directory / LOCK, timeout)

    # reading

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def articles(self, ids: Iterable[str]) -> dict[str, Indexed]:
        out: dict[str, Indexed] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", part):
                out[row[0]] = _indexed(row)
        return out

    def window(self, since: float) -> list[Indexed]:
        """The indexed articles of day `since` or later, in id order."""
        rows = self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE day >= ? ORDER BY id", (since,))
        return [_indexed(r) for r in rows]

    def members(self, stories: Iterable[str]) -> list[Indexed]:
        """Every indexed article of these stories, in id order."""
        out: list[Indexed] = []
        stories = sorted(set(stories))
        for start in range(0, len(stories), 500):
            part = stories[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE story IN ({marks})", part)
            out.extend(_indexed(r) for r in rows)
        return sorted(out, key=lambda a: a.id)

    def features(self, ids: Sequence[str]) -> list[bytes]:
        return self._blobs("features", ids)

    def figures(self, ids: Sequence[str]) -> list[bytes]:
        return self._blobs("figures", ids)

    def _blobs(self, column: str, ids: Sequence[str]) -> list[bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(ids), 500):
            part = list(ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for aid, blob in self.db.execute(f"SELECT id, {column} FROM articles WHERE id IN ({marks})", part):
                found[aid] = blob
        return [found[a] for a in ids]

    def pairs_touching(self, ids: Iterable[str]) -> list[PairRecord]:
        """Every stored pair with an end among `ids`."""
        ids = sorted(set(ids))
        seen: dict[tuple[str, str], PairRecord] = {}
        for start in range(0, len(ids), 400):
            part = ids[start : start + 400]
            marks = ",".join("?" * len(part))
            sql = f"SELECT * FROM pairs WHERE a IN ({marks}) UNION SELECT * FROM pairs WHERE b IN ({marks})"
            for row in self.db.execute(sql, part + part):
                seen[(row[0], row[1])] = PairRecord(*row)
        return [seen[k] for k in sorted(seen)]

    def stories(self, ids: Iterable[str]) -> dict[str, StoryRecord]:
        out = {}
        ids = sorted(set(ids))
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            sql = f"SELECT id, founder, created_run, state, merged_into FROM stories WHERE id IN ({marks})"
            for row in self.db.execute(sql, part):
                out[row[0]] = StoryRecord(*row)
        return out

    def last_run(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(run), 0) FROM runs").fetchone()[0])

    def line_counts(self, sources: Iterable[str]) -> tuple[dict[str, dict[int, int]], Counter[str]]:
        """Per source among `sources`: in how many indexed articles each (hashed) short line was seen,
        and how many indexed articles it has."""
        per: dict[str, dict[int, int]] = {}
        docs: Counter[str] = Counter()
        for src in sorted(set(sources)):
            per[src] = dict(self.db.execute("SELECT line, docs FROM lines WHERE source = ?", (src,)).fetchall())
            row = self.db.execute("SELECT docs FROM sources WHERE source = ?", (src,)).fetchone()
            docs[src] = row[0] if row else 0
        return per, docs

    def document_frequencies(self) -> np.ndarray:
        """How many indexed articles use each hashed term column."""
        row = self.db.execute("SELECT columns FROM document_frequencies").fetchone()
        if row is None:
            return np.zeros(similarity.N_FEATURES, dtype=np.uint32)
        return np.frombuffer(zlib.decompress(row[0]), dtype=np.uint32).copy()

    # writing

    def commit(self, changes: RunChanges) -> int:
        """Write a run's changes in one transaction; returns the run's number."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            run = self.last_run() + 1
            db.execute("INSERT OR IGNORE INTO meta VALUES ('settings', ?)", (changes.settings,))
            _uncount_lines(db, changes.replaced)
            for aid in changes.replaced:
                db.execute("DELETE FROM articles WHERE id = ?", (aid,))
                db.execute("DELETE FROM pairs WHERE a = ? OR b = ?", (aid, aid))
            db.executemany(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        n.indexed.id, None, n.indexed.day, n.indexed.published, n.indexed.source, n.indexed.title,
                        n.indexed.url, run, n.indexed.origin, n.indexed.digest, _signed(n.indexed.exact_key),
                        n.prefix, n.features, n.figures, n.lines,
                    )
                    for n in changes.added
                ),
            )  # fmt: skip
            db.executemany(
                "INSERT INTO stories VALUES (?, ?, ?, 'live', NULL, ?)",
                ((s.id, s.founder, run, run) for s in changes.new_stories),
            )
            for old, into in sorted(changes.merged.items()):
                db.execute(
                    "UPDATE stories SET state = 'merged', merged_into = ?, changed_run = ? WHERE id = ?",
                    (into, run, old),
                )
                db.execute("UPDATE articles SET story = ? WHERE story = ?", (into, old))
            for sid in changes.dissolved:
                db.execute("UPDATE stories SET state = 'dissolved', changed_run = ? WHERE id = ?", (run, sid))
            db.executemany(
                "UPDATE articles SET story = ? WHERE id = ?", ((s, a) for a, s in sorted(changes.story_of.items()))
            )
            among = sorted(changes.drop_pairs_among)
            if among:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS run_among (id TEXT PRIMARY KEY)")
                db.execute("DELETE FROM run_among")
                db.executemany("INSERT INTO run_among VALUES (?)", ((a,) for a in among))
                # Pairs from each window article, then whether the other end is in the window too.
                db.execute(
                    "DELETE FROM pairs WHERE (a, b) IN (SELECT p.a, p.b FROM run_among r JOIN pairs p ON p.a = r.id "
                    "JOIN run_among s ON s.id = p.b)"
                )
            db.executemany("DELETE FROM pairs WHERE a = ? AND b = ?", changes.drop_pairs)
            db.executemany(
                "INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((p.a, p.b, p.kind, p.score, p.probability, p.cosine, p.jaccard, p.containment) for p in changes.pairs),
            )
            if changes.lines is not None:
                for src, counter in changes.lines.per_source.items():
                    db.executemany(
                        "INSERT INTO lines VALUES (?, ?, ?) "
                        "ON CONFLICT (source, line) DO UPDATE SET docs = docs + excluded.docs",
                        ((src, line_hash(key), c) for key, c in counter.items()),
                    )
                db.executemany(
                    "INSERT INTO sources VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET docs = docs + excluded.docs",
                    sorted(changes.lines.n_docs.items()),
                )
            if changes.column_use is not None and changes.column_use.any():
                total = np.maximum(self.document_frequencies().astype(np.int64) + changes.column_use, 0)
                total = total.astype(np.uint32)
                db.execute("DELETE FROM document_frequencies")
                db.execute("INSERT INTO document_frequencies VALUES (?)", (zlib.compress(total.tobytes(), 1),))
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run,
                    changes.at,
                    changes.day,
                    changes.inputs,
                    len(changes.added),
                    len(changes.replaced),
                    changes.unchanged,
                ),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return run

    # maintenance

    def stats(self) -> dict[str, Any]:
        db = self.db
        one = lambda sql, *args: db.execute(sql, args).fetchone()[0]  # noqa: E731
        states = dict(db.execute("SELECT state, COUNT(*) FROM stories GROUP BY state").fetchall())
        days = db.execute("SELECT MIN(day), MAX(day) FROM articles").fetchone()
        size = sum(p.stat().st_size for p in self.directory.glob(DATABASE + "*"))
        return {
            "index": str(self.directory),
            "schema_version": int(self.meta("schema_version") or 0),
            "created": self.meta("created"),
            "runs": one("SELECT COUNT(*) FROM runs"),
            "last_run": db.execute("SELECT MAX(at) FROM runs").fetchone()[0],
            "articles": one("SELECT COUNT(*) FROM articles"),
            "articles_in_stories": one("SELECT COUNT(*) FROM articles WHERE story IS NOT NULL"),
            "undated_articles": one("SELECT COUNT(*) FROM articles WHERE published IS NULL"),
            "stories": states.get("live", 0),
            "stories_merged": states.get("merged", 0),
            "stories_dissolved": states.get("dissolved", 0),
            "pairs": one("SELECT COUNT(*) FROM pairs"),
            "sources": one("SELECT COUNT(*) FROM sources"),
            "first_day": _day_text(days[0]),
            "last_day": _day_text(days[1]),
            "bytes": size,
        }

    def export(self) -> Iterator[dict[str, Any]]:
        rows = self.db.execute("SELECT id, story, published, source, title, url, run, day FROM articles ORDER BY id")
        for aid, story, published, source, title, url, run, day in rows:
            yield {
                "id": aid, "story": story, "published": published, "source": source, "title": title,
                "url": url, "run": run, "day": _day_text(day),
            }  # fmt: skip

    def prune(self, before: float, day_text: str) -> dict[str, int]:
        """Remove the articles of days before `before` (their pairs, and their term columns from the
        document frequencies); stories left with one article are dissolved. Story ids stay taken."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE day < ? ORDER BY id", (before,))]
            use = np.zeros(similarity.N_FEATURES, dtype=np.int64)
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                _sig, values, _off = read_features(self._blobs("features", part), self._num_perm())
                np.add.at(use, values["columns"].astype(np.int64), 1)
            touched = {
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT story FROM articles WHERE day < ? AND story IS NOT NULL", (before,)
                )
            }
            _uncount_lines(db, ids)
            db.execute("DELETE FROM pairs WHERE a IN (SELECT id FROM articles WHERE day < ?)", (before,))
            db.execute("DELETE FROM pairs WHERE b IN (SELECT id FROM articles WHERE day < ?)", (before,))
            db.execute("DELETE FROM articles WHERE day < ?", (before,))
            dissolved = 0
            run = self.last_run()
            for sid in sorted(touched):
                left = db.execute("SELECT COUNT(*) FROM articles WHERE story = ?", (sid,)).fetchone()[0]
                if left < 2:
                    db.execute("UPDATE articles SET story = NULL WHERE story = ?", (sid,))
                    db.execute("UPDATE stories SET state = 'dissolved', changed_run = ? WHERE id = ?", (run, sid))
                    dissolved += 1
            if ids:
                total = self.document_frequencies().astype(np.int64) - use
                db.execute("DELETE FROM document_frequencies")
                db.execute(
                    "INSERT INTO document_frequencies VALUES (?)",
                    (zlib.compress(np.maximum(total, 0).astype(np.uint32).tobytes(), 1),),
                )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('pruned_before', ?)", (day_text,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"articles_removed": len(ids), "stories_dissolved": dissolved}

    def _num_perm(self) -> int:
        settings = self.meta("settings") or ""
        for part in settings.split():
            if part.startswith("num_perm="):
                return int(part.split("=", 1)[1])
        raise IndexProblem(f"{self.directory}: the index does not say its hashing settings")


def _migrate_0(db: sqlite3.Connection) -> None:  # pragma: no cover - no index of schema 0 exists
    raise IndexProblem("this index predates schema 1: make a new index")


def _migrate_1(db: sqlite3.Connection) -> None:
    """Schema 2: each article's counted short lines (as hashes), so that removing it (prune,
    --update) takes them out of the outlets' line counts. Articles indexed before have none
    recorded (NULL): their lines stay counted."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]) == 1:
            db.execute("ALTER TABLE articles ADD COLUMN lines BLOB")
            db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _migrate_2(db: sqlite3.Connection) -> None:
    """Schema 3: figures are stored with their sentences, not with the words read from them
    (claims.Claim pickles so; those fields are read again on first use). Figures stored before
    keep every field and read as they are: only the version changes, so that a dedup that
    reads schema 2 alone does not meet figures it cannot read."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]) == 2:
            db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


_MIGRATIONS = {0: _migrate_0, 1: _migrate_1, 2: _migrate_2}


def lines_blob(counted: bool, keys: Iterable[str]) -> bytes:
    """What an article added to its outlet's line counts: nothing (a copy of a text counted
    already), or one article and each of its short lines (by line_hash)."""
    hashes = sorted({line_hash(k) for k in keys}) if counted else []
    return zlib.compress(np.array([int(counted), *hashes], dtype=np.int64).tobytes(), 1)


def _uncount_lines(db: sqlite3.Connection, ids: Sequence[str]) -> None:
    """Take articles about to be removed out of the line counts (those indexed with their lines);
    the lines and sources no article counts any more go. Only the rows these articles counted are
    touched: a run that removes none reads neither table."""
    touched: list[tuple[str, int]] = []
    sources: set[str] = set()
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        rows = db.execute(
            f"SELECT source, lines FROM articles WHERE id IN ({marks}) AND lines IS NOT NULL", part
        ).fetchall()
        for source, blob in rows:
            values = np.frombuffer(zlib.decompress(blob), dtype=np.int64)
            if not len(values) or not values[0]:
                continue
            src = source or ""
            sources.add(src)
            db.execute("UPDATE sources SET docs = docs - 1 WHERE source = ?", (src,))
            keys = [(src, int(h)) for h in values[1:].tolist()]
            touched.extend(keys)
            db.executemany("UPDATE lines SET docs = docs - 1 WHERE source = ? AND line = ?", keys)
    db.executemany("DELETE FROM lines WHERE source = ? AND line = ? AND docs <= 0", touched)
    db.executemany("DELETE FROM sources WHERE source = ? AND docs <= 0", ((src,) for src in sorted(sources)))


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _day_text(day: float | None) -> str | None:
    if day is None:
        return None
    return datetime.utcfromtimestamp(day * 86400).date().isoformat()


class _Lock:
    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.fd: int | None = None

    def __enter__(self) -> _Lock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    holder = self.path.read_text(errors="replace").strip() or "another run"
                    raise IndexProblem(
                        f"{self.path.parent} is in use by {holder}; waited {self.timeout:g}s "
                        "(--lock-timeout sets how long to wait)"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()} since {_now()}".encode())
        self.fd = fd
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
