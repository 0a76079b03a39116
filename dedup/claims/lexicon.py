"""The word lists of the claim reader (``docs/numbers.md`` §1–§3): scale words, units, classifiers,
synonym classes, counted nouns, stop words, predicate classes, qualifiers, vague quantities,
spelled-number words, and the words before or after a number that make it no claim."""

from __future__ import annotations

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
    "năm rưỡi tù": "năm tù",  # three and a half years: readers add the half
    "tháng rưỡi tù": "tháng tù",
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
    "công văn", "tờ trình", "kế hoạch", "lớp", "trung ương", "nhánh",
]  # fmt: skip


# Compounds that end in a syllable of _NOT_CLAIM_WORDS but count what follows them: "quỹ dự phòng
# 50 tỷ đồng", "quãng đường 120 km", "tổng số 300 hộ", "một nhóm 12 học sinh".
_CLAIM_COMPOUNDS = frozenset(
    {
        "dự phòng", "quãng đường", "chặng đường", "tổng số", "con số", "một nhóm", "nhóm gồm",
        "cả nhóm",
    }
)  # fmt: skip


_CTX_STOP = {
    "và", "với", "của", "cho", "trong", "tại", "ở", "đã", "đang", "sẽ", "được", "bị", "là", "có",
    "thì", "mà", "các", "những", "một", "này", "đó", "từ", "đến", "tới", "theo", "về", "như", "khi",
    "cũng", "vẫn", "hơn", "gần", "khoảng", "trên", "dưới", "người", "số", "năm", "ngày", "tháng",
}  # fmt: skip


_NOT_ENTITY = {"usd", "vnđ", "vnd", "ndt", "tp", "ảnh", "theo", "tại", "trong", "ông", "bà", "anh", "chị"}


_NOT_AFTER_HANG = frozenset({"năm", "tháng", "ngày", "tuần", "giờ", "không", "đầu", "ba", "hóa", "hoá"})


# "một" counts only before people/casualty classifiers (numbers.md §1.3: 811 of 2.344 spelled
# tokens were "một", almost all articles).
_ONE_OK = {
    "người", "nghi", "binh", "du", "cá", "tập", "nạn", "thi", "chiếc", "con", "trẻ", "học", "bệnh",
    "công", "tay", "kẻ", "em", "cháu", "phụ", "chiến", "cảnh", "sĩ", "quan", "nhà", "ngôi", "căn",
    "tỷ", "tỉ", "triệu", "nghìn", "ngàn", "trăm", "vạn", "ngư",
}  # fmt: skip
