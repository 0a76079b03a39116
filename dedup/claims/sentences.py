"""Sentences and the words around a figure: sentence splitting, the counted noun phrase after a
figure and its canonical head, the context and lead words, a sentence's names, years and plan
wording, and predicate classes (``docs/numbers.md`` §3, §5)."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from itertools import accumulate, chain, filterfalse, pairwise

from dedup.claims.dates import dates_in
from dedup.claims.lexicon import _CTX_STOP, _NOT_ENTITY, _NP_DROP, _NP_STOP, _PREDICATES, CLASSIFIERS, SYNONYMS
from dedup.claims.patterns import _BMP_LETTER, _in_bmp

_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")
_WORD_SPLIT_RE = re.compile("(" + _WORD_RE.pattern + ")")
_TOKEN_RE = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*|[%$]")
# Sentence ends: . ! ? … followed by a space, a closing quote or the end; or a newline.  A dot
# between digits (1.525) never ends a sentence.
_SENT_END_RE = re.compile(r"[.!?…]+(?=[\s\"”’)\]]|$)|\n|(?<=[a-zđà-ỹ]{2})\.(?=[A-ZĐ])")
# The same matches, written to start with a character class so that the engine jumps straight
# to the candidate characters instead of trying the three branches at every offset.
_SENT_END_FAST_RE = re.compile(
    r"[.!?…\n](?:(?<=[.!?…])[.!?…]*(?=[\s\"”’)\]]|$)|(?<=\n)|(?<=\.)(?<=[a-zđà-ỹ]{2}\.)(?=[A-ZĐ]))"
)


# _WORD_SPLIT_RE for text without characters beyond U+FFFF: the letters spelled out as one class
# are one table look-up per character, where [^\W\d_] tests three character properties.
_WORD_SPLIT_BMP_RE = re.compile(f"({_BMP_LETTER}+(?:-{_BMP_LETTER}+)?)")


def _sentences(text: str) -> tuple[list[int], list[int]]:
    """Start and end offsets of sentences (split at . ! ? … followed by space, and newlines)."""
    # Every match takes at least one character, so each sentence ends at a match and the next
    # starts there; text after the last match is one more sentence.
    ends = [m.end() for m in _SENT_END_FAST_RE.finditer(text)]
    starts = [0, *ends]
    if starts[-1] < len(text):
        ends.append(len(text))
    else:
        starts.pop()
    return starts, ends


def _is_capitalised(word: str) -> bool:
    """True for a word starting with an upper-case letter."""
    return bool(word) and word[0].isupper()


def _prev_word(text: str, pos: int) -> tuple[str, int]:
    """The word right before pos (skipping spaces only) and its start; '' if punctuation."""
    j = pos
    while j > 0 and text[j - 1] == " ":
        j -= 1
    k = j
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in "-."):
        k -= 1
    return text[k:j], k


# "thương" ends a noun phrase as "bị thương" (wounded) does, but starts these nouns: "15 thương
# binh", "3 thương nhân", "20 thương hiệu" (and ends "xe cứu thương").
_THUONG_NOUN_RE = re.compile(r" (?:binh|nhân|hiệu|lái|gia)(?!\w)", re.IGNORECASE)
_ALNUM_RE = re.compile(r"[^\W_]")
_DIGIT_RE = re.compile(r"\d")
_NP_BREAK_RE = re.compile(r"[,;:()\[\]\"“”'!?…\n]")
_TAIL_END_RE = re.compile(r"[,;:()\[\]!?…\n]|\.(?=\s|$)")
# The same matches, starting with one character class so that the engine can jump to it.
_TAIL_END_FAST_RE = re.compile(r"[,;:()\[\]!?…\n.](?:(?<=\.)(?=\s|$)|(?<!\.))")
# The first of those and the digits (\d is str.isdecimal).
_TAIL_END_OR_DIGIT_RE = re.compile(r"[,;:()\[\]!?…\n.\d](?:(?<=\.)(?=\s|$)|(?<!\.))")


def _at_sentence_start(text: str, pos: int, sent_start: int) -> bool:
    """True when no letter or digit lies between the sentence start and pos."""
    return _ALNUM_RE.search(text, sent_start, pos) is None


def _noun_phrase(text: str, pos: int, limit: int, folded: str | None = None) -> tuple[str | None, int, str]:
    """Counted noun phrase starting at pos: (noun, end offset, tail text to clause end; folded:
    text lower-cased or None, see _extract)."""
    words: list[str] = []
    lower_words: list[str] = []
    end = pos
    for m in _TOKEN_RE.finditer(text, pos, limit):
        w_start, w_end = m.span()
        # Words are mostly one space apart: only read the text between when it is anything else.
        if w_start != end + 1 or text[end] != " ":
            between = text[end:w_start]
            if _NP_BREAK_RE.search(between) or (words and "." in between):
                break
        w = m.group()
        if not w.isalpha() and (_DIGIT_RE.search(w) or w in "%$"):  # letters only: neither
            break
        lw = w.lower() if folded is None else folded[w_start:w_end]
        # A token is one syllable or a hyphenated compound: of the two-syllable stop items only
        # the first syllable could start one, and each is a stop word of its own.  A capitalised
        # word starts a name unless it is a known abbreviation ("TNXP", "DN").
        if (lw in _NP_STOP or (w[0].isupper() and lw not in SYNONYMS)) and not (
            lw == "thương" and (_THUONG_NOUN_RE.match(text, w_end) or (lower_words and lower_words[-1] == "cứu"))
        ):
            break
        words.append(w)
        lower_words.append(lw)
        end = w_end
        if len(words) >= 5:
            break
    # The tail runs to the end of the clause (punctuation or the next figure): it carries the
    # predicate ("… bị thương") and feeds the context.
    # A figure ends it only from two characters after the phrase on.  One search finds the first
    # clause end or digit; only a digit in those two characters needs the two searches.
    mt = _TAIL_END_OR_DIGIT_RE.search(text, end, limit)
    if mt is None:
        tail_end = limit
    elif (tail_end := mt.start()) < end + 2 and text[tail_end].isdecimal():
        tail_end = limit
        mt = _TAIL_END_FAST_RE.search(text, end, limit)
        if mt:
            tail_end = mt.start()
        md = _DIGIT_RE.search(text, end + 2, tail_end) if end + 2 < tail_end else None
        if md:
            tail_end = md.start()
    while words and lower_words[-1] in _NP_DROP:
        words.pop()
        lower_words.pop()
    # The words of the folded text are already lower-cased.
    noun = (" ".join(words).lower() if folded is None else " ".join(lower_words)) if words else None
    return noun, end, text[end:tail_end].lower() if folded is None else folded[end:tail_end]


@lru_cache(maxsize=1 << 16)  # a few thousand noun phrases make up most claims
def _canonical_head(noun: str | None) -> str | None:
    """Canonical head noun: synonyms merged, a leading classifier dropped, modifiers cut."""
    if not noun:
        return None
    n = noun.lower().replace("  ", " ")
    if n in SYNONYMS:
        return SYNONYMS[n]
    parts = n.split()
    if len(parts) > 1 and parts[0] in CLASSIFIERS:
        parts = parts[1:]
    # Longest known synonym prefix ("cựu tnxp", "nghi phạm người uighur" -> "nghi can").
    for k in range(len(parts), 0, -1):
        key = " ".join(parts[:k])
        if key in SYNONYMS:
            return " ".join([SYNONYMS[key], *parts[k:]])
    return " ".join(parts)


_join = " ".join


def _context(text: str, start: int, end: int, s0: int, s1: int, sent: _Sentence | None = None) -> frozenset[str]:
    """Content syllables and syllable bigrams within the sentence, ±12 words around the claim
    (sent: the sentence text[s0:s1], whose words can be reused)."""
    w0, w1 = max(s0, start - 90), min(s1, end + 70)
    left = sent.window(w0 - s0, start - s0) if sent is not None else None
    if left is None:
        left = _WORD_RE.findall(text[w0:start].lower())
    right = sent.window(end - s0, w1 - s0) if sent is not None else None
    if right is None:
        right = _WORD_RE.findall(text[end:w1].lower())
    left, right = left[-12:], right[:10]
    # Stop words are single syllables: a bigram has a space and is never one.  One set is built.
    is_stop = _CTX_STOP.__contains__
    return frozenset(
        chain(
            filterfalse(is_stop, left),
            filterfalse(is_stop, right),
            map(_join, pairwise(left)),
            map(_join, pairwise(right)),
        )
    )


# Years 19xx/20xx not inside a longer number.  The look-behind follows the literal prefix
# ((?<!\d)(?:19|20) would mean the same) so that the engine can jump to "1" and "2" characters.
_YEAR_RE = re.compile(r"(?:19|20)(?<!\d..)\d\d(?!\d)")
# Future / plan wording: a plan figure is a different quantity from an actual one (numbers.md §5).
# ("kế hoạch" alone is too broad: "127% kế hoạch", "kế hoạch mua 12 chiến đấu cơ").
_PLAN_RE = re.compile(r"(?<!\w)(?:sẽ|dự kiến|dự báo|dự đoán|phấn đấu)(?!\w)", re.IGNORECASE)
_PLAN_LOW_RE = re.compile(r"(?<!\w)(?:sẽ|dự (?:kiến|báo|đoán)|phấn đấu)(?!\w)")  # for lower-cased text


# Upper-case letters of the Latin blocks Vietnamese uses (re has no \p{Lu}).
_UPPER = "".join(ch for ch in map(chr, range(0x41, 0x1F00)) if ch.isupper() and ch.isalpha())
# A capitalised word not glued to a word or a dot, and the capitalised words that follow it.  The
# look-behind comes after the first letter ((?<![\w.]) in front means the same) so that the
# engine can jump to upper-case letters.
_NAME_RE = re.compile(rf"[{_UPPER}](?<![\w.].)[^\W\d_]*(?: [{_UPPER}][^\W\d_]*)*")
# The same for text without characters beyond U+FFFF, the letters as one class (_BMP_LETTER).
_NAME_BMP_RE = re.compile(rf"[{_UPPER}](?<![\w.].){_BMP_LETTER}*(?: [{_UPPER}]{_BMP_LETTER}*)*")


def _sentence_features(
    seg: str, low: str, tokens: list[str], bmp: bool = False
) -> tuple[frozenset[str], frozenset[str], frozenset[str], bool]:
    """Content syllables, capitalised names (not sentence-initial), years and plan flag of a
    sentence seg (low = seg.lower(), tokens = _WORD_RE.findall(low); bmp: seg has no character
    beyond U+FFFF)."""
    # Every year starts with "19" or "20", and many sentences hold neither.
    years = frozenset(_YEAR_RE.findall(seg)) if "19" in seg or "20" in seg else frozenset()
    if len(low) == len(seg) and "ı" not in low and "ſ" not in low:
        # Same answer, letter for letter (see _FOLD_UNSAFE).  Every plan word holds one of the three
        # strings tested first, and most sentences hold none of them.
        plan = ("sẽ" in low or "dự " in low or "phấn đấu" in low) and _PLAN_LOW_RE.search(low) is not None
    else:
        plan = _PLAN_RE.search(seg) is not None
    words = frozenset(filterfalse(_CTX_STOP.__contains__, tokens))  # one set built, not two
    lead_len = len(seg) - len(seg.lstrip(" \t\n\"“'(-–"))
    name_re = _NAME_BMP_RE if bmp else _NAME_RE
    names = name_re.findall(seg)
    # No name starts inside the leading punctuation, so only the first can be sentence-initial.
    if names and name_re.match(seg, lead_len):
        # The sentence-initial word is capitalised anyway; keep the rest of a longer name.
        names[0] = names[0].partition(" ")[2]
    ents = {name.lower() for name in names if name}
    return words, frozenset(ents - _NOT_ENTITY), years, plan


_CLAUSE_BREAK_RE = re.compile(r"[,;:()\[\]\"“”]")
# The last clause break of a string (or of text[pos:endpos]: \Z matches at endpos).  The pattern
# starts with a character class, so the engine jumps from one break character to the next.
_LAST_CLAUSE_BREAK_RE = re.compile(r"[,;:()\[\]\"“”][^,;:()\[\]\"“”]*\Z")


def _lead_words(text: str, start: int, s0: int, sent: _Sentence | None = None) -> frozenset[str]:
    """Up to four content syllables right before the claim, within its clause (sent: the
    claim's sentence, starting at s0, whose words can be reused)."""
    w0 = max(s0, start - 60)
    cut = _LAST_CLAUSE_BREAK_RE.search(text, w0, start)
    if cut:
        w0 = cut.start() + 1  # after the last clause break
    words = sent.window(w0 - s0, start - s0) if sent is not None else None
    if words is None:
        words = _WORD_RE.findall(text[w0:start].lower())
    return frozenset(words[-4:]) - _CTX_STOP


_PRED_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p, _ in _PREDICATES) + r")(?!\w)")
_PRED_MAP = dict(_PREDICATES)
# The same matches as _PRED_RE, grouped by first letter with the look-behind after it, so that the
# engine can jump to those letters.  No predicate is a prefix of another, so at most one can
# match at a given offset and the order of the alternatives does not matter.
_PRED_FAST_RE = re.compile(
    "("
    + "|".join(
        re.escape(ch) + r"(?<!\w.)(?:" + "|".join(re.escape(p[1:]) for p, _ in _PREDICATES if p[0] == ch) + ")"
        for ch in sorted({p[0] for p, _ in _PREDICATES})
    )
    + r")(?!\w)"
)
# Verbs that take the counted NP as object: the predicate comes before the number.
_PRED_BEFORE_RE = re.compile(r"(?<!\w)(tìm thấy|vớt được|tìm được|bắt giữ)(?!\w)")


def _predicate(tail: str) -> str | None:
    """Predicate class from the clause after the number."""
    m = _PRED_FAST_RE.search(tail)
    return _PRED_MAP[m.group(1)] if m else None


def _predicate_before(before: str) -> str | None:
    """Predicate class of a verb right before the number in the same clause ("đã tìm thấy 26 thi
    thể"), the fallback when the clause after it has none."""
    # Every verb of _PRED_BEFORE_RE holds one of these syllables: most texts have none of them.
    if "tìm" not in before and "vớt" not in before and "bắt" not in before:
        return None
    ms = list(_PRED_BEFORE_RE.finditer(_CLAUSE_BREAK_RE.split(before)[-1]))
    return _PRED_MAP[ms[-1].group(1)] if ms else None


@lru_cache(maxsize=1 << 16)
def _noun_predicate(noun: str) -> str | None:
    """Predicate class named inside the noun phrase itself ("người thiệt mạng")."""
    return _predicate(" " + noun + " ")


class _Sentence:
    """What the claims of one sentence text[s0:s1] share: the sentence fields of Claim (sentence
    and sentence_start in raw-text offsets) and, computed on first use by :meth:`read`, the
    sentence's words with their offsets and its features."""

    __slots__ = (
        "_dates", "_piece", "entities", "folded", "low", "plan", "s0", "s1", "sentence", "start", "text",
        "title_dates", "tok_ends", "tok_starts", "tokens", "words", "years",
    )  # fmt: skip

    def __init__(
        self, text: str, s0: int, s1: int, raw: str, offs: list[int] | None, folded: str | None = None
    ) -> None:
        """The sentence text[s0:s1] (folded: text lower-cased or None, see _extract)."""
        self.text, self.s0, self.s1, self.folded = text, s0, s1, folded
        seg = text[s0:s1]
        lead = len(seg) - len(seg.lstrip())
        if offs is None:
            self.sentence, self.start = seg.strip(), s0 + lead
        else:
            ss = offs[s0 + lead]
            se = offs[min(s1, len(offs) - 1)]
            self.sentence, self.start = raw[ss:se].rstrip(), ss
        self.tokens: list[str] | None = None  # set by read()
        self.title_dates: frozenset[tuple[int | None, int]] = frozenset()  # set by _extract
        self._dates: frozenset[tuple[int | None, int]] | None = None
        self._piece: SentencePiece | None = None

    def piece(self) -> SentencePiece:
        """The sentence on its own (see SentencePiece), one for all its claims."""
        if self._piece is None:
            self._piece = SentencePiece(self.text[self.s0 : self.s1], self.title_dates)
        return self._piece

    def dates(self) -> frozenset[tuple[int | None, int]]:
        """The days and months the sentence names, else those of the title (read once)."""
        if self._dates is None:
            self._dates = dates_in(self.text[self.s0 : self.s1], self.low) or self.title_dates
        return self._dates

    def read(self) -> _Sentence:
        """Fill in the words and features of the sentence, once; returns self."""
        if self.tokens is not None:
            return self
        text, s0, s1, folded = self.text, self.s0, self.s1, self.folded
        seg = text[s0:s1]
        low = self.low = seg.lower() if folded is None else folded[s0:s1]
        # _WORD_RE.findall(low) with offsets: split keeps the words at odd indices, and the running
        # lengths of the pieces give where each word starts and ends.
        parts = (_WORD_SPLIT_BMP_RE if _in_bmp(low) else _WORD_SPLIT_RE).split(low)
        self.tokens = parts[1::2]
        self.words, self.entities, self.years, self.plan = _sentence_features(seg, low, self.tokens, _in_bmp(seg))
        # A window of the sentence lower-cased on its own equals the same slice of `low` when
        # lower-casing maps each character to one character, without context ("Σ" depends on its
        # neighbours); otherwise the windows are read from the text as before.
        self.tok_starts: list[int] | None = None
        self.tok_ends: list[int] = []
        if len(low) == len(seg) and "Σ" not in seg:
            cum = list(accumulate(map(len, parts)))  # cum[k]: where parts[k] ends
            self.tok_starts = cum[0:-1:2]  # word i is parts[2i + 1]: from cum[2i] to cum[2i + 1]
            self.tok_ends = cum[1::2]
        return self

    def window(self, w0: int, w1: int) -> list[str] | None:
        """``_WORD_RE.findall(low[w0:w1])`` (offsets in the sentence) from the sentence's words, or
        None when not known that way (then the caller reads the slice); read() must have run."""
        if w0 >= w1:
            return []
        starts, ends = self.tok_starts, self.tok_ends
        if starts is None:
            return None
        low, tokens = self.low, self.tokens
        i = bisect.bisect_left(starts, w0)
        head: list[str] = []
        if i and ends[i - 1] > w0:
            # The slice starts inside a word and reads its tail (after a hyphen if it starts on
            # one) as one word, ending where the word ends unless "-letters" follows it.
            e = ends[i - 1]
            if e > w1 or low[e : e + 1] == "-":
                return None
            head = [low[w0 + 1 if low[w0] == "-" else w0 : e]]
        j = bisect.bisect_left(starts, w1)
        if j and ends[j - 1] > w1:
            # The slice ends inside a word and reads its beginning, without a trailing hyphen.
            part = low[starts[j - 1] : w1]
            return head + tokens[i : j - 1] + [part[:-1] if part.endswith("-") else part]
        return head + tokens[i:j]


class SentencePiece:
    """A claim's sentence cut out of its text, with the days of the text's title: all that the
    fields Claim computes on first read need (see claim._lazy_fields), so that a claim can be
    stored without them and without the whole text. Every read of those fields stays inside
    the sentence, so its _Sentence over the piece alone gives them as over the whole text."""

    __slots__ = ("_sentence", "text", "title_dates")

    def __init__(self, text: str, title_dates: frozenset[tuple[int | None, int]]) -> None:
        self.text = text
        self.title_dates = title_dates
        self._sentence: _Sentence | None = None

    def sentence(self) -> _Sentence:
        """The _Sentence over the piece (made once; its offsets count from the piece's start)."""
        if self._sentence is None:
            info = _Sentence(self.text, 0, len(self.text), self.text, None)
            info.title_dates = self.title_dates
            self._sentence = info
        return self._sentence

    def __getstate__(self) -> tuple[str, frozenset[tuple[int | None, int]]]:
        return self.text, self.title_dates

    def __setstate__(self, state: tuple[str, frozenset[tuple[int | None, int]]]) -> None:
        self.text, self.title_dates = state
        self._sentence = None
