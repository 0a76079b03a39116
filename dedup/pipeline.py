"""The one library entry point: `run(articles, config) -> Report`.

Data flows one way: normalise a copy of each article for hashing; bucket with MinHash-LSH in two
tiers (word shingles for copies; each article's heaviest TF-IDF terms and names for rewrites);
score every candidate pair (TF-IDF cosines fitted once per run, shared names and figures, and the
pair's rank among each article's candidates) and confirm it as a duplicate or a same-story match;
group confirmed pairs into stories by majority rule; reconcile the numbers of each story's
versions. `prepare`, `decide` and `explain` expose the stages for fitting and for explaining.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from dedup import claims as claims_mod
from dedup import cluster, hashing, io, kernels, lsh, normalize, parallel, reconcile, report, similarity
from dedup import scorer as scorer_mod
from dedup.config import MatchConfig
from dedup.disjoint import DisjointSets
from dedup.models import Article, Match, Rejected, Report, Story, matches_by_story, story_confidence

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Features:
    """What the pipeline keeps of one article: shingles and their signature for copies, terms for TF-IDF."""

    shingles: np.ndarray  # sorted unique 32-bit shingle hashes
    signature: np.ndarray  # MinHash of the shingles (uint32, dup_lsh.num_perm values)
    columns: np.ndarray  # hashed TF-IDF term columns (int32)
    counts: np.ndarray  # their counts (float32)
    lead_columns: np.ndarray  # the same over the first `lead_tokens` tokens
    lead_counts: np.ndarray
    title_columns: np.ndarray  # the same over the title
    title_counts: np.ndarray
    names: np.ndarray  # sorted unique hashes of the names mentioned
    figures: np.ndarray  # sorted unique hashes of the figures given
    dates: np.ndarray  # sorted unique codes of the days it names (date_codes)


# Each ragged field of Features and the group of offsets it shares with its partner field.
_RAGGED = {
    "shingles": "shingles",
    "columns": "terms",
    "counts": "terms",
    "lead_columns": "lead",
    "lead_counts": "lead",
    "title_columns": "title",
    "title_counts": "title",
    "names": "names",
    "figures": "figures",
    "dates": "dates",
}

_DTYPES = {
    "shingles": np.uint32,
    "columns": np.int32,
    "counts": np.float32,
    "lead_columns": np.int32,
    "lead_counts": np.float32,
    "title_columns": np.int32,
    "title_counts": np.float32,
    "names": np.uint64,
    "figures": np.uint64,
    "dates": np.uint64,
}


@dataclass(frozen=True)
class FeatureTable:
    """Features of many articles in flat arrays: a handful of arrays whatever the number of articles.

    Article d's values of a field are `values[field][offsets[group][d]:offsets[group][d + 1]]`;
    `table[d]` gives them as one Features (views, no copies).
    """

    signatures: np.ndarray  # (articles, num_perm) uint32
    values: dict[str, np.ndarray]
    offsets: dict[str, np.ndarray]  # per group: articles + 1 offsets

    def __len__(self) -> int:
        return len(self.signatures)

    def __getitem__(self, d: int) -> Features:
        parts = {}
        for name, group in _RAGGED.items():
            bounds = self.offsets[group]
            parts[name] = self.values[name][bounds[d] : bounds[d + 1]]
        return Features(signature=self.signatures[d], **parts)

    def __iter__(self) -> Iterator[Features]:
        return (self[d] for d in range(len(self)))

    def ragged(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """One field of every article: (all values, offsets)."""
        return self.values[name], self.offsets[_RAGGED[name]]

    def rows(self, columns: str, counts: str) -> sp.csr_matrix:
        """A sparse count matrix, one row per article, from a (columns, counts) pair of fields."""
        values, indptr = self.ragged(columns)
        return similarity.csr_rows(values, self.values[counts], indptr)

    def release(self, *names: str) -> None:
        """Drop some fields' values from memory (they read as empty afterwards)."""
        for name in names:
            self.values[name] = np.zeros(0, _DTYPES[name])
            group = _RAGGED[name]
            if all(self.values[other].size == 0 for other, g in _RAGGED.items() if g == group):
                self.offsets[group] = np.zeros(len(self) + 1, np.int64)

    @classmethod
    def concat(cls, tables: Sequence[FeatureTable], num_perm: int) -> FeatureTable:
        """One table of several, in order."""
        if not tables:
            empty = {name: np.zeros(0, dtype) for name, dtype in _DTYPES.items()}
            groups = {group: np.zeros(1, np.int64) for group in set(_RAGGED.values())}
            return cls(np.zeros((0, num_perm), np.uint32), empty, groups)
        values = {name: np.concatenate([t.values[name] for t in tables]) for name in _RAGGED}
        offsets = {}
        for group in set(_RAGGED.values()):
            parts, base = [np.zeros(1, np.int64)], 0
            for t in tables:
                parts.append(t.offsets[group][1:] + base)
                base += int(t.offsets[group][-1])
            offsets[group] = np.concatenate(parts)
        return cls(np.concatenate([t.signatures for t in tables]), values, offsets)


class _Extractor:
    """Turns (text, title, source) items into Features, a chunk of articles at a time.

    The texts of a whole chunk are tokenised and their tokens, names and figures found and hashed
    in compiled passes over the chunk's code points; n-grams, term counts and signatures are
    computed over the chunk's arrays at once. One extractor per process keeps the token, name
    and figure caches warm.
    """

    def __init__(self, boilerplate: normalize.Boilerplate, config: MatchConfig) -> None:
        self.boilerplate = boilerplate
        self.shingle_size = config.shingle_size
        self.title_weight = config.title_weight
        self.lead_tokens = config.lead_tokens
        self.signer = lsh.Signer(config.dup_lsh.num_perm, config.dup_lsh.seed)

    @staticmethod
    def _columns(
        m: int, parts: Sequence[tuple[np.ndarray, np.ndarray, float]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-article term columns and weighted counts from (term hashes, article numbers, weight) parts."""
        weights = sorted({w for _, _, w in parts})
        assert len(weights) <= 256, "weight numbers take the low 8 bits of a key"
        # One sort of (article, column, weight) keys; a compiled pass adds up each run.
        mask = similarity.COLUMN_MASK
        keys = [(d << 30) | ((t & mask).astype(np.int64) << 8) | weights.index(w) for t, d, w in parts]
        packed = hashing.sort_keys(np.concatenate(keys))
        del keys
        # Weights are whole numbers (a title counts title_weight times): their float sums are
        # exact in any order.
        cols, counts, bounds = kernels.sorted_counts(packed, np.array(weights, np.float64), 30, m)
        return cols.astype(np.int32), counts, bounds

    def __call__(self, items: Sequence[tuple[str, str, str | None]]) -> FeatureTable:
        m = len(items)
        if m == 0:
            return FeatureTable.concat([], self.signer.num_perm)
        body, body_len = hashing.chunk_token_hashes(
            [
                "\n".join(normalize.content_lines(normalize.strip_title(text, title), source, self.boilerplate))
                for text, title, source in items
            ]
        )
        body_doc = np.repeat(np.arange(m, dtype=np.int64), body_len)
        title, title_len = hashing.chunk_token_hashes([title for _text, title, _source in items])
        title_doc = np.repeat(np.arange(m, dtype=np.int64), title_len)

        # TF-IDF terms: syllables and syllable bigrams; title terms weigh `title_weight` times.
        b2, b2_doc = hashing.grouped_ngrams(body, body_doc, 2)
        t2, t2_doc = hashing.grouped_ngrams(title, title_doc, 2)
        term_cols, term_counts, term_bounds = self._columns(
            m,
            [
                (body, body_doc, 1.0),
                (b2, b2_doc, 1.0),
                (title, title_doc, self.title_weight),
                (t2, t2_doc, self.title_weight),
            ],
        )
        title_cols, title_counts, title_bounds = self._columns(m, [(title, title_doc, 1.0), (t2, t2_doc, 1.0)])
        position = np.arange(len(body)) - np.repeat(np.concatenate([[0], np.cumsum(body_len)[:-1]]), body_len)
        in_lead = position < self.lead_tokens
        bigram_ok = in_lead[:-1] & in_lead[1:] & (body_doc[:-1] == body_doc[1:])
        lead2, lead2_doc = hashing.ngram_hashes(body, 2)[bigram_ok], body_doc[:-1][bigram_ok]
        lead_cols, lead_counts, lead_bounds = self._columns(
            m, [(body[in_lead], body_doc[in_lead], 1.0), (lead2, lead2_doc, 1.0)]
        )

        # Shingles for copies: 5-word runs (a text shorter than that is one shingle of itself).
        sh, sh_doc = hashing.grouped_ngrams(body, body_doc, self.shingle_size)
        short = np.flatnonzero((body_len > 0) & (body_len < self.shingle_size))
        if len(short):
            offsets = np.concatenate([[0], np.cumsum(body_len)])
            extra = [hashing.ngram_hashes(body[offsets[d] : offsets[d + 1]], int(body_len[d])) for d in short]
            sh = np.concatenate([sh, *extra])
            sh_doc = np.concatenate([sh_doc, short])
        sh_keys = hashing.sorted_unique((sh_doc << 32) | (sh & np.uint64(0xFFFFFFFF)).astype(np.int64))
        sh_bounds = np.searchsorted(sh_keys >> 32, np.arange(m + 1))
        shingles = (sh_keys & 0xFFFFFFFF).astype(np.uint32)
        signatures = self.signer.sign_flat(shingles, sh_bounds)
        texts = [normalize.joined([title, text]) for text, title, _source in items]
        joined = hashing.chunk_joined(texts)
        names, name_bounds = hashing.chunk_name_hashes(texts, joined)
        figures, figure_bounds = hashing.chunk_figure_hashes(texts, joined)
        del joined
        days = [date_codes(t) for t in texts]
        date_bounds = np.zeros(m + 1, dtype=np.int64)
        np.cumsum([len(d) for d in days], out=date_bounds[1:])
        return FeatureTable(
            signatures,
            {
                "shingles": shingles,
                "columns": term_cols,
                "counts": term_counts,
                "lead_columns": lead_cols,
                "lead_counts": lead_counts,
                "title_columns": title_cols,
                "title_counts": title_counts,
                "names": names,
                "figures": figures,
                "dates": np.concatenate(days) if days else np.zeros(0, np.uint64),
            },
            {
                "shingles": sh_bounds,
                "terms": term_bounds,
                "lead": lead_bounds,
                "title": title_bounds,
                "names": name_bounds,
                "figures": figure_bounds,
                "dates": date_bounds,
            },
        )


def date_codes(text: str) -> np.ndarray:
    """The days (day and month) a text names, as sorted unique codes day * 16 + month. Versions of
    one event name its day; a column or a case on another day names others."""
    return np.array(sorted({d * 16 + m for d, m in claims_mod.days_in(text)}), dtype=np.uint64)


class ArticleTexts:
    """The text of each article of a run, by position.

    Articles read into a spool (see io.TextSpool) carry no text: theirs comes from the spool, the
    `len(spool)` positions from `first` on (0: the first ones). Any others (and every article,
    without a spool) carry their own.
    """

    def __init__(self, articles: Sequence[Article], spool: Sequence[str] | None = None, first: int = 0) -> None:
        self.articles = articles
        self.spool = spool
        self.first = first
        self.spooled = len(spool) if spool is not None else 0

    def __getitem__(self, k: int) -> str:
        if 0 <= k - self.first < self.spooled:
            return self.spool[k - self.first]  # type: ignore[index]
        return self.articles[k].text

    def __len__(self) -> int:
        return len(self.articles)


def _items(texts: ArticleTexts, start: int, stop: int) -> list[tuple[str, str, str | None]]:
    """(text, title, source) of articles start..stop-1."""
    arts = texts.articles
    return [(texts[k], arts[k].title, arts[k].source) for k in range(start, stop)]


def _spans(n: int, size: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges of up to `size` positions covering 0..n-1."""
    return [(i, min(i + size, n)) for i in range(0, n, size)]


# What a worker process reads: the run's texts (forked workers share them, spool included) and,
# for hashing, its extractor.
_TEXTS: list[ArticleTexts] = []
_WORKER: list[_Extractor] = []


def _init_texts(texts: ArticleTexts) -> None:
    _TEXTS[:] = [texts]


def _init_worker(boilerplate: normalize.Boilerplate, config: MatchConfig, texts: ArticleTexts) -> None:
    _init_texts(texts)
    _WORKER[:] = [_Extractor(boilerplate, config)]


def _features_chunk(span: tuple[int, int]) -> list[FeatureTable]:
    return [_WORKER[0](_items(_TEXTS[0], *span))]


def feature_chunks(
    articles: Sequence[Article],
    boilerplate: normalize.Boilerplate,
    config: MatchConfig,
    texts: ArticleTexts | None = None,
    say: Progress | None = None,
) -> list[FeatureTable]:
    """Features of every article, in order, as tables of up to 500 articles, using `config.workers` processes.

    Each worker reads its chunks' texts itself (forked workers share the articles and the spool).
    """
    texts = texts or ArticleTexts(articles)
    workers = parallel.worker_count(config.workers)
    spans = _spans(len(articles), 500)
    tick = _ticker(say, "hashing", len(articles), [b - a for a, b in spans])
    if workers <= 1 or len(articles) < 2000:
        extract = _Extractor(boilerplate, config)
        out = []
        for span in spans:
            out.append(extract(_items(texts, *span)))
            tick()
        return out
    return parallel.map_chunks(_features_chunk, spans, workers, _init_worker, (boilerplate, config, texts), tick)


def exact_keys(texts: ArticleTexts) -> np.ndarray:
    """io.exact_key of every article's text: kept by the spool the texts were read into (the
    reading process computed them), computed here for the others."""
    spooled = getattr(texts.spool, "keys", None)
    done = np.frombuffer(spooled, dtype=np.uint64) if spooled is not None else np.zeros(0, np.uint64)
    if len(done) != texts.spooled:
        done = np.zeros(0, np.uint64)
    rest = [io.exact_key(texts[k]) for k in range(len(done), len(texts))]
    return np.concatenate([done, np.array(rest, dtype=np.uint64)])


def first_copies(keys: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Whether each text is the first by `rank` of the texts equal to it (texts without a key count
    alone): the copy whose lines are counted, whatever order the copies came in."""
    first = np.ones(len(keys), dtype=bool)
    keyed = np.flatnonzero(keys != 0)
    keyed = keyed[np.argsort(rank[keyed], kind="stable")]
    _, at = np.unique(keys[keyed], return_index=True)
    first[keyed] = False
    first[keyed[at]] = True
    return first


def _ticker(say: Progress | None, stage: str, total: int, sizes: Sequence[int]) -> Callable[[], None]:
    """A callable to call once per finished chunk (of `sizes` items each, in order): it moves the
    progress bar of `stage` when `say` draws one (see cli), and does nothing otherwise."""
    step = getattr(say, "step", None)
    if step is None:
        return lambda: None
    state = [0, 0]

    def tick() -> None:
        state[1] += sizes[state[0]] if state[0] < len(sizes) else 0
        state[0] += 1
        step(stage, state[1], total)

    return tick


def _line_counts_chunk(span: tuple[int, int]) -> list[normalize.LineCounts]:
    texts, count = _TEXTS[0], _COUNTED[0]
    return [normalize.LineCounts.of((texts.articles[k].source, texts[k]) for k in range(*span) if count[k])]


_COUNTED: list[np.ndarray] = []


def _init_counts(texts: ArticleTexts, counted: np.ndarray) -> None:
    _init_texts(texts)
    _COUNTED[:] = [counted]


def count_lines(texts: ArticleTexts, config: MatchConfig, counted: np.ndarray | None = None) -> normalize.LineCounts:
    """normalize.LineCounts of a run's articles, counted in `config.workers` processes.

    Only the articles `counted` marks are counted (default: all): a text repeated verbatim counts
    once, so that its lines are not learned as its outlet's furniture for being repeated with it.
    """
    n = len(texts)
    counted = np.ones(n, dtype=bool) if counted is None else counted
    workers = parallel.worker_count(config.workers)
    if workers <= 1 or n < 2000:
        return normalize.LineCounts.of((texts.articles[k].source, texts[k]) for k in range(n) if counted[k])
    parts = parallel.map_chunks(_line_counts_chunk, _spans(n, 2000), workers, _init_counts, (texts, counted))
    total = parts[0]
    for part in parts[1:]:
        total.add(part)
    return total


def learn_boilerplate(
    texts: ArticleTexts, config: MatchConfig, counted: np.ndarray | None = None
) -> normalize.Boilerplate:
    """normalize.learn_boilerplate over a run's articles (see count_lines)."""
    return count_lines(texts, config, counted).boilerplate()


def extract_features(
    articles: Sequence[Article], boilerplate: normalize.Boilerplate, config: MatchConfig
) -> FeatureTable:
    """Features of every article, in order, in one table."""
    return FeatureTable.concat(feature_chunks(articles, boilerplate, config), config.dup_lsh.num_perm)


def _load_background(config: MatchConfig) -> similarity.Background:
    if not config.background:
        return similarity.Background.empty()
    return similarity.Background.load(check_background(config))


def check_background(config: MatchConfig) -> Path | None:
    """The background table's path if the run uses one, once it is known to be one (raises
    FileNotFoundError or similarity.BackgroundError): said before any article is hashed."""
    if not config.background:
        return None
    path = Path(config.background)
    if not path.exists():
        raise FileNotFoundError(f"background document-frequency table not found: {path}")
    similarity.Background.check(path)
    return path


class _Clock:
    """Seconds spent per stage, for the summary (never in the JSON: it must be byte-identical)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> float:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now
        return self.seconds[stage]


@dataclass
class Prepared:
    """A run's articles with everything needed to score any pair of them."""

    articles: Sequence[Article]  # the run's articles, then any reference articles
    n_real: int  # how many of `articles` are the run's own
    features: FeatureTable
    signals: scorer_mod.Signals
    terms: scorer_mod.Sets  # each article's story-tier set: heaviest terms and names
    dup_pairs: np.ndarray
    story_pairs: np.ndarray
    candidates: np.ndarray
    from_shingles: np.ndarray  # per candidate: found by the shingle tier
    shared_terms: np.ndarray  # per candidate: how many story-tier set elements the two share
    stats: dict[str, Any]
    texts: ArticleTexts  # the articles' texts by position
    identical: np.ndarray  # per candidate: the two texts are identical as written
    boilerplate: normalize.Boilerplate  # the lines learned as the run's outlets' furniture


def id_rank(articles: Sequence[Article]) -> np.ndarray:
    """Each article's place among all the articles sorted by id: ties anywhere are broken by it, so
    that the same articles in another order give the same stories."""
    rank = np.empty(len(articles), dtype=np.int64)
    rank[sorted(range(len(articles)), key=lambda k: articles[k].id)] = np.arange(len(articles))
    return rank


@dataclass
class Known:
    """Articles hashed by an earlier run (an index's window of recent articles): matched with a
    run's own articles as if read with them, never read or hashed again."""

    articles: list[Article]  # as indexed: no text
    features: list[FeatureTable]  # theirs, in order, in tables of some thousands (prepare empties it)
    keys: np.ndarray  # io.exact_key of each one's text
    # The boilerplate learned from the run's own line counts together with the index's.
    learn: Callable[[normalize.LineCounts], normalize.Boilerplate]
    outside: similarity.Background  # document frequencies of the indexed articles not among them


def prepare(
    articles: Sequence[Article],
    config: MatchConfig,
    say: Progress = lambda _m: None,
    clock: _Clock | None = None,
    spool: Sequence[str] | None = None,
    known: Known | None = None,
    hashed: Callable[[list[FeatureTable], np.ndarray, normalize.LineCounts, np.ndarray], None] | None = None,
) -> Prepared:
    """Hash every article, build TF-IDF vectors, and collect candidate pairs from both LSH tiers.

    `spool` holds the articles' texts by position when they were read into one (io.TextSpool).
    `known` articles (see Known) come first in the Prepared's positions, then `articles`. `hashed`
    is handed the features, exact keys and line counts of `articles` as soon as they are computed,
    and which of them were counted (the first of identical texts).
    """
    clock = clock or _Clock()
    kernels.warm()  # before any worker starts: they inherit the compiled kernels
    before = list(known.articles) if known is not None else []
    n_real = len(before) + len(articles)
    fresh = [*articles, *_reference_articles(config, n_real)]
    if spool is not None and len(spool) != len(articles):
        raise ValueError(
            f"the spool holds {len(spool)} texts for {len(articles)} articles: read both with read_articles"
        )
    fresh_texts = ArticleTexts(fresh, spool)
    articles = [*before, *fresh]
    texts = ArticleTexts(articles, spool, first=len(before))
    with parallel.Spare(separate=parallel.worker_count(config.workers) > 1 and len(fresh) >= 2000) as spare:
        keys, boilerplate, chunks = _hash(fresh, fresh_texts, articles, len(before), n_real, config, say, known, hashed)
        padding = f" and {len(articles) - n_real} reference articles" if len(articles) > n_real else ""
        also = f", beside {len(before)} indexed ones" if before else ""
        say(f"read and hashed {n_real - len(before)} articles{padding}{also} ({clock.lap('features'):.1f}s)")

        # Tier 1: copies of one text share long runs of words. The index is built in a process of
        # its own, beside the TF-IDF and the term tier below, and its millions of small objects go
        # with it. That process is forked before the articles are hashed and gets the signatures
        # sent: forked later, it would keep every chunk's term counts alive until it ends.
        with spare.start(
            lsh.candidate_pairs, *_shingle_signatures(chunks, config.dup_lsh.num_perm), config.dup_lsh
        ) as dup_tier:
            # The TF-IDF matrices are weighed chunk by chunk and written straight into their final,
            # compacted arrays, each chunk's term counts released as it is done: a corpus's term
            # counts are never held twice. What the chunks keep (shingles, signatures, names and
            # figures) is all later stages read.
            body, top, lead, title = _story_matrices(chunks, config, known.outside if known else None)
            feats = FeatureTable.concat(chunks, config.dup_lsh.num_perm)
            del chunks
            parallel.return_free_memory()
            clock.lap("tfidf")
            signals, terms = _signals(feats, body, top, lead, title)
            del top
            # Tier 2: rewrites of one event share some of their most distinctive terms and names.
            story_signer = lsh.Signer(config.story_bands, config.story_seed)
            present = np.diff(terms.offsets) > 0
            story_pairs, story_stats = lsh.single_row_band_pairs(
                story_signer.sign_flat(terms.values, terms.offsets),
                present,
                config.story_max_bucket,
                config.story_window,
                config.story_max_window_bucket,
                config.workers,
                id_rank(articles),
            )
            clock.lap("story_lsh")
            dup_pairs, dup_stats = dup_tier()
    clock.lap("duplicate_lsh")
    found = _candidates(articles, n_real, keys, dup_pairs, story_pairs, terms, config, say)
    stats = {
        "candidates": found.stats,
        "lsh": {"duplicate_tier": dup_stats, "story_tier": story_stats},
    }
    parallel.return_free_memory()
    clock.lap("candidates")
    return Prepared(
        articles,
        n_real,
        feats,
        signals,
        terms,
        dup_pairs,
        story_pairs,
        found.pairs,
        found.from_shingles,
        found.shared,
        stats,
        texts,
        found.identical,
        boilerplate,
    )


def _hash(
    fresh: list[Article],
    fresh_texts: ArticleTexts,
    articles: list[Article],
    n_before: int,
    n_real: int,
    config: MatchConfig,
    say: Progress,
    known: Known | None,
    hashed: Callable[[list[FeatureTable], np.ndarray, normalize.LineCounts, np.ndarray], None] | None,
) -> tuple[np.ndarray, normalize.Boilerplate, list[FeatureTable]]:
    """The exact keys of every article's text (`known` ones first), the boilerplate learned from
    the run's outlets, and every article's features, in tables of some thousands (`known`'s taken
    from it). `hashed` is handed the run's own as soon as they are computed."""
    fresh_keys = exact_keys(fresh_texts)
    keys = fresh_keys if known is None else np.concatenate([known.keys, fresh_keys])
    # An indexed copy was counted by its own run: a new copy of it is not counted again.
    rank = id_rank(articles)
    rank[:n_before] -= len(articles)
    counted = first_copies(keys, rank)[n_before:]
    if known is not None:
        counted[n_real - n_before :] = False  # an index counts the lines of its own articles only
    lines = count_lines(fresh_texts, config, counted)
    learned = lines.boilerplate() if known is None else known.learn(lines)
    boilerplate = replace(learned, titles=normalize.title_keys(a.title for a in articles if a.title))
    chunks = feature_chunks(fresh, boilerplate, config, fresh_texts, say)
    if hashed is not None:
        hashed(chunks, fresh_keys, lines, counted)
    if known is not None:
        chunks = [*known.features, *chunks]
        known.features.clear()  # consumed: the tables go as soon as the run's arrays are built
    return keys, boilerplate, chunks


def _signals(
    feats: FeatureTable, body: sp.csr_matrix, top: list[np.ndarray], lead: sp.csr_matrix, title: sp.csr_matrix
) -> tuple[scorer_mod.Signals, scorer_mod.Sets]:
    """What pairs are scored on, and each article's story-tier set: its heaviest terms and its
    names (name hashes are 64-bit and term columns below 2**22, so the two never collide)."""
    names = scorer_mod.Sets(*feats.ragged("names"))
    signals = scorer_mod.Signals(
        body=body,
        lead=lead,
        title=title,
        names=names,
        figures=scorer_mod.Sets(*feats.ragged("figures")),
        dates=scorer_mod.Sets(*feats.ragged("dates")),
        name_df=scorer_mod.element_frequencies(names),
    )
    return signals, scorer_mod.Sets.of(top).union(names)


@dataclass(frozen=True)
class _Found:
    """The candidate pairs of a run, (i, j) with i < j sorted, and what is known of each."""

    pairs: np.ndarray
    from_shingles: np.ndarray  # found by the shingle tier
    shared: np.ndarray  # story-tier set elements the two share
    identical: np.ndarray  # the two texts are identical as written
    stats: dict[str, int]


def _candidates(
    articles: Sequence[Article],
    n_real: int,
    keys: np.ndarray,
    dup_pairs: np.ndarray,
    story_pairs: np.ndarray,
    terms: scorer_mod.Sets,
    config: MatchConfig,
    say: Progress,
) -> _Found:
    """The pairs of both tiers and of identical texts, less the term tier's pairs that share too
    few terms.

    A same-story pair must share `min_shared_terms` story-set elements; one-row bands also pair
    articles that share a single one (half the term-tier buckets), which are only kept when the
    shingle tier found them too. Texts identical as written are copies whatever is left of them
    once furniture and boilerplate are removed (a brief that is all furniture has no shingles).
    """
    same_text = hashing.identical_pairs(np.where(np.arange(len(keys)) < n_real, keys, 0), id_rank(articles))
    candidates = hashing.unique_pairs(dup_pairs, story_pairs, same_text)
    n64 = np.int64(len(articles))
    # All are sorted by (i, j), so their codes are sorted too.
    codes = candidates[:, 0] * n64 + candidates[:, 1]
    from_shingles = hashing.sorted_isin(codes, dup_pairs[:, 0] * n64 + dup_pairs[:, 1])
    identical = hashing.sorted_isin(codes, same_text[:, 0] * n64 + same_text[:, 1])
    del codes
    shared = terms.intersections(candidates, config.workers)
    keep = from_shingles | identical | (shared >= config.min_shared_terms)
    candidates, from_shingles, shared, identical = candidates[keep], from_shingles[keep], shared[keep], identical[keep]
    # Pairs (i, j), i < j, with j a shipped reference article only rank the run's own pairs.
    with_reference = int(np.count_nonzero(candidates[:, 1] >= n_real))
    own = len(candidates) - with_reference
    dropped = int((~keep).sum())
    tiers = f"{len(dup_pairs)} from shingles, {len(story_pairs)} from terms, {dropped} sharing a single term dropped"
    if len(articles) > n_real:
        say(
            f"{own} candidate pairs among the {n_real} articles matched ({len(candidates)} with the "
            f"{len(articles) - n_real} reference articles they are ranked among: {tiers})"
        )
    else:
        say(f"{own} candidate pairs among the {n_real} articles matched ({tiers})")
    stats = {
        "duplicate_tier": len(dup_pairs),
        "story_tier": len(story_pairs),
        "identical_texts": len(same_text),
        "story_tier_sharing_too_little": dropped,
        "total": own,  # among the run's own articles
        "with_reference_articles": with_reference,
    }
    return _Found(candidates, from_shingles, shared, identical, stats)


def _shingle_signatures(chunks: list[FeatureTable], num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Every article's shingle signature, and whether it has shingles at all."""
    if not chunks:
        return np.zeros((0, num_perm), np.uint32), np.zeros(0, bool)
    present = np.concatenate([np.diff(t.offsets["shingles"]) > 0 for t in chunks])
    return np.concatenate([t.signatures for t in chunks]), present


def _story_matrices(
    chunks: list[FeatureTable], config: MatchConfig, outside: similarity.Background | None = None
) -> tuple[sp.csr_matrix, list[np.ndarray], sp.csr_matrix, sp.csr_matrix]:
    """TF-IDF of body, lead and title over the columns two or more articles use, and each article's top terms.

    IDF combines the run's document frequencies (counted over all chunks first) with the
    background table. Rows are normalised over all their terms before columns only one article
    uses are dropped, so dot products are those of the full vectors; the top terms are taken
    from the full rows too. The chunks' term fields are released as they are consumed. `outside`:
    document frequencies of indexed articles not in the run, counted with the background's.
    """
    background = _load_background(config)
    if outside is not None:
        background = similarity.Background(background.n_docs + outside.n_docs, background.df + outside.df)
    df = similarity.column_use([t.values["columns"] for t in chunks])
    idf = similarity.idf_of(df.astype(np.float64), sum(len(t) for t in chunks), background)
    weigh = similarity.Weigher(idf)
    top: list[np.ndarray] = []
    matrices = []
    for columns, counts in (("columns", "counts"), ("lead_columns", "lead_counts"), ("title_columns", "title_counts")):
        keep = (df if columns == "columns" else similarity.column_use([t.values[columns] for t in chunks])) >= 2
        nnz = sum(int(np.count_nonzero(keep[t.values[columns]])) for t in chunks)
        rows = similarity.CompactedRows(keep, sum(len(t) for t in chunks), nnz)
        # Each chunk is weighed (scikit-learn) in a thread while the one before is compacted
        # (compiled kernels): both halves run mostly outside the interpreter lock.
        blocks = parallel.one_ahead(lambda t, c=columns, n=counts: weigh(t.rows(c, n), in_place=True), chunks)
        for number, (t, block) in enumerate(zip(chunks, blocks, strict=True), start=1):
            if columns == "columns":
                top.extend(similarity.top_terms(block, config.story_terms))
            rows.add(block)
            t.release(columns, counts)
            del block
            if number % 16 == 0:  # the released counts' pages go back as the matrix fills
                parallel.return_free_memory()
        matrices.append(rows.matrix())
    body, lead, title = matrices
    return body, top, lead, title


def _reference_articles(config: MatchConfig, n_real: int) -> list[Article]:
    """The shipped reference sample, for runs too small to rank pairs on their own."""
    if not config.reference or n_real >= config.reference_below or n_real == 0:
        return []
    path = Path(config.reference)
    if not path.exists():
        raise FileNotFoundError(f"reference articles not found: {path}")
    refs, _ = io.read_articles([str(path)])
    return refs


@dataclass(frozen=True)
class Decisions:
    """Every candidate pair's signals and verdict."""

    pairs: np.ndarray  # (m, 2) article rows, i < j
    features: np.ndarray  # (m, len(scorer.FEATURES))
    probability: np.ndarray  # same-story probability from the scorer
    containment: np.ndarray  # exact shingle containment (NaN where not computed)
    jaccard: np.ndarray
    kind: list[str | None]  # "duplicate", "same_story" or None
    threshold: float


def _days_apart(articles: Sequence[Article], pairs: np.ndarray) -> np.ndarray:
    """Days between the two articles' publication, NaN where either date is unknown."""
    stamps = np.array([io.day_stamp(a.published) if a.published else np.nan for a in articles])
    return np.abs(stamps[pairs[:, 0]] - stamps[pairs[:, 1]]) if len(pairs) else np.zeros(0)


def _titles_dated_apart(articles: Sequence[Article], pairs: np.ndarray) -> np.ndarray:
    """Pairs whose titles both name days or months and none that fits the other's: "Giá vàng hôm
    nay 1.6" and "Giá vàng hôm nay 3.6" are one column on two days, not one story."""
    apart = Apart(articles)
    return np.array([apart.titles(i, j) for i, j in pairs.tolist()], dtype=bool)


class Apart:
    """Whether two articles are known to be of different stories: their titles name different days
    (see _titles_dated_apart), or both are dated and published more than `max_days` apart (0: no
    limit). The majority rule keeps such articles in separate stories however they are linked."""

    def __init__(self, articles: Sequence[Article], max_days: float = 0.0) -> None:
        self.articles = articles
        self.max_days = max_days
        self._dates: dict[int, frozenset[tuple[int | None, int]]] = {}

    def _title_dates(self, row: int) -> frozenset[tuple[int | None, int]]:
        d = self._dates.get(row)
        if d is None:
            d = self._dates[row] = claims_mod.dates_in(self.articles[row].title or "")
        return d

    def titles(self, i: int, j: int) -> bool:
        """The titles name days or months and none of one fits the other's."""
        return claims_mod.dates_disagree(self._title_dates(i), self._title_dates(j))

    def __call__(self, i: int, j: int) -> bool:
        if self.max_days:
            a, b = self.articles[i].published, self.articles[j].published
            if a is not None and b is not None and abs(io.day_stamp(a) - io.day_stamp(b)) > self.max_days:
                return True
        return self.titles(i, j)


def stories_of(
    articles: Sequence[Article],
    links: Sequence[tuple[int, int, float]],
    config: MatchConfig,
    rank: Sequence[int] | None = None,
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """The stories of `articles` along confirmed `links` (cluster.stories under the config's
    majority share, days apart and lone-pair floor), and the weak pairs set aside; ties go by
    `rank` (default: by article id)."""
    rank = id_rank(articles).tolist() if rank is None else rank
    return cluster.stories(
        len(articles), links, config.majority, rank, Apart(articles, config.max_days), config.lone_pair_floor
    )


def confirmed_links(dec: Decisions) -> tuple[list[int], list[tuple[int, int, float]]]:
    """The confirmed candidates (their positions in `dec`) and their links for the majority rule:
    (i, j, strength), a copy at strength 1, a same-story pair at its probability."""
    confirmed = np.flatnonzero(np.array([kd is not None for kd in dec.kind], dtype=bool)).tolist()
    links = [
        (int(dec.pairs[k, 0]), int(dec.pairs[k, 1]), link_strength(dec.kind[k], dec.probability[k])) for k in confirmed
    ]
    return confirmed, links


def link_strength(kind: str | None, probability: float) -> float:
    """A confirmed pair's link for the majority rule: a copy at 1, a same-story pair at its probability."""
    return 1.0 if kind == "duplicate" else float(probability)


def pair_evidence(kind: str, probability: float, cosine: float, jaccard: float, containment: float) -> dict[str, Any]:
    """A confirmed pair's evidence as the report gives it (rounded), its link strength as `score`."""
    return {
        "kind": kind,
        "score": round(link_strength(kind, probability), 4),
        "probability": round(float(probability), 4),
        "cosine": round(float(cosine), 4),
        "jaccard": round(float(jaccard), 4),
        "containment": round(float(containment), 4),
    }


def confidence(kind: str, probability: float | None, firm: float) -> str:
    """How far a confirmed pair can be trusted: a copy, or a same-story pair at or above `firm`, is
    "firm"; any other same-story pair "likely" (see MatchConfig.firm for what each was found to be)."""
    return "firm" if kind == "duplicate" or (probability is not None and probability >= firm) else "likely"


def report_match(a: str, b: str, kind: str, score: float, evidence: dict[str, Any], firm: float) -> Match:
    """A confirmed pair as the report lists it: `a` < `b`, its evidence, and its confidence."""
    a, b = sorted((a, b))
    detail = {k: evidence.get(k) for k in ("probability", "cosine", "jaccard", "containment")}
    detail["confidence"] = confidence(kind, detail["probability"], firm)
    return Match(a, b, kind, score, detail)


def decide(
    prep: Prepared, config: MatchConfig, model: scorer_mod.Scorer, features: np.ndarray | None = None
) -> Decisions:
    """Score every candidate and say which pairs are duplicates, same-story matches, or neither."""
    pairs = prep.candidates
    x = scorer_mod.pair_features(prep.signals, pairs, workers=config.workers) if features is None else features
    prob = model.probability(x)
    threshold = model.threshold if config.threshold is None else config.threshold
    gap = _days_apart(prep.articles, pairs)
    too_far = (gap > config.max_days) if config.max_days else np.zeros(len(pairs), bool)
    # Exact shingle overlap, where a copy is possible: shingle-tier candidates, and pairs the
    # scorer already likes at its own threshold (sharing half of one text's shingles implies
    # that): a --threshold above the model's asks more of a same-story pair, not of a copy.
    from_shingles = prep.from_shingles
    look_from = min(threshold, model.threshold)
    containment = np.full(len(pairs), np.nan)
    jaccard = np.full(len(pairs), np.nan)
    # Reference articles (rows from n_real on) only compete for ranks: no pair with one is confirmed.
    real = pairs[:, 1] < prep.n_real
    look = np.flatnonzero(real & (from_shingles | prep.identical | (prob >= look_from)))
    jac, cont = scorer_mod.Sets(*prep.features.ragged("shingles")).overlaps(pairs[look], config.workers)
    same = prep.identical[look]
    jac[same], cont[same] = 1.0, 1.0
    jaccard[look], containment[look] = jac, cont
    duplicate = cont >= config.duplicate_containment
    same_story = (
        ~duplicate
        & (prob[look] >= threshold)
        & ~too_far[look]
        & ~_titles_dated_apart(prep.articles, pairs[look])
        & (np.maximum(x[look, 0], x[look, 1]) >= config.min_cosine)
        & (prep.shared_terms[look] >= config.min_shared_terms)
    )
    kind: list[str | None] = [None] * len(pairs)
    for k in look[duplicate].tolist():
        kind[k] = "duplicate"
    for k in look[same_story].tolist():
        kind[k] = "same_story"
    return Decisions(pairs, x, prob, containment, jaccard, kind, threshold)


def explain(prep: Prepared, i: int, j: int, config: MatchConfig, model: scorer_mod.Scorer) -> dict[str, Any]:
    """Why two articles of a prepared run did or did not match: every signal, bucket and threshold.
    `a` and `b` of the answer are articles i and j, in that order."""
    first, second = i, j
    i, j = min(i, j), max(i, j)
    at = np.flatnonzero((prep.candidates[:, 0] == i) & (prep.candidates[:, 1] == j))
    identical = bool(len(at)) and bool(prep.identical[int(at[0])])
    decisions = decide(prep, config, model)
    if len(at):
        k = int(at[0])
        signals = dict(zip(scorer_mod.FEATURES, decisions.features[k].tolist(), strict=True))
        prob, kind = float(decisions.probability[k]), decisions.kind[k]
    else:
        # Not a candidate: score it as if it were, against the real candidates of the run.
        pairs = np.concatenate([prep.candidates, [[i, j]]])
        row = scorer_mod.pair_features(prep.signals, pairs)[-1]
        signals = dict(zip(scorer_mod.FEATURES, row.tolist(), strict=True))
        prob, kind = float(model.probability(row[None, :])[0]), None
    fa, fb = prep.features[i], prep.features[j]
    jac, cont = (1.0, 1.0) if identical else hashing.overlap(fa.shingles, fb.shingles)

    def removed(row: int) -> dict[str, int]:
        art = prep.articles[row]
        return normalize.removed_lines(prep.texts[row], art.source, prep.boilerplate)

    story_signer = lsh.Signer(config.story_bands, config.story_seed)
    sa, sb = story_signer.sign_all([prep.terms[i], prep.terms[j]])
    dup_layout = lsh.bands(config.dup_lsh)
    shared_terms = np.intersect1d(prep.terms[i], prep.terms[j])
    gap = _days_apart(prep.articles, np.array([[i, j]]))[0]
    # Whether the two end in one story: the majority rule over every confirmed pair of the run.
    _, links = confirmed_links(decisions)
    groups, aside = stories_of(prep.articles, links, config)
    # Two alone on a link under the floor are no story (cluster.stories).
    lone = (min(i, j), max(i, j)) in set(aside)
    together = any(i in g and j in g for g in groups)
    return {
        "a": prep.articles[first].id,
        "b": prep.articles[second].id,
        "verdict": kind or "no match",
        "candidate": bool(len(at)),
        "probability": round(prob, 4),
        "threshold": decisions.threshold,
        # How far a confirmed pair can be trusted, as the report says (None: not confirmed).
        "confidence": confidence(kind, prob, config.firm) if kind else None,
        "firm": config.firm,
        "signals": {k: round(v, 4) for k, v in signals.items()},
        # Texts identical as written are copies, whatever furniture and boilerplate leave of them.
        "identical_texts": identical,
        "shingles": [len(prep.features[first].shingles), len(prep.features[second].shingles)],
        "removed_lines": [removed(first), removed(second)],
        "shingle_jaccard": round(jac, 4),
        "shingle_containment": round(cont, 4),
        "duplicate_containment": config.duplicate_containment,
        "shingle_tier_bands_shared": len(lsh.shared_bands(fa.signature, fb.signature, dup_layout)),
        "shingle_tier_bands": dup_layout[0],
        "term_tier_bands_shared": int((sa == sb).sum()),
        "term_tier_bands": config.story_bands,
        "story_set_shared": len(shared_terms),
        "shared_top_terms": _term_names(
            prep.articles[i].title,
            prep.texts[i],
            shared_terms[shared_terms < similarity.N_FEATURES],
        ),
        "days_apart": None if np.isnan(gap) else round(float(gap), 2),
        "max_days": config.max_days,
        # Titles naming different days ("Giá vàng hôm nay 1.6" / "3.6"): never one story.
        "titles_dated_apart": bool(_titles_dated_apart(prep.articles, np.array([[i, j]]))[0]),
        "one_story": together,
        # Set aside: a story of the two alone on a pair under the floor (cluster.stories).
        "lone_pair": lone,
        "lone_pair_floor": config.lone_pair_floor,
    }


def _term_names(title: str, body: str, columns: np.ndarray) -> list[str]:
    """The words behind hashed term columns, recovered from one article's own tokens."""
    text = normalize.joined([title, body])
    words = normalize.tokens(text)
    hashes = hashing.token_hashes(normalize.raw_tokens(text))
    names: dict[int, str] = {}
    for n in (1, 2):
        cols = (hashing.ngram_hashes(hashes, n) & similarity.COLUMN_MASK).astype(np.int64)
        for k, col in enumerate(cols.tolist()):
            names.setdefault(col, " ".join(words[k : k + n]))
    return sorted(names.get(int(c), f"#{int(c)}") for c in columns)


def load_scorer(config: MatchConfig) -> scorer_mod.Scorer:
    path = Path(config.scorer)
    if not path.exists():
        raise FileNotFoundError(f"pair scorer model not found: {path}")
    return scorer_mod.Scorer.load(path)


def run(
    articles: Sequence[Article],
    config: MatchConfig | None = None,
    rejected: Sequence[Rejected] = (),
    progress: Progress | None = None,
    spool: Sequence[str] | None = None,
) -> Report:
    """Match articles, group them into stories, reconcile each story's numbers.

    `spool` holds the articles' texts by position when they were read into one (io.TextSpool).
    """
    config = config or MatchConfig()
    say = progress or (lambda _msg: None)
    model = load_scorer(config)
    clock = _Clock()
    prep = prepare(articles, config, say, clock, spool)
    texts = prep.texts
    dec = decide(prep, config, model)
    clock.lap("score")
    confirmed, links = confirmed_links(dec)
    evidence: dict[tuple[int, int], dict[str, Any]] = {}
    for k, (i, j, _score) in zip(confirmed, links, strict=True):
        evidence[(i, j)] = pair_evidence(
            dec.kind[k], dec.probability[k], dec.features[k, 0], dec.jaccard[k], dec.containment[k]
        )
    groups, lone = stories_of(articles, links, config)
    clock.lap("cluster")
    n_links, n_groups = len(links), len(groups)
    say(
        f"{report.counted(n_links, 'confirmed pair', 'confirmed pairs')}, grouped into "
        f"{report.counted(n_groups, 'story', 'stories')}"
    )
    # What is left needs the stories and their evidence only: the vectors and pair arrays go.
    stats = dict(prep.stats, confirmed_links=len(links), lone_pairs_apart=len(lone), threshold=dec.threshold)
    del prep, dec
    parallel.return_free_memory()

    assembled = _assemble(articles, groups, evidence, rejected, config, texts, say)
    clock.lap("claims")
    stats = dict(assembled.stats, **stats, seconds=clock.seconds)
    return Report(assembled.articles, assembled.matches, assembled.stories, assembled.rejected, stats)


def _assemble(
    articles: Sequence[Article],
    groups: list[list[int]],
    evidence: dict[tuple[int, int], dict[str, Any]],
    rejected: Sequence[Rejected],
    config: MatchConfig,
    texts: ArticleTexts | None,
    say: Progress | None = None,
    claims_of: Callable[[list[StoryVersions]], list[StoryClaims]] | None = None,
) -> Report:
    """Number the stories, list their confirmed pairs, reconcile their claims (by `claims_of`,
    when another engine reads the texts; by story_claims over `texts` otherwise)."""
    ids = [a.id for a in articles]
    named = sorted(sorted(ids[i] for i in g) for g in groups)
    index = {a.id: i for i, a in enumerate(articles)}
    stories: list[Story] = []
    matches: list[Match] = []
    for number, members in enumerate(named, start=1):
        sid = f"s{number}"
        rows = sorted(index[m] for m in members)
        for x, i in enumerate(rows):
            for j in rows[x + 1 :]:
                ev = evidence.get((i, j))
                if ev is None:
                    continue
                matches.append(report_match(ids[i], ids[j], ev["kind"], ev["score"], ev, config.firm))
        stories.append(Story(sid, tuple(members)))
    if config.claims and stories:
        work = []
        for story in stories:
            rows = [index[m] for m in story.articles]
            compared, loose = _compared(rows, evidence, config.firm)
            work.append((list(zip(story.articles, rows, strict=True)), compared, loose))
        if say is not None:
            say(f"reading and comparing the figures of the {report.counted(len(work), 'story', 'stories')}")
        if claims_of is not None:
            claims = claims_of(work)
        else:
            assert texts is not None, "the stories' texts, or a claims_of that reads them"
            claims = story_claims(work, texts, config.workers, say)
        stories = [replace(story, claims=c, facts=f) for story, (c, f) in zip(stories, claims, strict=True)]
    matches.sort(key=lambda m: (m.a, m.b))
    stats = report_stats(len(articles), len(rejected), matches, stories)
    return Report(tuple(articles), tuple(matches), tuple(stories), tuple(rejected), stats)


def report_stats(articles: int, rejected: int, matches: Sequence[Match], stories: Sequence[Story]) -> dict[str, int]:
    """A report's counts: its articles and rejected records, pairs by kind, stories and their articles."""
    pairs_of = matches_by_story(matches, stories)
    return {
        "articles": articles,
        "rejected": rejected,
        "pairs": len(matches),
        "duplicate_pairs": sum(m.kind == "duplicate" for m in matches),
        "same_story_pairs": sum(m.kind == "same_story" for m in matches),
        "firm_same_story_pairs": sum(
            m.kind == "same_story" and m.evidence.get("confidence") == "firm" for m in matches
        ),
        "stories": len(stories),
        "firm_stories": sum(story_confidence(s.articles, pairs_of[s.id]) == "firm" for s in stories),
        "articles_in_stories": sum(len(s.articles) for s in stories),
    }


def _claim_tree(rows: list[int], evidence: dict[tuple[int, int], dict[str, Any]]) -> list[tuple[int, int]]:
    """The version pairs whose numbers are compared in a story of more than ALL_PAIRS_UP_TO
    versions: a maximum spanning tree of its confirmed pairs.

    Every version is compared with the ones it matched best, n - 1 comparisons for n versions. The
    majority rule builds stories along confirmed pairs, so the tree reaches every version. Pairs
    are positions in `rows`, (x, y) with x < y.
    """
    position = {r: x for x, r in enumerate(rows)}
    ordered = sorted(rows)
    # Ties (every copy scores 1.0) go by position, i.e. by article id, whatever the input's order.
    links = sorted(
        (-evidence[(i, j)]["score"], *sorted((position[i], position[j])))
        for x, i in enumerate(ordered)
        for j in ordered[x + 1 :]
        if (i, j) in evidence
    )
    sets: DisjointSets[int] = DisjointSets(range(len(rows)))
    return sorted((min(x, y), max(x, y)) for _score, x, y in links if sets.union(x, y))


# A story of up to this many versions has every version's figures compared with every other's
# (n(n-1)/2 pairs: 435 at 30); a larger one along a spanning tree of its confirmed pairs (n - 1).
# The largest story of the 35k report has 23 versions; all its stories' pairs are 37,299 against
# 14,699 along trees, and the run takes about 4 s more.
ALL_PAIRS_UP_TO = 30


def _compared(
    rows: list[int], evidence: dict[tuple[int, int], dict[str, Any]], firm: float
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], str]]:
    """The version pairs of a story whose figures are compared (every pair, or `_claim_tree`'s
    above ALL_PAIRS_UP_TO versions), and those of them whose match is not firm, with their doubt
    code: "likely_match" (see `confidence`), or "unmatched" when the two versions were not matched
    with each other; positions in `rows`."""
    n = len(rows)
    if n <= ALL_PAIRS_UP_TO:
        compared = [(x, y) for x in range(n) for y in range(x + 1, n)]
    else:
        compared = _claim_tree(rows, evidence)
    loose = {}
    for x, y in compared:
        ev = evidence.get((min(rows[x], rows[y]), max(rows[x], rows[y])))
        if ev is None:
            loose[(x, y)] = "unmatched"
        elif confidence(ev["kind"], ev.get("probability"), firm) == "likely":
            loose[(x, y)] = "likely_match"
    return compared, loose


# A story's versions (id, position), the version pairs whose figures are compared, and those of
# them whose match is not firm, with their doubt code (positions in the versions' list).
StoryVersions = tuple[list[tuple[str, int]], list[tuple[int, int]], dict[tuple[int, int], str]]


StoryClaims = tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]


def _claims_of(story: StoryVersions, texts: ArticleTexts) -> StoryClaims:
    """Aligned numeric claims along the given version pairs of one story, and its fact table,
    as report records."""
    versions, compared, loose = story
    read = {aid: read_claims(texts.articles[row], texts[row]) for aid, row in versions}
    extracted = [(aid, read[aid][1]) for aid, _row in versions]
    return claim_records(extracted, {aid: prefix for aid, (prefix, _claims) in read.items()}, compared, loose)


def read_claims(article: Article, text: str) -> tuple[int, list[claims_mod.Claim]]:
    """An article's claims, read from its title and text, and the title prefix their offsets count
    (offsets in the report index each article's text or title, not the claims' joined text)."""
    return claims_mod.title_prefix(article, text), claims_mod.extract_claims(claims_mod.claim_text(article, text))


def claim_records(
    extracted: list[tuple[str, list[claims_mod.Claim]]],
    prefixes: dict[str, int],
    compared: list[tuple[int, int]],
    loose: dict[tuple[int, int], str] | None = None,
) -> StoryClaims:
    """The compared pairs of figures and the fact table of one story whose versions' claims are
    read; `loose`: the pairs of `compared` whose match is not firm, with their doubt code (their
    conflicts are noted, see reconcile.note_loose_matches)."""
    pairs = reconcile.reconcile_claims(extracted, compared)
    if loose:
        pairs = reconcile.note_loose_matches(
            pairs, {frozenset((extracted[x][0], extracted[y][0])): doubt for (x, y), doubt in loose.items()}
        )
    return (
        tuple(reconcile.claim_pair_to_dict(p, prefixes) for p in pairs),
        tuple(reconcile.fact_rows(pairs, prefixes)),
    )


def _claims_chunk(stories: list[StoryVersions]) -> list[StoryClaims]:
    return [_claims_of(story, _TEXTS[0]) for story in stories]


def story_claims(
    stories: list[StoryVersions], texts: ArticleTexts, workers: int = 1, say: Progress | None = None
) -> list[StoryClaims]:
    """Claims of many stories ((id, article position) versions and the version pairs to compare), in order.

    Spread over `workers` processes (0: every core), which read the versions' texts themselves.
    """
    workers = parallel.worker_count(workers)
    if workers <= 1 or len(stories) < 200:
        tick = _ticker(say, "claims", len(stories), [1] * len(stories))
        out = []
        for story in stories:
            out.append(_claims_of(story, texts))
            tick()
        return out
    # Small chunks (about 32 a worker, 20 stories at least), so that the workers finish together
    # though a story's cost grows with the square of its versions (every two are compared).
    size = max(20, len(stories) // (workers * 32))
    chunks = [stories[i : i + size] for i in range(0, len(stories), size)]
    tick = _ticker(say, "claims", len(stories), [len(c) for c in chunks])
    return parallel.map_chunks(_claims_chunk, chunks, workers, _init_texts, (texts,), tick)
