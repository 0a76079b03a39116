"""MinHash signatures and LSH buckets: the only module that talks to datasketch.

Signatures are computed for whole blocks of articles with numpy, using the permutations of
datasketch's own `MinHash` (scheme "affine32"), so each row equals what
`MinHash(num_perm, seed, hashfunc=<identity>).update_batch(values)` would hold. The shingle tier's
candidate pairs come out of the buckets of a datasketch `MinHashLSH`. The term tier uses bands of
one row each, where a bucket is a single min-hash value: those buckets are found by sorting
(band, value) keys, which on 35k articles x 128 bands takes seconds where a per-key index takes
a minute. Either way they are candidates to confirm, never answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from dedup import kernels, parallel
from dedup.config import LSHParams
from dedup.hashing import sorted_unique

_MAX32 = np.uint32(0xFFFFFFFF)
SCHEME = "affine32"


def _fmix32(values: np.ndarray) -> np.ndarray:
    """datasketch's 32-bit pre-mix (the MurmurHash3 finaliser) applied to hashed inputs."""
    s1, m1, s2, m2, s3 = kernels.FMIX32
    v = values ^ (values >> s1)
    v = v * m1
    v = v ^ (v >> s2)
    v = v * m2
    return v ^ (v >> s3)


class Signer:
    """Computes MinHash signatures of many sets at once with datasketch's permutations."""

    def __init__(self, num_perm: int, seed: int) -> None:
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        self.num_perm = num_perm
        self.seed = seed
        self._a = np.asarray(a, dtype=np.uint32)
        self._b = np.asarray(b, dtype=np.uint32)

    def sign(self, values: np.ndarray) -> np.ndarray:
        """Signature of one set of 64-bit hashes (the low 32 bits are what datasketch would hash)."""
        if len(values) == 0:
            return np.full(self.num_perm, _MAX32, dtype=np.uint32)
        hv = _fmix32((values & np.uint64(0xFFFFFFFF)).astype(np.uint32)).reshape(-1, 1)
        with np.errstate(over="ignore"):
            return (hv * self._a + self._b).min(axis=0)

    def sign_grouped(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Signatures of consecutive groups of one array (group k is values[starts[k]:starts[k+1]]).

        Every group must be non-empty. One compiled pass (kernels.minhash_groups) permutes each
        value with all permutations at once and keeps the minima, equal to `sign` group by group.
        """
        out = np.empty((len(starts), self.num_perm), dtype=np.uint32)
        if len(starts):
            low = (values & np.uint64(0xFFFFFFFF)).astype(np.uint32)
            kernels.minhash_groups(low, np.append(starts, len(values)).astype(np.int64), self._a, self._b, out)
        return out

    def sign_flat(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of the sets values[offsets[d]:offsets[d + 1]], one row each, as `sign_all` gives."""
        lengths = np.diff(offsets)
        out = np.full((len(lengths), self.num_perm), _MAX32, dtype=np.uint32)
        filled = np.flatnonzero(lengths > 0)
        if len(filled):
            # The empty sets take no room in `values`: the others' starts are their offsets.
            out[filled] = self.sign_grouped(values, offsets[filled])
        return out

    def sign_all(self, sets: Sequence[np.ndarray]) -> np.ndarray:
        """Signatures of many sets, one row each (an empty set keeps every value at the maximum)."""
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in sets], out=offsets[1:])
        values = np.concatenate([np.asarray(v, dtype=np.uint64) for v in sets]) if sets else np.zeros(0, np.uint64)
        return self.sign_flat(values, offsets)


def _buckets(table: Any) -> Iterator[Any]:
    """Member sets of every bucket of one band's hash table."""
    # The in-memory storage keeps a plain dict of sets; reading it directly skips a method call per
    # bucket (millions on a large run). Other storages go through their public keys()/get().
    store = getattr(table, "_dict", None)
    if isinstance(store, dict):
        yield from store.values()
    else:
        for key in table.keys():  # noqa: SIM118 - a datasketch storage, not a dict
            yield table.get(key)


def candidate_pairs(
    signatures: np.ndarray, present: np.ndarray, params: LSHParams
) -> tuple[np.ndarray, dict[str, int]]:
    """Index rows whose `present` flag is set and return the pairs (i < j) that share a bucket.

    Returns an (n, 2) int64 array sorted by (i, j) and bucket statistics.
    """
    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm, params=params.bands)
    # A row that agrees with no other row in any band would sit alone in every bucket: the index
    # gets only the rows that can share one, and gives the same pairs (most rows of a corpus are
    # in no bucket of two, and an insert is ~25 dict and set updates).
    rows = sharing_rows(signatures, np.flatnonzero(present), lsh.hashranges)
    with lsh.insertion_session() as session:
        for i in rows:
            session.insert(int(i), LeanMinHash(seed=params.seed, hashvalues=signatures[i], scheme=SCHEME))
    # Every bucket of two or more members, flat: the pairs come out of one compiled pass.
    members: list[int] = []
    sizes: list[int] = []
    skipped = 0
    for table in lsh.hashtables:
        for bucket in _buckets(table):
            size = len(bucket)
            if size < 2:
                continue
            if params.max_bucket and size > params.max_bucket:
                skipped += 1
                continue
            members.extend(bucket)
            sizes.append(size)
    stats = {"bands": lsh.b, "rows": lsh.r, "oversized_buckets": skipped}
    if not sizes:
        return np.zeros((0, 2), dtype=np.int64), stats
    n = np.int64(len(signatures))
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    unique = sorted_unique(kernels.group_pair_codes(np.array(members, dtype=np.int64), bounds, int(n)))
    return np.stack([unique // n, unique % n], axis=1), stats


def sharing_rows(signatures: np.ndarray, rows: np.ndarray, hashranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """The rows (of `rows`, in order) whose values over some band's range equal another row's.

    A band's values are folded into one 64-bit key: equal values give equal keys, so no row that
    shares a band is missed, and a rare collision of keys only keeps a row it need not.
    """
    keep = np.zeros(len(rows), dtype=bool)
    if len(rows) < 2:
        return rows[keep]
    values = signatures[rows].astype(np.uint64)
    for start, end in hashranges:
        key = values[:, start].copy()
        for column in range(start + 1, end):
            key *= np.uint64(0x9E3779B97F4A7C15)  # wraps around: a multiplicative hash step
            key ^= values[:, column]
        order = np.argsort(key, kind="stable")
        same = key[order[1:]] == key[order[:-1]]
        keep[order[1:][same]] = True
        keep[order[:-1][same]] = True
    return rows[keep]


def bands(params: LSHParams) -> tuple[int, int]:
    """The (bands, rows per band) an index built with these parameters uses."""
    if params.bands is not None:
        return params.bands
    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
    return lsh.b, lsh.r


def shared_bands(a: np.ndarray, b: np.ndarray, layout: tuple[int, int]) -> list[int]:
    """Indices of the bands in which two signatures agree, i.e. the buckets the two would share."""
    n_bands, rows = layout
    return [k for k in range(n_bands) if np.array_equal(a[k * rows : (k + 1) * rows], b[k * rows : (k + 1) * rows])]


def single_row_band_pairs(
    signatures: np.ndarray,
    present: np.ndarray,
    max_bucket: int,
    window: int = 0,
    max_window_bucket: int = 0,
    workers: int = 1,
    rank: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, int]]:
    """Pairs that share a bucket when every band is one row, i.e. share any one min-hash value.

    With one row a band's bucket key is a single hash value, so buckets are found by sorting
    (band, value) keys rather than through a per-key index. A bucket of up to `max_bucket`
    members gives all its pairs. A larger one, up to `max_window_bucket`, gives each member its
    `window` nearest members in the order of the next band's values: members alike enough to share
    a term share other min-hashes too, so they sort together, and clustering joins the rest. (A big
    story told by dozens of outlets shares its terms in big buckets; all pairs there would be
    quadratic.) Buckets beyond that are a term half the corpus shares and are dropped.
    Groups of bands are read by `workers` threads (0: every core). `rank` (one int a row) orders
    members with equal values in both bands; by default the row order. A rank that does not depend
    on the input's order (the articles' ids sorted) makes the pairs independent of it too.
    """
    rows = np.flatnonzero(present)
    if rank is not None:
        rows = rows[np.argsort(rank[rows], kind="stable")]
    n_rows, n_bands = len(rows), signatures.shape[1]
    stats = {"bands": n_bands, "rows": 1, "windowed_buckets": 0, "oversized_buckets": 0}
    if n_rows < 2:
        return np.zeros((0, 2), dtype=np.int64), stats
    n = np.int64(len(signatures))
    rows = rows.astype(np.int64)

    def group_pairs(first: int) -> tuple[np.ndarray, int, int]:
        bands_here = np.arange(first, min(first + _BAND_GROUP, n_bands), dtype=np.int64)
        # Within a bucket, members are ordered by their value in the next band, then by rank.
        here = signatures[rows[:, None], bands_here[None, :]].T
        nxt = signatures[rows[:, None], ((bands_here + 1) % n_bands)[None, :]].T
        order = np.argsort((here.astype(np.uint64) << np.uint64(32)) | nxt, axis=1, kind="stable")
        codes, windowed, oversized = kernels.band_pair_codes(
            np.take_along_axis(here, order, axis=1), rows[order], int(n), max_bucket, window, max_window_bucket
        )
        return sorted_unique(codes), windowed, oversized

    # Bands are independent: a group of bands at a time per thread bounds the pair codes held.
    found = np.zeros(0, dtype=np.int64)
    firsts = list(range(0, n_bands, _BAND_GROUP))
    step = max(1, min(parallel.worker_count(workers), len(firsts)))
    for at in range(0, len(firsts), step):
        done = parallel.thread_map(group_pairs, firsts[at : at + step], workers)
        for _codes, windowed, oversized in done:
            stats["windowed_buckets"] += windowed
            stats["oversized_buckets"] += oversized
        found = sorted_unique(np.concatenate([found, *(codes for codes, _, _ in done)]))
    return np.stack([found // n, found % n], axis=1), stats


_BAND_GROUP = 16
