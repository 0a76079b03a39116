from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import kernels
from dedup.hashing import (
    chunk_figure_hashes,
    chunk_name_hashes,
    string_hashes,
    text_token_hashes,
    token_hashes,
)
from dedup.normalize import (
    _WORD_RE,
    FIGURE_RE,
    NAME_RE,
    char_classes,
    codepoints,
    content_lines,
    figures,
    fold_tones,
    is_furniture,
    learn_boilerplate,
    names,
    raw_tokens,
    token_spans,
    tokens,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà bình", "hòa bình"),
        ("thuỷ điện", "thủy điện"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("hoá học", "hóa học"),
    ],
)
def test_both_tone_placements_hash_alike(new_style: str, old_style: str) -> None:
    assert tokens(new_style) == tokens(old_style)


@pytest.mark.parametrize("fixed", ["hoàng", "quý", "quyết", "thuyền", "khoảng"])
def test_tone_folding_leaves_fixed_positions_alone(fixed: str) -> None:
    assert fold_tones(fixed) == fixed


def test_tokens_keep_diacritics_and_digits_and_drop_thousands_separators() -> None:
    assert tokens("Hiện hội có 1.525 báo cáo viên, 88,48% BÁN bạn") == [
        "hiện",
        "hội",
        "có",
        "1525",
        "báo",
        "cáo",
        "viên",
        "88,48",
        "bán",
        "bạn",
    ]
    assert tokens("1.525") == tokens("1525")
    assert tokens("bán") != tokens("bạn") != tokens("ban")


@pytest.mark.parametrize(
    "line",
    [
        "Chia sẻ bài viết",
        "intNumViewTotal=792",
        "Cập nhật: 06-05-2022 | 15:56:55",
        "QUỲNH ANH",
        "Tin, ảnh: HỒNG GIANG",
        "Quay lên trên",
        "QR Code",
        "Tin liên quan: Bình Dương tổ chức tọa đàm",
        "  |  ",
        "Theo VnExpress",
    ],
)
def test_page_furniture_lines(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Theo báo cáo, có 5 người chết tại hiện trường vụ tai nạn giao thông nghiêm trọng.",
        "Hiện hội có 1.525 báo cáo viên, tuyên truyền viên, 281.799 hội viên, 361.596 phụ nữ.",
        "Ngày 6-5, Hội Liên hiệp Phụ nữ tỉnh tổ chức tọa đàm.",
    ],
)
def test_story_lines_are_kept(line: str) -> None:
    assert not is_furniture(line)


@pytest.mark.parametrize(
    ("lead", "kept"),
    [
        ("TTO - Sáng nay, ba người bị thương.", "Sáng nay, ba người bị thương."),
        ("(Dân trí) - Sáng nay, ba người bị thương.", "Sáng nay, ba người bị thương."),
        ("VOV.VN - Sáng nay, ba người bị thương.", "Sáng nay, ba người bị thương."),
        ("(BDO) Ngày 6-5, Hội tổ chức tọa đàm.", "Ngày 6-5, Hội tổ chức tọa đàm."),
        ("Sáng nay, ba người bị thương.", "Sáng nay, ba người bị thương."),
    ],
)
def test_datelines_are_dropped_from_the_lead(lead: str, kept: str) -> None:
    assert content_lines(lead + "\nĐoạn hai.") == [kept, "Đoạn hai."]


def test_boilerplate_is_learned_per_source_from_repeated_lines() -> None:
    footer = "BDO hoan nghênh những ý kiến khách quan, có tính xây dựng của bạn đọc gần xa"
    docs = [("bdo", f"Bài số {i} nói về chuyện {i}.\n{footer}") for i in range(5)] + [("other", footer)]
    learned = learn_boilerplate(docs)
    assert content_lines(f"Bài mới.\n{footer}", "bdo", learned) == ["Bài mới."]
    # Another outlet that printed the line once keeps it: it is not that outlet's furniture.
    assert content_lines(f"Bài mới.\n{footer}", "other", learned) == ["Bài mới.", footer]


def test_boilerplate_needs_several_articles() -> None:
    line = "Một câu xuất hiện đúng hai lần trong cả kho bài."
    learned = learn_boilerplate([("s", line), ("s", line), ("s", "khác")])
    assert content_lines(line, "s", learned) == [line]


# Characters that decide where tokens start and end: letters with and without marks, digits
# (including a non-ASCII decimal and a superscript that is alphanumeric but not a decimal),
# the two group separators, an underscore, spaces, and a letter and a digit beyond the BMP.
_TOKEN_ALPHABET = "aàẠb19.,_ \n²٣-%𝐀𝟘İ"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_TOKEN_ALPHABET, max_size=40))
def test_token_spans_find_what_the_word_pattern_finds(text: str) -> None:
    starts, ends = token_spans(codepoints(text))
    assert [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)] == _WORD_RE.findall(text)


# Capitals (also beyond Latin-1 and in lower case), letters, digits, the group separators, "%",
# kinds of space, an underscore, a superscript digit and the separator chunks are joined with.
_NAME_FIGURE_ALPHABET = "aĐàBX1٣.,% \t\u00a0\n_²\x00-"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_NAME_FIGURE_ALPHABET, max_size=40))
def test_name_and_figure_spans_find_what_their_patterns_find(text: str) -> None:
    cp = codepoints(text)
    starts, ends = kernels.name_spans(char_classes(cp), cp)
    assert [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)] == NAME_RE.findall(text)
    n0, n1, u0, u1 = (s.tolist() for s in kernels.figure_spans(char_classes(cp), cp))
    found = [(text[a:b], text[c:d]) for a, b, c, d in zip(n0, n1, u0, u1, strict=True)]
    assert found == FIGURE_RE.findall(text)


def test_chunk_name_and_figure_hashes_equal_each_text_on_its_own() -> None:
    texts = ["Ông Trương Thanh Nga nói 1.525 báo", "", "7 người", "tại Bình Dương và 30 tỷ đồng", "12"]
    found, name_bounds = chunk_name_hashes(texts)
    given_figures, figure_bounds = chunk_figure_hashes(texts)
    for d, text in enumerate(texts):
        assert np.array_equal(found[name_bounds[d] : name_bounds[d + 1]], string_hashes(names(text)))
        assert np.array_equal(given_figures[figure_bounds[d] : figure_bounds[d + 1]], string_hashes(figures(text)))
    assert len(found) == 2 and len(given_figures) == 2  # "7 người" and "12" are too small to be figures


def test_chunk_token_hashes_equal_per_token_hashes_on_real_articles() -> None:
    with gzip.open(FIXTURES / "baomoi-sample.jsonl.gz", "rt", encoding="utf-8") as stream:
        texts = [json.loads(line)["text"].lower() for line in itertools.islice(stream, 300)]
    joined = "\n".join(texts)
    hashes, starts = text_token_hashes(joined)
    words = raw_tokens(joined)
    assert len(words) > 50_000
    assert np.array_equal(hashes, token_hashes(words))
    assert [joined[a : a + len(w)] for a, w in zip(starts.tolist(), words, strict=True)] == words


def test_lower_codepoints_give_str_lower_or_say_they_cannot() -> None:
    from dedup.normalize import lower_codepoints

    answered = 0
    for c in range(0x10000):
        low = lower_codepoints(codepoints(chr(c)))
        expected = chr(c).lower()
        if low is None:
            assert len(expected) != 1 or c == 0x3A3, hex(c)  # "İ" -> "i̇"; "Σ" depends on its neighbours
        else:
            assert chr(int(low[0])) == expected, hex(c)
            answered += 1
    assert answered > 0xFFF0
    assert lower_codepoints(codepoints("ΟΔΟΣ")) is None  # a final sigma: "οδος" is not letter by letter
    assert lower_codepoints(codepoints("Hà Nội 😀")) is None  # beyond the BMP
    text = "ĐÀ NẴNG, Ông Trương 1.525 BÁO CÁO VIÊN ẞ"
    assert lower_codepoints(codepoints(text)).tobytes().decode("utf-32-le") == text.lower()


def test_chunk_token_hashes_equal_those_of_the_texts_lower_cased() -> None:
    from dedup.hashing import chunk_token_hashes

    with gzip.open(FIXTURES / "baomoi-sample.jsonl.gz", "rt", encoding="utf-8") as stream:
        texts = [json.loads(line)["text"] for line in itertools.islice(stream, 300)]
    # Texts lower-cased by code point, and beside them texts only str.lower lower-cases ("İ", a
    # final "Σ", a character beyond the BMP), whose lengths change or whose letters depend on context.
    for chunk in (texts, [*texts[:50], "İzmir 45 TẤN", "ΟΔΟΣ 12", "😀 3.500 NGƯỜI", *texts[50:60]]):
        lowered = [t.lower() for t in chunk]
        hashes, counts = chunk_token_hashes(chunk)
        want, _ = text_token_hashes("\n".join(lowered))
        assert np.array_equal(hashes, want)
        assert counts.tolist() == [len(raw_tokens(t)) for t in lowered]


def test_chunk_figure_hashes_lower_case_every_text_as_str_lower_does() -> None:
    # Upper-case units and scale words, and texts only str.lower lower-cases ("İ", a final "Σ",
    # a character beyond the BMP) beside texts lower-cased by code point.
    plain = ["GẦN 30 TỶ ĐỒNG và 1.525 BÁO CÁO VIÊN", "88,48% CỬ TRI", "Ông Trương Thanh Nga 7 NGƯỜI"]
    odd = ["İzmir 45 TẤN hàng", "ΟΔΟΣ 120 KM đường", "😀 3.500 NGƯỜI xem"]
    for texts in (plain, [*plain, *odd], odd[:1]):
        given, bounds = chunk_figure_hashes(texts)
        for d, text in enumerate(texts):
            assert np.array_equal(given[bounds[d] : bounds[d + 1]], string_hashes(figures(text))), text
    assert len(figures(plain[0])) == 2


def test_cached_name_and_figure_hashes_equal_hashes_of_the_forms() -> None:
    with gzip.open(FIXTURES / "baomoi-sample.jsonl.gz", "rt", encoding="utf-8") as stream:
        texts = [json.loads(line)["text"] for line in itertools.islice(stream, 200)]
    found = 0
    for text in [*texts, *texts]:  # the second time round, every form comes from the caches
        assert np.array_equal(chunk_name_hashes([text])[0], string_hashes(names(text)))
        assert np.array_equal(chunk_figure_hashes([text])[0], string_hashes(figures(text)))
        found += len(names(text)) + len(figures(text))
    assert found > 2000
    assert figures("1.525 báo cáo viên, 7 người, 30 tỷ, 88,48%, 12") == {"1525 báo", "30 tỷ", "88,48 %"}


def test_long_tokens_that_collide_under_polynomial_hashing_keep_their_own_hashes() -> None:
    # Thue-Morse words and their complements: equal under any odd multiplier modulo 2**64.
    word = [0]
    while len(word) < 2048:
        word += [1 - b for b in word]
    a = "".join("ab"[b] for b in word)
    b = "".join("ba"[b] for b in word)
    hashes, _ = text_token_hashes(f"{a} {b} {a}")
    assert np.array_equal(hashes, token_hashes([a, b, a]))
    assert hashes[0] != hashes[1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="aĐ1_.", min_size=1, max_size=3),
            st.text(alphabet=" \t\u00a0\u2003\x1c", min_size=1),  # kinds of whitespace
        ),
        max_size=45,
    ),
    st.text(alphabet=" \t\u00a0", max_size=2),
)
def test_long_line_pattern_counts_words_as_split_does(words: list[tuple[str, str]], lead: str) -> None:
    from dedup.normalize import _LONG_LINE_RE, BOILERPLATE_MAX_WORDS

    line = lead + "".join(word + space for word, space in words)
    assert bool(_LONG_LINE_RE.match(line)) == (len(line.split()) > BOILERPLATE_MAX_WORDS)


def test_key_table_grows_and_keeps_every_value() -> None:
    from dedup.hashing import _KeyTable

    table = _KeyTable()
    rng = np.random.default_rng(6)
    keys = rng.integers(0, 2**63, 200_000, dtype=np.int64).astype(np.uint64)  # the table starts at 65,536 slots
    keys = np.concatenate([keys, keys[:1000]])  # and some keys twice in one call
    asked: list[int] = []

    def value_of(t: int) -> int | None:
        asked.append(t)
        return None if int(keys[t]) % 7 == 0 else int(keys[t]) ^ 0x5555

    skip = np.zeros(len(keys), dtype=bool)
    skip[150_000] = True  # a key that comes once
    values, known = table.lookup(keys, skip, value_of)
    want_known = (keys % 7 != 0) & ~skip
    assert np.array_equal(known, want_known)
    assert np.array_equal(values[known], keys[known] ^ np.uint64(0x5555))
    assert len(asked) == len(set(keys[~skip].tolist()))  # each new key once
    asked.clear()
    again, known_again = table.lookup(keys, np.zeros(len(keys), dtype=bool), value_of)
    assert known_again[150_000] == (int(keys[150_000]) % 7 != 0)
    assert asked == [150_000] and np.array_equal(again[want_known], values[want_known])  # only it is new
