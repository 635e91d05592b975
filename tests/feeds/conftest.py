"""Fixtures for the feed tests: a throw-away warehouse in tmp_path and a way to land files into it.

Fixture names are prefixed ``feed_`` so they cannot clash with fixtures elsewhere in the suite.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion import registry
from ingestion.csv_reader import read_csv_text
from ingestion.landing import LandedUnit
from ingestion.loader import UnitResult, ingest_feed, ingest_unit
from ingestion.registry import Prepared
from ingestion.validation import row_failures
from warehouse.accounting import row_accounting
from warehouse.database import ensure_schema

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "real-data"


def csv_text(header: Sequence[str], rows: Iterable[Mapping[str, object] | Sequence[object]]) -> str:
    """A CSV file's text (quoted where needed); rows are dicts by header name or sequences."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, Mapping) else list(row))
    return out.getvalue()


class FeedKit:
    """Land files for a feed and look at what the loader made of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.landing = root / "landing"
        self.con = duckdb.connect(str(root / "warehouse.duckdb"))
        ensure_schema(self.con, {f.raw_table: f.columns for f in registry.feeds().values()})

    def write(self, feed: str, name: str, content: str | bytes) -> Path:
        path = self.landing / feed / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def ingest(self, feed: str, path: Path) -> UnitResult:
        stat = path.stat()
        unit = LandedUnit(feed, path, None, stat.st_size, stat.st_mtime_ns)
        return ingest_unit(self.con, registry.get(feed), unit, "test-run")

    def load(self, feed: str, name: str, content: str | bytes) -> UnitResult:
        return self.ingest(feed, self.write(feed, name, content))

    def ingest_all(self, feed: str) -> list[UnitResult]:
        return ingest_feed(self.con, registry.get(feed), self.landing / feed, "test-run")

    def raw(self, feed: str, sha: str | None = None) -> pl.DataFrame:
        table = registry.get(feed).raw_table
        where = "where source_file = ?" if sha else ""
        return self.con.execute(f"select * from {table} {where} order by source_file, source_row",
                                [sha] if sha else []).pl()

    def quarantine(self, sha: str) -> pl.DataFrame:
        return self.con.execute(
            "select source_row, check_name, column_name, failure_case, raw_record from meta.quarantine "
            "where source_file = ? order by source_row, check_name", [sha]).pl()

    def status(self, sha: str) -> tuple[str, str | None]:
        return self.con.execute("select status, superseded_by from meta.source_files where sha256 = ?",
                                [sha]).fetchone()

    def staged(self, feed: str) -> pl.DataFrame:
        """What staging keeps: rows whose file is still 'loaded'."""
        table = registry.get(feed).raw_table
        return self.con.execute(
            f"select r.* from {table} r join meta.source_files f on f.sha256 = r.source_file and f.feed = ? "
            "where f.status = 'loaded' order by r.source_file, r.source_row", [feed]).pl()

    def balanced(self, feed: str) -> bool:
        return row_accounting(self.con, registry.get(feed)).balanced

    def close(self) -> None:
        self.con.close()


@pytest.fixture
def feed_kit(tmp_path: Path):
    kit = FeedKit(tmp_path)
    yield kit
    kit.close()


@pytest.fixture
def feed_real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data not present at {REAL_DATA}")
    return REAL_DATA


def parse(feed: str, content: str | bytes, name: str = "file.csv") -> tuple[Prepared, pl.DataFrame]:
    """Read, prepare and validate in memory (no database): (prepared unit, row failures)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    f = registry.get(feed)
    prepared = f.prepare(read_csv_text(data), LandedUnit(feed, Path(name), None, len(data), 0))
    return prepared, row_failures(prepared.frame, f.schema)


@pytest.fixture(scope="session")
def feed_parse():
    """In-memory parse for property tests (Hypothesis cannot share function-scoped fixtures' state)."""
    return parse


@pytest.fixture(scope="session")
def feed_csv():
    return csv_text
