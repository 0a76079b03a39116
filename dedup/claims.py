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

import bisect
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate, chain, filterfalse, pairwise
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dedup.models import Article

__all__ = ["Claim", "claim_text", "extract_claims", "format_vi", "granularity", "parse_spelled", "parse_vi_number"]


@dataclass(frozen=True)
class Claim:
    """One numeric claim as written in an article.

    The extractor leaves out the fields only the comparison of claims reads (context, lead and
    the sentence's words, entities, years and plan; see _LAZY_FIELDS): a third of all claims are
    never compared.  They are computed together on the first read of any of them, from what the
    extractor keeps under ``_lazy`` until then, and are then ordinary instance fields with the
    values the extractor would have given them."""

    value: float
    low: float | None
    high: float | None
    qualifier: str | None
    unit: str | None
    noun: str | None
    quantity: str
    text: str
    start: int
    end: int
    sentence: str
    # --- extras used by the reconciler ---
    qclass: str = "eq"  # eq | gt | lt | approx | approx_tight | ge | le | vague | range
    granularity: float = 1.0  # place value of the last written significant digit (scale applied)
    precise: bool = True  # a bare exact count: no trailing zeros, decimals or scale word
    predicate: str | None = None  # canonical predicate class ("chết", "bị thương"…)
    kind: str = "count"  # count | amount | percent | vague | range | attribute
    head: str | None = None  # canonical head noun (synonyms merged, classifier dropped)
    # The fields computed on first read take default factories: a plain default would be a class
    # attribute, found before __getattr__ is asked.
    context: frozenset[str] = field(default_factory=frozenset)  # content syllables and bigrams around the claim
    tail: str = ""  # lower-cased words after the number up to the clause end
    sentence_start: int = 0  # offset of `sentence` in the raw text
    lead: frozenset[str] = field(default_factory=frozenset)  # content syllables just before the claim, same clause
    sent_words: frozenset[str] = field(default_factory=frozenset)  # content syllables of the whole sentence
    entities: frozenset[str] = field(default_factory=frozenset)  # capitalised names in the sentence (anchors)
    years: frozenset[str] = field(default_factory=frozenset)  # years named in the sentence (time-frame anchor)
    plan: bool = field(default_factory=bool)  # the sentence states a plan or forecast (sẽ, dự kiến…); False
    # Days and months the figure is dated by: those its sentence names, else those of the title
    # (the first line); (day, month), day None for a month alone ("tháng 6").  See :func:`dates_in`.
    dates: frozenset[tuple[int | None, int]] = field(default_factory=frozenset)

    def __getattr__(self, name: str) -> object:
        """A field the extractor left out (only asked for attributes not in the instance's dict)."""
        state = self.__dict__
        if name not in _LAZY_FIELDS or "_lazy" not in state:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        state.update(_lazy_fields(*state["_lazy"]))
        del state["_lazy"]  # only once the fields are in; and the sentence is let go
        return state[name]

    def __getstate__(self) -> dict[str, object]:
        """Pickled and copied with every field: those left out are computed first, so that neither
        carries the sentence's text and words along."""
        if "_lazy" in self.__dict__:
            self.__getattr__("context")
        return self.__dict__


# ---------------------------------------------------------------------------------------------
# Lexicons
# ---------------------------------------------------------------------------------------------

# Scale words (numbers.md §1.2).  Compounds first so that "nghìn tỷ" wins over "nghìn".
SCALES: dict[str, float] = {
    "nghìn tỷ": 1e12,
    "nghìn tỉ": 1e12,
    "ngàn tỷ": 1e12,
    "ngàn tỉ": 1e12,
    "nghìn": 1e3,
    "ngàn": 1e3,
    "vạn": 1e4,
    "triệu": 1e6,
    "tỷ": 1e9,
    "tỉ": 1e9,
}
_SCALE_LABEL = {
    "tỉ": "tỷ",
    "ngàn": "nghìn",
    "ngàn tỉ": "nghìn tỷ",
    "ngàn tỷ": "nghìn tỷ",
    "nghìn tỉ": "nghìn tỷ",
}

# Units: surface form -> normalised unit (numbers.md §3).  Longest forms first in the regex.
UNITS: dict[str, str] = {
    "%": "%",
    "phần trăm": "%",
    "điểm phần trăm": "điểm %",
    "đồng": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "đ": "đồng",
    "usd": "usd",
    "đô la mỹ": "usd",
    "đô la": "usd",
    "đôla": "usd",
    "đô": "usd",
    "$": "usd",
    "euro": "euro",
    "eur": "euro",
    "nhân dân tệ": "nhân dân tệ",
    "ndt": "nhân dân tệ",
    "yen": "yen",
    "yên": "yen",
    "peso": "peso",
    "bảng": "bảng",
    "won": "won",
    "rúp": "rúp",
    "km/h": "km/h",
    "km2": "km2",
    "km²": "km2",
    "km": "km",
    "cm": "cm",
    "mm": "mm",
    "m2": "m2",
    "m²": "m2",
    "m3": "m3",
    "m³": "m3",
    "mét": "m",
    "m": "m",
    "ha": "ha",
    "héc-ta": "ha",
    "héc ta": "ha",
    "hecta": "ha",
    "hécta": "ha",
    "kg": "kg",
    "tấn": "tấn",
    "tạ": "tạ",
    "gram": "g",
    "gam": "g",
    "lít": "lít",
    "độ richter": "độ richter",
    # A prison term ("7 năm tù", "18 tháng tù giam"); other spans of years or months are time
    # frames ("5 năm qua"), which end a noun phrase and are no claim.
    "năm tù": "năm tù",
    "tháng tù": "tháng tù",
    "độ c": "độ c",
    "điểm": "điểm",
    "tuổi": "tuổi",
    "năm tuổi": "tuổi",  # "cây đa 250 năm tuổi": an age
    "inch": "inch",
    "mah": "mah",
    "gb": "gb",
    "mb": "mb",
    "kb": "kb",
    "tb": "tb",
    "ghz": "ghz",
    "mhz": "mhz",
    "mp": "mp",
    "megapixel": "mp",
    "mw": "mw",
    "kw": "kw",
    "kwh": "kwh",
    "lần": "lần",
    "lượng": "lượng",
    "thùng": "thùng",
    "oz": "oz",
}
# Money units the rate suffix "/tháng", "/lượng", "/oz", "/cp", "/USD" may follow.
_MONEY = {"đồng", "usd", "euro", "nhân dân tệ", "yen", "peso", "bảng", "won", "rúp"}

# Classifiers (numbers.md §3): skipped to reach the head noun, kept as a type hint.
CLASSIFIERS = {
    "con", "cái", "chiếc", "quả", "ngôi", "căn", "tòa", "toà", "bức", "tấm", "cuốn", "quyển", "tờ",
    "bộ", "vụ", "ca", "lượt", "đợt", "trận", "cơn", "cây", "bài", "hạt", "viên",
}  # fmt: skip

# Synonym classes seen in the dev data (numbers.md §3).  Keys are lower-cased noun phrases.
SYNONYMS: dict[str, str] = {
    "nghi phạm": "nghi can",
    "đối tượng": "nghi can",
    "binh lính": "binh sĩ",
    "lính": "binh sĩ",
    "quân": "binh sĩ",
    "cổ phiếu": "đơn vị",
    "chứng khoán": "đơn vị",
    "cp": "đơn vị",
    "tnxp": "thanh niên xung phong",
    "cựu tnxp": "cựu thanh niên xung phong",
    "tỉnh, thành": "tỉnh thành",
    "tỉnh thành phố": "tỉnh thành",
    "nền kinh tế": "quốc gia",
    "nước": "quốc gia",
    "thi thể": "thi thể",
    "xác": "thi thể",
    "nạn nhân": "người",
    "du khách": "người",
    "người dân": "người",
    "trẻ": "trẻ em",
    "dn": "doanh nghiệp",
    "héc-ta": "ha",
}

# Counted nouns a *spelled* number may precede (numbers.md §1.3: "a spelled number counts only
# when it is followed by a classifier, a counted noun or a unit").  Multi-syllable entries match
# as phrases; single syllables must be followed by a word boundary.
_SPELLED_NOUNS = sorted(
    CLASSIFIERS
    | {
        "người", "nghi can", "nghi phạm", "đối tượng", "binh sĩ", "binh lính", "lính", "tên lửa",
        "tỉnh", "tỉnh thành", "thành phố", "du khách", "cá nhân", "tập thể", "phút", "giây", "giờ",
        "tiếng", "ngày", "tuần", "tháng", "năm", "lần", "chiến đấu cơ", "máy bay", "tàu", "thuyền",
        "xe", "nước", "quốc gia", "em", "cháu", "trẻ", "trẻ em", "học sinh", "sinh viên",
        "bệnh nhân", "nạn nhân", "thi thể", "công nhân", "nhân viên", "phụ nữ", "thanh niên",
        "ngư dân", "nhà", "bàn thắng", "bàn", "huy chương", "thành viên", "đại biểu", "cán bộ",
        "chiến sĩ", "cảnh sát", "sĩ quan", "tù nhân", "con tin", "xã", "huyện", "thôn", "làng",
        "doanh nghiệp", "công ty", "ngân hàng", "bệnh viện", "trường", "dự án", "đội", "đoàn",
        "nhóm", "hộ", "gia đình", "cơ sở", "mã", "đơn vị", "phương tiện", "đứa", "anh em", "chị em",
        "vợ chồng", "bé", "ông", "bà", "cô", "anh", "chị", "cậu", "tay súng", "kẻ", "tên", "phần",
        "mặt", "bên", "lớp", "khu", "điểm", "giải", "hạng mục", "nghìn", "ngàn", "triệu", "tỷ", "tỉ",
        "vạn", "trăm", "chục", "nhà báo", "phóng viên", "lãnh đạo", "quan chức", "bác sĩ",
    }
    | set(UNITS)
    - {"%", "$", "m", "đ", "mb", "kb", "gb", "tb", "mp", "cp"},
    key=len,
    reverse=True,
)  # fmt: skip

# Words that end a noun phrase after a number: function words, verbs that start a predicate,
# scope/time words.  Kept as a set of syllables and a few two-syllable items.
_NP_STOP = {
    "và", "với", "của", "cho", "trong", "tại", "ở", "đã", "đang", "sẽ", "được", "bị", "là", "có",
    "thì", "mà", "nhưng", "hay", "hoặc", "từ", "đến", "tới", "so", "như", "về", "theo", "khi", "nên",
    "vì", "do", "để", "này", "đó", "ấy", "kia", "đều", "cũng", "vẫn", "chỉ", "còn", "hiện", "mới",
    "vừa", "trên", "dưới", "sau", "trước", "nhằm", "gồm", "tăng", "giảm", "lên", "xuống", "đạt",
    "chiếm", "thuộc", "trị", "tương", "hơn", "gần", "khoảng", "chết", "thiệt", "tử", "mất", "thương",
    "mắc", "nhiễm", "tham", "nay", "qua", "rồi", "cùng", "ra", "vào", "nữa", "đây", "đấy",
    "thay", "vốn", "làm", "khiến", "gây", "xảy", "tìm", "không", "chưa", "phải", "thu", "sang", "đánh",
    "tương đương", "trị giá", "mỗi", "bao", "nào", "bằng", "năm", "tháng", "ngày", "tuần", "quý",
    "trở",
}  # fmt: skip
_NP_DROP = {"khác", "nữa", "mới", "này"}  # modifiers that do not change the quantity

# Predicate classes (numbers.md §3): the verb after the NP decides the quantity type.
_PREDICATES: list[tuple[str, str]] = [
    ("thiệt mạng", "chết"),
    ("tử vong", "chết"),
    ("tử nạn", "chết"),
    ("thiệt hại về người", "chết"),
    ("chết", "chết"),
    ("thương vong", "thương vong"),
    ("bị thương", "bị thương"),
    ("đang cấp cứu", "bị thương"),  # still in emergency care: not among the dead
    ("mất tích", "mất tích"),
    ("bị bắt", "bị bắt"),
    ("bắt giữ", "bị bắt"),
    ("bị phá hủy", "bị phá hủy"),
    ("bị phá huỷ", "bị phá hủy"),
    ("bị thiêu", "bị phá hủy"),
    ("bị cháy", "bị phá hủy"),
    ("cháy rụi", "bị phá hủy"),
    ("sơ tán", "sơ tán"),
    ("mắc kẹt", "mắc kẹt"),
    ("tham gia", "tham gia"),
    ("tham dự", "tham gia"),
    ("được tìm thấy", "tìm thấy"),
    ("tìm thấy", "tìm thấy"),
    ("vớt được", "tìm thấy"),
    ("tìm được", "tìm thấy"),
]
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

# Qualifiers in front of a number -> interval class (numbers.md §2).  Emphasis words (tới, lên
# tới…) keep class "emph": the figure is stated, not bounded, except that it cannot be exceeded.
QUALIFIERS: dict[str, str] = {
    "hơn": "gt",
    "trên": "gt",
    "quá": "gt",
    "vượt": "gt",
    "vượt quá": "gt",
    "gần": "lt",
    "ngót": "lt",
    "ngót nghét": "lt",
    "chưa đến": "lt",
    "chưa tới": "lt",
    "dưới": "lt",
    "không đến": "lt",
    "không tới": "lt",
    "khoảng": "approx",
    "chừng": "approx",
    "khoảng chừng": "approx",
    "độ": "approx",
    "cỡ": "approx",
    "tầm": "approx",
    "quanh": "approx",
    "ước": "approx",
    "ước tính": "approx",
    "ước khoảng": "approx",
    "trên dưới": "approx",
    "xấp xỉ": "approx_tight",
    "ít nhất": "ge",
    "tối thiểu": "ge",
    "không dưới": "ge",
    "không ít hơn": "ge",
    "tối đa": "le",
    "không quá": "le",
    "nhiều nhất": "le",
    "không vượt quá": "le",
    "không cao hơn": "le",
    "không nhiều hơn": "le",
    "không thấp hơn": "ge",
    "lên tới": "emph",
    "lên đến": "emph",
    "tới": "emph",
    "đến": "emph",
    "có tới": "emph",
    "có đến": "emph",
    "đạt tới": "emph",
    "đạt đến": "emph",
    "gần như": "near_total",
}
_QUAL_ALT = "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))
# One or two stacked qualifiers right before the number ("lên đến khoảng 10 tỉ").
_QUAL_RE = re.compile(r"(?<!\w)((?:(?:" + _QUAL_ALT + r")\s+){1,2})$")
_QUAL_TUPLE = tuple(QUALIFIERS)
_QUAL_ONE_RE = re.compile(r"(?<!\w)(" + _QUAL_ALT + r")(?!\w)")

# Vague quantities: value = base of the range (claims-dev convention), interval [low, high).
_VAGUE: dict[str, tuple[float, float, float]] = {
    "hàng chục": (10, 10, 100),
    "hàng trăm": (100, 100, 1000),
    "hàng nghìn": (1000, 1000, 1e4),
    "hàng ngàn": (1000, 1000, 1e4),
    "hàng vạn": (1e4, 1e4, 1e5),
    "hàng triệu": (1e6, 1e6, 1e9),
    "hàng chục nghìn": (1e4, 1e4, 1e5),
    "hàng chục ngàn": (1e4, 1e4, 1e5),
    "hàng trăm nghìn": (1e5, 1e5, 1e6),
    "hàng trăm ngàn": (1e5, 1e5, 1e6),
    "hàng chục triệu": (1e7, 1e7, 1e8),
    "hàng trăm triệu": (1e8, 1e8, 1e9),
    "hàng tỷ": (1e9, 1e9, 1e12),
    "hàng tỉ": (1e9, 1e9, 1e12),
    "vài chục": (20, 20, 99),
    "vài trăm": (200, 200, 999),
    "vài nghìn": (2000, 2000, 9999),
    "vài ngàn": (2000, 2000, 9999),
    # "mấy" is "vài" (several); "cả trăm" is "hàng trăm" (a hundred and more).
    "mấy chục": (20, 20, 99),
    "mấy trăm": (200, 200, 999),
    "mấy nghìn": (2000, 2000, 9999),
    "mấy ngàn": (2000, 2000, 9999),
    "cả chục": (10, 10, 100),
    "cả trăm": (100, 100, 1000),
    "cả nghìn": (1000, 1000, 1e4),
    "cả ngàn": (1000, 1000, 1e4),
    "một vài": (1, 1, 5),
    "vài": (2, 2, 9),
    "dăm": (2, 2, 9),
}

# Spelled-number words (numbers.md §1.3).
_DIGIT_WORDS = {
    "không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
    "nhăm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_SPELLED_WORDS = set(_DIGIT_WORDS) | {"mười", "mươi", "trăm", "linh", "lẻ", "chục", "rưỡi"} | set(SCALES)

# Words before a number that make it an ordinal, rank, date, time, id or name (numbers.md §1.5).
_NOT_CLAIM_WORDS = [
    "thứ", "lần thứ", "hạng", "xếp hạng", "vị trí", "top", "số", "mã số", "phút", "ngày", "đêm",
    "sáng", "trưa", "chiều", "tối", "tháng", "năm", "quý", "khoản", "điều", "chương", "mục", "tuần",
    "kỳ", "khóa", "khoá", "đời", "thế kỷ", "lúc", "hồi", "vào lúc", "phiên", "bảng", "nhóm", "tập",
    "phần", "trang", "tầng", "phòng", "lô", "đường", "quốc lộ", "tỉnh lộ", "km", "cấp", "bão",
    "áp thấp", "chuyến bay", "hiệp", "vòng", "ván", "game", "set", "mùa", "season", "khu", "ấp",
    "tổ", "quận", "phường", "hẻm", "ngõ", "kiệt", "số nhà", "điện thoại", "hotline", "ĐT", "tel",
    "fax", "hạng mục", "lần", "đợt", "thời điểm", "đầu", "cuối", "giữa", "trước", "sau", "từ ngày",
    "đến ngày", "nghị định", "nghị quyết", "thông tư", "quyết định", "chỉ thị", "luật", "văn bản",
    "công văn", "tờ trình", "kế hoạch", "lớp", "trung ương",
]  # fmt: skip
_NOT_CLAIM_BEFORE = re.compile(r"(?<!\w)(?:" + "|".join(_NOT_CLAIM_WORDS) + r")\s*$", re.IGNORECASE)
_NOT_CLAIM_WIDTH = max(map(len, _NOT_CLAIM_WORDS))


def _search_at_end(pattern: re.Pattern[str], s: str, width: int) -> re.Match[str] | None:
    """``pattern.search(s)`` for a pattern ``(?<!…)(?:word|…)\\s*$`` whose words end in a non-space
    and are at most `width` characters long.  A match ends at the last non-space character (\\s is
    exactly what str.rstrip strips), so it starts no earlier than `width` characters before it;
    the search starts there (look-behinds still see the characters before)."""
    return pattern.search(s, max(0, len(s.rstrip()) - width))


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


def _by_first_letter(words: list[str] | set[str] | dict[str, object]) -> list[tuple[str, list[str]]]:
    """The words grouped by their first character, as (character, the rest of each word)."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(w[1:])
    return sorted(groups.items())


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
# _WORD_SPLIT_RE for text without characters beyond U+FFFF: the letters spelled out as one class
# are one table look-up per character, where [^\W\d_] tests three character properties.
_BMP_LETTER = "[" + _bmp_ranges(r"[^\W\d_]") + "]"
_WORD_SPLIT_BMP_RE = re.compile(f"({_BMP_LETTER}+(?:-{_BMP_LETTER}+)?)")
# _NOT_CLAIM_BEFORE for lower-cased text: no IGNORECASE, words as a prefix tree.  In a lower-cased
# string IGNORECASE changes what its letters match only for "ı" and "ſ" (matched as i and s).
_NOT_CLAIM_LOW = re.compile(r"(?<!\w)(?:" + _trie_alt({w.lower() for w in _NOT_CLAIM_WORDS}) + r")\s*$")
_FOLD_UNSAFE = ("ı", "ſ")
# Characters that keep a text off the fast paths of _extract (see there).
_NOT_FOLDED = (*_FOLD_UNSAFE, "Σ")


# Compounds that end in a syllable of _NOT_CLAIM_WORDS but count what follows them: "quỹ dự phòng
# 50 tỷ đồng", "quãng đường 120 km", "tổng số 300 hộ", "một nhóm 12 học sinh".
_CLAIM_COMPOUNDS = frozenset(
    {
        "dự phòng", "quãng đường", "chặng đường", "tổng số", "con số", "một nhóm", "nhóm gồm",
        "cả nhóm",
    }
)  # fmt: skip
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
_FURNITURE_RE = re.compile(r"(?:file|đính kèm|tập tin|lượt xem|views?|bình luận)", re.IGNORECASE)

R_MAX = 0.25  # numbers.md §2: cap g at r_max·x for 1–2 significant digits ("khoảng 10" ≠ [0, 20])


# ---------------------------------------------------------------------------------------------
# Number parsing helpers
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------------


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


_CTX_STOP = {
    "và", "với", "của", "cho", "trong", "tại", "ở", "đã", "đang", "sẽ", "được", "bị", "là", "có",
    "thì", "mà", "các", "những", "một", "này", "đó", "từ", "đến", "tới", "theo", "về", "như", "khi",
    "cũng", "vẫn", "hơn", "gần", "khoảng", "trên", "dưới", "người", "số", "năm", "ngày", "tháng",
}  # fmt: skip


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


_NOT_ENTITY = {"usd", "vnđ", "vnd", "ndt", "tp", "ảnh", "theo", "tại", "trong", "ông", "bà", "anh", "chị"}


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
        claims.append(_make(text, s0, info, raw, offs, folded, *r))
    claims.sort(key=_START_END)
    return claims


_START_END = attrgetter("start", "end")


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


class _Sentence:
    """What the claims of one sentence text[s0:s1] share: the sentence fields of Claim (sentence
    and sentence_start in raw-text offsets) and, computed on first use by :meth:`read`, the
    sentence's words with their offsets and its features."""

    __slots__ = (
        "_dates", "entities", "folded", "low", "plan", "s0", "s1", "sentence", "start", "text", "title_dates",
        "tok_ends", "tok_starts", "tokens", "words", "years",
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
_TIME_FRAME_END_RE = re.compile(r"(?<!\w)(?:năm|tháng|ngày)\s+(?:qua|nay|tới)\s*$")
_FROM_END_RE = re.compile(r"(?<!\w)từ\s*$")
_DASH_DIGIT_RE = re.compile(r"\s*[-–]\s*\d")
_YEAR_TOKEN_RE = re.compile(r"(?:19|20)\d\d")
# A position, not a quantity: "20,3 độ Vĩ Bắc; 112,5 độ Kinh Đông" (a storm's centre).
_COORDINATE_AFTER_RE = re.compile(r"\s*độ\s+(?:vĩ|kinh)(?!\w)", re.IGNORECASE)
_HOUR_AFTER_RE = re.compile(r"\s*giờ(?:\s*\d|\s+(?:ngày|sáng|trưa|chiều|tối|đêm|hôm)(?!\w))")
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
    # Both patterns end in a dash, "trên" or "/" and spaces: test that before searching.
    if lb.rstrip().endswith(("-", "–", "trên", "/")) and (
        _DASH_END_RE.search(lb)  # second half of a date or score whose first half was rejected ("23 - 10")
        or _RANK_END_RE.search(lb)  # denominator of a rank: "vị trí 149 trên 189 quốc gia"
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
    if ("giờ" in head and _HOUR_AFTER_RE.match(text, end_main, end_main + 14)) or (
        "độ" in head and _COORDINATE_AFTER_RE.match(text, end_main)
    ):
        return None
    unit = None
    um = unit_re.match(subject, end_main)
    if um:
        u = um.group("unit").lower()
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
    if not precise and value < 100 and scale == 1.0 and whole and unit is None and noun:
        # Small round counts of things ("10 người", "20 đội") are counts, not roundings.
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
        snippet_start, max(np_end, end_main), full_value, low, high,
        qual.lower() if qual else None, unit, noun, qcls, g, precise, kind, tail, scale_word,
    )  # fmt: skip


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


def _unit_after(text: str, pos: int, unit_re: re.Pattern[str] = _UNIT_RE) -> bool:
    """True when a real unit (not a bare 'm'/'đ' before a word) follows pos (unit_re: _UNIT_RE, or
    its twin when text is lower-cased)."""
    um = unit_re.match(text, pos)
    return bool(um) and not (um.group("unit").lower() in ("m", "đ") and text[pos : pos + 1] == " ")


def _make(
    text: str,
    s0: int,
    info: _Sentence,
    raw: str,
    offs: list[int] | None,
    folded: str | None,
    a: int,
    b: int,
    value: float,
    low: float | None,
    high: float | None,
    qual: str | None,
    unit: str | None,
    noun: str | None,
    qcls: str,
    g: float,
    precise: bool,
    kind: str,
    tail: str,
    scale_word: str | None,
) -> Claim:
    """Assemble a Claim with derived fields (head, quantity label, predicate; folded: text
    lower-cased or None, see _extract)."""
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


# The fields of Claim that only the comparison of claims reads, left out by _make.
_LAZY_FIELDS = frozenset({"context", "lead", "sent_words", "entities", "years", "plan", "dates"})


def _lazy_fields(info: _Sentence, a: int, b: int) -> dict[str, object]:
    """The _LAZY_FIELDS of the claim at info.text[a:b] in sentence `info`, as _make computed them."""
    info.read()
    text, s0, s1 = info.text, info.s0, info.s1
    return {
        "context": _context(text, a, b, s0, s1, info),
        "lead": _lead_words(text, a, s0, info),
        "sent_words": info.words,
        "entities": info.entities,
        "years": info.years,
        "plan": info.plan,
        "dates": info.dates(),
    }


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
        start, max(np_end, e), value, low, high, key, unit, noun, "vague", value, False, kind, tail, None,
    )  # fmt: skip


_NOT_AFTER_HANG = frozenset({"năm", "tháng", "ngày", "tuần", "giờ", "không", "đầu", "ba", "hóa", "hoá"})
_SPELLED_NOT_AFTER_RE = re.compile(
    r"(?<!\w)(?:thứ|tháng|ngày|hàng|mỗi|số|lần|cả|những|các|trong|đầu|cuối|giữa|sau|trước)\s*$"
)


def _after_patterns(text: str, folded: str | None) -> tuple[str, re.Pattern[str], re.Pattern[str]]:
    """The string to match the scale and unit patterns on, and those patterns: the lower-cased
    text and the plain twins when they apply (folded is not None), else text and the originals."""
    return (text, _SCALE_RE, _UNIT_RE) if folded is None else (folded, _SCALE_LOW_RE, _UNIT_LOW_RE)


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
        qstart if qual else start, max(np_end, e), value, low, high, qual, unit, noun, qcls, g, True, kind,
        tail, scale_word,
    )  # fmt: skip


# "một" counts only before people/casualty classifiers (numbers.md §1.3: 811 of 2.344 spelled
# tokens were "một", almost all articles).
_ONE_OK = {
    "người", "nghi", "binh", "du", "cá", "tập", "nạn", "thi", "chiếc", "con", "trẻ", "học", "bệnh",
    "công", "tay", "kẻ", "em", "cháu", "phụ", "chiến", "cảnh", "sĩ", "quan", "nhà", "ngôi", "căn",
    "tỷ", "tỉ", "triệu", "nghìn", "ngàn", "trăm", "vạn", "ngư",
}  # fmt: skip
