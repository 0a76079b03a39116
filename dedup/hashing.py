"""Stable 64-bit hashes of syllables, shingles and n-grams, as numpy arrays.

Hashes must not depend on the process (Python's `hash` is salted per run), so that two runs, or
two worker processes, give the same signatures and byte-identical reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import blake2b
from typing import Any

import numpy as np

from dedup import kernels, normalize
from dedup.normalize import canonical

EMPTY = np.zeros(0, dtype=np.uint64)

# Raw token -> hash of its canonical form. A corpus has far fewer distinct tokens than tokens, so
# folding and hashing once per distinct token is what makes hashing cheap.
_cache: dict[str, int] = {}
_CACHE_LIMIT = 4_000_000


def stable_hash(text: str) -> int:
    """The 64-bit blake2b hash of a string."""
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


_strings: dict[str, int] = {}


def string_hashes(items: set[str] | Sequence[str]) -> np.ndarray:
    """Sorted unique `stable_hash` values of some strings (names, figures), cached per string."""
    values = []
    for item in items:
        value = _strings.get(item)
        if value is None:
            if len(_strings) > _CACHE_LIMIT:
                _strings.clear()
            value = _strings[item] = stable_hash(item)
        values.append(value)
    return sorted_unique(np.array(values, dtype=np.uint64)) if values else EMPTY.copy()


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """Hash each raw token's canonical form (see normalize.canonical) to a uint64."""
    try:
        values = list(map(_cache.__getitem__, tokens))
    except KeyError:
        if len(_cache) > _CACHE_LIMIT:
            _cache.clear()
        for token in set(tokens).difference(_cache):
            _cache[token] = stable_hash(canonical(token))
        values = list(map(_cache.__getitem__, tokens))
    return np.array(values, dtype=np.uint64) if values else EMPTY.copy()


class _KeyTable:
    """Key of a run of text -> a value computed from the run (the hash of its hashing form).

    Runs are keyed by two polynomial hashes of their code points (kernels.span_keys), without
    building their strings. An open-addressing table in flat arrays is looked up by a compiled
    loop for every run of a chunk at once: only keys it has never seen come back to Python.
    """

    def __init__(self) -> None:
        self._empty()

    def _empty(self, size: int = 1 << 16) -> None:
        self.table = np.zeros(size, dtype=np.uint64)
        self.state = np.zeros(size, dtype=np.uint8)
        self.values = np.zeros(size, dtype=np.uint64)
        self.used = 0

    def lookup(
        self, keys: np.ndarray, skip: np.ndarray, value_of: Callable[[int], int | None]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The value of each run keys[k] (value_of(k) for keys never seen), and which runs have one.

        Runs where `skip` is set are not looked up and have none; value_of may also say None.
        """
        if self.used > _CACHE_LIMIT:
            self._empty()
        slots = np.empty(len(keys), dtype=np.int64)
        fresh = np.empty(len(keys), dtype=np.int64)
        n_fresh = 0
        while True:
            done, self.used, n_fresh = kernels.table_slots(
                self.table, self.state, self.used, len(self.table) // 2, keys, skip, slots, fresh, n_fresh
            )
            if done == len(keys):
                break
            self.table, self.state, self.values = kernels.rehash(
                self.table, self.state, self.values, 2 * len(self.table)
            )
        try:
            for t in fresh[:n_fresh].tolist():
                value = value_of(t)
                s = slots[t]
                if value is None:
                    self.state[s] = kernels.NO_VALUE
                else:
                    self.values[s] = value
                    self.state[s] = kernels.KNOWN
        except BaseException:
            self._empty()  # never keep a key without its value
            raise
        out = self.values[slots]
        known = self.state[slots] == kernels.KNOWN
        known[skip] = False
        out[~known] = 0
        return out, known


# Longer runs (page junk: letters without spaces, endless digits) are hashed by their string:
# the two polynomial hashes that key runs (kernels.span_keys) can both be made to collide by some
# long strings.
_LONG_TOKEN = 64
_tokens = _KeyTable()


def text_token_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the canonical forms of a lower-cased text's raw tokens, and each token's start offset.

    Equals `token_hashes(normalize.raw_tokens(text))`, computed over the whole text at once: a
    chunk of articles joined by newlines is tokenised and its tokens keyed by compiled loops, and
    only tokens never seen before are folded and hashed in Python.
    """
    return _tokens_of(normalize.codepoints(text), lambda a, b: text[a:b])


def chunk_token_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the raw tokens of some texts lower-cased, concatenated, and how many each text has:
    `text_token_hashes` of the texts lower-cased and joined by newlines, split by text."""
    texts, cp, cut = _lower_cased(texts, "\n", _joined(texts, "\n"))
    hashes, starts = _tokens_of(cp, cut)
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) + 1 for t in texts], out=bounds[1:])
    return hashes, np.diff(np.searchsorted(starts, bounds))


def _tokens_of(cp: np.ndarray, cut: Callable[[int, int], str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and starts of the lower-cased text whose code points are cp; cut(a, b) is its
    piece from a to b."""
    starts, ends = normalize.token_spans(cp)
    if len(starts) == 0:
        return EMPTY.copy(), starts
    long = ends - starts > _LONG_TOKEN

    def value_of(t: int) -> int:
        return stable_hash(normalize.canonical(cut(starts[t], ends[t])))

    hashes, _ = _tokens.lookup(kernels.span_keys(cp, starts, ends), long, value_of)
    at = np.flatnonzero(long)
    if len(at):
        hashes[at] = token_hashes([cut(starts[k], ends[k]) for k in at.tolist()])
    return hashes, starts


Joined = tuple[str, np.ndarray]  # texts joined by a separator, and the code points of the join


def _joined(texts: Sequence[str], separator: str) -> Joined:
    joined = separator.join(texts)
    return joined, normalize.codepoints(joined)


def _lower_cased(
    texts: Sequence[str], separator: str, joined: Joined
) -> tuple[Sequence[str], np.ndarray, Callable[[int, int], str]]:
    """The join of some texts (`joined`, made with `separator`), lower-cased: the texts whose
    lengths place each text in it, its code points, and cut(a, b), its piece from a to b.

    Lower-cased by code point where that is str.lower's answer (normalize.lower_codepoints): the
    offsets are then those of the texts as given, and a piece is lower-cased when it is cut.
    Otherwise each text is lower-cased as a string, which may change its length.
    """
    text, cp = joined
    low = normalize.lower_codepoints(cp)
    if low is not None:
        return texts, low, lambda a, b: text[a:b].lower()
    lowered = [t.lower() for t in texts]  # one by one: lower-casing may change a text's length
    text, cp = _joined(lowered, separator)
    return lowered, cp, lambda a, b: text[a:b]


_names = _KeyTable()
_figures = _KeyTable()
# Figures and names that are too long for a key, by their string.
_long_names: dict[str, int] = {}
_long_figures: dict[tuple[str, str], int | None] = {}
_SEPARATOR = "\x00"  # neither a space nor a word character: no name or figure runs across it


def _per_text(
    texts: Sequence[str], starts: np.ndarray, values: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's distinct values (sorted, flat) and offsets, from matches at `starts` of the joined texts."""
    bounds = np.cumsum([len(t) + 1 for t in texts])
    texts_of = np.searchsorted(bounds, starts[known], side="right")
    values = values[known]
    order = np.lexsort((values, texts_of))
    texts_of, values = texts_of[order], values[order]
    first = np.ones(len(values), dtype=bool)
    first[1:] = (values[1:] != values[:-1]) | (texts_of[1:] != texts_of[:-1])
    return values[first], np.searchsorted(texts_of[first], np.arange(len(texts) + 1))


def _cached(cache: dict[Any, Any], key: Any, make: Callable[[], Any]) -> Any:
    """cache[key], made by make() the first time (the cache is emptied when it grows too big)."""
    try:
        return cache[key]
    except KeyError:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
        return value


def chunk_joined(texts: Sequence[str]) -> Joined:
    """A chunk's texts joined as chunk_name_hashes and chunk_figure_hashes join them, for both."""
    return _joined(texts, _SEPARATOR)


def chunk_name_hashes(texts: Sequence[str], joined: Joined | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`string_hashes(normalize.names(t))` of each text, flat with offsets: found in one compiled pass
    over the texts, each name's hashing form cached as it is written (joined: chunk_joined(texts))."""
    text, cp = joined or chunk_joined(texts)
    starts, ends = kernels.name_spans(normalize.char_classes(cp), cp)
    long = ends - starts > _LONG_TOKEN

    def name_hash(raw: str) -> int:
        return stable_hash(normalize.name_form(raw))

    def value_of(t: int) -> int:
        return name_hash(text[starts[t] : ends[t]])

    values, known = _names.lookup(kernels.span_keys(cp, starts, ends), long, value_of)
    for t in np.flatnonzero(long).tolist():
        raw = text[starts[t] : ends[t]]
        values[t] = _cached(_long_names, raw, lambda raw=raw: name_hash(raw))
        known[t] = True
    return _per_text(texts, starts, values, known)


def chunk_figure_hashes(texts: Sequence[str], joined: Joined | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`string_hashes(normalize.figures(t))` of each text, flat with offsets: found in one compiled
    pass over the lower-cased texts, each figure's hashing form cached as it is written (joined:
    chunk_joined(texts))."""
    texts, cp, cut = _lower_cased(texts, _SEPARATOR, joined or chunk_joined(texts))
    starts, ends, unit_starts, unit_ends = kernels.figure_spans(normalize.char_classes(cp), cp)
    long = (ends - starts > _LONG_TOKEN) | (unit_ends - unit_starts > _LONG_TOKEN)
    keys = kernels.mix_keys(kernels.span_keys(cp, starts, ends), kernels.span_keys(cp, unit_starts, unit_ends))

    def form_hash(number: str, unit: str) -> int | None:
        form = normalize.figure_form(number, unit)
        return None if form is None else stable_hash(form)

    def value_of(t: int) -> int | None:
        return form_hash(cut(starts[t], ends[t]), cut(unit_starts[t], unit_ends[t]))

    values, known = _figures.lookup(keys, long, value_of)
    for t in np.flatnonzero(long).tolist():
        raw = cut(starts[t], ends[t]), cut(unit_starts[t], unit_ends[t])
        value = _cached(_long_figures, raw, lambda raw=raw: form_hash(*raw))
        if value is not None:
            values[t], known[t] = value, True
    return _per_text(texts, starts, values, known)


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of every run of `n` consecutive tokens (order-sensitive); empty when too short.

    A run's hash folds its tokens in one at a time, h = mix64(h * ROTATE + next), where mix64 is
    MurmurHash3's 64-bit finaliser (kernels.ngram_hashes).
    """
    if n == 1:
        return hashes
    if len(hashes) < n:
        return EMPTY
    return kernels.ngram_hashes(np.ascontiguousarray(hashes, dtype=np.uint64), n)


def grouped_ngrams(hashes: np.ndarray, group: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """N-gram hashes over many concatenated token sequences, without runs that cross two of them.

    `group` gives each token's sequence number; returns the n-gram hashes and their sequence
    numbers. Each hash equals `ngram_hashes` of that sequence alone.
    """
    grams = ngram_hashes(hashes, n)
    if len(grams) == 0 or n == 1:
        return grams, group[: len(grams)]
    inside = group[: len(grams)] == group[n - 1 :]
    return grams[inside], group[: len(grams)][inside]


RADIX_MIN = 4096  # below this many keys np.sort is as fast


def sort_keys(values: np.ndarray) -> np.ndarray:
    """A sorted copy of a 1-d array: kernels.radix_sort for many non-negative int64 keys (term,
    shingle and pair keys), np.sort otherwise."""
    if values.dtype == np.int64 and len(values) >= RADIX_MIN and values.min() >= 0:
        return kernels.radix_sort(values)
    return np.sort(values)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a 1-d array: np.unique without its hash table, slower on big int arrays."""
    if len(values) == 0:
        return values.copy()
    ordered = sort_keys(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def sorted_isin(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """np.isin(values, ordered) for a sorted `ordered`, by binary search instead of sorting both."""
    if len(ordered) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ordered, values)
    np.minimum(at, len(ordered) - 1, out=at)
    return ordered[at] == values


def shingle_set(hashes: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique word n-shingles of a token-hash sequence; a short text is one shingle of itself."""
    if len(hashes) == 0:
        return EMPTY
    if len(hashes) < n:
        return sorted_unique(ngram_hashes(hashes, len(hashes)))
    return sorted_unique(ngram_hashes(hashes, n))


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact Jaccard and containment (share of the smaller set) of two sorted unique hash arrays."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def identical_pairs(keys: np.ndarray, rank: np.ndarray, heads: int = 30) -> np.ndarray:
    """Pairs (i, j), i < j, of items with equal non-zero keys: each of a group's first `heads`
    items (by `rank`) with every other item of the group. The first `heads` are all linked to one
    another, and every later item to all of them, so the majority rule takes in a group of any
    size, while a text repeated n times gives about heads * n pairs instead of n * n / 2."""
    items = np.flatnonzero(keys != 0)
    if len(items) < 2:
        return np.zeros((0, 2), np.int64)
    items = items[np.lexsort((rank[items], keys[items]))]
    k = keys[items]
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    ends = np.concatenate([starts[1:], [len(items)]])
    out = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s < 2:
            continue
        group = items[s:e]
        for h in group[:heads].tolist():
            others = group[group != h]
            out.append(np.stack([np.minimum(others, h), np.maximum(others, h)], axis=1))
    return unique_pairs(*out)


def unique_pairs(*arrays: np.ndarray) -> np.ndarray:
    """Sorted unique rows of several (n, 2) pair arrays of non-negative row numbers."""
    stacked = np.concatenate([a for a in arrays if len(a)] or [np.zeros((0, 2), dtype=np.int64)]).astype(np.int64)
    if not len(stacked):
        return stacked
    n = np.int64(stacked.max()) + 1
    codes = sorted_unique(stacked[:, 0] * n + stacked[:, 1])
    return np.stack([codes // n, codes % n], axis=1)
