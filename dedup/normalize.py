"""Text for hashing: a normalised copy of an article, never the text that is reported or parsed.

What is folded: letter case, punctuation and spacing, the two tone-mark placements in use
(`hoà`/`hòa`, `thuỷ`/`thủy`), thousands separators (1.525 and 1525), agency datelines
(`TTO - `, `(Dân trí) - `), credit and related-links lines, and page furniture (share, print,
comment, QR, view counters, navigation). What is kept: diacritics, which tell Vietnamese syllables
apart (`bán` sells, `bạn` is a friend), and digits, which tell stories apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup import kernels
from dedup.furniture import is_furniture

# Tone marks on the syllable-final rhymes oa, oe, uy sit on either vowel depending on the
# writer's convention ("old" hòa/thủy, "new" hoà/thuỷ). Both are everywhere in Vietnamese news,
# often within one outlet, so the hashing copy maps every such syllable to the mark-on-first-vowel
# form. Only syllable-final rhymes are affected: in hoàng/quyết the mark position is fixed.
_TONED = {
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "y": "ỳýỷỹỵ",
    "o": "òóỏõọ",
    "u": "ùúủũụ",
}
_NEW_TO_OLD: dict[str, str] = {}
for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _tone in range(5):
        _NEW_TO_OLD[_first + _TONED[_second][_tone]] = _TONED[_first][_tone] + _second
_TONE_RE = re.compile(r"(?<!q)(" + "|".join(_NEW_TO_OLD) + r")(?!\w)")

# A token is a run of letters and digits, with any ".ddd" / ",dd" groups that follow a digit run:
# "1.525", "88,48" and "281.799" stay one token each, so that the separator can be judged below.
_WORD_RE = re.compile(r"[^\W_]+(?:[.,]\d+)*")
# 1.525 / 1525 and 281.799 / 281799 are the same number: a dot followed by exactly three digits is
# a thousands separator in vi-VN writing (numbers.md §1.1); "22.10" (a date) keeps its dot.
_THOUSANDS_TOKEN_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")

# Datelines and agency credits in front of the lead: "TTO - ", "(Dân trí) - ", "VOV.VN - ", "(BDO) ".
_DATELINE_RE = re.compile(
    r"^\s*(?:\([^()\n]{1,40}\)\s*[-–—:]?|[A-ZĐ][A-ZĐ0-9.]{1,14}(?:\s[A-ZĐ][A-ZĐ0-9.]{0,14})?\s*[-–—])\s+"
)


def fold_tones(text: str) -> str:
    """Map new-style tone placement (hoà, thuỷ) to the old style (hòa, thủy) in lower-case text."""
    return _TONE_RE.sub(lambda m: _NEW_TO_OLD[m.group(1)], text)


def line_key(line: str) -> str:
    """The normalised form of a line, used to count lines repeated across an outlet's articles."""
    return " ".join(line.lower().split())


# Capitalised syllables: Vietnamese names are runs of them ("Trương Thanh Nga", "Bình Dương").
_UPPER = "".join(chr(c) for c in range(0x41, 0x1EFA) if chr(c).isupper() and chr(c).isalpha())
NAME_RE = re.compile(rf"[{_UPPER}][^\W\d_]*(?: [{_UPPER}][^\W\d_]*)+")
# A figure with the syllable after it: "1.525 báo", "30 tỷ", "88,48 %".
FIGURE_RE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(%|[^\W\d_]+)?")


def name_form(name: str) -> str:
    """The hashing form of a name as written: its syllables folded, one space apart."""
    return " ".join(tokens(name))


def figure_form(number: str, unit: str) -> str | None:
    """The hashing form of a figure (lower-cased number, following syllable or ""); None for small counts."""
    if unit and len(number) > 1:
        return canonical(number) + " " + canonical(unit)
    if len(number) >= 3:
        return canonical(number)
    return None


def names(text: str) -> set[str]:
    """Runs of two or more capitalised syllables, in hashing form: the people, places, bodies named."""
    return {name_form(m) for m in NAME_RE.findall(text)}


def figures(text: str) -> set[str]:
    """Numbers with the syllable that follows them, in hashing form; dates and one-digit counts left out."""
    forms = (figure_form(number, unit) for number, unit in FIGURE_RE.findall(text.lower()))
    return {f for f in forms if f is not None}


def raw_tokens(text: str) -> list[str]:
    """Lower-cased tokens of a text as written; `canonical` folds each one for hashing."""
    return _WORD_RE.findall(text.lower())


# Character classes of the Basic Multilingual Plane as the regex engine sees them: `[^\W_]` is
# str.isalnum, `\d` is str.isdecimal. Characters beyond it (rare in news) are looked up one by one.
_BMP = 0x10000
_CAPITALS = frozenset(_UPPER)  # what starts a word of a name in NAME_RE


def _char_class(ch: str) -> int:
    return (
        (kernels.WORD if ch.isalnum() else 0)
        | (kernels.DIGIT if ch.isdecimal() else 0)
        | (kernels.CAPITAL if ch in _CAPITALS else 0)
        | (kernels.SPACE if ch.isspace() else 0)
    )


_CLASSES = np.array([_char_class(chr(c)) for c in range(_BMP)], dtype=np.uint8)
_BEYOND = 0xFF  # no character has every class bit: marks those beyond the table, looked up one by one


def codepoints(text: str) -> np.ndarray:
    """The code points of a text as a uint32 array (index k is text[k])."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _lower_char(c: int) -> int:
    """The code point chr(c).lower() is, or _NO_LOWER when str.lower may not map c to one
    character on its own: to several ("İ" -> "i̇"), or by context (a final "Σ" becomes "ς")."""
    low = chr(c).lower()
    return ord(low) if len(low) == 1 and c != 0x3A3 else _NO_LOWER


_NO_LOWER = 0xFFFFFFFF
_LOWER = np.array([_lower_char(c) for c in range(_BMP)], dtype=np.uint32)


def lower_codepoints(cp: np.ndarray) -> np.ndarray | None:
    """The code points of text.lower() from those of text (codepoints), or None when a look-up
    per character cannot give str.lower's answer (a character beyond the BMP, "İ", "Σ"): then
    text.lower() has another length, or depends on context, and the caller lower-cases the string.

    Where it answers, text.lower() and text have one length and text.lower()[a:b] is
    text[a:b].lower(): a text need not be lower-cased as a string to be tokenised lower-cased.
    """
    out, ok = kernels.lower_codepoints(cp, _LOWER, _NO_LOWER)
    return out if ok else None


def char_classes(cp: np.ndarray) -> np.ndarray:
    """The class bits (kernels.WORD, DIGIT, CAPITAL, SPACE) of every character of a text given by its code points."""
    classes = kernels.char_classes(cp, _CLASSES, _BEYOND)
    if classes.max(initial=0) == _BEYOND:
        for k in np.flatnonzero(classes == _BEYOND).tolist():
            classes[k] = _char_class(chr(int(cp[k])))
    return classes


def token_spans(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the tokens `_WORD_RE.findall` finds in a text given by its code points.

    The same tokens, found by one compiled pass over a whole chunk of text (kernels.token_spans):
    a token is a run of letters and digits, extended by every "[.,]digits" group that follows it;
    a letter right after such a group's digits starts the next token ("1.5km" is "1.5" and "km").
    """
    return kernels.token_spans(char_classes(cp), cp)


# Raw token -> its canonical form: a corpus repeats a few hundred thousand distinct tokens.
_canonical: dict[str, str] = {}
_CANONICAL_LIMIT = 2_000_000


def canonical(token: str) -> str:
    """The hashing form of one lower-cased token: tones folded, thousands separators dropped."""
    try:
        return _canonical[token]
    except KeyError:
        pass
    form = token.replace(".", "") if "." in token and _THOUSANDS_TOKEN_RE.fullmatch(token) else token
    form = fold_tones(form)
    if len(_canonical) > _CANONICAL_LIMIT:
        _canonical.clear()
    _canonical[token] = form
    return form


def tokens(text: str) -> list[str]:
    """Lower-cased syllables of a text with tones folded and thousands separators dropped."""
    return [canonical(t) for t in raw_tokens(text)]


@dataclass(frozen=True)
class Boilerplate:
    """Lines learned as boilerplate: repeated verbatim across several articles of one source; and
    the titles of the run's articles, which inside another article's text are links to them (a
    block of related articles under an excerpt), not its story."""

    lines: frozenset[tuple[str, str]] = frozenset()
    titles: frozenset[str] = frozenset()  # line_key of titles of TITLE_MIN_WORDS words or more

    def __contains__(self, item: tuple[str, str]) -> bool:
        return item in self.lines


# A title this long is no common phrase: a line of another article equal to it is a link.
TITLE_MIN_WORDS = 6


def title_keys(titles: Iterable[str]) -> frozenset[str]:
    """The line_key of each title of at least TITLE_MIN_WORDS words."""
    return frozenset(line_key(t) for t in titles if len(t.split()) >= TITLE_MIN_WORDS)


# A line seen in this many articles of one outlet is its furniture (a footer, a disclaimer),
# provided it is short enough not to be a paragraph quoted by several copies of one story.
BOILERPLATE_MIN_DOCS = 3
BOILERPLATE_MAX_WORDS = 40
BOILERPLATE_MIN_SHARE = 0.01
# A line of more words than that (split() words: runs of anything but whitespace), found without
# splitting it: most lines of news text are paragraphs, and are never boilerplate.
_LONG_LINE_RE = re.compile(rf"\s*(?:\S+\s+){{{BOILERPLATE_MAX_WORDS}}}\S")


def short_line_keys(text: str) -> set[str]:
    """The line_key of each short line of a text (the lines boilerplate is learned from)."""
    keys = set()
    for line in text.splitlines():
        if _LONG_LINE_RE.match(line):
            continue
        words = line.split()
        if words:
            keys.add(" ".join(words).lower())  # line_key(line), for the short lines only
    return keys


@dataclass
class LineCounts:
    """Per source: how many articles it has, and in how many of them each short line appears."""

    per_source: dict[str, Counter[str]]
    n_docs: Counter[str]

    @classmethod
    def of(cls, docs: Iterable[tuple[str | None, str]]) -> LineCounts:
        """Count the short lines of (source, raw text) pairs."""
        per_source: dict[str, Counter[str]] = {}
        n_docs: Counter[str] = Counter()
        for source, text in docs:
            src = source or ""
            n_docs[src] += 1
            per_source.setdefault(src, Counter()).update(short_line_keys(text))
        return cls(per_source, n_docs)

    def add(self, other: LineCounts) -> None:
        """Add the counts of other articles (counts of parts of a run add up to the run's)."""
        self.n_docs.update(other.n_docs)
        for src, counter in other.per_source.items():
            mine = self.per_source.get(src)
            if mine is None:
                self.per_source[src] = counter
            else:
                mine.update(counter)

    def boilerplate(self) -> Boilerplate:
        """The lines seen in enough of a source's articles to be its furniture."""
        learned = set()
        for src, counter in self.per_source.items():
            floor = boilerplate_floor(self.n_docs[src])
            learned.update((src, key) for key, count in counter.items() if count >= floor)
        return Boilerplate(frozenset(learned))


def boilerplate_floor(n_docs: int) -> int:
    """In how many of an outlet's `n_docs` articles a short line must be seen to be its furniture."""
    return max(BOILERPLATE_MIN_DOCS, int(BOILERPLATE_MIN_SHARE * n_docs))


def learn_boilerplate(docs: Iterable[tuple[str | None, str]]) -> Boilerplate:
    """Learn boilerplate lines from (source, raw text) pairs of a whole run."""
    return LineCounts.of(docs).boilerplate()


def removed_as(line: str, source: str, boilerplate: Boilerplate | None) -> str | None:
    """Why content_lines drops a line: "furniture", "boilerplate" (learned for `source`), "titles"
    (another article's title), or None for a line of the story."""
    if is_furniture(line):
        return "furniture"
    if (
        boilerplate is not None
        and (boilerplate.lines or boilerplate.titles)
        and not _LONG_LINE_RE.match(line)  # learned lines and titles are short
    ):
        key = line_key(line)
        if (source, key) in boilerplate:
            return "boilerplate"
        if key in boilerplate.titles:
            return "titles"
    return None


def content_lines(text: str, source: str | None = None, boilerplate: Boilerplate | None = None) -> list[str]:
    """The lines of an article that carry its story: furniture and learned boilerplate removed."""
    src = source or ""
    kept = [line for line in text.splitlines() if removed_as(line, src, boilerplate) is None]
    # Datelines open the lead, which is the first kept line or two.
    for i in range(min(2, len(kept))):
        kept[i] = _DATELINE_RE.sub("", kept[i], count=1)
    return kept


def removed_lines(text: str, source: str | None = None, boilerplate: Boilerplate | None = None) -> dict[str, int]:
    """How many non-empty lines of a text `content_lines` drops, as furniture, as learned
    boilerplate, and as titles of the run's articles."""
    src = source or ""
    out = {"furniture": 0, "boilerplate": 0, "titles": 0}
    for line in text.splitlines():
        why = removed_as(line, src, boilerplate) if line.strip() else None
        if why is not None:
            out[why] += 1
    return out


def hashing_tokens(text: str, source: str | None = None, boilerplate: Boilerplate | None = None) -> list[str]:
    """Raw tokens of an article's story lines, for shingling; `canonical` applies per token."""
    return raw_tokens("\n".join(content_lines(text, source, boilerplate)))


def strip_title(text: str, title: str) -> str:
    """Drop the title from the head of the text when the text repeats it (as .txt articles do)."""
    head = text.lstrip()
    if title and head.startswith(title):
        return head[len(title) :]
    return text


def joined(parts: Sequence[str]) -> str:
    """Join text parts with newlines, skipping empty ones."""
    return "\n".join(p for p in parts if p)
