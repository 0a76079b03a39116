"""The `dedup` command line: a thin click layer over the library; the only click import."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import click

from dedup import __version__, evaluate, report
from dedup.config import MatchConfig
from dedup.io import DUPLICATE_ID_RULES, InputError, ReadAside, SpoolError, TextSpool, read_articles
from dedup.models import Article


def _write_atomically(parts: Iterable[str], output: str) -> None:
    """Write to a temporary file beside the target, then rename, so no half-written report is left.

    A symbolic link is followed (its target is replaced, the link kept); a device or a pipe is
    written into directly; "-" is standard output."""
    if output == "-":
        # Reports are UTF-8 whatever the terminal's encoding: Vietnamese text must not fail on it.
        sys.stdout.flush()
        raw = getattr(sys.stdout, "buffer", None)
        for part in parts:
            if raw is None:
                sys.stdout.write(part)
            else:
                raw.write(part.encode("utf-8"))
        (raw or sys.stdout).flush()
        return
    try:
        kind = os.stat(output).st_mode  # through any symbolic link
    except FileNotFoundError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        # A device, pipe or socket (/dev/stdout, a FIFO): written into, never replaced.
        with open(output, "w", encoding="utf-8") as stream:
            stream.writelines(parts)
        return
    # A link to a report is left a link: the file it names is the one replaced.
    target = Path(os.path.realpath(output)) if os.path.islink(output) else Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); a report gets the mode any new file would: the
        # one an existing report has, else 0666 less the umask.
        os.fchmod(fd, _report_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.writelines(parts)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _warn(message: str) -> None:
    """Say on stderr what the run passed over, even under --quiet: nothing is left out unsaid."""
    click.echo(f"dedup: warning: {message}", err=True)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that nothing more is written to a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's captured stream)
        pass


def _report_mode(target: Path) -> int:
    """Permission bits for a report written to target."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def cli() -> None:
    """Find near-duplicate and same-story news articles, group them into stories, and check
    whether the versions of a story agree on their numbers."""


_DEFAULTS = MatchConfig()


def _matching_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that decide what matches, shared by `match` and `explain` (which must weigh a
    pair as the run did)."""
    for option in reversed(_MATCHING_OPTIONS):
        command = option(command)
    return command


_MATCHING_OPTIONS = [
    click.option(
        "--threshold",
        type=click.FloatRange(0, 1),
        default=None,
        help="Same-story probability a candidate pair needs [default: the model's, chosen on labelled stories].",
    ),
    click.option(
        "--min-cosine",
        type=click.FloatRange(0, 1),
        default=_DEFAULTS.min_cosine,
        show_default=True,
        help="Body or lead TF-IDF cosine a same-story pair needs besides its probability.",
    ),
    click.option(
        "--max-days",
        type=click.FloatRange(0),
        default=_DEFAULTS.max_days,
        show_default=True,
        help="Articles published further apart are not the same story (when both dates are known; 0: no limit).",
    ),
    click.option(
        "--lone-pair-floor",
        type=click.FloatRange(0, 1),
        default=_DEFAULTS.lone_pair_floor,
        show_default=True,
        help="Same-story probability two articles need to be a story of their own; a weaker pair counts "
        "only inside a story of three or more (copies always count; 0: any confirmed pair).",
    ),
    click.option(
        "--duplicate-containment",
        type=click.FloatRange(0, 1, min_open=True),
        default=_DEFAULTS.duplicate_containment,
        show_default=True,
        help="Share of the shorter text's 5-word shingles found in the other for a `duplicate`.",
    ),
    click.option(
        "--background",
        type=click.Path(dir_okay=False),
        default=None,
        help="Document-frequency table to combine with the run's own (default: the one shipped).",
    ),
    click.option("--no-background", is_flag=True, help="Use the run's own document frequencies only."),
]


def _matching_config(
    threshold: float | None,
    min_cosine: float,
    max_days: float,
    duplicate_containment: float,
    background: str | None,
    no_background: bool,
    **rest: object,
) -> MatchConfig:
    """The MatchConfig of the _matching_options (and any other fields given in `rest`)."""
    return replace(
        _DEFAULTS,
        threshold=threshold,
        min_cosine=min_cosine,
        max_days=max_days,
        duplicate_containment=duplicate_containment,
        background=None if no_background else (background or _DEFAULTS.background),
        **rest,
    )


_on_duplicate_id_option = click.option(
    "--on-duplicate-id",
    type=click.Choice(DUPLICATE_ID_RULES),
    default="error",
    show_default=True,
    help="An id arriving again with other content: bad input, keep the first, or keep the last "
    "(a record repeated as it was is one article, whatever this says).",
)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE", help="Where to write the report.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted([*report.FORMATS, "parquet"])),
    default=None,
    help="json, jsonl (a story a line) or csv (a pair a row) for machines; md or html for people; "
    "parquet: -o names a directory of tables (articles, pairs, stories, claims, facts, rejected) "
    "[default: from -o's extension (.json .jsonl .csv .md .html), else json].",
)
@click.option("--skip-bad", is_flag=True, help="List bad records under `rejected` and go on, instead of stopping.")
@click.option(
    "--allow-empty", is_flag=True, help="A run that reads no article writes an empty report instead of failing."
)
@click.option(
    "--max-rejected",
    default=None,
    metavar="N|P%",
    help="With --skip-bad: fail (exit 1, no report) when more than N records, or P% of them, are rejected.",
)
@_on_duplicate_id_option
@click.option("--no-claims", is_flag=True, help="Skip the reconciliation of numeric claims.")
@_matching_options
@click.option(
    "-j",
    "--workers",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Worker processes; 0 uses every core. Results do not depend on it.",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Match against the articles indexed in DIR (a SQLite index, made where missing) and add this "
    "run's to it; story ids are the index's, stable across runs.",
)
@click.option(
    "--window-days",
    type=click.FloatRange(0),
    default=7.0,
    show_default=True,
    help="With --index: indexed articles published this many days before the run's earliest article, "
    "or later, are matched with it (undated ones count as published on the day they were indexed).",
)
@click.option(
    "--update",
    is_flag=True,
    help="With --index: an indexed id arriving with another text replaces the indexed article "
    "(without it, that is bad input).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=60.0,
    show_default=True,
    help="With --index: seconds to wait for another run on the same index to finish before giving up.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: this machine's processes. spark: the same stages on Apache Spark, with the same report "
    "(pip install 'dedup[spark]' and Java 17; INPUT may then be a glob or an hdfs:// or s3a:// URI).",
)
@click.option(
    "--master",
    default=None,
    metavar="URL",
    help="With --engine spark: the Spark master (spark://host:7077, yarn, local[4]) [default: local[*]].",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr (warnings still).")
def match(
    inputs: tuple[str, ...],
    output: str,
    fmt: str | None,
    skip_bad: bool,
    allow_empty: bool,
    max_rejected: str | None,
    on_duplicate_id: str,
    threshold: float | None,
    min_cosine: float,
    max_days: float,
    lone_pair_floor: float,
    duplicate_containment: float,
    no_claims: bool,
    background: str | None,
    no_background: bool,
    workers: int,
    index_dir: str | None,
    window_days: float,
    update: bool,
    lock_timeout: float,
    engine: str,
    master: str | None,
    quiet: bool,
) -> None:
    """Match the articles in INPUT... and write a report.

    INPUT is a .txt file (one article), a .jsonl or .ndjson file, gzipped or not (one article a
    line: id, text, and optionally title, source, url, published), a directory (read
    recursively), or - for JSONL on standard input.

    While it runs, the articles' texts wait in a temporary file in $TMPDIR (about the size of the
    input's text), not in memory; the file is gone when the run ends.
    """

    say = _Progress(quiet)

    config = _matching_config(
        threshold, min_cosine, max_days, duplicate_containment, background, no_background,
        claims=not no_claims, workers=workers, lone_pair_floor=lone_pair_floor,
    )  # fmt: skip
    fmt = fmt or (report.format_of(output) if output != "-" else None) or "json"
    _check_output(output, inputs, index_dir, directory=fmt == "parquet")
    if fmt == "parquet":
        _check_parquet_output(output)
    limit = _rejected_limit(max_rejected)
    ctx = click.get_current_context()
    asked_max_days = ctx.get_parameter_source("max_days") == click.core.ParameterSource.COMMANDLINE
    if master is not None and engine != "spark":
        raise click.UsageError("--master is for --engine spark")
    given = {p for p in ("window_days", "update", "lock_timeout", "max_rejected")
             if ctx.get_parameter_source(p) == click.core.ParameterSource.COMMANDLINE}  # fmt: skip
    index_only = sorted(given - {"max_rejected"})
    if index_only and index_dir is None:
        raise click.UsageError(f"--{index_only[0].replace('_', '-')} is for runs against an index: add --index DIR")
    if "max_rejected" in given and not skip_bad:
        raise click.UsageError("--max-rejected bounds what --skip-bad passes over: add --skip-bad")
    if engine == "spark":
        if index_dir is not None:
            raise click.UsageError("--index runs on the local engine: leave out --engine spark")
        _match_spark(
            inputs, output, fmt, skip_bad, config, say, allow_empty, limit, on_duplicate_id, master, asked_max_days
        )
        return
    # Texts wait in a temporary file between the stages that read them, not in memory.
    try:
        spool = TextSpool()
    except SpoolError as err:
        raise click.ClickException(str(err)) from None
    indexed = None if index_dir is None else _Indexed(index_dir, window_days, update, lock_timeout)
    with spool:
        _match(
            inputs, output, fmt, skip_bad, config, say, spool, allow_empty, asked_max_days, limit, on_duplicate_id,
            indexed,
        )  # fmt: skip


def _match_spark(
    inputs: tuple[str, ...],
    output: str,
    fmt: str,
    skip_bad: bool,
    config: MatchConfig,
    say: Callable[[str], None],
    allow_empty: bool,
    max_rejected: tuple[float, bool] | None,
    on_duplicate_id: str,
    master: str | None,
    asked_max_days: bool = False,
) -> None:
    """`match --engine spark`: the run on Spark; the same checks and report as the local engine."""
    from dedup import similarity, spark

    _check_model(config)

    def check_read(articles: list[Article], rejected: list[Any]) -> None:
        # Right after reading: a run with too many rejected records, or none read, stops before
        # the job's other stages, not after them.
        _check_read(inputs, articles, rejected, allow_empty, max_rejected, config, asked_max_days)

    try:
        result = spark.run(
            inputs, config, master=master, skip_bad=skip_bad, on_duplicate_id=on_duplicate_id, progress=say,
            warn=_warn, check_read=check_read,
        )  # fmt: skip
    except (InputError, FileNotFoundError, similarity.BackgroundError, spark.SparkUnavailable) as err:
        raise click.ClickException(str(err)) from None
    except Exception as err:
        failure = spark.job_failure(err)
        if failure is None:
            raise
        raise click.ClickException(f"the Spark job failed: {failure}") from None
    _write_report(result, fmt, output, say)


class _Indexed(NamedTuple):
    """The --index options of a run."""

    directory: str
    window_days: float
    update: bool
    lock_timeout: float


def _match(
    inputs: tuple[str, ...],
    output: str,
    fmt: str,
    skip_bad: bool,
    config: MatchConfig,
    say: Callable[[str], None],
    spool: TextSpool,
    allow_empty: bool = False,
    asked_max_days: bool = False,
    max_rejected: tuple[float, bool] | None = None,
    on_duplicate_id: str = "error",
    indexed: _Indexed | None = None,
) -> None:
    # The input is read in a process of its own while this one loads numpy, scikit-learn and the
    # compiled kernels (the pipeline's own call to kernels.warm is then a few calls on tiny arrays).
    try:
        with ReadAside(inputs, skip_bad, _warn, spool, on_duplicate_id) as reading:
            from dedup import kernels, pipeline, similarity

            kernels.warm()
            _check_model(config)  # before a single article is hashed, not minutes into a run
            articles, rejected = reading.result()
    except (InputError, SpoolError) as err:
        raise click.ClickException(str(err)) from None
    except OSError as err:
        raise click.ClickException(f"{err.filename or ''}: {err.strerror or err}") from None
    say(f"{len(articles)} articles read" + (f", {len(rejected)} rejected" if rejected else ""))
    _say_passed_over(rejected, fmt)
    _check_read(inputs, articles, rejected, allow_empty, max_rejected, config, asked_max_days)
    try:
        if indexed is None:
            result = pipeline.run(articles, config, rejected=rejected, progress=say, spool=spool)
        else:
            result = _run_indexed(articles, config, rejected, say, spool, indexed, inputs)
    except (FileNotFoundError, SpoolError, similarity.BackgroundError, InputError) as err:
        raise click.ClickException(str(err)) from None
    _write_report(result, fmt, output, say)


def _check_output(output: str, inputs: Iterable[str], index_dir: str | None, directory: bool = False) -> None:
    """Before any work: -o must not name an input or anything inside the index (the report would
    replace it), nor a directory (but for --format parquet, which writes one), and must be a place
    a file can be made (a run finds out at its end otherwise, after the index took the run)."""
    if output == "-":
        return
    target = os.path.realpath(output)
    for path in inputs:
        if path != "-" and os.path.isfile(path) and os.path.realpath(path) == target:
            raise click.UsageError(f"-o {output} is one of the inputs: the report would replace it; name another file")
    if index_dir is not None:
        home = os.path.realpath(index_dir)
        if target == home or target.startswith(home + os.sep):
            raise click.UsageError(f"-o {output} is inside the index {index_dir}: name a file outside it")
    if directory:
        return
    if os.path.isdir(output):
        example = Path(output) / "report.json"
        raise click.UsageError(f"-o {output} is a directory: name the report's file (e.g. {example})")
    # The nearest folder that exists must be one that takes new files (missing ones are made).
    parent = Path(target).parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise click.UsageError(f"-o {output}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise click.UsageError(f"-o {output}: cannot write in {parent} (permission denied)")


# How many records passed over (--skip-bad) match names on stderr before it only counts the rest.
PASSED_OVER_SAID = 50


def _say_passed_over(rejected: Sequence[Any], fmt: str | None, said: int = PASSED_OVER_SAID) -> None:
    """Name on stderr, even under --quiet, each record a run passes over (--skip-bad), up to `said`
    of them, then how many more: a match's JSONL and CSV reports have no place for them (JSON,
    Markdown, HTML and Parquet list them); `fmt` None: no report."""
    for bad in rejected[:said]:
        click.echo(f"dedup: passed over {bad.origin}: {bad.reason}", err=True)
    more = len(rejected) - said
    if more > 0:
        where = " (the report lists every one)" if fmt in ("json", "md", "html", "parquet") else ""
        click.echo(f"dedup: passed over {more} more bad records{where}", err=True)


def _check_parquet_output(output: str) -> None:
    """Before any work: --format parquet needs pyarrow and a directory to write (made or replaced)."""
    if output == "-":
        raise click.UsageError("--format parquet writes a directory of tables: name it with -o DIR")
    problem = report.parquet_target_problem(output)
    if problem is not None:
        raise click.UsageError(f"--format parquet writes a directory, and {problem}")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise click.ClickException("--format parquet needs pyarrow: pip install 'dedup[spark]' or pyarrow") from None


def _check_model(config: MatchConfig) -> None:
    """The background table and the pair scorer a run needs, checked before any work (exit 1)."""
    from dedup import pipeline, similarity

    try:
        pipeline.check_background(config)
        pipeline.load_scorer(config)
    except (FileNotFoundError, similarity.BackgroundError) as err:
        raise click.ClickException(str(err)) from None
    except (ValueError, KeyError, TypeError) as err:  # a damaged scorer.json
        raise click.ClickException(f"the pair scorer {config.scorer} cannot be read: {err}") from None


def _check_read(
    inputs: Iterable[str],
    articles: Sequence[Article],
    rejected: list[Any],
    allow_empty: bool,
    max_rejected: tuple[float, bool] | None,
    config: MatchConfig,
    asked_max_days: bool,
) -> None:
    """Stop (exit 1) when too many records were rejected, or none was read and that was not allowed;
    warn when --max-days was asked of articles without dates."""
    n_articles = len(articles)
    if max_rejected is not None and rejected:
        bound, share = max_rejected
        records = n_articles + len(rejected)
        over = len(rejected) > (bound * records / 100 if share else bound)
        if over:
            raise click.ClickException(
                f"{len(rejected)} of {records} records rejected ({100 * len(rejected) / records:.1f}%), more than "
                f"--max-rejected {bound:g}{'%' if share else ''}; the first at {rejected[0].origin}: "
                f"{rejected[0].reason}"
            )
    if not n_articles:
        why = f"every one of the {len(rejected)} records was rejected" if rejected else "no article in the input"
        if not allow_empty:
            raise click.ClickException(
                f"{why} ({' '.join(inputs)}): nothing to match; --allow-empty writes an empty report instead"
            )
        _warn(f"{why}; the report is empty")
    if asked_max_days and config.max_days and not any(a.published for a in articles):
        _warn("no article has a publication date (`published`): --max-days has no effect")


def _write_report(result: Any, fmt: str, output: str, say: Callable[[str], None]) -> None:
    """Write the report where asked, then say what the run found."""
    try:
        if fmt == "parquet":
            report.write_parquet(result, output, _report_mode(Path(output) / "articles.parquet"))
        else:
            _write_atomically(report.write_parts(result, fmt), output)
    except BrokenPipeError:
        # The reader went away (`dedup match ... -o - | head`): stop quietly with status 1, as
        # click does for the other commands' output.
        _quiet_stdout()
        raise SystemExit(1) from None
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror or err}") from None
    stats = result.stats
    # The stages' seconds, where the run timed them (a run against an index does not).
    secs = f", {sum(stats['seconds'].values()):.1f}s" if stats.get("seconds") else ""
    say(
        f"{report.counted(stats['articles'], 'article', 'articles')} -> "
        f"{report.counted(stats['stories'], 'story', 'stories')}, "
        f"{report.counted(stats['pairs'], 'pair', 'pairs')} inside them ({stats['duplicate_pairs']} duplicate, "
        f"{stats['same_story_pairs']} same story), {stats['rejected']} rejected{secs}"
        + ("" if output == "-" else f"; report in {output}")
    )


def _run_indexed(
    articles: list[Article],
    config: MatchConfig,
    rejected: list[Any],
    say: Callable[[str], None],
    spool: TextSpool,
    indexed: _Indexed,
    inputs: tuple[str, ...],
) -> Any:
    """A run against an index: locked for the run, written in one transaction."""
    from dedup import daily, store

    try:
        with store.Index.open(indexed.directory) as index, index.locked(indexed.lock_timeout):
            return daily.run(
                articles, config, index, " ".join(inputs), indexed.window_days, indexed.update, rejected, say, spool
            )
    except store.IndexProblem as err:
        raise click.ClickException(str(err)) from None


@cli.group("index")
def index_group() -> None:
    """Look after an index made by `dedup match ... --index DIR`."""


def _open_index(directory: str) -> Any:
    from dedup import store

    try:
        return store.Index.open(directory, create=False)
    except store.IndexProblem as err:
        raise click.ClickException(str(err)) from None


@index_group.command("stats")
@click.argument("directory", metavar="DIR")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def index_stats(directory: str, as_json: bool) -> None:
    """What the index in DIR holds: articles, stories, runs, days, size."""
    with _open_index(directory) as index:
        figures = index.stats()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {'-' if value is None else value}")  # None: not yet


@index_group.command("export")
@click.argument("directory", metavar="DIR")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE", help="Where to write the JSONL.")
def index_export(directory: str, output: str) -> None:
    """Every indexed article as a line of JSONL: id, story, published, source, title, url, run, day."""
    with _open_index(directory) as index:
        lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in index.export())
        try:
            _write_atomically(lines, output)
        except BrokenPipeError:
            _quiet_stdout()
            raise SystemExit(1) from None
        except OSError as err:
            raise click.ClickException(f"cannot write {output}: {err.strerror or err}") from None


@index_group.command("prune")
@click.argument("directory", metavar="DIR")
@click.option("--before", required=True, metavar="DATE", help="Remove the articles of days before DATE (YYYY-MM-DD).")
@click.option("--lock-timeout", type=click.FloatRange(0), default=60.0, show_default=True,
              help="Seconds to wait for a run on the index to finish.")  # fmt: skip
def index_prune(directory: str, before: str, lock_timeout: float) -> None:
    """Remove the articles published (or, undated, indexed) before DATE. Their stories keep their
    ids (ids are never reused); a story left with one article is dissolved."""
    from dedup import io, store

    try:
        day = io.day_stamp(datetime.strptime(before, "%Y-%m-%d"))
    except ValueError:
        raise click.BadParameter(f"{before!r} is not a date of the form YYYY-MM-DD", param_hint="--before") from None
    with _open_index(directory) as index:
        try:
            with index.locked(lock_timeout):
                done = index.prune(day, before)
        except store.IndexProblem as err:
            raise click.ClickException(str(err)) from None
    click.echo(
        f"{report.counted(done['articles_removed'], 'article', 'articles')} removed, "
        f"{report.counted(done['stories_dissolved'], 'story', 'stories')} dissolved",
        err=True,
    )


class _Progress:
    """What a run says on stderr: a line per stage, and on a terminal a bar for the long stages
    (hashing, claims) drawn in place; elsewhere (a log file, a pipeline) each line carries the
    time since the run started, and no bar."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self.drawn = False

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        if self.drawn:
            click.echo("", err=True)
            self.drawn = False
        if self.tty:
            click.echo(f"dedup: {message}", err=True)
        else:
            click.echo(f"dedup: [{time.monotonic() - self.start:6.1f}s] {message}", err=True)

    def step(self, stage: str, done: int, total: int) -> None:
        """Move the bar of a stage: done of total items."""
        if self.quiet or not self.tty or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        click.echo(f"\rdedup: {stage:<8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True, nl=False)
        self.drawn = done < total
        if not self.drawn:
            click.echo("", err=True)


def _rejected_limit(value: str | None) -> tuple[float, bool] | None:
    """--max-rejected as (bound, is a percentage), or None."""
    if value is None:
        return None
    text = value.strip()
    share = text.endswith("%")
    try:
        bound = float(text[:-1] if share else text)
    except ValueError:
        bound = -1.0
    if bound < 0 or (not share and bound != int(bound)) or (share and bound > 100):
        raise click.BadParameter(
            f"{value!r}: give a whole number of records (10) or a percentage (2%)", param_hint="--max-rejected"
        )
    return bound, share


@cli.command("eval")
@click.argument("report_file", metavar="REPORT")
@click.argument("gold", nargs=-1, required=True, metavar="GOLD...")
def eval_command(report_file: str, gold: tuple[str, ...]) -> None:
    """Score the stories of a JSON REPORT against the `story` labels of GOLD JSONL files.

    GOLD is a .jsonl or .jsonl.gz file, or a directory of them. Prints pairwise and B-cubed
    precision, recall and F1 as one JSON line. Articles without a label are distractors: joining
    one to a labelled article is a false positive. Labelled articles the report does not hold are
    said on stderr (none at all is an error: the report is of another run).
    """
    try:
        data = json.loads(Path(report_file).read_text(encoding="utf-8"))
        stories = evaluate.stories_of_report(data)
        in_report = evaluate.articles_of_report(data)
    except OSError as err:
        raise click.ClickException(f"{report_file}: {err.strerror or err}") from None
    except (ValueError, KeyError, TypeError) as err:
        raise click.ClickException(f"{report_file}: not a dedup JSON report ({err})") from None
    try:
        labels = evaluate.read_gold(gold)
    except evaluate.GoldError as err:
        raise click.ClickException(f"cannot read gold labels: {err}") from None
    missing = sorted(set(labels) - in_report)
    if labels and len(missing) == len(labels):
        raise click.ClickException(
            f"none of the {len(labels)} labelled articles is in {report_file}: it reports another input"
        )
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        click.echo(
            f"dedup: warning: {len(missing)} of {len(labels)} labelled articles are not in {report_file} "
            f"(scored as matching nothing): {shown}",
            err=True,
        )
    click.echo(json.dumps(evaluate.score(stories, labels).to_dict()))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-a", "first", required=True, metavar="ID", help="One article id.")
@click.option("-b", "second", required=True, metavar="ID", help="The other article id.")
@click.option("--json", "as_json", is_flag=True, help="Print the signals as one JSON object.")
@click.option("--skip-bad", is_flag=True, help="Pass over bad records (said on stderr), as `match --skip-bad` does.")
@_on_duplicate_id_option
@_matching_options
def explain(
    inputs: tuple[str, ...],
    first: str,
    second: str,
    as_json: bool,
    skip_bad: bool,
    on_duplicate_id: str,
    threshold: float | None,
    min_cosine: float,
    max_days: float,
    lone_pair_floor: float,
    duplicate_containment: float,
    background: str | None,
    no_background: bool,
) -> None:
    """Show why articles -a and -b of INPUT... did or did not match.

    The articles are read and weighed as `dedup match INPUT...` with the same options would (the
    same IDF, boilerplate and thresholds), then every signal is printed: cosine, shingle overlap,
    LSH buckets shared in each tier, shared top terms, the verdict they give, and whether the two
    end in one story (the majority rule may keep a confirmed pair apart, or join an unconfirmed one
    through the others).
    """
    from dedup import pipeline, similarity

    articles = _read_for_inspection(inputs, skip_bad, on_duplicate_id)
    if first == second:
        raise click.ClickException("-a and -b must name two different articles")
    index = {a.id: i for i, a in enumerate(articles)}
    missing = [x for x in (first, second) if x not in index]
    if missing:
        raise click.ClickException(f"no article with id {', '.join(map(repr, missing))} in {' '.join(inputs)}")
    config = _matching_config(
        threshold, min_cosine, max_days, duplicate_containment, background, no_background, claims=False,
        lone_pair_floor=lone_pair_floor,
    )  # fmt: skip
    try:
        pipeline.check_background(config)
        model = pipeline.load_scorer(config)
    except (FileNotFoundError, ValueError, similarity.BackgroundError) as err:
        raise click.ClickException(str(err)) from None
    prep = pipeline.prepare(articles, config)
    info = pipeline.explain(prep, index[first], index[second], config, model)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"{info['a']} ~ {info['b']}: {info['verdict']}")
    how = "identical texts" if info["identical_texts"] else "shares an LSH bucket"
    click.echo(f"  candidate pair ({how}): {'yes' if info['candidate'] else 'no'}")
    for side, removed in zip((info["a"], info["b"]), info["removed_lines"], strict=True):
        parts = [
            f"{n} as {'titles of other articles' if what == 'titles' else what}" for what, n in removed.items() if n
        ]
        if parts:
            click.echo(f"  {side}: lines removed before hashing: {', '.join(parts)}")
    empty = [side for side, n in zip((info["a"], info["b"]), info["shingles"], strict=True) if not n]
    if empty:
        click.echo(
            f"  shingle tier: no shingles in {' and '.join(empty)} (nothing left once furniture and "
            f"boilerplate are removed); containment {info['shingle_containment']:.3f} "
            f"(duplicate at >= {info['duplicate_containment']})"
        )
    else:
        click.echo(
            f"  shingle tier: {info['shingle_tier_bands_shared']} of {info['shingle_tier_bands']} bands shared; "
            f"Jaccard {info['shingle_jaccard']:.3f}, containment {info['shingle_containment']:.3f} "
            f"(duplicate at >= {info['duplicate_containment']})"
        )
    click.echo(
        f"  term tier: {info['term_tier_bands_shared']} of {info['term_tier_bands']} bands shared; "
        f"{info['story_set_shared']} terms or names shared (the terms among them: "
        f"{', '.join(info['shared_top_terms']) or 'none'})"
    )
    click.echo(f"  same-story probability {info['probability']:.3f} (confirmed at >= {info['threshold']})")
    if info["confidence"]:
        click.echo(f"  confidence: {info['confidence']} (a copy, or same-story at >= {info['firm']}, is firm)")
    if info["days_apart"] is not None:
        click.echo(f"  published {info['days_apart']} days apart (limit {info['max_days']})")
    if info["titles_dated_apart"]:
        click.echo("  the titles name different days: not one story (a column or bulletin of two days)")
    confirmed = info["verdict"] != "no match"
    if info["one_story"]:
        click.echo("  stories: in one story" + ("" if confirmed else ", through the articles both match"))
    elif info["lone_pair"]:
        click.echo(
            "  stories: not one story: the pair would make a story of the two alone, and two articles "
            f"are a story of their own only at a same-story probability of {info['lone_pair_floor']} or more"
        )
    else:
        click.echo(
            "  stories: in different stories"
            + (": the majority rule kept their groups apart (too few confirmed pairs across them)" if confirmed else "")
        )
    click.echo("  signals:")
    for name, value in info["signals"].items():
        click.echo(f"    {name:<28} {value:.4f}")


def _read_for_inspection(inputs: Iterable[str], skip_bad: bool, on_duplicate_id: str = "error") -> list[Article]:
    """The articles of `inputs` for `explain` and `claims`: bad input stops the command as it stops
    `match`; with `skip_bad` each bad record is said on stderr and passed over."""
    try:
        articles, rejected = read_articles(inputs, skip_bad=skip_bad, warn=_warn, on_duplicate_id=on_duplicate_id)
    except InputError as err:
        raise click.ClickException(str(err)) from None
    except OSError as err:
        raise click.ClickException(f"{err.filename or ''}: {err.strerror or err}") from None
    _say_passed_over(rejected, None, said=len(rejected))
    return articles


def _num(x: float | None, none: str = "-") -> str:
    if x is None:
        return none
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@cli.command()
@click.argument("items", nargs=-1, required=True, metavar="FILE_OR_ID...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for reading, or one JSON object a claim.",
)
@click.option("--skip-bad", is_flag=True, help="Pass over bad records (said on stderr) instead of stopping.")
@_on_duplicate_id_option
def claims(items: tuple[str, ...], fmt: str, skip_bad: bool, on_duplicate_id: str) -> None:
    """List the numeric claims read from articles: value, interval, unit or noun, snippet.

    FILE_OR_ID is an article file or directory (as for `match`); any other word is an article id
    to pick from those files, so `dedup claims feed.jsonl.gz 12345` shows one article's claims.
    """
    from dedup.claims import claim_text, extract_claims, stated_interval, title_prefix
    from dedup.reconcile import claim_to_dict

    paths = [i for i in items if i == "-" or Path(i).exists()]
    wanted = [i for i in items if i not in paths]
    if not paths:
        raise click.ClickException(f"no article file or directory among: {' '.join(items)}")
    articles = _read_for_inspection(paths, skip_bad, on_duplicate_id)
    if wanted:
        by_id = {a.id: a for a in articles}
        missing = [w for w in wanted if w not in by_id]
        if missing:
            # A word written as a file ("typo.jsonl", "data/x") is more likely a path mistyped.
            files = [w for w in missing if w.endswith((".txt", ".jsonl", ".gz")) or os.sep in w]
            if files:
                raise click.ClickException(f"{files[0]}: no such file or directory (nor an article id)")
            raise click.ClickException(f"no article with id {', '.join(map(repr, missing))} in {' '.join(paths)}")
        articles = [by_id[w] for w in wanted]
    for article in articles:
        found = extract_claims(claim_text(article))
        if fmt == "json":
            for c in found:
                # The claim as a report's claim pair shows it (numbers as the report writes them,
                # offsets into the article's text), with what it was aligned on.
                record = {
                    **claim_to_dict(article.id, c, title_prefix(article)),
                    "noun": c.noun,
                    "quantity": c.quantity,
                    "sentence": c.sentence,
                }
                click.echo(json.dumps(record, ensure_ascii=False))
            continue
        title = " ".join(article.title.split())  # one line, whatever the title holds
        click.echo(f"== {article.id}  {title}  ({len(found)} claim{'' if len(found) == 1 else 's'})")
        for c in found:
            low, high = stated_interval(c)
            # The interval as worded, an open end as "…"; the verdicts close it at the written
            # precision (the JSON's judged_low/judged_high).
            bounds = f"[{_num(low, '…')}, {_num(high, '…')}]"
            click.echo(f"  {_num(c.value):>14}  {bounds:<28} {c.qualifier or '':<10} {c.quantity:<24} «{c.text}»")


# The signal that stopped the run, once it came: what fails after it (a worker process stopped
# with the run, the SystemExit lost where Python ignores exceptions) is part of the stop.
_STOPPED: list[int] = []


def _stop_on_sigterm() -> None:
    """Make SIGTERM (a job scheduler's stop, `timeout`, `kill`) end this process as an error does:
    the report's temporary file removed, worker processes stopped, exit status 143, no traceback.
    Processes forked from this one keep the default action (they are stopped by it, as their
    pools expect)."""
    here = os.getpid()

    def stop(signum: int, _frame: object) -> None:
        if os.getpid() != here:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        signal.signal(signum, signal.SIG_IGN)  # one stop is enough while the cleanup runs
        if not _STOPPED:
            print("dedup: stopped by SIGTERM", file=sys.stderr)
        _STOPPED.append(signum)
        raise SystemExit(128 + signum)

    before = sys.unraisablehook

    def unraisable(args: Any) -> None:
        if _STOPPED and isinstance(args.exc_value, SystemExit) and len(_STOPPED) < 5:
            # The stop was raised where Python ignores exceptions (a finaliser, a callback of
            # compiled code): it is sent again in a moment, to be raised where the run stops on it.
            signal.signal(_STOPPED[0], stop)
            again = threading.Timer(0.05, os.kill, (os.getpid(), _STOPPED[0]))
            again.daemon = True
            again.start()
            return
        before(args)

    sys.unraisablehook = unraisable
    signal.signal(signal.SIGTERM, stop)


def main() -> None:
    """Console-script entry point.

    The process ends without the interpreter's teardown, which frees a large run's millions of
    objects one by one (half a second after a corpus of 35k articles) only for the system to take
    the memory back anyway. By then the report is written and renamed, the text spool removed and
    every worker process joined; the standard streams are flushed here.
    """
    _stop_on_sigterm()
    try:
        cli(prog_name="dedup")
    except SystemExit as stop:  # click's standalone mode always ends this way
        code = 128 + _STOPPED[0] if _STOPPED else stop.code
    except BaseException:
        if not _STOPPED:
            raise
        code = 128 + _STOPPED[0]  # stopped: the error is the stop's doing, said already
    else:  # pragma: no cover - standalone mode never returns
        code = 0
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
    except OSError:  # a closed pipe (dedup claims ... | head): nothing more can reach it
        code = code or 1
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    sys.exit(main())
