"""``csw sql``, ``csw export`` and the README's example queries, on a published demo warehouse.

Expected numbers come from direct read-only DuckDB queries of the published file, not from the
commands under test.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from cli.main import main
from warehouse.reader import WriteRefused, connect_published, mart_tables, refuse_writes

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def home(published_home: Path) -> Path:
    return published_home


def direct(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


WRITES = {
    "INSERT": "insert into marts.dim_area (area_code) values ('X')",
    "UPDATE": "update marts.fct_crime set crime_type = 'x'",
    "DELETE": "delete from meta.source_files",
    "CREATE": "create table marts.mine as select 1 as a",
    "DROP": "drop table marts.fct_crime",
    "ALTER": "alter table marts.fct_crime add column x int",
    "COPY": "copy (select * from marts.dim_area) to '{out}'",
    "EXPORT": "export database '{out_dir}'",
    "ATTACH": "attach '{out_dir}/other.duckdb' as other",
    "LOAD": "install httpfs",
    "SET": "set enable_external_access = true",
    "CALL": "checkpoint",
    "PRAGMA": "pragma enable_profiling",
    "TRANSACTION": "begin transaction",
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_sql_refuses_statements_that_would_write(home: Path, tmp_path: Path, kind: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    before = hashlib.sha256((home / "warehouse.duckdb").read_bytes()).hexdigest()
    sql = WRITES[kind].format(out=tmp_path / "out.csv", out_dir=tmp_path)
    # Alone, and hidden after a harmless query.
    for text in (sql, f"select 1; {sql}"):
        assert main(["--home", str(home), "sql", text]) == 2
        err = capsys.readouterr().err
        assert "read-only" in err and f"refused {kind}: " in err, err
    assert hashlib.sha256((home / "warehouse.duckdb").read_bytes()).hexdigest() == before
    assert list(tmp_path.iterdir()) == []


def test_the_connection_itself_refuses_writes_and_file_access(home: Path, tmp_path: Path) -> None:
    """The second wall: even SQL that got past the statement check could not write or read files."""
    with connect_published(home, locked_down=True) as con:
        with pytest.raises(duckdb.Error):
            con.execute("create table marts.mine (a int)")
        with pytest.raises(duckdb.Error):
            con.execute(f"copy (select 1) to '{tmp_path / 'x.csv'}'")
        with pytest.raises(duckdb.Error):
            con.execute("select * from read_csv('/etc/hostname')")
        with pytest.raises(WriteRefused, match="no SQL"):
            refuse_writes(con, "  ; ")
    assert list(tmp_path.iterdir()) == []


def test_sql_prints_a_table_and_reads_a_file(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (expected,) = direct(home, "select count(*) from marts.fct_crime")[0]
    assert main(["--home", str(home), "sql", "select count(*) as crimes from marts.fct_crime"]) == 0
    out = capsys.readouterr().out
    assert "crimes" in out and str(expected) in out and "(1 row)" in out

    query = tmp_path / "areas.sql"
    query.write_text("-- the districts\nselect area_code, area_name\nfrom marts.dim_area\n"
                     "where area_type = 'district'\norder by area_code;\n", encoding="utf-8")
    assert main(["--home", str(home), "sql", "-f", str(query)]) == 0
    out = capsys.readouterr().out
    assert "E07000117" in out and "Burnley" in out and "(12 rows)" in out

    assert main(["--home", str(home), "sql", "select * from marts.fct_crime", "--max-rows", "5"]) == 0
    assert "more than 5 rows" in capsys.readouterr().out

    assert main(["--home", str(home), "sql", "explain select * from marts.dim_area"]) == 0
    assert "dim_area" in capsys.readouterr().out

    assert main(["--home", str(home), "sql", "select * from marts.no_such_mart"]) == 1
    assert "no_such_mart" in capsys.readouterr().err


def test_sql_writes_csv_and_parquet(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = ("select indicator_id, area_code, month, value from marts.mart_indicator_monthly "
           "where indicator_id = 'all_crime' order by area_code, month")
    expected = direct(home, sql)
    assert expected

    assert main(["--home", str(home), "sql", sql, "--csv", str(tmp_path / "all_crime.csv")]) == 0
    assert f"wrote {len(expected)} rows" in capsys.readouterr().out
    csv = pl.read_csv(tmp_path / "all_crime.csv", try_parse_dates=True)
    assert csv.columns == ["indicator_id", "area_code", "month", "value"]
    assert csv.rows() == [tuple(r) for r in expected]

    assert main(["--home", str(home), "sql", sql, "--parquet", str(tmp_path / "all_crime.parquet")]) == 0
    capsys.readouterr()
    assert pl.read_parquet(tmp_path / "all_crime.parquet").rows() == [tuple(r) for r in expected]

    # One result per file: two statements and an output file do not go together.
    assert main(["--home", str(home), "sql", f"select 1; {sql}", "--csv", str(tmp_path / "two.csv")]) == 2
    assert not (tmp_path / "two.csv").exists()


def test_sql_refuses_to_write_inside_the_home_or_over_a_file(home: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's own example, `csw sql "select 1" --csv $CSW_HOME/warehouse.duckdb`, and its cousins."""
    warehouse = home / "warehouse.duckdb"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    outputs_before = sorted(p.name for p in (home / "outputs").iterdir())
    (tmp_path / "link").symlink_to(home)  # a symlink into the home
    for target, flag in [(warehouse, "--csv"), (warehouse, "--parquet"), (f"{home}/exports/../warehouse.duckdb", "--csv"),
                         (tmp_path / "link" / "warehouse.duckdb", "--csv"), (home / "outputs" / "mine.csv", "--csv"),
                         (home / "landing" / "x.csv", "--parquet"), (home / "exports", "--csv")]:
        for force in ([], ["--force"]):
            assert main(["--home", str(home), "sql", "select 1 as a", flag, str(target), *force]) == 2, target
            err = capsys.readouterr().err
            assert "refusing to write" in err and "exports" in err, err
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in (home / "outputs").iterdir()) == outputs_before
    assert not (home / "landing" / "x.csv").exists()

    # Outside the home, or in its exports/: fine, but never over an existing file without --force.
    for out in (tmp_path / "mine" / "mine.csv", home / "exports" / "sql-test" / "mine.csv"):
        assert main(["--home", str(home), "sql", "select 1 as a", "--csv", str(out)]) == 0
        capsys.readouterr()
        assert main(["--home", str(home), "sql", "select 2 as a", "--csv", str(out)]) == 2
        assert "refusing to overwrite" in capsys.readouterr().err and out.read_text().split() == ['"a"', "1"]
        assert main(["--home", str(home), "sql", "select 2 as a", "--csv", str(out), "--force"]) == 0
        capsys.readouterr()
        assert out.read_text().split() == ['"a"', "2"]
        assert sorted(p.name for p in out.parent.iterdir()) == ["mine.csv"]  # no temporary file left
    shutil.rmtree(home / "exports" / "sql-test")
    # A failing query writes nothing either.
    assert main(["--home", str(home), "sql", "select * from marts.no_such_mart", "--csv", str(tmp_path / "no.csv")]) == 1
    capsys.readouterr()
    assert not (tmp_path / "no.csv").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_export_refuses_the_home_and_existing_files(home: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    outputs_before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in (home / "outputs").iterdir() if p.is_file()}
    for to in (home / "outputs", home, home / "build", home / "exports" / ".." / "outputs"):
        assert main(["--home", str(home), "export", "--to", str(to), "--force"]) == 2
        assert "refusing to write" in capsys.readouterr().err
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (home / "outputs").iterdir() if p.is_file()} == outputs_before
    assert not list(home.glob("*.parquet")) and not list((home / "outputs").glob("*.parquet"))

    bi = tmp_path / "bi"
    assert main(["--home", str(home), "export", "--to", str(bi)]) == 0
    capsys.readouterr()
    (bi / "dim_area.parquet").write_bytes(b"mine")
    stamp = {p.name: p.stat().st_mtime_ns for p in bi.iterdir()}
    assert main(["--home", str(home), "export", "--to", str(bi)]) == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite" in err and "--force" in err and "nothing exported" in err
    assert {p.name: p.stat().st_mtime_ns for p in bi.iterdir()} == stamp  # nothing written
    assert main(["--home", str(home), "export", "--to", str(bi), "--force"]) == 0
    capsys.readouterr()
    assert pq.read_metadata(bi / "dim_area.parquet").num_rows == direct(home, "select count(*) from marts.dim_area")[0][0]


def test_sql_and_export_help_say_where_they_write(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("sql", "export"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--force" in text and "$CSW_HOME/exports/" in text, text


def test_sql_without_a_published_warehouse_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "sql", "select 1"]) == 2
    assert "csw run" in capsys.readouterr().err


def test_export_writes_every_mart_as_parquet(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marts = [r[0] for r in direct(home, "select table_name from information_schema.tables "
                                        "where table_schema = 'marts' order by 1")]
    assert {"dim_area", "dim_month", "fct_crime", "mart_indicator_monthly", "mart_scorecard_quarterly"} <= set(marts)
    with connect_published(home) as con:  # the Python helper sees the same marts
        assert mart_tables(con) == marts
    assert main(["--home", str(home), "export", "--to", str(tmp_path / "bi")]) == 0
    assert f"Exported {len(marts)} marts" in capsys.readouterr().out
    assert sorted(p.stem for p in (tmp_path / "bi").glob("*.parquet")) == marts
    for mart in marts:
        (rows,) = direct(home, f"select count(*) from marts.{mart}")[0]
        assert pq.read_metadata(tmp_path / "bi" / f"{mart}.parquet").num_rows == rows, mart
        columns = [r[0] for r in direct(home, f"select column_name from information_schema.columns where "
                                              f"table_schema = 'marts' and table_name = '{mart}' order by ordinal_position")]
        assert pq.read_schema(tmp_path / "bi" / f"{mart}.parquet").names == columns
    # default folder; a second export replaces the files only with --force
    shutil.rmtree(home / "exports", ignore_errors=True)
    assert main(["--home", str(home), "export"]) == 0
    assert sorted(p.stem for p in (home / "exports").glob("*.parquet")) == marts
    assert main(["--home", str(home), "export"]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["--home", str(home), "export", "--force"]) == 0


# --- the README's analyst queries ---------------------------------------------------------------

def readme_queries() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    examples = section.split("### Example queries", 1)[1]
    return [q.strip() for q in re.findall(r"```sql\n(.*?)```", examples, flags=re.S)]


def test_the_readme_has_ten_example_queries() -> None:
    queries = readme_queries()
    assert len(queries) == 10
    assert len(set(queries)) == 10


@pytest.mark.parametrize("number", range(1, 11))
def test_readme_example_query_runs(home: Path, number: int) -> None:
    sql = readme_queries()[number - 1]
    with connect_published(home, locked_down=True) as con:
        (statement,) = refuse_writes(con, sql)
        rows = con.execute(statement).fetchall()
    assert rows, f"README example {number} returned no rows:\n{sql}"
