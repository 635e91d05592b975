"""``csw accept``: apply a held resubmission on purpose.

A resubmission that would replace good data with less is held (see
:func:`ingestion.loader.hold_reason`): its rows are already in ``raw.<feed>`` and the quarantine,
but staging reads loaded files only, so the live file stays live. Accepting it is the same change
the loader would have made: in one transaction the live file(s) of the partition become
``superseded`` and the held file ``loaded``, with the decision written into its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb


class NothingToAccept(LookupError):
    """No held file of that feed matches the name given."""


@dataclass(frozen=True)
class Accepted:
    feed: str
    file_name: str
    sha256: str
    partition_key: str | None
    superseded: list[str]


def held_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None, int, str]]:
    """(feed, file name, partition, rows loaded, reason) of every held file, oldest first."""
    return con.execute(
        """select feed, file_name, partition_key, rows_loaded, reason from meta.source_files
           where status = 'held' order by received_at, feed, file_name"""
    ).fetchall()


def accept_held(con: duckdb.DuckDBPyConnection, feed: str, file_name: str) -> Accepted:
    """Apply the held file ``file_name`` (or the held file whose sha256 starts with it) of ``feed``."""
    rows = con.execute(
        """select sha256, file_name, partition_key, coalesce(scope, ''), reason from meta.source_files
           where feed = ? and status = 'held' and (file_name = ? or sha256 like ? || '%')""",
        [feed, file_name, file_name.lower()],
    ).fetchall()
    if len(rows) != 1:
        held = [f"{f[1]}" for f in held_files(con) if f[0] == feed]
        why = "no held file" if not rows else f"{len(rows)} held files"
        raise NothingToAccept(
            f"{why} of {feed} matches {file_name!r}; held files of {feed}: {', '.join(held) or 'none'}"
        )
    sha, name, partition, scope, reason = rows[0]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    con.execute("begin transaction")
    try:
        superseded = con.execute(
            """update meta.source_files set status = 'superseded', superseded_by = ?
               where feed = ? and partition_key = ? and coalesce(scope, '') = ? and status = 'loaded'
               returning sha256""",
            [sha, feed, partition, scope],
        ).fetchall()
        con.execute(
            """update meta.source_files set status = 'loaded', reason = ?
               where feed = ? and sha256 = ? and file_name = ?""",
            [f"accepted with csw accept on {when}; it had been {reason}", feed, sha, name],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return Accepted(feed, name, sha, partition, [r[0] for r in superseded])
