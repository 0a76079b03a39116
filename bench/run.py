"""`make bench`: time and measure dedup beside the design done plainly, and beside public references.

Rows, each run back to back as its own subprocess so that peak memory belongs to that run alone:

* ``dedup``: ``dedup match CORPUS -o out/bench/dedup.json`` with default settings (``--workers`` passes ``-j``);
* ``dedup, no claims``: the same with ``--no-claims``: the work the yardstick does (both tiers, confirmation,
  clustering) without the reconciliation of numeric claims, which it does not do;
* ``plain datasketch``: ``bench/plain_datasketch.py`` (datasketch MinHash-LSH + scikit-learn TF-IDF confirm);
* references, unless ``--skip-references``: rensa (a Rust MinHash) and text-dedup, each doing MinHash + LSH
  only (word 5-shingles, 128 permutations, threshold 0.5), installed on demand into a separate virtualenv
  (``out/bench-venv``), never into dedup's. A reference that cannot be installed or run gets a row saying why.

``--repeat R`` runs the three rows (dedup, dedup without claims, plain) R times in turn, and gives the ratios of
each round and their median: the speed of a shared machine drifts from minute to minute (the same run has taken
22 to 30 s within an hour), and a round's rows, run back to back, share its conditions.

``--scaling`` adds dedup runs at 5k and 10k articles (prefixes of the corpus), the whole corpus, and four times
the corpus (the corpus followed by three perturbed copies with new ids: one sentence dropped and a few
neighbouring words swapped per article, fixed seed), to show how time and memory grow.

Each command runs under a small wrapper process that times it and reads its own
``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak resident set of the largest single process in the
command's tree. For multi-process runs the sum over the tree is also sampled from /proc every 0.2 s
(shared pages count once per process, so it errs high). ``cpu s`` is the run's own user + system time and
``other cpu s`` what the rest of the machine used meanwhile: well above zero, the wall times are inflated by
contention. A run is stopped after ``--timeout`` seconds, or when the machine's available memory falls under
1.5 GiB (better than letting the OOM killer choose a victim). Results are printed as a table and written to
``out/bench/results.json``; progress goes to stderr, each command's own output to ``out/bench/logs/``.

    python bench/run.py --corpus ../shared/data/baomoi-2017.jsonl.gz [--repeat R] [--skip-references] [--scaling]
        [--workers N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "baomoi-2017.jsonl.gz"
DEFAULT_OUT = ROOT / "out" / "bench"
DEFAULT_VENV = ROOT / "out" / "bench-venv"
KIB_PER_MIB = 1024
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
INSTALL_TIMEOUT_S = 1800
SCALING_PREFIXES = (5_000, 10_000)
SCALING_COPIES = 4
PERTURB_SEED = 20170101
MEMORY_FLOOR_MIB = 1536  # stop a run when the machine's MemAvailable falls below this
OTHERS_CPU_SHARE = 0.1  # other processes' CPU seconds above this share of a run's wall time: contended
BUSY_PERCENT = 10.0  # CPUs busier than this just before a run means something else is using them

# Runs argv[2:], then writes its wall time, exit code and its children's rusage to the file argv[1]. On Linux
# RUSAGE_CHILDREN covers every descendant that was waited for, and ru_maxrss (KiB) is the largest one's peak.
_WRAPPER = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"rc": rc, "wall_s": wall, "maxrss_kib": ru.ru_maxrss, "cpu_s": ru.ru_utime + ru.ru_stime}, out)
"""


def say(message: str) -> None:
    """A progress line on stderr."""
    print(f"bench {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    """One measured run (or one that was skipped, with the reason)."""

    name: str
    articles: int
    wall_s: float | None = None
    peak_rss_mib: float | None = None
    peak_tree_mib: float | None = None
    cpu_s: float | None = None
    rc: int | None = None
    load_before: float | None = None
    busy_before_pct: float | None = None
    others_cpu_s: float | None = None
    note: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the command ran and exited 0."""
        return self.skipped is None and self.rc == 0

    @property
    def articles_per_s(self) -> float | None:
        """Throughput over the whole run, reading the input and writing the output included."""
        return self.articles / self.wall_s if self.ok and self.wall_s else None

    def to_dict(self) -> dict[str, Any]:
        """The row as plain data for results.json."""
        data = asdict(self)
        data["articles_per_s"] = round(self.articles_per_s, 1) if self.articles_per_s else None
        return data


# -- measuring -------------------------------------------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    """Pids of every live process below `root`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _rss_kib(pid: int) -> int:
    """Resident set of one process in KiB, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the process group `proc` leads (it was started in a session of its own), then kill it."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user time
    return total - idle, total


def busy_percent(window_s: float = 1.0) -> float:
    """Share of the machine's CPU time in use over the next `window_s` seconds, in percent."""
    busy0, total0 = _cpu_jiffies()
    time.sleep(window_s)
    busy1, total1 = _cpu_jiffies()
    return round(100.0 * (busy1 - busy0) / max(1, total1 - total0), 1)


def _available_kib() -> int | None:
    """MemAvailable from /proc/meminfo, None where it cannot be read."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class TreeSampler(threading.Thread):
    """Samples the summed resident set of every process below a pid until stopped; keeps the peak.

    Also guards the machine: when MemAvailable falls below `floor_kib` it stops the run's process group
    (rather than let the kernel's OOM killer pick a victim, perhaps someone else's process) and says so.
    """

    def __init__(self, proc: subprocess.Popen[bytes], interval_s: float = 0.2, floor_kib: int = 0) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.interval_s = interval_s
        self.floor_kib = floor_kib
        self.peak_kib = 0
        self.out_of_memory = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Poll until `stop` is called."""
        while not self._stop_event.is_set():
            total = sum(_rss_kib(pid) for pid in _descendants(self.proc.pid))
            self.peak_kib = max(self.peak_kib, total)
            available = _available_kib()
            if self.floor_kib and available is not None and available < self.floor_kib:
                self.out_of_memory = True
                _stop_group(self.proc)
                return
            self._stop_event.wait(self.interval_s)

    def stop(self) -> int:
        """Stop polling and return the peak in KiB."""
        self._stop_event.set()
        self.join()
        return self.peak_kib


def measure(
    name: str,
    cmd: Sequence[str | os.PathLike[str]],
    articles: int,
    logs: Path,
    env: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> Row:
    """Run `cmd` under the timing wrapper, its output going to logs/<name>.log, and return its row.

    A run still going after `timeout_s` is stopped (its whole process group) and reported as such.
    """
    logs.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    log_path = logs / f"{slug}.log"
    stats_path = logs / f"{slug}.rusage.json"
    stats_path.unlink(missing_ok=True)
    argv = [sys.executable, "-c", _WRAPPER, str(stats_path), *map(str, cmd)]
    load = round(os.getloadavg()[0], 2)
    busy = busy_percent()
    say(f"{name}: {' '.join(map(str, cmd))}")
    if busy > BUSY_PERCENT:
        say(f"{name}: note: the CPUs were {busy:.0f}% busy just before the start; other work may slow this run")
    jiffies_before = _cpu_jiffies()[0]
    with log_path.open("w", encoding="utf-8") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
        sampler = TreeSampler(proc, floor_kib=MEMORY_FLOOR_MIB * KIB_PER_MIB)
        sampler.start()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _stop_group(proc)
        tree_kib = sampler.stop()
    machine_cpu_s = (_cpu_jiffies()[0] - jiffies_before) / os.sysconf("SC_CLK_TCK")
    row = Row(name=name, articles=articles, load_before=load, busy_before_pct=busy)
    if sampler.out_of_memory:
        row.skipped = (
            f"stopped: the machine had under {MEMORY_FLOOR_MIB} MiB available "
            f"(run's tree at {tree_kib / KIB_PER_MIB:.0f} MiB)"
        )
        say(f"{name}: {row.skipped}")
        return row
    if timeout_s is not None and time.perf_counter() - start >= timeout_s and not stats_path.exists():
        row.skipped = f"stopped after {timeout_s:g} s (--timeout); peak tree {tree_kib / KIB_PER_MIB:.0f} MiB so far"
        say(f"{name}: {row.skipped}")
        return row
    if not stats_path.exists():
        row.rc = proc.returncode
        row.skipped = f"wrapper failed (exit {proc.returncode}); see {log_path}"
        return row
    stats = json.loads(stats_path.read_text())
    row.rc = stats["rc"]
    row.wall_s = round(stats["wall_s"], 2)
    row.peak_rss_mib = round(stats["maxrss_kib"] / KIB_PER_MIB, 1)
    row.peak_tree_mib = round(tree_kib / KIB_PER_MIB, 1)
    row.cpu_s = round(stats["cpu_s"], 1)
    row.others_cpu_s = round(max(0.0, machine_cpu_s - stats["cpu_s"]), 1)
    if row.rc != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        row.note = f"exit {row.rc}: " + " | ".join(tail)
        say(f"{name}: FAILED (exit {row.rc}), log {log_path}")
    else:
        say(f"{name}: {row.wall_s:.1f} s, peak {row.peak_rss_mib:.0f} MiB")
    return row


# -- corpora ---------------------------------------------------------------------------------------------------


def open_text(path: Path, mode: str = "rt") -> Any:
    """Open a .jsonl or .jsonl.gz file as UTF-8 text."""
    if path.name.endswith(".gz"):
        return gzip.open(path, mode, encoding="utf-8", compresslevel=1) if "w" in mode else gzip.open(path, mode)
    return path.open(mode.replace("t", ""), encoding="utf-8")


def lines(path: Path) -> Iterator[str]:
    """The non-blank lines of a JSONL file, newline included."""
    with open_text(path) as stream:
        for line in stream:
            if line.strip():
                yield line if line.endswith("\n") else line + "\n"


def count_articles(path: Path) -> int:
    """Number of records (non-blank lines) in a JSONL file."""
    return sum(1 for _ in lines(path))


def write_prefix(source: Path, target: Path, n: int) -> int:
    """Write the first `n` records of `source` to `target`; return how many were written."""
    written = 0
    with open_text(target, "wt") as out:
        for line in lines(source):
            if written == n:
                break
            out.write(line)
            written += 1
    return written


_SENTENCE_GAP = re.compile(r"(?<=[.!?…])(\s+)")


def perturb(text: str, rng: random.Random, swaps: int = 3) -> str:
    """A near-copy of `text`: one sentence dropped (when there are several) and `swaps` neighbouring words swapped."""
    pieces = _SENTENCE_GAP.split(text)
    sentences, gaps = pieces[0::2], pieces[1::2]
    if len(sentences) > 1:
        drop = rng.randrange(len(sentences))
        del sentences[drop]
        del gaps[min(drop, len(gaps) - 1)]
    for _ in range(swaps):
        at = rng.randrange(len(sentences))
        words = sentences[at].split(" ")
        if len(words) > 1:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            sentences[at] = " ".join(words)
    out = [sentences[0]]
    for gap, sentence in zip(gaps, sentences[1:], strict=True):
        out += [gap, sentence]
    return "".join(out)


def write_perturbed_copies(source: Path, target: Path, copies: int, seed: int = PERTURB_SEED) -> int:
    """Write `source` followed by `copies - 1` perturbed copies (ids suffixed ``~k``); return the record count."""
    written = 0
    with open_text(target, "wt") as out:
        for line in lines(source):
            out.write(line)
            written += 1
        for k in range(1, copies):
            rng = random.Random(seed * 100 + k)
            for line in lines(source):
                record = json.loads(line)
                record["id"] = f"{record['id']}~{k}"
                record["text"] = perturb(record["text"], rng)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
    return written


def write_dated(source: Path, target: Path, per_day: int, last_day: date) -> int:
    """Write `source` with a `published` date on each record, `per_day` records a day in file order,
    the last ones on `last_day` (a feed of that many articles a day); return the record count."""
    n = count_articles(source)
    days = (n + per_day - 1) // per_day
    written = 0
    with open_text(target, "wt") as out:
        for k, line in enumerate(lines(source)):
            record = json.loads(line)
            record["published"] = (last_day - timedelta(days=days - 1 - k // per_day)).isoformat()
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written


# -- the rows --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What every row shares: where output goes, dedup's worker count, the reference venv, the time limit."""

    out_dir: Path
    workers: int | None = None
    venv: Path = DEFAULT_VENV
    timeout_s: float | None = None

    @property
    def logs(self) -> Path:
        """Where each command's own output is kept."""
        return self.out_dir / "logs"


def dedup_command(corpus: Path, output: Path, workers: int | None, extra: Sequence[str] = ()) -> list[str]:
    """`dedup match` with default settings (and `extra` options), through the console script beside this
    interpreter if present."""
    script = Path(sys.executable).with_name("dedup")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "dedup"]
    cmd = [*base, "match", str(corpus), "-o", str(output), *extra]
    if workers is not None:
        cmd += ["-j", str(workers)]
    return cmd


def run_dedup(name: str, corpus: Path, n: int, report: Path, cfg: Settings, extra: Sequence[str] = ()) -> Row:
    """Measure one dedup run and read its report's counts."""
    report.unlink(missing_ok=True)
    row = measure(name, dedup_command(corpus, report, cfg.workers, extra), n, cfg.logs, timeout_s=cfg.timeout_s)
    row.note = row.note or " ".join(
        [f"-j {cfg.workers if cfg.workers is not None else '0 (default: every core)'}", *extra]
    )
    if row.ok and report.exists():
        stats = json.loads(report.read_text(encoding="utf-8")).get("stats", {})
        keys = ("pairs", "duplicate_pairs", "same_story_pairs", "stories", "seconds")
        row.result = {k: stats[k] for k in keys if k in stats}
    return row


def run_plain(corpus: Path, n: int, cfg: Settings, name: str = "plain datasketch") -> Row:
    """Measure the plain datasketch + scikit-learn yardstick."""
    output = cfg.out_dir / "plain_datasketch.json"
    output.unlink(missing_ok=True)
    cmd = [sys.executable, BENCH / "plain_datasketch.py", corpus, "-o", output]
    row = measure(name, cmd, n, cfg.logs, timeout_s=cfg.timeout_s)
    row.note = row.note or "1 process; MinHash-LSH 0.5 + TF-IDF cosine >= 0.5"
    if row.ok and output.exists():
        data = json.loads(output.read_text(encoding="utf-8"))
        row.result = {k: data[k] for k in ("candidates", "pairs_found", "timings")}
    return row


def ensure_package(venv: Path, package: str, module: str) -> str | None:
    """Make `module` importable in the bench virtualenv, creating it and pip-installing `package` as needed.

    Returns None when ready, else why not.
    """
    python = venv / "bin" / "python"
    if not python.exists():
        say(f"creating the reference virtualenv {venv}")
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if made.returncode != 0:
            return f"could not create {venv}: {made.stderr.strip()[-300:]}"
    if subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode == 0:
        return None
    say(f"pip install {package} into {venv} (once; may take minutes)")
    try:
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return f"pip install {package} took over {INSTALL_TIMEOUT_S} s"
    if pip.returncode != 0:
        errors = [ln for ln in pip.stderr.splitlines() if ln.startswith("ERROR")] or pip.stderr.splitlines()[-3:]
        return f"pip install {package} failed: {' | '.join(errors)[:300]}"
    probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"{package} installed but `import {module}` fails: {probe.stderr.strip().splitlines()[-1][:300]}"
    return None


def run_rensa(corpus: Path, n: int, cfg: Settings) -> Row:
    """Measure rensa MinHash + LSH (no confirmation step) in the bench virtualenv."""
    name = "rensa (reference)"
    why = ensure_package(cfg.venv, "rensa", "rensa")
    if why:
        return Row(name=name, articles=n, skipped=why)
    output = cfg.out_dir / "rensa.json"
    output.unlink(missing_ok=True)
    cmd = [cfg.venv / "bin" / "python", BENCH / "ref_rensa.py", corpus, "-o", output]
    row = measure(name, cmd, n, cfg.logs, timeout_s=cfg.timeout_s)
    row.note = row.note or "1 process; MinHash + LSH only (32 bands x 4 rows), no TF-IDF confirm"
    if row.ok and output.exists():
        data = json.loads(output.read_text(encoding="utf-8"))
        row.result = {"candidates": data["candidates"], "timings": data["timings"]}
    return row


def run_text_dedup(corpus: Path, n: int, cfg: Settings) -> Row:
    """Measure text-dedup's MinHash deduplication (HF datasets on the JSONL) in the bench virtualenv."""
    name = "text-dedup (reference)"
    why = ensure_package(cfg.venv, "text-dedup", "text_dedup.minhash")
    if why:
        return Row(name=name, articles=n, skipped=why)
    work = cfg.out_dir / "text-dedup"
    shutil.rmtree(work, ignore_errors=True)  # a fresh cache: the first run on a file, as a user would see it
    options = {
        "--path": "json",
        "--data_files": str(corpus),
        "--split": "train",
        "--column": "text",
        "--ngram": "5",
        "--num_perm": "128",
        "--threshold": "0.5",
        "--output": str(work / "output"),
        "--cache_dir": str(work / "cache"),
    }
    cmd = [str(cfg.venv / "bin" / "python"), "-m", "text_dedup.minhash", *(x for kv in options.items() for x in kv)]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(work / "hf-home"),
        "TQDM_DISABLE": "1",
        "COLUMNS": "200",
    }
    row = measure(name, cmd, n, cfg.logs, env=env, timeout_s=cfg.timeout_s)
    procs = os.cpu_count() or 1
    row.note = row.note or f"{procs} processes; MinHash + LSH + connected components, no TF-IDF confirm"
    if row.ok:
        log = (cfg.logs / "text-dedup-reference.log").read_text(encoding="utf-8", errors="replace")
        found = {
            key: re.search(pattern, log)
            for key, pattern in (("edges", r"Number of edges:\s*(\d+)"), ("kept", r"After\s*:\s*(\d+)"))
        }
        row.result = {key: int(m.group(1)) for key, m in found.items() if m}
    shutil.rmtree(work / "cache", ignore_errors=True)
    return row


def run_scaling(
    corpus: Path, n: int, cfg: Settings, full: Row | None, on_row: Callable[[list[Row]], None] = lambda _rows: None
) -> list[Row]:
    """dedup at 5k and 10k (prefixes), the whole corpus (reusing `full` if given) and four perturbed copies,
    whose last 5,000 articles are then added to an index of the others.

    `on_row` is called with the rows so far after each one, so that partial results can be saved.
    """
    rows: list[Row] = []
    temp = cfg.out_dir / "scaling"
    temp.mkdir(parents=True, exist_ok=True)

    def label(size: int) -> str:
        return f"{size / 1000:.0f}k" if size >= 1000 else str(size)

    for size in [s for s in SCALING_PREFIXES if s < n]:
        path = temp / f"prefix-{size}.jsonl.gz"
        say(f"scaling: writing the first {size} articles to {path}")
        write_prefix(corpus, path, size)
        rows.append(run_dedup(f"dedup {label(size)}", path, size, temp / f"dedup-{size}.json", cfg))
        path.unlink(missing_ok=True)
        on_row(rows)
    if full is not None and full.ok:
        rows.append(Row(**{**asdict(full), "name": f"dedup {label(n)}"}))
    else:
        rows.append(run_dedup(f"dedup {label(n)}", corpus, n, temp / f"dedup-{n}.json", cfg))
    on_row(rows)
    path = temp / f"copies-{SCALING_COPIES}x.jsonl.gz"
    say(f"scaling: writing the corpus and {SCALING_COPIES - 1} perturbed copies to {path}")
    big = write_perturbed_copies(corpus, path, SCALING_COPIES)
    rows.append(run_dedup(f"dedup {label(big)}", path, big, temp / f"dedup-{big}.json", cfg))
    on_row(rows)
    # The daily step at that size: its last 5,000 articles added to an index of the others, undated
    # (every indexed article is in the window: the worst case), then as a feed of 5,000 articles a
    # day (the window holds the last 7 days' articles, whatever the index's size).
    rows.extend(run_index_rows(path, big, cfg, label(big)))
    dated = temp / f"copies-{SCALING_COPIES}x-dated.jsonl.gz"
    write_dated(path, dated, INDEX_BATCH, date.today())
    path.unlink(missing_ok=True)
    rows.extend(run_index_rows(dated, big, cfg, f"{label(big)}-dated"))
    dated.unlink(missing_ok=True)
    return rows


INDEX_BATCH = 5000


def write_slice(source: Path, target: Path, start: int, stop: int) -> int:
    """Write articles start..stop-1 of a JSONL(.gz) corpus to target (gzip); how many were written."""
    written = 0
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for k, line in enumerate(lines(source)):
            if k >= stop:
                break
            if k >= start:
                out.write(line if line.endswith("\n") else line + "\n")
                written += 1
    return written


def run_index_rows(corpus: Path, n: int, cfg: Settings, label: str) -> list[Row]:
    """An index of all but the last 5,000 articles (one run), then those 5,000 added in a run of their own."""
    temp = cfg.out_dir / "index"
    temp.mkdir(parents=True, exist_ok=True)
    index = temp / f"index-{label}"
    shutil.rmtree(index, ignore_errors=True)
    base, batch = temp / "base.jsonl.gz", temp / "batch.jsonl.gz"
    n_base = write_slice(corpus, base, 0, n - INDEX_BATCH)
    n_batch = write_slice(corpus, batch, n - INDEX_BATCH, n)
    rows = []
    for name, path, size in ((f"index: first {n_base}", base, n_base), (f"index: add {n_batch}", batch, n_batch)):
        report = temp / "report.json"
        rows.append(run_dedup(f"{name} ({label})", path, size, report, cfg, ["--index", str(index)]))
    base.unlink(missing_ok=True)
    batch.unlink(missing_ok=True)
    return rows


# -- reporting -------------------------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: Sequence[Row]) -> str:
    """The main table: one line a run."""
    head = (
        f"{'run':<24} {'articles':>9} {'wall s':>8} {'art/s':>8} {'peak MiB':>9} {'tree MiB':>9} "
        f"{'cpu s':>7} {'other cpu s':>11}  notes"
    )
    out = [head, "-" * len(head)]
    for r in rows:
        if r.skipped:
            status = "stopped" if r.skipped.startswith("stopped") else "skipped"
            out.append(f"{r.name:<24} {r.articles:>9} {status:>8}  {r.skipped}")
            continue
        out.append(
            f"{r.name:<24} {r.articles:>9} {_fmt(r.wall_s, '.1f'):>8} {_fmt(r.articles_per_s, '.0f'):>8} "
            f"{_fmt(r.peak_rss_mib, '.0f'):>9} {_fmt(r.peak_tree_mib, '.0f'):>9} {_fmt(r.cpu_s, '.1f'):>7} "
            f"{_fmt(r.others_cpu_s, '.1f'):>11}  {r.note}"
        )
    return "\n".join(out)


def ratios(dedup: Row, plain: Row) -> dict[str, float] | None:
    """plain / dedup for wall time and peak memory, when both ran."""
    if not (dedup.ok and plain.ok and dedup.wall_s and plain.wall_s and dedup.peak_rss_mib and plain.peak_rss_mib):
        return None
    return {
        "wall": round(plain.wall_s / dedup.wall_s, 2),
        "peak_rss": round(plain.peak_rss_mib / dedup.peak_rss_mib, 2),
    }


def median_ratios(per_round: Sequence[dict[str, float] | None]) -> dict[str, float] | None:
    """The median over rounds of each ratio (of the rounds where both runs succeeded), or None."""
    done = [r for r in per_round if r]
    if not done:
        return None
    return {key: round(statistics.median(r[key] for r in done), 2) for key in done[0]}


def scaling_table(rows: Sequence[Row]) -> str:
    """Time and memory per corpus size, with time per 1k articles and growth against the size before."""
    head = f"{'size':>8} {'wall s':>8} {'s / 1k art':>10} {'time x':>7} {'size x':>7} {'peak MiB':>9} {'tree MiB':>9}"
    out = [head, "-" * len(head)]
    prev: Row | None = None
    for r in rows:
        if not r.ok or not r.wall_s:
            out.append(f"{r.articles:>8} failed: {r.skipped or r.note}")
            continue
        grow_t = f"{r.wall_s / prev.wall_s:.2f}" if prev and prev.wall_s else "-"
        grow_n = f"{r.articles / prev.articles:.2f}" if prev else "-"
        out.append(
            f"{r.articles:>8} {r.wall_s:>8.1f} {r.wall_s / (r.articles / 1000):>10.2f} {grow_t:>7} {grow_n:>7} "
            f"{_fmt(r.peak_rss_mib, '.0f'):>9} {_fmt(r.peak_tree_mib, '.0f'):>9}"
        )
        prev = r
    return "\n".join(out)


def environment() -> dict[str, Any]:
    """What the figures were measured on."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    mem_kib = 0
    try:
        with open("/proc/meminfo") as meminfo:
            mem_kib = int(meminfo.readline().split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024**2, 1),
        "python": platform.python_version(),
        "git_head": git("rev-parse", "--short", "HEAD"),
        "dedup_tree_dirty": bool(git("status", "--porcelain", "--", "dedup")),
    }


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark rows, print the tables, write results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL(.gz) of articles (id, text, title)")
    parser.add_argument("--skip-references", action="store_true", help="leave out the rensa and text-dedup rows")
    parser.add_argument(
        "--scaling", action="store_true", help="also run dedup at 5k, 10k, the corpus and 4x the corpus"
    )
    parser.add_argument(
        "--repeat",
        type=_at_least_one,
        default=1,
        metavar="R",
        help="run the dedup and plain rows R times in turn; ratios per round and their median (default 1)",
    )
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="passed to dedup as -j N")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="reports, logs and results.json")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtualenv for the reference tools")
    parser.add_argument(
        "--timeout", type=float, default=3600, metavar="S", help="stop any one run after S seconds (default 3600)"
    )
    args = parser.parse_args(argv)

    corpus: Path = args.corpus.resolve()
    out_dir: Path = args.out_dir.resolve()
    if not corpus.is_file():
        parser.error(f"corpus not found: {corpus}")
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    n = count_articles(corpus)
    say(f"{n} articles in {corpus}; results to {results_path}")

    cfg = Settings(out_dir=out_dir, workers=args.workers, venv=args.venv.resolve(), timeout_s=args.timeout or None)
    results: dict[str, Any] = {"corpus": str(corpus), "articles": n, "environment": environment()}

    def save(rows: Sequence[Row], scaling: Sequence[Row] = ()) -> None:
        results["runs"] = [r.to_dict() for r in rows]
        if scaling:
            results["scaling"] = [r.to_dict() for r in scaling]
        results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    # Compiled kernels are built once per install (make install does it) and loaded from numba's
    # cache on every run after; compile them now if an edit left them stale, outside any timing.
    say("compiling dedup's kernels if their cache is stale (python -m dedup.kernels; not timed)")
    subprocess.run([sys.executable, "-m", "dedup.kernels"], check=True, cwd=ROOT)
    rows: list[Row] = []
    rounds: list[dict[str, Any]] = []
    for number in range(1, args.repeat + 1):
        # The machine's speed drifts from minute to minute: each round runs the three rows back to
        # back, so that a round's ratios compare runs made under the same conditions.
        tag = f" #{number}" if args.repeat > 1 else ""
        dedup = run_dedup(f"dedup{tag}", corpus, n, out_dir / "dedup.json", cfg)
        rows.append(dedup)
        save(rows)
        # The same work as the yardstick (both tiers, confirmation, clustering), without the claims it does not do.
        matching = run_dedup(
            f"dedup, no claims{tag}", corpus, n, out_dir / "dedup-no-claims.json", cfg, ["--no-claims"]
        )
        rows.append(matching)
        save(rows)
        plain = run_plain(corpus, n, cfg, name=f"plain datasketch{tag}")
        rows.append(plain)
        save(rows)
        rounds.append({"dedup": ratios(dedup, plain), "dedup_no_claims": ratios(matching, plain)})
    dedup, matching, plain = rows[:3]  # the first round's (scaling reuses its dedup run)
    if not args.skip_references:
        for runner in (run_rensa, run_text_dedup):
            rows.append(runner(corpus, n, cfg))
            save(rows)
    results["rounds"] = rounds
    results["ratio_plain_over_dedup"] = median_ratios([r["dedup"] for r in rounds])
    results["ratio_plain_over_dedup_no_claims"] = median_ratios([r["dedup_no_claims"] for r in rounds])

    # The daily step: the last 5,000 articles added to an index of the others, beside one run over all.
    rows.extend(run_index_rows(corpus, n, cfg, f"{n / 1000:.0f}k"))
    save(rows)

    scaling: list[Row] = []
    if args.scaling:
        scaling = run_scaling(corpus, n, cfg, dedup, on_row=lambda sofar: save(rows, sofar))
    save(rows, scaling)

    print(f"\n{n} articles from {corpus}  ({results['environment']['cpus']} cpus)\n")
    print(table(rows))
    of = f"median of {len(rounds)} rounds, " if len(rounds) > 1 else ""
    ratio = results["ratio_plain_over_dedup"]
    if ratio:
        print(f"\nplain datasketch / dedup: {of}wall x{ratio['wall']:.2f}, peak memory x{ratio['peak_rss']:.2f}")
    ratio = results["ratio_plain_over_dedup_no_claims"]
    if ratio:
        print(
            f"plain datasketch / dedup without claims (the same work): {of}wall x{ratio['wall']:.2f}, "
            f"peak memory x{ratio['peak_rss']:.2f}"
        )
    if len(rounds) > 1:
        walls = ", ".join(
            "/".join(_fmt((r[k] or {}).get("wall"), ".2f") for k in ("dedup", "dedup_no_claims")) for r in rounds
        )
        print(f"wall ratio per round (with claims / without): {walls}")
    print("\npeak MiB: largest single process (getrusage); tree MiB: summed over its processes, sampled every 0.2 s")
    print("other cpu s: CPU time the rest of the machine used while the run went on (contention if well above 0)")
    busy = [r for r in [*rows, *scaling] if (r.others_cpu_s or 0) > OTHERS_CPU_SHARE * (r.wall_s or 0)]
    if busy:
        shares = ", ".join(f"{r.name} {r.others_cpu_s:.0f} s in {r.wall_s:.0f} s" for r in busy)
        print(f"caution: other work shared the CPUs during some runs ({shares}); their times are inflated")
    for r in rows:
        if r.result:
            print(f"  {r.name}: {json.dumps(r.result)}")
    if scaling:
        daily = [r for r in scaling if r.name.startswith("index:")]
        print("\nscaling (dedup):\n")
        print(scaling_table([r for r in scaling if r not in daily]))
        if daily:
            print("\nthe daily step at the largest size (an index of all but the last 5,000, then those added):\n")
            print(table(daily))
    print(f"\nresults: {results_path}")
    return 0 if dedup.ok and plain.ok else 1


if __name__ == "__main__":
    sys.exit(main())
