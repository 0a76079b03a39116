"""Runs against a persistent index (`dedup match INPUT... --index DIR`).

A run's articles are matched with each other and with the indexed articles of the window (the
`window_days` days before the run's earliest article, and everything after), by the same stages
as a run over all of them: the indexed ones are not read or hashed again, their features come
from the index. The window's articles are grouped again by the majority rule, together with the
other articles of their stories (linked by the pairs the index keeps), and the groups take the
index's story ids:

- a story keeps its id as long as it has two articles; ids are never reused;
- when a story splits, its id stays with the group holding its oldest article (by day, then id);
- when groups of two stories become one, the story made in the earlier run (then the smaller id)
  survives and the other is recorded as merged into it;
- a new story's id is a digest of its smallest article id: it does not depend on the input's order.

Articles already indexed with the same title and text are not matched again (a re-run changes
nothing); with another text they are an error, or with `update` they replace the indexed one.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from dedup import io, normalize, parallel, pipeline, similarity, store
from dedup.config import MatchConfig
from dedup.models import Article, Rejected, Report, Story

Progress = Callable[[str], None]

# What hashing depends on: an index made under other values cannot be matched against.
FEATURES_VERSION = 1


def settings_of(config: MatchConfig) -> str:
    """The settings an index's features were computed under."""
    return (
        f"features={FEATURES_VERSION} num_perm={config.dup_lsh.num_perm} seed={config.dup_lsh.seed} "
        f"shingle_size={config.shingle_size} title_weight={config.title_weight} "
        f"lead_tokens={config.lead_tokens} columns={similarity.N_FEATURES}"
    )


class _Picked:
    """Some positions of a spool of texts, as a spool of their own."""

    def __init__(self, spool: Sequence[str] | None, rows: list[int]) -> None:
        self.spool = spool
        self.rows = rows
        keys = getattr(spool, "keys", None)
        if keys is not None:
            self.keys = np.frombuffer(keys, dtype=np.uint64)[rows].tobytes()

    def __getitem__(self, k: int) -> str:
        return self.spool[self.rows[k]]  # type: ignore[index]

    def __len__(self) -> int:
        return len(self.rows)


def _today() -> float:
    return float(np.floor(io.day_stamp(datetime.now(timezone.utc))))


def _day_of(article: Article, today: float) -> float:
    return io.day_stamp(article.published) if article.published else today


def _as_article(row: store.Indexed) -> Article:
    published = datetime.fromisoformat(row.published) if row.published else None
    return Article(row.id, "", row.title, row.source, row.url, published, row.origin)


def _published_text(article: Article) -> str | None:
    return article.published.isoformat(timespec="minutes") if article.published else None


def _learner(index: store.Index, sources: set[str]) -> Callable[[normalize.LineCounts], normalize.Boilerplate]:
    """Boilerplate learned from a run's line counts added to the index's counts of the same lines."""
    per, docs = index.line_counts(sources)

    def learn(lines: normalize.LineCounts) -> normalize.Boilerplate:
        learned = set()
        for src, counter in lines.per_source.items():
            n = lines.n_docs[src] + docs.get(src, 0)
            floor = normalize.boilerplate_floor(n)
            earlier = per.get(src, {})
            for key, count in counter.items():
                if count + earlier.get(store.line_hash(key), 0) >= floor:
                    learned.add((src, key))
        return normalize.Boilerplate(frozenset(learned))

    return learn


def _known(index: store.Index, window: list[store.Indexed], num_perm: int, learn: Any) -> pipeline.Known:
    # Read a few thousand at a time: the blobs of the whole window are never held beside their arrays.
    tables = []
    for start in range(0, len(window), 2000):
        ids = [a.id for a in window[start : start + 2000]]
        signatures, values, offsets = store.read_features(index.features(ids), num_perm)
        groups = {group: offsets[name] for name, group in pipeline._RAGGED.items()}
        tables.append(pipeline.FeatureTable(signatures, values, groups))
    window_use = similarity.column_use([t.values["columns"] for t in tables])
    total = index.document_frequencies()
    outside = np.maximum(total.astype(np.int64) - window_use, 0).astype(np.float64)
    n_outside = max(index.count() - len(window), 0)
    return pipeline.Known(
        [_as_article(a) for a in window],
        tables,
        np.array([a.exact_key for a in window], dtype=np.uint64),
        learn,
        similarity.Background(n_outside, outside),
    )


class _Spilled:
    """Byte strings kept in a temporary file until read back by position: the run's features,
    ready for the index, wait there while the window is scored (5,000 articles' are about 45 MB)."""

    def __init__(self) -> None:
        try:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (open while the run lasts; see close)
        except OSError as err:
            raise io.SpoolError.of("the run's features", None, err) from None
        self._spans: list[tuple[int, int]] = []
        self._end = 0

    def append(self, data: bytes) -> None:
        self._file.seek(self._end)
        try:
            self._file.write(data)
        except OSError as err:
            raise io.SpoolError.of("the run's features", None, err) from None
        self._spans.append((self._end, len(data)))
        self._end += len(data)

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, k: int) -> bytes:
        at, size = self._spans[k]
        self._file.seek(at)
        return self._file.read(size)

    def close(self) -> None:
        """Remove the file (it is unnamed: gone once closed)."""
        self._file.close()


def _figures_chunk(span: tuple[int, int]) -> list[tuple[int, bytes]]:
    texts = pipeline._TEXTS[0]
    out = []
    for k in range(*span):
        prefix, read = pipeline.read_claims(texts.articles[k], texts[k])
        out.append((prefix, store.figures_blob(read, prefix)))
    return out


def _figures(texts: pipeline.ArticleTexts, n: int, workers: int) -> list[tuple[int, bytes]]:
    """Each of the first n articles' figures as read, and its title prefix."""
    spans = pipeline._spans(n, 200)
    workers = parallel.worker_count(workers)
    if workers <= 1 or n < 400:
        pipeline._init_texts(texts)
        return [item for span in spans for item in _figures_chunk(span)]
    return parallel.map_chunks(_figures_chunk, spans, workers, pipeline._init_texts, (texts,))


def _new_story_id(members: list[str], taken: Callable[[str], bool]) -> str:
    founder = min(members)
    for k in range(1000):
        seed = founder if k == 0 else f"{founder}#{k}"
        sid = "s" + hashlib.blake2b(seed.encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()
        if not taken(sid):
            return sid
    raise store.IndexProblem(f"no free story id for a story founded by {founder!r}")  # pragma: no cover


@dataclass
class _Naming:
    story_of: dict[str, str | None]
    new: list[store.StoryRecord]
    merged: dict[str, str]
    dissolved: list[str]


def name_groups(
    nodes: list[Article],
    days: list[float],
    old: list[str | None],
    groups: list[list[int]],
    records: dict[str, store.StoryRecord],
    taken: Callable[[str], bool],
) -> _Naming:
    """Story ids for the groups of `nodes` whose stories were `old` (see the module's rules)."""
    age = [(days[k], nodes[k].id) for k in range(len(nodes))]
    group_of = {k: g for g, members in enumerate(groups) for k in members}
    heir: dict[str, int] = {}
    oldest: dict[str, tuple[float, str]] = {}
    for k, sid in enumerate(old):
        if sid is None or k not in group_of:
            continue
        if sid not in oldest or age[k] < oldest[sid]:
            oldest[sid], heir[sid] = age[k], group_of[k]
    claimed: dict[int, list[str]] = {}
    for sid, g in heir.items():
        claimed.setdefault(g, []).append(sid)
    merged: dict[str, str] = {}
    new: list[store.StoryRecord] = []
    allotted: set[str] = set()
    names: list[str] = []
    for g, members in enumerate(groups):
        ids = claimed.get(g, [])
        if ids:
            ids.sort(key=lambda s: (records[s].created_run, s) if s in records else (1 << 62, s))
            names.append(ids[0])
            merged.update({other: ids[0] for other in ids[1:]})
            continue
        sid = _new_story_id([nodes[k].id for k in members], lambda s: s in allotted or taken(s))
        allotted.add(sid)
        names.append(sid)
        founder = min(nodes[k].id for k in members)
        new.append(store.StoryRecord(sid, founder, 0, "live", None))
    dissolved = sorted({s for s in old if s is not None} - set(heir))
    story_of = {nodes[k].id: (names[group_of[k]] if k in group_of else None) for k in range(len(nodes))}
    return _Naming(story_of, new, merged, dissolved)


def run(
    articles: Sequence[Article],
    config: MatchConfig,
    index: store.Index,
    inputs: str,
    window_days: float = 7.0,
    update: bool = False,
    rejected: Sequence[Rejected] = (),
    progress: Progress | None = None,
    spool: Sequence[str] | None = None,
) -> Report:
    """Match `articles` with each other and the index's window, write the run to the index (one
    transaction), and report the run's articles with every story they are in (what the run
    added, replaced and left unchanged under `stats.index`)."""
    say = progress or (lambda _m: None)
    settings = settings_of(config)
    index.check_settings(settings)
    texts = pipeline.ArticleTexts(articles, spool)
    existing = index.articles(a.id for a in articles)
    fresh: list[int] = []
    replaced: list[str] = []
    unchanged = 0
    digests = {}
    for k, article in enumerate(articles):
        digest = store.text_digest(article.title, texts[k])
        before = existing.get(article.id)
        if before is None:
            fresh.append(k)
        elif before.digest == digest:
            unchanged += 1
            continue
        elif update:
            replaced.append(article.id)
            fresh.append(k)
        else:
            raise io.InputError(
                f"{article.origin}: id {article.id!r} is already in the index with another title or text "
                f"(indexed from {before.origin}); --update replaces it"
            )
        digests[k] = digest
    if unchanged:
        say(f"{unchanged} of the {len(articles)} articles already indexed as they are: not matched again")
    run_number = None
    window: list[store.Indexed] = []
    lone = 0
    if fresh:
        run_number, window, lone = _match_and_write(
            [articles[k] for k in fresh],
            [digests[k] for k in fresh],
            _Picked(spool, fresh) if spool is not None else None,
            config, index, inputs, window_days, [existing[r] for r in replaced], unchanged, say, settings,
        )  # fmt: skip
    elif articles:
        say("nothing new: the index is unchanged")
    report = report_of(index, articles, config, rejected)
    stats = dict(
        report.stats,
        lone_pairs_apart=lone,  # in the window and its stories, as the run grouped them
        index={
            "directory": str(index.directory),
            "run": run_number,
            "added": len(fresh) - len(replaced),
            "replaced": len(replaced),
            "unchanged": unchanged,
            "window": len(window),
            "window_days": window_days,
        },
    )
    return replace(report, stats=stats)


def _match_and_write(
    articles: list[Article],
    digests: list[str],
    spool: Sequence[str] | None,
    config: MatchConfig,
    index: store.Index,
    inputs: str,
    window_days: float,
    replacing: list[store.Indexed],
    unchanged: int,
    say: Progress,
    settings: str,
) -> tuple[int, list[store.Indexed], int]:
    today = _today()
    days = [_day_of(a, today) for a in articles]
    since = min(days) - window_days
    gone = {r.id for r in replacing}
    window = [a for a in index.window(since) if a.id not in gone]
    say(f"{len(window)} indexed articles in the window (from {store._day_text(since)})")
    known = _known(index, window, config.dup_lsh.num_perm, _learner(index, {a.source or "" for a in articles}))
    kept: dict[str, Any] = {}

    def hashed(
        chunks: list[pipeline.FeatureTable], keys: np.ndarray, lines: normalize.LineCounts, counted: np.ndarray
    ) -> None:
        # The run's own articles come first; shipped reference articles after them are not indexed.
        blobs = _Spilled()
        columns = []
        for table in chunks:
            rows = min(len(table), len(articles) - len(blobs))
            if rows <= 0:
                break
            for f in (table[d] for d in range(rows)):
                blobs.append(store.features_blob(f.signature, {name: getattr(f, name) for name in pipeline._RAGGED}))
            values, offsets = table.ragged("columns")
            columns.append(values[: offsets[rows]])
        # Which short lines each article added to its outlet's counts, for when it is removed.
        texts = pipeline.ArticleTexts(articles, spool)
        line_blobs = [
            store.lines_blob(bool(counted[k]), normalize.short_line_keys(texts[k]) if counted[k] else ())
            for k in range(len(articles))
        ]
        kept.update(
            blobs=blobs,
            keys=keys[: len(articles)],
            lines=lines,
            use=similarity.column_use(columns),
            line_blobs=line_blobs,
        )

    if replacing:
        # The replaced versions' term columns leave the document frequencies as the new ones come in.
        _sig, values, _off = store.read_features(index.features(sorted(gone)), config.dup_lsh.num_perm)
        kept["gone_use"] = similarity.column_use([values["columns"]])
    model = pipeline.load_scorer(config)
    clock = pipeline._Clock()
    prep = pipeline.prepare(articles, config, say, clock, spool, known=known, hashed=hashed)
    del known  # its tables and document frequencies are in the run's arrays now
    dec = pipeline.decide(prep, config, model)
    confirmed, links = pipeline.confirmed_links(dec)
    n_window = prep.n_real
    nodes: list[Article] = list(prep.articles[:n_window])
    node_days = [a.day for a in window] + days
    old: list[str | None] = [a.story for a in window] + [None] * len(articles)
    position = {a.id: k for k, a in enumerate(nodes)}
    # The other articles of the window's stories and of the replaced articles' stories, with the
    # pairs the index keeps for them.
    regrouped = {s for s in old if s} | {r.story for r in replacing if r.story}
    outer = [a for a in index.members(regrouped) if a.id not in position]
    for a in outer:
        position[a.id] = len(nodes)
        nodes.append(_as_article(a))
        node_days.append(a.day)
        old.append(a.story)
    stored = [
        p
        for p in index.pairs_touching(a.id for a in outer)
        if p.a in position
        and p.b in position
        and (position[p.a] >= n_window or position[p.b] >= n_window)
        and p.a not in gone
        and p.b not in gone  # a replaced version's pairs go with it
    ]
    all_links = list(links) + [(position[p.a], position[p.b], p.score) for p in stored]
    groups, lone = pipeline.stories_of(nodes, all_links, config)
    records = index.stories(regrouped)
    naming = name_groups(nodes, node_days, old, groups, records, lambda s: bool(index.stories([s])))
    # A replaced article's story without any other article among the nodes has none left.
    naming.dissolved = sorted(set(naming.dissolved) | (regrouped - {s for s in old if s}))
    story_of = naming.story_of
    say(f"{len(links)} confirmed pairs in the window, {len(groups)} stories in it and its stories' other articles")

    pairs = []
    for k, (i, j, score) in zip(confirmed, links, strict=True):
        a, b = nodes[i].id, nodes[j].id
        if story_of[a] is None or story_of[a] != story_of[b]:
            continue
        a, b = sorted((a, b))
        pairs.append(
            store.PairRecord(
                a, b, dec.kind[k] or "", round(score, 4), round(float(dec.probability[k]), 4),
                round(float(dec.features[k, 0]), 4), round(float(dec.jaccard[k]), 4),
                round(float(dec.containment[k]), 4),
            )
        )  # fmt: skip
    split = [(p.a, p.b) for p in stored if story_of[p.a] is None or story_of[p.a] != story_of[p.b]]
    # The run's vectors and pair arrays go before the figures are read (in forked workers).
    del prep, dec
    parallel.return_free_memory()
    figures = _figures(pipeline.ArticleTexts(articles, spool), len(articles), config.workers)
    run_day = today
    added = []
    for k, article in enumerate(articles):
        prefix, blob = figures[k]
        added.append(
            store.NewArticle(
                store.Indexed(
                    article.id, None, days[k], _published_text(article), article.source, article.title, article.url,
                    0, article.origin, digests[k], int(kept["keys"][k]),
                ),
                kept["blobs"][k], blob, prefix, kept["line_blobs"][k],
            )
        )  # fmt: skip
    kept["blobs"].close()
    changes = store.RunChanges(
        at=store._now(),
        day=run_day,
        inputs=inputs,
        added=added,
        replaced=sorted(gone),
        unchanged=unchanged,
        story_of=story_of,
        new_stories=naming.new,
        merged=naming.merged,
        dissolved=naming.dissolved,
        drop_pairs_among={a.id for a in window} | {a.id for a in articles},
        drop_pairs=split,
        pairs=pairs,
        lines=kept["lines"],
        settings=settings,
        column_use=kept["use"].astype(np.int64) - kept.get("gone_use", 0),
    )
    number = index.commit(changes)
    say(f"run {number} written to the index: {len(articles)} articles, {len(naming.new)} new stories, "
        f"{len(naming.merged)} merged, {len(naming.dissolved)} dissolved")  # fmt: skip
    return number, window, len(lone)


def report_of(
    index: store.Index, articles: Sequence[Article], config: MatchConfig, rejected: Sequence[Rejected] = ()
) -> Report:
    """The report of a run's articles as the index holds them now: their stories with every
    article (the earlier ones marked), the pairs inside them, and their figures compared."""
    rows = index.articles(a.id for a in articles)
    touched = {r.story for r in rows.values() if r.story}
    members = index.members(touched)
    ours = {a.id for a in articles}
    earlier = [m for m in members if m.id not in ours]
    story_of = {m.id: m.story for m in members}
    pairs = [p for p in index.pairs_touching(story_of) if story_of.get(p.a) and story_of.get(p.a) == story_of.get(p.b)]
    by_story: dict[str, list[str]] = {}
    for m in members:
        by_story.setdefault(m.story or "", []).append(m.id)
    matches = [
        pipeline.report_match(
            p.a, p.b, p.kind, p.score,
            {"probability": p.probability, "cosine": p.cosine, "jaccard": p.jaccard, "containment": p.containment},
            config.firm,
        )
        for p in pairs
    ]  # fmt: skip
    evidence_of: dict[str, dict[tuple[str, str], store.PairRecord]] = {}
    for p in pairs:
        evidence_of.setdefault(story_of[p.a] or "", {})[(p.a, p.b)] = p
    stories = []
    for sid in sorted(by_story):
        ids = sorted(by_story[sid])
        story = Story(sid, tuple(ids))
        if config.claims:
            read = [store.read_figures(b) for b in index.figures(ids)]
            extracted = [(aid, claims) for aid, (_prefix, claims) in zip(ids, read, strict=True)]
            prefixes = {aid: prefix for aid, (prefix, _claims) in zip(ids, read, strict=True)}
            at = {aid: x for x, aid in enumerate(ids)}
            evidence = {
                (min(at[a], at[b]), max(at[a], at[b])): {"score": p.score, "kind": p.kind, "probability": p.probability}
                for (a, b), p in evidence_of.get(sid, {}).items()
            }
            compared, loose = pipeline._compared(list(range(len(ids))), evidence, config.firm)
            claims, facts = pipeline.claim_records(extracted, prefixes, compared, loose)
            story = replace(story, claims=claims, facts=facts)
        stories.append(story)
    listed = [*articles, *(_as_article(m) for m in earlier)]
    matches.sort(key=lambda m: (m.a, m.b))
    stats = dict(pipeline.report_stats(len(articles), len(rejected), matches, stories), earlier_articles=len(earlier))
    return Report(
        tuple(listed), tuple(matches), tuple(stories), tuple(rejected), stats, earlier=frozenset(m.id for m in earlier)
    )
