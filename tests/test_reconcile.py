"""Tests for dedup.reconcile: interval verdicts, alignment, seeds, and every claims-dev row."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import pytest

from dedup.claims import Claim, extract_claims
from dedup.reconcile import FAR_NOTE, WORDED_NOTE, ClaimPair, claim_pair_to_dict, judge, reconcile, reconcile_claims

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
FIX = ROOT / "fixtures" / "claims"
SEED_A = (SEEDS / "000_2b6a502f76bc9030.txt").read_text(encoding="utf-8")
SEED_B = (SEEDS / "001_0bf074692e71c393.txt").read_text(encoding="utf-8")


def _claim(text: str) -> Claim:
    """The single claim of a short snippet."""
    claims = extract_claims(text)
    assert len(claims) == 1, [c.text for c in claims]
    return claims[0]


# Interval verdicts on real snippets (numbers.md §2 and §5).
@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ("1.525 báo cáo viên", "hơn 1.500 báo cáo viên", "rounded"),
        ("281.799 hội viên", "gần 281.800 hội viên", "rounded"),
        ("361.596 phụ nữ", "hơn 361.500 phụ nữ", "rounded"),
        ("1.525 báo cáo viên", "gần 1.400 báo cáo viên", "conflict"),
        ("1.525 báo cáo viên", "hơn 1.700 báo cáo viên", "conflict"),
        ("5.000 báo cáo viên", "hơn 1.500 báo cáo viên", "conflict"),  # far from the wording
        ("hơn 28 vạn cựu TNXP", "hơn 280.000 cựu TNXP", "exact"),
        ("trị giá 254,130 tỷ đồng", "trị giá 254,13 tỷ đồng", "exact"),
        ("tới 24% tổng số thuế", "24% tổng số thuế", "exact"),  # emphasis is not a bound
        ("lên đến 3400mAh", "3.400 mAh", "exact"),
        ("74,971 triệu đơn vị", "74,97 triệu đơn vị", "rounded"),
        ("18,500 triệu đơn vị", "18,49 triệu đơn vị", "rounded"),
        ("147,07 tỷ đồng", "147 tỷ đồng", "rounded"),
        ("491.000 tấn thép", "491.578 tấn thép", "rounded"),
        ("trên 2,8 tỷ đồng", "gần 3 tỉ đồng", "rounded"),
        ("lên đến khoảng 10 tỉ đồng", "hơn 9,5 tỷ đồng", "rounded"),
        ("hơn 2.000 người", "2.500 người", "rounded"),
        ("hàng trăm phương tiện", "698 phương tiện", "rounded"),
        ("một người thiệt mạng", "ít nhất 1 người thiệt mạng", "rounded"),
        ("khoảng 450 triệu USD", "khoảng 440 triệu USD", "rounded"),
        ("khoảng 70% dân số", "gần 70 % dân số", "rounded"),
        ("số tiền 20 triệu nhân dân tệ", "khoảng 20 triệu nhân dân tệ", "rounded"),
        ("23.000 cựu thanh niên xung phong", "13 vạn cựu thanh niên xung phong", "conflict"),
        ("48 đội tuyển", "47 đội tuyển", "conflict"),
        ("8,3 triệu tấn", "8,4 triệu tấn", "conflict"),  # same granularity, last digit
        ("khoảng 60 vụ cháy", "71 vụ cháy", "conflict"),
        ("ít nhất 65 vụ cháy", "71 vụ cháy", "rounded"),
        ("1.496 tỷ đồng", "hơn 1.500 tỷ đồng", "conflict"),
        ("1.520 tỷ đồng", "hơn 1.500 tỷ đồng", "rounded"),
        ("18,9 tỷ peso", "lên tới 18 tỷ peso", "conflict"),
        ("100% cán bộ", "100% cán bộ", "exact"),
        ("trên 90% hội viên", "trên 90% hội viên", "exact"),
    ],
)
def test_judge(a: str, b: str, verdict: str) -> None:
    """The interval model gives the verdicts of numbers.md §5, in both directions."""
    ca, cb = _claim(a), _claim(b)
    assert judge(ca, cb)[0] == verdict
    assert judge(cb, ca)[0] == verdict


def _pairs(pairs: list[ClaimPair]) -> dict[tuple[str, str], str]:
    """(a snippet, b snippet) -> verdict."""
    return {(p.a.text, p.b.text): p.verdict for p in pairs}


def test_seeds_000_001() -> None:
    """Seeds: three rounded pairs, 100% and trên 90% exact, no conflict anywhere."""
    pairs = reconcile([("000", SEED_A), ("001", SEED_B)])
    got = _pairs(pairs)
    assert got[("1.525 báo cáo viên", "hơn 1.500 báo cáo viên")] == "rounded"
    assert got[("281.799 hội viên", "gần 281.800 hội viên")] == "rounded"
    assert got[("361.596 phụ nữ", "hơn 361.500 phụ nữ")] == "rounded"
    assert got[("100% cán bộ hội", "100% cán bộ hội")] == "exact"
    assert got[("trên 90% hội viên", "trên 90% hội viên")] == "exact"
    assert all(p.verdict != "conflict" for p in pairs)
    # The 100% of "cán bộ hội 3 cấp" is the one aligned, not "cán bộ hội chủ chốt".
    hundred = [p for p in pairs if p.a.value == 100]
    assert len(hundred) == 1 and "3 cấp" in SEED_A[hundred[0].a.start : hundred[0].a.start + 30]
    # Page furniture (date, time, view counter, file size) never aligns.
    assert not any(p.a.value in (6, 2022, 792, 10) for p in pairs)


def test_seeds_modified_conflicts() -> None:
    """A copy of 001 with 'hơn 1.700' and 'gần 218.800' conflicts on exactly those two."""
    b = SEED_B.replace("hơn 1.500 báo cáo viên", "hơn 1.700 báo cáo viên").replace(
        "gần 281.800 hội viên", "gần 218.800 hội viên"
    )
    pairs = reconcile([("000", SEED_A), ("001", b)])
    conflicts = sorted((p.a.text, p.b.text) for p in pairs if p.verdict == "conflict")
    assert conflicts == [
        ("1.525 báo cáo viên", "hơn 1.700 báo cáo viên"),
        ("281.799 hội viên", "gần 218.800 hội viên"),
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ông được thưởng 2 triệu 500 nghìn đồng.", "Ông được thưởng 2,5 triệu đồng."),
        ("Dự án được duyệt 1 tỷ 200 triệu đồng.", "Dự án được duyệt 1,2 tỷ đồng."),
    ],
)
def test_a_compound_amount_is_the_decimal_one(a: str, b: str) -> None:
    # Read as its last part alone (500 nghìn, 200 triệu), it was a conflict.
    assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["exact"]


def test_prison_terms_are_compared() -> None:
    a, b, c = ("Tòa tuyên phạt bị cáo " + t + " tù." for t in ("7 năm", "8 năm", "bảy năm"))
    assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["conflict"]
    assert [p.verdict for p in reconcile([("A", a), ("C", c)])] == ["exact"]
    # A term is pronounced whole: 30 months is no rounding of 36 (a round count of months would be).
    d, e = ("Tòa tuyên phạt bị cáo " + t + " tháng tù." for t in ("30", "36"))
    assert [p.verdict for p in reconcile([("D", d), ("E", e)])] == ["conflict"]


def test_contract_shape() -> None:
    """claim_pair_to_dict gives the CONTRACT.md shape; whole numbers print as ints."""
    pairs = reconcile([("001", SEED_B), ("000", SEED_A)])  # input order does not matter
    d = next(claim_pair_to_dict(p) for p in pairs if p.a.value == 1525)
    assert d["quantity"] == "báo cáo viên"
    assert d["verdict"] == "rounded"
    assert {k: d["a"][k] for k in ("article", "text", "value", "qualifier", "low", "high")} == {
        "article": "000",
        "text": "1.525 báo cáo viên",
        "value": 1525,
        "qualifier": None,
        "low": 1525,
        "high": 1525,
    }
    assert {k: d["b"][k] for k in ("article", "text", "value", "qualifier", "low", "high")} == {
        "article": "001",
        "text": "hơn 1.500 báo cáo viên",
        "value": 1500,
        "qualifier": "hơn",
        "low": 1500,
        "high": None,  # "more than": the wording leaves the top open (CONTRACT.md)
    }
    # The verdict closed it at the written precision, the hundreds.
    assert (d["b"]["judged_low"], d["b"]["judged_high"]) == (1500, 1600)
    assert (d["a"]["judged_low"], d["a"]["judged_high"]) == (1525, 1525)
    assert isinstance(d["a"]["value"], int)
    out = json.dumps([claim_pair_to_dict(p) for p in pairs], ensure_ascii=False)
    assert ".0," not in out and ".0}" not in out


def test_deterministic_and_one_to_one() -> None:
    """Same input, same output; a claim aligns with at most one claim per other article."""
    versions = [("000", SEED_A), ("001", SEED_B), ("002", SEED_B.replace("hơn 1.500", "1.525"))]
    p1, p2 = reconcile(versions), reconcile(list(reversed(versions)))
    assert [claim_pair_to_dict(p) for p in p1] == [claim_pair_to_dict(p) for p in p2]
    assert all(p.a_article < p.b_article for p in p1)
    seen: set[tuple[str, int, str]] = set()
    for p in p1:
        for key in ((p.a_article, p.a.start, p.b_article), (p.b_article, p.b.start, p.a_article)):
            assert key not in seen
            seen.add(key)
    assert {(p.a_article, p.b_article) for p in p1} == {("000", "001"), ("000", "002"), ("001", "002")}


def test_reconcile_claims_reuses_extraction() -> None:
    """reconcile_claims on pre-extracted claims equals reconcile on text."""
    pre = [("000", extract_claims(SEED_A)), ("001", extract_claims(SEED_B))]
    assert reconcile_claims(pre) == reconcile([("000", SEED_A), ("001", SEED_B)])


def test_never_on_number_alone() -> None:
    """Equal numbers with different counted nouns or predicates are not aligned."""
    a = "Vụ tai nạn làm 2 người chết và 5 người bị thương."
    b = "Vụ tai nạn làm 5 người chết và 2 xe máy hư hỏng."
    got = _pairs(reconcile([("a", a), ("b", b)]))
    assert ("5 người", "5 người") not in got
    assert ("2 người", "2 xe máy") not in got
    assert got.get(("2 người", "5 người")) == "conflict"
    # Those still in emergency care are not the dead (two versions of one crash, 35k corpus).
    care = "Hiện tại còn 9 nạn nhân đang cấp cứu tại bệnh viện."
    dead = "Tính đến thời điểm hiện tại đã có 4 nạn nhân tử vong."
    assert reconcile([("a", care), ("b", dead)]) == []


def test_single_version_and_empty() -> None:
    """One article or no claims: no pairs, no error."""
    assert reconcile([("a", SEED_A)]) == []
    assert reconcile([("a", ""), ("b", "không có số nào")]) == []


# ---------------------------------------------------------------------------------------------
# claims-dev.jsonl: every judged row (fixtures/claims/ holds the rows and the article texts)
# ---------------------------------------------------------------------------------------------

ROWS = [json.loads(line) for line in (FIX / "claims-dev.jsonl").read_text(encoding="utf-8").splitlines()]
ARTICLES = {
    a["id"]: a for a in (json.loads(line) for line in (FIX / "articles.jsonl").read_text(encoding="utf-8").splitlines())
}

# Rows the reconciler gets wrong, with why.  strict=True: fixing one makes the suite say so.
XFAIL = {
    48: "25.800 héc-ta vs hơn 120.000 ha rừng: one-syllable noun, 4.6x apart, little shared context; "
    "below the conflict bar (the row itself notes it may be a scope difference)",
    49: "evolving body count: 26 thi thể aligns with the lead's earlier 'gần 20 thi thể' instead of "
    "the time-anchored 27 ('tính tới trưa 18/10' vs 'tính đến tối qua' is not modelled)",
}


def _full(aid: str) -> str:
    """Title + text, as the pipeline sees an article."""
    a = ARTICLES[aid]
    return f"{a.get('title') or ''}\n{a['text']}"


@cache
def _claims(aid: str) -> tuple[Claim, ...]:
    """Cached claims of a fixture article."""
    return tuple(extract_claims(_full(aid)))


def _spans(text: str, snippet: str) -> list[tuple[int, int]]:
    """Every occurrence of snippet in text."""
    out, i = [], text.find(snippet)
    while i >= 0:
        out.append((i, i + len(snippet)))
        i = text.find(snippet, i + 1)
    return out


def _at(claims: tuple[Claim, ...], spans: list[tuple[int, int]], restated: bool) -> set[int]:
    """Starts of the claims overlapping a snippet; with restated=True also the same figure
    restated in the title/lead (first three sentences) when one side of it is there."""
    hit = [c for c in claims if any(c.start < e and c.end > s for s, e in spans)]
    out = {c.start for c in hit}
    if restated and claims:
        lead_end = sorted({c.sentence_start for c in claims})[:3][-1]
        keys = {(c.value, c.qualifier, c.quantity) for c in hit}
        in_lead = any(c.sentence_start < lead_end for c in hit)
        out |= {
            c.start
            for c in claims
            if (c.value, c.qualifier, c.quantity) in keys and (in_lead or c.sentence_start < lead_end)
        }
    return out


def _row_ok(row: dict) -> bool:
    """Does the reconciler reproduce this judged row?"""
    a, b = row["a"], row["b"]
    ta, tb = _full(a), _full(b)
    ca, cb = _claims(a), _claims(b)
    positive = row["verdict"] != "not_a_pair"
    sa = _at(ca, _spans(ta, row["a_text"]), positive)
    sb = _at(cb, _spans(tb, row["b_text"]), positive)
    joined = []
    for p in reconcile_claims([(a, list(ca)), (b, list(cb))]):
        x, y = (p.a, p.b) if p.a_article == a else (p.b, p.a)
        if any(x.start <= s < x.end or x.start == s for s in sa) and any(
            y.start <= s < y.end or y.start == s for s in sb
        ):
            joined.append((p, x, y))
    if not positive:
        return not joined
    return any(
        p.verdict == row["verdict"]
        and x.value == pytest.approx(row["a_value"], rel=1e-9)
        and y.value == pytest.approx(row["b_value"], rel=1e-9)
        for p, x, y in joined
    )


@pytest.mark.parametrize(
    "idx",
    [
        pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=XFAIL[i])) if i in XFAIL else i
        for i in range(len(ROWS))
    ],
    ids=[f"{i}-{r['story']}-{r['verdict']}" for i, r in enumerate(ROWS)],
)
def test_claims_dev_row(idx: int) -> None:
    """Row idx of claims-dev.jsonl: right pair with right verdict and values (or no pair)."""
    assert _row_ok(ROWS[idx]), ROWS[idx]


def test_claims_dev_pass_rate() -> None:
    """At least 90% of the judged rows pass, and every not_a_pair row stays unpaired."""
    results = [_row_ok(r) for r in ROWS]
    rate = sum(results) / len(results)
    assert rate >= 0.9, rate
    assert len(ROWS) == 70
    misses = {i for i, ok in enumerate(results) if not ok}
    assert misses == set(XFAIL)
    assert not any(ROWS[i]["verdict"] == "not_a_pair" for i in misses)


def test_reconcile_claims_between_some_pairs_equals_those_pairs_alone() -> None:
    """Limiting the comparisons gives exactly the pairs' own alignments, in id order, whatever the input order."""
    edited = SEED_B.replace("hơn 1.500 báo cáo viên", "hơn 1.700 báo cáo viên")
    versions = [("002", extract_claims(edited)), ("000", extract_claims(SEED_A)), ("001", extract_claims(SEED_B))]
    got = reconcile_claims(versions, [(1, 2), (0, 1)])  # 000-001 and 002-000
    want = reconcile_claims([versions[1], versions[2]]) + reconcile_claims([versions[1], versions[0]])
    assert got == want
    assert {(p.a_article, p.b_article) for p in got} == {("000", "001"), ("000", "002")}
    assert reconcile_claims(versions, []) == []


def test_score_early_exits_are_exact() -> None:
    """_score's early exits drop only pairs short of the floor, and a kept score is the full sum's float."""
    from dedup import reconcile as rc

    verdict_ids: dict = {}
    pa = rc._Article(extract_claims(SEED_A), verdict_ids)
    pb = rc._Article(extract_claims(SEED_B), verdict_ids)
    checked = 0
    for i, a in enumerate(pa.claims):
        for j, b in enumerate(pb.claims):
            if a.unit != b.unit:
                continue
            _, facts_a, row_a = pa.prepare(i)
            _, facts_b, row_b = pb.prepare(j)
            verdict, _ = rc._judge(facts_a, facts_b)
            heads = rc._heads(a.head, b.head)
            for unique in (False, True):
                full = rc._score(row_a, row_b, verdict, unique, heads, -math.inf)  # nothing can be cut
                for floor in (rc.MIN_SCORE, rc.MIN_SCORE_CONFLICT, full, math.nextafter(full, math.inf)):
                    got = rc._score(row_a, row_b, verdict, unique, heads, floor)
                    assert got == full if full >= floor else got in (full, -math.inf)
                    checked += 1
    assert checked > 100


def test_figures_of_different_days_are_not_compared() -> None:
    # A daily column is one template on many days: its figures are different quantities.
    body = (
        "Cụ thể: giá vàng SJC của Công ty Vàng bạc đá quý Sài Gòn niêm yết ở mức 36,200 – 36,400 triệu "
        "đồng/lượng, giảm {} đồng/lượng so với chốt phiên của ngày hôm trước."
    )
    dated = reconcile(
        [
            ("A", "Giá vàng hôm nay 1.6: Giảm\n" + body.format("80.000")),
            ("B", "Giá vàng hôm nay 3.6: Tăng\n" + body.format("10.000")),
        ]
    )
    assert not any(p.quantity.startswith("đồng") and p.a.value == 80000 for p in dated)
    same_day = reconcile(
        [
            ("A", "Giá vàng hôm nay 1.6: Giảm\n" + body.format("80.000")),
            ("B", "Giá vàng sáng 1/6: Tăng\n" + body.format("10.000")),
        ]
    )
    assert any(p.a.value == 80000 and p.b.value == 10000 and p.verdict == "conflict" for p in same_day)
    sessions = reconcile(
        [
            (
                "A",
                "Phiên giao dịch 22/6, với 157 mã tăng và 128 mã giảm, VN-Index giảm 1,11 điểm xuống 766,3 điểm.",
            ),
            (
                "B",
                "Phiên giao dịch 6/7, với 149 mã tăng và 117 mã giảm, VN-Index tăng 4,33 điểm lên 782,65 điểm.",
            ),
        ]
    )
    assert sessions == []


def test_the_same_figure_hedged_on_one_side_only_is_no_conflict() -> None:
    pairs = reconcile(
        [
            ("A", "Công an TP.HCM đang lấy lời khai của 20 người liên quan đến đường dây ma túy."),
            ("B", "Công an TP.HCM cho biết đã bắt được hơn 20 người trong đường dây ma túy."),
        ]
    )
    assert [(p.a.value, p.b.value, p.verdict) for p in pairs] == [(20, 20, "rounded")]
    far = reconcile([("A", "Có 20 người bị bắt trong vụ án."), ("B", "Có hơn 40 người bị bắt trong vụ án.")])
    assert [p.verdict for p in far] == ["conflict"]


def test_a_buying_price_is_not_compared_with_a_selling_price() -> None:
    pairs = reconcile(
        [
            ("A", "Công ty SJC niêm yết giá vàng ở mức 36,60 triệu đồng/lượng (mua vào)."),
            ("B", "Công ty SJC niêm yết giá vàng ở mức 36,93 triệu đồng/lượng (bán ra)."),
        ]
    )
    assert pairs == []
    lowest = reconcile(
        [("A", "Hà Nội có nhiệt độ thấp nhất 23-26 độ C."), ("B", "Hà Nội có nhiệt độ cao nhất 30 - 33 độ C.")]
    )
    assert lowest == []


def test_a_rise_and_a_fall_or_two_rows_of_a_table_are_no_conflict() -> None:
    moves = reconcile(
        [
            ("A", "Công ty vàng bạc đá quý Sài Gòn niêm yết giá vàng giảm 300.000 đồng/lượng so với chốt phiên trước."),
            ("B", "Công ty vàng bạc đá quý Sài Gòn niêm yết giá vàng tăng 50.000 đồng/lượng so với chốt phiên trước."),
        ]
    )
    assert not any(p.verdict == "conflict" for p in moves)
    row = (
        "Giao bóng 1 ăn điểm {} Giao bóng 2 ăn điểm 14/34 (41%) 19/25 (76%) Điểm trên lưới 5/14 (36%) "
        "8/13 (62%) Điểm Break 2/4 (50%)"
    )
    table = reconcile(
        [("A", "Thông số: " + row.format("22/45 (49%)")), ("B", "Thông số: " + row.format("12/23 (52%)"))]
    )
    assert not any(p.verdict == "conflict" for p in table)


def test_an_increment_against_a_total_is_no_conflict() -> None:
    # From two versions of the Myanmar air crash (35k corpus): 7 more found, 29 in all.
    more = "Ngày 8/6, lực lượng cứu hộ đã tìm thấy thêm 7 thi thể nữa trong vụ máy bay quân sự rơi."
    total = "Ngày 8/6, lực lượng cứu hộ đã tìm thấy tổng cộng 29 thi thể nạn nhân trong vụ máy bay quân sự rơi."
    assert not any(p.verdict == "conflict" for p in reconcile([("A", more), ("B", total)]))
    # "thêm" right before the figure, or "nữa" right after it, each marks one.
    for a in ("Sáng 1/7, thêm 2 nạn nhân đã tử vong.", "Sáng 1/7, có 2 nạn nhân nữa đã tử vong."):
        pairs = reconcile([("A", a), ("B", "Sáng 1/7, đã có 4 nạn nhân tử vong.")])
        assert not any(p.verdict == "conflict" for p in pairs), a
    # Two increments, or two totals, still contradict each other.
    a, b = more, more.replace("thêm 7", "thêm 9")
    assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["conflict"]
    a, b = total, total.replace("29", "19")
    assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["conflict"]
    # The same figure on both sides is still exact.
    assert [p.verdict for p in reconcile([("A", more), ("B", more)])] == ["exact"]


def test_figures_of_different_periods_are_no_conflict() -> None:
    # Two monthly reports of farm exports (35k corpus), grouped as one story: 5 and 6 months.
    five = "Tổng giá trị xuất khẩu 5 tháng đầu năm 2017 đạt 13,7 tỷ USD, tăng 9,5% so với cùng kỳ năm 2016."
    six = "Tổng giá trị xuất khẩu 6 tháng đầu năm nay đạt 17,1 tỷ USD, tăng 13,1% so với cùng kỳ năm 2016."
    assert not any(p.verdict == "conflict" for p in reconcile([("A", five), ("B", six)]))
    quarters = reconcile(
        [
            ("A", "Trong quý I, lãi ròng của công ty đạt 120 tỷ đồng."),
            ("B", "Trong quý II, lãi ròng của công ty đạt 95 tỷ đồng."),
        ]
    )
    assert not any(p.verdict == "conflict" for p in quarters)
    # The same period in words and digits, or one side naming none: still compared.
    same = five.replace("5 tháng", "năm tháng").replace("13,7", "13,2")
    assert "conflict" in [p.verdict for p in reconcile([("A", five), ("B", same)])]
    bare = "Tổng giá trị xuất khẩu đạt 13,2 tỷ USD, tăng 9,5% so với cùng kỳ năm 2016."
    assert "conflict" in [p.verdict for p in reconcile([("A", five), ("B", bare)])]


def test_prices_and_points_conflict_only_when_both_name_their_day() -> None:
    # Two days of one gold column (35k corpus), neither naming its day: not compared as a conflict.
    row = "Giá vàng miếng SJC tại Bảo Tín Minh Châu đang được niêm yết ở mức {} triệu đồng/lượng."
    a, b = row.format("36,33"), row.format("36,51")
    assert not any(p.verdict == "conflict" for p in reconcile([("A", a), ("B", b)]))
    index = "Chỉ số Nasdaq Composite đóng cửa ở mức {} điểm."
    assert not any(
        p.verdict == "conflict" for p in reconcile([("A", index.format("6.246,83")), ("B", index.format("6.295,68"))])
    )
    # Both naming the same day: a conflict; a copy with the same price is still exact.
    dated = [("A", "Sáng 5/6, " + a[0].lower() + a[1:]), ("B", "Sáng 5/6, " + b[0].lower() + b[1:])]
    assert [p.verdict for p in reconcile(dated)] == ["conflict"]
    assert [p.verdict for p in reconcile([("A", a), ("B", a)])] == ["exact"]
    # An exchange rate is such a price: two days' bulletins, undated in the sentence, agree.
    rate = "Tỷ giá trung tâm được Ngân hàng Nhà nước công bố ở mức {} VND/USD."
    assert not any(
        p.verdict == "conflict" for p in reconcile([("A", rate.format("23.074")), ("B", rate.format("23.109"))])
    )
    # Other per-unit figures are not prices: "213 km/h" against "208 km/h" still conflict.
    car = "Chiếc xe đạt tốc độ tối đa {} km/h."
    assert [p.verdict for p in reconcile([("A", car.format(213)), ("B", car.format(208))])] == ["conflict"]


def test_conflicts_of_versions_that_mostly_disagree_are_noted() -> None:
    # Two auctions of one bond series, grouped as one story: one figure alike, two contradicting.
    a = (
        "Phiên đấu thầu trái phiếu có 12 thành viên tham gia, khối lượng dự thầu đạt "
        "1.586 tỷ đồng, lãi suất trúng thầu 5,2%."
    )
    b = (
        "Phiên đấu thầu trái phiếu có 12 thành viên tham gia, khối lượng dự thầu đạt "
        "1.701 tỷ đồng, lãi suất trúng thầu 6,1%."
    )
    pairs = reconcile([("A", a), ("B", b)])
    conflicts = [p for p in pairs if p.verdict == "conflict"]
    assert len(conflicts) == 2 and [p.verdict for p in pairs].count("exact") == 1
    assert all(p.note.startswith("the two versions contradict more of their figures") for p in conflicts)
    # Versions that share most of their figures: a conflict without the note.
    c = b.replace("1.701", "1.586")
    firm = [p for p in reconcile([("A", a), ("C", c)]) if p.verdict == "conflict"]
    assert len(firm) == 1 and firm[0].note == ""


# Real sentences of the 2017 feed, judged by reading (fixtures/judged/figures.jsonl).
FACTORY_A = (
    "Khoảng 11h ngày 9/7, một vụ hỏa hoạn lớn đã xảy ra tại thôn Phú Thủy, xã Mỹ Sơn (Ninh Sơn, Ninh Thuận) "
    "thiêu rụi nhà máy chế biến bã mía rộng gần 1.000 m2, làm một công nhân bị thương."
)
FACTORY_B = "Cháy rụi nhà máy chế biến bã mía hơn 1.000 m2. Một công nhân bị thương."
ROAD_A = (
    "Dự án đường ô tô Tân Vũ - Lạch Huyện có tổng chiều dài toàn tuyến là 15,63km, bao gồm 5,44km cầu vượt "
    "biển, phần đường dẫn dài 10,19km đi qua địa bàn quận Hải An và huyện Cát Hải của TP.Hải Phòng."
)
ROAD_B = (
    "Dự án đường ôtô Tân Vũ - Lạch Huyện dài 15 km gồm 5,4 km cầu vượt biển, 10 km đường dẫn qua các quận "
    "Hải An và huyện Cát Hải (Hải Phòng)."
)
TESLA_A = "Khả năng tăng tốc của xe ngang nhiều siêu xe, với thời gian tăng từ 0-100 km/h chỉ là 2,9 giây."
TESLA_B = "Model X P100D với chế độ Ludicrous có thể tăng tốc từ 0 tới 100km/h trong 2,7 giây."


def test_one_figure_as_an_upper_and_a_lower_bound_is_not_compared() -> None:
    """A figure given as "gần 1.000 m2" and "hơn 1.000 m2" (one fire, read as one area) is neither an agreement nor a
    contradiction one can trust: judged, such pairs agreed once in 6 (3 contradictions)."""
    pairs = reconcile([("A", FACTORY_A), ("B", FACTORY_B)])
    assert "gần 1.000 m2" in FACTORY_A and "hơn 1.000 m2" in FACTORY_B
    assert [p for p in pairs if p.a.unit == "m2"] == []
    # Two figures near one value from either side still agree: "gần 9.400" and "hơn 9.300" lượt xe.
    near = reconcile([("A", "Có gần 9.400 lượt xe qua trạm."), ("B", "Có hơn 9.300 lượt xe qua trạm.")])
    assert [(p.a.value, p.b.value, p.verdict) for p in near] == [(9400, 9300, "rounded")]


def test_a_whole_measure_is_a_rounding_of_a_finer_one_but_two_of_one_precision_conflict() -> None:
    road = {(p.a.value, p.b.value): p.verdict for p in reconcile([("A", ROAD_A), ("B", ROAD_B)])}
    assert road[(15.63, 15)] == "rounded"
    assert road[(5.44, 5.4)] == "rounded"
    tesla = reconcile([("A", TESLA_A), ("B", TESLA_B)])
    assert [p.verdict for p in tesla if p.a.text == "2,9 giây"] == ["conflict"]


def test_dimensions_are_no_claims() -> None:
    for text in (
        "Màn hình Super AMOLED với độ phân giải 2.560 x 1.440 pixel.",
        "Màn hình với độ phân giải 1440 x 2560 pixel.",
        "Ảnh có kích thước 1920×1080 điểm ảnh.",
    ):
        assert extract_claims(text) == [], text


def test_a_conflict_among_several_figures_of_its_kind_carries_a_note() -> None:
    # Two ages in one version: the aligned pair may be two people's ages (judged so 9 times in 86).
    seized = " Công an thu giữ 12 bánh heroin và 3 khẩu súng."
    a = "Nghi phạm Nguyễn Văn An, 27 tuổi, và đồng phạm Trần Văn Bình, 31 tuổi, đã bị bắt giữ." + seized
    b = "Nguyễn Văn An (28 tuổi) đã bị bắt giữ." + seized
    pairs = [p for p in reconcile([("A", a), ("B", b)]) if p.verdict == "conflict"]
    assert len(pairs) == 1 and pairs[0].b.text == "28 tuổi"
    assert pairs[0].note.startswith("a version states several figures of this kind")
    one = "Nghi phạm Nguyễn Văn An, 27 tuổi, đã bị bắt giữ." + seized
    alone = [p for p in reconcile([("A", one), ("B", b)]) if p.verdict == "conflict"]
    assert [(p.a.text, p.b.text, p.note) for p in alone] == [("27 tuổi", "28 tuổi", "")]


def test_two_lower_bounds_or_two_upper_bounds_are_rounded_not_a_conflict() -> None:
    # Judged consistent (fixtures/judged/figures-fresh-2026-12-07.jsonl): both are true of any value past both.
    a = "Năm nay TP.HCM có hơn 72.000 thí sinh dự thi vào lớp 10."
    b = "Kỳ thi năm nay có hơn 71.000 thí sinh dự thi vào lớp 10."
    assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["rounded"]
    c = "Số thí sinh dự thi vào lớp 10 chưa đến 80.000 thí sinh."
    d = "Số thí sinh dự thi vào lớp 10 dưới 75.000 thí sinh."
    assert [p.verdict for p in reconcile([("C", c), ("D", d)])] == ["rounded"]
    # One bound against a bare figure keeps the contract's rule: "hơn 1.500" against 5.000 conflicts.
    e = "Tỉnh có hơn 1.500 báo cáo viên."
    f = "Tỉnh có 5.000 báo cáo viên."
    assert [p.verdict for p in reconcile([("E", e), ("F", f)])] == ["conflict"]


def test_engine_power_in_hp_and_metric_hp_agree_within_two_percent() -> None:
    a = "Động cơ 2.0 lít của Subaru XV 2018 cho công suất 156 mã lực."
    b = "Động cơ 2.0 lít của Subaru XV 2018 cho công suất tối đa 154 mã lực."
    c = "Động cơ 2.0 lít của Subaru XV 2018 cho công suất 170 mã lực."
    assert [p.verdict for p in reconcile([("A", a), ("B", b)]) if p.a.value == 156] == ["rounded"]
    assert [p.verdict for p in reconcile([("A", a), ("C", c)]) if p.a.value == 156] == ["conflict"]


def test_one_of_n_is_no_claim_of_n() -> None:
    assert extract_claims("Nghi phạm là một trong 7 anh em nhà Maute bị truy nã.") == []
    assert extract_claims("Một trong 2 người bước ra khỏi xe.") == []
    assert [c.text for c in extract_claims("Có 7 anh em nhà Maute bị truy nã.")] == ["7 anh em nhà"]


def test_loose_wordings_far_apart_are_two_quantities_not_a_rounding() -> None:
    """Pairs judged by reading as two quantities (fixtures/judged/figures*.jsonl), once `rounded`:
    a range against another figure, two bounds of one direction 10% or more apart, a bare figure
    against an approximate one that far apart. Close bounds, and a bare figure under a lower
    bound, stay rounded."""
    two = [
        ("Độ ẩm từ 70 - 100%.", "Độ ẩm từ 58-95%."),  # two days' forecasts
        (
            "Thậm chí, mẫu xe Honda Odyssey thì được giảm giá tới 60 - 70 triệu đồng.",
            "Trong tháng 7 này, mẫu EcoSport giảm tới 68 triệu đồng.",
        ),  # two cars' discounts
        (
            "Với giá trị thị trường hơn 250 tỷ USD, General Electric là một trong những doanh nghiệp niêm yết"
            " lớn nhất trên thế giới.",
            "Randall Stephenson, CEO của AT&T: Ông hiện điều hành tập đoàn viễn thông đa quốc gia trị giá hơn"
            " 200 tỷ USD này từ năm 2007.",
        ),
        (
            "Kể từ khi phiến quân đánh chiếm Marawi ngày 23/5 vừa qua và giao tranh với lực lượng chính phủ, đến"
            " nay đã có 370 người thiệt mạng, trong đó có ít nhất 62 binh lính và 3 cảnh sát.",
            "Chánh Thanh tra Pagcawayan, ông Realan Mamon, cho biết khoảng 300 người từ Nhóm chiến binh Hồi giáo"
            " Tự do Bangsamoro (BIFF) đã tấn công Pigcawayan vào khoảng 5 giờ sáng.",
        ),
    ]
    for a, b in two:
        assert extract_claims(a) and extract_claims(b)
        assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == [], (a, b)
    one = [
        ("Năm nay TP.HCM có hơn 72.000 thí sinh dự thi vào lớp 10.", "TP.HCM có hơn 71.000 thí sinh dự thi lớp 10."),
        ("Cuộc diễn tập có hơn 2.000 người tham gia.", "Cuộc diễn tập có 2.500 người tham gia."),
        ("Độ ẩm từ 70 - 100%.", "Độ ẩm từ 70 - 100%."),
    ]
    for a, b in one:
        assert [p.verdict for p in reconcile([("A", a), ("B", b)])] in (["rounded"], ["exact"]), (a, b)


def test_a_conflict_between_figures_worded_differently_carries_a_note() -> None:
    # Judged by reading (fixtures/judged/figures-fresh-2026-12-07.jsonl): the same word before both
    # figures is one age stated twice, a true contradiction; different words frame two quantities
    # (an operating crew and the full complement, two reference points of one search).
    shared = " Lực lượng chức năng đã huy động 12 tàu tham gia."
    alike = [
        (
            "Bà Tư Hường, Chủ tịch Tập đoàn Hoàn Cầu, vừa qua đời sáng 13.5 vì tuổi cao sức yếu, thọ 82 tuổi.",
            "Bà Tư Hường qua đời. Bà hưởng thọ 81 tuổi.",
        ),
    ]
    apart = [
        (
            "Tàu được vận hành bởi thủy thủ đoàn 5.500 người, bao gồm cả nhân viên hàng không.",
            "Tàu có thủy thủ đoàn đầy đủ bao tối đa gồm 5800 người, trong đó có 3000 thủy thủ.",
        ),
        (
            "Sau hơn 4 giờ tìm kiếm, thi thể ông Stephen John Scott được tìm thấy cách nơi xảy ra vụ việc 50m.",
            "Đến 13h05 cùng ngày đã tìm thấy thi thể ông Stephen John Scott cách đảo Ti Tốp khoảng 150m.",
        ),
    ]
    for texts, noted in [(alike, False), (apart, True)]:
        for a, b in texts:
            pairs = reconcile([("A", a + shared), ("B", b + shared)])
            conflicts = [p for p in pairs if p.verdict == "conflict"]
            assert [p.verdict for p in pairs].count("exact") == 1 and len(conflicts) == 1, (a, pairs)
            assert conflicts[0].note == (WORDED_NOTE if noted else ""), (a, conflicts[0].note)


def test_loose_agreements_judged_two_quantities_are_not_aligned() -> None:
    """Rounded pairs read as two quantities (fixtures/judged/figures*.jsonl): "a few" against a
    count, "hàng trăm" against a figure under twice its base, two bare figures 5% or more apart,
    two bare shares that differ, an open bound and a figure far past it. None is aligned."""
    two = [
        (
            "Mỗi ngày cô chỉ có 3 tiếng để ngủ.",
            "Cô trở về nhà nghỉ ngơi và tình hình trở nên tồi tệ hơn chỉ trong vài tiếng đồng hồ.",
        ),
        (
            "Ảnh: AFP/TTXVN Ngày 8/6, quân đội Myanmar thông báo lực lượng cứu hộ đã tìm thấy thêm 7 thi thể nữa"
            " trong vụ máy bay quân sự chở hơn 100 người bị nạn trước đó tại khu vực biển Andaman.",
            "Trong khi đó, hàng trăm người đã tụ tập trên bãi biển San Hlan ở miền Nam Myanmar để ngóng chờ tin"
            " tức về những người thân của mình đi trên máy bay xấu số.",
        ),
        ("Pin Galaxy S8 có pin 3000 mAh.", "OnePlus 5 hỗ trợ thời lượng lên đến hơn 1 ngày với pin 3300mAh."),
        ("Điểm Break của Nadal đạt 50%.", "Điểm Break của Djokovic đạt 51%."),
        (
            "Thầy trò huấn luyện viên Hữu Thắng đặt mục tiêu giành ít nhất 1 điểm trước đối thủ mạnh Jordan.",
            "Với kết quả này, tuyển Jordan vẫn là đội dẫn đầu bảng với 4 điểm.",
        ),
        (
            "122 quốc gia ủng hộ cấm vũ khí hạt nhân - trừ các nước sở hữu",
            "Hiệp ước hướng tới cấm hoàn toàn vũ khí hạt nhân sau khi được tối thiểu 50 quốc gia ký phê chuẩn.",
        ),
    ]
    for a, b in two:
        assert extract_claims(a) and extract_claims(b), (a, b)
        assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == [], (a, b)
    # Close ones stay rounded (judged consistent), and so does "hàng trăm" against twice its base.
    one = [
        (
            "tàu bị mắc cạn cách đảo Phú Quý (Bình Thuận) khoảng 28 hải lý về hướng Nam.",
            "tàu bị mắc cạn trên vùng biển tỉnh Bình Thuận, cách đảo Phú Quý khoảng 29 hải lý.",
        ),
        (
            "Có khoảng 25 người cùng đếm tiền tại ngôi đền.",
            "Đoạn clip quay cảnh khoảng 20 người tham gia đếm tiền rải đầy nền nhà tại một ngôi đền.",
        ),
        ("Đám cháy thiêu rụi hàng trăm ngôi nhà.", "Đám cháy thiêu rụi hơn 200 ngôi nhà."),
        ("Cuộc diễn tập có 3.588 người tham gia.", "Cuộc diễn tập có 3.600 người tham gia."),
    ]
    for a, b in one:
        assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["rounded"], (a, b)


def test_hedged_figures_far_apart_and_whole_ages_conflict() -> None:
    """Judged true contradictions once reported `rounded`: two hedged figures a quarter or more
    apart, and one man's age as 49 and as 50 (a round age is said whole, not rounded)."""
    conflicting = [
        (
            "Chạy được khoảng 300m thì lái xe đánh lái làm Thượng úy Đức rơi xuống đường.",
            "Khi chạy được khoảng 200m thì tài xế container đánh lái sang trái làm thượng úy Đức rơi xuống đường.",
        ),
        (
            "Công an đang tạm giữ Đào Nguyên Anh để điều tra về vụ trộm vàng trị giá hơn 700 triệu đồng tại"
            " Trung tâm thương mại Parkson Hùng Vương.",
            "Bảo vệ trung tâm thương mại Parkson Hùng Vương trộm vàng trị giá gần 1 tỷ đồng.",
        ),
        (
            "Ftouhi, 49 tuổi, đến từ Quebec, Canada.",
            "Đối tượng đến từ vùng Quebec, được xác định là Amor Ftouhi, 50 tuổi.",
        ),
    ]
    for a, b in conflicting:
        assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == ["conflict"], (a, b)
    (age,) = extract_claims("Ftouhi, 50 tuổi, đến từ Quebec.")
    assert (age.low, age.high) == (50, 50)


def test_readings_of_temperature_or_gold_that_differ_are_not_aligned() -> None:
    """Temperatures and gold prices change by place and hour: two that differ were read as two
    readings 9 times in 12 (fixtures/judged/figures*.jsonl). Equal ones are still exact."""
    two = [
        (
            "Hai ngày qua, Hà Nội và các tỉnh phía Bắc liên tiếp xảy ra nắng nóng với nền nhiệt cao chạm"
            " ngưỡng 40 độ C.",
            "Hai ngày nay, thành phố Hải Phòng và các tỉnh phía Bắc liên tiếp xảy ra nắng nóng với nền nhiệt cao"
            " chạm ngưỡng gần 40 độ C.",
        ),
        ("Vàng mất mốc giá 37 triệu đồng/lượng.", "Công ty PNJ báo giá vàng miếng SJC ở mức 36,95 triệu đồng/lượng."),
    ]
    for a, b in two:
        assert extract_claims(a) and extract_claims(b), (a, b)
        assert [p.verdict for p in reconcile([("A", a), ("B", b)])] == [], (a, b)
    a, b = two[0]
    assert [p.verdict for p in reconcile([("A", a), ("B", b.replace("gần 40", "40"))])] == ["exact"]


def test_a_conflict_between_figures_far_apart_carries_a_note() -> None:
    """Judged by reading (fixtures/judged/figures*.jsonl), conflicts 1.5 times apart or more were
    true half as often as closer ones: the entities on a list and those added to it. A typo stays a
    conflict, with the note; figures closer together stay firm."""
    far = [
        (
            "Mười tám cá nhân và thực thể này được bổ sung vào danh sách hiện hành gồm 39 cá nhân và 42 thực thể của"
            " Triều Tiên.",
            "Theo kết quả bỏ phiếu, toàn bộ 15 nước thành viên Hội đồng Bảo an nhất trí mở rộng các lệnh trừng phạt để"
            " bổ sung 14 cá nhân và 4 thực thể của Triều Tiên vào “danh sách đen” của Liên Hợp Quốc.",
        ),
        (
            "Theo số liệu thống kê của Washington, năm 2016, thâm hụt thương mại của Mỹ với Nhật Bản vào khoảng"
            " 69.000 tỷ USD.",
            "Theo số liệu thống kê của Washington, năm 2016, thâm hụt thương mại của Mỹ với Nhật Bản vào khoảng"
            " 69 tỷ USD.",
        ),
    ]
    for a, b in far:
        pairs = [p for p in reconcile([("A", a), ("B", b)]) if "thực thể" in p.a.text or "USD" in p.a.text]
        assert [(p.verdict, p.doubt) for p in pairs] == [("conflict", "far_apart")], (a, b)
        assert pairs[0].note == FAR_NOTE
    shared = " Công an thu giữ 12 bánh heroin và 3 khẩu súng."  # a figure they agree on
    a, b = far[1]
    close = reconcile([("A", a + shared), ("B", b.replace("khoảng 69 tỷ", "khoảng 50.000 tỷ") + shared)])
    assert [(p.verdict, p.doubt) for p in close if p.verdict == "conflict"] == [("conflict", "")]


def test_a_likely_match_keeps_only_its_well_aligned_roundings() -> None:
    """Between versions whose match is only likely, a rounded pair with little evidence that the two
    figures are one quantity is dropped (strikers against a company's whole workforce, from the 35k
    corpus); one whose sentences say the same thing stays (58 soldiers killed, at least 58)."""
    from dedup.reconcile import MIN_SCORE_ROUNDED_LIKELY, note_loose_matches

    strikers = (
        "Sáng nay (10.2), khoảng 1.000 công nhân công ty TNHH may mặc ONewoo vẫn đang tiếp tục ngừng việc tập thể "
        "vì bức xúc nhiều quyền lợi bị cắt, giảm.",
        "Được biết, Công ty Onewoo đi vào hoạt động từ năm 2015, với số lượng gần 1.100 công nhân.",
    )
    soldiers = (
        "Ít nhất 58 binh sĩ Philippines, 20 thường dân và hơn 100 tay súng nổi dậy đã thiệt mạng.",
        "Tính đến ngày 10/6, đã có 58 binh sĩ Philippines và 20 dân thường thiệt mạng trong cuộc xung đột tại Marawi.",
    )
    likely = {frozenset(("a", "b")): "likely_match"}
    loose = reconcile([("a", strikers[0]), ("b", strikers[1])])
    assert [(p.verdict, p.a.value, p.b.value) for p in loose] == [("rounded", 1000, 1100)]
    assert loose[0].score < MIN_SCORE_ROUNDED_LIKELY
    assert note_loose_matches(loose, likely) == []
    assert note_loose_matches(loose, {frozenset(("a", "c")): "likely_match"}) == loose  # a firm match keeps it
    close = reconcile([("a", soldiers[0]), ("b", soldiers[1])])
    assert [(p.verdict, p.a.value, p.b.value) for p in close] == [("rounded", 58, 58)]
    assert note_loose_matches(close, likely) == close
