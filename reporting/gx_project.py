"""The Great Expectations project committed in ``gx/``: its suites, and how a run opens it.

The suites are written here in Python and saved by ``python -m reporting.gx_project`` as the JSON
files GE reads (``gx/expectations/``, ``gx/validation_definitions/``, ``gx/checkpoints/`` and the
pandas data source in ``gx/great_expectations.yml``); ``tests/test_expectations.py`` fails when
the committed files and this module disagree, so the two cannot drift.

A run opens the committed project read-only: ``great_expectations.yml`` takes the directories it
writes to (validation results, Data Docs) from ``runtime_environment`` variables, which
``open_context`` points into ``$CSW_HOME``. Nothing a run does writes into the repository.

Settings that vary by deployment (disclosure threshold, sensitive themes, reporting areas and
cluster membership) are suite parameters (``{"$PARAMETER": ...}``) filled in from the settings at
validation time, never values in the suite files.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context import FileDataContext

from reporting.gx_expectations import (
    KEY_COLUMNS,
    ExpectAreaTotalsToEqualSumOfMembers,
    ExpectRatesToMatchCountsAndPopulation,
    ExpectScorecardGridToBeComplete,
    ExpectSensitiveCountsNotBelowThreshold,
    ExpectSuppressedCellsNotRecoverable,
)
from warehouse.settings import REPO_ROOT

DATA_SOURCE = "csw_pandas"
BATCH_DEFINITION = "whole_table"
MART_SUITE = "scorecard_mart"
OUTPUT_SUITE = "scorecard_output"
DATA_DOCS_SITE = "csw_data_docs"

COUNT_COLUMNS = ["value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous"]
NON_NEGATIVE_COLUMNS = [*COUNT_COLUMNS, "population", "rate_per_1000", "rate"]
REQUIRED_COLUMNS = [
    "indicator_id", "key_issue", "theme", "is_additive", "area_code", "area_type", "financial_year",
    "fy_quarter", *COUNT_COLUMNS, "population", "rate_per_1000", "rate_per", "rate",
]


def suite_expectations(suite: str) -> list[gxe.Expectation]:
    """The expectations of a suite: the mart's, plus disclosure control for published outputs."""
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


def data_docs_dir(home: Path) -> Path:
    """Where the Data Docs are written: inside a nightly build, the run's own outputs folder
    (``$CSW_HOME/build/outputs.<run id>/data_docs``, moved into ``outputs/`` when the run publishes
    its warehouse); otherwise ``$CSW_HOME/outputs/data_docs``."""
    from warehouse.publish import active_outputs

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


def write_project(root: Path = REPO_ROOT) -> None:
    """(Re)write the data source, suites, validation definitions and checkpoints under ``root/gx``.

    Run after changing ``suite_expectations``; commit the changed files.
    """
    scratch = Path(tempfile.mkdtemp(prefix="csw-gx-"))  # validation store of this context: unused
    context = gx.get_context(mode="file", project_root_dir=root, runtime_environment=runtime_environment(scratch))
    if DATA_SOURCE in [ds.name for ds in context.data_sources.all().values()]:
        context.data_sources.delete(DATA_SOURCE)
    source = context.data_sources.add_pandas(DATA_SOURCE)
    for suite_name in (MART_SUITE, OUTPUT_SUITE):
        batch_definition = source.add_dataframe_asset(suite_name).add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        for store, name in ((context.checkpoints, suite_name), (context.validation_definitions, suite_name),
                            (context.suites, suite_name)):
            try:
                store.delete(name)
            except Exception:  # absent: nothing to replace
                pass
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=suite_expectations(suite_name)))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=suite_name,
                validation_definitions=[validation],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
                result_format={"result_format": "SUMMARY", "unexpected_index_column_names": KEY_COLUMNS},
            )
        )


if __name__ == "__main__":
    write_project()
    print(f"wrote {REPO_ROOT / 'gx'}")
