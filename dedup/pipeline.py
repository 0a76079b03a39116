"""The one library entry point: `run(articles, config) -> Report`.

Data flows one way: normalise a copy of each article for hashing, bucket with MinHash-LSH in two
tiers (word shingles for copies, each article's top TF-IDF terms for rewrites), confirm every
candidate with TF-IDF cosine, group confirmed pairs into stories with average linkage, then
reconcile the numbers of each story's versions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dedup import cluster, hashing, lsh, normalize, reconcile, similarity
from dedup.models import Article, Match, Rejected, Report, Story

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MatchConfig:
    """Every setting of a run; the defaults are the measured ones (see README, "How matching works")."""

    shingle_size: int = 5
    # 64 permutations in 21 bands of 3 rows: a copy with 60% of the text (Jaccard 0.6) shares a
    # bucket with its original 99.4% of the time; the term tier below catches copies as well.
    dup_lsh: lsh.LSHParams = field(default_factory=lambda: lsh.LSHParams(num_perm=64, seed=1, threshold=0.3))
    # A pair is a `duplicate` when this share of the shorter text's shingles is in the other:
    # a copy with a cut tail or a dropped sentence keeps nearly all of its shingles, while
    # separate write-ups of one event share well under a tenth.
    duplicate_containment: float = 0.5
    story_terms: int = 20
    story_lsh: lsh.LSHParams = field(
        default_factory=lambda: lsh.LSHParams(num_perm=128, seed=2, threshold=0.1, max_bucket=0)
    )
    min_cosine: float = 0.3
    link_threshold: float = 0.25
    title_weight: int = 2
    background: str | None = str(similarity.DEFAULT_BACKGROUND)
    claims: bool = True
    workers: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data, for the report's stats."""
        return asdict(self)


@dataclass(frozen=True)
class Features:
    """What the pipeline keeps of one article: shingles and their signature for copies, terms for TF-IDF."""

    shingles: np.ndarray  # sorted unique 32-bit shingle hashes
    signature: np.ndarray  # MinHash of the shingles (uint32, dup_lsh.num_perm values)
    columns: np.ndarray  # hashed TF-IDF term columns (int32)
    counts: np.ndarray  # their counts (float32)
    n_tokens: int


class _Extractor:
    """Turns (text, title, source) items into Features, a chunk of articles at a time.

    Tokens of a whole chunk are hashed, combined into n-grams, counted and signed in a few numpy
    passes, so the per-article cost is the tokenising alone. One extractor per process keeps the
    token cache warm.
    """

    def __init__(self, boilerplate: normalize.Boilerplate, config: MatchConfig) -> None:
        self.boilerplate = boilerplate
        self.shingle_size = config.shingle_size
        self.title_weight = config.title_weight
        self.signer = lsh.Signer(config.dup_lsh.num_perm, config.dup_lsh.seed)

    def _tokens(self, items: Sequence[tuple[str, str, str | None]]) -> tuple[list[list[str]], list[list[str]]]:
        bodies = [
            normalize.hashing_tokens(normalize.strip_title(text, title), source, self.boilerplate)
            for text, title, source in items
        ]
        return bodies, [normalize.raw_tokens(title) for _text, title, _source in items]

    def __call__(self, items: Sequence[tuple[str, str, str | None]]) -> list[Features]:
        m = len(items)
        if m == 0:
            return []
        bodies, titles = self._tokens(items)
        body_len = np.array([len(b) for b in bodies], dtype=np.int64)
        body = hashing.token_hashes([t for b in bodies for t in b])
        body_doc = np.repeat(np.arange(m, dtype=np.int64), body_len)
        title = hashing.token_hashes([t for b in titles for t in b])
        title_doc = np.repeat(np.arange(m, dtype=np.int64), [len(t) for t in titles])

        # TF-IDF terms: syllables and syllable bigrams; title terms weigh `title_weight` times.
        b2, b2_doc = hashing.grouped_ngrams(body, body_doc, 2)
        t2, t2_doc = hashing.grouped_ngrams(title, title_doc, 2)
        terms = np.concatenate([body, b2, title, t2])
        docs = np.concatenate([body_doc, b2_doc, title_doc, t2_doc])
        weight = np.concatenate(
            [np.ones(len(body) + len(b2), np.float32), np.full(len(title) + len(t2), self.title_weight, np.float32)]
        )
        keys = (docs << 22) | (terms & similarity.COLUMN_MASK).astype(np.int64)
        term_keys, inverse = np.unique(keys, return_inverse=True)
        term_counts = np.bincount(inverse, weights=weight).astype(np.float32)
        term_bounds = np.searchsorted(term_keys >> 22, np.arange(m + 1))
        term_cols = (term_keys & similarity.COLUMN_MASK_INT).astype(np.int32)

        # Shingles for copies: 5-word runs (a text shorter than that is one shingle of itself).
        sh, sh_doc = hashing.grouped_ngrams(body, body_doc, self.shingle_size)
        short = np.flatnonzero((body_len > 0) & (body_len < self.shingle_size))
        if len(short):
            offsets = np.concatenate([[0], np.cumsum(body_len)])
            extra = [hashing.ngram_hashes(body[offsets[d] : offsets[d + 1]], int(body_len[d])) for d in short]
            sh = np.concatenate([sh, *extra])
            sh_doc = np.concatenate([sh_doc, short])
        sh_keys = np.unique((sh_doc << 32) | (sh & np.uint64(0xFFFFFFFF)).astype(np.int64))
        sh_bounds = np.searchsorted(sh_keys >> 32, np.arange(m + 1))
        shingles = (sh_keys & 0xFFFFFFFF).astype(np.uint32)
        nonempty = np.flatnonzero(np.diff(sh_bounds) > 0)
        signatures = np.full((m, self.signer.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        signatures[nonempty] = self.signer.sign_grouped(shingles, sh_bounds[nonempty])
        return [
            Features(
                shingles[sh_bounds[d] : sh_bounds[d + 1]].copy(),
                signatures[d],
                term_cols[term_bounds[d] : term_bounds[d + 1]].copy(),
                term_counts[term_bounds[d] : term_bounds[d + 1]].copy(),
                int(body_len[d]),
            )
            for d in range(m)
        ]


_WORKER: list[_Extractor] = []


def _init_worker(boilerplate: normalize.Boilerplate, config: MatchConfig) -> None:
    _WORKER[:] = [_Extractor(boilerplate, config)]


def _features_chunk(items: list[tuple[str, str, str | None]]) -> list[Features]:
    return _WORKER[0](items)


def extract_features(
    articles: Sequence[Article], boilerplate: normalize.Boilerplate, config: MatchConfig
) -> list[Features]:
    """Features of every article, in order, using `config.workers` processes."""
    items = [(a.text, a.title, a.source) for a in articles]
    workers = config.workers if config.workers > 0 else (os.cpu_count() or 1)
    size = 500
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    if workers <= 1 or len(items) < 2000:
        extract = _Extractor(boilerplate, config)
        return [f for chunk in chunks for f in extract(chunk)]
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(boilerplate, config)) as pool:
        return [f for chunk in pool.map(_features_chunk, chunks) for f in chunk]


def _load_background(config: MatchConfig) -> similarity.Background:
    if not config.background:
        return similarity.Background.empty()
    path = Path(config.background)
    if not path.exists():
        raise FileNotFoundError(f"background document-frequency table not found: {path}")
    return similarity.Background.load(path)


def _union_pairs(*arrays: np.ndarray) -> np.ndarray:
    """Sorted unique rows of several (n, 2) pair arrays."""
    stacked = np.concatenate([a for a in arrays if len(a)] or [np.zeros((0, 2), dtype=np.int64)])
    return np.unique(stacked, axis=0) if len(stacked) else stacked


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

    articles: Sequence[Article]
    features: list[Features]
    matrix: Any  # scipy.sparse.csr_matrix of L2-normalised TF-IDF rows
    terms: list[np.ndarray]  # each article's heaviest terms (the story-tier set)
    dup_pairs: np.ndarray
    story_pairs: np.ndarray
    candidates: np.ndarray
    stats: dict[str, Any]


def prepare(
    articles: Sequence[Article], config: MatchConfig, say: Progress = lambda _m: None, clock: _Clock | None = None
) -> Prepared:
    """Hash every article, build TF-IDF vectors, and collect candidate pairs from both LSH tiers."""
    clock = clock or _Clock()
    boilerplate = normalize.learn_boilerplate((a.source, a.text) for a in articles)
    feats = extract_features(articles, boilerplate, config)
    say(f"read and hashed {len(articles)} articles ({clock.lap('features'):.1f}s)")

    # Tier 1: copies of one text share long runs of words.
    present = np.array([len(f.shingles) > 0 for f in feats], dtype=bool)
    signatures = np.stack([f.signature for f in feats]) if feats else np.zeros((0, config.dup_lsh.num_perm), np.uint32)
    dup_pairs, dup_stats = lsh.candidate_pairs(signatures, present, config.dup_lsh)
    del signatures
    clock.lap("duplicate_lsh")

    # Tier 2: rewrites of one event share their most distinctive terms (names, places, figures).
    counts = similarity.count_matrix([(f.columns, f.counts) for f in feats])
    matrix, _idf = similarity.tfidf(counts, _load_background(config))
    del counts
    terms = similarity.top_terms(matrix, config.story_terms)
    story_signer = lsh.Signer(config.story_lsh.num_perm, config.story_lsh.seed)
    present = np.array([len(t) > 0 for t in terms], dtype=bool)
    story_pairs, story_stats = lsh.candidate_pairs(story_signer.sign_all(terms), present, config.story_lsh)
    clock.lap("story_lsh")
    candidates = _union_pairs(dup_pairs, story_pairs)
    say(f"{len(candidates)} candidate pairs ({len(dup_pairs)} from shingles, {len(story_pairs)} from terms)")
    stats = {
        "candidates": {"duplicate_tier": len(dup_pairs), "story_tier": len(story_pairs), "total": len(candidates)},
        "lsh": {"duplicate_tier": dup_stats, "story_tier": story_stats},
    }
    return Prepared(articles, feats, matrix, terms, dup_pairs, story_pairs, candidates, stats)


def pair_evidence(prep: Prepared, i: int, j: int, cosine: float, config: MatchConfig) -> dict[str, Any]:
    """The signals of one pair and the verdict they give: duplicate, same_story or none."""
    jac, cont = hashing.overlap(prep.features[i].shingles, prep.features[j].shingles)
    if cont >= config.duplicate_containment:
        kind, score = "duplicate", max(cosine, cont)
    elif cosine >= config.min_cosine:
        kind, score = "same_story", cosine
    else:
        kind, score = None, cosine
    return {
        "kind": kind,
        "score": score,
        "cosine": round(cosine, 4),
        "jaccard": round(jac, 4),
        "containment": round(cont, 4),
    }


def explain(prep: Prepared, i: int, j: int, config: MatchConfig) -> dict[str, Any]:
    """Why two articles of a prepared run did or did not match: every signal, bucket and threshold."""
    cosine = float(similarity.pair_cosines(prep.matrix, np.array([[i, j]]))[0])
    ev = pair_evidence(prep, i, j, cosine, config)
    fa, fb = prep.features[i], prep.features[j]
    story_signer = lsh.Signer(config.story_lsh.num_perm, config.story_lsh.seed)
    sa, sb = story_signer.sign_all([prep.terms[i], prep.terms[j]])
    dup_layout, story_layout = lsh.bands(config.dup_lsh), lsh.bands(config.story_lsh)
    shared_terms = np.intersect1d(prep.terms[i], prep.terms[j])
    pair = (min(i, j), max(i, j))
    is_candidate = bool(((prep.candidates[:, 0] == pair[0]) & (prep.candidates[:, 1] == pair[1])).any())
    return {
        "a": prep.articles[i].id,
        "b": prep.articles[j].id,
        "verdict": ev["kind"] or "no match",
        "candidate": is_candidate,
        "cosine": ev["cosine"],
        "min_cosine": config.min_cosine,
        "shingle_jaccard": ev["jaccard"],
        "shingle_containment": ev["containment"],
        "duplicate_containment": config.duplicate_containment,
        "shingles": [len(fa.shingles), len(fb.shingles)],
        "shingle_tier_bands_shared": len(lsh.shared_bands(fa.signature, fb.signature, dup_layout)),
        "shingle_tier_bands": dup_layout[0],
        "term_tier_bands_shared": len(lsh.shared_bands(sa, sb, story_layout)),
        "term_tier_bands": story_layout[0],
        "top_terms_shared": len(shared_terms),
        "top_terms": config.story_terms,
        "shared_top_terms": _term_names(prep.articles[i], shared_terms, config),
    }


def _term_names(article: Article, columns: np.ndarray, config: MatchConfig) -> list[str]:
    """The words behind hashed term columns, recovered from one article's own tokens."""
    words = normalize.tokens(normalize.joined([article.title, article.text]))
    names: dict[int, str] = {}
    hashes = hashing.token_hashes(normalize.raw_tokens(normalize.joined([article.title, article.text])))
    for n in (1, 2):
        grams = hashing.ngram_hashes(hashes, n)
        cols = (grams & np.uint64(similarity.N_FEATURES - 1)).astype(np.int64)
        for k, col in enumerate(cols.tolist()):
            names.setdefault(col, " ".join(words[k : k + n]))
    return sorted(names.get(int(c), f"#{int(c)}") for c in columns)


def run(
    articles: Sequence[Article],
    config: MatchConfig | None = None,
    rejected: Sequence[Rejected] = (),
    progress: Progress | None = None,
) -> Report:
    """Match articles, group them into stories, reconcile each story's numbers."""
    config = config or MatchConfig()
    say = progress or (lambda _msg: None)
    clock = _Clock()
    prep = prepare(articles, config, say, clock)
    candidates, matrix = prep.candidates, prep.matrix

    # Confirm: cosine for every candidate; exact shingle overlap tells a copy from a rewrite. Overlap
    # is computed where a copy is possible: shingle-tier candidates, and pairs close enough in
    # cosine to be matches at all (sharing half of one text's shingles implies that).
    cosines = similarity.pair_cosines(matrix, candidates)
    n64 = np.int64(len(articles))
    codes = candidates[:, 0] * n64 + candidates[:, 1]
    from_shingles = np.isin(codes, prep.dup_pairs[:, 0] * n64 + prep.dup_pairs[:, 1])
    check = np.flatnonzero(from_shingles | (cosines >= config.min_cosine))
    links: list[tuple[int, int, float]] = []
    evidence: dict[tuple[int, int], dict[str, Any]] = {}
    # Every scored pair is remembered: the clustering asks again about pairs across groups.
    known: dict[tuple[int, int], float] = dict(zip(map(tuple, candidates.tolist()), cosines.tolist(), strict=True))
    for k in check.tolist():
        i, j = int(candidates[k, 0]), int(candidates[k, 1])
        ev = pair_evidence(prep, i, j, float(cosines[k]), config)
        if ev["kind"] is None:
            continue
        links.append((i, j, ev["score"]))
        known[(i, j)] = ev["score"]
        evidence[(i, j)] = ev
    clock.lap("confirm")

    def sim(pairs: np.ndarray) -> np.ndarray:
        """Link strength of any two articles: the confirmed score, else their cosine."""
        ordered = np.sort(pairs, axis=1).tolist()
        scores = np.array([known.get((i, j), -1.0) for i, j in ordered])
        missing = scores < 0
        if missing.any():
            asked = np.array(ordered)[missing]
            scores[missing] = similarity.pair_cosines(matrix, asked)
            known.update(zip(map(tuple, asked.tolist()), scores[missing].tolist(), strict=True))
        return scores

    groups = cluster.average_linkage(len(articles), links, sim, config.link_threshold)
    clock.lap("cluster")
    say(f"{len(links)} confirmed pairs, {len(groups)} stories")

    report = _assemble(articles, groups, evidence, rejected, config)
    clock.lap("claims")
    stats = dict(report.stats)
    stats.update(prep.stats, confirmed_links=len(links), seconds=clock.seconds)
    return Report(report.articles, report.matches, report.stories, report.rejected, stats)


def _assemble(
    articles: Sequence[Article],
    groups: list[list[int]],
    evidence: dict[tuple[int, int], dict[str, Any]],
    rejected: Sequence[Rejected],
    config: MatchConfig,
) -> Report:
    """Number the stories, list their confirmed pairs, reconcile their claims."""
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
                a, b = sorted((ids[i], ids[j]))
                detail = {k: ev[k] for k in ("cosine", "jaccard", "containment")}
                matches.append(Match(a, b, ev["kind"], ev["cosine"], detail))
        claims: tuple[dict[str, Any], ...] = ()
        if config.claims:
            claims = _story_claims([articles[index[m]] for m in members])
        stories.append(Story(sid, tuple(members), claims))
    matches.sort(key=lambda m: (m.a, m.b))
    stats = {
        "articles": len(articles),
        "rejected": len(rejected),
        "pairs": len(matches),
        "duplicate_pairs": sum(m.kind == "duplicate" for m in matches),
        "same_story_pairs": sum(m.kind == "same_story" for m in matches),
        "stories": len(stories),
        "articles_in_stories": sum(len(s.articles) for s in stories),
    }
    return Report(tuple(articles), tuple(matches), tuple(stories), tuple(rejected), stats)


def claim_text(article: Article) -> str:
    """The raw text claims are read from: the title (headline figures count) and the body."""
    if not article.title or article.text.lstrip().startswith(article.title):
        return article.text
    return article.title + "\n" + article.text


def _story_claims(members: Sequence[Article]) -> tuple[dict[str, Any], ...]:
    """Aligned numeric claims between the versions of one story, as report records."""
    versions = [(a.id, claim_text(a)) for a in members]
    return tuple(reconcile.claim_pair_to_dict(p) for p in reconcile.reconcile(versions))
