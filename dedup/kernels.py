"""Compiled loops for the hot paths, with numba: each is a plain loop over flat arrays.

Each kernel has a numpy or Python definition beside its caller that the tests compare it with;
the kernels compute the same values in the same order, so reports stay byte-identical. Numba
compiles a kernel on its first call and keeps the machine code in a cache beside this file
(or in the user's cache directory when that is read-only): later runs load it in milliseconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def pair_dots(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_cols: int, pairs: np.ndarray, out: np.ndarray
) -> None:
    """Dot products of the CSR rows of each (i, j) pair, written into `out` (float64).

    A run of pairs with the same first row spreads that row into a dense buffer once; each
    partner row then reads its values from it. Products are in the matrix's precision, summed in
    float64 in the partner row's column order.
    """
    buffer = np.zeros(n_cols, dtype=data.dtype)
    held = -1
    for k in range(pairs.shape[0]):
        i = pairs[k, 0]
        j = pairs[k, 1]
        if i != held:
            if held >= 0:
                for e in range(indptr[held], indptr[held + 1]):
                    buffer[indices[e]] = 0
            for e in range(indptr[i], indptr[i + 1]):
                buffer[indices[e]] = data[e]
            held = i
        total = 0.0
        for e in range(indptr[j], indptr[j + 1]):
            total += np.float64(buffer[indices[e]] * data[e])
        out[k] = total
