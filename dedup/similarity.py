"""TF-IDF vectors, fitted once per run, and cosine scores of candidate pairs: the only scikit-learn import.

Terms are syllables and syllable bigrams (most Vietnamese words are two syllables), hashed into a
fixed space of columns so that no vocabulary has to be built or shipped. Document frequencies
combine the run's own counts with a background table counted over a large news corpus: a run of
two articles has no useful IDF of its own, and with the table it judges a pair as a run of
thousands would.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from dedup import kernels
from dedup.config import DEFAULT_BACKGROUND
from dedup.hashing import ngram_hashes

N_FEATURES = 1 << 22
COLUMN_MASK = np.uint64(N_FEATURES - 1)
COLUMN_MASK_INT = N_FEATURES - 1
_MASK = COLUMN_MASK


def term_columns(hashes: np.ndarray, title_hashes: np.ndarray, title_weight: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Columns and counts of an article's unigram and bigram terms; title terms count `title_weight` times."""
    parts = [hashes, ngram_hashes(hashes, 2)]
    for _ in range(title_weight):
        parts += [title_hashes, ngram_hashes(title_hashes, 2)]
    terms = np.concatenate(parts) if parts else hashes
    cols, counts = np.unique((terms & _MASK).astype(np.int32), return_counts=True)
    return cols, counts.astype(np.float32)


def csr_rows(indices: np.ndarray, data: np.ndarray, indptr: np.ndarray) -> sp.csr_matrix:
    """A count matrix over the hashed columns from flat (columns, counts) arrays and row offsets."""
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, N_FEATURES))


def count_matrix(docs: list[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
    """Stack per-article (columns, counts) into one sparse count matrix."""
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(c) for c, _ in docs])
    if docs and indptr[-1]:
        indices = np.concatenate([c for c, _ in docs])
        data = np.concatenate([v for _, v in docs])
    else:
        indices, data = np.zeros(0, dtype=np.int64), np.zeros(0)
    return sp.csr_matrix((data, indices, indptr), shape=(len(docs), N_FEATURES))


class BackgroundError(ValueError):
    """A background document-frequency table that cannot be read (the message names the file)."""


@dataclass(frozen=True)
class Background:
    """Document frequencies of hashed terms over a reference corpus."""

    n_docs: int
    df: np.ndarray  # float64, one per column

    @classmethod
    def empty(cls) -> Background:
        """No background: IDF comes from the run alone."""
        return cls(0, np.zeros(N_FEATURES))

    @classmethod
    def load(cls, path: Path | str = DEFAULT_BACKGROUND) -> Background:
        """Load a table written by `save` (columns with their document frequencies); BackgroundError
        if the file is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                df = np.zeros(N_FEATURES)
                df[data["columns"]] = data["df"]
                return cls(int(data["n_docs"]), df)
        except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile) as err:
            raise BackgroundError(f"{path}: not a document-frequency table ({err})") from None

    @staticmethod
    def check(path: Path | str) -> None:
        """Raise BackgroundError unless `path` holds the arrays of a table (without reading them)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = set(data.files) if hasattr(data, "files") else set()
        except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
            raise BackgroundError(f"{path}: not a document-frequency table ({err})") from None
        if not {"n_docs", "columns", "df"} <= keys:
            raise BackgroundError(f"{path}: not a document-frequency table (no n_docs, columns and df arrays)")

    def save(self, path: Path | str, min_df: int = 2) -> None:
        """Write the table, keeping columns seen in at least `min_df` documents (rarer ones add nothing)."""
        cols = np.flatnonzero(self.df >= min_df).astype(np.uint32)
        np.savez_compressed(path, n_docs=np.int64(self.n_docs), columns=cols, df=self.df[cols].astype(np.uint32))


def column_use(columns: Sequence[np.ndarray]) -> np.ndarray:
    """How often each hashed column occurs over arrays of column numbers.

    Counted in 32 bits: the arrays list each article's columns once, so a count is at most the
    number of articles, and a table half the size takes fewer cache misses (one per entry).
    """
    use = np.zeros(N_FEATURES, dtype=np.uint32)
    for values in columns:
        kernels.count_columns(use, values)
    return use


def document_frequencies(counts: sp.csr_matrix) -> np.ndarray:
    """How many rows of a count matrix contain each column."""
    return column_use([counts.indices]).astype(np.float64)


def idf_of(df: np.ndarray, n_docs: int, background: Background) -> np.ndarray:
    """Smoothed IDF of every column from a run's document frequencies plus the background's."""
    n = n_docs + background.n_docs
    # np.log((1 + n) / (1 + df + background.df)) + 1.0, the same operations in one array: four
    # temporaries of the hashed space (32 MB each, fresh pages every time) are not needed.
    idf = df + 1.0
    idf += background.df
    np.divide(1 + n, idf, out=idf)
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def tfidf(counts: sp.csr_matrix, background: Background, in_place: bool = False) -> tuple[sp.csr_matrix, np.ndarray]:
    """L2-normalised TF-IDF rows (sublinear tf) with IDF from the run plus the background, and the IDF."""
    idf = idf_of(document_frequencies(counts), counts.shape[0], background)
    return weigh(counts, idf, in_place), idf


class Weigher:
    """Weighs count matrices into L2-normalised float32 TF-IDF rows (sublinear tf) under one IDF.

    scikit-learn's TfidfTransformer is set up once with the IDF and then applied to any number of
    matrices (a run weighs its matrices chunk by chunk). `in_place` reuses the count matrix's own
    arrays (float32 counts), so that a corpus's matrix is never held twice.
    """

    def __init__(self, idf: np.ndarray) -> None:
        self.transformer = TfidfTransformer(sublinear_tf=True, norm="l2")
        self.transformer.fit(sp.csr_matrix((1, len(idf)), dtype=np.float32))
        self.transformer.idf_ = idf

    def __call__(self, counts: sp.csr_matrix, in_place: bool = False) -> sp.csr_matrix:
        if counts.shape[0] == 0:
            return sp.csr_matrix(counts.shape, dtype=np.float32)
        matrix = self.transformer.transform(counts, copy=not in_place)
        matrix = sp.csr_matrix(matrix, dtype=np.float32, copy=False)
        matrix.sort_indices()
        return matrix


def weigh(counts: sp.csr_matrix, idf: np.ndarray, in_place: bool = False) -> sp.csr_matrix:
    """L2-normalised float32 TF-IDF rows of a count matrix under a given IDF (see Weigher)."""
    return Weigher(idf)(counts, in_place)


def shared_columns(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The same rows over only the columns two or more rows use: every row dot product is unchanged.

    A column only one article uses adds nothing to any pair's dot product (rows are already
    normalised), and sparse products over a few hundred thousand columns run about twice as fast
    as over the full hashed space.
    """
    return stack_compacted([matrix], np.bincount(matrix.indices, minlength=matrix.shape[1]) >= 2)


class CompactedRows:
    """A matrix over only the columns where `keep` is set (renumbered), filled one row block at a time.

    The final arrays are allocated once for `nnz` kept entries, and each block is written into them
    as it comes, so that a corpus's matrix is never held twice.
    """

    def __init__(self, keep: np.ndarray, n_rows: int, nnz: int) -> None:
        self.n_cols = int(np.count_nonzero(keep))
        # Which columns are kept, as a bitmap of 64-column words, and how many kept columns come
        # before each word: a column's new number is one look-up in each (kernels.compact_rows).
        padded = np.zeros(-(-len(keep) // 64) * 64, dtype=bool)
        padded[: len(keep)] = keep
        # Bit c % 64 of word c // 64 is column c: bytes in little-endian bit order, read as
        # little-endian words (a no-op cast on little-endian machines).
        self.kept = np.packbits(padded, bitorder="little").view("<u8").astype(np.uint64, copy=False)
        self.before = np.zeros(len(self.kept), dtype=np.int32)
        np.cumsum(padded.reshape(-1, 64).sum(axis=1)[:-1], out=self.before[1:])
        self.data = np.empty(nnz, dtype=np.float32)
        self.indices = np.empty(nnz, dtype=np.int32)
        self.indptr = np.zeros(n_rows + 1, dtype=np.int64)
        self.row = 0
        self.at = 0

    def add(self, block: sp.csr_matrix) -> None:
        """Append a block's rows (with sorted column indices), keeping only the kept columns.

        Raises ValueError when the rows or their entries do not fit the sizes given up front; the
        builder holds part of the block then, and is not to be used further."""
        if self.row + block.shape[0] > len(self.indptr) - 1:
            raise ValueError("more rows than the matrix was made for")
        at = kernels.compact_rows(
            block.indptr, block.indices, block.data, self.kept, self.before,
            self.indptr, self.indices, self.data, self.row, self.at,
        )  # fmt: skip
        if at < 0:
            raise ValueError("more entries than the matrix was made for")
        self.row += block.shape[0]
        self.at = at

    def matrix(self) -> sp.csr_matrix:
        """The rows added so far (all of them, once every block is in)."""
        indptr = np.maximum.accumulate(self.indptr)
        out = sp.csr_matrix(
            (self.data[: self.at], self.indices[: self.at], indptr[: self.row + 1]),
            shape=(self.row, max(1, self.n_cols)),
        )
        out.has_sorted_indices = True
        return out


def stack_compacted(blocks: list[sp.csr_matrix], keep: np.ndarray) -> sp.csr_matrix:
    """Row blocks stacked into one matrix over only the columns where `keep` is set (renumbered).

    Blocks are consumed from the list one at a time (see CompactedRows).
    """
    n_rows = sum(block.shape[0] for block in blocks)
    nnz = sum(int(np.count_nonzero(keep[block.indices])) for block in blocks)
    rows = CompactedRows(keep, n_rows, nnz)
    while blocks:
        rows.add(blocks.pop(0))
    return rows.matrix()


def pair_dots(matrix: sp.csr_matrix, pairs: np.ndarray) -> np.ndarray:
    """Dot product of each (i, j) row pair: only the pairs asked, never all pairs.

    For each run of pairs with the same first row, that row is spread into a dense buffer once
    and every partner row reads its values from it (kernels.pair_dots): the cost is the partner
    rows' entries. With sorted column indices, the longer row of a pair is the one spread, so
    that the shorter is read: either way the shared columns' products are added in column
    order, to the same sum.
    """
    out = np.zeros(len(pairs))
    if len(pairs) == 0:
        return out
    pairs = np.ascontiguousarray(pairs, np.int64)
    args = matrix.indptr, matrix.indices, matrix.data, matrix.shape[1]
    if not matrix.has_sorted_indices:
        kernels.pair_dots(*args, pairs, out)
        return out
    sizes = np.diff(matrix.indptr)
    flip = sizes[pairs[:, 1]] > sizes[pairs[:, 0]]
    for spread_second in (False, True):
        at = np.flatnonzero(flip == spread_second)
        if len(at) == 0:
            continue
        chosen = pairs[at][:, ::-1] if spread_second else pairs[at]
        # Pairs that spread the same row come together (a stable sort keeps the rest in order).
        order = np.argsort(chosen[:, 0], kind="stable")
        dots = np.zeros(len(at))
        kernels.pair_dots(*args, np.ascontiguousarray(chosen[order]), dots)
        out[at[order]] = dots
    return out


def pair_cosines(matrix: sp.csr_matrix, pairs: np.ndarray) -> np.ndarray:
    """Cosine of each (i, j) row pair of an L2-normalised matrix."""
    return np.clip(pair_dots(matrix, pairs), 0.0, 1.0)


def top_terms(matrix: sp.csr_matrix, k: int) -> list[np.ndarray]:
    """The `k` heaviest term columns of each row, as sorted uint64 arrays (an article's story-level set).

    Rows whose k heaviest columns are one set whatever breaks ties are read by a compiled pass
    (kernels.top_columns); a row with a tie across the k-th place keeps numpy's own choice
    (np.argpartition), so the sets never depend on how the selection is made.
    """
    if k <= 0:
        return [np.zeros(0, np.uint64) for _ in range(matrix.shape[0])]
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()  # the pass keeps each row's column order
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    cols, offsets, tied = kernels.top_columns(indptr, indices, data, k)
    out = np.split(cols.astype(np.uint64), offsets[1:-1]) if len(tied) else []
    for i in np.flatnonzero(tied).tolist():
        lo, hi = indptr[i], indptr[i + 1]
        chosen = indices[lo:hi][np.argpartition(-data[lo:hi], k - 1)[:k]]
        out[i] = np.sort(chosen).astype(np.uint64)
    return out
