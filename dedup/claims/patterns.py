"""Building blocks of the claim reader's regular expressions: alternations written as prefix trees,
words grouped by their first letter, and character classes spelled out below U+10000."""

from __future__ import annotations

import re


def _trie_alt(words: list[str] | set[str] | dict[str, object]) -> str:
    """Regex alternation of `words` as a prefix tree ("ng(?:hìn|àn)").  It tries the same words in
    the same order as the longest-first alternation: the words that can match at one position are
    prefixes of one another, and a greedy optional tail tries the longer one first."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + emit(node[ch]) for ch in sorted(node) if ch]
        if not alts:
            return ""
        if len(alts) == 1 and "" not in node:
            return alts[0]
        return "(?:" + "|".join(alts) + ")" + ("?" if "" in node else "")

    return emit(root)


def _by_first_letter(words: list[str] | set[str] | dict[str, object]) -> list[tuple[str, list[str]]]:
    """The words grouped by their first character, as (character, the rest of each word)."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(w[1:])
    return sorted(groups.items())


def _in_bmp(s: str) -> bool:
    """True when s has no character beyond U+FFFF (each then takes one UTF-16 unit)."""
    return len(s.encode("utf-16-le")) == 2 * len(s)


def _bmp_ranges(char_class: str) -> str:
    """The characters below U+10000 that the one-character pattern char_class matches, as the
    ranges of a class (each run of consecutive matching code points found in one pass)."""
    out = []
    for m in re.finditer(f"(?:{char_class})+", _BMP):
        lo, hi = m.start(), m.end() - 1
        out.append(re.escape(chr(lo)) + ("-" + re.escape(chr(hi)) if hi > lo else ""))
    return "".join(out)


_BMP = "".join(map(chr, range(0x10000)))  # every code point below U+10000, at its own offset


# The letters below U+10000 spelled out as one class: one table look-up per character, where
# [^\W\d_] tests three character properties.
_BMP_LETTER = "[" + _bmp_ranges(r"[^\W\d_]") + "]"


def _search_at_end(pattern: re.Pattern[str], s: str, width: int) -> re.Match[str] | None:
    """``pattern.search(s)`` for a pattern ``(?<!…)(?:word|…)\\s*$`` whose words end in a non-space
    and are at most `width` characters long.  A match ends at the last non-space character (\\s is
    exactly what str.rstrip strips), so it starts no earlier than `width` characters before it;
    the search starts there (look-behinds still see the characters before)."""
    return pattern.search(s, max(0, len(s.rstrip()) - width))
