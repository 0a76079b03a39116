from __future__ import annotations

import numpy as np
from datasketch import MinHash

from dedup.hashing import overlap, shingle_set, token_hashes
from dedup.lsh import LSHParams, Signer, candidate_pairs, sharing_rows, single_row_band_pairs

WORDS = [
    "hội",
    "liên",
    "hiệp",
    "phụ",
    "nữ",
    "tỉnh",
    "tổ",
    "chức",
    "tọa",
    "đàm",
    "nâng",
    "cao",
    "hiệu",
    "quả",
    "truyền",
    "thông",
    "qua",
    "mạng",
    "xã",
    "hội",
]


def test_signatures_equal_datasketch_update_batch() -> None:
    values = shingle_set(token_hashes(WORDS), 3)
    reference = MinHash(num_perm=128, seed=7, hashfunc=lambda v: int(v) & 0xFFFFFFFF)
    reference.update_batch([int(v) for v in values])
    assert np.array_equal(Signer(128, 7).sign(values), reference.hashvalues)


def test_identical_sets_share_a_bucket_and_disjoint_ones_do_not() -> None:
    rng = np.random.default_rng(0)
    a = np.unique(rng.integers(0, 2**63, 300, dtype=np.uint64))
    b = np.unique(rng.integers(0, 2**63, 300, dtype=np.uint64))
    sets = [a, b, a.copy(), np.zeros(0, dtype=np.uint64)]
    signer = Signer(64, 1)
    pairs, stats = candidate_pairs(
        signer.sign_all(sets), np.array([len(s) > 0 for s in sets]), LSHParams(num_perm=64, threshold=0.5)
    )
    assert pairs.tolist() == [[0, 2]]
    assert stats["bands"] * stats["rows"] <= 64


def test_candidate_pairs_are_those_datasketch_queries_find() -> None:
    from datasketch import LeanMinHash, MinHashLSH

    # Overlapping sets: buckets of many sizes, pairs found in several bands.
    rng = np.random.default_rng(11)
    base = rng.integers(0, 2**63, 400, dtype=np.uint64)
    sets = [np.unique(np.concatenate([base[: rng.integers(5, 60)], rng.integers(0, 2**63, 20, dtype=np.uint64)]))]
    sets += [np.unique(rng.choice(base, size=int(rng.integers(3, 40)))) for _ in range(150)]
    # And sets alike no other, which the index is not given (they would be alone in every bucket).
    sets += [rng.integers(0, 2**63, 30, dtype=np.uint64) for _ in range(60)]
    present = np.array([k % 17 != 3 for k in range(len(sets))])
    params = LSHParams(num_perm=32, threshold=0.3)
    sig = Signer(32, params.seed).sign_all(sets)
    pairs, _ = candidate_pairs(sig, present, params)
    index = MinHashLSH(threshold=params.threshold, num_perm=32)
    assert len(sharing_rows(sig, np.flatnonzero(present), index.hashranges)) < present.sum() - 50
    rows = np.flatnonzero(present).tolist()
    for i in rows:
        index.insert(i, LeanMinHash(seed=params.seed, hashvalues=sig[i], scheme="affine32"))
    want = sorted(
        (i, j)
        for i in rows
        for j in index.query(LeanMinHash(seed=params.seed, hashvalues=sig[i], scheme="affine32"))
        if i < j
    )
    assert len(want) > 100
    assert [tuple(p) for p in pairs.tolist()] == want


def test_sharing_rows_are_the_rows_equal_to_another_in_some_band() -> None:
    rng = np.random.default_rng(5)
    sig = rng.integers(0, 4, size=(300, 12), dtype=np.uint32)  # few values: many bands shared
    sig[::3] = rng.integers(0, 2**32, size=(100, 12), dtype=np.uint64).astype(np.uint32)  # and lone rows
    sig[3, 4:8] = sig[6, 4:8]  # two lone rows made to share one band
    rows = np.flatnonzero(rng.random(300) < 0.9)
    for ranges in ([(0, 4), (4, 8), (8, 12)], [(k, k + 1) for k in range(12)], [(0, 6), (6, 12)]):
        want = [
            r for r in rows if any(any((sig[r, a:b] == sig[o, a:b]).all() for o in rows if o != r) for a, b in ranges)
        ]
        got = sharing_rows(sig, rows, ranges)
        assert got.tolist() == want
        assert 0 < len(got) < len(rows)
    assert sharing_rows(sig, rows[:1], [(0, 4)]).tolist() == []


def test_oversized_buckets_are_skipped_and_counted() -> None:
    same = np.arange(10, dtype=np.uint64)
    sets = [same] * 5
    sig = Signer(16, 1).sign_all(sets)
    pairs, stats = candidate_pairs(sig, np.ones(5, bool), LSHParams(num_perm=16, threshold=0.5, max_bucket=4))
    assert len(pairs) == 0 and stats["oversized_buckets"] == stats["bands"]
    pairs, _ = candidate_pairs(sig, np.ones(5, bool), LSHParams(num_perm=16, threshold=0.5))
    assert len(pairs) == 10


def test_exact_overlap() -> None:
    a = np.array([1, 2, 3, 4], dtype=np.uint64)
    b = np.array([3, 4], dtype=np.uint64)
    assert overlap(a, b) == (0.5, 1.0)
    assert overlap(a, np.zeros(0, dtype=np.uint64)) == (0.0, 0.0)


def test_short_text_is_one_shingle() -> None:
    assert len(shingle_set(token_hashes(["một", "hai"]), 5)) == 1
    assert len(shingle_set(token_hashes(WORDS), 5)) == len(WORDS) - 4


def test_block_signatures_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**63, n, dtype=np.uint64)) for n in (0, 1, 5, 20, 17)]
    signer = Signer(32, 4)
    block = signer.sign_all(sets)
    for row, values in zip(block, sets, strict=True):
        assert np.array_equal(row, signer.sign(values))


def test_grouped_signatures_equal_one_set_at_a_time() -> None:
    signer = Signer(64, 7)
    rng = np.random.default_rng(3)
    lengths = rng.choice([1, 2, 5, 300, 1023, 1024, 1025, 4000], size=60)
    values = rng.integers(0, 2**63, size=int(lengths.sum()), dtype=np.int64).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    want = np.stack([signer.sign(values[a : a + k]) for a, k in zip(starts, lengths, strict=True)])
    assert np.array_equal(signer.sign_grouped(values, starts), want)


def _plain_band_pairs(sig: np.ndarray, present: np.ndarray, max_bucket: int, window: int, max_window: int) -> set:
    """single_row_band_pairs written out bucket by bucket."""
    found, windowed, oversized = set(), 0, 0
    rows = np.flatnonzero(present).tolist()
    for band in range(sig.shape[1]):
        buckets: dict[int, list[int]] = {}
        for r in rows:
            buckets.setdefault(int(sig[r, band]), []).append(r)
        for members in buckets.values():
            members.sort(key=lambda r: (int(sig[r, (band + 1) % sig.shape[1]]), r))
            size = len(members)
            if size < 2:
                continue
            if size <= max_bucket:
                found |= {(min(a, b), max(a, b)) for x, a in enumerate(members) for b in members[x + 1 :]}
            elif window and size <= max_window:
                windowed += 1
                for step in range(1, min(window, size - 1) + 1):
                    found |= {(min(a, b), max(a, b)) for a, b in zip(members, members[step:], strict=False)}
            else:
                oversized += 1
    return found, windowed, oversized


def test_single_row_band_pairs_equal_the_buckets_written_out() -> None:
    rng = np.random.default_rng(5)
    # Few distinct values per band: buckets of every size, small, windowed and too big.
    # 40 bands: three groups of bands, read by one thread or by two in two rounds.
    sig = rng.integers(0, 40, size=(300, 40)).astype(np.uint32)
    sig[:120, 3] = 7  # one bucket too big for a window
    present = rng.random(300) < 0.9
    # (10, 3, 0) and (10, 3, 5): a window bound under the all-pairs one leaves no bucket windowed.
    for max_bucket, window, max_window in ((10, 3, 100), (4, 0, 0), (10, 2, 500), (10, 3, 0), (10, 3, 5)):
        want, windowed, oversized = _plain_band_pairs(sig, present, max_bucket, window, max_window)
        for workers in (1, 2):
            pairs, stats = single_row_band_pairs(sig, present, max_bucket, window, max_window, workers)
            assert {tuple(p) for p in pairs.tolist()} == want
            assert pairs.tolist() == sorted(pairs.tolist())
            assert (stats["windowed_buckets"], stats["oversized_buckets"]) == (windowed, oversized)
        assert windowed + oversized > 0
        assert windowed > 0 or max_window <= max_bucket


def test_flat_signatures_equal_those_of_the_sets() -> None:
    from dedup.scorer import Sets

    rng = np.random.default_rng(4)
    sets = [np.unique(rng.integers(0, 2**63, n, dtype=np.uint64)) for n in (0, 3, 0, 0, 40, 1, 0)]
    flat = Sets.of(sets)
    signer = Signer(32, 9)
    assert np.array_equal(signer.sign_flat(flat.values, flat.offsets), signer.sign_all(sets))


def test_set_unions_equal_union1d_of_each_row() -> None:
    from dedup.scorer import Sets

    rng = np.random.default_rng(6)
    a = [np.unique(rng.integers(0, 50, n)).astype(np.uint64) for n in (0, 0, 5, 30, 12, 1)]
    b = [np.unique(rng.integers(0, 50, n)).astype(np.uint64) for n in (0, 4, 0, 30, 12, 60)]
    union = Sets.of(a).union(Sets.of(b))
    assert len(union) == len(a)
    for d in range(len(a)):
        want = np.union1d(a[d], b[d])
        assert union[d].dtype == np.uint64
        assert union[d].tolist() == want.tolist()


def test_sorted_isin_equals_isin() -> None:
    from dedup.hashing import sorted_isin

    rng = np.random.default_rng(2)
    values = rng.integers(0, 300, 500)
    for ordered in (np.unique(rng.integers(0, 300, 80)), np.zeros(0, np.int64), np.array([299])):
        assert np.array_equal(sorted_isin(values, ordered), np.isin(values, ordered))


def test_radix_sort_equals_np_sort() -> None:
    from dedup import kernels
    from dedup.hashing import RADIX_MIN, sort_keys, sorted_unique

    rng = np.random.default_rng(5)
    n = 20_000
    chunk_keys = (rng.integers(0, 500, n) << 30) | (rng.integers(0, 2**22, n) << 8) | rng.integers(0, 4, n)
    cases = [
        np.zeros(0, np.int64),
        np.array([7], np.int64),
        np.array([3, 3, 3, 3], np.int64),  # every digit shared: no pass moves anything
        rng.integers(0, 2**62, 10_000),  # every digit up to the top one
        rng.integers(0, 300, 10_000) << 40,  # only high digits vary
        np.sort(rng.integers(0, 1000, 9000))[::-1].copy(),  # reversed runs of equal keys
        chunk_keys,
    ]
    for keys in cases:
        keys = keys.astype(np.int64)
        before = keys.copy()
        assert np.array_equal(kernels.radix_sort(keys), np.sort(keys))
        assert np.array_equal(keys, before)  # a copy: the input is left as it was
        assert np.array_equal(sort_keys(keys), np.sort(keys))
        assert np.array_equal(sorted_unique(keys), np.unique(keys))
    # Negative keys, other dtypes and short arrays take np.sort; the answer is the same.
    mixed = rng.integers(-(2**40), 2**40, RADIX_MIN + 10)
    assert np.array_equal(sort_keys(mixed), np.sort(mixed))
    assert np.array_equal(sort_keys(mixed.astype(np.uint64)), np.sort(mixed.astype(np.uint64)))


def test_set_overlaps_equal_overlap_of_each_pair() -> None:
    from dedup.scorer import Sets

    rng = np.random.default_rng(8)
    sets = [np.unique(rng.integers(0, 60, n)).astype(np.uint32) for n in (0, 1, 5, 30, 30, 80, 3)]
    pairs = np.array([(i, j) for i in range(len(sets)) for j in range(len(sets))], dtype=np.int64)
    jac, cont = Sets.of(sets).overlaps(pairs)
    want = [overlap(sets[i], sets[j]) for i, j in pairs.tolist()]
    assert list(zip(jac.tolist(), cont.tolist(), strict=True)) == want
    inter = Sets.of(sets).intersections(pairs)
    assert inter.tolist() == [len(np.intersect1d(sets[i], sets[j])) for i, j in pairs.tolist()]


def _mix64(v: int) -> int:
    """MurmurHash3's 64-bit finaliser on a Python int."""
    mask = (1 << 64) - 1
    v ^= v >> 33
    v = (v * 0xFF51AFD7ED558CCD) & mask
    v ^= v >> 33
    v = (v * 0xC4CEB9FE1A85EC53) & mask
    return v ^ (v >> 33)


def test_ngram_hashes_fold_each_run_of_tokens_one_at_a_time() -> None:
    from dedup.hashing import ngram_hashes

    hashes = token_hashes(WORDS)
    for n in (2, 3, 5, len(WORDS)):
        want = []
        for k in range(len(WORDS) - n + 1):
            value = int(hashes[k])
            for j in range(1, n):
                value = _mix64((value * 0x9E3779B97F4A7C15 + int(hashes[k + j])) & ((1 << 64) - 1))
            want.append(value)
        assert ngram_hashes(hashes, n).tolist() == want
    assert len(ngram_hashes(hashes, len(WORDS) + 1)) == 0
