"""For auditors, end to end: `csw trace` re-counted by hand, the OpenLineage events, `csw docs`.

One nightly run on a small generated dataset (as test_end_to_end). Every traced figure is
re-counted here from the landed files with Polars -- never through the marts or the trace's own
SQL -- for a month, a quarter and a financial year; for a district, a unitary, the county
(Lancashire-12), a cluster and the police force area; for police.uk crime, ASB and STATS19
casualties (including the non-integer adjusted KSI). The files the trace names are checked against
the SHA-256 of the landed bytes, and its rows against (file, line) computed here.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tomllib
import uuid
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion.demo import AREAS, write_demo_data
from cli.main import main
from cli.runner import run_job
from warehouse.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

MONTHS = ("2022-04", "2024-09")
LANCASHIRE_12 = [a[0] for a in AREAS if a[0].startswith("E07")]
FORCE_AREA = "E23000003"
COUNTY = "E10000017"


@pytest.fixture(scope="module")
def home(demo_run) -> Path:
    """The session's shared demo night (conftest.demo_run): read here, never changed."""
    return demo_run[0]


@pytest.fixture(scope="module")
def run_id(demo_run) -> str:
    return demo_run[1].run_id


# --- independent reading of the landed files (line = row index + 2: line 1 is the header) -------

def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False).with_columns(
        pl.lit(path.name).alias("file"), (pl.int_range(pl.len()) + 2).alias("line"))


@pytest.fixture(scope="module")
def police(home: Path) -> pl.DataFrame:
    code_to_lad: dict[str, str] = {}
    name_to_lad: dict[str, str] = {}
    for path in sorted((home / "landing" / "ons_lsoa_lookup").glob("*.csv")):
        df = pl.read_csv(path, infer_schema=False)
        lsoa = next(c for c in df.columns if re.fullmatch(r"LSOA\d\dCD", c))
        lad = next(c for c in df.columns if re.fullmatch(r"LAD\d\dCD", c))
        lad_nm = next(c for c in df.columns if re.fullmatch(r"LAD\d\dNM", c))
        code_to_lad.update(dict(zip(df[lsoa], df[lad])))
        name_to_lad.update(dict(zip(df[lad_nm], df[lad])))
    df = pl.concat([_read(p) for p in sorted((home / "landing" / "police_street").glob("*.csv"))])
    by_name = pl.col("LSOA name").str.extract(r"^(.*) \d{3}[A-Z]$", 1).replace_strict(
        name_to_lad, default=None, return_dtype=pl.Utf8)
    return df.with_columns(
        pl.coalesce(pl.col("LSOA code").replace_strict(code_to_lad, default=None, return_dtype=pl.Utf8), by_name)
        .alias("lad"),
        (pl.col("Month") + "-01").str.to_date().alias("month"),
        pl.col("file").str.contains("-lancashire-street").alias("in_force"),
        pl.lit(1.0).alias("v"),
    )


@pytest.fixture(scope="module")
def casualties(home: Path) -> pl.DataFrame:
    def read(table: str) -> pl.DataFrame:
        frames = [_read(p) for p in sorted((home / "landing" / f"stats19_{table}").glob("*.csv"))]
        return pl.concat(frames, how="diagonal")

    collisions = read("collision").select("collision_index", "date", "local_authority_ons_district", "police_force")
    df = read("casualty").join(collisions, on="collision_index", how="left")
    severity = pl.col("casualty_severity").cast(pl.Int64)
    return df.with_columns(
        pl.col("date").str.to_date("%d/%m/%Y").dt.truncate("1mo").alias("month"),
        pl.col("local_authority_ons_district").alias("lad"),
        (pl.col("police_force").cast(pl.Int64) == 4).alias("in_force"),
        severity.alias("sev"),
        # adjusted KSI: a fatal casualty counts 1, any other its adjusted probability of a serious injury
        pl.when(severity == 1).then(1.0)
        .otherwise(pl.col("casualty_adjusted_severity_serious").cast(pl.Float64, strict=False).fill_null(0.0))
        .alias("adjusted"),
    )


def fy_months(text: str) -> list[date]:
    """The months of '2024-03', '2024/25-Q2' or '2024/25', computed here from the calendar."""
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return [date(int(text[:4]), int(text[5:]), 1)]
    start = int(text[:4])
    months = [date(start + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3)]
    if "-Q" in text:
        q = int(text[-1])
        return months[3 * (q - 1): 3 * q]
    return months


# Cluster membership is configuration (the shipped defaults), not something computed.
CLUSTERS = tomllib.loads((REPO_ROOT / "warehouse" / "default_settings.toml").read_text())["clusters"]


def area_filter(area: str) -> pl.Expr:
    if area == FORCE_AREA:
        return pl.col("in_force")
    if area == COUNTY:
        return pl.col("lad").is_in(LANCASHIRE_12)
    if area.startswith("CLUSTER_"):
        return pl.col("lad").is_in(CLUSTERS[area.removeprefix("CLUSTER_").lower()])
    return pl.col("lad") == area


# (indicator, area, period, feed, row filter, value column)
CASES = [
    ("crime_burglary", "E07000123", "2024-03", "police", pl.col("Crime type") == "Burglary", "v"),
    ("asb_incidents", FORCE_AREA, "2024/25-Q1", "police", pl.col("Crime type") == "Anti-social behaviour", "v"),
    ("all_crime", COUNTY, "2023/24", "police", pl.col("Crime type") != "Anti-social behaviour", "v"),
    ("crime_violence_and_sexual_offences", "CLUSTER_EAST", "2023/24-Q3", "police",
     pl.col("Crime type") == "Violence and sexual offences", "v"),
    ("road_casualties", "E06000009", "2023/24-Q3", "casualties", pl.lit(True), "v"),
    ("ksi_casualties", FORCE_AREA, "2023-07", "casualties", pl.col("sev").is_in([1, 2]), "v"),
    ("adjusted_ksi", COUNTY, "2023/24", "casualties", pl.lit(True), "adjusted"),
]


def run_trace(capsys: pytest.CaptureFixture, home: Path, *args: str) -> tuple[int, str]:
    code = main(["--home", str(home), "trace", *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(("indicator", "area", "period", "feed", "row_filter", "value"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_trace_recounted_from_the_landed_files(home: Path, police: pl.DataFrame, casualties: pl.DataFrame,
                                               capsys: pytest.CaptureFixture, indicator: str, area: str,
                                               period: str, feed: str, row_filter: pl.Expr, value: str) -> None:
    code, out = run_trace(capsys, home, indicator, area, period, "--format", "json", "--rows")
    assert code == 0, out
    doc = json.loads(out)
    source = police if feed == "police" else casualties.with_columns(pl.lit(1.0).alias("v"))
    rows = source.filter(row_filter & pl.col("month").is_in(fy_months(period)) & area_filter(area))
    assert rows.height > 0, "the case must trace a figure with rows behind it"

    assert doc["value"] == pytest.approx(rows[value].sum(), abs=1e-6)
    assert doc["recount"]["matches"] and doc["recount"]["rows"] == rows.height
    expected_files = dict(rows.group_by("file").len().iter_rows())
    assert {f["file_name"]: f["rows"] for f in doc["files"]} == expected_files
    landing = home / "landing"
    for f in doc["files"]:
        landed = next(landing.glob(f"*/{f['file_name']}"))
        assert f["sha256"] == hashlib.sha256(landed.read_bytes()).hexdigest()
        assert f["feed"] == landed.parent.name and f["received_at"] and f["load_run_id"]
    assert sorted((r["file_name"], r["line"]) for r in doc["rows"]) == sorted(rows.select("file", "line").iter_rows())
    assert sum(r["value"] for r in doc["rows"]) == pytest.approx(doc["value"], abs=1e-6)
    if period.count("-") == 0:  # a financial year: the sum of its twelve published months
        assert len(doc["monthly"]) == 12 and "sum of marts.mart_indicator_monthly.value" in doc["value_source"]
    elif "-Q" in period:
        assert doc["value_source"].startswith("marts.mart_scorecard_quarterly.value")


def test_trace_rows_carry_the_raw_row(home: Path, police: pl.DataFrame, capsys: pytest.CaptureFixture) -> None:
    code, out = run_trace(capsys, home, "all_crime", "E07000123", "2024-03", "--format", "json",
                          "--rows", "--limit", "3")
    assert code == 0
    doc = json.loads(out)
    assert len(doc["rows"]) == 3 and doc["recount"]["rows"] > 3
    landed = police.filter(pl.col("file") == "2024-03-lancashire-street.csv")
    for row in doc["rows"]:
        source = landed.filter(pl.col("line") == row["line"]).row(0, named=True)
        assert row["crime_type"] == source["Crime type"] != "Anti-social behaviour"
        assert row["lsoa_code"] == (source["LSOA code"] or None)


def test_trace_text_names_definition_models_files_run_and_commit(home: Path, run_id: str,
                                                                 capsys: pytest.CaptureFixture) -> None:
    code, out = run_trace(capsys, home, "adjusted_ksi", COUNTY, "2023/24-Q2", "--rows", "--limit", "2", "--sql")
    assert code == 0, out
    assert "MATCHES the published value" in out
    assert "value_sql:  case when casualty_severity = 1" in out
    for model in ("raw.stats19_casualty", "staging.stg_stats19__casualties", "marts.fct_road_casualty",
                  "marts.fct_indicator_event", "marts.mart_scorecard_quarterly"):
        assert model in out
    assert "       | select" in out  # --sql prints the compiled SQL
    assert "dft-road-casualty-statistics-casualty-2023.csv:" in out
    assert f"Dagster run {run_id}" in out and "SUCCESS" in out
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if commit.returncode == 0:
        assert f"git commit {commit.stdout.strip()}" in out


def test_trace_models_are_this_builds(home: Path, run_id: str, capsys: pytest.CaptureFixture) -> None:
    code, out = run_trace(capsys, home, "all_crime", FORCE_AREA, "2024-01", "--format", "json")
    doc = json.loads(out)
    assert doc["build"]["run_id"] == run_id
    models = {m["relation"]: m for m in doc["models"]}
    assert models["marts.fct_crime"]["compiled_sql"].lstrip().lower().startswith(("with", "--", "select"))
    assert "{{" not in models["marts.fct_crime"]["compiled_sql"]
    assert [m["relation"] for m in doc["models"]][-1] == "marts.mart_indicator_monthly"
    assert "raw.police_street" in models and "marts.fct_road_casualty" not in models


@pytest.mark.parametrize(("args", "message"), [
    (("no_such_indicator", "E07000123", "2024-03"), "unknown indicator"),
    (("all_crime", "E99999999", "2024-03"), "unknown area"),
    (("all_crime", "E07000123", "2024/26"), "not a financial year"),
    (("all_crime", "E07000123", "March 2024"), "expected a month"),
])
def test_trace_refuses_what_it_cannot_answer(home: Path, capsys: pytest.CaptureFixture, args, message) -> None:
    assert main(["--home", str(home), "trace", *args]) == 2
    assert message in capsys.readouterr().err


# --- OpenLineage ------------------------------------------------------------------------------

REQUIRED_RUN_EVENT = ("eventTime", "producer", "schemaURL", "run", "job")
EVENT_TYPES = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}


def _check_dataset(dataset: dict) -> None:
    assert isinstance(dataset["namespace"], str) and dataset["namespace"]
    assert isinstance(dataset["name"], str) and dataset["name"]
    for facet in dataset.get("facets", {}).values():
        assert facet["_producer"] and facet["_schemaURL"].startswith("https://openlineage.io/spec/facets/")


@pytest.fixture(scope="module")
def lineage_events(home: Path, run_id: str) -> list[dict]:
    path = home / "lineage" / f"{run_id}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_openlineage_events_have_the_required_fields(lineage_events: list[dict]) -> None:
    assert lineage_events
    for event in lineage_events:
        for key in REQUIRED_RUN_EVENT:
            assert key in event, key
        assert event["eventType"] in EVENT_TYPES
        assert datetime.fromisoformat(event["eventTime"]).tzinfo is not None
        assert str(uuid.UUID(event["run"]["runId"])) == event["run"]["runId"]
        assert event["job"]["namespace"] == "csw" and event["job"]["name"]
        assert re.match(r"^[a-z][a-z0-9+.-]*:", event["producer"])  # a URI
        assert event["schemaURL"].startswith("https://openlineage.io/spec/") and event["schemaURL"].endswith("RunEvent")
        for dataset in event.get("inputs", []) + event.get("outputs", []):
            _check_dataset(dataset)


def test_openlineage_covers_every_ingestion_dbt_model_and_output(home: Path, run_id: str,
                                                                 lineage_events: list[dict]) -> None:
    by_job: dict[str, list[dict]] = {}
    for event in lineage_events:
        by_job.setdefault(event["job"]["name"], []).append(event)
    for job, events in by_job.items():
        assert [e["eventType"] for e in events] == ["START", "COMPLETE"], job
        assert len({e["run"]["runId"] for e in events}) == 1
        if job != "dagster.nightly":
            assert events[0]["run"]["facets"]["parent"]["run"]["runId"] == run_id
    assert by_job["dagster.nightly"][0]["run"]["runId"] == run_id

    from ingestion import registry

    for name, feed in registry.feeds().items():
        event = by_job[f"ingest.{name}"][-1]
        folder = home / "landing" / name
        landed = {str(p) for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
        landed = landed or {str(folder)}  # a feed with nothing landed (none in the demo): its folder
        assert {d["name"] for d in event["inputs"]} == landed
        assert feed.raw_table in {d["name"] for d in event["outputs"]}

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        models = [r[0] for r in con.execute(
            "select unique_id from meta.dbt_nodes where resource_type in ('model', 'seed')").fetchall()]
    assert models and all(f"dbt.{m}" in by_job for m in models)
    fct = by_job["dbt.model.community_safety.fct_crime"][-1]
    assert {d["name"] for d in fct["inputs"]} == {"staging.int_police_street_attributed",
                                                  "staging.int_crime_extract_attributed"}
    output = fct["outputs"][0]
    assert output["name"] == "marts.fct_crime" and output["namespace"].startswith("duckdb://")
    assert "crime_type" in {f["name"] for f in output["facets"]["schema"]["fields"]}
    assert "select" in fct["job"]["facets"]["sql"]["query"].lower()

    report = by_job["output.quarterly_report"][-1]
    # what the quarterly report's exposures say it reads (dbt_project/models/_outputs__exposures.yml)
    assert {d["name"] for d in report["inputs"]} == {"marts.mart_scorecard_quarterly", "marts.mart_indicator_monthly",
                                                     "marts.dim_area", "marts.dim_month", "marts.dim_indicator",
                                                     "marts.mart_reporting_period", "marts.mart_peer_comparison",
                                                     "marts.dim_peer_group"}
    assert len(report["outputs"]) == 3
    assert all(Path(d["name"]).exists() and d["namespace"] == "file" for d in report["outputs"])


# --- build record, column metadata ------------------------------------------------------------

def test_dbt_models_carry_column_schema_and_some_column_lineage(home: Path, run_id: str) -> None:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION,
                                               limit=10_000).records
    metadata = {r.event_log_entry.dagster_event.asset_key.to_user_string():
                r.event_log_entry.dagster_event.event_specific_data.materialization.metadata for r in records}
    dbt_keys = [k for k in metadata if k.split("/")[0] in ("staging", "marts", "reference")]
    assert dbt_keys and all("dagster/column_schema" in metadata[k] for k in dbt_keys)
    lineage = metadata["marts/dim_area"]["dagster/column_lineage"].value
    assert lineage.deps_by_column


# --- csw docs ---------------------------------------------------------------------------------

def test_docs_site_with_an_exposure_per_output(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # `csw docs` writes into the home: a copy of the shared one (which other modules scan meanwhile)
    home = shutil.copytree(home, tmp_path / "home", symlinks=True)
    assert main(["--home", str(home), "docs"]) == 0
    docs = home / "docs"
    for name in ("index.html", "static_index.html", "manifest.json", "catalog.json"):
        assert (docs / name).stat().st_size > 0, name
    manifest = json.loads((docs / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    for name in ("quarterly_report_html", "quarterly_report_xlsx", "quarterly_report_csv",
                 "annual_update_html", "annual_update_pdf", "data_quality_report"):
        assert exposures[name]["owner"]["name"] == "Lancashire CSP data team"
        assert exposures[name]["depends_on"]["nodes"]
    assert "model.community_safety.mart_scorecard_quarterly" in exposures["quarterly_report_xlsx"]["depends_on"]["nodes"]
    catalog = json.loads((docs / "catalog.json").read_text())
    assert "model.community_safety.mart_indicator_monthly" in catalog["nodes"]
    assert "exposure.community_safety.annual_update_pdf" in (docs / "static_index.html").read_text()


@pytest.mark.parametrize("period", ["2023/24-Q3", "2023/24"])
def test_ratio_traced_through_its_components_recounted_from_the_marac_returns(
        home: Path, capsys: pytest.CaptureFixture, period: str) -> None:
    """A ratio has no rows of its own: the trace re-counts numerator and denominator and divides.

    Independently: the force area's MARAC repeat rate is 100 x repeat cases / cases discussed of
    every area's return for the period's quarters, read from the landed CSVs.
    """
    returns = pl.concat([pl.read_csv(p, infer_schema=False).with_columns(pl.lit(p.name).alias("file"))
                         for p in sorted((home / "landing" / "marac_returns").glob("*.csv"))])
    fy = period.split("-")[0]
    quarters = [f"{fy} {period.split('-')[1]}"] if "-Q" in period else [f"{fy} Q{n}" for n in range(1, 5)]
    chosen = returns.filter(pl.col("Quarter").is_in(quarters))
    assert chosen.height > 0
    repeats = chosen["Repeat Cases"].cast(pl.Int64).sum()
    cases = chosen["Cases Discussed"].cast(pl.Int64).sum()

    code, out = run_trace(capsys, home, "marac_repeat_rate", FORCE_AREA, period, "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["value"] == pytest.approx(100 * repeats / cases, abs=1e-6)
    assert doc["recount"]["matches"]
    parts = {c["role"]: c for c in doc["recount"]["components"]}
    assert parts["numerator"]["indicator_id"] == "marac_repeat_cases" and parts["numerator"]["value"] == repeats
    assert parts["denominator"]["indicator_id"] == "marac_cases" and parts["denominator"]["value"] == cases
    assert doc["recount"]["rows"] == 2 * chosen.height  # each return counts once in each component


# --- the new feeds: fire incidents, residents' survey, OHID Fingertips ---------------------------

def _lookup(home: Path) -> dict[str, str]:
    code_to_lad: dict[str, str] = {}
    for path in sorted((home / "landing" / "ons_lsoa_lookup").glob("*.csv")):
        df = pl.read_csv(path, infer_schema=False)
        lsoa = next(c for c in df.columns if re.fullmatch(r"LSOA\d\dCD", c))
        lad = next(c for c in df.columns if re.fullmatch(r"LAD\d\dCD", c))
        code_to_lad.update(dict(zip(df[lsoa], df[lad])))
    return code_to_lad


def _category(column: str) -> pl.Expr:
    """The fire contract's reading of a category: any case, '-' or '_' read as a space."""
    return pl.col(column).str.to_lowercase().str.replace_all(r"[-_]", " ").str.strip_chars()


def test_fire_indicator_traced_to_the_landed_incidents(home: Path, capsys: pytest.CaptureFixture) -> None:
    """Deliberate secondary fires in Lancashire-12 for a quarter, re-counted here from the landed
    incident files: the district of the LSOA (ONS lookups), else the district code given."""
    fire = pl.concat([_read(p) for p in sorted((home / "landing" / "fire_incidents").glob("*.csv"))])
    district_code = pl.col("Ward or District Code").str.extract(r"^((?:E0[6-9]|W06)\d{6})$", 1)
    fire = fire.with_columns(
        pl.coalesce(pl.col("LSOA Code").replace_strict(_lookup(home), default=None, return_dtype=pl.Utf8),
                    district_code).alias("lad"),
        pl.col("Call Date Time").str.slice(0, 7).alias("month"),
    )
    period = "2023/24-Q2"
    months = [m.isoformat()[:7] for m in fy_months(period)]
    rows = fire.filter((_category("Incident Group") == "fire") & (_category("Fire Type") == "secondary")
                       & (_category("Cause") == "deliberate") & pl.col("month").is_in(months)
                       & pl.col("lad").is_in(LANCASHIRE_12))
    assert rows.height > 0
    code, out = run_trace(capsys, home, "fire_deliberate_secondary", COUNTY, period, "--format", "json", "--rows")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["value"] == rows.height and doc["recount"]["matches"]
    assert {f["file_name"]: f["rows"] for f in doc["files"]} == dict(rows.group_by("file").len().iter_rows())
    assert sorted((r["file_name"], r["line"]) for r in doc["rows"]) == sorted(rows.select("file", "line").iter_rows())
    assert {f["feed"] for f in doc["files"]} == {"fire_incidents"}


SAFE = {"very safe": 1, "fairly safe": 1, "a bit unsafe": 0, "very unsafe": 0}


def test_survey_estimate_traced_to_its_respondents(home: Path, capsys: pytest.CaptureFixture) -> None:
    """The county's % feeling safe after dark in a wave, re-estimated here from the landed survey
    files (each respondent once a wave, a known district, a positive weight, known answers): the
    trace names the same respondents by file and line, and shows no respondent reference."""
    names = {a[1].lower(): a[0] for a in AREAS} | {a[0].lower(): a[0] for a in AREAS}
    landed = pl.concat([_read(p) for p in sorted((home / "landing" / "residents_survey").glob("*.csv"))])
    dont_know = ["don't know", "dont know", "don\u2019t know"]
    valid = {"Safe Alone Day": [*SAFE, *dont_know], "Safe Alone After Dark": [*SAFE, *dont_know],
             "Agencies Dealing With Issues": ["strongly agree", "tend to agree", "neither agree nor disagree",
                                              "tend to disagree", "strongly disagree", *dont_know]}
    survey = (
        landed.with_columns(pl.col("District").str.to_lowercase().replace_strict(names, default=None,
                                                                                  return_dtype=pl.Utf8).alias("lad"),
                            pl.col("Survey Weight").cast(pl.Float64, strict=False).alias("w"),
                            *[pl.col(a).str.to_lowercase().str.strip_chars().replace("", None).alias(a) for a in valid])
        .unique(subset=["Respondent Reference", "Wave"], keep="first", maintain_order=True)
        .filter(pl.col("lad").is_not_null() & (pl.col("w") > 0)
                & pl.all_horizontal(pl.col(a).is_null() | pl.col(a).is_in(v) for a, v in valid.items()))
        .with_columns(pl.col("Safe Alone After Dark").replace_strict(SAFE, default=None, return_dtype=pl.Int64)
                      .alias("y"))
    )
    wave = survey.filter(pl.col("Wave").str.replace("/", "-").str.replace(" ", "-").str.to_uppercase()
                         == "2024-25-Q1")
    cell = wave.filter(pl.col("lad").is_in(LANCASHIRE_12) & pl.col("y").is_not_null())
    expected = 100 * (cell["w"] * cell["y"]).sum() / cell["w"].sum()

    code, out = run_trace(capsys, home, "survey_feel_safe_after_dark", COUNTY, "2024/25-Q1", "--format", "json",
                          "--rows")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["kind"] == "survey_estimate" and doc["recount"]["matches"]
    assert doc["value"] == pytest.approx(expected) and doc["recount"]["rows"] == cell.height
    assert sorted((r["file_name"], r["line"]) for r in doc["rows"]) == sorted(cell.select("file", "line").iter_rows())
    # no reference, and no pseudonym either (the rows are fct_survey_response's: file and line)
    assert not re.search(r"LT-[0-9]{6}", out) and not any("respondent_reference" in r for r in doc["rows"])
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        pseudonyms = {p for (p,) in con.execute("select distinct respondent_reference from raw.residents_survey"
                                                ).fetchall()}
    assert pseudonyms and not {p for p in pseudonyms if p in out}
    code, text = run_trace(capsys, home, "survey_feel_safe_after_dark", COUNTY, "2024-25-Q1")
    assert code == 0 and "MATCHES the published cell" in text


def test_fingertips_figure_traced_to_the_published_row(home: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = run_trace(capsys, home, "fingertips_11201", "E07000123", "latest", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    row = doc["detail"]["published_row"]
    export = _read(next((home / "landing" / "fingertips").glob(row["file_name"])))
    published = export.filter(pl.col("line") == row["line"]).row(0, named=True)
    assert published["Indicator ID"] == "11201" and published["Area Code"] == "E07000123"
    assert published["Time period"] == doc["detail"]["time_period"]
    assert float(published["Value"]) == pytest.approx(doc["value"]) and doc["recount"]["matches"]
    landed = home / "landing" / "fingertips" / row["file_name"]
    assert doc["files"][0]["sha256"] == hashlib.sha256(landed.read_bytes()).hexdigest() == row["sha256"]
    code, text = run_trace(capsys, home, "fingertips_11201", "E07000123", published["Time period"])
    assert code == 0 and f"{row['file_name']} line {row['line']}" in text
