"""The claim readers: the scan of a text for figures; the digit, vague and spelled readers, which
turn a hit into the parts of a claim or reject it (dates, times, years, scores, ranks, names, ids
and page furniture; ``docs/numbers.md`` §1); and the assembly of a Claim."""

from __future__ import annotations

import bisect
import re
import unicodedata
import warnings
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from dedup.claims.claim import Claim
from dedup.claims.dates import dates_in
from dedup.claims.lexicon import (
    _MONEY,
    _NOT_AFTER_HANG,
    _NP_STOP,
    _ONE_OK,
    _SCALE_LABEL,
    _VAGUE,
    QUALIFIERS,
    SCALES,
    UNITS,
)
from dedup.claims.numbers import _figure, _parse_number, interval, parse_spelled
from dedup.claims.patterns import _in_bmp
from dedup.claims.scanner import (
    _COMPOUND_RE,
    _NOT_FOLDED,
    _RANGE_RE,
    _SCALE_LOW_RE,
    _SCALE_RE,
    _SCAN_BMP_RE,
    _SCAN_RE,
    _SCAN_SPACED_KINDS,
    _SCAN_SPACED_RE,
    _SPELLED_NOUN_LOW_RE,
    _SPELLED_NOUN_RE,
    _UNIT_LOW_RE,
    _UNIT_RE,
    _after_patterns,
    _not_claim_before,
)
from dedup.claims.sentences import (
    _WORD_RE,
    _at_sentence_start,
    _canonical_head,
    _is_capitalised,
    _noun_phrase,
    _noun_predicate,
    _predicate,
    _predicate_before,
    _prev_word,
    _Sentence,
    _sentences,
)

if TYPE_CHECKING:
    from dedup.models import Article


def claim_text(article: Article, text: str | None = None) -> str:
    """The raw text claims are read from: the title (headline figures count) and the body.

    `text` is the article's body where the article does not carry it (read into a spool).
    """
    body = article.text if text is None else text
    return article.title + "\n" + body if title_prefix(article, body) else body


def title_prefix(article: Article, text: str | None = None) -> int:
    """How many characters :func:`claim_text` puts before the article's text: the title and its
    line break, or none. A claim starting before it was read in the title."""
    body = article.text if text is None else text
    if not article.title or body.lstrip().startswith(article.title):
        return 0
    return len(article.title) + 1


def extract_claims(text: str) -> list[Claim]:
    """Extract numeric claims from raw text, ordered by start offset.

    Never raises: a fault of the reader in one text must not stop a run of thousands. The text
    then has no claims, and a RuntimeWarning says which text and what went wrong."""
    try:
        return _extract(text)
    except Exception as err:
        head = " ".join(str(text)[:60].split())
        warnings.warn(f"no claims read from the text starting {head!r}: {err!r}", RuntimeWarning, stacklevel=2)
        return []


def _extract(text: str) -> list[Claim]:
    """Implementation of :func:`extract_claims` (may raise on a bug; the wrapper catches)."""
    if not isinstance(text, str) or not text:
        return []
    offs: list[int] | None = None
    raw = text
    if not unicodedata.is_normalized("NFC", text):
        text, offs = _nfc_map(text)
    starts, ends = _sentences(text)
    claims: list[Claim] = []
    n = len(text)
    consumed_until = -1
    sent_cache: dict[int, _Sentence] = {}
    title_dates: frozenset[tuple[int | None, int]] | None = None  # read with the first claim's sentence
    low = text.lower()
    # The lower-cased text when the fast paths apply to it, else None: the plain twins of the
    # case-insensitive patterns match on it what those match on text (see _FOLD_UNSAFE), and its
    # slices are the slices of text lower-cased (every character maps to one character and none
    # depends on its neighbours, as "Σ" does).
    folded = low if len(low) == len(text) and not any(ch in text for ch in _NOT_FOLDED) else None
    if folded is None:
        scan, shift, kinds = _SCAN_RE.finditer(text), 0, None
    else:
        # Matches end one character late and tell their kind by the number of their last group.
        scan_re = _SCAN_BMP_RE if _in_bmp(folded) else _SCAN_SPACED_RE
        scan, shift, kinds = scan_re.finditer(" " + folded), 1, _SCAN_SPACED_KINDS
    # Sentence i runs from starts[i] to ends[i] == starts[i + 1]; hits come in text order, so the
    # sentence of the last hit is looked up again only when a hit lies past its end.
    s0 = s1 = 0
    bisect_right = bisect.bisect_right
    for m in scan:
        start = m.start()
        if start < consumed_until:
            continue
        end = m.end() - shift
        kind = m.lastgroup if kinds is None else kinds[m.lastindex]
        if start >= s1:
            si = bisect_right(starts, start) - 1
            s0, s1 = (starts[si], ends[si]) if si >= 0 else (0, n)
        if kind == "num":
            r = _digit_claim(text, start, end, s0, s1, folded)
        elif kind == "vague":
            r = _vague_claim(text, start, end, s0, s1, folded)
        elif end - start == 5 and text[start:end].lower() == "không":
            continue  # a lone "không" ("not"): _spelled_claim drops it (the commonest candidate)
        elif (
            folded is not None
            and _SPELLED_NOUN_LOW_RE.match(folded, end) is None
            and (end - start == 3 or folded[max(0, end - 3) : end] != "năm")
        ):
            continue  # the first test of _spelled_claim: nothing counted follows the run
        else:
            r = _spelled_claim(text, start, end, s0, s1, folded)
        if r is None:
            continue
        consumed_until = r[1]
        info = sent_cache.get(s0)
        if info is None:
            info = sent_cache[s0] = _Sentence(text, s0, s1, raw, offs, folded)
            if title_dates is None:
                nl = text.find("\n")
                title_dates = dates_in(text[: nl if nl >= 0 else len(text)])
            info.title_dates = title_dates
        claims.append(_make(text, s0, info, raw, offs, folded, r))
    claims.sort(key=_START_END)
    return claims


_START_END = attrgetter("start", "end")


def _nfc_map(text: str) -> tuple[str, list[int]]:
    """NFC copy of text plus, for each NFC char index, the offset in the original text."""
    out: list[str] = []
    offs: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        seg = unicodedata.normalize("NFC", text[i:j])
        out.append(seg)
        offs.extend([i] * len(seg))
        i = j
    offs.append(n)
    return "".join(out), offs


class _Parts(NamedTuple):
    """What a claim reader found; _make turns it into a Claim."""

    start: int
    end: int
    value: float
    low: float | None
    high: float | None
    qualifier: str | None
    unit: str | None
    noun: str | None
    qclass: str
    granularity: float
    precise: bool
    kind: str
    tail: str
    scale_word: str | None


_QUAL_ALT = "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))
# One or two stacked qualifiers right before the number ("lên đến khoảng 10 tỉ").
_QUAL_RE = re.compile(r"(?<!\w)((?:(?:" + _QUAL_ALT + r")\s+){1,2})$")
_QUAL_TUPLE = tuple(QUALIFIERS)
_QUAL_ONE_RE = re.compile(r"(?<!\w)(" + _QUAL_ALT + r")(?!\w)")


_FURNITURE_RE = re.compile(r"(?:file|đính kèm|tập tin|lượt xem|views?|bình luận)", re.IGNORECASE)


# Small patterns of the claim builders, compiled once.
_DO_NOUN_END_RE = re.compile(r"(?<!\w)(?:cường|nhiệt|tốc|mật|nồng|trình|góc|cao|sâu|chế|mức|tiến|thái)\s*$")
_DIGIT_END_RE = re.compile(r"\d\s*$")
# Verbs after which "trên" is "on": "đi trên 6 ô tô", "chở nhau trên 4 xe máy", "ngồi trên 2 ghế".
_ON_VERB_END_RE = re.compile(r"(?<!\w)(?:đi|chở|chở nhau|ngồi|lái|đứng|nằm|cưỡi|đặt|treo|in|ghi|đăng|có mặt)\s*$")
_FROM_X_END_RE = re.compile(r"(?<!\w)từ\s+\S+(?:\s+\S+)?\s*$")
_EMPH_VERB_END_RE = re.compile(r"(?<!\w)(?:có|lên|đạt|là|con số)\s*$")
# Right after a digit token: an hour glued to it (19h, 19h02) or a day-month-year (7-7-2005,
# 06-05-2022) make it no claim, and so does a letter (1A, 3G, 4K, 2x) unless a unit starts there.
# One match tells which: "reject" is tried first, so where both could match ("19h "), it wins.
_AFTER_DIGITS_RE = re.compile(
    r"(?P<reject>h\d{0,2}(?!\w)|[hH]\d|\s*[-–]\s*\d{1,2}\s*[-–/]\s*\d{2,4}(?!\d))|(?P<letter>[^\W\d_])"
)
_DASH_END_RE = re.compile(r"\d\s*[-–]\s*$")
_RANK_END_RE = re.compile(r"\d\s*(?:trên|/)\s*$")
# The denominator of a rate written with spaces: "8,6 lít/ 100km", "7,8 lít / 100km" (glued,
# "lít/100km", the scanner never starts a figure there): a unit, a slash and a power of ten. Other
# figures after a slash are a second figure ("150 mã lực/ 8.000 vòng/phút": the engine speed).
_RATE_BASES = frozenset({1.0, 10.0, 100.0, 1000.0})
_RATE_END_RE = re.compile(r"[^\W\d_]\s*/\s*$")
_TIME_FRAME_END_RE = re.compile(r"(?<!\w)(?:năm|tháng|ngày)\s+(?:qua|nay|tới)\s*$")
_FROM_END_RE = re.compile(r"(?<!\w)từ\s*$")
_DASH_DIGIT_RE = re.compile(r"\s*[-–]\s*\d")
_YEAR_TOKEN_RE = re.compile(r"(?:19|20)\d\d")
# A position, not a quantity: "20,3 độ Vĩ Bắc; 112,5 độ Kinh Đông" (a storm's centre).
_COORDINATE_AFTER_RE = re.compile(r"\s*độ\s+(?:vĩ|kinh)(?!\w)", re.IGNORECASE)
# "đường 1 chiều", "cầu vượt 2 chiều", "không gian 3 chiều": a direction or a dimension, not a count
# ("chiều dài", "chiều cao" ... name what a following figure measures).
_DIRECTION_AFTER_RE = re.compile(r"\s*chiều(?!\s+(?:dài|rộng|cao|sâu|ngang|dọc)(?!\w))(?!\w)", re.IGNORECASE)
_HOUR_AFTER_RE = re.compile(r"\s*giờ(?:\s*\d|\s+(?:ngày|sáng|trưa|chiều|tối|đêm|hôm)(?!\w))")
# An hour said at, from or until: "lúc 9 giờ", "vào khoảng 18 giờ", "Đến khoảng 18 giờ" (not "lên
# đến 18 giờ" or "kéo dài đến 18 giờ", spans of time).
_CLOCK_BEFORE_RE = re.compile(r"(?<!\w)(?<!lên )(?<!dài )(?:lúc|vào|đến|từ)\s+(?:khoảng\s+)?$")
# The minutes of a clock time or duration whose hour was passed over: "lúc 8 giờ 30 phút".
_HOUR_BEFORE_RE = re.compile(r"\d\s*giờ\s*$")
_CA_END_RE = re.compile(r"(?<!\w)cả\s*$")
_MINUS_BEFORE_RE = re.compile(r"(?<!\w)âm $", re.IGNORECASE)
# A bound written after the counted noun: "từ 60 tuổi trở lên" is [60, ∞), "5 ha trở xuống" (−∞, 5].
_BOUND_AFTER_RE = re.compile(r"\s*trở\s+(lên|xuống)(?!\w)", re.IGNORECASE)


def _qualifier(text: str, pos: int, s0: int, folded: str | None = None) -> tuple[str | None, str, int]:
    """Qualifier words right before pos: (surface lower-cased, interval class, start offset;
    folded: text lower-cased or None, see _extract)."""
    lo = max(s0, pos - 40)
    lowered = text[lo:pos].lower() if folded is None else folded[lo:pos]
    # A match ends with a whole qualifier followed by spaces only: reject the rest without a search.
    if not lowered.rstrip().endswith(_QUAL_TUPLE):
        return None, "eq", pos
    m = _QUAL_RE.search(lowered)
    if not m:
        return None, "eq", pos
    surface = " ".join(m.group(1).split())
    qstart = lo + m.start(1)
    parts = [q.group(1) for q in _QUAL_ONE_RE.finditer(surface)]
    # With stacked qualifiers the one nearest the number bounds it ("lên đến khoảng" = khoảng).
    cls = QUALIFIERS.get(parts[-1], "eq") if parts else "eq"
    lead = text[max(s0, qstart - 25) : qstart].lower()
    if parts and parts[0] == "độ" and _DO_NOUN_END_RE.search(lead):
        return None, "eq", pos  # "cường độ 6,3", "nhiệt độ 30": độ is part of a noun here
    if cls == "gt" and parts[-1] == "trên" and (_DIGIT_END_RE.search(lead) or _ON_VERB_END_RE.search(lead)):
        return None, "eq", pos  # "138 trên 183": trên = "out of"; "đi trên 4 xe máy": trên = "on"
    if cls == "emph" and parts[-1] in ("đến", "tới") and _FROM_X_END_RE.search(lead):
        return None, "eq", pos  # second half of "từ A đến B"
    # Bare đến/tới is a preposition far more often than emphasis ("liên quan tới 5 người").
    bare_to = cls == "emph" and parts[-1] in ("đến", "tới") and len(parts) == 1
    if bare_to and not _EMPH_VERB_END_RE.search(lead):
        return None, "eq", pos
    return surface, cls, qstart


_ONE_OF_RE = re.compile(r"(?:^|\s)(?:một|1)\s+trong\s$")
_DIMENSION_AFTER_RE = re.compile(r" ?[x×X] ?\d")
_DIMENSION_BEFORE_RE = re.compile(r"\d ?[x×X] ?$")


# Counted words a following "rưỡi" halves: spans of time said without a unit ("1 tiếng rưỡi").
_HALF_NOUNS = frozenset({"tiếng", "ngày", "tuần", "tháng", "năm"})


def _digit_claim(text: str, start: int, end: int, s0: int, s1: int, folded: str | None) -> _Parts | None:
    """Claim parts of the digit token text[start:end], or None when it is a date, time, code or rank
    (folded: see :func:`_after_patterns`)."""
    if folded is None:
        subject, scale_re, unit_re = text, _SCALE_RE, _UNIT_RE
    else:
        subject, scale_re, unit_re = folded, _SCALE_LOW_RE, _UNIT_LOW_RE
    tok = text[start:end]
    nxt = text[end : end + 12]
    c, c2 = nxt[:1], nxt[1:2]
    # Glued to letters/digits on the left is caught by the scanner look-behind (A320, U23, =792).
    # Dates/times: d/m, d/m/y, hh:mm, d-m-y.
    if c in ("/", ":") and c2.isdigit():
        return None
    # Dimensions, "2560×1440", "1.920 x 1.080": one value of two figures, neither a claim alone.
    if _DIMENSION_AFTER_RE.match(nxt) or _DIMENSION_BEFORE_RE.search(text, max(s0, start - 4), start):
        return None
    # Most figures are followed by a space and a word ("5 người"): no hour, date, code or dash
    # pattern below can start there.
    word_next = c == " " and c2.isalpha()
    after = None if word_next else _AFTER_DIGITS_RE.match(nxt)
    if after and (after.lastgroup == "reject" or not unit_re.match(subject, end, end + 12)):  # a unit in nxt
        return None  # 19h, 19h02, 7-7-2005 or 1A, 3G, 4K, 2x
    parsed = _parse_number(tok)
    if parsed is None:
        return None  # 22.10, 4.0, 22.10.2013, 66C1-054.53 tail, …
    value, g_digits = parsed
    if "." not in tok and "," not in tok:
        if len(tok) >= 9:
            return None  # phone numbers, ids, long codes
        if tok.startswith("0") and len(tok) > 1 and len(tok) != 2:
            return None
    lo = max(s0, start - 30)
    lb = text[lo:start].lower() if folded is None else folded[lo:start]
    if lb.endswith(" trong ") and _ONE_OF_RE.search(lb):
        return None  # "một trong 7 anh em": one of them does what the sentence says, not seven
    # A number right after a capitalised word inside a sentence is a name: Nghị quyết 35, Lumia
    # 1520, SEA Games 27, Schalke 04 (numbers.md §1.5).
    pw, pws = _prev_word(text, start)
    # ... unless a unit or scale follows: "trả cho Victoria 8000 euro", "Hoa Liên 53 km".
    if (
        pw
        and pw[0].isupper()
        and not _at_sentence_start(text, pws, s0)
        and pw.lower() not in QUALIFIERS
        and not (scale_re.match(subject, end) or _unit_after(subject, end, unit_re))
    ):
        return None
    # The three patterns end in a dash, "trên" or "/" and spaces: test that before searching.
    if lb.rstrip().endswith(("-", "–", "trên", "/")) and (
        _DASH_END_RE.search(lb)  # second half of a date or score whose first half was rejected ("23 - 10")
        or _RANK_END_RE.search(lb)  # denominator of a rank: "vị trí 149 trên 189 quốc gia"
        or (value in _RATE_BASES and _RATE_END_RE.search(lb))  # base of a rate: "8,6 lít/ 100km"
    ):
        return None
    if pw and "-" in pw and not pw.endswith("-"):
        return None
    if lb.endswith(("giờ", "giờ ")) and _HOUR_BEFORE_RE.search(lb):
        return None
    if _not_claim_before(lb) and not _TIME_FRAME_END_RE.search(lb):
        # "năm 2013", "ngày 6", "phút 27", "hạng 138", "lần thứ 11"…  But "tháng" + unit is a
        # duration only when the number comes first, so these words before the number exclude it.
        return None
    end_main = end
    # Range second half.
    # (After a space and a word, only "đến" or "tới" can start one.)
    rng = _RANGE_RE.match(text, end) if not word_next or c2 in "đĐtT" else None
    v2 = None
    if rng:
        t2 = rng.group("n2") or rng.group("n3")
        p2 = _parse_number(t2)
        if p2 and p2[0] > value and (rng.group("n3") is None or _FROM_END_RE.search(lb)):
            after2 = text[rng.end() : rng.end() + 25]
            nw = _WORD_RE.match(after2.lstrip())
            lower_noun = bool(nw) and nw.group().islower() and nw.group() not in _NP_STOP
            after2_end = rng.end() + 25  # the patterns see no further than after2
            if (
                scale_re.match(subject, rng.end(), after2_end)
                or unit_re.match(subject, rng.end(), after2_end)
                or lower_noun
            ):
                v2 = p2[0]
                end_main = rng.end()
        elif (
            rng.group("n2")
            and not scale_re.match(subject, rng.end())
            and not unit_re.match(subject, rng.end())
            and p2
            and p2[0] <= 31
            and value <= 31
        ):
            return None  # "3-1", "23 - 10": a score or a date, not a quantity
    # Scores and dates with a hyphen but no noun.
    if v2 is None and ("-" in nxt or "–" in nxt) and _DASH_DIGIT_RE.match(nxt):
        return None
    scale = 1.0
    scale_word = None
    sm = scale_re.match(subject, end_main)
    # The rest of a compound amount: "2 triệu 500 nghìn đồng" (2.500.000), "3 triệu rưỡi".
    rest: tuple[str, float] | None = None
    if sm:
        scale_word = sm.group("scale").lower()
        scale = SCALES[scale_word]
        end_main = sm.end()
        cm = _COMPOUND_RE.match(subject, end_main) if v2 is None and "," not in tok else None
        if cm:
            # "rưỡi" is 5 of the next order down; a part must be less than one of the scale ("2 tỷ 3 tỷ").
            part = ("5", scale / 10) if cm.group("half") else (cm.group("n"), SCALES[cm.group("scale").lower()])
            if int(part[0]) * part[1] < scale:
                rest, end_main = part, cm.end()
    # Clock times: "3 giờ 30", "7 giờ sáng", "Đến 7 giờ ngày 12/6" (giờ is a unit of durations).
    head = text[end_main : end_main + 6].lower()
    if (
        ("giờ" in head and (_HOUR_AFTER_RE.match(text, end_main, end_main + 14) or _CLOCK_BEFORE_RE.search(lb)))
        or ("độ" in head and _COORDINATE_AFTER_RE.match(text, end_main))
        or ("chiều" in text[end_main : end_main + 12].lower() and _DIRECTION_AFTER_RE.match(text, end_main))
    ):
        return None
    unit = None
    half = False
    um = unit_re.match(subject, end_main)
    if um:
        u = um.group("unit").lower()
        half = "rưỡi" in u  # "3 năm rưỡi tù"
        # "m" is metres glued to its figure ("5m"); after a space it is mostly a word's first letter.
        if not (u == "m" and text[end_main : end_main + 1] == " "):
            unit = UNITS[u]
            if um.group("rate") and unit in _MONEY | {"lượng"}:
                unit = unit + um.group("rate").lower()
            end_main = um.end()
    # Years: 4 digits 1900–2100, not followed by a unit or counted noun.
    year_like = not scale_word and unit is None and len(tok) == 4 and _YEAR_TOKEN_RE.fullmatch(tok)
    if year_like and not _SPELLED_NOUN_RE.match(text, end_main):
        return None
    if unit in ("mb", "kb", "gb") and _FURNITURE_RE.search(text[s0:s1]):
        return None  # "Gửi file đính kèm không quá 10MB": page furniture
    noun, np_end, tail = _noun_phrase(text, end_main, s1, folded)
    # "rưỡi" (and a half) after the unit or the counted word: "2 tuổi rưỡi" is 2,5 tuổi, "1 tiếng
    # rưỡi" 1,5 tiếng (after a scale word it is a part of the compound above: "3 triệu rưỡi").
    if noun and scale_word is None and v2 is None and not half:
        words = noun.split()
        at = 0 if unit else 1
        if len(words) > at and words[at] == "rưỡi" and (unit or words[0] in _HALF_NOUNS):
            half = True
            noun = " ".join(words[:at] + words[at + 1 :]) or None
    if unit is None and noun is None:
        return None  # a bare figure ("Ban Chỉ đạo 35", "thay vì 183 như…") can never be aligned
    if unit is None and len(tok) == 4 and noun and tok.isdigit() and noun.split()[0] in ("năm", "tháng"):
        return None
    qual, qcls, qstart = _qualifier(text, start, s0, folded)
    bound = _BOUND_AFTER_RE.match(text, np_end) if v2 is None and "trở" in tail[:8] else None
    if bound:
        qual, qcls, qstart = "trở " + bound.group(1).lower(), ("ge" if bound.group(1).lower() == "lên" else "le"), start
        np_end = bound.end()
    full_value, g, whole, ends_in_zero = _figure(tok, scale)
    if half:
        full_value, g = full_value + 0.5, 0.1  # as "2,5 tuổi" is written
    if rest is not None:  # written to the precision of its last part
        rest_value, g, _, ends_in_zero = _figure(*rest)
        full_value += rest_value
    v2_full = float(Decimal(repr(v2)) * Decimal(int(scale))) if v2 is not None else None
    precise = g_digits == 1.0 and whole and scale == 1.0 and not ends_in_zero
    if unit == "%" and value == 100 and whole:
        precise = True  # 100% is a whole, not a rounding (numbers.md §2)
    if unit in ("năm tù", "tháng tù") and whole:
        precise = True  # a sentence is pronounced as a whole term: "30 tháng tù" is no "about 30"
    if full_value == 0:
        precise = True  # "0" itself; "0,5 tỷ" and "0,42%" are written to a precision like any figure
    if not precise and value < 100 and scale == 1.0 and whole and ((unit is None and noun) or unit == "tuổi"):
        # Small round counts of things ("10 người", "20 đội") are counts, not roundings, and an
        # age is said whole: "40 tuổi" against "41 tuổi" of one person is a contradiction.
        precise = True
    if v2_full is not None:
        low, high = full_value, v2_full
        qcls = "range"
        qual = (qual + " " if qual else "") + ("từ…đến" if rng and rng.group("n3") else "-")
        qual = qual.strip()
    else:
        low, high = interval(full_value, g, qcls, precise, unit)
    if unit == "lần" and qual and qual.split()[0] == "vượt":
        qual, qcls = None, "eq"  # "vượt 30,67 lần quy chuẩn": vượt is the verb, the figure is stated
        low, high = interval(full_value, g, qcls, precise, unit)
    kind = "percent" if unit == "%" else ("amount" if unit else "count")
    if v2_full is not None:
        kind = "range"
    snippet_start = qstart if qual and v2_full is None else (qstart if qual and qstart < start else start)
    minus = _MINUS_BEFORE_RE.search(text, max(s0, start - 6), start) if text[start - 2 : start] == "m " else None
    if minus:  # "âm 3 độ C": minus three
        full_value, low, high = -full_value, (None if high is None else -high), (None if low is None else -low)
        snippet_start = min(snippet_start, minus.start())
    return _Parts(
        start=snippet_start,
        end=max(np_end, end_main),
        value=full_value,
        low=low,
        high=high,
        qualifier=qual.lower() if qual else None,
        unit=unit,
        noun=noun,
        qclass=qcls,
        granularity=g,
        precise=precise,
        kind=kind,
        tail=tail,
        scale_word=scale_word,
    )


def _unit_after(text: str, pos: int, unit_re: re.Pattern[str] = _UNIT_RE) -> bool:
    """True when a real unit (not a bare 'm'/'đ' before a word) follows pos (unit_re: _UNIT_RE, or
    its twin when text is lower-cased)."""
    um = unit_re.match(text, pos)
    return bool(um) and not (um.group("unit").lower() in ("m", "đ") and text[pos : pos + 1] == " ")


def _make(
    text: str, s0: int, info: _Sentence, raw: str, offs: list[int] | None, folded: str | None, parts: _Parts
) -> Claim:
    """Assemble a Claim from what a reader found in sentence `info` (parts) with derived fields
    (head, quantity label, predicate; folded: text lower-cased or None, see _extract)."""
    a, b, value, low, high, qual, unit, noun, qcls, g, precise, kind, tail, scale_word = parts
    head = _canonical_head(noun)
    # The quantity label: scale word (not for percentages), unit and noun, those there are.
    if unit:
        quantity = unit if not scale_word or unit == "%" else _SCALE_LABEL.get(scale_word, scale_word) + " " + unit
        if noun:
            quantity += " " + noun
    else:
        quantity = noun or "số"
    lo = max(s0, a - 30)
    pred = _predicate(tail) or _predicate_before(text[lo:a].lower() if folded is None else folded[lo:a])
    if noun and pred is None:
        pred = _noun_predicate(noun)
    if offs is None:
        snippet, ca, cb = text[a:b], a, b
    else:
        ca, cb = offs[a], offs[b]
        snippet = raw[ca:cb]
    # Claim(value=value, …) without the frozen-dataclass __init__, which sets the fields one
    # object.__setattr__ at a time: the same instance state, built ~10x faster, less the fields
    # of _LAZY_FIELDS, which Claim.__getattr__ computes from `_lazy` when first read.
    # tests/test_claims.py checks it against Claim(...).
    c = object.__new__(Claim)
    c.__dict__.update(
        value=value,
        low=low,
        high=high,
        qualifier=qual,
        unit=unit,
        noun=noun,
        quantity=quantity,
        text=snippet,
        start=ca,
        end=cb,
        sentence=info.sentence,
        qclass=qcls,
        granularity=g,
        precise=precise,
        predicate=pred,
        kind=kind,
        head=head,
        tail=tail.strip(),
        sentence_start=info.start,
        _lazy=(info, a, b),
    )
    return c


def _vague_claim(text: str, start: int, end: int, s0: int, s1: int, folded: str | None) -> _Parts | None:
    """'hàng trăm ngôi nhà', 'vài chục người': a vague quantity before a noun or unit (folded: see
    :func:`_after_patterns`)."""
    subject, scale_re, unit_re = _after_patterns(text, folded)
    key = " ".join(text[start:end].lower().split())
    value, low, high = _VAGUE[key]
    e = end
    nxt = scale_re.match(subject, end)
    if nxt:
        # "vài trăm triệu đồng", "hàng chục tỷ đồng": the scale word multiplies the range ("hàng
        # trăm triệu" and the like are in the table, read whole by the scanner).
        scale = SCALES[nxt.group("scale").lower()]
        value, low, high, e = value * scale, low * scale, high * scale, nxt.end()
    um = unit_re.match(subject, e)
    unit = None
    if um and um.group("unit").lower() not in ("m", "đ"):
        unit = UNITS[um.group("unit").lower()]
        e = um.end()
    noun, np_end, tail = _noun_phrase(text, e, s1, folded)
    if not noun and not unit:
        return None
    # hàng năm = annually, hàng không = aviation, hàng hóa = goods, hàng ngày/giờ/tuần = daily...
    if key.startswith("hàng") and noun and noun.split()[0] in _NOT_AFTER_HANG:
        return None
    kind = "vague"
    return _Parts(
        start=start,
        end=max(np_end, e),
        value=value,
        low=low,
        high=high,
        qualifier=key,
        unit=unit,
        noun=noun,
        qclass="vague",
        granularity=value,
        precise=False,
        kind=kind,
        tail=tail,
        scale_word=None,
    )


_SPELLED_NOT_AFTER_RE = re.compile(
    r"(?<!\w)(?:thứ|tháng|ngày|hàng|mỗi|số|lần|cả|những|các|trong|đầu|cuối|giữa|sau|trước)\s*$"
)


def _spelled_noun(text: str, folded: str | None, pos: int) -> str | None:
    """The counted noun, classifier or unit (with the spaces before it) right after pos, as written
    (folded: the lower-cased text when the fast patterns apply to it, else None)."""
    m = _SPELLED_NOUN_RE.match(text, pos) if folded is None else _SPELLED_NOUN_LOW_RE.match(folded, pos)
    return text[pos : m.end()] if m else None


def _spelled_claim(text: str, start: int, end: int, s0: int, s1: int, folded: str | None) -> _Parts | None:
    """A spelled-out number before a counted noun, classifier or unit ('hai binh sĩ'); folded: see
    :func:`_spelled_noun`."""
    counted = _spelled_noun(text, folded, end)
    if counted is None and (end - start == 3 or text[max(0, end - 3) : end].lower() != "năm"):
        return None  # nothing counted follows, and the run is not two or more words ending in "năm" (below)
    raw_words = text[start:end].split()
    words = [w.lower() for w in raw_words]
    # Leading "không" is "not"/"zero" and never starts a count in news text.
    while words and words[0] == "không":
        start = text.index(raw_words[0], start) + len(raw_words[0])
        start += len(text[start:end]) - len(text[start:end].lstrip())
        raw_words.pop(0)
        words.pop(0)
    if not words or all(w in SCALES for w in words):
        # A scale word alone is no number: "tỷ đồng" after a figure passed over ("Quyết định 50 tỷ
        # đồng" ...), "nhiều tỷ đồng" (many billions).
        return None
    if counted is None and len(words) >= 2 and words[-1] == "năm":
        # The last word is the counted noun itself: "hai năm" = 2 years, not 2 + 5.
        end = text.rindex(raw_words[-1], start, end)
        end = len(text[:end].rstrip())
        raw_words.pop()
        words.pop()
        counted = _spelled_noun(text, folded, end)
    if counted is None:
        return None
    # The cheap tests on the word and the next word first (every test here only rejects).
    next_word = counted.strip()
    if words == ["năm"] and next_word.lower().split()[0] in ("tháng", "năm", "học", "nay", "qua", "ngoái"):
        return None
    if words == ["năm"] and _DIGIT_END_RE.search(text, max(s0, start - 12), start):
        return None  # "250 năm tuổi": the year word of a figure passed over, not a 5
    if words == ["một"] and next_word.lower().split()[0] not in _ONE_OK:
        return None  # "một" is mostly the indefinite article ("một cách", "một số")
    value = parse_spelled(words)
    if value is None:
        return None
    first = raw_words[0]
    lb = text[max(s0, start - 15) : start].lower()
    # Ordinals, weekdays, months, "hàng năm", "mỗi năm": thứ hai, tháng Năm, ngày mốt.  After
    # "cả" only a count above one is kept ("cả hai tên lửa"; "cả một" is "a whole").
    if _SPELLED_NOT_AFTER_RE.search(lb) and not (_CA_END_RE.search(lb) and value > 1):
        return None
    # Capitalised number word followed by a capitalised word is a name: Hai Bà Trưng, Ba Vì; at
    # the start of a sentence the number word is capitalised anyway ("Hai Binh Sĩ bị thương").
    if _is_capitalised(first) and _is_capitalised(next_word) and not _at_sentence_start(text, start, s0):
        return None
    scale_word = None
    e = end
    subject, scale_re, unit_re = _after_patterns(text, folded)
    sm = scale_re.match(subject, e)
    if sm and words[-1] not in SCALES:
        scale_word = sm.group("scale").lower()
        value *= SCALES[scale_word]
        e = sm.end()
    unit = None
    um = unit_re.match(subject, e)
    if um and um.group("unit").lower() not in ("m", "đ", "%"):
        unit = UNITS[um.group("unit").lower()]
        e = um.end()
    noun, np_end, tail = _noun_phrase(text, e, s1, folded)
    if not noun and not unit:
        return None
    qual, qcls, qstart = _qualifier(text, start, s0, folded)
    g = 1.0
    low, high = interval(value, g, qcls, True, unit)
    kind = "amount" if unit else "count"
    return _Parts(
        start=qstart if qual else start,
        end=max(np_end, e),
        value=value,
        low=low,
        high=high,
        qualifier=qual,
        unit=unit,
        noun=noun,
        qclass=qcls,
        granularity=g,
        precise=True,
        kind=kind,
        tail=tail,
        scale_word=scale_word,
    )
