"""Days and months a text names (``docs/numbers.md`` §1.5): what a figure is dated by, and whether
the dates of two figures disagree."""

from __future__ import annotations

import re
from itertools import pairwise

# Day-month dates (numbers.md §1.5): "12/6", "12/6/2017", "12-6" or "1.6" after a word of time
# ("ngày 12-6", "hôm nay 1.6", "phiên 5.7"); "tháng 6" names a month.  A slash after "chiếm" or
# before "số", "tổng", "dân", "diện" is a fraction ("chiếm 1/3 số hộ"); 13/20 is no date.
# The look-behinds follow the day's digits, so that the engine can jump from digit to digit.
_DATE_SLASH_RE = re.compile(
    r"(\d(?<![\d.,/:]\d)|\d\d(?<![\d.,/:]\d\d))/(\d{1,2})(?!\d|[,.]\d)(?:/\d{2,4})?(?! (?:số|tổng|dân|diện))"
)
# The same dates found from their digits (the engine jumps to digits), the word checked before.
_DAY_MONTH_DIGITS_RE = re.compile(r"(\d{1,2})(?<!\d\d\d)\s*[-.]\s*(\d{1,2})(?!\d|[,.]\d)")
_DATE_WORD_END_RE = re.compile(
    r"(?<!\w)(?:ngày|hôm nay|hôm qua|hôm|nay|sáng|trưa|chiều|tối|đêm|phiên)\s*\(?$", re.IGNORECASE
)
_MONTH_RE = re.compile(r"(?<!\w)tháng\s+(\d{1,2})(?!\d|[.,]\d)", re.IGNORECASE)
_FRACTION_BEFORE_RE = re.compile(r"chiếm\s*$", re.IGNORECASE)
# Days listed before a day-month date: "ngày 9 và 10/2", "từ 9-11/6", "4, 5 và 6/6".
_DAYS_BEFORE_RE = re.compile(r"((?:(?<![\d.,/])\d{1,2}\s*(?:,|và|-|–|đến|tới)\s*)+)$", re.IGNORECASE)
_DAY_LIST_RE = re.compile(r"(\d{1,2})\s*(,|và|-|–|đến|tới)?", re.IGNORECASE)


_DATE_WORDS = ("ngày", "hôm", "nay", "sáng", "trưa", "chiều", "tối", "đêm", "phiên")


def _slash_dates(text: str, out: set[tuple[int | None, int]]) -> None:
    """Add the day-month dates written with a slash ("12/6", "ngày 9 và 10/2") to `out`."""
    for m in _DATE_SLASH_RE.finditer(text):
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12 and not _FRACTION_BEFORE_RE.search(text, max(0, m.start() - 8), m.start()):
            out.add((d, mo))
            listed = _DAYS_BEFORE_RE.search(text, max(0, m.start() - 30), m.start())
            if listed:
                days = [(int(x), sep) for x, sep in _DAY_LIST_RE.findall(listed.group(1))] + [(d, "")]
                for (x, sep), (y, _) in pairwise(days):
                    if 1 <= x <= 31:
                        out.add((x, mo))
                    if sep in ("-", "–", "đến", "tới") and x < y:
                        out.update((z, mo) for z in range(x + 1, y))


def dates_in(text: str, low: str | None = None) -> frozenset[tuple[int | None, int]]:
    """The days and months a text names: (day, month), or (None, month) for "tháng 6" (low: the
    text lower-cased, when at hand)."""
    if "/" not in text and "-" not in text and "." not in text and "háng" not in text:
        return frozenset()
    if low is None:
        low = text.lower()
    out: set[tuple[int | None, int]] = set()
    if "/" in text:
        _slash_dates(text, out)
    dashed = ("-" in text or "." in text) and any(w in low for w in _DATE_WORDS)
    for m in _DAY_MONTH_DIGITS_RE.finditer(text) if dashed else ():
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12 and _DATE_WORD_END_RE.search(text, max(0, m.start() - 12), m.start()):
            out.add((d, mo))
    for m in _MONTH_RE.finditer(text) if "háng" in text else ():
        mo = int(m.group(1))
        if 1 <= mo <= 12:
            out.add((None, mo))
    return frozenset(out)


_DATE_WORDS_AS_WRITTEN = (*_DATE_WORDS, *(w.capitalize() for w in _DATE_WORDS))


def days_in(text: str) -> frozenset[tuple[int, int]]:
    """The days (day, month) dates_in finds in a text, without the months named alone: the same
    days, found at a fraction of the cost in a long text."""
    out: set[tuple[int | None, int]] = set()
    if "/" in text:
        _slash_dates(text, out)
    # A word of time as written or capitalised is nearly always there ("hiện nay"): the text is
    # lower-cased only when neither is.
    dashed = ("-" in text or "." in text) and (
        any(w in text for w in _DATE_WORDS_AS_WRITTEN) or any(w in text.lower() for w in _DATE_WORDS)
    )
    for m in _DAY_MONTH_DIGITS_RE.finditer(text) if dashed else ():
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12 and _DATE_WORD_END_RE.search(text, max(0, m.start() - 12), m.start()):
            out.add((d, mo))
    return frozenset(out)  # type: ignore[arg-type]


def dates_disagree(a: frozenset[tuple[int | None, int]], b: frozenset[tuple[int | None, int]]) -> bool:
    """True when both name dates and none of one fits any of the other: a day fits the same day
    of the same month, a month alone any day of it ("12/6" fits "tháng 6", not "13/6")."""
    if not a or not b:
        return False
    return not any(ma == mb and (da is None or db is None or da == db) for da, ma in a for db, mb in b)
