"""The Great Expectations project committed in ``gx/``: its suites, and how a run opens it.

The suites are written here in Python and saved by ``python -m reporting.gx_project`` as the JSON
files GE reads (``gx/expectations/``, ``gx/validation_definitions/``, ``gx/checkpoints/`` and the
pandas data source in ``gx/great_expectations.yml``); ``tests/test_expectations.py`` fails when
the committed files and this module disagree, so the two cannot drift. Regenerating rewrites only
the suites whose expectations changed (the others keep their files, ids included).

Suites (``SUITES``: name -> the table it checks and the key columns its failures are quoted by):

* ``scorecard_mart`` / ``scorecard_output``: the scorecard mart, and each output table before it
  is written (the mart's expectations plus disclosure control);
* ``fire_incidents``: ``marts.fct_fire_incident`` (one row per file line, IRS categories, district
  or the reason there is none);
* ``survey_indicators``: ``marts.mart_survey_indicators`` (percentages inside their intervals, the
  small-base rule);
* ``health_indicators``: ``marts.mart_health_indicators`` (OHID Fingertips: one row per indicator x
  area x sex x age, the published value inside its published interval, the England comparator).

Every mart suite runs as a blocking Dagster asset check on its mart
(``orchestration.expectation_checks``) through ``reporting.expectations.check_mart``.

A run opens the committed project read-only: ``great_expectations.yml`` takes the directories it
writes to (validation results, Data Docs) from ``runtime_environment`` variables, which
``open_context`` points into ``$CSW_HOME``. Nothing a run does writes into the repository.
The Data Docs site's index builder is ``reporting.gx_data_docs.OfflineSiteIndexBuilder``, which
points every page GE writes at vendored copies of its CDN scripts and styles, so the Docs open
with no network.

Settings that vary by deployment (disclosure threshold, sensitive themes, reporting areas and
cluster membership) are suite parameters (``{"$PARAMETER": ...}``) filled in from the settings at
validation time, never values in the suite files.
"""

from __future__ import annotations

import csv
import functools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context import FileDataContext
from great_expectations.expectations.row_conditions import Column, Condition

from reporting.gx_expectations import (
    KEY_COLUMNS,
    ExpectAreaTotalsToEqualSumOfMembers,
    ExpectRatesToMatchCountsAndPopulation,
    ExpectScorecardGridToBeComplete,
    ExpectSensitiveCountsNotBelowThreshold,
    ExpectSuppressedCellsNotRecoverable,
)
from warehouse.settings import DBT_PROJECT_DIR, REPO_ROOT

DATA_SOURCE = "csw_pandas"
BATCH_DEFINITION = "whole_table"
MART_SUITE = "scorecard_mart"
OUTPUT_SUITE = "scorecard_output"
FIRE_SUITE = "fire_incidents"
SURVEY_SUITE = "survey_indicators"
HEALTH_SUITE = "health_indicators"
DATA_DOCS_SITE = "csw_data_docs"

COUNT_COLUMNS = ["value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous"]
NON_NEGATIVE_COLUMNS = [*COUNT_COLUMNS, "population", "rate_per_1000", "rate"]
REQUIRED_COLUMNS = [
    "indicator_id", "key_issue", "theme", "is_additive", "area_code", "area_type", "financial_year",
    "fy_quarter", *COUNT_COLUMNS, "population", "rate_per_1000", "rate_per", "rate",
]


def scorecard_expectations(suite: str) -> list[gxe.Expectation]:
    """The scorecard's expectations: the mart's, plus disclosure control for published outputs."""
    output = suite == OUTPUT_SUITE
    columns = [*REQUIRED_COLUMNS, "suppressed"] if output else REQUIRED_COLUMNS
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnToExist(column=c, description=f"The scorecard has the `{c}` column.") for c in columns
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"Every row has a `{c}`.")
        for c in (*KEY_COLUMNS, "suppressed") if output or c != "suppressed"
    ]
    expectations += [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=KEY_COLUMNS,
            description="One row per indicator, area and quarter (indicator_id, area_code, financial_year, fy_quarter).",
        ),
        ExpectScorecardGridToBeComplete(
            area_codes={"$PARAMETER": "reporting_areas"},
            description=(
                "Every indicator x reporting area x period present: each indicator in the table has a row for "
                "every reporting area in every quarter it is shown for."
            ),
        ),
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(
            column=c, min_value=0, description=f"Values non-negative: `{c}` is never below 0."
        )
        for c in NON_NEGATIVE_COLUMNS
    ]
    expectations += [
        ExpectRatesToMatchCountsAndPopulation(
            rel_tol=1e-6,
            abs_tol=1e-9,
            description=(
                "Rates consistent with counts and population: rate_per_1000 = 1000 x rolling_12m / population "
                "and rate = rate_per x rolling_12m / population; no rate shown without its count."
            ),
        ),
        ExpectAreaTotalsToEqualSumOfMembers(
            area_members={"$PARAMETER": "additive_area_members"},
            count_columns=COUNT_COLUMNS,
            rel_tol=1e-9,
            abs_tol=1e-6,
            description=(
                "Totals of districts consistent with the county: for additive indicators, Lancashire-12 "
                "(and each cluster) equals the sum of its member districts wherever all are shown."
            ),
        ),
    ]
    if output:
        expectations.append(
            ExpectSensitiveCountsNotBelowThreshold(
                count_columns=COUNT_COLUMNS,
                sensitive_themes={"$PARAMETER": "sensitive_themes"},
                threshold={"$PARAMETER": "disclosure_threshold"},
                description=(
                    "No suppressed value below the threshold visible: in a sensitive theme every shown count "
                    "is 0 or at least the disclosure threshold."
                ),
            )
        )
        expectations.append(
            ExpectSuppressedCellsNotRecoverable(
                area_members={"$PARAMETER": "additive_area_members"},
                count_columns=COUNT_COLUMNS,
                description=(
                    "No suppressed value recoverable: no total is shown with exactly one of its member districts "
                    "suppressed, and no percentage change is shown beside a suppressed value."
                ),
            )
        )
    return expectations


# --- the new feeds' marts --------------------------------------------------------------------

FIRE_TABLE = "marts.fct_fire_incident"
SURVEY_TABLE = "marts.mart_survey_indicators"
HEALTH_TABLE = "marts.mart_health_indicators"
ENGLAND = "E92000001"

FIRE_KEY_COLUMNS = ["source_file", "source_row"]
FIRE_REQUIRED_COLUMNS = [
    "source_system", "month", "call_datetime", "incident_group", "fire_type", "cause", "property_category",
    "is_fire", "is_primary_fire", "is_secondary_fire", "is_chimney_fire", "is_deliberate", "is_accidental",
    "is_dwelling", "lsoa_code", "area_code", "lad_code", "attribution_method", *FIRE_KEY_COLUMNS,
]
# fct_fire_incident.attribution_method: how the district was found, or why there is none
FIRE_ATTRIBUTED = ["lookup", "district_code"]
FIRE_UNATTRIBUTED = ["unknown_lsoa", "ward_code"]


def _fire_codes(variable: str) -> list[str]:
    """The ``fire_incidents`` codes of one variable in the seed ``code_lists`` (the contract's values)."""
    with (DBT_PROJECT_DIR / "seeds" / "code_lists.csv").open(newline="", encoding="utf-8") as fh:
        return [r["code"] for r in csv.DictReader(fh) if r["table"] == "fire_incidents" and r["variable"] == variable]


def _where(condition: Condition) -> dict[str, Condition]:
    """An expectation's rows: those meeting ``condition`` (a GX row condition on the table's columns)."""
    return {"row_condition": condition}


def fire_expectations() -> list[gxe.Expectation]:
    """``marts.fct_fire_incident``: one row per line of a loaded file, the Incident Recording System's
    categories, a month for every incident, and a district or the reason there is none."""
    fire = _where(Column("incident_group") == "fire")
    not_fire = _where(Column("incident_group") != "fire")
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnToExist(column=c, description=f"The fire incident fact has the `{c}` column.")
        for c in FIRE_REQUIRED_COLUMNS
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"Every incident has a `{c}`.")
        for c in ("source_file", "source_row", "month", "call_datetime", "incident_group", "property_category",
                  "attribution_method")
    ]
    expectations += [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=FIRE_KEY_COLUMNS,
            description="One row per line of a loaded file (source_file, source_row): no incident counted twice."),
        gxe.ExpectColumnValuesToBeInSet(column="source_system", value_set=["fire_incidents"],
                                        description="Every row comes from the fire_incidents feed."),
        gxe.ExpectColumnValuesToBeInSet(
            column="incident_group", value_set=_fire_codes("incident_group"),
            description="Incident group is one of the Incident Recording System's (seed code_lists)."),
        gxe.ExpectColumnValuesToBeInSet(
            column="fire_type", value_set=_fire_codes("fire_type"),
            description="Fire type is one of the Incident Recording System's (seed code_lists)."),
        gxe.ExpectColumnValuesToBeInSet(
            column="cause", value_set=_fire_codes("cause"),
            description="Cause is one of the Incident Recording System's (seed code_lists)."),
        gxe.ExpectColumnValuesToBeInSet(
            column="property_category", value_set=_fire_codes("property_category"),
            description="Property category is one of the Incident Recording System's (seed code_lists)."),
        gxe.ExpectColumnValuesToNotBeNull(column="fire_type", **fire,
                                          description="A fire has a fire type (primary, secondary, chimney)."),
        gxe.ExpectColumnValuesToNotBeNull(column="cause", **fire, description="A fire has a cause."),
        gxe.ExpectColumnValuesToBeNull(column="fire_type", **not_fire,
                                       description="A false alarm or special service has no fire type."),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_fire", value_set=[False], **not_fire,
            description="Only fires count as fires: is_fire is false for false alarms and special services."),
        gxe.ExpectColumnValuesToBeInSet(
            column="lad_code", value_set={"$PARAMETER": "districts"},
            description="An attributed incident's district is one of the partnership's 14 districts and unitaries."),
        gxe.ExpectColumnValuesToBeInSet(
            column="attribution_method", value_set=[*FIRE_ATTRIBUTED, *FIRE_UNATTRIBUTED],
            description=("attribution_method says how the district was found (lookup, district_code) or why there "
                         "is none (unknown_lsoa, ward_code).")),
        gxe.ExpectColumnValuesToNotBeNull(
            column="lad_code", **_where(Column("attribution_method").is_in(FIRE_ATTRIBUTED)),
            description="An incident attributed by its LSOA's lookup or its district code has a district."),
        gxe.ExpectColumnValuesToBeNull(
            column="lad_code", **_where(Column("attribution_method").is_in(FIRE_UNATTRIBUTED)),
            description="An incident without a district says why (unknown_lsoa, ward_code) and has no district."),
    ]
    return expectations


SURVEY_KEY_COLUMNS = ["indicator_id", "area_code", "wave"]
SURVEY_PERCENT_COLUMNS = ["value_pct", "ci_low_pct", "ci_high_pct", "previous_value_pct"]
SURVEY_REQUIRED_COLUMNS = [
    *SURVEY_KEY_COLUMNS, "indicator_name", "key_issue", "area_type", "wave_start", "value_pct", "ci_low_pct",
    "ci_high_pct", "n_unweighted", "n_effective", "is_published", "suppression_reason", "change_pp", "p_value",
    "significant_change",
]


def survey_expectations() -> list[gxe.Expectation]:
    """``marts.mart_survey_indicators``: percentages inside their intervals and the small-base rule
    (``[survey] min_respondents``, a suite parameter)."""
    suppressed = _where(Column("is_published") == False)  # noqa: E712 (a GX condition)
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnToExist(column=c, description=f"The survey mart has the `{c}` column.")
        for c in SURVEY_REQUIRED_COLUMNS
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"Every row has a `{c}`.")
        for c in (*SURVEY_KEY_COLUMNS, "n_unweighted", "is_published")
    ]
    expectations += [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=SURVEY_KEY_COLUMNS,
                                            description="One row per indicator, area and wave."),
        *[gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=100,
                                            description=f"Percentages between 0 and 100: `{c}`.")
          for c in SURVEY_PERCENT_COLUMNS],
        gxe.ExpectColumnValuesToBeBetween(column="p_value", min_value=0, max_value=1,
                                          description="p-values are probabilities."),
        gxe.ExpectColumnValuesToBeBetween(column="n_unweighted", min_value=0,
                                          description="Respondent counts are never negative."),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="value_pct", column_B="ci_low_pct", or_equal=True, ignore_row_if="either_value_is_missing",
            description="The value is not below its interval's lower end."),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ci_high_pct", column_B="value_pct", or_equal=True, ignore_row_if="either_value_is_missing",
            description="The value is not above its interval's upper end."),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_unweighted", min_value={"$PARAMETER": "survey_min_respondents"},
            **_where(Column("is_published") == True),  # noqa: E712 (a GX condition)
            description="No figure published from fewer than [survey] min_respondents respondents."),
        *[gxe.ExpectColumnValuesToBeNull(column=c, description=f"A suppressed cell shows no `{c}`.", **suppressed)
          for c in ("value_pct", "ci_low_pct", "ci_high_pct", "change_pp", "p_value")],
        gxe.ExpectColumnValuesToNotBeNull(column="suppression_reason", **suppressed,
                                          description="A suppressed cell says why."),
    ]
    return expectations


HEALTH_KEY_COLUMNS = ["fingertips_indicator_id", "area_code", "sex", "age"]
HEALTH_REQUIRED_COLUMNS = [
    *HEALTH_KEY_COLUMNS, "indicator_name", "polarity", "area_type", "time_period", "period_start", "period_end",
    "value", "lower_ci_95", "upper_ci_95", "numerator_count", "denominator", "value_note", "previous_time_period",
    "previous_value", "change_status", "change_judged_by", "england_value", "england_lower_ci_95",
    "england_upper_ci_95", "england_comparison", "england_judged_by", "source_system", "source_file", "source_row",
]
HEALTH_CHANGE_STATUSES = ["improved", "worsened", "no significant change", "not comparable"]
HEALTH_ENGLAND_COMPARISONS = ["better", "similar", "worse", "not compared", "comparator"]
HEALTH_JUDGED_BY = ["published 95% CI", "count (Poisson 95% CI)"]


def _within_interval(prefix: str, what: str) -> list[gxe.Expectation]:
    value, lower, upper = f"{prefix}value", f"{prefix}lower_ci_95", f"{prefix}upper_ci_95"
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=value, column_B=lower, or_equal=True, ignore_row_if="either_value_is_missing",
            description=f"{what}: lower_ci_95 <= value where both are published (`{lower}` <= `{value}`)."),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=upper, column_B=value, or_equal=True, ignore_row_if="either_value_is_missing",
            description=f"{what}: value <= upper_ci_95 where both are published (`{value}` <= `{upper}`)."),
    ]


def health_expectations() -> list[gxe.Expectation]:
    """``marts.mart_health_indicators``: one row per indicator x area x sex x age, OHID's values inside
    their published intervals, the judgements from the agreed vocabularies, England the comparator."""
    england = _where(Column("area_code") == ENGLAND)
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnToExist(column=c, description=f"The health indicators mart has the `{c}` column.")
        for c in HEALTH_REQUIRED_COLUMNS
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"Every row has a `{c}`.")
        for c in (*HEALTH_KEY_COLUMNS, "time_period", "period_start", "period_end", "change_status",
                  "england_comparison", "source_file", "source_row")
    ]
    expectations += [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=HEALTH_KEY_COLUMNS,
            description="One row per indicator, area, sex and age (fingertips_indicator_id, area_code, sex, age)."),
        gxe.ExpectColumnValuesToBeInSet(column="area_code", value_set={"$PARAMETER": "health_areas"},
                                        description="Areas are the partnership's reporting areas and England."),
        gxe.ExpectColumnValuesToBeInSet(column="source_system", value_set=["OHID Fingertips"],
                                        description="Every figure is OHID Fingertips' as published."),
        gxe.ExpectColumnValuesToBeInSet(column="polarity", value_set=["lower_is_better", "higher_is_better"],
                                        description="Polarity is lower_is_better or higher_is_better."),
        gxe.ExpectColumnValuesToBeInSet(
            column="change_status", value_set=HEALTH_CHANGE_STATUSES,
            description="change_status is improved, worsened, no significant change or not comparable."),
        gxe.ExpectColumnValuesToBeInSet(
            column="england_comparison", value_set=HEALTH_ENGLAND_COMPARISONS,
            description="england_comparison is better, similar, worse, not compared or comparator."),
        gxe.ExpectColumnValuesToBeInSet(column="change_judged_by", value_set=HEALTH_JUDGED_BY,
                                        description="A change is judged by the published 95% CI or the count's."),
        gxe.ExpectColumnValuesToBeInSet(column="england_judged_by", value_set=HEALTH_JUDGED_BY,
                                        description="A position is judged by the published 95% CI or the count's."),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end", column_B="period_start", or_equal=True,
            description="A period ends on or after its start."),
        *_within_interval("", "The latest period"),
        *_within_interval("previous_", "The previous period"),
        *_within_interval("england_", "England"),
        gxe.ExpectColumnValuesToBeInSet(
            column="england_comparison", value_set=["comparator"], **england,
            description="England is the comparator: its rows are marked `comparator`, never compared with itself."),
        gxe.ExpectColumnValuesToNotBeInSet(
            column="england_comparison", value_set=["comparator"], **_where(Column("area_code") != ENGLAND),
            description="Only England is the comparator."),
        gxe.ExpectColumnValuesToBeNull(
            column="england_judged_by", **england, description="England's rows are not judged against England."),
        gxe.ExpectColumnValuesToNotBeNull(
            column="england_value", **_where(Column("england_comparison").is_in(["better", "similar", "worse"])),
            description="An area compared with England has England's value for the same period."),
        gxe.ExpectColumnValuesToNotBeNull(
            column="previous_time_period", **_where(Column("change_status") != "not comparable"),
            description="A judged change has the previous period it was judged against."),
    ]
    return expectations


@dataclass(frozen=True)
class Suite:
    """A suite of the project: what it checks and the key columns its failures are quoted by."""

    name: str
    expectations: Callable[[], list[gxe.Expectation]]
    key_columns: tuple[str, ...]
    table: str | None  # the mart a Dagster asset check validates; None for the output tables


SUITES: dict[str, Suite] = {s.name: s for s in (
    Suite(MART_SUITE, lambda: scorecard_expectations(MART_SUITE), tuple(KEY_COLUMNS),
          "marts.mart_scorecard_quarterly"),
    Suite(OUTPUT_SUITE, lambda: scorecard_expectations(OUTPUT_SUITE), tuple(KEY_COLUMNS), None),
    Suite(FIRE_SUITE, fire_expectations, tuple(FIRE_KEY_COLUMNS), FIRE_TABLE),
    Suite(SURVEY_SUITE, survey_expectations, tuple(SURVEY_KEY_COLUMNS), SURVEY_TABLE),
    Suite(HEALTH_SUITE, health_expectations, tuple(HEALTH_KEY_COLUMNS), HEALTH_TABLE),
)}


def suite_expectations(suite: str) -> list[gxe.Expectation]:
    """The expectations of a suite of ``SUITES``."""
    return SUITES[suite].expectations()


def data_docs_dir(home: Path) -> Path:
    """Where the Data Docs are written: inside a nightly build, the run's own outputs folder
    (``$CSW_HOME/build/outputs.<run id>/data_docs``, moved into ``outputs/`` when the run publishes
    its warehouse); otherwise ``$CSW_HOME/outputs/data_docs``."""
    from warehouse.atomic_publish import active_outputs

    staged = active_outputs(home)
    return (staged if staged is not None else Path(home) / "outputs") / "data_docs"


def runtime_environment(home: Path, data_docs: Path | None = None) -> dict[str, str]:
    """Where a run writes: the variables ``gx/great_expectations.yml`` substitutes."""
    return {
        "csw_gx_validations": str(home / "gx" / "validations"),
        "csw_data_docs": str(data_docs if data_docs is not None else home / "outputs" / "data_docs"),
    }


@functools.lru_cache(maxsize=8)
def _context(home: str, data_docs: str) -> FileDataContext:
    return gx.get_context(mode="file", project_root_dir=REPO_ROOT,
                          runtime_environment=runtime_environment(Path(home), Path(data_docs)))


def open_context(home: Path) -> FileDataContext:
    """The committed project, writing into ``home`` (Data Docs: :func:`data_docs_dir`); cached, as
    opening it takes seconds."""
    home = Path(home).resolve()
    return _context(str(home), str(data_docs_dir(home)))


def _signature(expectations: list[gxe.Expectation]) -> list[tuple[str, dict, str | None]]:
    """What makes two suites the same: each expectation's type, arguments and description, in order."""
    return [(e.expectation_type, e.configuration.kwargs, e.description) for e in expectations]


def _is_current(context: FileDataContext, suite: Suite, wanted: list[gxe.Expectation]) -> bool:
    """The committed suite, validation definition and checkpoint of ``suite`` are the code's."""
    try:
        committed = context.suites.get(suite.name)
        validation = context.validation_definitions.get(suite.name)
        checkpoint = context.checkpoints.get(suite.name)
    except Exception:  # one of them absent
        return False
    return (
        _signature(committed.expectations) == _signature(wanted)
        and validation.suite.name == suite.name and validation.data.name == BATCH_DEFINITION
        and validation.data.data_asset.name == suite.name
        and [v.name for v in checkpoint.validation_definitions] == [suite.name]
        and [a.name for a in checkpoint.actions] == ["update_data_docs"]
        and checkpoint.result_format == {"result_format": "SUMMARY",
                                         "unexpected_index_column_names": list(suite.key_columns)}
    )


def write_project(root: Path = REPO_ROOT) -> list[str]:
    """Write the data source, suites, validation definitions and checkpoints under ``root/gx``.

    Run after changing a suite; commit the changed files. Only a suite that is missing or differs
    from the code is rewritten (with its validation definition and checkpoint); unchanged
    expectations of a rewritten suite keep their ids, and every other file stays as it is, so a
    regeneration changes only what changed. Returns the names of the suites written.
    """
    with tempfile.TemporaryDirectory(prefix="csw-gx-") as scratch:  # the context's validation store: unused
        return _write_suites(root, Path(scratch))


def _write_suites(root: Path, scratch: Path) -> list[str]:
    context = gx.get_context(mode="file", project_root_dir=root, runtime_environment=runtime_environment(scratch))
    sources = {ds.name: ds for ds in context.data_sources.all().values()}
    source = sources[DATA_SOURCE] if DATA_SOURCE in sources else context.data_sources.add_pandas(DATA_SOURCE)
    written = []
    for suite in SUITES.values():
        wanted = suite.expectations()
        if _is_current(context, suite, wanted):
            continue
        asset_names = [a.name for a in source.assets]
        asset = (source.get_asset(suite.name) if suite.name in asset_names
                 else source.add_dataframe_asset(suite.name))
        if BATCH_DEFINITION in [b.name for b in asset.batch_definitions]:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        else:
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        previous_ids: dict[str, str] = {}
        try:
            previous = context.suites.get(suite.name)
            previous_ids = {repr(sig): e.id for sig, e in zip(_signature(previous.expectations), previous.expectations)}
        except Exception:  # a new suite
            pass
        for store, folder in ((context.checkpoints, "checkpoints"),
                              (context.validation_definitions, "validation_definitions"),
                              (context.suites, "expectations")):
            try:
                store.delete(suite.name)
            except Exception:  # absent, or unreadable (e.g. its suite file removed by hand)
                (Path(root) / "gx" / folder / f"{suite.name}.json").unlink(missing_ok=True)
        saved = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=wanted))
        kept = [(e, previous_ids.get(repr(sig))) for e, sig in zip(saved.expectations, _signature(saved.expectations))]
        if any(old for _, old in kept):  # unchanged expectations keep their ids: no churn in the file
            for expectation, old in kept:
                expectation.id = old or expectation.id
            saved.save()
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=saved)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[validation],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
                result_format={"result_format": "SUMMARY", "unexpected_index_column_names": list(suite.key_columns)},
            )
        )
        written.append(suite.name)
    return written


if __name__ == "__main__":
    changed = write_project()
    print(f"{REPO_ROOT / 'gx'}: " + (f"wrote {', '.join(changed)}" if changed else "every suite up to date"))
