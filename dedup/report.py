"""Report -> JSON or JSON lines or CSV (for machines), Markdown and HTML (for people); each a pure function.

The JSON keeps to the contract (articles, pairs, stories, rejected, stats) and is byte-identical
for the same input: keys in a fixed order, lists sorted, floats rounded, no timings.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from dedup import html_app
from dedup.models import Article, Report

VERDICT_ORDER = {"conflict": 0, "rounded": 1, "exact": 2}


def _article_record(article: Article, story: str | None, earlier: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": article.id,
        "source": article.source,
        "title": article.title,
        "story": story,
    }
    if earlier:
        record["earlier"] = True  # indexed by an earlier run, listed for its story
    if article.url:
        record["url"] = article.url
    if article.published:
        record["published"] = article.published.isoformat(timespec="minutes")
    return record


def _sections(report: Report) -> Iterator[tuple[str, Any]]:
    """The report's top-level keys in contract order, each list as a generator of its records."""
    story_of = report.story_of()
    pairs_of = report.story_matches
    yield "articles", (_article_record(a, story_of.get(a.id), a.id in report.earlier) for a in report.articles)
    yield (
        "pairs",
        ({"a": m.a, "b": m.b, "kind": m.kind, "score": round(m.score, 4), **m.evidence} for m in report.matches),
    )
    yield (
        "stories",
        (
            {
                "id": s.id,
                "articles": list(s.articles),
                "kinds": sorted({m.kind for m in pairs_of[s.id]}),
                "confidence": report.confidence_of[s.id],
                "claims": list(s.claims),
                "facts": list(s.facts),
            }
            for s in report.stories
        ),
    )
    yield "rejected", (r.to_dict() for r in report.rejected)
    yield "stats", {k: v for k, v in report.stats.items() if k != "seconds"}


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain data in the contract's shape."""
    return {key: value if isinstance(value, dict) else list(value) for key, value in _sections(report)}


def json_parts(report: Report) -> Iterator[str]:
    """`to_json` in pieces, a record at a time, so that a large report is written without being held."""
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    yield "{\n"
    for number, (key, value) in enumerate(_sections(report)):
        head = (",\n" if number else "") + f' "{key}": '
        if isinstance(value, dict):
            yield head + compact(value)
            continue
        first = True
        for record in value:
            yield (head + "[\n  " if first else ",\n  ") + compact(record)
            first = False
        yield head + "[]" if first else "\n ]"
    yield "\n}\n"


def to_json(report: Report) -> str:
    """The JSON report, deterministic to the byte: one line per article, pair, story and rejected record.

    Each record is encoded compactly by the json module's C encoder (an indented dump goes
    through the pure-Python one, several seconds on a report of 35k articles), and the records
    stand one per line so that reports diff and grep well.
    """
    return "".join(json_parts(report))


def _doubtful(c: dict[str, Any]) -> bool:
    """A conflict with a note saying why it may not be one (its `doubt` says which reason)."""
    return c.get("verdict") == "conflict" and bool(c.get("note"))


def _firm(c: dict[str, Any]) -> bool:
    """A conflict without such a note."""
    return c.get("verdict") == "conflict" and not _doubtful(c)


def _sorted_claims(claims: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """Firm conflicts first, then the doubtful ones, then rounded and exact figures."""
    return sorted(claims, key=lambda c: (VERDICT_ORDER.get(c.get("verdict", ""), 3), _doubtful(c)))


def _who(article: Article | None, art_id: str) -> str:
    if article is None:
        return art_id
    return f"{article.source} ({art_id})" if article.source else art_id


# Every character that ends a line for a Markdown reader (str.splitlines' breaks).
_LINE_BREAKS_RE = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


# The characters that would make Markdown of a title, an id or a snippet ("*Độc quyền*",
# "[Video] ...", "<b>", "a|b", "&amp;", "_x_"): each is written after a backslash, which shows it
# as is. An underscore between two letters or digits ("000_2b6a") makes no emphasis and is kept.
_MD_SPECIAL_RE = re.compile(r"([\\`*\[\]<>|~&#]|(?<![^\W_])_|_(?![^\W_]))")


def _md_line(text: Any) -> str:
    """Text on one line, shown as written: each run of line breaks becomes a space and each
    character Markdown would read as markup is escaped."""
    return _MD_SPECIAL_RE.sub(r"\\\1", _LINE_BREAKS_RE.sub(" ", str(text if text is not None else "")))


_md_cell = _md_line  # a table cell: "|" is escaped with the rest


def counted(n: int, one: str, many: str) -> str:
    """n with the noun it counts: "1 story", "2 stories"."""
    return f"{n} {one if n == 1 else many}"


# How the report's first line counts the doubtful conflicts, by reason (reconcile.DOUBTS, in its order).
_DOUBT_ASIDES = {
    "versions_apart": "of them between versions that contradict more figures than they share: perhaps different "
    "days or events",
    "several": "among several figures of their kind: perhaps two quantities",
    "worded": "whose figures are not worded alike: perhaps two quantities",
    "far_apart": "whose figures are far apart: perhaps two quantities",
    "likely_match": "between versions only likely to tell one event",
    "unmatched": "between versions not matched with each other",
}


def _summary(report: Report) -> str:
    """The report's first line: counts of articles, stories, pairs, conflicts, rejected records."""
    stats = report.stats
    conflicts = sum(c.get("verdict") == "conflict" for s in report.stories for c in s.claims)
    doubts = Counter(c.get("doubt") for s in report.stories for c in s.claims if _doubtful(c))
    in_stories = stats.get("articles_in_stories", 0)
    # With an index, a story lists the articles earlier runs gave it too: the run's count does not.
    earlier = sum(a in report.earlier for s in report.stories for a in s.articles) if report.earlier else 0
    asides = [f"{doubts[code]} {_DOUBT_ASIDES[code]}" for code in _DOUBT_ASIDES if doubts[code]]
    of_them = f" ({'; '.join(asides)})" if asides else ""
    return (
        f"{counted(stats.get('articles', len(report.articles)), 'article', 'articles')}, "
        f"{counted(len(report.stories), 'story', 'stories')} ({counted(in_stories, 'article', 'articles')} in "
        f"{'it' if len(report.stories) == 1 else 'them'}"
        + (f", {earlier} of them indexed earlier" if earlier else "")
        + "), "
        f"{counted(len(report.matches), 'matched pair', 'matched pairs')} "
        f"({stats.get('duplicate_pairs', 0)} duplicate, {stats.get('same_story_pairs', 0)} same story), "
        f"{counted(conflicts, 'number conflict', 'number conflicts')}{of_them}, "
        f"{counted(len(report.rejected), 'rejected record', 'rejected records')}."
    )


def _by_conflicts(report: Report) -> list[Any]:
    """Stories with the most firm number conflicts first, then the most doubtful ones, then by id."""
    return sorted(report.stories, key=lambda s: (-sum(map(_firm, s.claims)), -sum(map(_doubtful, s.claims)), s.id))


def _when(article: Article | None) -> str:
    """An article's publication time as the people's reports show it (no time for a date alone)."""
    if article is None or article.published is None:
        return ""
    p = article.published
    return (
        p.strftime("%Y-%m-%d")
        if (p.hour, p.minute, p.second, p.microsecond) == (0, 0, 0, 0)
        else p.strftime("%Y-%m-%d %H:%M")
    )


def _marked(sentence: str, text: str, mark: Callable[[str], str], plain: Callable[[str], str]) -> str:
    """A figure's sentence with the figure marked (the first place it is written), each part escaped."""
    at = sentence.find(text)
    if at < 0:
        return plain(sentence)
    return plain(sentence[:at]) + mark(text) + plain(sentence[at + len(text) :])


def _conflict_rows(story: Any) -> list[dict[str, Any]]:
    """The fact-table rows of a story whose versions disagree: firm ones first."""
    return [r for r in story.facts if r.get("verdict") == "conflict"]


def _md_facts(story: Any, by_id: dict[str, Article]) -> list[str]:
    """The story's disagreeing facts, each figure in its sentence (Markdown)."""
    rows = _conflict_rows(story)
    if not rows:
        return []
    lines = ["", f"Facts the versions disagree on ({len(rows)} of {len(story.facts)} compared):", ""]
    for r in rows:
        mark = "conflict?" if r.get("note") else "**conflict**"
        lines.append(f"- {mark} {_md_line(r['quantity'])}:")
        for f in r["figures"]:
            said = _marked(f["sentence"], f["text"], lambda t: f"**{_md_line(t)}**", _md_line)
            lines.append(f"  - {_md_line(_who(by_id.get(f['article']), f['article']))}: {said}")
    return lines


# Markdown is read top to bottom: the story index and each story's tables are cut with a count.
MD_INDEX_ROWS = 300
MD_ROWS = 30


def _more(total: int, what: str, columns: int) -> list[str]:
    """A table row saying how many rows were left out, if any."""
    if total <= MD_ROWS:
        return []
    return [f"| … and {total - MD_ROWS} more {what} |" + " |" * (columns - 1)]


def to_markdown(report: Report) -> str:
    """A report a person can read: stories with their articles, pair scores and number checks."""
    by_id = {a.id: a for a in report.articles}
    pairs_of = report.story_matches
    lines = ["# Match report", "", _summary(report), ""]
    ordered = _by_conflicts(report)
    confidence = report.confidence_of
    if ordered:
        lines += ["## Stories", ""]
        for story in ordered[:MD_INDEX_ROWS]:
            first = by_id.get(story.articles[0])
            firm = sum(map(_firm, story.claims))
            lines.append(
                f"- [{_md_line(story.id)}: {_md_line(first.title) if first else ''}](#story-{story.id}) — "
                f"{len(story.articles)} articles, {confidence[story.id]}"
                + (f", {counted(firm, 'conflict', 'conflicts')}" if firm else "")
            )
        if len(ordered) > MD_INDEX_ROWS:
            lines.append(f"- … and {len(ordered) - MD_INDEX_ROWS} more stories, below")
        lines.append("")
    for story in ordered:
        first = by_id.get(story.articles[0])
        lines += [f'<a id="story-{story.id}"></a>', ""]
        lines += [f"## Story {_md_line(story.id)}: {_md_line(first.title) if first else ''}", ""]
        firm_story = confidence[story.id] == "firm"
        lines += [
            f"Confidence: {confidence[story.id]}"
            + (" (its firm pairs alone join its versions)" if firm_story else " (it rests on likely pairs)"),
            "",
        ]
        lines += ["| article | source | published | title |", "|---|---|---|---|"]
        for art_id in story.articles[:MD_ROWS]:
            a = by_id.get(art_id)
            source, title = (a.source, a.title) if a else ("", "")
            shown = _md_cell(art_id) + (" (indexed earlier)" if art_id in report.earlier else "")
            lines.append(f"| {shown} | {_md_cell(source)} | {_when(a)} | {_md_cell(title)} |")
        lines += _more(len(story.articles), "articles", 4)
        lines += [
            "",
            "| pair | kind | confidence | probability | cosine | shingle Jaccard | containment |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in pairs_of[story.id][:MD_ROWS]:
            ev = m.evidence
            lines.append(
                f"| {_md_cell(m.a)} ~ {_md_cell(m.b)} | {m.kind} | {ev.get('confidence', '')} | "
                f"{ev.get('probability', m.score):.3f} | "
                f"{ev.get('cosine', 0):.3f} | {ev.get('jaccard', 0):.3f} | {ev.get('containment', 0):.3f} |"
            )
        lines += _more(len(pairs_of[story.id]), "pairs", 6)
        lines += _md_facts(story, by_id)
        if story.claims:
            lines += ["", "| verdict | quantity | says | says |", "|---|---|---|---|"]
            for c in _sorted_claims(story.claims)[:MD_ROWS]:
                a, b = c["a"], c["b"]
                mark = "conflict?" if _doubtful(c) else "**conflict**" if c["verdict"] == "conflict" else c["verdict"]
                lines.append(
                    f"| {mark} | {_md_cell(c['quantity'])} | «{_md_cell(a['text'])}» — "
                    f"{_md_cell(_who(by_id.get(a['article']), a['article']))} | «{_md_cell(b['text'])}» — "
                    f"{_md_cell(_who(by_id.get(b['article']), b['article']))} |"
                )
            lines += _more(len(story.claims), "figure pairs", 4)
        lines.append("")
    if report.rejected:
        lines += ["## Rejected records", "", "| where | id | why |", "|---|---|---|"]
        lines += [f"| {_md_cell(r.origin)} | {_md_cell(r.id)} | {_md_cell(r.reason)} |" for r in report.rejected]
        lines.append("")
    return "\n".join(lines)


def to_html(report: Report) -> str:
    """A page a person can use: the summary, a story index to search, filter and sort, and each
    story with its versions side by side and its fact table (see dedup.html_app)."""
    return html_app.to_html(report, _summary(report))


def jsonl_parts(report: Report) -> Iterator[str]:
    """One JSON line per story: its id, articles (with source and title), kinds, pairs and claims;
    then one line per article in no story, with "story": null. Every article is on one line."""
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    by_id = {a.id: a for a in report.articles}
    pairs_of = report.story_matches
    for s in report.stories:
        pairs = pairs_of[s.id]
        record = {
            "story": s.id,
            "articles": [_article_record(by_id[a], s.id, a in report.earlier) for a in s.articles],
            "kinds": sorted({m.kind for m in pairs}),
            "confidence": report.confidence_of[s.id],
            "pairs": [{"a": m.a, "b": m.b, "kind": m.kind, "score": round(m.score, 4), **m.evidence} for m in pairs],
            "claims": list(s.claims),
            "facts": list(s.facts),
        }
        yield compact(record) + "\n"
    story_of = report.story_of()
    for a in report.articles:
        if a.id not in story_of:
            yield compact({"story": None, "articles": [_article_record(a, None, a.id in report.earlier)]}) + "\n"


def to_jsonl(report: Report) -> str:
    """The report as JSON lines (see jsonl_parts)."""
    return "".join(jsonl_parts(report))


CSV_COLUMNS = (
    "a", "b", "kind", "score", "story", "probability", "cosine", "jaccard", "containment", "confidence",
    "a_title", "b_title", "a_source", "b_source",
)  # fmt: skip


def to_csv(report: Report) -> str:
    """One row per confirmed pair: a, b, kind, score, its story, the evidence, both titles and sources."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    story_of = report.story_of()
    by_id = {a.id: a for a in report.articles}
    for m in report.matches:
        ev = m.evidence
        writer.writerow(
            [m.a, m.b, m.kind, round(m.score, 4), story_of.get(m.a)]
            + [ev.get(k) for k in ("probability", "cosine", "jaccard", "containment", "confidence")]
            + [by_id[m.a].title, by_id[m.b].title, by_id[m.a].source, by_id[m.b].source]
        )
    return out.getvalue()


FORMATS = {"json": to_json, "jsonl": to_jsonl, "md": to_markdown, "html": to_html, "csv": to_csv}
# The format a report file's extension asks for.
EXTENSIONS = {
    ".parquet": "parquet",  # a directory of tables (cli writes it with write_parquet)
    ".json": "json",
    ".jsonl": "jsonl",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
}


def format_of(path: str) -> str | None:
    """The format an output path's extension names, or None."""
    lower = path.lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if lower.endswith(ext)), None)


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A record with its nested records' fields as columns of their own ("a": {"value": 3} -> a_value)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}_"))
        else:
            out[f"{prefix}{key}"] = value
    return out


def tables(report: Report) -> dict[str, list[dict[str, Any]]]:
    """The report as flat tables, a row per article, pair, story, compared pair of figures
    (claims) and figure of a fact (facts): what a columnar store or a dataframe wants."""
    data = to_dict(report)
    claims = [_flat({"story": s["id"], "pair": k, **c}) for s in data["stories"] for k, c in enumerate(s["claims"])]
    facts = [
        {
            "story": s["id"],
            "fact": k,
            **{key: value for key, value in f.items() if key != "figures"},
            **{f"figure_{key}": value for key, value in figure.items()},
        }
        for s in data["stories"]
        for k, f in enumerate(s["facts"])
        for figure in f["figures"]
    ]
    stories = [
        {
            "id": s["id"],
            "articles": s["articles"],
            "kinds": s["kinds"],
            "confidence": s["confidence"],
            "claims": len(s["claims"]),
            "facts": len(s["facts"]),
        }
        for s in data["stories"]
    ]
    return {
        "articles": data["articles"],
        "pairs": data["pairs"],
        "stories": stories,
        "claims": claims,
        "facts": facts,
        "rejected": data["rejected"],
    }


PARQUET_TABLES = ("articles", "pairs", "stories", "claims", "facts", "rejected")
# Columns whose values are whole numbers (positions, counts); any other numeric column is written
# as float64 and any column without a value as string, so that every report has the same types.
_WHOLE = {"pair", "fact", "claims", "facts", "start", "end", "a_start", "a_end", "b_start", "b_end"}
_WHOLE |= {f"figure_{c}" for c in ("start", "end")}
_FIRST_COLUMNS = {
    "articles": ["id", "source", "title", "story", "earlier", "url", "published"],
    "pairs": ["a", "b", "kind", "score", "probability", "cosine", "jaccard", "containment", "confidence"],
    "stories": ["id", "articles", "kinds", "confidence", "claims", "facts"],
    "claims": ["story", "pair", "quantity", "verdict", "score", "note", "doubt"],
    "facts": ["story", "fact", "quantity", "verdict"],
    "rejected": ["origin", "id", "reason"],
}


def parquet_target_problem(directory: str) -> str | None:
    """Why `directory` cannot take a report's tables, or None: it must be new, empty, or hold the
    tables of an earlier report only (it is replaced whole)."""
    import os

    if os.path.exists(directory) and not os.path.isdir(directory):
        return f"{directory} is a file"
    if os.path.isdir(directory):
        others = sorted(set(os.listdir(directory)) - {f"{t}.parquet" for t in PARQUET_TABLES})
        if others:
            return (
                f"{directory} holds other files than a report's tables ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}): name a new directory"
            )
    return None


def _parquet_column(name: str, values: list[Any]) -> Any:
    import pyarrow as pa

    column = pa.array(values)
    if pa.types.is_null(column.type):
        return column.cast(pa.string())
    if (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)) and name not in _WHOLE:
        return column.cast(pa.float64())
    return column


def write_parquet(report: Report, directory: str, mode: int = 0o644) -> None:
    """The report's tables (see `tables`) as Parquet files in `directory` (and its parents, made
    where missing), made or replaced whole: the tables are written beside it first, and the
    old directory comes back if the swap fails. `directory` must pass parquet_target_problem."""
    import os
    import shutil
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    problem = parquet_target_problem(directory)
    if problem is not None:
        raise ValueError(problem)
    target = os.path.realpath(directory)  # a link to a directory is kept; its target is replaced
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".parquet-", dir=parent)
    old = None
    try:
        for name, rows in tables(report).items():
            # Every column any row has (a row lacks the keys it has no value for: url, note ...).
            columns = list(dict.fromkeys([*_FIRST_COLUMNS[name], *(key for row in rows for key in row)]))
            table = pa.table({c: _parquet_column(c, [row.get(c) for row in rows]) for c in columns})
            pq.write_table(table, os.path.join(staging, f"{name}.parquet"))
            os.chmod(os.path.join(staging, f"{name}.parquet"), mode)
        os.chmod(staging, mode | (mode & 0o444) >> 2)  # a directory: searchable where readable
        if os.path.isdir(target):
            old = tempfile.mkdtemp(prefix=".parquet-old-", dir=parent)
            os.replace(target, os.path.join(old, "report"))
        try:
            os.replace(staging, target)
        except BaseException:
            if old is not None:
                os.replace(os.path.join(old, "report"), target)
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_parts(report: Report, fmt: str) -> Iterator[str]:
    """The report in a format, in pieces to write one after another (JSON a record at a time)."""
    if fmt == "json":
        yield from json_parts(report)
    elif fmt == "jsonl":
        yield from jsonl_parts(report)
    else:
        yield FORMATS[fmt](report)
