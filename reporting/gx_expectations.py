"""Great Expectations custom expectations for the scorecard's cross-row rules.

GE's built-in expectations look at one column or one row at a time; the scorecard's hardest rules
look across rows (is every indicator x area x period there? do the districts add up to the
county?). ``UnexpectedRowsExpectation`` would do that in SQL but runs only on SQL data sources, and
the checks run on the pandas frames an output is about to publish. So each rule is a GE 1.x
custom Batch Expectation backed by a table metric computed with vectorised pandas.

Every metric returns ``{"unexpected_count": n, "examples": [...]}``: the examples name the
indicator, area and period of the first failing rows, so a failed check says *where* it failed.
Importing this module registers the expectations with GE (the suites in ``gx/expectations/`` name
them by their snake_case type), so it must be imported before a suite is loaded.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.execution_engine import ExecutionEngine, PandasExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

# How many failing rows a result lists (the count is always complete).
MAX_EXAMPLES = 20

KEY_COLUMNS = ["indicator_id", "area_code", "financial_year", "fy_quarter"]


def _table(execution_engine: PandasExecutionEngine, metric_domain_kwargs: dict) -> pd.DataFrame:
    df, _, _ = execution_engine.get_compute_domain(
        domain_kwargs=metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
    )
    return df


def _period(financial_year: pd.Series, fy_quarter: pd.Series) -> pd.Series:
    return financial_year.astype(str) + " Q" + fy_quarter.astype("Int64").astype(str)


def _where(rows: pd.DataFrame) -> pd.Series:
    """'indicator area period' labels of scorecard rows, for messages."""
    return rows["indicator_id"].astype(str) + " " + rows["area_code"].astype(str) + " " + _period(
        rows["financial_year"], rows["fy_quarter"]
    )


def _outcome(examples: pd.Series, element_count: int) -> dict[str, Any]:
    """What a metric returns: how many failed out of how many checked, and the first few."""
    return {
        "unexpected_count": int(len(examples)),
        "element_count": int(element_count),
        "examples": [str(e) for e in examples.head(MAX_EXAMPLES).tolist()],
    }


def _close(a: pd.Series, b: pd.Series, rel_tol: float, abs_tol: float) -> pd.Series:
    return pd.Series(np.isclose(a.astype(float), b.astype(float), rtol=rel_tol, atol=abs_tol), index=a.index)


class _CswBatchExpectation(BatchExpectation):
    """A batch expectation whose one metric returns ``unexpected_count`` and ``examples``."""

    metric_name: ClassVar[str]

    def _validate(
        self,
        metrics: Dict,
        runtime_configuration: Optional[dict] = None,
        execution_engine: Optional[ExecutionEngine] = None,
    ) -> dict[str, Any]:
        found = metrics[self.metric_name]
        checked = max(found["element_count"], found["unexpected_count"])
        return {
            "success": found["unexpected_count"] == 0,
            "result": {
                "observed_value": f"{found['unexpected_count']} unexpected",
                "element_count": checked,
                "unexpected_count": found["unexpected_count"],
                "unexpected_percent": 100.0 * found["unexpected_count"] / checked if checked else 0.0,
                "partial_unexpected_list": found["examples"],
            },
        }


# --- every indicator x reporting area x period present ----------------------------------------

class ScorecardGridMissing(TableMetricProvider):
    """Rows missing from the grid: each indicator of the table, in every quarter it is shown for,
    must be there for every expected area.

    Periods are taken per indicator because the feeds cover different months (STATS19 data years
    end before police.uk's months do, and a force's landed months may have gaps): what must not
    happen is an area missing from an indicator's quarter.
    """

    metric_name = "csw.scorecard_grid.missing"
    value_keys = ("area_codes",)

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _table(execution_engine, metric_domain_kwargs)
        areas = pd.DataFrame({"area_code": sorted(set(metric_value_kwargs["area_codes"]))})
        periods = ["indicator_id", "financial_year", "fy_quarter"]
        expected = df[periods].drop_duplicates().merge(areas, how="cross")
        joined = expected.merge(df[[*periods, "area_code"]].drop_duplicates(), how="left", on=[*periods, "area_code"],
                                indicator=True)
        missing = joined[joined["_merge"] == "left_only"].sort_values([*periods, "area_code"])
        return _outcome(_where(missing), len(expected))


class ExpectScorecardGridToBeComplete(_CswBatchExpectation):
    """Expect a row for every indicator x area x quarter (each indicator in the quarters it is shown for)."""

    area_codes: Union[List[str], SuiteParameterDict] = pydantic.Field(
        description="Every reporting area an indicator must be shown for."
    )

    metric_name: ClassVar[str] = ScorecardGridMissing.metric_name
    metric_dependencies: ClassVar[Tuple[str, ...]] = (ScorecardGridMissing.metric_name,)
    success_keys: ClassVar[Tuple[str, ...]] = ("area_codes",)


# --- rates consistent with counts and population ----------------------------------------------

class ScorecardRatesInconsistent(TableMetricProvider):
    """Rates that do not follow from the row's rolling 12-month count and population.

    ``rate_per_1000`` must equal 1000 x rolling_12m / population and ``rate`` must equal
    rate_per x rolling_12m / population. A rate shown without its count or population (e.g. the
    count was suppressed but the rate left visible) cannot be checked and would let a reader
    recover the count, so it is unexpected too.
    """

    metric_name = "csw.scorecard_rates.inconsistent"
    value_keys = ("rel_tol", "abs_tol")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _table(execution_engine, metric_domain_kwargs)
        rel_tol, abs_tol = float(metric_value_kwargs["rel_tol"]), float(metric_value_kwargs["abs_tol"])
        count = df["rolling_12m"].astype(float)
        population = df["population"].astype(float)
        checkable = count.notna() & population.notna() & (population > 0)
        failures = []
        for rate_column, per in (("rate_per_1000", pd.Series(1000.0, index=df.index)),
                                 ("rate", df["rate_per"].astype(float))):
            shown = df[rate_column].astype(float)
            expected = per * count / population.where(population > 0)
            wrong = shown.notna() & (~checkable | ~_close(shown, expected, rel_tol, abs_tol))
            rows = df[wrong]
            failures.append(
                _where(rows) + f": {rate_column} " + shown[wrong].round(6).astype(str)
                + ", expected " + expected[wrong].round(6).astype(str)
                + " (rolling_12m " + count[wrong].astype(str) + ", population " + population[wrong].astype(str) + ")"
            )
        return _outcome(pd.concat(failures), 2 * len(df))


class ExpectRatesToMatchCountsAndPopulation(_CswBatchExpectation):
    """Expect every visible rate to equal rate_per x rolling_12m / population (within tolerance)."""

    rel_tol: Union[float, SuiteParameterDict] = 1e-6
    abs_tol: Union[float, SuiteParameterDict] = 1e-9

    metric_name: ClassVar[str] = ScorecardRatesInconsistent.metric_name
    metric_dependencies: ClassVar[Tuple[str, ...]] = (ScorecardRatesInconsistent.metric_name,)
    success_keys: ClassVar[Tuple[str, ...]] = ("rel_tol", "abs_tol")


# --- no small count visible in a sensitive theme ----------------------------------------------

class SensitiveSmallCounts(TableMetricProvider):
    """Visible counts from 1 to threshold - 1 in a sensitive theme (disclosure control failed)."""

    metric_name = "csw.sensitive_small_counts"
    value_keys = ("count_columns", "sensitive_themes", "threshold")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _table(execution_engine, metric_domain_kwargs)
        threshold = float(metric_value_kwargs["threshold"])
        themes = {str(t).strip().lower() for t in metric_value_kwargs["sensitive_themes"]}
        sensitive = df["theme"].astype(str).str.strip().str.lower().isin(themes)
        if "value_kind" in df.columns:
            # a survey estimate or a figure published by another body (a rate, a percentage) is not a
            # count: its source applies its own disclosure rules; nor is a ratio (a percentage), which
            # is hidden with its numerator and denominator counts (reporting.tables._control)
            sensitive &= df["value_kind"].isna() | df["value_kind"].isin(["count"])
        failures = []
        for column in metric_value_kwargs["count_columns"]:
            shown = df[column].astype(float)
            small = sensitive & shown.notna() & (shown > 0) & (shown < threshold)
            rows = df[small]
            failures.append(_where(rows) + " (" + rows["theme"].astype(str) + f"): {column} " + shown[small].astype(str))
        return _outcome(pd.concat(failures), int(sensitive.sum()) * len(metric_value_kwargs["count_columns"]))


class ExpectSensitiveCountsNotBelowThreshold(_CswBatchExpectation):
    """Expect every visible count of a sensitive theme to be 0 or at least the disclosure threshold."""

    count_columns: List[str]
    sensitive_themes: Union[List[str], SuiteParameterDict]
    threshold: Union[float, SuiteParameterDict]

    metric_name: ClassVar[str] = SensitiveSmallCounts.metric_name
    metric_dependencies: ClassVar[Tuple[str, ...]] = (SensitiveSmallCounts.metric_name,)
    success_keys: ClassVar[Tuple[str, ...]] = ("count_columns", "sensitive_themes", "threshold")


# --- totals equal the sum of their member districts ---------------------------------------------

class AreaTotalsMismatch(TableMetricProvider):
    """Totals of additive indicators that differ from the sum of their member districts.

    ``area_members`` maps a total's area code to its member district codes. A comparison is made
    only where the total and every member are present and visible for that column, indicator and
    period: a suppressed (null) cell is not checked (the grid and disclosure checks cover those).
    """

    metric_name = "csw.area_totals.mismatch"
    value_keys = ("area_members", "count_columns", "rel_tol", "abs_tol")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _table(execution_engine, metric_domain_kwargs)
        rel_tol, abs_tol = float(metric_value_kwargs["rel_tol"]), float(metric_value_kwargs["abs_tol"])
        members = pd.DataFrame(
            [(total, member) for total, parts in metric_value_kwargs["area_members"].items() for member in parts],
            columns=["total_code", "area_code"],
        )
        size = members.groupby("total_code").size().rename("n_members")
        additive = df[df["is_additive"].astype("boolean").fillna(False).astype(bool)]
        period = ["indicator_id", "financial_year", "fy_quarter"]
        failures, checked = [], 0
        for column in metric_value_kwargs["count_columns"]:
            parts = additive[period + ["area_code", column]].merge(members, on="area_code")
            sums = parts.groupby(["total_code", *period]).agg(
                parts_sum=(column, "sum"), parts_shown=(column, "count")
            ).reset_index()
            totals = additive[period + ["area_code", column]].rename(columns={"area_code": "total_code"})
            compared = totals.merge(sums, on=["total_code", *period]).join(size, on="total_code")
            compared = compared[(compared["parts_shown"] == compared["n_members"]) & compared[column].notna()]
            checked += len(compared)
            wrong = compared[~_close(compared[column], compared["parts_sum"], rel_tol, abs_tol)]
            failures.append(
                wrong["indicator_id"] + " " + wrong["total_code"] + " " + _period(wrong["financial_year"], wrong["fy_quarter"])
                + f": {column} " + wrong[column].astype(str) + " but its members sum to " + wrong["parts_sum"].astype(str)
            )
        return _outcome(pd.concat(failures), checked)


class ExpectAreaTotalsToEqualSumOfMembers(_CswBatchExpectation):
    """Expect each additive indicator's total area value to be the sum of its member districts."""

    area_members: Union[Dict[str, List[str]], SuiteParameterDict]
    count_columns: List[str]
    rel_tol: Union[float, SuiteParameterDict] = 1e-9
    abs_tol: Union[float, SuiteParameterDict] = 1e-6

    metric_name: ClassVar[str] = AreaTotalsMismatch.metric_name
    metric_dependencies: ClassVar[Tuple[str, ...]] = (AreaTotalsMismatch.metric_name,)
    success_keys: ClassVar[Tuple[str, ...]] = ("area_members", "count_columns", "rel_tol", "abs_tol")


# --- no suppressed cell recoverable from what is shown -----------------------------------------

class RecoverableSuppressedCells(TableMetricProvider):
    """Suppressed cells a reader could work out from other cells of the same table.

    Two ways, both closed by secondary suppression: a total shown with exactly one of its member
    districts suppressed (total minus the others gives it), and a percentage change shown while the
    quarter's value or the same quarter last year is suppressed (the other value and the change
    give it). A member counts as suppressed when its cell is null on a row flagged ``suppressed``,
    so cells null for lack of data (a rolling window not yet covered) are not mistaken for it; nor
    are the quarter and 12-month counts of a row whose value is not available (``value_status``).
    """

    metric_name = "csw.suppressed_cells.recoverable"
    value_keys = ("area_members", "count_columns")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _table(execution_engine, metric_domain_kwargs)
        flagged = df["suppressed"].astype("boolean").fillna(False).astype(bool)
        not_available = (
            df["value_status"].notna() & (df["value_status"].astype(str) != "available")
            if "value_status" in df.columns else pd.Series(False, index=df.index)
        )
        members = pd.DataFrame(
            [(total, member) for total, parts in metric_value_kwargs["area_members"].items() for member in parts],
            columns=["total_code", "area_code"],
        )
        additive = df["is_additive"].astype("boolean").fillna(False).astype(bool)
        period = ["indicator_id", "financial_year", "fy_quarter"]
        failures, checked = [], 0
        for column in metric_value_kwargs["count_columns"]:
            unknown = not_available if column in ("value", "rolling_12m") else pd.Series(False, index=df.index)
            hidden = df[additive][period + ["area_code"]].assign(hidden=(df[column].isna() & flagged & ~unknown)[additive])
            per_total = hidden.merge(members, on="area_code").groupby(["total_code", *period])["hidden"].sum()
            totals = df[additive & df[column].notna()][period + ["area_code"]].rename(columns={"area_code": "total_code"})
            shown = totals.join(per_total, on=["total_code", *period], how="inner")
            checked += len(shown)
            wrong = shown[shown["hidden"] == 1]
            failures.append(
                wrong["indicator_id"] + " " + wrong["total_code"] + " " + _period(wrong["financial_year"], wrong["fy_quarter"])
                + f": {column} shown with exactly one member district suppressed"
            )
        if "pct_change" in df.columns:
            revealing = df["pct_change"].notna() & flagged & (df["value"].isna() | df["value_same_quarter_last_year"].isna())
            checked += int(flagged.sum())
            failures.append(_where(df[revealing]) + ": pct_change shown with a suppressed value")
        return _outcome(pd.concat(failures), checked)


class ExpectSuppressedCellsNotRecoverable(_CswBatchExpectation):
    """Expect no suppressed cell to be recoverable from a total or a percentage change shown."""

    area_members: Union[Dict[str, List[str]], SuiteParameterDict]
    count_columns: List[str]

    metric_name: ClassVar[str] = RecoverableSuppressedCells.metric_name
    metric_dependencies: ClassVar[Tuple[str, ...]] = (RecoverableSuppressedCells.metric_name,)
    success_keys: ClassVar[Tuple[str, ...]] = ("area_members", "count_columns")
