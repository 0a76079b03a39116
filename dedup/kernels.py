"""Compiled loops for the hot paths, with numba: each is a plain loop over flat arrays.

Each is held by a test to a plain definition (the pattern it scans for, a loop written out in
Python, or the numpy it replaced), and computes the same values in the same order, so reports
are byte-identical to what the plain definitions give. numba compiles a kernel on its first
call and keeps the machine code in a cache beside this file (or in the user's cache directory
when that is read-only): later runs load it in milliseconds. `python -m dedup.kernels` compiles
them all, as `make install` does.
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


_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_ROTATE = np.uint64(0x9E3779B97F4A7C15)
_P1 = np.uint64(0x100000001B3)
_P2 = np.uint64(0x9E3779B97F4A7C15 | 1)
# Bits of a character's class: `[^\W_]` (str.isalnum), `\d` (str.isdecimal), a capital that
# starts a name (normalize.NAME_RE), `\s` (str.isspace).
WORD, DIGIT, CAPITAL, SPACE = 1, 2, 4, 8
_DOT, _COMMA, _SPACE, _PERCENT = 46, 44, 32, 37


@njit(cache=True, nogil=True, inline="always")
def mix64(v: np.uint64) -> np.uint64:
    """MurmurHash3's 64-bit finaliser, which spreads a combined hash over all 64 bits."""
    v ^= v >> _S33
    v *= _M1
    v ^= v >> _S33
    v *= _M2
    return v ^ (v >> _S33)


@njit(cache=True, nogil=True)
def char_classes(cp: np.ndarray, table: np.ndarray, unknown: int) -> np.ndarray:
    """table[c] for every code point c below len(table), `unknown` for the others."""
    out = np.empty(len(cp), dtype=np.uint8)
    size = len(table)
    for k in range(len(cp)):
        c = cp[k]
        out[k] = table[c] if c < size else unknown
    return out


@njit(cache=True, nogil=True)
def lower_codepoints(cp: np.ndarray, table: np.ndarray, unknown: int) -> tuple[np.ndarray, bool]:
    """table[c] for every code point c of a text, and True; False as soon as a code point lies
    beyond the table or maps to `unknown` (the caller then lower-cases the text as a string)."""
    out = np.empty_like(cp)
    for k in range(cp.shape[0]):
        c = cp[k]
        if c >= table.shape[0]:
            return out, False
        v = table[c]
        if v == unknown:
            return out, False
        out[k] = v
    return out, True


@njit(cache=True, nogil=True)
def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hash of every run of `n` consecutive token hashes (hashing.ngram_hashes, for n >= 2)."""
    count = len(hashes) - n + 1
    out = np.empty(max(count, 0), dtype=np.uint64)
    for k in range(count):
        value = hashes[k]
        for j in range(1, n):
            value = mix64(value * _ROTATE + hashes[k + j])
        out[k] = value
    return out


@njit(cache=True, nogil=True, inline="always")
def _digit_groups(classes: np.ndarray, cp: np.ndarray, i: int) -> int:
    """Where the "[.,]digits" groups that follow position i end ("1.525", "88,48", "1.312,76")."""
    n = len(classes)
    while i + 1 < n and (cp[i] == _DOT or cp[i] == _COMMA) and classes[i + 1] & DIGIT:
        i += 2
        while i < n and classes[i] & DIGIT:
            i += 1
    return i


@njit(cache=True, nogil=True)
def token_spans(classes: np.ndarray, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the tokens `[^\\W_]+(?:[.,]\\d+)*` finds, from per-character classes.

    A token is a run of letters and digits, extended by every "[.,]digits" group that follows it.
    """
    n = len(classes)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    count = 0
    i = 0
    while i < n:
        if not classes[i] & WORD:
            i += 1
            continue
        start = i
        while i < n and classes[i] & WORD:
            i += 1
        i = _digit_groups(classes, cp, i)
        starts[count] = start
        ends[count] = i
        count += 1
    return starts[:count].copy(), ends[:count].copy()


@njit(cache=True, nogil=True)
def span_keys(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit key per run cp[starts[k]:ends[k]] from two polynomial hashes of its code points."""
    out = np.empty(len(starts), dtype=np.uint64)
    for t in range(len(starts)):
        h1 = np.uint64(0)
        h2 = np.uint64(0)
        p1 = np.uint64(1)
        p2 = np.uint64(1)
        for k in range(starts[t], ends[t]):
            c = np.uint64(cp[k])
            h1 += c * p1
            h2 += c * p2
            p1 *= _P1
            p2 *= _P2
        key = np.uint64(ends[t] - starts[t])
        key = mix64(key * _ROTATE + h1)
        out[t] = mix64(key * _ROTATE + h2)
    return out


@njit(cache=True, nogil=True)
def name_spans(classes: np.ndarray, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Start and end offsets of what normalize.NAME_RE finds: runs of two or more capitalised
    words one space apart (a capital, then letters, `[^\W\d_]*`)."""
    n = len(classes)
    starts = np.empty(n // 2 + 1, dtype=np.int64)
    ends = np.empty(n // 2 + 1, dtype=np.int64)
    count = 0
    p = 0
    while p < n:
        if not classes[p] & CAPITAL:
            p += 1
            continue
        q = p + 1
        while q < n and classes[q] & (WORD | DIGIT) == WORD:
            q += 1
        words = 1
        while q + 1 < n and cp[q] == _SPACE and classes[q + 1] & CAPITAL:
            q += 2
            while q < n and classes[q] & (WORD | DIGIT) == WORD:
                q += 1
            words += 1
        if words > 1:
            starts[count] = p
            ends[count] = q
            count += 1
        # No match: a capital inside the same run of letters ends its word at the same place, and
        # fails the same way.
        p = q
    return starts[:count].copy(), ends[:count].copy()


@njit(cache=True, nogil=True)
def figure_spans(classes: np.ndarray, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Spans of what normalize.FIGURE_RE finds: a number `\d+(?:[.,]\d+)*`, then after any spaces
    a "%" or a run of letters if there is one. Returns number starts and ends, unit starts and ends
    (equal where there is no unit)."""
    n = len(classes)
    out = np.empty((4, n // 2 + 1), dtype=np.int64)
    count = 0
    p = 0
    while p < n:
        if not classes[p] & DIGIT:
            p += 1
            continue
        q = p
        while q < n and classes[q] & DIGIT:
            q += 1
        q = _digit_groups(classes, cp, q)
        r = q
        while r < n and classes[r] & SPACE:
            r += 1
        u = r
        if r < n and cp[r] == _PERCENT:
            u = r + 1
        else:
            while u < n and classes[u] & (WORD | DIGIT) == WORD:
                u += 1
        out[0, count] = p
        out[1, count] = q
        out[2, count] = r
        out[3, count] = u
        count += 1
        p = u
    return out[0, :count].copy(), out[1, :count].copy(), out[2, :count].copy(), out[3, :count].copy()


@njit(cache=True, nogil=True)
def mix_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One key per pair of run keys (a figure's number and unit), order-sensitive."""
    out = np.empty(len(first), dtype=np.uint64)
    for k in range(len(first)):
        out[k] = mix64(first[k] * _ROTATE + second[k])
    return out


EMPTY, PENDING, KNOWN, NO_VALUE = 0, 1, 2, 3  # states of a slot of a key table


@njit(cache=True, nogil=True)
def table_slots(
    table: np.ndarray, state: np.ndarray, used: int, limit: int, keys: np.ndarray, skip: np.ndarray,
    slots: np.ndarray, fresh: np.ndarray, n_fresh: int,
) -> tuple[int, int, int]:  # fmt: skip
    """The slot of each key in an open-addressing table (a power-of-two size), adding missing keys.

    A missing key is added as PENDING and its position listed in `fresh` (once per key); keys
    where `skip` is set get slot -1. Stops early, returning how far it got, when the table holds
    `limit` keys: the caller grows the table and calls again from the start. Returns (keys done,
    keys in the table, entries of `fresh`).
    """
    mask = len(table) - 1
    for t in range(len(keys)):
        if skip[t]:
            slots[t] = -1
            continue
        key = keys[t]
        s = np.int64(key & np.uint64(mask))
        while state[s] != EMPTY and table[s] != key:
            s = (s + 1) & mask
        if state[s] == EMPTY:
            if used >= limit:
                return t, used, n_fresh
            state[s] = PENDING
            table[s] = key
            used += 1
            fresh[n_fresh] = t
            n_fresh += 1
        slots[t] = s
    return len(keys), used, n_fresh


@njit(cache=True, nogil=True)
def rehash(table: np.ndarray, state: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """The entries of an open-addressing table moved into a new one of `size` slots."""
    mask = size - 1
    new_table = np.zeros(size, dtype=table.dtype)
    new_state = np.zeros(size, dtype=state.dtype)
    new_values = np.zeros(size, dtype=values.dtype)
    for s in range(len(table)):
        if state[s] != EMPTY:
            t = np.int64(table[s] & np.uint64(mask))
            while new_state[t] != EMPTY:
                t = (t + 1) & mask
            new_table[t] = table[s]
            new_state[t] = state[s]
            new_values[t] = values[s]
    return new_table, new_state, new_values


@njit(cache=True, nogil=True)
def sorted_counts(
    packed: np.ndarray, weights: np.ndarray, group_shift: int, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys of sorted packed (group << group_shift | key << 8 | weight code) values, per
    group, with the summed weight of each (weights[code]). Returns (keys, float32 sums, group
    offsets for groups 0..m-1)."""
    out_keys = np.empty(len(packed), dtype=np.int64)
    out_sums = np.empty(len(packed), dtype=np.float32)
    bounds = np.zeros(m + 1, dtype=np.int64)
    key_mask = (np.int64(1) << (group_shift - 8)) - 1
    n = -1
    head = np.int64(-1)
    total = 0.0
    for k in range(len(packed)):
        value = packed[k]
        if value >> 8 != head:
            if n >= 0:
                out_sums[n] = total
            n += 1
            head = value >> 8
            out_keys[n] = head & key_mask
            bounds[(head >> (group_shift - 8)) + 1] = n + 1
            total = 0.0
        total += weights[value & 255]
    if n >= 0:
        out_sums[n] = total
    n += 1
    for g in range(m):  # groups without keys end where the group before them does
        bounds[g + 1] = max(bounds[g + 1], bounds[g])
    return out_keys[:n].copy(), out_sums[:n].copy(), bounds


RADIX_BITS = 8  # 256 counters: the scatter of each pass stays in the first-level cache


@njit(cache=True, nogil=True)
def radix_sort(keys: np.ndarray) -> np.ndarray:
    """A sorted copy of non-negative int64 keys: least significant digit first, one counting pass
    and one scatter per 8 bits up to the largest key's top bit, skipping digits every key shares
    (the article number of a chunk's keys varies in a few bits only). Several times np.sort on the
    millions of term and pair keys of a run."""
    n = keys.shape[0]
    a = keys.copy()
    if n < 2:
        return a
    top = np.int64(0)
    for k in range(n):
        top = max(top, a[k])
    b = np.empty_like(a)
    size = 1 << RADIX_BITS
    mask = np.int64(size - 1)
    count = np.zeros(size, np.int64)
    shift = 0
    while shift < 63 and (top >> shift) > 0:
        count[:] = 0
        for k in range(n):
            count[(a[k] >> shift) & mask] += 1
        if count[(a[0] >> shift) & mask] != n:
            total = 0
            for d in range(size):
                c = count[d]
                count[d] = total
                total += c
            for k in range(n):
                d = (a[k] >> shift) & mask
                b[count[d]] = a[k]
                count[d] += 1
            a, b = b, a
        shift += RADIX_BITS
    return a


# MurmurHash3's 32-bit finaliser, which datasketch applies to hashed inputs: shift, multiply,
# shift, multiply, shift.
FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_S16, _F1, _S13, _F2, _ = FMIX32


@njit(cache=True, nogil=True)
def minhash_groups(values: np.ndarray, bounds: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """MinHash signature of each group values[bounds[g]:bounds[g + 1]] (uint32, datasketch's affine32
    permutations a * h + b of the MurmurHash3-finalised values) into out[g]; empty groups untouched."""
    num_perm = len(a)
    for g in range(len(bounds) - 1):
        if bounds[g + 1] == bounds[g]:
            continue
        row = out[g]
        for p in range(num_perm):
            row[p] = np.uint32(0xFFFFFFFF)
        for k in range(bounds[g], bounds[g + 1]):
            # numba widens 32-bit arithmetic to 64 bits: every step is cut back to 32.
            v = np.uint32(values[k])
            v = np.uint32(v ^ (v >> _S16))
            v = np.uint32(v * _F1)
            v = np.uint32(v ^ (v >> _S13))
            v = np.uint32(v * _F2)
            v = np.uint32(v ^ (v >> _S16))
            for p in range(num_perm):
                x = np.uint32(v * a[p] + b[p])
                if x < row[p]:
                    row[p] = x


@njit(cache=True, nogil=True)
def _bucket_pairs(block: np.ndarray, max_bucket: int, window: int, n: int, out: np.ndarray, at: int) -> int:
    """Pair codes min * n + max of one bucket's members (all pairs, or each member's `window`
    next members) written into out from `at`; returns the new end."""
    size = len(block)
    if size <= max_bucket:
        for x in range(size):
            for y in range(x + 1, size):
                out[at] = min(block[x], block[y]) * n + max(block[x], block[y])
                at += 1
    else:
        for step in range(1, min(window, size - 1) + 1):
            for x in range(size - step):
                out[at] = min(block[x], block[x + step]) * n + max(block[x], block[x + step])
                at += 1
    return at


@njit(cache=True, nogil=True)
def group_pair_codes(members: np.ndarray, bounds: np.ndarray, n: int) -> np.ndarray:
    """Pair codes (min * n + max) of every two members of each group members[bounds[g]:bounds[g + 1]],
    with repeats across groups."""
    total = 0
    for g in range(len(bounds) - 1):
        size = bounds[g + 1] - bounds[g]
        total += size * (size - 1) // 2
    out = np.empty(total, dtype=np.int64)
    at = 0
    for g in range(len(bounds) - 1):
        block = members[bounds[g] : bounds[g + 1]]
        at = _bucket_pairs(block, len(block), 0, n, out, at)
    return out


@njit(cache=True, nogil=True)
def band_pair_codes(
    values: np.ndarray, members: np.ndarray, n: int, max_bucket: int, window: int, max_window_bucket: int
) -> tuple[np.ndarray, int, int]:
    """Pair codes (min * n + max) of the buckets of some one-row bands, with repeats, and how many
    buckets were windowed or too big (see lsh.single_row_band_pairs).

    Row g of `members` holds one band's members in bucket order, row g of `values` their values
    in that band (equal values are one bucket). Buckets of up to `max_bucket` members give all
    their pairs; larger ones up to `max_window_bucket` (when `window` is set) give each member
    its `window` next members.
    """
    limit = max(max_bucket, max_window_bucket) if window else max_bucket  # the largest bucket read
    windowed = 0
    oversized = 0
    total = 0
    # First how many pairs the buckets give, then the pairs, into one array.
    for g in range(members.shape[0]):
        x = 0
        while x < members.shape[1]:
            y = x + 1
            while y < members.shape[1] and values[g, y] == values[g, x]:
                y += 1
            size = y - x
            if 2 <= size <= max_bucket:
                total += size * (size - 1) // 2
            elif size > limit:
                oversized += 1
            elif size >= 2:
                windowed += 1
                for step in range(1, min(window, size - 1) + 1):
                    total += size - step
            x = y
    out = np.empty(total, dtype=np.int64)
    at = 0
    for g in range(members.shape[0]):
        x = 0
        while x < members.shape[1]:
            y = x + 1
            while y < members.shape[1] and values[g, y] == values[g, x]:
                y += 1
            if 2 <= y - x <= limit:
                at = _bucket_pairs(members[g, x:y], max_bucket, window, n, out, at)
            x = y
    return out, windowed, oversized


@njit(cache=True, nogil=True)
def count_columns(use: np.ndarray, columns: np.ndarray) -> None:
    """Add one to use[c] for every column number c (a bincount into an existing array)."""
    for c in columns:
        use[c] += 1


@njit(cache=True, nogil=True, inline="always")
def _popcount(x: np.uint64) -> np.uint64:
    """Set bits of a 64-bit word (the SWAR sum, which LLVM turns into one instruction)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True, nogil=True)
def compact_rows(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, kept: np.ndarray, before: np.ndarray,
    out_indptr: np.ndarray, out_indices: np.ndarray, out_data: np.ndarray, row: int, at: int,
) -> int:  # fmt: skip
    """Append CSR rows to output arrays from row `row` and entry `at`, keeping the entries of kept
    columns, renumbered in column order. Returns the new entry count, or -1 if they do not fit.

    Column c is kept when bit c % 64 of kept[c // 64] is set; its new number is before[c // 64]
    (kept columns in the words before) plus the kept columns below it in its word. The two arrays
    take 12 bytes per 64 columns, where a table of new numbers takes 256: over a hashed space of
    millions of columns they stay in the core's cache, which a table does not.
    """
    one = np.uint64(1)
    for r in range(len(indptr) - 1):
        for e in range(indptr[r], indptr[r + 1]):
            c = indices[e]
            word = kept[c >> 6]
            bit = one << np.uint64(c & 63)
            if word & bit:
                if at >= len(out_data):
                    return -1
                out_indices[at] = before[c >> 6] + np.int32(_popcount(word & (bit - one)))
                out_data[at] = data[e]
                at += 1
        out_indptr[row + r + 1] = at
    return at


@njit(cache=True, nogil=True)
def top_columns(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns of each CSR row's `k` largest values, where those are one set whatever breaks
    ties: every column of a row of k entries or fewer, else the columns of the values at least the
    k-th largest when exactly k reach it. Returns the columns (flat, in the row's column order),
    row offsets, and which rows have a tie across the k-th place (their columns are left out)."""
    n_rows = indptr.shape[0] - 1
    out = np.empty(n_rows * k, dtype=indices.dtype)
    offsets = np.zeros(n_rows + 1, dtype=np.int64)
    tied = np.zeros(n_rows, dtype=np.bool_)
    best = np.empty(k, dtype=data.dtype)  # a row's k largest values so far, largest first
    at = 0
    for r in range(n_rows):
        lo, hi = indptr[r], indptr[r + 1]
        n = hi - lo
        if n <= k:
            for e in range(lo, hi):
                out[at] = indices[e]
                at += 1
        else:
            filled = 0
            for e in range(lo, hi):
                v = data[e]
                if filled < k:  # insert v in order; once k are held, the smallest drops out
                    x = filled
                    filled += 1
                elif v > best[k - 1]:
                    x = k - 1
                else:
                    continue
                while x > 0 and best[x - 1] < v:
                    best[x] = best[x - 1]
                    x -= 1
                best[x] = v
            kth = best[k - 1]  # the k-th largest value
            reach = 0
            for e in range(lo, hi):
                if data[e] >= kth:
                    reach += 1
            if reach != k:
                tied[r] = True
            else:
                for e in range(lo, hi):
                    if data[e] >= kth:
                        out[at] = indices[e]
                        at += 1
        offsets[r + 1] = at
    return out[:at].copy(), offsets, tied


@njit(cache=True, nogil=True)
def pair_intersections(values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Size of the intersection of the sorted unique sets values[offsets[i]:offsets[i + 1]] of
    each (i, j) pair, by merging the two.

    The merge steps without branches (the smaller head advances, both on a match): which side
    moves is unpredictable, and a mispredicted branch costs more than the arithmetic.
    """
    out = np.zeros(pairs.shape[0], dtype=np.int64)
    for k in range(pairs.shape[0]):
        a, a1 = offsets[pairs[k, 0]], offsets[pairs[k, 0] + 1]
        b, b1 = offsets[pairs[k, 1]], offsets[pairs[k, 1] + 1]
        inter = 0
        while a < a1 and b < b1:
            va = values[a]
            vb = values[b]
            inter += va == vb
            a += va <= vb
            b += vb <= va
        out[k] = inter
    return out


@njit(cache=True, nogil=True)
def pair_min_shared(values: np.ndarray, weights: np.ndarray, offsets: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The least weight of the elements the sorted unique sets of each (i, j) pair share (the
    sets as in pair_intersections, weights[e] that of element values[e]); 0 where they share none."""
    out = np.zeros(pairs.shape[0], dtype=np.float64)
    for k in range(pairs.shape[0]):
        a, a1 = offsets[pairs[k, 0]], offsets[pairs[k, 0] + 1]
        b, b1 = offsets[pairs[k, 1]], offsets[pairs[k, 1] + 1]
        least = np.inf
        while a < a1 and b < b1:
            va = values[a]
            vb = values[b]
            if va == vb and weights[a] < least:
                least = weights[a]
            a += va <= vb
            b += vb <= va
        out[k] = least if least < np.inf else 0.0
    return out


@njit(cache=True, nogil=True)
def union_rows(
    a_values: np.ndarray, a_offsets: np.ndarray, b_values: np.ndarray, b_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, the union of two families of sorted unique sets (row d of a family is
    values[offsets[d]:offsets[d + 1]]), as one flat array of sorted unique rows and its offsets."""
    n = len(a_offsets) - 1
    out = np.empty(len(a_values) + len(b_values), dtype=a_values.dtype)
    offsets = np.zeros(n + 1, dtype=np.int64)
    at = 0
    for d in range(n):
        a, a1 = a_offsets[d], a_offsets[d + 1]
        b, b1 = b_offsets[d], b_offsets[d + 1]
        while a < a1 and b < b1:
            x, y = a_values[a], b_values[b]
            if x <= y:
                out[at] = x
                a += 1
                if x == y:
                    b += 1
            else:
                out[at] = y
                b += 1
            at += 1
        while a < a1:
            out[at] = a_values[a]
            a += 1
            at += 1
        while b < b1:
            out[at] = b_values[b]
            b += 1
            at += 1
        offsets[d + 1] = at
    return out[:at], offsets


@njit(cache=True, nogil=True)
def _merge_desc(src: np.ndarray, dst: np.ndarray, keys: np.ndarray, lo: int, mid: int, hi: int) -> None:
    """Merge the sorted runs src[lo:mid] and src[mid:hi] into dst[lo:hi], larger keys first; on
    equal keys the first run's items come first."""
    a, b = lo, mid
    for out in range(lo, hi):
        if a < mid and (b >= hi or keys[src[b]] <= keys[src[a]]):
            dst[out] = src[a]
            a += 1
        else:
            dst[out] = src[b]
            b += 1


@njit(cache=True, nogil=True)
def _sort_by_value_desc(items: np.ndarray, keys: np.ndarray, scratch: np.ndarray) -> None:
    """Sort items in place by keys[item], largest first, keeping the order of equal keys (a
    bottom-up merge sort; scratch is as long as items)."""
    n = len(items)
    width = 1
    in_items = True  # where the runs of the current width are
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            if in_items:
                _merge_desc(items, scratch, keys, lo, mid, hi)
            else:
                _merge_desc(scratch, items, keys, lo, mid, hi)
        in_items = not in_items
        width *= 2
    if not in_items:
        for k in range(n):
            items[k] = scratch[k]


@njit(cache=True, nogil=True)
def neighbour_ranks(ends: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each pair stands in the candidate list of its first and of its second article.

    `ends` holds the m pairs' first articles, then their second ones. An article's list is
    ordered by value (finite), best first; equal values share the best rank among them (1, 1, 3),
    so that no rank depends on the order pairs or articles come in. Returns, for each entry of
    `ends`, the rank (1 = best, in the dtype of `ends`) and the value's share of the list's best
    value (0 where the best is not above 0).
    """
    m = len(values)
    # Entries by article, in entry order: an article's entries from first ends, then from
    # second ends, each run in pair order.
    bounds = np.zeros(n + 1, dtype=np.int64)
    for e in range(2 * m):
        bounds[ends[e] + 1] += 1
    for g in range(n):
        bounds[g + 1] += bounds[g]
    entries = np.empty(2 * m, dtype=ends.dtype)
    at = bounds[:-1].copy()
    for e in range(2 * m):
        entries[at[ends[e]]] = e
        at[ends[e]] += 1
    rank = np.empty(2 * m, dtype=ends.dtype)
    share = np.empty(2 * m, dtype=np.float64)
    # One article's list at a time: buffers as long as the longest list, not as all entries.
    longest = 0
    for g in range(n):
        longest = max(longest, bounds[g + 1] - bounds[g])
    pair = np.empty(longest, dtype=ends.dtype)
    scratch = np.empty(longest, dtype=ends.dtype)
    for g in range(n):
        lo, hi = bounds[g], bounds[g + 1]
        if lo == hi:
            continue
        # The two runs merged into pair order (a pair is never both ends of one article).
        split = lo
        while split < hi and entries[split] < m:
            split += 1
        a, b, out = lo, split, 0
        while a < split or b < hi:
            if b == hi or (a < split and entries[a] < entries[b] - m):
                pair[out] = entries[a]
                a += 1
            else:
                pair[out] = entries[b] - m
                b += 1
            out += 1
        segment = pair[: hi - lo]
        _sort_by_value_desc(segment, values, scratch[: hi - lo])
        best = values[segment[0]]
        tied_from = 0
        for x in range(hi - lo):
            if x and values[segment[x]] != values[segment[x - 1]]:
                tied_from = x
            # Back to the entry: the pair's first end if this article is it, else its second.
            e = segment[x] if ends[segment[x]] == g else segment[x] + m
            rank[e] = tied_from + 1
            share[e] = values[segment[x]] / best if best > 0 else 0.0
    return rank, share


def warm() -> None:
    """Compile (or load from the cache) every kernel for the array types the pipeline passes.

    Called once before worker processes start, so that they inherit the machine code instead of
    each loading it again (numba's first load in a process takes a few tenths of a second).
    """
    cp = np.frombuffer("ab 1.5".encode("utf-32-le"), dtype=np.uint32)
    char_classes(cp, np.zeros(2, np.uint8), 255)
    lower_codepoints(cp, np.arange(128, dtype=np.uint32), 0xFFFFFFFF)
    starts, ends = token_spans(np.array([1, 1, 0, 3, 0, 3], dtype=np.uint8), cp)
    keys = mix_keys(span_keys(cp, starts, ends), span_keys(cp, starts, ends))
    ngram_hashes(keys, 2)
    classes = np.array([5, 1, 8, 3, 0, 3], dtype=np.uint8)
    name_spans(classes, cp)
    figure_spans(classes, cp)
    table, state, _ = rehash(np.zeros(4, np.uint64), np.zeros(4, np.uint8), np.zeros(4, np.uint64), 8)
    slots = np.empty(len(keys), np.int64)
    table_slots(table, state, 0, 4, keys, np.zeros(len(keys), np.bool_), slots, np.empty(len(keys), np.int64), 0)
    sorted_counts(np.arange(2, dtype=np.int64), np.ones(1), 30, 1)
    radix_sort(np.arange(2, dtype=np.int64))
    perms = np.ones(2, np.uint32)
    minhash_groups(np.arange(2, dtype=np.uint32), np.array([0, 2]), perms, perms, np.empty((1, 2), np.uint32))
    indptr = np.array([0, 1, 2], np.int32)
    pairs = np.array([[0, 1]], np.int64)
    pair_dots(indptr, np.zeros(2, np.int32), np.ones(2, np.float32), 1, pairs, np.zeros(1))
    top_columns(indptr.astype(np.int64), np.zeros(2, np.int32), np.ones(2, np.float32), 1)
    top_columns(indptr, np.zeros(2, np.int32), np.ones(2, np.float32), 1)
    band_pair_codes(np.zeros((1, 2), np.uint32), np.zeros((1, 2), np.int64), 2, 1, 1, 2)
    group_pair_codes(np.arange(2, dtype=np.int64), np.array([0, 2], np.int64), 2)
    sets = np.array([0, 1, 2])
    for values in (np.arange(2, dtype=np.uint32), np.arange(2, dtype=np.uint64)):
        pair_intersections(values, sets, pairs)
    pair_min_shared(np.arange(2, dtype=np.uint64), np.ones(2), sets, pairs)
    union_rows(np.arange(2, dtype=np.uint64), sets, np.arange(2, dtype=np.uint64), sets)
    neighbour_ranks(np.arange(2, dtype=np.int32), np.zeros(1), 2)
    use = np.zeros(2, np.uint32)
    count_columns(use, np.zeros(2, np.int32))
    compact_rows(indptr, np.zeros(2, np.int32), np.ones(2, np.float32), np.ones(1, np.uint64), np.zeros(1, np.int32),
                 np.zeros(3, np.int64), np.zeros(2, np.int32), np.zeros(2, np.float32), 0, 0)  # fmt: skip


if __name__ == "__main__":  # `python -m dedup.kernels`: compile once, at install time
    warm()
