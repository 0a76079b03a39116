"""Page furniture: lines of an article that are no part of its story (sharing, comments, credits,
navigation, dates alone). The standard library only: the reader of the input (io) asks it too,
in a process that does not load numpy."""

from __future__ import annotations

import re

# Lines that are page furniture whatever the outlet: sharing, comments, printing, QR codes,
# counters, navigation and related-links blocks.
_FURNITURE_RE = re.compile(
    r"^(?:chia sẻ|bình luận|gửi bình luận|ý kiến bạn đọc|in bài|gửi bài|lưu bài|quay lên trên|lên đầu trang"
    r"|về đầu trang|tin khác|các tin khác|tin liên quan|bài liên quan|tin cùng chuyên mục|xem thêm|đọc thêm"
    r"|từ khóa|từ khoá|tags?|captcha|qr code|mã qr|video clip|phóng sự ảnh|bản tin|tiện ích|nguồn tin|print"
    r"|cập nhật|đăng lúc|tiếng việt \| english|trang chủ|>>|►|»)",
    re.IGNORECASE,
)
_KEYVALUE_RE = re.compile(r"^\s*\w+\s*=\s*\S+\s*$")
_CREDIT_RE = re.compile(r"^(?:theo|nguồn|tin,? ảnh|ảnh|video|clip|bài,? ảnh|tin)\s*[:\-–]?\s", re.IGNORECASE)
# Lines with no letters at all (dates, times, separators): "06-05-2022 | 15:56:55", "|".
_NO_LETTERS_RE = re.compile(r"^[\W\d_]*$")


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture or a credit, not part of the story."""
    stripped = line.strip()
    if not stripped or _NO_LETTERS_RE.match(stripped) or _KEYVALUE_RE.match(stripped):
        return True
    n_words = stripped.count(" ") + 1
    if n_words > 12:
        return False
    if _FURNITURE_RE.match(stripped):
        return True
    if n_words <= 6 and _CREDIT_RE.match(stripped):
        return True
    # A short all-capitals line is a by-line ("QUỲNH ANH", "HỒNG GIANG").
    return n_words <= 5 and stripped.isupper()
