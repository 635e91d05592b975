"""Row accounting: nothing is silently lost, whatever a file's status.

For every file whose rows were written (``loaded``, ``superseded``, and ``held``: a resubmission held
back, written like a loaded one), the rows it was recorded with must be found in the tables: rows
read = rows loaded + rows quarantined, where "loaded" is the distinct source rows in ``raw.<feed>``
(a wide file row may become several raw rows) and "quarantined" is the distinct rows of
``meta.quarantine``. A ``rejected`` file loaded and quarantined nothing (its rows read may be what was
read before the rejection) and an ``ignored`` file was not read at all: neither may have a row in the
tables, unless the same bytes were accepted in the feed under another name (a police file rejected
for its name and landed again renamed), whose record owns those rows. Any other status is unbalanced:
nobody accounts for it. Used by the Dagster asset check of each feed and by the tests; the dbt model
``meta.dq_row_accounting`` applies the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import duckdb

WRITTEN = ("loaded", "superseded", "held")  # statuses whose rows are in raw and the quarantine
NOT_WRITTEN = ("rejected", "ignored")  # statuses that may have nothing in the tables


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


def _balanced(status: str, read: int, loaded: int, quarantined: int, counted_loaded: int,
              counted_quarantined: int, accepted_elsewhere: bool) -> bool:
    if status in WRITTEN:
        return read == loaded + quarantined and loaded == counted_loaded and quarantined == counted_quarantined
    if status in NOT_WRITTEN:
        nothing_in_tables = accepted_elsewhere or (counted_loaded == 0 and counted_quarantined == 0)
        nothing_recorded = loaded == 0 and quarantined == 0 and (status == "rejected" or read == 0)
        return nothing_recorded and nothing_in_tables
    return False


def row_accounting(con: duckdb.DuckDBPyConnection, feed: FeedTables) -> AccountingReport:
    has_raw = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [feed.raw_table.split(".", 1)[1]],
    ).fetchone()[0]
    if not has_raw:
        return AccountingReport(feed.name)
    rows = con.execute(
        f"""
        with files as (
            select sha256, file_name, status, coalesce(rows_read, 0) as rows_read,
                   coalesce(rows_loaded, 0) as rows_loaded, coalesce(rows_quarantined, 0) as rows_quarantined
            from meta.source_files where feed = $feed
        ),
        accepted as (
            select distinct sha256 from files where status in ('loaded', 'superseded', 'held')
        ),
        loaded as (
            select source_file, count(distinct source_row) as n from {feed.raw_table}
            where source_file in (select sha256 from files) group by source_file
        ),
        quarantined as (
            select source_file, count(distinct source_row) as n from meta.quarantine
            where feed = $feed group by source_file
        )
        select f.file_name, f.status, f.rows_read, f.rows_loaded, f.rows_quarantined,
               coalesce(l.n, 0) as counted_loaded, coalesce(q.n, 0) as counted_quarantined,
               a.sha256 is not null as accepted_elsewhere
        from files f
        left join loaded l on l.source_file = f.sha256
        left join quarantined q on q.source_file = f.sha256
        left join accepted a on a.sha256 = f.sha256
        order by f.file_name, f.status
        """,
        {"feed": feed.name},
    ).fetchall()
    report = AccountingReport(feed.name)
    for name, status, read, loaded, quarantined, counted_loaded, counted_quarantined, accepted_elsewhere in rows:
        if status in WRITTEN:
            report.files += 1
            report.rows_read += read
            report.rows_loaded += counted_loaded
            report.rows_quarantined += counted_quarantined
        elif status in NOT_WRITTEN:
            report.files_not_written += 1
        if not _balanced(status, read, loaded, quarantined, counted_loaded, counted_quarantined,
                         bool(accepted_elsewhere)):
            report.unbalanced.append({"file": name, "status": status, "read": read, "loaded_recorded": loaded,
                                      "loaded_in_table": counted_loaded, "quarantined_recorded": quarantined,
                                      "quarantined_in_table": counted_quarantined})
    return report
