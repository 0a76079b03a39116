"""The scanner that finds candidate figures (digit tokens, vague quantities, runs of spelled number
words) and the patterns read around one: the words before it that make it no claim, and a range's
second half, a scale word, a unit or a counted noun after it; each with its twin for lower-cased
text."""

from __future__ import annotations

import re

from dedup.claims.lexicon import (
    _CLAIM_COMPOUNDS,
    _NOT_CLAIM_WORDS,
    _SPELLED_NOUNS,
    _SPELLED_WORDS,
    _VAGUE,
    SCALES,
    UNITS,
)
from dedup.claims.patterns import _bmp_ranges, _by_first_letter, _search_at_end, _trie_alt

_NUM = r"\d+(?:[.,]\d+)*"
_SCALE_ALT = "|".join(re.escape(s) for s in sorted(SCALES, key=len, reverse=True))
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_VAGUE_ALT = "|".join(re.escape(v) for v in sorted(_VAGUE, key=len, reverse=True))
_SPELL_ALT = "|".join(sorted(_SPELLED_WORDS, key=len, reverse=True))

# The scanner: digit tokens, vague quantities and spelled-number runs, left to right.
# A look-ahead on the possible first characters lets the engine skip most positions cheaply.
_FIRST_CHARS = "".join(
    sorted({w[0] for w in [*_VAGUE, *_SPELLED_WORDS]} | {w[0].upper() for w in [*_VAGUE, *_SPELLED_WORDS]})
)
_SCAN_RE = re.compile(
    rf"(?=[\d{re.escape(_FIRST_CHARS)}])"
    rf"(?:(?P<num>(?<![\w.,/:=#@_\-+])(?:{_NUM}))"
    rf"|(?P<vague>(?<!\w)(?:{_VAGUE_ALT})(?!\w))"
    rf"|(?P<spelled>(?<!\w)(?:{_SPELL_ALT})(?:\s+(?:{_SPELL_ALT}))*(?!\w)))",
    re.IGNORECASE,
)


# The same scanner for a lower-cased copy of the text (no IGNORECASE, words as prefix trees, the
# shared look-behind first: about three times as fast).  It finds exactly the spans _SCAN_RE
# finds in the original when lower-casing keeps every offset and the text holds none of the
# characters IGNORECASE folds onto a different letter than str.lower does.
_SCAN_LOW_RE = re.compile(
    rf"(?<!\w)(?=[\d{re.escape(''.join(sorted({w[0] for w in [*_VAGUE, *_SPELLED_WORDS]})))}])"
    rf"(?:(?P<num>(?<![.,/:=#@\-+])(?:{_NUM}))"
    rf"|(?P<vague>(?:{_trie_alt(_VAGUE)})(?!\w))"
    rf"|(?P<spelled>(?:{_trie_alt(_SPELLED_WORDS)})(?:\s+(?:{_trie_alt(_SPELLED_WORDS)}))*(?!\w)))"
)
# _SCAN_LOW_RE run on " " + the lower-cased text: each match starts with the character before the
# hit (a non-word character, as the look-behind wants; the space stands before the first), so a
# hit at an offset of the text is a match at that offset ending one character later.  The match
# starts with a class of all characters but these letters and digits (word characters all, so no
# character a hit may follow is left out): the engine skips over them without trying the pattern
# at every offset, and (?<=\W) then tests the character exactly.
_SCAN_WORD_CHARS = "0-9a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1ea0-\u1ef9"


# After the character before the hit, the three kinds of hit are written as one flat alternation
# whose every branch starts with one character (a digit, or a first letter with the prefix tree of
# the rest of its words): the engine passes over a branch whose first character does not match
# without entering it, so most offsets cost a few comparisons.  The branches come in the order of
# _SCAN_LOW_RE (the number, the vague quantities, the spelled runs), and a letter's branch tries
# its words in the order the prefix tree does, so the same hit is found at every offset.  The
# look-behind of the number follows its first digit and looks past it.  Each branch ends in an
# empty group whose number (Match.lastindex) names its kind in _SCAN_SPACED_KINDS.
_SPELLED_TRIE = _trie_alt(_SPELLED_WORDS)
_SCAN_SPACED_BRANCHES = [
    ("num", r"\d(?<![.,/:=#@\-+].)\d*(?:[.,]\d+)*"),
    *(("vague", re.escape(ch) + _trie_alt(rest) + r"(?!\w)") for ch, rest in _by_first_letter(_VAGUE)),
    *(
        ("spelled", re.escape(ch) + _trie_alt(rest) + rf"(?:\s+(?:{_SPELLED_TRIE}))*(?!\w)")
        for ch, rest in _by_first_letter(_SPELLED_WORDS)
    ),
]
_SCAN_SPACED_RE = re.compile(
    rf"[^{_SCAN_WORD_CHARS}](?<=\W)(?:" + "|".join(body + "()" for _, body in _SCAN_SPACED_BRANCHES) + ")"
)
_SCAN_SPACED_KINDS = (None, *(kind for kind, _ in _SCAN_SPACED_BRANCHES))


# _SCAN_SPACED_RE for text without characters beyond U+FFFF: its first class is exactly the
# non-word characters there, so the look-behind is left out.  (A class that spells out every word
# character of the BMP is one table look-up per character; ranges beyond it would be tested one
# by one.)
_SCAN_BMP_RE = re.compile(
    "[^"
    + _bmp_ranges(r"\w")
    + r"\U00010000-\U0010ffff]"
    + _SCAN_SPACED_RE.pattern.removeprefix(rf"[^{_SCAN_WORD_CHARS}](?<=\W)")
)


_NOT_CLAIM_BEFORE = re.compile(r"(?<!\w)(?:" + "|".join(_NOT_CLAIM_WORDS) + r")\s*$", re.IGNORECASE)
_NOT_CLAIM_WIDTH = max(map(len, _NOT_CLAIM_WORDS))


# _NOT_CLAIM_BEFORE for lower-cased text: no IGNORECASE, words as a prefix tree.  In a lower-cased
# string IGNORECASE changes what its letters match only for "ı" and "ſ" (matched as i and s).
_NOT_CLAIM_LOW = re.compile(r"(?<!\w)(?:" + _trie_alt({w.lower() for w in _NOT_CLAIM_WORDS}) + r")\s*$")
_FOLD_UNSAFE = ("ı", "ſ")
# Characters that keep a text off the fast paths of _extract (see there).
_NOT_FOLDED = (*_FOLD_UNSAFE, "Σ")


_CLAIM_COMPOUND_RE = re.compile(r"(?<!\w)(?:" + "|".join(sorted(_CLAIM_COMPOUNDS)) + r")\s*$")


# Last syllables of the words of _NOT_CLAIM_WORDS, lower-cased.
_NOT_CLAIM_LAST = frozenset(w.lower().split()[-1] for w in _NOT_CLAIM_WORDS)


def _not_claim_before(lb: str) -> bool:
    """``_NOT_CLAIM_BEFORE.search(lb)`` for lower-cased lb (only whether it matches)."""
    if "ı" in lb or "ſ" in lb:
        return _search_at_end(_NOT_CLAIM_BEFORE, lb, _NOT_CLAIM_WIDTH) is not None and not _CLAIM_COMPOUND_RE.search(lb)
    # A match is a word of the list at the right-stripped end, after a non-word character or the
    # start.  When the piece after the last space is all letters, it is the last syllable such a
    # word would have: most numbers follow a word that is none of them and need no search.
    stripped = lb.rstrip()
    last = stripped[stripped.rfind(" ") + 1 :]
    if last.isalpha() and last not in _NOT_CLAIM_LAST:
        return False
    return _search_at_end(_NOT_CLAIM_LOW, lb, _NOT_CLAIM_WIDTH) is not None and not _CLAIM_COMPOUND_RE.search(lb)


# After the number: optional range second half, scale word, unit.
_RANGE_RE = re.compile(rf"\s*[-–—]\s*(?P<n2>{_NUM})(?![\d/.,-]*\d)|\s+(?:đến|tới)\s+(?P<n3>{_NUM})", re.IGNORECASE)
_SCALE_RE = re.compile(rf"\s*(?P<scale>{_SCALE_ALT})(?!\w)", re.IGNORECASE)
# What a rate's "/" may name after a unit: "triệu đồng/tháng", "USD/ounce", "VND/USD" (an exchange rate).
_RATES = "tháng|năm|ngày|lượng|ounce|oz|thùng|cp|cổ phiếu|kg|tấn|lít|người|m2|giờ|h|usd"
_UNIT_RE = re.compile(
    rf"\s?(?P<unit>{_UNIT_ALT})(?P<rate>/(?:{_RATES}))?"
    rf"(?![^\W\d_])",
    re.IGNORECASE,
)
# After a figure and its scale word, a smaller part of the same amount: "2 triệu 500 nghìn",
# "1 tỷ 200 triệu", or "rưỡi" (and a half: "3 triệu rưỡi" is 3.500.000).
_COMPOUND_RE = re.compile(
    r"\s+(?:(?P<n>\d{1,3})\s*(?P<scale>nghìn|ngàn|vạn|triệu|tỷ|tỉ)|(?P<half>rưỡi))(?!\w)", re.IGNORECASE
)
_SPELLED_NOUN_RE = re.compile(r"\s+(?:" + "|".join(re.escape(n) for n in _SPELLED_NOUNS) + r")(?!\w)", re.IGNORECASE)
# Twins of _SCALE_RE, _UNIT_RE and _SPELLED_NOUN_RE for lower-cased text (see _SCAN_LOW_RE): a
# prefix tree tries one branch per character where the case-insensitive alternation tries every
# word in turn.
_SCALE_LOW_RE = re.compile(rf"\s*(?P<scale>{_trie_alt(SCALES)})(?!\w)")
_UNIT_LOW_RE = re.compile(
    rf"\s?(?P<unit>{_trie_alt(UNITS)})(?P<rate>/(?:{_RATES}))?"
    rf"(?![^\W\d_])"
)
_SPELLED_NOUN_LOW_RE = re.compile(r"\s+(?:" + _trie_alt({n.lower() for n in _SPELLED_NOUNS}) + r")(?!\w)")


def _after_patterns(text: str, folded: str | None) -> tuple[str, re.Pattern[str], re.Pattern[str]]:
    """The string to match the scale and unit patterns on, and those patterns: the lower-cased
    text and the plain twins when they apply (folded is not None), else text and the originals."""
    return (text, _SCALE_RE, _UNIT_RE) if folded is None else (folded, _SCALE_LOW_RE, _UNIT_LOW_RE)
