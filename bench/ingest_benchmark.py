"""Benchmark: ingest + validate the real Lancashire police months against the practical limit,
and the bad-delivery corpus (tests/corpus/) taken in beside a small demo landing.

The limit is DuckDB alone copying the same gzipped CSVs to Parquet with no validation. The
warehouse's path (read, Pandera validation of every row, quarantine, load, accounting) should take
at most twice that. Both run in this process, one file at a time, on the same machine, in turn,
best of --repeat runs. Then the same comparison as a user meets it, whole processes side by side:
``csw ingest police_street`` into an empty home (the files linked into its landing folder) against a
Python process in which DuckDB alone copies the same files to Parquet (start-up, imports and the
empty warehouse included). Results are printed and written to bench/latest.md for the README.

    .venv/bin/python bench/ingest_benchmark.py [--repeat 3] [--data ../shared/real-data/police_street/lancashire]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingestion import registry  # noqa: E402
from ingestion.loader import ingest_feed  # noqa: E402
from warehouse.database import connect  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "real-data" / "police_street" / "lancashire"


def time_warehouse(data: Path, workdir: Path) -> tuple[float, int]:
    db = workdir / f"bench-{uuid.uuid4().hex}.duckdb"
    feed = registry.get("police_street")
    start = time.perf_counter()
    with connect(db) as con:
        results = ingest_feed(con, feed, data, "bench")
    elapsed = time.perf_counter() - start
    rows = sum(r.rows_read for r in results)
    db.unlink()
    return elapsed, rows


def time_duckdb_copy(data: Path, workdir: Path) -> float:
    start = time.perf_counter()
    con = duckdb.connect()
    for path in sorted(data.glob("*.csv*")):
        out = workdir / (path.name.split(".")[0] + ".parquet")
        con.execute(f"copy (select * from read_csv('{path}', all_varchar = true)) to '{out}' (format parquet)")
        out.unlink()
    con.close()
    return time.perf_counter() - start


COPY_SCRIPT = """
import sys, duckdb
from pathlib import Path
con = duckdb.connect()
for path in sorted(Path(sys.argv[1]).glob("*.csv*")):
    out = Path(sys.argv[2]) / (path.name.split(".")[0] + ".parquet")
    con.execute(f"copy (select * from read_csv('{path}', all_varchar = true)) to '{out}' (format parquet)")
"""


def time_processes(data: Path, workdir: Path, rows: int) -> tuple[float, float]:
    """(``csw ingest police_street`` into an empty home, a DuckDB-only copy process): wall seconds of
    each whole process. The files are copied into the temporary home's landing folder (the loader
    never follows a link), and the warehouse must then hold all ``rows``."""
    home = workdir / f"home-{uuid.uuid4().hex}"
    landing = home / "landing" / "police_street"
    landing.mkdir(parents=True)
    for path in sorted(data.glob("*.csv*")):
        shutil.copyfile(path, landing / path.name)
    env = {**os.environ, "CSW_WRITE_DOTENV": "0", "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home), "ingest", "police_street"], cwd=REPO,
                   env=env, check=True, capture_output=True)
    csw = time.perf_counter() - start
    with connect(home / "warehouse.duckdb", read_only=True, home=home) as con:
        loaded = con.execute(f"select count(*) from {registry.get('police_street').raw_table}").fetchone()[0]
    if loaded != rows:
        raise SystemExit(f"csw ingest loaded {loaded:,} rows, not {rows:,}: the timing would mean nothing")
    shutil.rmtree(home)
    out = workdir / f"copy-{uuid.uuid4().hex}"
    out.mkdir()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", COPY_SCRIPT, str(data), str(out)], check=True, capture_output=True)
    copy = time.perf_counter() - start
    return csw, copy


def time_corpus(work: Path) -> tuple[float, int, int, dict[str, int]]:
    """The bad-delivery corpus (tests/corpus/) landed beside a small demo landing: seconds to take in
    the corpus files alone (the demo loaded first), files and rows read, files per status."""
    import importlib.util

    from ingestion.demo import write_demo_data
    from ingestion.loader import ingest_landing

    spec = importlib.util.spec_from_file_location("make_corpus", REPO / "tests" / "corpus" / "make_corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = corpus
    spec.loader.exec_module(corpus)
    home = work / f"corpus-{uuid.uuid4().hex}"
    write_demo_data(home / "landing", seed=7, months=("2024-01", "2024-06"), scale=0.02)
    db = home / "warehouse.duckdb"
    ingest_landing(db, home / "landing", "bench-demo")
    corpus.write_corpus(home / "landing")
    start = time.perf_counter()
    results = ingest_landing(db, home / "landing", "bench-corpus")
    elapsed = time.perf_counter() - start
    done = [r for rs in results.values() for r in rs if r.status != "unchanged"]
    statuses: dict[str, int] = {}
    for r in done:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return elapsed, len(done), sum(r.rows_read for r in done), statuses


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        warehouse_times, limit_times, rows = [], [], 0
        csw_times, copy_times = [], []
        for _ in range(args.repeat):
            t, rows = time_warehouse(args.data, work)
            warehouse_times.append(t)
            limit_times.append(time_duckdb_copy(args.data, work))
            csw_s, copy_s = time_processes(args.data, work, rows)
            csw_times.append(csw_s)
            copy_times.append(copy_s)
        corpus_s, corpus_files, corpus_rows, corpus_statuses = time_corpus(work)
    best_w, best_l = min(warehouse_times), min(limit_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    files = len(list(args.data.glob("*.csv*")))
    lines = [
        f"# Ingest benchmark ({datetime.now(timezone.utc):%Y-%m-%d}, {platform.machine()}, {platform.python_version()})",
        "",
        f"- data: {files} files, {rows:,} rows ({args.data.name})",
        f"- warehouse ingest + validate: {best_w:.2f} s ({rows / best_w:,.0f} rows/s)",
        f"- limit (DuckDB copy to Parquet, no validation): {best_l:.2f} s",
        f"- ratio: {best_w / best_l:.2f}x (target: at most 2x)",
        f"- whole processes, as a user meets them: `csw ingest police_street` into an empty home "
        f"{min(csw_times):.2f} s against a DuckDB-only copy process {min(copy_times):.2f} s: "
        f"{min(csw_times) / min(copy_times):.2f}x (issue 11's target: at most 1.3x)",
        f"- peak memory of the benchmark process: {peak_mb:,.0f} MB",
        f"- best of {args.repeat} runs each",
        f"- bad-delivery corpus (tests/corpus) beside a small demo landing: {corpus_files} files and archive "
        f"members, {corpus_rows:,} rows read, all recorded in {corpus_s:.2f} s ("
        + ", ".join(f"{n} {status}" for status, n in sorted(corpus_statuses.items())) + "); no file stopped the load",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (REPO / "bench" / "latest.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
