"""Numbers as vi-VN news writes them (``docs/numbers.md`` §1–§2): digit strings and spelled-out
numbers to values, the granularity of what is written, vi-VN formatting, and the interval a
figure's wording allows."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from dedup.claims.lexicon import _DIGIT_WORDS, SCALES

if TYPE_CHECKING:
    from dedup.claims.claim import Claim


R_MAX = 0.25  # numbers.md §2: cap g at r_max·x for 1–2 significant digits ("khoảng 10" ≠ [0, 20])


def parse_vi_number(s: str) -> tuple[float, float] | None:
    """Parse a vi-VN digit string -> (value, granularity), or None when it is not a VN number."""
    if len(s) > 40:
        return None  # no figure of an article runs this long: a code, a hash, digits run together
    if "." in s:
        groups = s.split(",")
        if len(groups) > 2:
            return None
        int_groups = groups[0].split(".")
        # Dot thousands separator: first group 1–3 digits, every further group exactly 3 digits.
        if not (1 <= len(int_groups[0]) <= 3 and all(len(g) == 3 for g in int_groups[1:])):
            return None
        int_part = "".join(int_groups)
        dec = groups[1] if len(groups) == 2 else ""
        if "." in dec:
            return None  # English decimals after English thousands (1,232.10): not a vi-VN number
    elif "," in s:
        groups = s.split(",")
        if len(groups) == 2:
            int_part, dec = groups  # a comma is always the decimal mark (254,130 = 254.13)
        elif all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
            int_part, dec = "".join(groups), ""  # English thousands in copied tables: 1,500,000
        else:
            return None
    else:
        int_part, dec = s, ""
    value = float(int(int_part)) + (int(dec) / 10 ** len(dec) if dec else 0.0)
    return value, _granularity_digits(int_part, dec)


def _granularity_digits(int_part: str, dec: str) -> float:
    """Place value of the last significant written digit ("1.500" -> 100, "18,500" -> 0.1)."""
    dec = dec.rstrip("0")
    if dec:
        return 10.0 ** -len(dec)
    stripped = int_part.lstrip("0") or "0"
    if stripped == "0":
        return 1.0
    return 10.0 ** (len(stripped) - len(stripped.rstrip("0")))


def granularity(value: float, digits_g: float, significant: int) -> float:
    """Granularity after the 1–2 significant digit cap of numbers.md §2."""
    if significant <= 2 and value > 0:
        return min(digits_g, max(R_MAX * value, digits_g / 10 if digits_g > 1 else digits_g))
    return digits_g


def _significant(int_part: str, dec: str) -> int:
    """Count of significant written digits (trailing zeros of integers not counted)."""
    digits = (int_part + dec.rstrip("0")).lstrip("0")
    if not dec.rstrip("0"):
        digits = digits.rstrip("0")
    return max(1, len(digits))


def parse_spelled(words: list[str]) -> float | None:
    """Value of a run of spelled number words ("hai mươi lăm" -> 25, "trăm rưỡi" -> 150)."""
    total = 0.0
    group = 0.0  # value below the current big scale
    digit: float | None = None
    last_unit = 1.0  # multiplier of the last structure word, for "rưỡi" and "trăm tư"
    big = 0.0  # largest scale applied so far
    seen = False
    for w in words:
        if w in _DIGIT_WORDS:
            d = float(_DIGIT_WORDS[w])
            if digit is not None:
                return None  # two digits in a row ("hai ba") is a list, not a number
            digit = d
            seen = True
        elif w == "mười":
            if digit is not None:
                return None
            group += 10
            last_unit = 1.0
            seen = True
        elif w in ("mươi", "chục"):
            if w == "mươi" and digit is None:
                return None
            group += (digit if digit is not None else 1) * 10
            digit = None
            last_unit = 1.0
            seen = True
        elif w == "trăm":
            group += (digit if digit is not None else 1) * 100
            digit = None
            last_unit = 10.0  # "trăm tư" = 140: a lone digit after trăm is the tens digit
            seen = True
        elif w in ("linh", "lẻ"):
            last_unit = 1.0
        elif w == "rưỡi":
            if digit is not None:
                group += digit
                digit = None
            # "trăm rưỡi" is 150: after trăm the half is of a hundred.
            total += 0.5 * (big if big else 1) * (100 if last_unit == 10.0 else 1)
        elif w in SCALES:
            mult = SCALES[w]
            if digit is not None:
                group += digit
                digit = None
            if group == 0 and total == 0:
                group = 1
            if big and mult > big:
                total = (total + group) * mult  # "nghìn tỷ": scale of a scale
            else:
                total += group * mult
            group = 0.0
            big = mult
            last_unit = mult / 10 if mult >= 1000 else 1.0
            seen = True
        else:
            return None
    if digit is not None:
        if last_unit == 10.0 and group and group % 100 == 0:
            group += digit * 10  # "trăm tư" = 140, "hai trăm năm" = 250
        elif big and group == 0 and last_unit > 1:
            total += digit * last_unit  # "hai nghìn hai" = 2200
        else:
            group += digit
    if not seen:
        return None
    return total + group


def format_vi(value: float, decimals: int = 0) -> str:
    """Write a number in vi-VN style: dot thousands separator, comma decimal mark."""
    neg = value < 0
    value = abs(value)
    if decimals:
        s = f"{value:.{decimals}f}"
        int_part, dec = s.split(".")
    else:
        int_part, dec = str(round(value)), ""
    groups = []
    while len(int_part) > 3:
        groups.insert(0, int_part[-3:])
        int_part = int_part[:-3]
    groups.insert(0, int_part)
    out = ".".join(groups) + ("," + dec if dec else "")
    return ("-" if neg else "") + out


# ---------------------------------------------------------------------------------------------
# Interval rules (numbers.md §2)
# ---------------------------------------------------------------------------------------------


def interval(value: float, g: float, qclass: str, precise: bool, unit: str | None) -> tuple[float | None, float | None]:
    """Interval the wording allows for a written value with granularity g and qualifier class."""
    if qclass in ("eq", "emph_eq"):
        if precise:
            return value, value
        return value - g / 2, value + g  # rounded or truncated
    if qclass == "gt":
        hi = value + g
        if unit == "%" and value < 100:
            hi = min(hi, 100.0)  # a share cannot pass 100%
        return value, hi
    if qclass == "lt":
        return value - g, value
    if qclass == "approx":
        return value - g, value + g
    if qclass == "approx_tight":
        return value - g / 2, value + g / 2
    if qclass == "ge":
        return value, None
    if qclass == "le":
        return None, value
    if qclass == "emph":
        return value - g, value
    if qclass == "near_total":
        return value * 0.95, value
    return value, value


# Qualifier classes whose wording leaves one end open: "hơn 1.500" is more than 1.500, "gần
# 281.800" and "dưới 10" less than the figure, however far.
_OPEN_ABOVE = frozenset({"gt", "ge"})
_OPEN_BELOW = frozenset({"lt", "le"})


def stated_interval(c: Claim) -> tuple[float | None, float | None]:
    """The interval the claim's wording allows, None for an open end (the report's low/high).

    Claim.low/high are what the verdicts use instead: the tolerance model of :func:`interval`
    closes an open end at the written precision ("hơn 1.500" at the hundreds: 1.500 to 1.600).
    """
    if c.qclass in _OPEN_ABOVE:
        return c.low, None
    if c.qclass in _OPEN_BELOW:
        return None, c.high
    return c.low, c.high


# Digit tokens repeat across claims ("2", "10", "1.000"): their parse is cached.
_parse_number = lru_cache(maxsize=1 << 16)(parse_vi_number)


@lru_cache(maxsize=1 << 16)
def _figure(tok: str, scale: float) -> tuple[float, float, bool, bool]:
    """Value and granularity of a parsed digit token times its scale, and whether the token has no
    decimals (other than zeros) and whether its integer part ends in 0."""
    int_part = tok.split(",")[0].replace(".", "")
    dec = tok.split(",")[1] if "," in tok else ""
    # Decimal arithmetic so that 1.041,67 tỷ is exactly 1041670000000, not ...0001.
    full_value = float(Decimal(f"{int_part}.{dec or '0'}") * Decimal(int(scale)))
    g_digits = _parse_number(tok)[1]
    g = granularity(full_value, g_digits * scale, _significant(int_part, dec))
    return full_value, g, not dec.rstrip("0"), int_part.endswith("0")
