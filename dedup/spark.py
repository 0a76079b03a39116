"""The Spark engine: the local pipeline's stages on Apache Spark, with the same answers.

The only module that imports pyspark. Every stage calls the code the local engine runs, on the
part of the data a task holds:

1. reading: each input file is read by one task with io's own reader (file:line in every error);
   ids repeated across files are settled on the driver, by the rule the local reader applies;
2. articles are numbered by their place among all ids sorted (the local engine breaks every
   tie by that place, so both engines order pairs and links the same way);
3. line counts per outlet add up across tasks into the run's boilerplate; hashing, term counts
   and signatures run per block of 500 articles through pipeline's extractor;
4. document frequencies are summed across blocks; each block weighs its rows with the run's IDF;
5. LSH buckets are (band, key) rows grouped by Spark: the shingle tier's buckets of up to
   `max_bucket` members give all their pairs, the term tier's one-row bands give all pairs of
   small buckets and each member's `window` next members (window functions) in larger ones;
6. the candidate pairs between two groups of articles (GROUP) are given the scorer's pair
   signals in one task holding both groups' vectors and sets (cogrouped); each pair's rank in
   its two articles' candidate lists comes from window functions; the scorer and the local
   engine's decision rule confirm them;
7. the majority rule groups the confirmed pairs on the driver (links and article titles fit
   there up to some tens of millions of articles); each story's figures are read and compared
   by one task, with the versions' texts joined to it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from dedup import claims as claims_mod
from dedup import hashing, io, lsh, normalize, pipeline, report, similarity
from dedup import scorer as scorer_mod
from dedup.config import MatchConfig
from dedup.models import Article, Rejected, Report

Progress = Callable[[str], None]

BLOCK = 500  # articles hashed together, as the local engine's chunks
# Articles whose profiles a pair-scoring task holds, two groups at a time (about 2 x 7 KB each
# sent, some 2 GB decoded at 25,000). Each profile is sent once per group, so the shuffle grows
# with n * n / GROUP: larger groups on executors with the memory for them.
GROUP = 25_000


# What a run persisted or broadcast, released when it ends (a caller's session outlives it).
_HELD: ContextVar[list[Any] | None] = ContextVar("_HELD", default=None)


def _persist(data: Any) -> Any:
    """data.persist(), released at the end of the run."""
    held = _HELD.get()
    if held is not None:
        held.append(data)
    return data.persist()


def _broadcast(sc: Any, value: Any) -> Any:
    """sc.broadcast(value), released at the end of the run."""
    out = sc.broadcast(value)
    held = _HELD.get()
    if held is not None:
        held.append(out)
    return out


def _release(held: list[Any]) -> None:
    for data in reversed(held):
        with contextlib.suppress(Exception):  # a stopped session has released everything already
            data.unpersist()


class SparkUnavailable(RuntimeError):
    """pyspark (or Java) is missing: the message says what to install."""


def job_failure(err: BaseException) -> str | None:
    """What went wrong in a failed Spark job, in one line (the last line of the Python error a
    task raised, or of the JVM's), or None when `err` is no Spark failure."""
    names = {cls.__name__ for cls in type(err).__mro__}
    if not names & {"PySparkException", "Py4JJavaError", "Py4JError"}:
        return None
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    python = [line for line in lines if line.split(":", 1)[0].endswith(("Error", "Exception"))]
    return (python or lines or [type(err).__name__])[-1][:500]


_MISSING = "the Spark engine needs pyspark: pip install 'dedup[spark]' (and Java 17: make install-spark)"


_LOG_CONFIG = Path(__file__).resolve().parent / "data" / "spark-log4j2.properties"


def session(master: str | None = None, app: str = "dedup", ui: bool = False) -> Any:
    """A Spark session on `master` (default local[*]); the Python workers run this interpreter.
    `ui`: Spark's web UI and its REST API (the stages' times and shuffle sizes), off by default."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(_MISSING) from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master or "local[*]")
        .appName(app)
        .config("spark.ui.enabled", "true" if ui else "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("DEDUP_SPARK_DRIVER_MEMORY", "4g"))
        # Errors only from the driver's JVM (dedup/data/spark-log4j2.properties): its start-up
        # warnings would come before dedup's own lines on every run.
        .config("spark.driver.extraJavaOptions", f"-Dlog4j.configurationFile={_LOG_CONFIG.as_uri()}")
    )
    if (master or "local[*]").startswith("local"):
        # One machine: a few shuffle partitions per core, not Spark's 200 (each a task to start).
        builder = builder.config("spark.sql.shuffle.partitions", str(4 * (os.cpu_count() or 2))).config(
            "spark.default.parallelism", str(2 * (os.cpu_count() or 2))
        )
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # the JVM did not start: Java missing or broken
        raise SparkUnavailable(f"Spark could not start ({err}); Java 17 is needed: make install-spark") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# ---------------------------------------------------------------------------------------------
# 1. Reading
# ---------------------------------------------------------------------------------------------


def _has_scheme(item: str) -> bool:
    """A URI Spark reads through its filesystems (hdfs://, s3a://, file://), not a local path."""
    return "://" in item


def input_files(inputs: Sequence[str], warn: Progress | None = None) -> list[str]:
    """The files the inputs name, in the order the local reader reads them (io.input_paths):
    paths, directories, globs (their article files; others are passed over and said), and URIs
    Spark reads itself (hdfs://, s3a://, file://: see _uri_files)."""
    named: list[str] = []
    for item in inputs:
        if item == "-":
            raise io.InputError("-: the Spark engine reads files (or URIs), not standard input")
        if not _has_scheme(item) and not Path(item).exists() and glob.has_magic(item):
            matched = sorted(glob.glob(item))
            if not matched:
                raise io.InputError(f"{item}: no file matches")
            files = [m for m in matched if Path(m).is_file() and m.lower().endswith(io.SUFFIXES)]
            if len(files) < len(matched) and warn is not None:
                others = [m for m in matched if m not in set(files)]
                warn(
                    f"passed over {len(others)} of the paths {item} matches, not article files: {', '.join(others[:5])}"
                )
            named.extend(files)
        else:
            named.append(item)
    return [str(p) for p in io.input_paths(named, warn, passed=_has_scheme)]


def _uri_files(sc: Any, uri: str) -> list[str]:
    """The JSONL files a URI names (a file, a directory's files, or a glob), sorted, through the
    Hadoop filesystem Spark is set up with."""
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(conf)
    statuses = fs.globStatus(path) or []
    out: list[str] = []
    for status in statuses:
        if status.isDirectory():
            walk = fs.listFiles(status.getPath(), True)
            while walk.hasNext():
                out.append(walk.next().getPath().toString())
        else:
            out.append(status.getPath().toString())
    files = sorted(f for f in out if f.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")))
    if not files:
        raise io.InputError(f"{uri}: no .jsonl or .jsonl.gz file there")
    return files


@dataclass(frozen=True)
class _Unreadable:
    """A file a task could not read: the run stops with this message, as the local reader does."""

    message: str


def _read_file(entry: tuple[int, str, str]) -> Iterator[tuple[int, int, Article | Rejected | _Unreadable]]:
    """Every record of one input file: (file number, record number, record). The file is opened
    by its absolute path (a task's working directory is not the driver's), and its records name
    it as given."""
    number, name, absolute = entry
    try:
        for seq, record in enumerate(io._read_path(Path(absolute))):
            if record.origin.startswith(absolute):
                record = replace(record, origin=name + record.origin[len(absolute) :])
            yield number, seq, record
    except io.InputError as err:
        yield number, -1, _Unreadable(str(err).replace(absolute, name, 1))
    except OSError as err:
        yield number, -1, _Unreadable(f"{name}: {err.strerror or err}")


def _read_bytes(number: int, name: str, data: bytes) -> Iterator[tuple[int, int, Article | Rejected]]:
    """Records of a file Spark read as bytes (a URI): JSONL, gzipped or not."""
    import gzip
    from io import BytesIO

    stream: Any = BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    for seq, record in enumerate(io._jsonl_lines(stream, name)):
        yield number, seq, record


@dataclass
class Read:
    """The run's articles, in input order, without their texts (they stay in Spark), and what was rejected."""

    articles: list[Article]  # text left out
    rejected: list[Rejected]
    records: Any  # RDD of (file number, record number, Article, exact key) of the kept articles, texts included
    keys: list[int]  # io.exact_key of each article's text, in input order


def read(spark: Any, inputs: Sequence[str], skip_bad: bool, on_duplicate_id: str, warn: Progress | None) -> Read:
    """Read every input in Spark tasks; settle repeated ids and bad records on the driver."""
    sc = spark.sparkContext
    files: list[tuple[str, bool]] = []  # (name, read through Spark's filesystems)
    for item in input_files(inputs, warn):
        files.extend([(f, True) for f in _uri_files(sc, item)] if _has_scheme(item) else [(item, False)])
    local = [(k, f, os.path.abspath(f)) for k, (f, uri) in enumerate(files) if not uri]
    uris = {f: k for k, (f, uri) in enumerate(files) if uri}
    rdds = []
    if local:
        rdds.append(sc.parallelize(local, max(1, len(local))).flatMap(_read_file))
    if uris:
        numbers = _broadcast(sc, uris)
        rdds.append(sc.binaryFiles(",".join(uris)).flatMap(lambda kv: _read_bytes(numbers.value[kv[0]], kv[0], kv[1])))
    records = sc.union(rdds) if len(rdds) > 1 else (rdds[0] if rdds else sc.parallelize([]))
    failed = sorted((n, r.message) for n, _s, r in records.filter(lambda r: isinstance(r[2], _Unreadable)).collect())
    if failed:
        raise io.InputError(failed[0][1])
    records = records.map(lambda r: (r[0], r[1], r[2], io.exact_key(r[2].text) if isinstance(r[2], Article) else 0))
    _persist(records)
    bad = sorted(
        ((n, s, r) for n, s, r, _k in records.filter(lambda r: isinstance(r[2], Rejected)).collect()),
        key=lambda b: b[:2],
    )
    repeated = set(
        records.filter(lambda r: isinstance(r[2], Article))
        .map(lambda r: (r[2].id, 1))
        .reduceByKey(lambda a, b: a + b)
        .filter(lambda kv: kv[1] > 1)
        .keys()
        .collect()
    )
    drop: set[tuple[int, int]] = set()
    moved: dict[tuple[int, int], tuple[int, int]] = {}  # "last": a record kept at the first one's place
    if repeated:
        # Only what settles them comes to the driver: each record's fingerprint, not its text.
        again = sorted(
            records.filter(lambda r: isinstance(r[2], Article) and r[2].id in repeated)
            .map(lambda r: (r[0], r[1], replace(r[2], text=""), io._fingerprint(r[2], r[3])))
            .collect(),
            key=lambda r: r[:2],
        )
        held: dict[str, tuple[int, tuple[int, int], str]] = {}
        for n, s, art, fingerprint in again:
            if art.id not in held:
                held[art.id] = (fingerprint, (n, s), art.origin)
                continue
            first_fp, first_at, first_origin = held[art.id]
            settled = io.settle_repeat(art, fingerprint, first_origin, first_fp, on_duplicate_id, warn)
            if settled == "last":
                drop.add(first_at)
                moved[(n, s)] = moved.pop(first_at, first_at)
                held[art.id] = (fingerprint, (n, s), art.origin)
            else:
                drop.add((n, s))
                if isinstance(settled, Rejected):
                    bad.append((n, s, settled))
        bad.sort(key=lambda b: (b[0], b[1]))
    if bad and not skip_bad:
        first = bad[0][2]
        raise io.InputError(f"{first.origin}: {first.reason} (use --skip-bad to list it and go on)")
    drop_b = _broadcast(sc, drop)
    moved_b = _broadcast(sc, moved)
    kept = _persist(
        records.filter(lambda r: isinstance(r[2], Article) and (r[0], r[1]) not in drop_b.value).map(
            lambda r: (*moved_b.value.get((r[0], r[1]), (r[0], r[1])), r[2], r[3])
        )
    )
    heads = sorted(kept.map(lambda r: (r[0], r[1], replace(r[2], text=""), r[3])).collect(), key=lambda r: r[:2])
    records.unpersist()
    return Read([a for _n, _s, a, _k in heads], [r for _n, _s, r in bad], kept, [k for *_h, k in heads])


# ---------------------------------------------------------------------------------------------
# 2-4. Numbering, boilerplate, hashing, weighing
# ---------------------------------------------------------------------------------------------


@dataclass
class Profile:
    """What pair scoring reads of one article (its rows of the three matrices, kept columns only)."""

    body: tuple[np.ndarray, np.ndarray]
    lead: tuple[np.ndarray, np.ndarray]
    title: tuple[np.ndarray, np.ndarray]
    names: np.ndarray
    name_df: np.ndarray
    figures: np.ndarray
    dates: np.ndarray
    terms: np.ndarray
    shingles: np.ndarray
    title_dates: frozenset[tuple[int | None, int]]
    stamp: float
    reference: bool


def _line_counts(part: Iterable[tuple[int, Article, bool]]) -> Iterator[normalize.LineCounts]:
    yield normalize.LineCounts.of((a.source, a.text) for _row, a, _ref in part)


def _merged(a: normalize.LineCounts, b: normalize.LineCounts) -> normalize.LineCounts:
    a.add(b)
    return a


@dataclass
class _Block:
    rows: np.ndarray
    articles: list[tuple[Article, bool]]
    table: pipeline.FeatureTable


def _hash_block(
    config: MatchConfig, boilerplate: normalize.Boilerplate
) -> Callable[[tuple[int, Iterable[tuple[int, Article, bool]]]], _Block]:
    extractors: list[pipeline._Extractor] = []  # one per task, its token caches kept warm across blocks

    def run(kv: tuple[int, Iterable[tuple[int, Article, bool]]]) -> _Block:
        members = sorted(kv[1], key=lambda m: m[0])
        if not extractors:
            extractors.append(pipeline._Extractor(boilerplate, config))
        table = extractors[0]([(a.text, a.title, a.source) for _row, a, _ref in members])
        return _Block(
            np.array([row for row, _a, _r in members], np.int64),
            [(replace(a, text=""), ref) for _row, a, ref in members],
            table,
        )

    return run


def _use(block: _Block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    v = block.table.values
    return (
        similarity.column_use([v["columns"]]),
        similarity.column_use([v["lead_columns"]]),
        similarity.column_use([v["title_columns"]]),
    )


def _add3(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _kept_rows(matrix: sp.csr_matrix, keep: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for d in range(matrix.shape[0]):
        lo, hi = matrix.indptr[d], matrix.indptr[d + 1]
        cols, vals = matrix.indices[lo:hi], matrix.data[lo:hi]
        mask = keep[cols]
        out.append((cols[mask].astype(np.int32), vals[mask].astype(np.float32)))
    return out


def _held_by(names: np.ndarray, hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """How many articles hold each of `names`: its count among the (sorted) names held by several, else 1."""
    out = np.ones(len(names), dtype=np.float64)
    if len(hashes) and len(names):
        at = np.minimum(np.searchsorted(hashes, names), len(hashes) - 1)
        found = hashes[at] == names
        out[found] = counts[at[found]]
    return out


def _profiles(
    config: MatchConfig, weights: Any, name_counts: Any
) -> Callable[[_Block], Iterator[tuple[int, bytes, bytes]]]:
    """Per article of a block: (row, pickled Profile, pickled (shingle signature, term signature))."""

    def run(block: _Block) -> Iterator[tuple[int, bytes, bytes]]:
        idf, keep_body, keep_lead, keep_title = weights.value
        hashes, counts = name_counts.value
        weigh = similarity.Weigher(idf)
        t = block.table
        body = weigh(t.rows("columns", "counts"), in_place=True)
        top = similarity.top_terms(body, config.story_terms)
        lead = weigh(t.rows("lead_columns", "lead_counts"), in_place=True)
        title = weigh(t.rows("title_columns", "title_counts"), in_place=True)
        names = scorer_mod.Sets(*t.ragged("names"))
        terms = scorer_mod.Sets.of(top).union(names)
        story_sigs = lsh.Signer(config.story_bands, config.story_seed).sign_flat(terms.values, terms.offsets)
        figures = scorer_mod.Sets(*t.ragged("figures"))
        dates = scorer_mod.Sets(*t.ragged("dates"))
        shingles = scorer_mod.Sets(*t.ragged("shingles"))
        rows_b, rows_l, rows_t = _kept_rows(body, keep_body), _kept_rows(lead, keep_lead), _kept_rows(title, keep_title)
        for d, row in enumerate(block.rows.tolist()):
            art, ref = block.articles[d]
            own = names[d]
            df = _held_by(own, hashes, counts)
            profile = Profile(
                rows_b[d],
                rows_l[d],
                rows_t[d],
                own.copy(),
                df,
                figures[d].copy(),
                dates[d].copy(),
                terms[d].copy(),
                shingles[d].copy(),
                claims_mod.dates_in(art.title or ""),
                io.day_stamp(art.published) if art.published else float("nan"),
                ref,
            )
            has_shingles = len(shingles[d]) > 0
            sig = (t.signatures[d].copy() if has_shingles else None, story_sigs[d].copy() if len(terms[d]) else None)
            yield row, pickle.dumps(profile, protocol=5), pickle.dumps(sig, protocol=5)

    return run


# ---------------------------------------------------------------------------------------------
# 6. Pair signals
# ---------------------------------------------------------------------------------------------


def _csr(rows: list[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
    """One matrix of some articles' rows, columns renumbered in order (dot products unchanged)."""
    cols = np.concatenate([c for c, _v in rows]) if rows else np.zeros(0, np.int32)
    used = np.unique(cols)
    indptr = np.zeros(len(rows) + 1, np.int32)
    np.cumsum([len(c) for c, _v in rows], out=indptr[1:])
    data = np.concatenate([v for _c, v in rows]) if rows else np.zeros(0, np.float32)
    m = sp.csr_matrix(
        (data, np.searchsorted(used, cols).astype(np.int32), indptr), shape=(len(rows), max(len(used), 1))
    )
    m.has_sorted_indices = True
    return m


PAIR_COLUMNS = (
    "i",
    "j",
    "from_shingles",
    "identical",
    "shared",
    *(f"s{k}" for k in range(len(scorer_mod.PAIR_SIGNALS))),
    "mix",
    "jaccard",
    "containment",
    "titles_apart",
    "gap",
    "real",
)


_PAIR_TYPES = {
    "i": "long",
    "j": "long",
    "shared": "long",
    "from_shingles": "boolean",
    "identical": "boolean",
    "titles_apart": "boolean",
    "real": "boolean",
}


def _group_signals(min_shared: int) -> Callable[[Any, Any], Any]:
    """cogroup.applyInPandas: the profiles of two groups of articles and the candidate pairs
    between them -> the pairs kept, with their signals."""

    def run(profiles: Any, batch: Any) -> Any:
        import pandas as pd

        if not len(batch):
            return pd.DataFrame({c: [] for c in PAIR_COLUMNS})
        profiles = profiles.drop_duplicates("row").sort_values("row")
        unique = profiles["row"].to_numpy(np.int64)
        prof: list[Profile] = [pickle.loads(b) for b in profiles["p"].tolist()]
        local = np.stack(
            [np.searchsorted(unique, batch["i"].to_numpy()), np.searchsorted(unique, batch["j"].to_numpy())],
            axis=1,
        ).astype(np.int64)
        names = scorer_mod.Sets.of([p.names for p in prof])
        signals = scorer_mod.Signals(
            body=_csr([p.body for p in prof]),
            lead=_csr([p.lead for p in prof]),
            title=_csr([p.title for p in prof]),
            names=names,
            figures=scorer_mod.Sets.of([p.figures for p in prof]),
            dates=scorer_mod.Sets.of([p.dates for p in prof]),
            name_df=np.concatenate([p.name_df for p in prof]) if prof else np.zeros(0),
        )
        terms = scorer_mod.Sets.of([p.terms for p in prof])
        shared = terms.intersections(local)
        fs = batch["from_shingles"].to_numpy(bool)
        ident = batch["identical"].to_numpy(bool)
        keep = fs | ident | (shared >= min_shared)
        local, shared, fs, ident = local[keep], shared[keep], fs[keep], ident[keep]
        if not len(local):
            return pd.DataFrame({c: [] for c in PAIR_COLUMNS})
        cols = scorer_mod._pair_columns(signals, local)
        jac, cont = scorer_mod.Sets.of([p.shingles for p in prof]).overlaps(local)
        jac[ident], cont[ident] = 1.0, 1.0
        out = {
            "i": unique[local[:, 0]],
            "j": unique[local[:, 1]],
            "from_shingles": fs,
            "identical": ident,
            "shared": shared.astype(np.int64),
        }
        for k in range(cols.shape[1]):
            out[f"s{k}"] = cols[:, k].astype(np.float64)
        out["mix"] = cols[:, 0] + 0.5 * cols[:, 1] + 0.5 * cols[:, 2]
        out["jaccard"], out["containment"] = jac, cont
        # Only titles that both name days can disagree on them (most name none).
        dated = np.array([bool(p.title_dates) for p in prof], bool)
        both = np.flatnonzero(dated[local[:, 0]] & dated[local[:, 1]])
        apart = np.zeros(len(local), bool)
        apart[both] = [
            claims_mod.dates_disagree(prof[a].title_dates, prof[b].title_dates) for a, b in local[both].tolist()
        ]
        out["titles_apart"] = apart
        stamps = np.array([p.stamp for p in prof])
        out["gap"] = np.abs(stamps[local[:, 0]] - stamps[local[:, 1]])
        ref = np.array([p.reference for p in prof], bool)
        out["real"] = ~ref[local[:, 0]] & ~ref[local[:, 1]]
        return pd.DataFrame(out)

    return run


def _decide(config: MatchConfig, model: scorer_mod.Scorer) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """mapInPandas: pairs with their signals and ranks -> the confirmed ones, as pipeline.decide says."""
    threshold = model.threshold if config.threshold is None else config.threshold
    look_from = min(threshold, model.threshold)
    n_pair = len(scorer_mod.PAIR_SIGNALS)
    n_rank = len(scorer_mod.RANK_SIGNALS)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        for batch in batches:
            m = len(batch)
            if not m:
                continue
            x = np.empty((m, len(scorer_mod.FEATURES)), dtype=np.float32)
            for k in range(n_pair):
                x[:, k] = batch[f"s{k}"].to_numpy(np.float64)
            for at, name in ((n_pair, "c"), (n_pair + n_rank, "m")):
                r0, r1 = batch[f"{name}_rank_i"].to_numpy(np.int64), batch[f"{name}_rank_j"].to_numpy(np.int64)
                s0, s1 = batch[f"{name}_share_i"].to_numpy(np.float64), batch[f"{name}_share_j"].to_numpy(np.float64)
                x[:, at] = np.log1p(np.maximum(r0, r1))
                x[:, at + 1] = np.log1p(np.minimum(r0, r1))
                x[:, at + 2] = np.minimum(s0, s1)
                x[:, at + 3] = np.maximum(s0, s1)
                x[:, at + 4] = (r0 == 1) & (r1 == 1)
            prob = model.probability(x)
            gap = batch["gap"].to_numpy(np.float64)
            too_far = (gap > config.max_days) if config.max_days else np.zeros(m, bool)
            fs, ident = batch["from_shingles"].to_numpy(bool), batch["identical"].to_numpy(bool)
            look = batch["real"].to_numpy(bool) & (fs | ident | (prob >= look_from))
            cont = batch["containment"].to_numpy(np.float64)
            duplicate = look & (cont >= config.duplicate_containment)
            same_story = (
                look
                & ~duplicate
                & (prob >= threshold)
                & ~too_far
                & ~batch["titles_apart"].to_numpy(bool)
                & (np.maximum(x[:, 0], x[:, 1]) >= config.min_cosine)
                & (batch["shared"].to_numpy(np.int64) >= config.min_shared_terms)
            )
            chosen = duplicate | same_story
            if not chosen.any():
                continue
            yield pd.DataFrame(
                {
                    "i": batch["i"].to_numpy(np.int64)[chosen],
                    "j": batch["j"].to_numpy(np.int64)[chosen],
                    "duplicate": duplicate[chosen],
                    "probability": prob[chosen],
                    "cosine": x[chosen, 0].astype(np.float64),
                    "jaccard": batch["jaccard"].to_numpy(np.float64)[chosen],
                    "containment": cont[chosen],
                }
            )

    return run


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def _story_keys(n_bands: int) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        for batch in batches:
            rows, sigs = [], []
            for row, blob in zip(batch["row"].tolist(), batch["sig"].tolist(), strict=True):
                story = pickle.loads(blob)[1]
                if story is not None:
                    rows.append(row)
                    sigs.append(story)
            if not rows:
                continue
            s = np.stack(sigs).astype(np.int64)
            r = np.array(rows, np.int64)
            bands = np.arange(n_bands)
            yield pd.DataFrame(
                {
                    "band": np.tile(bands, len(r)).astype(np.int32),
                    "value": s.ravel(),
                    "next": s[:, (bands + 1) % n_bands].ravel(),
                    "row": np.repeat(r, n_bands),
                }
            )

    return run


def _shingle_keys(hashranges: Sequence[tuple[int, int]]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        for batch in batches:
            out_band, out_key, out_row = [], [], []
            for row, blob in zip(batch["row"].tolist(), batch["sig"].tolist(), strict=True):
                sig = pickle.loads(blob)[0]
                if sig is None:
                    continue
                for band, (start, end) in enumerate(hashranges):
                    out_band.append(band)
                    out_key.append(sig[start:end].tobytes())
                    out_row.append(row)
            if out_row:
                yield pd.DataFrame({"band": np.array(out_band, np.int32), "key": out_key, "row": out_row})

    return run


def _bucket_pairs(keys: Any, key_cols: list[str], max_bucket: int) -> tuple[Any, int]:
    """All pairs of the buckets of 2..max_bucket members (0: no limit), and how many were larger."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    sized = keys.withColumn("size", F.count("*").over(Window.partitionBy(*key_cols))).filter("size >= 2")
    oversized = 0
    if max_bucket:
        oversized = sized.filter(F.col("size") > max_bucket).select(*key_cols).distinct().count()
        sized = sized.filter(F.col("size") <= max_bucket)
    a, b = sized.alias("a"), sized.alias("b")
    on = [F.col(f"a.{c}") == F.col(f"b.{c}") for c in key_cols] + [F.col("a.row") < F.col("b.row")]
    return a.join(b, on).select(F.col("a.row").alias("i"), F.col("b.row").alias("j")), oversized


@dataclass
class _Numbered:
    """The run's articles and the shipped reference ones, numbered by id (see run, step 2)."""

    n: int
    meta: list[Article]  # by row, without texts
    row_of: dict[str, int]  # the run's articles' rows
    records: Any  # RDD of (row, Article with its text, is a reference article)
    same_text: np.ndarray  # pairs of the run's articles identical as written
    boilerplate: normalize.Boilerplate


def _number(sc: Any, got: Read, refs: list[Article]) -> _Numbered:
    """Rows by id, identical texts, and the boilerplate the outlets' line counts give."""
    # Rows: each article's place among all ids sorted, the local engine's tie-breaking order (a
    # shipped reference article may share an id with one of the run's: the run's comes first).
    order = sorted([(a.id, 0, k) for k, a in enumerate(got.articles)] + [(a.id, 1, k) for k, a in enumerate(refs)])
    n = len(order)
    meta = [got.articles[k] if ref == 0 else replace(refs[k], text="") for _id, ref, k in order]
    row_of = {a_id: row for row, (a_id, ref, _k) in enumerate(order) if ref == 0}
    ref_row = {k: row for row, (_id, ref, k) in enumerate(order) if ref == 1}
    rows = _broadcast(sc, row_of)
    numbered = _persist(
        got.records.map(lambda r: (rows.value[r[2].id], r[2], False)).union(
            sc.parallelize([(ref_row[k], a, True) for k, a in enumerate(refs)], 1)
        )
    )
    # Identical texts: the copy with the smallest id is counted for boilerplate (as locally),
    # and the run's own copies are candidates whatever is left of them.
    keys = np.zeros(n, np.uint64)
    keys[[row_of[a.id] for a in got.articles]] = np.array(got.keys, dtype=np.uint64)
    real_keys = keys.copy()
    keys[[ref_row[k] for k in range(len(refs))]] = np.array([io.exact_key(a.text) for a in refs], dtype=np.uint64)
    skip = _broadcast(sc, set(np.flatnonzero(~pipeline.first_copies(keys, np.arange(n))).tolist()))
    lines = numbered.filter(lambda r: r[0] not in skip.value).mapPartitions(_line_counts)
    counts = lines.treeReduce(_merged) if lines.getNumPartitions() else normalize.LineCounts({}, {})
    boilerplate = replace(counts.boilerplate(), titles=normalize.title_keys(a.title for a in meta if a.title))
    return _Numbered(n, meta, row_of, numbered, hashing.identical_pairs(real_keys, np.arange(n)), boilerplate)


def _hash_and_weigh(spark: Any, arts: _Numbered, config: MatchConfig) -> Any:
    """Each article's profile and signatures (a DataFrame of row, p, sig), hashed and weighed by blocks."""
    from pyspark.sql import types as T

    sc = spark.sparkContext
    blocks = _persist(
        arts.records.map(lambda r: (r[0] // BLOCK, (r[0], r[1], r[2])))
        .groupByKey(max(1, sc.defaultParallelism * 2))
        .map(_hash_block(config, arts.boilerplate))
    )
    body_df, lead_df, title_df = blocks.map(_use).treeReduce(_add3)
    idf = similarity.idf_of(body_df.astype(np.float64), arts.n, pipeline._load_background(config))
    weights = _broadcast(sc, (idf, body_df >= 2, lead_df >= 2, title_df >= 2))
    # How many articles hold each name: a name only these two articles hold is strong
    # evidence (the local engine's element_frequencies); names held once are left out.
    names_held = (
        blocks.flatMap(lambda b: b.table.values["names"].tolist())
        .map(lambda h: (h, 1))
        .reduceByKey(lambda a, b: a + b)
        .filter(lambda kv: kv[1] > 1)
        .collect()
    )
    names_held.sort()
    name_counts = _broadcast(
        sc,
        (
            np.array([h for h, _c in names_held], dtype=np.uint64),
            np.array([c for _h, c in names_held], dtype=np.float64),
        ),
    )
    schema = T.StructType(
        [
            T.StructField("row", T.LongType()),
            T.StructField("p", T.BinaryType()),
            T.StructField("sig", T.BinaryType()),
        ]
    )
    profiles = _persist(spark.createDataFrame(blocks.flatMap(_profiles(config, weights, name_counts)), schema))
    profiles.count()
    blocks.unpersist()
    return profiles


def _story_tier_pairs(profiles: Any, config: MatchConfig) -> tuple[Any, dict[str, int]]:
    """The term tier's pairs: all pairs of small one-row-band buckets, each member's `window` next
    members in larger ones (ordered by the next band's value, then row), none of the largest."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = profiles.select("row", "sig").mapInPandas(
        _story_keys(config.story_bands), "band int, value long, next long, row long"
    )
    bucket = Window.partitionBy("band", "value")
    sized = _persist(keys.withColumn("size", F.count("*").over(bucket)).filter("size >= 2"))
    limit = (
        max(config.story_max_bucket, config.story_max_window_bucket) if config.story_window else config.story_max_bucket
    )
    small = sized.filter(F.col("size") <= config.story_max_bucket)
    a, b = small.alias("a"), small.alias("b")
    pairs = a.join(
        b,
        (F.col("a.band") == F.col("b.band"))
        & (F.col("a.value") == F.col("b.value"))
        & (F.col("a.row") < F.col("b.row")),
    ).select(F.col("a.row").alias("i"), F.col("b.row").alias("j"))
    windowed = 0
    if config.story_window:
        wide = _persist(
            sized.filter((F.col("size") > config.story_max_bucket) & (F.col("size") <= limit)).withColumn(
                "pos", F.row_number().over(bucket.orderBy("next", "row"))
            )
        )
        windowed = wide.select("band", "value").distinct().count()
        # Each member with the `window` members after it: an equi-join on the next positions,
        # not a join of the whole bucket with itself (200 members would be 40,000 rows).
        ahead = wide.select(
            "band",
            "value",
            "row",
            F.explode(F.sequence(F.col("pos") + 1, F.col("pos") + config.story_window)).alias("at"),
        )
        near = ahead.join(
            wide.select("band", "value", F.col("pos").alias("at"), F.col("row").alias("other")),
            ["band", "value", "at"],
        ).select(F.least("row", "other").alias("i"), F.greatest("row", "other").alias("j"))
        pairs = pairs.union(near)
    oversized = sized.filter(F.col("size") > limit).select("band", "value").distinct().count()
    pairs = _persist(pairs.distinct())
    stats = {"windowed_buckets": windowed, "oversized_buckets": oversized, "pairs": pairs.count()}
    sized.unpersist()
    return pairs, stats


def _candidates(spark: Any, profiles: Any, same_text: np.ndarray, config: MatchConfig) -> tuple[Any, dict[str, Any]]:
    """Candidate pairs (i, j, from_shingles, identical) of both tiers and identical texts, and their counts."""
    from pyspark.sql import functions as F

    layout = lsh.bands(config.dup_lsh)
    index = lsh.MinHashLSH(threshold=config.dup_lsh.threshold, num_perm=config.dup_lsh.num_perm, params=layout)
    shingle_keys = profiles.select("row", "sig").mapInPandas(
        _shingle_keys(index.hashranges), "band int, key binary, row long"
    )
    dup_pairs, dup_oversized = _bucket_pairs(shingle_keys, ["band", "key"], config.dup_lsh.max_bucket)
    dup_pairs = _persist(dup_pairs.distinct())
    story_pairs, story = _story_tier_pairs(profiles, config)
    same = spark.createDataFrame([(int(i), int(j)) for i, j in same_text.tolist()], "i long, j long").withColumn(
        "identical", F.lit(True)
    )
    candidates = _persist(
        dup_pairs.withColumn("from_shingles", F.lit(True))
        .join(story_pairs.withColumn("story", F.lit(True)), ["i", "j"], "full")
        .join(same, ["i", "j"], "full")
        .select(
            "i",
            "j",
            F.coalesce("from_shingles", F.lit(False)).alias("from_shingles"),
            F.coalesce("identical", F.lit(False)).alias("identical"),
        )
    )
    stats = {
        "duplicate_tier": dup_pairs.count(),
        "story_tier": story["pairs"],
        "identical_texts": len(same_text),
        "all": candidates.count(),
        "lsh": {
            "duplicate_tier": {"bands": layout[0], "rows": layout[1], "oversized_buckets": dup_oversized},
            "story_tier": {
                "bands": config.story_bands,
                "rows": 1,
                "windowed_buckets": story["windowed_buckets"],
                "oversized_buckets": story["oversized_buckets"],
            },
        },
    }
    return candidates, stats


def _score(
    spark: Any,
    profiles: Any,
    candidates: Any,
    n: int,
    config: MatchConfig,
    model: scorer_mod.Scorer,
    group_size: int = GROUP,
) -> tuple[Any, int, int]:
    """The confirmed pairs (a pandas frame: i, j, duplicate, probability, cosine, jaccard,
    containment), how many candidates share enough terms to be scored, and how many of those
    have a reference article."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # The articles fall into groups of up to `group_size` by row; the pairs between two groups
    # are scored in one task holding both groups' profiles: each profile travels once per group,
    # not once per pair (a 35k run has 2.3 million candidates).
    groups_n = max(1, -(-n // group_size))
    group_of = (F.col("row") * groups_n / n).cast("long")
    pairs_of_groups = spark.createDataFrame(
        [(a, b) for a in range(groups_n) for b in range(a, groups_n)], "ga long, gb long"
    )
    placed = profiles.select("row", "p").withColumn("g", group_of)
    held = placed.join(F.broadcast(pairs_of_groups), (F.col("g") == F.col("ga")) | (F.col("g") == F.col("gb"))).select(
        "ga", "gb", "row", "p"
    )
    gi = (F.col("i") * groups_n / n).cast("long")
    gj = (F.col("j") * groups_n / n).cast("long")
    placed_pairs = candidates.withColumn("ga", F.least(gi, gj)).withColumn("gb", F.greatest(gi, gj))
    schema_pairs = ", ".join(f"{c} {_PAIR_TYPES.get(c, 'double')}" for c in PAIR_COLUMNS)
    kept = _persist(
        held.groupBy("ga", "gb")
        .cogroup(placed_pairs.groupBy("ga", "gb"))
        .applyInPandas(_group_signals(config.min_shared_terms), schema_pairs)
    )
    n_kept = kept.count()
    n_with_reference = n_kept - kept.filter(F.col("real")).count()
    # Ranks of each pair in its two articles' candidate lists (cosine, and the mix), best first.
    ends = kept.select(F.col("i").alias("end"), "i", "j", F.col("s0").alias("c"), "mix").union(
        kept.select(F.col("j").alias("end"), "i", "j", F.col("s0").alias("c"), "mix")
    )
    per = Window.partitionBy("end")
    ranked = ends
    for name, col in (("c", "c"), ("m", "mix")):
        best = F.max(col).over(per)
        ranked = ranked.withColumn(f"{name}_rank", F.rank().over(per.orderBy(F.col(col).desc()))).withColumn(
            f"{name}_share", F.when(best > 0, F.col(col) / best).otherwise(F.lit(0.0))
        )
    first_end = ranked.filter(F.col("end") == F.col("i")).select(
        "i", "j", *(F.col(f"{x}_{y}").alias(f"{x}_{y}_i") for x in ("c", "m") for y in ("rank", "share"))
    )
    second_end = ranked.filter(F.col("end") == F.col("j")).select(
        "i", "j", *(F.col(f"{x}_{y}").alias(f"{x}_{y}_j") for x in ("c", "m") for y in ("rank", "share"))
    )
    scored = kept.join(first_end, ["i", "j"]).join(second_end, ["i", "j"])
    confirmed = scored.mapInPandas(
        _decide(config, model),
        "i long, j long, duplicate boolean, probability double, cosine double, jaccard double, containment double",
    ).toPandas()
    return confirmed.sort_values(["i", "j"], kind="stable"), n_kept, n_with_reference


def _links(confirmed: Any) -> tuple[list[tuple[int, int, float]], dict[tuple[int, int], dict[str, Any]]]:
    """The majority rule's links (a copy at 1, a same-story pair at its probability) and each
    pair's evidence for the report, as the local engine writes them."""
    links: list[tuple[int, int, float]] = []
    evidence: dict[tuple[int, int], dict[str, Any]] = {}
    for rec in confirmed.itertuples(index=False):
        i, j = int(rec.i), int(rec.j)
        kind = "duplicate" if rec.duplicate else "same_story"
        links.append((i, j, pipeline.link_strength(kind, rec.probability)))
        evidence[(i, j)] = pipeline.pair_evidence(kind, rec.probability, rec.cosine, rec.jaccard, rec.containment)
    return links, evidence


def run(
    inputs: Sequence[str],
    config: MatchConfig | None = None,
    *,
    master: str | None = None,
    skip_bad: bool = False,
    on_duplicate_id: str = "error",
    progress: Progress | None = None,
    warn: Progress | None = None,
    spark: Any = None,
    group_size: int = GROUP,
    check_read: Callable[[list[Article], list[Rejected]], None] | None = None,
) -> Report:
    """Match the articles of `inputs` on Spark: the report pipeline.run gives for the same articles.

    Runs in `spark` when given, else in the active session, else in a session of its own on
    `master` (stopped at the end). The stages are the module's numbered steps. `group_size`: the
    articles whose profiles one pair-scoring task holds (see GROUP); it changes the work's
    layout, never the report. `check_read` is handed the articles and rejected records as soon as
    they are read, before any other stage: what it raises ends the run there (too many rejected
    records should not wait for the whole job).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(_MISSING) from None

    config = replace(config or MatchConfig(), workers=1)  # a task is one core: Spark spreads the work
    say = progress or (lambda _m: None)
    model = pipeline.load_scorer(config)
    if spark is None:
        spark = SparkSession.getActiveSession()  # a caller's session (a notebook, a test) is used, not stopped
    own_session = spark is None
    spark = spark or session(master)
    sc = spark.sparkContext
    clock = pipeline._Clock()

    def stage(name: str) -> None:
        # The Spark jobs of each stage carry its name (the UI and its REST API group them by it).
        sc.setJobGroup(f"dedup:{name}", f"dedup {name}")

    held: list[Any] = []
    token = _HELD.set(held)
    try:
        stage("read")
        got = read(spark, inputs, skip_bad, on_duplicate_id, warn)
        say(f"{len(got.articles)} articles read" + (f", {len(got.rejected)} rejected" if got.rejected else ""))
        if check_read is not None:
            check_read(list(got.articles), list(got.rejected))
        if not got.articles:  # nothing to spread: the local engine's (empty) report
            return pipeline.run([], config, rejected=got.rejected)
        arts = _number(sc, got, pipeline._reference_articles(config, len(got.articles)))
        clock.lap("read")
        stage("features")
        say(f"boilerplate learned from {arts.n} articles; hashing")
        profiles = _hash_and_weigh(spark, arts, config)
        clock.lap("features")
        stage("candidates")
        say(f"hashed and weighed {arts.n} articles ({clock.seconds['features']:.1f}s)")
        candidates, found = _candidates(spark, profiles, arts.same_text, config)
        clock.lap("candidates")
        stage("score")
        confirmed, n_kept, n_with_reference = _score(spark, profiles, candidates, arts.n, config, model, group_size)
        clock.lap("score")
        stage("cluster")
        links, evidence_rows = _links(confirmed)
        # Rows are in id order already: the rank is the row.
        grouped, lone = pipeline.stories_of(arts.meta, links, config, list(range(arts.n)))
        say(
            f"{report.counted(len(links), 'confirmed pair', 'confirmed pairs')}, grouped into "
            f"{report.counted(len(grouped), 'story', 'stories')}"
        )
        clock.lap("cluster")
        stage("claims")
        # Back to the input's order, where the report lists articles.
        position = {a.id: k for k, a in enumerate(got.articles)}
        pos = {row: position[a_id] for a_id, row in arts.row_of.items()}
        groups_pos = [sorted(pos[r] for r in g) for g in grouped]
        evidence = {(min(pos[i], pos[j]), max(pos[i], pos[j])): ev for (i, j), ev in evidence_rows.items()}

        def claims_of(work: list[pipeline.StoryVersions]) -> list[pipeline.StoryClaims]:
            return _story_claims(sc, work, arts.row_of, arts.records)

        stats = {
            "candidates": {
                "duplicate_tier": found["duplicate_tier"],
                "story_tier": found["story_tier"],
                "identical_texts": found["identical_texts"],
                "story_tier_sharing_too_little": found["all"] - n_kept,
                "total": n_kept - n_with_reference,
                "with_reference_articles": n_with_reference,
            },
            "lsh": found["lsh"],
            "confirmed_links": len(links),
            "lone_pairs_apart": len(lone),
            "threshold": model.threshold if config.threshold is None else config.threshold,
        }
        assembled = pipeline._assemble(
            got.articles, groups_pos, evidence, got.rejected, config, None, say, claims_of=claims_of
        )
        clock.lap("claims")
        stats = dict(assembled.stats, **stats, seconds=clock.seconds)
        return Report(assembled.articles, assembled.matches, assembled.stories, assembled.rejected, stats)
    finally:
        _HELD.reset(token)
        _release(held)
        with contextlib.suppress(Exception):
            sc._jsc.clearJobGroup()  # the caller's later jobs are not labelled as this run's
        if own_session:
            spark.stop()


def _story_claims(
    sc: Any, work: list[pipeline.StoryVersions], row_of: dict[str, int], numbered: Any
) -> list[pipeline.StoryClaims]:
    """Each story's figures read and compared in a task of its own, the versions' texts joined to it."""
    if not work:
        return []
    wanted = sc.parallelize(
        [(row_of[aid], s) for s, (versions, _compared, _loose) in enumerate(work) for aid, _p in versions],
        max(1, sc.defaultParallelism * 2),
    )
    texts = numbered.map(lambda r: (r[0], r[1]))
    plans = _broadcast(sc, work)  # each story's versions and the pairs of them compared

    def one(kv: tuple[int, Iterable[Article]]) -> tuple[int, pipeline.StoryClaims]:
        s, arts = kv
        by_id = {a.id: a for a in arts}
        versions, compared, loose = plans.value[s]
        read_ = {aid: pipeline.read_claims(by_id[aid], by_id[aid].text) for aid, _p in versions}
        extracted = [(aid, read_[aid][1]) for aid, _p in versions]
        return s, pipeline.claim_records(extracted, {aid: pre for aid, (pre, _c) in read_.items()}, compared, loose)

    done = dict(wanted.join(texts).map(lambda kv: (kv[1][0], kv[1][1])).groupByKey().map(one).collect())
    return [done[s] for s in range(len(work))]
