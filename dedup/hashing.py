"""Stable 64-bit hashes of syllables, shingles and n-grams, as numpy arrays.

Hashes must not depend on the process (Python's `hash` is salted per run), so that two runs, or
two worker processes, give the same signatures and byte-identical reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b

import numpy as np

from dedup import normalize
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


# Raw tokens are told apart, before the cache above is consulted, by two polynomial hashes of
# their code points (odd multipliers modulo 2**64, so each has an inverse): a run of text's hash
# is then a difference of prefix sums, for every token of a chunk at once.
_P1, _P2 = 0x100000001B3, 0x9E3779B97F4A7C15 | 1
_powers: dict[int, tuple[np.ndarray, np.ndarray]] = {}
# Key of a raw token -> hash of its canonical form, as `_cache` but keyed without the string.
_keyed: dict[int, int] = {}


# Longer tokens (page junk: runs of letters without spaces) are hashed by their string: two
# polynomial hashes modulo 2**64 can both be made to collide by some long strings.
_LONG_TOKEN = 64
# Power tables up to this length are kept per process (a chunk of articles is about 2M characters).
_KEEP_POWERS = 1 << 22


def _power_table(base: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """base**k and base**-k modulo 2**64 for k < n (at least), cached per base up to _KEEP_POWERS."""
    have = _powers.get(base)
    if have is None or len(have[0]) < n:
        size = max(n, 1 << 20, min(2 * len(have[0]), _KEEP_POWERS) if have else 0)
        up = np.full(size, base, dtype=np.uint64)
        down = np.full(size, pow(base, -1, 1 << 64), dtype=np.uint64)
        up[0] = down[0] = 1
        with np.errstate(over="ignore"):
            have = (np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64))
        if size <= _KEEP_POWERS:
            _powers[base] = have
    return have


def _span_keys(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit key per run cp[starts[k]:ends[k]]: equal runs get equal keys."""
    n = len(cp)
    wide = cp.astype(np.uint64)
    key = (ends - starts).astype(np.uint64)
    with np.errstate(over="ignore"):
        for base in (_P1, _P2):
            up, down = _power_table(base, n + 1)
            prefix = np.zeros(n + 1, dtype=np.uint64)
            np.cumsum(wide * up[:n], out=prefix[1:])
            key = mix64(key * _ROTATE + (prefix[ends] - prefix[starts]) * down[starts])
    return key


def text_token_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the canonical forms of a lower-cased text's raw tokens, and each token's start offset.

    Equals `token_hashes(normalize.raw_tokens(text))`, computed over the whole text at once: a
    chunk of articles joined by newlines is tokenised and hashed in a few numpy passes, and only
    its distinct tokens are looked up.
    """
    cp = normalize.codepoints(text)
    starts, ends = normalize.token_spans(cp)
    if len(starts) == 0:
        return EMPTY.copy(), starts
    distinct, inverse, firsts = unique_inverse(_span_keys(cp, starts, ends))
    get = _keyed.get
    values = []
    for key, at in zip(distinct.tolist(), firsts.tolist(), strict=True):
        value = get(key)
        if value is None:
            if ends[at] - starts[at] > _LONG_TOKEN:
                value = 0  # replaced below, one string at a time
            else:
                if len(_keyed) > _CACHE_LIMIT:
                    _keyed.clear()
                value = _keyed[key] = stable_hash(normalize.canonical(text[starts[at] : ends[at]]))
        values.append(value)
    hashes = np.array(values, dtype=np.uint64)[inverse]
    long = np.flatnonzero(ends - starts > _LONG_TOKEN)
    if len(long):
        hashes[long] = token_hashes([text[starts[k] : ends[k]] for k in long.tolist()])
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
