"""Row accounting: nothing is silently lost.

For every accepted file (loaded or superseded), the rows it was recorded with must be found in the
tables: rows read = rows loaded + rows quarantined, where "loaded" is the distinct source rows in ``raw.<feed>``
(a wide file row may become several raw rows)
and "quarantined" is the distinct rows of ``meta.quarantine``. Used by the Dagster asset check
of each feed and by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ingestion.registry import Feed


@dataclass
class AccountingReport:
    feed: str
    files: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    unbalanced: list[dict] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.unbalanced

    def describe(self) -> str:
        if self.balanced:
            return (f"{self.files} files: {self.rows_read} rows read = {self.rows_loaded} loaded + "
                    f"{self.rows_quarantined} quarantined")
        first = self.unbalanced[0]
        return f"{len(self.unbalanced)} file(s) do not balance, e.g. {first}"


def row_accounting(con: duckdb.DuckDBPyConnection, feed: Feed) -> AccountingReport:
    has_raw = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [feed.raw_table.split(".", 1)[1]],
    ).fetchone()[0]
    if not has_raw:
        return AccountingReport(feed.name)
    rows = con.execute(
        f"""
        with files as (
            select sha256, file_name, rows_read, rows_loaded, rows_quarantined
            from meta.source_files where feed = $feed and status in ('loaded', 'superseded')
        ),
        loaded as (
            select source_file, count(distinct source_row) as n from {feed.raw_table}
            where source_file in (select sha256 from files) group by source_file
        ),
        quarantined as (
            select source_file, count(distinct source_row) as n from meta.quarantine
            where feed = $feed group by source_file
        )
        select f.file_name, f.rows_read, f.rows_loaded, f.rows_quarantined,
               coalesce(l.n, 0) as counted_loaded, coalesce(q.n, 0) as counted_quarantined
        from files f
        left join loaded l on l.source_file = f.sha256
        left join quarantined q on q.source_file = f.sha256
        order by f.file_name
        """,
        {"feed": feed.name},
    ).fetchall()
    report = AccountingReport(feed.name, files=len(rows))
    for name, read, loaded, quarantined, counted_loaded, counted_quarantined in rows:
        report.rows_read += read
        report.rows_loaded += counted_loaded
        report.rows_quarantined += counted_quarantined
        if not (read == loaded + quarantined and loaded == counted_loaded and quarantined == counted_quarantined):
            report.unbalanced.append({"file": name, "read": read, "loaded_recorded": loaded,
                                      "loaded_in_table": counted_loaded, "quarantined_recorded": quarantined,
                                      "quarantined_in_table": counted_quarantined})
    return report
