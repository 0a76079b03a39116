"""Stable 64-bit hashes of syllables, shingles and n-grams, as numpy arrays.

Hashes must not depend on the process (Python's `hash` is salted per run), so that two runs, or
two worker processes, give the same signatures and byte-identical reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b

import numpy as np

from dedup import kernels, normalize
from dedup.normalize import canonical

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_ROTATE = np.uint64(0x9E3779B97F4A7C15)
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


_names: dict[str, int] = {}
_figures: dict[tuple[str, str], int | None] = {}


def _distinct(values: list[int]) -> np.ndarray:
    return np.array(sorted(set(values)), dtype=np.uint64) if values else EMPTY.copy()


def name_hashes(text: str) -> np.ndarray:
    """`string_hashes(normalize.names(text))`, each name's hashing form cached as it is written."""
    values = []
    for raw in normalize.NAME_RE.findall(text):
        value = _names.get(raw)
        if value is None:
            if len(_names) > _CACHE_LIMIT:
                _names.clear()
            value = _names[raw] = stable_hash(normalize.name_form(raw))
        values.append(value)
    return _distinct(values)


def figure_hashes(text: str) -> np.ndarray:
    """`string_hashes(normalize.figures(text))`, each figure's hashing form cached as it is written."""
    values = []
    for raw in normalize.FIGURE_RE.findall(text.lower()):
        try:
            value = _figures[raw]
        except KeyError:
            if len(_figures) > _CACHE_LIMIT:
                _figures.clear()
            form = normalize.figure_form(*raw)
            value = _figures[raw] = None if form is None else stable_hash(form)
        if value is not None:
            values.append(value)
    return _distinct(values)


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


# Longer tokens (page junk: runs of letters without spaces) are hashed by their string: the two
# polynomial hashes that key raw tokens (kernels.span_keys) can both be made to collide by some
# long strings.
_LONG_TOKEN = 64


class _KeyTable:
    """Key of a raw token -> hash of its canonical form, as `_cache` but keyed without the string.

    An open-addressing table in flat arrays, looked up by a compiled loop for every token of a
    chunk at once: only keys it has never seen come back to Python to be folded and hashed.
    """

    def __init__(self, size: int = 1 << 16) -> None:
        self.table = np.zeros(size, dtype=np.uint64)
        self.state = np.zeros(size, dtype=np.uint8)
        self.values = np.zeros(size, dtype=np.uint64)
        self.used = 0

    def hashes(self, keys: np.ndarray, skip: np.ndarray, text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The hash of each token text[starts[k]:ends[k]] with key keys[k] (0 where `skip` is set)."""
        if self.used > _CACHE_LIMIT:
            self.__init__()  # type: ignore[misc]
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
                s = slots[t]
                self.values[s] = stable_hash(normalize.canonical(text[starts[t] : ends[t]]))
                self.state[s] = kernels.KNOWN
        except BaseException:
            self.__init__()  # type: ignore[misc]  # never keep a key without its hash
            raise
        out = self.values[slots]
        out[skip] = 0
        return out


_keyed = _KeyTable()


def text_token_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the canonical forms of a lower-cased text's raw tokens, and each token's start offset.

    Equals `token_hashes(normalize.raw_tokens(text))`, computed over the whole text at once: a
    chunk of articles joined by newlines is tokenised and its tokens keyed by compiled loops, and
    only tokens never seen before are folded and hashed in Python.
    """
    cp = normalize.codepoints(text)
    starts, ends = normalize.token_spans(cp)
    if len(starts) == 0:
        return EMPTY.copy(), starts
    long = ends - starts > _LONG_TOKEN
    hashes = _keyed.hashes(kernels.span_keys(cp, starts, ends), long, text, starts, ends)
    at = np.flatnonzero(long)
    if len(at):
        hashes[at] = token_hashes([text[starts[k] : ends[k]] for k in at.tolist()])
    return hashes, starts


def mix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads combined hashes over all bits."""
    with np.errstate(over="ignore"):
        v = values ^ (values >> _S33)
        v = v * _M1
        v = v ^ (v >> _S33)
        v = v * _M2
        return v ^ (v >> _S33)


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of every run of `n` consecutive tokens (order-sensitive); empty when too short."""
    if n == 1:
        return hashes
    count = len(hashes) - n + 1
    if count <= 0:
        return EMPTY
    with np.errstate(over="ignore"):
        out = hashes[:count].copy()
        for j in range(1, n):
            out = mix64(out * _ROTATE + hashes[j : j + count])
    return out


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


def sorted_groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal values brought together by a stable sort: (order, values[order], first-of-its-value flags).

    The distinct values are `values[order][flags]`, and `np.cumsum(flags) - 1` numbers each sorted
    position's value. Equal values keep their input order, so sums over a group add up in it.
    (numpy's own unique is hash-based and several times slower on large int64 arrays.)
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return order, ordered, first


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) by sorting, plus where each distinct value first occurs."""
    order, ordered, first = sorted_groups(values)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse, order[first]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a 1-d array: np.unique without its hash table, slower on big int arrays."""
    if len(values) == 0:
        return values.copy()
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


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
