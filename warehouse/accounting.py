"""Row accounting: nothing is silently lost, whatever a file's status. The one copy of the rule.

For every file whose rows were written (``loaded``, ``superseded``, and ``held``: a resubmission held
back, written like a loaded one), the rows it was recorded with must be found in the tables: rows
read = rows loaded + rows quarantined, where "loaded" is the distinct source rows in ``raw.<feed>``
(a wide file row may become several raw rows) and "quarantined" is the distinct rows of
``meta.quarantine``. A ``rejected`` file loaded and quarantined nothing (its rows read may be what was
read before the rejection) and an ``ignored`` file was not read at all: neither may have a row in the
tables, unless the same bytes were accepted in the feed under another name (a police file rejected
for its name and landed again renamed), whose record owns those rows. Any other status is unbalanced:
nobody accounts for it.

The rule is one SQL query, :func:`accounting_sql`, over three relations (the files, the raw rows and
the quarantined rows, each with its feed). Two callers give it their relations: :func:`row_accounting`
(the Dagster asset check of each feed right after intake, ``csw ingest`` and the tests: the meta
tables and one feed's raw table) and the dbt Python model ``meta.dq_row_accounting`` (every feed:
staging's ``stg_meta__source_files``, ``stg_meta__quarantine`` and the raw sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import duckdb

WRITTEN = ("loaded", "superseded", "held")  # statuses whose rows are in raw and the quarantine
NOT_WRITTEN = ("rejected", "ignored")  # statuses that may have nothing in the tables

# Columns accounting_sql adds to those of `files`.
ACCOUNTING_COLUMNS = ("rows_in_raw", "rows_in_quarantine", "is_accepted_in_feed", "is_read_balanced",
                      "is_raw_complete", "is_quarantine_complete", "is_nothing_recorded", "is_nothing_in_tables",
                      "is_balanced")


def accounting_sql(files: str, raw_rows: str, quarantine: str) -> str:
    """The rule as one query: every row of ``files`` with its counts in the tables and ``is_balanced``.

    Each argument is a relation in SQL (a table name or a parenthesised query):
    ``files`` has at least ``feed, source_file`` (the SHA-256), ``status``, ``rows_read``,
    ``rows_loaded`` and ``rows_quarantined``; ``raw_rows`` and ``quarantine`` have
    ``feed, source_file, source_row``. Rows are counted within the file's feed (the same bytes can
    land in two feeds' folders). Every column of ``files`` is kept, followed by ACCOUNTING_COLUMNS.
    """
    written = ", ".join(f"'{s}'" for s in WRITTEN)
    return f"""
        with files as (select * from {files}),
        raw_counts as (
            -- distinct lines: a wide population row (Mid-2022, Mid-2023, ...) becomes one raw row a year
            select feed, source_file, count(distinct source_row) as rows_in_raw
            from {raw_rows} group by feed, source_file
        ),
        quarantine_counts as (
            select feed, source_file, count(distinct source_row) as rows_in_quarantine
            from {quarantine} group by feed, source_file
        ),
        accepted_files as (
            -- the (feed, file) pairs whose rows were written: an accepted record owns them
            select distinct feed, source_file from files where status in ({written})
        ),
        counted as (
            select files.*,
                   coalesce(raw_counts.rows_in_raw, 0) as rows_in_raw,
                   coalesce(quarantine_counts.rows_in_quarantine, 0) as rows_in_quarantine,
                   accepted_files.source_file is not null as is_accepted_in_feed
            from files
            left join raw_counts
                on files.feed = raw_counts.feed and files.source_file = raw_counts.source_file
            left join quarantine_counts
                on files.feed = quarantine_counts.feed and files.source_file = quarantine_counts.source_file
            left join accepted_files
                on files.feed = accepted_files.feed and files.source_file = accepted_files.source_file
        ),
        checked as (
            select *,
                   coalesce(rows_read = rows_loaded + rows_quarantined, false) as is_read_balanced,
                   rows_in_raw = coalesce(rows_loaded, 0) as is_raw_complete,
                   rows_in_quarantine = coalesce(rows_quarantined, 0) as is_quarantine_complete,
                   coalesce(rows_loaded, 0) = 0 and coalesce(rows_quarantined, 0) = 0 as is_nothing_recorded,
                   (rows_in_raw = 0 and rows_in_quarantine = 0) or is_accepted_in_feed as is_nothing_in_tables
            from counted
        )
        select *,
               coalesce(case
                   when status in ({written}) then is_read_balanced and is_raw_complete and is_quarantine_complete
                   when status = 'rejected' then is_nothing_recorded and is_nothing_in_tables
                   when status = 'ignored' then is_nothing_recorded and coalesce(rows_read, 0) = 0 and is_nothing_in_tables
               end, false) as is_balanced
        from checked
    """


class FeedTables(Protocol):
    """What the accounting reads of a feed: its name in ``meta`` and its raw table.

    A protocol rather than ``ingestion``'s ``Feed``: the warehouse room sits below ingestion and
    imports nothing from it; any feed entry of the registry fits.
    """

    @property
    def name(self) -> str: ...

    @property
    def raw_table(self) -> str: ...


@dataclass
class AccountingReport:
    feed: str
    files: int = 0  # files whose rows were written (loaded, superseded, held)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    files_not_written: int = 0  # rejected and ignored files, checked to have nothing in the tables
    unbalanced: list[dict] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.unbalanced

    def describe(self) -> str:
        if self.balanced:
            text = (f"{self.files} files: {self.rows_read} rows read = {self.rows_loaded} loaded + "
                    f"{self.rows_quarantined} quarantined")
            if self.files_not_written:
                text += f"; {self.files_not_written} rejected or ignored file(s) with nothing in the tables"
            return text
        first = self.unbalanced[0]
        return f"{len(self.unbalanced)} file(s) do not balance, e.g. {first}"


def row_accounting(con: duckdb.DuckDBPyConnection, feed: FeedTables) -> AccountingReport:
    """One feed's files against the meta tables and its raw table (accounting_sql), summed in the query."""
    has_raw = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [feed.raw_table.split(".", 1)[1]],
    ).fetchone()[0]
    if not has_raw:
        return AccountingReport(feed.name)
    rule = accounting_sql(
        files="(select sha256 as source_file, * exclude (sha256) from meta.source_files where feed = $feed)",
        raw_rows=f"(select $feed as feed, source_file, source_row from {feed.raw_table})",
        quarantine="(select feed, source_file, source_row from meta.quarantine where feed = $feed)",
    )
    written = ", ".join(f"'{s}'" for s in WRITTEN)
    not_written = ", ".join(f"'{s}'" for s in NOT_WRITTEN)
    files, read, loaded, quarantined, files_not_written, unbalanced = con.execute(
        f"""
        with accounted as ({rule})
        select count(*) filter (where status in ({written})),
               coalesce(sum(rows_read) filter (where status in ({written})), 0),
               coalesce(sum(rows_in_raw) filter (where status in ({written})), 0),
               coalesce(sum(rows_in_quarantine) filter (where status in ({written})), 0),
               count(*) filter (where status in ({not_written})),
               list({{'file': file_name, 'status': status, 'read': rows_read, 'loaded_recorded': rows_loaded,
                     'loaded_in_table': rows_in_raw, 'quarantined_recorded': rows_quarantined,
                     'quarantined_in_table': rows_in_quarantine}} order by file_name, status)
                   filter (where not is_balanced)
        from accounted
        """,
        {"feed": feed.name},
    ).fetchone()
    return AccountingReport(feed.name, int(files), int(read), int(loaded), int(quarantined), int(files_not_written),
                            unbalanced or [])
