from __future__ import annotations

import numpy as np

from dedup import kernels, scorer
from dedup.hashing import token_hashes
from dedup.normalize import tokens
from dedup.scorer import RANK_SIGNALS, rank_signals
from dedup.similarity import Background, count_matrix, pair_cosines, term_columns, tfidf, top_terms

A = "Hội Liên hiệp Phụ nữ tỉnh Bình Dương tổ chức tọa đàm truyền thông qua mạng xã hội"
B = "Tọa đàm của Hội Liên hiệp Phụ nữ Bình Dương về truyền thông trên mạng xã hội"
C = "Giá vàng hôm nay tăng mạnh trên thị trường thế giới sau phiên giao dịch"


def matrix(texts: list[str], background: Background) -> object:
    docs = [term_columns(token_hashes(tokens(t)), token_hashes([])) for t in texts]
    return tfidf(count_matrix(docs), background)[0]


def test_cosines_of_candidate_pairs() -> None:
    m = matrix([A, B, C, A], Background.empty())
    cos = pair_cosines(m, np.array([[0, 1], [0, 2], [0, 3]]))
    assert cos[2] > 0.999
    assert cos[0] > 0.3 > cos[1]


def test_background_frequencies_weigh_rare_shared_terms_above_common_ones() -> None:
    # Two pairs built alike: one shares two rare names, the other two everyday words. A run of two
    # articles cannot tell them apart; the background table can.
    rare = ["Trương Nga Bình Dương tọa đàm", "Trương Nga Bình Dương kinh tế"]
    common = ["hôm nay người dân tọa đàm", "hôm nay người dân kinh tế"]
    docs = [term_columns(token_hashes(tokens(t)), token_hashes([])) for t in rare + common]
    df = np.zeros(1 << 22)
    df[term_columns(token_hashes(tokens("hôm nay người dân")), token_hashes([]))[0]] = 900
    pairs = np.array([[0, 1], [2, 3]])
    alone = pair_cosines(tfidf(count_matrix(docs[:2]), Background.empty())[0], np.array([[0, 1]]))[0]
    alone_common = pair_cosines(tfidf(count_matrix(docs[2:]), Background.empty())[0], np.array([[0, 1]]))[0]
    assert abs(alone - alone_common) < 1e-9
    rare_cos, common_cos = pair_cosines(tfidf(count_matrix(docs), Background(1000, df))[0], pairs)
    assert rare_cos > 0.4 > common_cos


def test_background_round_trip(tmp_path: object) -> None:
    df = np.zeros(1 << 22)
    df[[5, 9, 11]] = [1, 2, 30]
    path = f"{tmp_path}/bg.npz"
    Background(40, df).save(path, min_df=2)
    loaded = Background.load(path)
    assert loaded.n_docs == 40 and loaded.df[9] == 2 and loaded.df[11] == 30 and loaded.df[5] == 0


def test_top_terms_are_deterministic_and_bounded() -> None:
    m = matrix([A, B, C], Background.empty())
    first, again = top_terms(m, 5), top_terms(m, 5)
    assert all(len(t) == 5 for t in first)
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))


def test_shared_columns_keep_every_dot_product() -> None:
    from dedup.similarity import shared_columns

    texts = [A, B, C, A + " thêm", "", "Một câu riêng không ai có"]
    m = matrix(texts, Background.empty())
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))])
    small = shared_columns(m)
    assert small.shape[1] < m.shape[1]
    assert np.allclose(pair_cosines(small, pairs), pair_cosines(m, pairs))


def test_shared_columns_keeps_exactly_the_columns_two_rows_use() -> None:
    import scipy.sparse as sp

    from dedup.similarity import shared_columns

    rng = np.random.default_rng(1)
    for trial in range(30):
        dense = rng.random((40, 120)) * (rng.random((40, 120)) < rng.uniform(0.0, 0.08))
        dense[rng.integers(0, 40, 6)] = 0.0  # empty rows, trailing ones included
        dense[-1] = 0.0
        m = sp.csr_matrix(dense.astype(np.float32))
        keep = np.flatnonzero((dense > 0).sum(axis=0) >= 2)
        got = shared_columns(m).toarray()
        want = dense[:, keep] if len(keep) else np.zeros((40, 1))
        assert got.shape == want.shape and np.allclose(got, want), trial


def test_pair_dots_equal_row_products_with_empty_rows_and_any_pair_order() -> None:
    import scipy.sparse as sp

    from dedup.similarity import pair_dots

    rng = np.random.default_rng(2)
    dense = rng.random((60, 80)) * (rng.random((60, 80)) < 0.1)
    dense[[3, 17, 58, 59]] = 0.0
    m = sp.csr_matrix(dense.astype(np.float32))
    i, j = np.triu_indices(60, k=1)
    pairs = np.stack([i, j], axis=1)
    want = (dense[i].astype(np.float32) * dense[j].astype(np.float32)).sum(axis=1)
    assert np.allclose(pair_dots(m, pairs), want, atol=1e-6)
    shuffled = rng.permutation(len(pairs))
    assert np.allclose(pair_dots(m, pairs[shuffled]), want[shuffled], atol=1e-6)
    # Exactly: the matrix's own products, added in float64 in column order (as a report needs
    # byte-identical cosines whatever the order the pairs come in).
    exact = []
    for a, b in pairs[shuffled].tolist():
        shared = np.intersect1d(m[a].indices, m[b].indices)
        products = (dense[a, shared].astype(np.float32) * dense[b, shared].astype(np.float32)).astype(np.float64)
        exact.append(sum(products.tolist()))
    assert pair_dots(m, pairs[shuffled]).tolist() == exact


def test_stacking_row_blocks_equals_compacting_the_whole_matrix() -> None:
    import scipy.sparse as sp

    from dedup.similarity import shared_columns, stack_compacted

    rng = np.random.default_rng(3)
    dense = rng.random((50, 90)) * (rng.random((50, 90)) < 0.06)
    dense[[0, 9, 10, 29, 49]] = 0.0
    m = sp.csr_matrix(dense.astype(np.float32))
    keep = np.bincount(m.indices, minlength=90) >= 2
    blocks = [m[a:b] for a, b in ((0, 10), (10, 11), (11, 30), (30, 50))]
    got = stack_compacted(blocks, keep)
    assert not blocks  # consumed
    assert (got != shared_columns(m)).nnz == 0 and got.shape == shared_columns(m).shape


def test_compacted_rows_keep_any_set_of_columns_in_order() -> None:
    import scipy.sparse as sp

    from dedup.similarity import CompactedRows

    rng = np.random.default_rng(4)
    for n_cols in (1, 63, 64, 65, 1000, 4099):
        dense = rng.random((30, n_cols)) * (rng.random((30, n_cols)) < 0.2)
        m = sp.csr_matrix(dense.astype(np.float32))
        for keep in (
            rng.random(n_cols) < 0.3,
            np.ones(n_cols, bool),
            np.arange(n_cols) % 64 < 32,  # whole words kept and dropped, and halves
            np.arange(n_cols) >= n_cols - 1,  # the last column only
        ):
            want = dense[:, keep].astype(np.float32)
            rows = CompactedRows(keep, 30, int(np.count_nonzero(want)))
            for a, b in ((0, 7), (7, 30)):
                rows.add(m[a:b])
            got = rows.matrix()
            assert got.shape == (30, max(1, int(keep.sum()))), (n_cols, keep.sum())
            assert np.array_equal(got.toarray()[:, : want.shape[1]], want), n_cols
            assert all(np.all(np.diff(got.indices[got.indptr[r] : got.indptr[r + 1]]) > 0) for r in range(30))


def test_top_terms_equal_numpys_selection_with_many_ties() -> None:
    import scipy.sparse as sp

    from dedup.similarity import top_terms

    def by_argpartition(matrix: sp.csr_matrix, k: int) -> list[np.ndarray]:
        out = []
        for i in range(matrix.shape[0]):
            lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
            cols = matrix.indices[lo:hi]
            if hi - lo > k:
                cols = cols[np.argpartition(-matrix.data[lo:hi], k - 1)[:k]]
            out.append(np.sort(cols).astype(np.uint64))
        return out

    rng = np.random.default_rng(6)
    tied = 0
    for _ in range(100):
        n, c = int(rng.integers(0, 30)), int(rng.integers(1, 150))
        dense = (rng.integers(0, 4, (n, c)) * (rng.random((n, c)) < 0.3)).astype(np.float32)  # few distinct values
        m = sp.csr_matrix(dense)
        for k in (1, 3, 20):
            want, got = by_argpartition(m, k), top_terms(m, k)
            assert len(got) == n
            assert all(np.array_equal(a, b) and b.dtype == np.uint64 for a, b in zip(want, got, strict=True))
            tied += sum(np.sort(row.data)[-k] == np.sort(row.data)[-k - 1] for row in m if row.nnz > k)
    assert tied > 100  # rows with a tie across the k-th place were among them
    assert [len(t) for t in top_terms(sp.csr_matrix(np.ones((3, 5), np.float32)), 0)] == [0, 0, 0]


def _plain_rank_signals(pairs: np.ndarray, values: np.ndarray) -> np.ndarray:
    """rank_signals written out article by article: best value first, equal values one rank (the
    best of theirs: 1, 1, 3)."""
    lists: dict[int, list[int]] = {}
    for k, (i, j) in enumerate(pairs.tolist()):
        lists.setdefault(i, []).append(k)
        lists.setdefault(j, []).append(k)
    rank, share = {}, {}
    for end, ks in lists.items():
        ordered = sorted(ks, key=lambda k: -values[k])
        best = values[ordered[0]]
        for k in ordered:
            rank[end, k] = 1 + sum(values[x] > values[k] for x in ks)
            share[end, k] = values[k] / best if best > 0 else 0.0
    rows = []
    for k, (i, j) in enumerate(pairs.tolist()):
        r0, r1, s0, s1 = rank[i, k], rank[j, k], share[i, k], share[j, k]
        rows.append([np.log1p(max(r0, r1)), np.log1p(min(r0, r1)), min(s0, s1), max(s0, s1), r0 == r1 == 1])
    return np.array(rows, dtype=np.float64)


def test_rank_signals_equal_a_plain_ranking_with_ties_and_zero_values() -> None:
    rng = np.random.default_rng(5)
    pairs = np.unique(np.sort(rng.integers(0, 40, size=(300, 2)), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    values = rng.choice([0.0, 0.25, 0.5, 0.5, 0.75, 1.0], size=len(pairs))  # many ties, some zeros
    want = _plain_rank_signals(pairs, values)
    assert np.array_equal(rank_signals(pairs, values, 40), want)
    shuffled = rng.permutation(len(pairs))  # the same ranks whatever the order pairs come in
    assert np.array_equal(rank_signals(pairs[shuffled], values[shuffled], 40), want[shuffled])
    into = np.full((len(pairs), len(RANK_SIGNALS)), -1.0, dtype=np.float32)
    rank_signals(pairs, values, 40, out=into)
    assert np.allclose(into, want.astype(np.float32))


def test_least_shared_weight_equals_a_plain_definition() -> None:
    rng = np.random.default_rng(5)
    sets = [np.unique(rng.integers(0, 30, size=rng.integers(0, 12))).astype(np.uint64) for _ in range(40)]
    flat = scorer.Sets.of(sets)
    weights = rng.random(len(flat.values)) * 10
    pairs = np.array([(i, j) for i in range(40) for j in range(40) if i != j], dtype=np.int64)
    got = kernels.pair_min_shared(flat.values, weights, flat.offsets, pairs)
    for (i, j), value in zip(pairs.tolist(), got.tolist(), strict=True):
        a = flat[i].tolist()
        shared = [weights[flat.offsets[i] + a.index(v)] for v in set(a) & set(flat[j].tolist())]
        assert value == (min(shared) if shared else 0.0)


def test_element_frequencies_count_the_sets_holding_each_element() -> None:
    flat = scorer.Sets.of([np.array([1, 2], np.uint64), np.array([2, 3], np.uint64), np.array([2], np.uint64)])
    assert scorer.element_frequencies(flat).tolist() == [1, 3, 3, 1, 3]
