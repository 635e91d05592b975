"""The loader: one landed unit at a time, the same steps for every feed.

read -> prepare (the feed's header rules; may reject the file) -> validate every row against the
feed's Pandera schema and the rules every row obeys (:mod:`ingestion.row_rules`) -> in one
transaction: append good rows to ``raw.<feed>``, bad rows to ``meta.quarantine``, supersede the
partition's previous file (or hold this one, when it would replace good data with less), and
record the unit in ``meta.source_files``. Whatever goes wrong with one file rejects that file with
a reason: no partner file can stop the night. One unit in memory at a time keeps memory bounded by the largest file,
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

from ingestion import registry, row_rules
from ingestion.csv_reader import FIELD_COUNT_RULE, read_csv
from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit, Refused, UnreadableUnit, discover, sha256_hex
from ingestion.partitions import partition_of
from ingestion.pseudonymise import PseudonymisationKeyMissing
from ingestion.registry import Feed
from ingestion.validation import row_failures
from warehouse.database import connect, ensure_schema
from warehouse.settings import default_settings, settings_model

log = logging.getLogger(__name__)


@dataclass
class UnitResult:
    """What happened to one unit; 'unchanged' means it had been seen before and nothing was done."""

    feed: str
    file_name: str
    status: str  # loaded | held | rejected | ignored | unchanged
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


def record_refused(con: duckdb.DuckDBPyConnection, refused: Refused, run_id: str) -> UnitResult:
    """Record, once, what a landing folder holds that is not read (a link, a folder, a broken archive)."""
    sha = refused.marker_sha256
    if refused.status == "rejected" and refused.path.is_file() and not refused.path.is_symlink():
        try:
            sha = sha256_hex(refused.path.read_bytes())
        except OSError:
            pass
    result = UnitResult(refused.feed, refused.file_name, refused.status, sha256=sha, reason=refused.reason)
    if _already_seen(con, refused.feed, sha, refused.file_name):
        result.status = "unchanged"
        return result
    _record(con, result, run_id, str(refused.path), None, None)
    log.warning("%s: %s %s: %s", refused.feed, refused.status, refused.file_name, refused.reason)
    return result


def _accepted_name(feed: Feed, unit: LandedUnit) -> bool:
    name = unit.path.name.lower()
    return unit.member is not None or any(name.endswith(s) for s in feed.accepts)


def _unexpected(feed: Feed, stage: str, exc: BaseException) -> str:
    """The reason for a failure our rules did not foresee. A restricted feed's reason names the kind
    of error only: a library's message may quote the row it choked on."""
    if feed.restricted:
        return f"could not be {stage} ({type(exc).__name__}); nothing was loaded"
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"could not be {stage} ({type(exc).__name__}{': ' + message if message else ''}); nothing was loaded"


def _reject(con: duckdb.DuckDBPyConnection, feed: Feed, unit: LandedUnit, result: UnitResult, run_id: str,
            reason: str) -> UnitResult:
    result.status, result.reason = "rejected", reason
    result.rows_loaded = result.rows_quarantined = 0
    result.superseded = []
    result.partition_key, result.scope = None, ""
    con.execute("begin transaction")
    try:
        _record(con, result, run_id, unit.landing_path, unit.file_size, unit.file_mtime_ns)
        con.execute("commit")
    except Exception:  # the warehouse itself cannot be written: that is the run's failure, not the file's
        con.execute("rollback")
        raise
    log.warning("%s: rejected %s: %s", feed.name, unit.file_name, reason)
    return result


def ingest_unit(con: duckdb.DuckDBPyConnection, feed: Feed, unit: LandedUnit, run_id: str,
                min_share: float | None = None) -> UnitResult:
    """Load one unit; never raises for anything in the file (the reason is recorded instead).

    Whatever goes wrong while reading, preparing, validating or loading one file rejects that file
    with a reason and the night goes on. Only a missing pseudonymisation key (the files are fine,
    the deployment is not) and a failure to record the rejection itself stop the run.
    """
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
    if data is None:
        return _reject(con, feed, unit, result, run_id, result.reason or "unreadable")
    stage = f"read as a {feed.file_kind}"
    try:
        if not _accepted_name(feed, unit):
            raise FileRejected(
                f"not a {feed.file_kind}: {unit.path.suffix or 'no'} extension; {feed.name} accepts "
                f"{', '.join(feed.accepts)}"
            )
        csv = (feed.reader or read_csv)(data)
        text, lines, bad_records = csv.frame, csv.lines, csv.bad_records
        result.rows_read = csv.rows_read
        other = registry.identify(text.columns)
        stage = f"prepared as {feed.name}"
        try:
            prepared = feed.prepare(text, unit)
        except FileRejected as exc:
            if other and other != feed.name and "header" not in exc.reason:
                raise FileRejected(f"{exc.reason} (the header is a {other} file's: land it in landing/{other}/)") from exc
            raise
        if prepared.frame.height != text.height:
            raise AssertionError(f"{feed.name}.prepare changed the number of rows")
        stage = "validated"
        failures = pl.concat([
            row_failures(prepared.frame, feed.schema),
            row_rules.common_failures(text, prepared.frame, feed.columns, may_hold_nul=b"\x00" in data),
        ])
        if prepared.source_text is not None:  # identifiers pseudonymised: never keep the text as read
            text = prepared.source_text
        result.partition_key, result.scope = prepared.partition_key, prepared.scope
        stage = "loaded"
        raw_rows, quarantine = _build(feed, unit, result, text, lines, prepared.frame, failures, bad_records)
    except PseudonymisationKeyMissing:
        raise
    except FileRejected as exc:
        return _reject(con, feed, unit, result, run_id, exc.reason)
    except Exception as exc:  # a file that breaks the feed's code must not stop the others: record it, go on
        if feed.restricted:
            log.error("%s: %s could not be %s (%s)", feed.name, unit.file_name, stage, type(exc).__name__)
        else:
            log.exception("%s: %s could not be %s", feed.name, unit.file_name, stage)
        return _reject(con, feed, unit, result, run_id, _unexpected(feed, stage, exc))
    try:
        _commit(con, feed, unit, result, raw_rows, quarantine, run_id, min_share)
    except Exception as exc:  # e.g. a value the database refuses: the transaction rolled back
        log.error("%s: %s could not be written (%s)", feed.name, unit.file_name, type(exc).__name__)
        return _reject(con, feed, unit, result, run_id, _unexpected(feed, "written to the warehouse", exc))
    log.info(
        "%s: %s %s %d of %d rows (%d quarantined)%s", feed.name, unit.file_name, result.status, result.rows_loaded,
        result.rows_read, result.rows_quarantined,
        f"; supersedes {len(result.superseded)} file(s)" if result.superseded else "",
    )
    return result


def _build(feed: Feed, unit: LandedUnit, result: UnitResult, text: pl.DataFrame, lines: pl.Series,
           frame: pl.DataFrame, failures: pl.DataFrame, bad_records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
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
    now = _now()
    row_failures_ = (
        failures.join(
            text.with_row_index("_row")
            .with_columns(pl.col("_row").cast(pl.Int64))
            .filter(pl.col("_row").is_in(bad_rows.implode()))
            .select("_row", pl.struct(pl.exclude("_row")).struct.json_encode().alias("raw_record")),
            on="_row",
            how="left",
        )
        .join(line_of, on="_row", how="left")
        .select(pl.col("_line").alias("source_row"), "check_name", "column_name", "failure_case", "raw_record")
    )
    # Records that do not split into the header's columns: the record as sent (open feeds), or
    # nothing of it (restricted feeds: which field is the reference cannot be known).
    record_failures = bad_records.select(
        pl.col("line").alias("source_row"),
        pl.lit(FIELD_COUNT_RULE).alias("check_name"),
        pl.lit(None, dtype=pl.Utf8).alias("column_name"),
        (pl.col("fields").cast(pl.Utf8) + " fields where the header has " + pl.col("expected").cast(pl.Utf8))
        .alias("failure_case"),
        (pl.lit(None, dtype=pl.Utf8) if feed.restricted
         else pl.struct(pl.col("text").alias("record")).struct.json_encode()).alias("raw_record"),
    )
    quarantine = pl.concat([row_failures_, record_failures], how="vertical_relaxed").select(
        pl.lit(feed.name).alias("feed"),
        pl.lit(sha).alias("source_file"),
        pl.lit(unit.file_name).alias("file_name"),
        pl.col("source_row").cast(pl.Int64),
        "check_name",
        "column_name",
        "failure_case",
        "raw_record",
        pl.lit(now).alias("quarantined_at"),
    )
    result.rows_loaded = raw_rows.get_column("source_row").n_unique() if raw_rows.height else 0
    result.rows_quarantined = bad_rows.len() + bad_records.height
    return raw_rows, quarantine


def _live_files(con: duckdb.DuckDBPyConnection, feed: Feed, result: UnitResult) -> list[tuple[str, str, int]]:
    """(sha256, file name, rows loaded) of the files this one would supersede."""
    return con.execute(
        """select sha256, file_name, rows_loaded from meta.source_files
           where feed = ? and partition_key = ? and coalesce(scope, '') = ? and status = 'loaded'""",
        [feed.name, result.partition_key, result.scope],
    ).fetchall()


def hold_reason(rows_loaded: int, live: list[tuple[str, str, int]], min_share: float, feed: str, file_name: str
                ) -> str | None:
    """Why a resubmission is held instead of applied, or None to apply it.

    A resubmission never silently replaces good data with less: it is held when no row of it loads,
    or when it loads fewer than ``min_share`` of the rows of the file(s) it would supersede.
    """
    if not live:
        return None
    live_rows = sum(r[2] for r in live)
    if rows_loaded == 0:
        why = "no row of it loads"
    elif rows_loaded < min_share * live_rows:
        why = f"it loads {rows_loaded} rows, fewer than {min_share:.0%} of the {live_rows} of the live file"
    else:
        return None
    names = ", ".join(r[1] for r in live)
    return (f"held: {why} ({names} stays live). Check the file; to apply it anyway run "
            f"`csw accept {feed} {file_name}`")


def _commit(con: duckdb.DuckDBPyConnection, feed: Feed, unit: LandedUnit, result: UnitResult,
            raw_rows: pl.DataFrame, quarantine: pl.DataFrame, run_id: str, min_share: float | None = None) -> None:
    """Append good rows, quarantine bad ones, supersede the partition's old file (or hold this one),
    record the unit: atomically. A held file's rows are kept (staging reads loaded files only), so
    ``csw accept`` can apply it without the landing folder."""
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
        if min_share is None:  # a caller outside a home (tests, tools): the shipped default
            min_share = default_settings().intake.resubmission_min_share
        held = hold_reason(result.rows_loaded, _live_files(con, feed, result), min_share, feed.name, unit.file_name)
        if held:
            result.status, result.reason = "held", held
            result.superseded = []
        else:
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


def pending_units(con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path) -> Iterable[LandedUnit | Refused]:
    """Units in the landing folder not yet recorded by path, size and modification time."""
    for unit in discover(landing_dir, feed.name, expand_zip=feed.expand_zip):
        if isinstance(unit, LandedUnit) and _unchanged_on_disk(con, unit):
            continue
        yield unit


def min_share_setting(landing_dir: Path) -> float:
    """``[intake] resubmission_min_share`` of the home the landing folder belongs to."""
    return settings_model(landing_dir.parent.parent).intake.resubmission_min_share


def ingest_feed(con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path, run_id: str,
                partition_keys: set[str] | None = None, min_share: float | None = None) -> list[UnitResult]:
    """Load every new unit of a feed (optionally only those of some partitions)."""
    ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
    share = min_share_setting(landing_dir) if min_share is None else min_share
    results: list[UnitResult] = []
    for unit in pending_units(con, feed, landing_dir):
        if isinstance(unit, Refused):
            refused = record_refused(con, unit, run_id)
            if refused.status != "unchanged":  # recorded on an earlier night
                results.append(refused)
            continue
        if partition_keys is not None and partition_of(feed, unit) not in partition_keys:
            continue
        results.append(ingest_unit(con, feed, unit, run_id, share))
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
