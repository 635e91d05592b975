"""The scorecard workbook (XLSX): a summary sheet, a sheet per key issue, a district comparison
sheet and a notes sheet. Numbers are stored as numbers with number formats; hidden cells hold the
text "[c]"; a quarter or 12-month count that is not available holds "n/a", with the row's value
status and its reason in two columns; RAG is cell fill; headers are frozen and filtered. Every data
row carries its indicator_id, area_code, financial_year and fy_quarter, so each cell is traceable
to the marts."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reporting.html import SUPPRESSED, TEST_NOTES
from reporting.tables import QuarterlyTables, not_available_with_value, status_label, windowed

NOT_AVAILABLE = "n/a"

RAG_FILLS = {
    "red": ("C0392B", "FFFFFF"),
    "amber": ("E6A019", "1F2933"),
    "green": ("2E8540", "FFFFFF"),
}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
FORMATS = {
    "value": "#,##0", "value_same_quarter_last_year": "#,##0", "rolling_12m": "#,##0",
    "rolling_12m_previous": "#,##0", "pct_change": '0.0"%"', "change_12m_pct": '0.0"%"', "rate_per_1000": "0.000",
    "rate": "0.000", "p_value": "0.0000", "population": "#,##0", "county_rate_per_1000": "0.000",
    "difference_from_county": "+0.000;-0.000;0.000",
    "lower_ci": "#,##0.0##", "upper_ci": "#,##0.0##", "numerator_count": "#,##0", "denominator_count": "#,##0",
    "n_effective": "#,##0.0", "previous_value": "#,##0.0##", "change_from_previous": "+#,##0.0##;-#,##0.0##;0",
}
COUNT_FORMATS = {"value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous"}
# (column, header) of the data sheets, in order
SHEET_COLUMNS = [
    ("indicator_id", "Indicator id"), ("indicator_name", "Indicator"), ("unit", "Unit"),
    ("area_code", "Area code"), ("area_name", "Area"), ("area_type", "Area type"),
    ("financial_year", "Financial year"), ("fy_quarter", "Quarter"),
    ("value", "Quarter value"), ("period_label", "Period of the value (published)"),
    ("lower_ci", "Lower 95% CI"), ("upper_ci", "Upper 95% CI"), ("numerator_count", "Count (published)"),
    ("denominator_count", "Denominator (published)"), ("n_unweighted", "Respondents"),
    ("n_effective", "Effective sample size"), ("previous_period_label", "Previous period"),
    ("previous_value", "Previous period value"), ("change_from_previous", "Change from previous period"),
    ("value_same_quarter_last_year", "Same quarter last year"),
    ("pct_change", "Change on last year (%)"), ("rolling_12m", "Rolling 12 months"),
    ("rolling_12m_previous", "Previous 12 months"), ("change_12m_pct", "12-month change (%)"),
    ("rate_per_1000", "Rate per 1,000 (12 months)"), ("rate", "Rate (12 months)"), ("rate_per", "Rate per"),
    ("population_group", "Population group"), ("population", "Population"),
    ("population_year", "Population year"), ("p_value", "p-value"), ("significant_change", "Significant change"),
    ("direction", "Direction"), ("rag", "RAG"), ("district_rank", "District rank (1 = highest rate)"),
    ("against_benchmark", "Against benchmark"), ("benchmark_compare", "Benchmark"),
    ("value_status", "Value status"), ("value_status_reason", "Why not available"),
    ("value_source", "Source of the value"),
]


def _sheet_title(text: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", text).strip().capitalize()[:31] or "Sheet"
    base, n = title, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title.lower())
    return title


def _cell_value(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v


def _frame_with_changes(tables: QuarterlyTables, rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    prev = out["rolling_12m_previous"].astype(float)
    out["change_12m_pct"] = 100 * (out["rolling_12m"].astype(float) - prev) / prev.where(prev != 0)
    return out


def _hidden_of(tables: QuarterlyTables, rows: pd.DataFrame) -> pd.DataFrame:
    hidden = tables.hidden.loc[rows.index].copy()
    hidden["change_12m_pct"] = hidden["rolling_12m"] | hidden["rolling_12m_previous"]
    return hidden


def _write_table(ws, frame: pd.DataFrame, hidden: pd.DataFrame, columns: list[tuple[str, str]], start_row: int) -> None:
    for j, (_, header) in enumerate(columns, start=1):
        cell = ws.cell(row=start_row, column=j, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, (index, row) in enumerate(frame.iterrows(), start=start_row + 1):
        label = status_label(_cell_value(row.get("value_status")))
        for j, (column, _) in enumerate(columns, start=1):
            is_hidden = column in hidden.columns and bool(hidden.at[index, column])
            value = SUPPRESSED if is_hidden else _cell_value(row.get(column))
            if column == "value_status" and label:
                value = label
            if value is None and label and column in not_available_with_value(_cell_value(row.get("value_kind"))):
                value = NOT_AVAILABLE  # not available (value_status says why), never a blank or a 0
            if isinstance(value, float) and column in COUNT_FORMATS and value.is_integer():
                value = int(value)  # whole counts as integers; adjusted KSI keeps its decimals
            cell = ws.cell(row=i, column=j, value=value)
            if column in FORMATS and not is_hidden:
                cell.number_format = FORMATS[column]
                if column in COUNT_FORMATS and isinstance(value, float):
                    cell.number_format = "#,##0.0"
            if column == "rag" and value in RAG_FILLS:
                fill, font = RAG_FILLS[value]
                cell.fill = PatternFill("solid", fgColor=fill)
                cell.font = Font(color=font, bold=True)
            if is_hidden or value == NOT_AVAILABLE:
                cell.alignment = Alignment(horizontal="right")
    last = start_row + len(frame)
    ws.freeze_panes = ws.cell(row=start_row + 1, column=3)
    ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(columns))}{max(last, start_row)}"
    for j, (column, header) in enumerate(columns, start=1):
        width = max([len(header) * 0.7] + [len(str(_cell_value(v) or "")) for v in frame[column].head(200)]
                    if column in frame.columns else [len(header)])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 42)
    ws.row_dimensions[start_row].height = 32


def _title(ws, title: str, subtitle: str) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=subtitle).font = Font(italic=True, color="5C6B7A")


def write_workbook(tables: QuarterlyTables, target: Path) -> None:
    q = tables.quarter
    geo = tables.geography
    rows = _frame_with_changes(tables, tables.scorecard)
    hidden = _hidden_of(tables, rows)
    wb = Workbook()
    used = {"summary", "district comparison", "notes"}
    legend = (f"{q.long_label}. {SUPPRESSED} = not published to protect small numbers; "
              f"{NOT_AVAILABLE} = not available (see Notes).")

    ws = wb.active
    ws.title = "Summary"
    _title(ws, f"Community safety scorecard: {q.label}, {geo.name(geo.force_area)}", legend)
    force = rows[rows["area_code"] == geo.force_area].copy()
    order = {k: i for i, k in enumerate(tables.key_issues)}
    force = force.assign(order=force["key_issue"].map(order)).sort_values(["order", "indicator_name"])
    summary_cols = [("key_issue", "Key issue"), ("priority", "Priority")] + [
        c for c in SHEET_COLUMNS if c[0] not in ("area_type", "population_year", "p_value")]
    _write_table(ws, force, hidden, summary_cols, start_row=4)

    for issue in tables.key_issues:
        sub = rows[rows["key_issue"] == issue]
        if sub.empty:
            continue
        ws = wb.create_sheet(_sheet_title(issue, used))
        _title(ws, f"{issue.capitalize()}: {q.label}, every area", legend)
        type_order = {"police_force_area": 0, "county": 1, "cluster": 2, "unitary": 3, "district": 3}
        sub = sub.assign(o=sub["area_type"].map(type_order)).sort_values(["indicator_name", "o", "area_name"])
        _write_table(ws, sub, hidden, SHEET_COLUMNS, start_row=4)

    ws = wb.create_sheet("District comparison")
    _title(ws, f"Districts against Lancashire-12: rolling 12 months to {q.end_month:%B %Y}", legend)
    districts = rows[rows["area_code"].isin(geo.districts["area_code"]) & windowed(rows)].copy()  # rates only
    county = rows[rows["area_code"] == geo.county].set_index("indicator_id")["rate_per_1000"]
    districts["county_rate_per_1000"] = districts["indicator_id"].map(county)
    districts["difference_from_county"] = districts["rate_per_1000"] - districts["county_rate_per_1000"]
    county_hidden = hidden.loc[rows["area_code"] == geo.county].set_axis(
        rows.loc[rows["area_code"] == geo.county, "indicator_id"])["rate_per_1000"]
    dh = hidden.loc[districts.index].copy()
    dh["county_rate_per_1000"] = districts["indicator_id"].map(county_hidden).fillna(False).astype(bool)
    dh["difference_from_county"] = dh["rate_per_1000"] | dh["county_rate_per_1000"]
    districts = districts.sort_values(["indicator_name", "district_rank"])
    comparison_cols = [("indicator_id", "Indicator id"), ("indicator_name", "Indicator"), ("area_code", "Area code"),
                       ("area_name", "Area"), ("financial_year", "Financial year"), ("fy_quarter", "Quarter"),
                       ("rolling_12m", "Rolling 12 months"), ("rate_per_1000", "Rate per 1,000"),
                       ("county_rate_per_1000", "Lancashire-12 rate per 1,000"),
                       ("difference_from_county", "Difference from Lancashire-12"),
                       ("district_rank", "Rank of 14 (1 = highest rate)"), ("rag", "RAG"),
                       ("value_status", "Value status"), ("value_status_reason", "Why not available")]
    _write_table(ws, districts, dh, comparison_cols, start_row=4)

    ws = wb.create_sheet("Notes")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 120
    rules = tables.rules
    notes = [
        ("Period", q.long_label),
        ("Areas", "Lancashire-14 (E23000003) = police force area (12 districts + Blackburn with Darwen + Blackpool; "
                  "police data: every crime the force recorded, including those without a location). "
                  "Lancashire-12 (E10000017) = county council area (12 districts). Clusters = sums of members."),
        ("Quarter value", "The count in the three months of the quarter; 'Same quarter last year' the same three months a year earlier. "
                          "For a survey estimate or a published figure (a 'Period of the value' is given): the value "
                          "of that survey wave or published period, with its 95% confidence interval, count or "
                          "respondents, and its change from the previous period."),
        ("Rolling 12 months", "The 12 months ending with the quarter, compared with the 12 months before."),
        ("Rate per 1,000", "Rolling 12-month count per 1,000 residents (ONS mid-year estimate; 'Population year' says which)."),
        ("Significance", "Exact Poisson (conditional binomial) test of the rolling 12 months against the previous 12, "
                         "two-sided, at the configured significance level (default 5%)."),
        ("RAG", "Red = significant deterioration, green = significant improvement, amber = no significant change."),
        ("District rank", "Rank of the rate among the 14 districts and unitaries, 1 = highest."),
        (SUPPRESSED, f"Not published: counts 1 to {rules.threshold - 1} in the sensitive themes "
                     f"({', '.join(sorted(rules.sensitive_themes))}), and the other figures that would reveal them "
                     "(other areas, the same quarter last year); rates, changes and significance computed from a "
                     f"hidden count. {tables.suppressed_cells} counts are hidden in this workbook."),
        (NOT_AVAILABLE, "Not available: the data was not received (a partner's return or file for the period has "
                        "not arrived), was received but quarantined (it broke the feed's rules), or a ratio has no "
                        "denominator. 'Value status' and 'Why not available' say which. A figure not available is "
                        "never counted as 0: totals and 12-month figures that include it are not available either."),
        ("Traceability", "Every row carries the indicator id, area code, financial year and quarter of "
                         "marts.mart_scorecard_quarterly, where the true values are kept."),
    ]
    tests = set(tables.catalogue["significance_test"].dropna()) if "significance_test" in tables.catalogue else set()
    notes += [(title, text) for test, (title, text) in TEST_NOTES.items() if test in tests]
    for code, text in tables.catalogue[["source_system", "indicator_name"]].groupby("source_system"):
        notes.append((f"Source: {code}", ", ".join(text["indicator_name"])))
    for i, (k, v) in enumerate(notes, start=1):
        ws.cell(row=i, column=1, value=k).font = Font(bold=True)
        c = ws.cell(row=i, column=2, value=v)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(target)
