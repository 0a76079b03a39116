"""Numeric claims in Vietnamese news text: raw text -> list of :class:`Claim`.

A claim is a number as the article states it: its value (vi-VN digits or spelled-out words,
scale word applied), the interval its wording allows (qualifier + written precision), the unit
or counted noun, the predicate it goes with, and the sentence it sits in.  The rules follow
``docs/numbers.md`` §1–§3:

* digits: ``1.525`` = 1525 (dot + exactly 3 digits is a thousands separator), ``88,48`` = 88.48
  and ``254,130`` = 254.13 (a comma is always the decimal mark in vi-VN), ``1.312,76``;
  ``\\d+\\.\\d{1,2}`` is a date, a version or an English decimal and is never a claim;
* scale words ``nghìn/ngàn``, ``vạn``, ``triệu``, ``tỷ/tỉ``, ``nghìn tỷ``;
* spelled-out numbers only before a counted noun, classifier or unit (``hai binh sĩ``);
* vague quantities ``hàng chục/trăm/nghìn…``, ``vài``;
* ranges ``25-30 người``, ``từ 400 đến 900``;
* qualifiers in front (``hơn``, ``gần``, ``khoảng``…) map to an interval (see ``reconcile``);
* dates, times, years, scores, ranks, names with numbers, ids and page furniture are dropped.

Input is expected in NFC (the pipeline NFC-normalises on input).  Other input is handled:
matching runs on an NFC copy and offsets are mapped back, so ``text[start:end]`` always holds.
"""

from __future__ import annotations

from dedup.claims.claim import Claim
from dedup.claims.dates import dates_disagree, dates_in, days_in
from dedup.claims.lexicon import CLASSIFIERS, QUALIFIERS, SCALES, SYNONYMS, UNITS
from dedup.claims.numbers import (
    R_MAX,
    format_vi,
    granularity,
    interval,
    parse_spelled,
    parse_vi_number,
    stated_interval,
)
from dedup.claims.readers import claim_text, extract_claims, title_prefix

__all__ = [
    "CLASSIFIERS",
    "QUALIFIERS",
    "R_MAX",
    "SCALES",
    "SYNONYMS",
    "UNITS",
    "Claim",
    "claim_text",
    "dates_disagree",
    "dates_in",
    "days_in",
    "extract_claims",
    "format_vi",
    "granularity",
    "interval",
    "parse_spelled",
    "parse_vi_number",
    "stated_interval",
    "title_prefix",
]
