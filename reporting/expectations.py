"""Great Expectations checks on the scorecard mart and on every output table before it is written.

The Board's outputs must not publish a table that is incomplete, inconsistent or discloses a
small count, and auditors must be able to see what was checked. So the one GE project committed
in ``gx/`` (its suites are ``reporting.gx_project.SUITES``) is run by:

* ``check_mart``: the blocking Dagster asset checks on the marts (``scorecard_mart`` on
  ``marts/mart_scorecard_quarterly``, ``fire_incidents`` on ``marts/fct_fire_incident``,
  ``survey_indicators`` on ``marts/mart_survey_indicators``, ``health_indicators`` on
  ``marts/mart_health_indicators``; ``check_scorecard_mart`` is the first);
* ``check_output_table``: each output writer, on the disclosure-controlled rows it is about to
  publish; it raises ``OutputCheckFailed`` so the output is not written.

Both store their validation result and update the Data Docs in ``$CSW_HOME/outputs/data_docs``.
GE is imported only when a check runs: it takes seconds to import, and the Dagster code location
and the CLI import this module.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from warehouse.settings import DBT_PROJECT_DIR, csw_home, settings_of

SCORECARD_MART_TABLE = "marts.mart_scorecard_quarterly"
ENGLAND = "E92000001"
# How many failing values a failure message quotes per expectation (the result keeps more).
MESSAGE_EXAMPLES = 5


class OutputCheckFailed(Exception):
    """An output table failed its expectations: it must not be published.

    The message names every failed expectation with a few failing values; ``outcome`` holds all.
    """

    def __init__(self, message: str, outcome: "CheckOutcome") -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True)
class CheckOutcome:
    """The result of running one suite on one table."""

    suite: str
    table: str
    success: bool
    # One line per failed expectation: its description, type, column and a few failing values.
    failures: list[str] = field(default_factory=list)
    # GE's statistics: evaluated_expectations, successful_expectations, unsuccessful_expectations, ...
    statistics: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        head = (
            f"{self.table}: {len(self.failures)} of {self.statistics.get('evaluated_expectations', '?')} "
            f"expectations of suite {self.suite} failed"
        )
        return "\n".join([head, *(f"  - {f}" for f in self.failures)])


# --- suite parameters from the settings and the area reference ----------------------------------

@functools.lru_cache(maxsize=1)
def _areas() -> tuple[dict[str, str], ...]:
    """The reporting areas of the seed ``lancashire_areas`` (the one list of them)."""
    with (DBT_PROJECT_DIR / "seeds" / "lancashire_areas.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def cluster_members(settings: dict[str, Any]) -> dict[str, list[str]]:
    """Cluster area code -> member districts, named as the dbt macro cluster_members() names them."""
    clusters = settings_of(settings).clusters
    return {f"CLUSTER_{name.upper()}": list(members) for name, members in clusters.items() if members}


def suite_parameters(settings: dict[str, Any], include_clusters: bool = True) -> dict[str, Any]:
    """The values the suites leave as ``$PARAMETER``: from the settings and the area seed.

    ``additive_area_members`` lists Lancashire-12 (the county) and each cluster with its members.
    The police force area is not there on purpose: it counts every row the force reported,
    including No Location rows and rows outside the county, so it is more than the sum of the 14
    districts and unitaries (see mart_indicator_monthly).
    """
    model = settings_of(settings)
    areas = _areas()
    county = [a["area_code"] for a in areas if a["area_type"] == "county"]
    lancashire_12 = [a["area_code"] for a in areas if a["in_lancashire_12"].lower() == "true"]
    clusters = cluster_members(settings)
    reporting_areas = [a["area_code"] for a in areas] + (list(clusters) if include_clusters else [])
    return {
        "reporting_areas": reporting_areas,
        "additive_area_members": {**{code: lancashire_12 for code in county}, **clusters},
        "disclosure_threshold": model.disclosure.threshold,
        "sensitive_themes": list(model.disclosure.sensitive_themes),
        # fire_incidents: the districts and unitaries an incident can be attributed to
        "districts": [a["area_code"] for a in areas if a["area_type"] in ("district", "unitary")],
        # health_indicators: the partnership's areas (seed lancashire_areas) and England, the comparator
        "health_areas": [a["area_code"] for a in areas] + [ENGLAND],
        # survey_indicators: the small-base rule
        "survey_min_respondents": model.survey.min_respondents,
    }


# --- running a suite ------------------------------------------------------------------------------

def _where(index_entry: Any, key_columns: tuple[str, ...]) -> str:
    """Where a failing value is, by the suite's key columns: ``crime_burglary E07000123 2024/25 Q2``
    for the scorecard, ``<sha256> line 17`` for a fact row, ``11201 E07000117 Persons All ages`` ..."""
    if not isinstance(index_entry, dict):
        return f"row {index_entry}"
    if "fy_quarter" in key_columns:
        keys = [str(index_entry.get(k)) for k in key_columns if k != "fy_quarter"]
        quarter = index_entry.get("fy_quarter")
        return " ".join(keys) + (f" Q{quarter}" if quarter is not None else "")
    if tuple(key_columns) == ("source_file", "source_row"):
        return f"{index_entry.get('source_file')} line {index_entry.get('source_row')}"
    return " ".join(str(index_entry.get(k)) for k in key_columns)


def _describe_failure(result: Any, key_columns: tuple[str, ...]) -> str:
    """'description [type(column)]: n unexpected, e.g. ...' for one failed expectation result."""
    config = result.expectation_config
    column = config.kwargs.get("column")
    name = f"{config.type}({column})" if column else config.type
    text = f"{config.description or config.type} [{name}]"
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        return f"{text}: could not be evaluated: {exception.get('exception_message')}"
    details = result.result or {}
    values = list(details.get("partial_unexpected_list") or [])[:MESSAGE_EXAMPLES]
    where = list(details.get("partial_unexpected_index_list") or [])[:MESSAGE_EXAMPLES]
    if column and where and len(where) == len(values):
        values = [f"{v!r} at {_where(w, key_columns)}" for v, w in zip(values, where)]
    count = details.get("unexpected_count")
    if count is None:
        return f"{text}: observed {details.get('observed_value')!r}"
    return f"{text}: {count} unexpected" + (f", e.g. {'; '.join(map(str, values))}" if values else "")


def _run_suite(suite: str, table: str, frame: pd.DataFrame, settings: dict[str, Any], home: Path,
               include_clusters: bool) -> CheckOutcome:
    import great_expectations as gx

    from reporting.gx_project import SUITES, open_context

    context = open_context(home)
    checkpoint = context.checkpoints.get(suite)
    result = checkpoint.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=suite_parameters(settings, include_clusters),
        run_id=gx.RunIdentifier(run_name=table),
    )
    (validation,) = result.run_results.values()
    key_columns = SUITES[suite].key_columns
    failures = [_describe_failure(r, key_columns) for r in validation.results if not r.success]
    return CheckOutcome(suite=suite, table=table, success=bool(validation.success), failures=failures,
                        statistics=dict(validation.statistics))


def check_table(suite: str, frame: pd.DataFrame, settings: dict[str, Any], *, table: str | None = None,
                home: Path | None = None) -> CheckOutcome:
    """Run one mart suite of the project on ``frame`` (the rows of its table, or a changed copy).

    ``table`` names the rows in the message and the Data Docs (default: the suite's table);
    ``home`` defaults to ``$CSW_HOME``.
    """
    from reporting.gx_project import SUITES

    home = Path(home) if home is not None else csw_home()
    name = table or SUITES[suite].table or suite
    return _run_suite(suite, name, frame, settings, home, include_clusters=True)


def read_mart(con: duckdb.DuckDBPyConnection, suite: str) -> pd.DataFrame:
    """The whole table a mart suite checks."""
    from reporting.gx_project import SUITES

    return con.execute(f"select * from {SUITES[suite].table}").df()


def check_mart(con: duckdb.DuckDBPyConnection, suite: str, settings: dict[str, Any], *,
               home: Path | None = None) -> CheckOutcome:
    """Validate the whole table of a mart suite (``reporting.gx_project.SUITES``) as the warehouse holds it."""
    return check_table(suite, read_mart(con, suite), settings, home=home)


def check_output_table(name: str, frame: pd.DataFrame, settings: dict, *, home: Path | None = None) -> None:
    """Validate the rows one output is about to publish; raise ``OutputCheckFailed`` if any fails.

    ``frame``: the disclosure-controlled scorecard rows (columns of mart_scorecard_quarterly,
    suppressed cells null, boolean ``suppressed``). ``name`` names the output (e.g. its file
    name) in the message and in the Data Docs. ``home`` defaults to ``$CSW_HOME``. Clusters are
    expected in the grid only when the table shows any cluster.
    """
    home = Path(home) if home is not None else csw_home()
    shows_clusters = "area_type" in frame.columns and bool((frame["area_type"] == "cluster").any())
    from reporting.gx_project import OUTPUT_SUITE

    outcome = _run_suite(OUTPUT_SUITE, name, frame, settings, home, include_clusters=shows_clusters)
    if not outcome.success:
        raise OutputCheckFailed(outcome.message(), outcome)


def read_scorecard_mart(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(f"select * from {SCORECARD_MART_TABLE}").df()


def check_scorecard_mart(con: duckdb.DuckDBPyConnection, settings: dict, *, home: Path | None = None) -> CheckOutcome:
    """Validate the whole scorecard mart (true values: no disclosure expectation)."""
    from reporting.gx_project import MART_SUITE

    return check_mart(con, MART_SUITE, settings, home=home)


def build_data_docs(home: Path) -> Path:
    """Rebuild the Data Docs index and suite pages in ``home/outputs/data_docs``; return index.html.

    Validation pages are added by each check as it runs (the checkpoints' UpdateDataDocsAction),
    so this stays cheap however many results have accumulated.
    """
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    from reporting.gx_project import DATA_DOCS_SITE, SUITES, open_context

    context = open_context(Path(home))
    context.build_data_docs(
        site_names=[DATA_DOCS_SITE],
        resource_identifiers=[ExpectationSuiteIdentifier(name=s) for s in SUITES],
    )
    return Path(home) / "outputs" / "data_docs" / "index.html"
