"""The loader: one landed unit at a time, the same steps for every feed.

read -> prepare (the feed's header rules; may reject the file) -> validate every row against the
feed's Pandera schema -> in one transaction: append good rows to ``raw.<feed>``, bad rows to
``meta.quarantine``, supersede the partition's previous file, and record the unit in
``meta.source_files``. One unit in memory at a time keeps memory bounded by the largest file,
not by the history. A crash mid-unit leaves nothing half-written (the transaction rolls back).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from ingestion import registry
from ingestion.csv_reader import read_csv_lines
from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit, UnreadableUnit, discover, sha256_hex
from ingestion.partitions import partition_of
from ingestion.registry import Feed
from ingestion.validation import row_failures
from warehouse.database import connect, ensure_schema

log = logging.getLogger(__name__)


@dataclass
class UnitResult:
    """What happened to one unit; 'unchanged' means it had been seen before and nothing was done."""

    feed: str
    file_name: str
    status: str  # loaded | rejected | unchanged
    sha256: str | None = None
    partition_key: str | None = None
    scope: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    superseded: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _already_seen(con: duckdb.DuckDBPyConnection, feed: str, sha: str, file_name: str) -> bool:
    """Seen: the same bytes were accepted before, or were rejected under this same name.

    A rejection can depend on the name (a police file must say its month and force, a population
    file its year), so the same bytes landed under a corrected name are read again.
    """
    return con.execute(
        """select 1 from meta.source_files where feed = ? and sha256 = ?
           and (status <> 'rejected' or file_name = ?)""",
        [feed, sha, file_name],
    ).fetchone() is not None


def _unchanged_on_disk(con: duckdb.DuckDBPyConnection, unit: LandedUnit) -> bool:
    """Skip re-hashing a file whose path, size and modification time were already recorded."""
    row = con.execute(
        "select 1 from meta.source_files where feed = ? and landing_path = ? and file_size = ? and file_mtime_ns = ?",
        [unit.feed, unit.landing_path, unit.file_size, unit.file_mtime_ns],
    ).fetchone()
    return row is not None


def _record(con: duckdb.DuckDBPyConnection, result: UnitResult, run_id: str, landing_path: str,
            size: int | None, mtime: int | None) -> None:
    con.execute(
        """insert into meta.source_files (feed, file_name, sha256, partition_key, scope, received_at, status,
               rows_read, rows_loaded, rows_quarantined, reason, superseded_by, run_id, landing_path,
               file_size, file_mtime_ns)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?)""",
        [result.feed, result.file_name, result.sha256, result.partition_key, result.scope, _now(), result.status,
         result.rows_read, result.rows_loaded, result.rows_quarantined, result.reason, run_id, landing_path,
         size, mtime],
    )


def reject_path(con: duckdb.DuckDBPyConnection, feed: Feed, path: Path, reason: str, run_id: str) -> UnitResult:
    """Record a landed file that is not even a unit (a broken archive), once."""
    sha = sha256_hex(path.read_bytes())
    result = UnitResult(feed.name, path.name, "rejected", sha256=sha, reason=reason)
    if _already_seen(con, feed.name, sha, path.name):
        result.status = "unchanged"
        return result
    stat = path.stat()
    _record(con, result, run_id, str(path), stat.st_size, stat.st_mtime_ns)
    return result


def _accepted_name(feed: Feed, unit: LandedUnit) -> bool:
    name = unit.path.name.lower()
    return unit.member is not None or any(name.endswith(s) for s in feed.accepts)


def ingest_unit(con: duckdb.DuckDBPyConnection, feed: Feed, unit: LandedUnit, run_id: str) -> UnitResult:
    """Load one unit; never raises for bad data (the reason is recorded instead)."""
    result = UnitResult(feed.name, unit.file_name, "loaded")
    try:
        sha, data = unit.read()
    except UnreadableUnit as exc:
        sha, data = exc.sha256, None
        result.status, result.reason = "rejected", exc.reason
    result.sha256 = sha
    if _already_seen(con, feed.name, sha, unit.file_name):
        result.status = "unchanged"
        return result
    text: pl.DataFrame | None = None
    lines: pl.Series | None = None
    prepared = None
    failures = None
    other: str | None = None
    if data is not None:
        try:
            if not _accepted_name(feed, unit):
                raise FileRejected(
                    f"not a CSV: {unit.path.suffix or 'no'} extension; {feed.name} accepts {', '.join(feed.accepts)}"
                )
            text, lines = read_csv_lines(data)
            result.rows_read = text.height
            other = registry.identify(text.columns)
            prepared = feed.prepare(text, unit)
            if prepared.frame.height != text.height:
                raise AssertionError(f"{feed.name}.prepare changed the number of rows")
            if prepared.source_text is not None:  # identifiers pseudonymised: never keep the text as read
                text = prepared.source_text
            failures = row_failures(prepared.frame, feed.schema)
        except FileRejected as exc:
            result.status, result.reason = "rejected", exc.reason
            if other and other != feed.name and "header" not in exc.reason:
                result.reason = f"{exc.reason} (the header is a {other} file's: land it in landing/{other}/)"
    if result.status == "rejected":
        con.execute("begin transaction")
        _record(con, result, run_id, unit.landing_path, unit.file_size, unit.file_mtime_ns)
        con.execute("commit")
        log.warning("%s: rejected %s: %s", feed.name, unit.file_name, result.reason)
        return result

    assert text is not None and lines is not None and prepared is not None and failures is not None
    result.partition_key, result.scope = prepared.partition_key, prepared.scope
    try:
        raw_rows, quarantine = _build(feed, unit, result, text, lines, prepared.frame, failures)
    except Exception as exc:  # a file that breaks the feed's code must not stop the others: record it, go on
        log.exception("%s: %s could not be loaded", feed.name, unit.file_name)
        result.status = "rejected"
        result.reason = f"unexpected error while loading ({type(exc).__name__}: {str(exc)[:300]}); nothing was loaded"
        result.rows_loaded = result.rows_quarantined = 0
        result.superseded = []
        _record(con, result, run_id, unit.landing_path, unit.file_size, unit.file_mtime_ns)
        return result
    # A database failure here (disk full, killed) rolls back and raises: the run fails, nothing is
    # half-written, and the next run loads the file again.
    _commit(con, feed, unit, result, raw_rows, quarantine, run_id)
    log.info(
        "%s: %s loaded %d of %d rows (%d quarantined)%s", feed.name, unit.file_name, result.rows_loaded,
        result.rows_read, result.rows_quarantined, f"; supersedes {len(result.superseded)} file(s)" if result.superseded else "",
    )
    return result


def _build(feed: Feed, unit: LandedUnit, result: UnitResult, text: pl.DataFrame, lines: pl.Series,
           frame: pl.DataFrame, failures: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows to append to ``raw.<feed>`` and to ``meta.quarantine`` (no database access)."""
    sha = result.sha256
    line_of = pl.DataFrame({"_row": pl.int_range(0, lines.len(), dtype=pl.Int64, eager=True), "_line": lines})
    bad_rows = failures.get_column("_row").unique()
    indexed = frame.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    good = indexed.filter(~pl.col("_row").is_in(bad_rows.implode()))
    raw_rows = (
        feed.to_raw(good.drop([c for c in good.columns if c.startswith("_") and c != "_row"]))
        .join(line_of, on="_row", how="left")
        .with_columns(pl.lit(sha).alias("source_file"), pl.col("_line").alias("source_row"))
        .drop("_row", "_line")
    )
    quarantine = (
        failures.join(
            text.with_row_index("_row")
            .with_columns(pl.col("_row").cast(pl.Int64))
            .filter(pl.col("_row").is_in(bad_rows.implode()))
            .select("_row", pl.struct(pl.exclude("_row")).struct.json_encode().alias("raw_record")),
            on="_row",
            how="left",
        )
        .join(line_of, on="_row", how="left")
        .select(
            pl.lit(feed.name).alias("feed"),
            pl.lit(sha).alias("source_file"),
            pl.lit(unit.file_name).alias("file_name"),
            pl.col("_line").alias("source_row"),
            "check_name",
            "column_name",
            "failure_case",
            "raw_record",
            pl.lit(_now()).alias("quarantined_at"),
        )
    )
    result.rows_loaded = raw_rows.get_column("source_row").n_unique() if raw_rows.height else 0
    result.rows_quarantined = bad_rows.len()
    return raw_rows, quarantine


def _commit(con: duckdb.DuckDBPyConnection, feed: Feed, unit: LandedUnit, result: UnitResult,
            raw_rows: pl.DataFrame, quarantine: pl.DataFrame, run_id: str) -> None:
    """Append good rows, quarantine bad ones, supersede the partition's old file, record the unit: atomically."""
    sha = result.sha256
    con.execute("begin transaction")
    try:
        con.register("_batch", raw_rows.to_arrow())
        con.execute(f"insert into {feed.raw_table} by name select * from _batch")
        con.unregister("_batch")
        if quarantine.height:
            con.register("_quarantine", quarantine.to_arrow())
            con.execute("insert into meta.quarantine by name select * from _quarantine")
            con.unregister("_quarantine")
        superseded = con.execute(
            """update meta.source_files set status = 'superseded', superseded_by = ?
               where feed = ? and partition_key = ? and coalesce(scope, '') = ? and status = 'loaded'
               returning sha256""",
            [sha, feed.name, result.partition_key, result.scope],
        ).fetchall()
        result.superseded = [row[0] for row in superseded]
        _record(con, result, run_id, unit.landing_path, unit.file_size, unit.file_mtime_ns)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def pending_units(con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path) -> Iterable[LandedUnit | tuple[Path, str]]:
    """Units in the landing folder not yet recorded by path, size and modification time."""
    for unit in discover(landing_dir, feed.name, expand_zip=feed.expand_zip):
        if isinstance(unit, LandedUnit) and _unchanged_on_disk(con, unit):
            continue
        yield unit


def ingest_feed(con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path, run_id: str,
                partition_keys: set[str] | None = None) -> list[UnitResult]:
    """Load every new unit of a feed (optionally only those of some partitions)."""
    ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
    results: list[UnitResult] = []
    for unit in pending_units(con, feed, landing_dir):
        if isinstance(unit, tuple):
            results.append(reject_path(con, feed, unit[0], unit[1], run_id))
            continue
        if partition_keys is not None and partition_of(feed, unit) not in partition_keys:
            continue
        results.append(ingest_unit(con, feed, unit, run_id))
    return results


def ingest_landing(db_path: Path, landing_root: Path, run_id: str, feed_names: Iterable[str] | None = None
                   ) -> dict[str, list[UnitResult]]:
    """Load everything new in ``landing_root/<feed>/`` for the given feeds (default: all)."""
    names = list(feed_names) if feed_names is not None else list(registry.feeds())
    out: dict[str, list[UnitResult]] = {}
    with connect(db_path) as con:
        for name in names:
            feed = registry.get(name)
            out[name] = ingest_feed(con, feed, landing_root / name, run_id)
    return out
