"""Great Expectations as blocking Dagster asset checks on the marts.

One check per mart suite of the committed GE project (``gx/``, ``reporting.gx_project.SUITES``),
each named ``great_expectations`` on its mart and run the same way (``reporting.expectations.check_mart``):

* ``scorecard_mart`` on ``marts/mart_scorecard_quarterly``;
* ``fire_incidents`` on ``marts/fct_fire_incident``;
* ``survey_indicators`` on ``marts/mart_survey_indicators``;
* ``health_indicators`` on ``marts/mart_health_indicators``.

Blocking: when a suite fails, the outputs downstream of its mart are not built in that run and the
night's warehouse is not published, so a broken figure never reaches the Board; the check's
description and metadata say which expectation failed and where. The Data Docs each run updates
are in ``$CSW_HOME/outputs/data_docs`` for auditors.
"""


import dagster as dg

from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.database import connect

SCORECARD_MART = dg.AssetKey(["marts", "mart_scorecard_quarterly"])
FIRE_FACT = dg.AssetKey(["marts", "fct_fire_incident"])
SURVEY_MART = dg.AssetKey(["marts", "mart_survey_indicators"])
HEALTH_MART = dg.AssetKey(["marts", "mart_health_indicators"])


def mart_expectations_check(asset: dg.AssetKey, suite: str, description: str) -> dg.AssetChecksDefinition:
    """The blocking asset check ``great_expectations`` on ``asset``: the suite ``suite`` on its rows."""

    @dg.asset_check(
        asset=asset,
        name="great_expectations",
        blocking=True,
        # Reads only, but DuckDB refuses readers from other processes while one writes: take turns.
        pool=DUCKDB_WRITER_POOL,
        description=f"Great Expectations suite {suite}: {description}",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        # Imported here: GE takes seconds to import and the code location should load fast.
        from reporting.expectations import build_data_docs, check_mart

        home = warehouse.paths.home
        with connect(warehouse.database, read_only=True) as con:
            outcome = check_mart(con, suite, warehouse.settings(), home=home)
        docs = build_data_docs(home)
        if not outcome.success:
            context.log.error(outcome.message())
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=outcome.message() if not outcome.success else f"All expectations of {suite} met.",
            metadata={
                "suite": outcome.suite,
                "failed_expectations": dg.MetadataValue.json(outcome.failures),
                "evaluated_expectations": outcome.statistics.get("evaluated_expectations"),
                "unsuccessful_expectations": outcome.statistics.get("unsuccessful_expectations"),
                "data_docs": dg.MetadataValue.path(str(docs)),
            },
        )

    return _check


scorecard_mart_expectations = mart_expectations_check(
    SCORECARD_MART, "scorecard_mart",
    "every indicator x area x period present, values non-negative, rates consistent with counts and "
    "population, district totals consistent with the county.",
)
fire_incident_expectations = mart_expectations_check(
    FIRE_FACT, "fire_incidents",
    "one row per file line, incident group, fire type, cause and property category from the Incident "
    "Recording System's lists, a month for every incident, a district of the partnership or the reason "
    "there is none (attribution_method).",
)
survey_mart_expectations = mart_expectations_check(
    SURVEY_MART, "survey_indicators",
    "one row per indicator x area x wave, percentages in 0-100 inside their intervals, no figure from "
    "fewer than [survey] min_respondents respondents, suppressed cells show no value, interval or change "
    "and say why.",
)
health_mart_expectations = mart_expectations_check(
    HEALTH_MART, "health_indicators",
    "one row per indicator x area x sex x age, change and England comparison from their vocabularies, "
    "published values inside their published 95% intervals, England the comparator.",
)

EXPECTATION_CHECKS = [scorecard_mart_expectations, fire_incident_expectations, survey_mart_expectations,
                      health_mart_expectations]
