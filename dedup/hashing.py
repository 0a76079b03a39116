"""Stable 64-bit hashes of syllables, shingles and n-grams, as numpy arrays.

Hashes must not depend on the process (Python's `hash` is salted per run), so that two runs, or
two worker processes, give the same signatures and byte-identical reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b

import numpy as np

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
