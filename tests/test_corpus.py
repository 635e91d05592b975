"""Issue 9: the whole corpus of bad deliveries (tests/corpus/) lands at once next to a good night.

On a copy of the session's published demo home (months 2024-01..2024-06), the corpus is written into
the landing folders and ONE nightly run follows. It must: succeed and publish; give every corpus
file (every zip member) its expected status with a specific reason or quarantine rule; leave every
good month of ``marts.mart_indicator_monthly`` unchanged; account for every row (rows read = loaded
+ quarantined, and the tables agree); and write no planted restricted value anywhere under the
home but ``landing/`` (files, Dagster storage, and every column of every DuckDB file).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import duckdb
import pytest

from nights import load_corpus_module
from ingestion import registry
from warehouse.accounting import WRITTEN, row_accounting


_corpus = load_corpus_module()
CASES, PLANT, planted_values = _corpus.CASES, _corpus.PLANT, _corpus.planted_values

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
ISSUE_9_FEEDS = {
    "police_street", "police_crime_extract", "police_da_incidents", "marac_returns", "stats19_collision",
    "stats19_vehicle", "stats19_casualty", "ons_lsoa_lookup", "population", "population_sex_age",
}
GOOD_MONTHS = (dt.date(2024, 1, 1), dt.date(2024, 6, 1))
MART_SQL = """select indicator_id, area_code, month, value from marts.mart_indicator_monthly
              where month between ? and ?"""


def _mart(path: Path) -> dict[tuple, object]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {(i, a, m): v for i, a, m, v in con.execute(MART_SQL, list(GOOD_MONTHS)).fetchall()}


def test_corpus_is_large_and_covers_every_feed_and_outcome() -> None:
    assert len(CASES) >= 42
    # the ten feeds of issue 9 (a feed added later gets its cases when it is added)
    assert {c.feed for c in CASES} >= ISSUE_9_FEEDS
    assert {c.feed for c in CASES} <= set(registry.feeds())
    assert {c.status for c in CASES} == {"loaded", "held", "rejected", "ignored"}
    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.reason or case.rules or case.status == "loaded", case.name


def _outcome_problems(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Every case checked against meta.source_files and meta.quarantine; one line per misbehaviour."""
    problems = []
    for case in CASES:
        rows = con.execute(
            """select status, reason, rows_read, rows_loaded, rows_quarantined, sha256 from meta.source_files
               where feed = ? and file_name = ? and run_id = ?""",
            [case.feed, case.recorded_name, run_id],
        ).fetchall()
        if len(rows) != 1:
            problems.append(f"{case.name}: {case.feed}/{case.recorded_name} recorded {len(rows)} times by the run "
                            f"(expected once, {case.status})")
            continue
        status, reason, read, loaded, quarantined, sha = rows[0]
        got = f"got {status} (read {read}, loaded {loaded}, quarantined {quarantined}; reason {reason!r})"
        where = f"{case.name}: {case.feed}/{case.recorded_name}"
        if status != case.status:
            problems.append(f"{where}: expected {case.status}, {got}")
            continue
        if case.reason and not (reason and re.search(case.reason, reason)):
            problems.append(f"{where}: reason should match {case.reason!r}, {got}")
        if status in ("rejected", "ignored") and not reason:
            problems.append(f"{where}: {status} without a reason")
        checks = dict(con.execute(
            """select check_name, count(distinct source_row) from meta.quarantine
               where feed = ? and source_file = ? group by 1""", [case.feed, sha]).fetchall())
        if status in ("rejected", "ignored"):
            if checks or loaded or quarantined:
                problems.append(f"{where}: a {status} file has rows in the tables: {checks}, {got}")
            continue
        missing = set(case.rules) - set(checks)
        if missing:
            problems.append(f"{where}: expected quarantine rule(s) {sorted(missing)}, quarantine has {checks}")
        expected_q = case.quarantined if case.quarantined is not None else (0 if not case.rules else None)
        if expected_q is not None and quarantined != expected_q:
            problems.append(f"{where}: expected {expected_q} rows quarantined, {got}; checks {checks}")
        if read != loaded + quarantined:
            problems.append(f"{where}: rows read {read} != loaded {loaded} + quarantined {quarantined}")
    return problems


def _files_outside_landing(home: Path):
    landing = home / "landing"
    roots = [home, REPO / "dbt_project" / "target", REPO / "dbt_project" / "logs"]
    for root in roots:
        for path in root.rglob("*"):
            if landing in path.parents or path.is_symlink() or not path.is_file():
                continue
            yield path


def _duckdb_leaks(path: Path, plants: set[str]) -> list[str]:
    """Every column of every table and view of a DuckDB file, cast to text, searched for a plant."""
    leaks = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            """select table_catalog, table_schema, table_name, column_name from information_schema.columns
               where table_catalog = current_database()""").fetchall()
        for catalog, schema, table, column in columns:
            try:
                hits = con.execute(
                    f"""select distinct cast("{column}" as varchar) from "{schema}"."{table}"
                        where cast("{column}" as varchar) like '%{PLANT}%' limit 5""").fetchall()
            except duckdb.Error as exc:  # a view that cannot be read here is reported, not skipped silently
                leaks.append(f"{path.name}:{schema}.{table}.{column} could not be scanned ({type(exc).__name__})")
                continue
            for (value,) in hits:
                found = sorted(p for p in plants if p in value) or [value[:80]]
                leaks.append(f"{path.name}:{schema}.{table}.{column} holds {found[:3]}")
    return leaks


def test_corpus_lands_next_to_a_good_night(published_home: Path, second_night: dict) -> None:
    """The session's second night (conftest.second_night): the corpus written into a copy of the
    published six-month home, then one nightly run (with a re-run's bad deliveries beside it)."""
    home = second_night["home"]
    before = _mart(published_home / "warehouse.duckdb")
    assert before, "the published demo night has indicator values for 2024-01..2024-06"

    landing = home / "landing"
    assert (landing / ".csw_demo_mode").exists()
    cases = [case for case in CASES if (landing / case.feed / case.file_name).exists()]
    assert len(cases) == len(CASES), "every corpus file was written into the landing"
    plants = planted_values(landing)
    assert len(plants) > 100, sorted(plants)[:5]

    assert second_night["success"], second_night["failures"]

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        run_id = con.execute("select max_by(run_id, received_at) from meta.source_files").fetchone()[0]
        assert run_id == second_night["run_id"], "the run published its warehouse"
        problems = _outcome_problems(con, second_night["run_id"])

        # every accepted file of the warehouse balances, and the tables agree with the records
        for feed in registry.feeds().values():
            report = row_accounting(con, feed)
            if not report.balanced:
                problems.append(f"row accounting of {feed.name}: {report.describe()}")
        unbalanced = con.execute(
            f"""select feed, file_name, status, rows_read, rows_loaded, rows_quarantined from meta.source_files
                where status in {WRITTEN!r} and rows_read <> rows_loaded + rows_quarantined""").fetchall()
        problems += [f"rows read != loaded + quarantined: {row}" for row in unbalanced]
    assert len(cases) >= 42

    # the good months of the marts are unchanged (same keys, same values)
    after = _mart(home / "warehouse.duckdb")
    lost = sorted(set(before) - set(after))
    # equal, up to the last bit of a float sum (adjusted KSI adds probabilities in whatever order)
    changed = sorted((k, before[k], after[k]) for k in set(before) & set(after)
                     if before[k] != after[k] and not (isinstance(before[k], float) and isinstance(after[k], float)
                                                    and math.isclose(before[k], after[k], rel_tol=1e-9)))
    if lost:
        problems.append(f"{len(lost)} indicator values of 2024-01..2024-06 disappeared, e.g. {lost[:3]}")
    if changed:
        problems.append(f"{len(changed)} indicator values of 2024-01..2024-06 changed, e.g. {changed[:3]}")

    # the reference scan: no planted value outside landing/ (positive control first)
    assert any(PLANT.encode() in p.read_bytes() for p in (landing / "police_crime_extract").glob("*.csv"))
    scanned = 0
    for path in _files_outside_landing(home):
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # the repository's dbt logs and target are shared with other runs
            continue
        scanned += 1
        if PLANT.encode() in data:
            text = data.decode("latin-1")
            found = sorted({p for p in plants if p in text}) or [text[text.index(PLANT):][:60]]
            problems.append(f"planted value(s) in {path.relative_to(home) if home in path.parents else path}: "
                            f"{found[:3]}")
        if path.suffix == ".duckdb" and home in path.parents:
            problems += _duckdb_leaks(path, plants)
    assert scanned > 10
    assert any((home / "dagster").rglob("*.db")), "the Dagster storage was scanned"

    assert not problems, "warehouse misbehaviours on the corpus:\n" + "\n".join(problems)
