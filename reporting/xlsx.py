"""The scorecard workbook (XLSX): a summary sheet, a sheet per key issue, a district comparison
sheet, a long-format sheet of every published cell and a notes sheet. Numbers are stored as
numbers with number formats; hidden cells hold "[c]" and cells not available "[x]" (the ONS
conventions, explained in Notes; 'Value status' and 'Why not available' say why), never a blank;
RAG is cell fill and stays with the change columns; a district's position against the county has
its own fills, words and legend; headers are frozen and filtered. Every data row carries its
indicator_id, area_code, financial_year and fy_quarter, so each cell is traceable to the marts."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from reporting.relative_position import EXPORT_COLUMNS, PeerTables, export_frame
from reporting.tables import (NOT_AVAILABLE_MARK, SUPPRESSED_MARK, QuarterlyTables, markers,
                              status_label, status_labels, windowed, with_changes)

try:  # the notes on each significance test are the HTML report's (one wording everywhere)
    from reporting.html import TEST_NOTES
except ImportError:  # pragma: no cover - a report module without them
    TEST_NOTES = {}

SUPPRESSED = SUPPRESSED_MARK
NOT_AVAILABLE = NOT_AVAILABLE_MARK

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
    "change_pp": '+0.0" pp";-0.0" pp";0.0" pp"', "change_12m_pp": '+0.0" pp";-0.0" pp";0.0" pp"',
    "position_p_value": "0.0000",
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
    ("pct_change", "Change on last year (%)"), ("change_pp", "Change on last year (pp)"),
    ("rolling_12m", "Rolling 12 months"), ("rolling_12m_previous", "Previous 12 months"),
    ("change_12m_pct", "12-month change (%)"), ("change_12m_pp", "12-month change (pp)"),
    ("rate_per_1000", "Rate per 1,000 (12 months)"), ("rate", "Rate (12 months)"), ("rate_per", "Rate per"),
    ("population_group", "Population group"), ("population", "Population"),
    ("population_year", "Population year"), ("p_value", "p-value"), ("significant_change", "Significant change"),
    ("direction", "Direction"), ("rag", "RAG"), ("district_rank", "District rank (1 = highest rate)"),
    ("position_vs_county", "Position against Lancashire-12"),
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


# Position of a district against the rest of the county: its own fills (not the RAG colours), read
# with the indicator's polarity; the words are always in the cell as well.
POSITION_FILLS = {
    "concern": ("F6C9B5", "1F2933"),   # light orange: worse than the county
    "similar": ("E4E7EB", "1F2933"),   # light grey
    "better": ("C6DDF2", "1F2933"),    # light blue: better than the county
}
POSITION_WORDS = {"above": "above the county", "similar": "similar to the county", "below": "below the county"}
COMPARISON_HEADER_ROW = 8  # rows 3-6 hold the position legend


def position_reading(position: pd.Series, polarity: pd.Series) -> pd.Series:
    """'concern', 'similar' or 'better' for each district: above the county is a concern when lower
    is better, and better when higher is better (below the reverse); None when there is no
    position or the indicator has no polarity."""
    pos = position.astype(object)
    lower = polarity.astype(object).eq("lower_is_better").to_numpy()
    higher = polarity.astype(object).eq("higher_is_better").to_numpy()
    reading = np.select(
        [pos.eq("similar").to_numpy() & (lower | higher),
         (pos.eq("above").to_numpy() & lower) | (pos.eq("below").to_numpy() & higher),
         (pos.eq("below").to_numpy() & lower) | (pos.eq("above").to_numpy() & higher)],
        ["similar", "concern", "better"], default="")
    return pd.Series(reading, index=position.index, dtype=object).replace("", None)


def _write_table(ws, frame: pd.DataFrame, hidden: pd.DataFrame, columns: list[tuple[str, str]], start_row: int,
                 position_fill: pd.Series | None = None) -> None:
    """One sheet's table: markers instead of blanks, number formats, RAG fill on the RAG column;
    ``position_fill`` (a reading per row) shades the rate and position cells of a comparison."""
    marks = markers(frame, hidden)
    shaded = {"rate_per_1000", "rate", "position_vs_county"}
    for j, (_, header) in enumerate(columns, start=1):
        cell = ws.cell(row=start_row, column=j, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    mark_of = {c: marks[c].to_numpy() for c in marks.columns}
    readings = position_fill.reindex(frame.index).to_numpy() if position_fill is not None else [None] * len(frame)
    for n, (i, (index, row)) in enumerate(zip(range(start_row + 1, start_row + 1 + len(frame)), frame.iterrows())):
        label = status_label(_cell_value(row.get("value_status")))
        reading = readings[n]
        for j, (column, _) in enumerate(columns, start=1):
            mark = mark_of[column][n] if column in mark_of else None
            value = mark if mark else _cell_value(row.get(column))
            if column == "value_status" and label:
                value = label
            if column == "position_vs_county" and value in POSITION_WORDS:
                value = POSITION_WORDS[value]
            if isinstance(value, float) and column in COUNT_FORMATS and value.is_integer():
                value = int(value)  # whole counts as integers; adjusted KSI keeps its decimals
            cell = ws.cell(row=i, column=j, value=value)
            if column in FORMATS and not mark:
                cell.number_format = FORMATS[column]
                if column in COUNT_FORMATS and isinstance(value, float):
                    cell.number_format = "#,##0.0"
            if column == "rag" and value in RAG_FILLS:
                fill, font = RAG_FILLS[value]
                cell.fill = PatternFill("solid", fgColor=fill)
                cell.font = Font(color=font, bold=True)
            if column in shaded and reading in POSITION_FILLS and not mark and value is not None:
                fill, font = POSITION_FILLS[reading]
                cell.fill = PatternFill("solid", fgColor=fill)
                cell.font = Font(color=font)
            if mark:
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


# The cells of the long-format sheet: (column of the scorecard row, measure, period of the cell)
LONG_MEASURES = [
    ("value", "quarter", "quarter"),
    ("value_same_quarter_last_year", "quarter", "quarter last year"),
    ("rolling_12m", "12 months", "12 months"),
    ("rolling_12m_previous", "12 months", "previous 12 months"),
    ("rate_per_1000", "rate per 1,000 residents (12 months)", "12 months"),
    ("rate", "rate (12 months)", "12 months"),
    ("pct_change", "pct_change (quarter on same quarter last year, %)", "quarter"),
    ("change_pp", "change (pp) (quarter on same quarter last year)", "quarter"),
    ("change_12m_pct", "12-month change (%)", "12 months"),
    ("change_12m_pp", "12-month change (pp)", "12 months"),
    ("p_value", "p-value of the 12-month change", "12 months"),
    ("rag", "RAG (12-month change)", "12 months"),
    ("district_rank", "district rank (1 = highest rate)", "12 months"),
    ("position_vs_county", "position against Lancashire-12", "12 months"),
    ("position_p_value", "p-value of the position against Lancashire-12", "12 months"),
]
LONG_HEADER = ["indicator_id", "indicator_name", "area_code", "area_name", "period", "measure", "value", "status",
               "status_reason"]


def long_cells(tables: QuarterlyTables) -> pd.DataFrame:
    """Every published cell of the scorecard, one row each (LONG_HEADER): a value, a hidden cell
    ("[c]", status suppressed) or a cell not available ("[x]", status not_available with the
    reason); a cell with nothing to say (e.g. no rate for a survey estimate) is left out."""
    rows, hidden = with_changes(tables.scorecard, tables.hidden)
    marks = markers(rows, hidden)
    q = tables.quarter
    last_year = q.year.previous()
    twelve = f"12 months to {q.end_month:%b %Y}"
    periods = {"quarter": q.label, "quarter last year": f"{last_year.label} Q{q.number}", "12 months": twelve,
               "previous 12 months": f"12 months to {q.end_month:%b} {q.end_month.year - 1}"}
    own_period = rows["period_label"].astype(object) if "period_label" in rows.columns else pd.Series(None, index=rows.index)
    reasons = status_labels(rows["value_status"]) if "value_status" in rows.columns else None
    parts = []
    for column, measure, period in LONG_MEASURES:
        if column not in rows.columns:
            continue
        values = rows[column].astype(object).where(rows[column].notna(), None)
        mark = marks[column] if column in marks.columns else pd.Series(None, index=rows.index, dtype=object)
        keep = values.notna() | mark.notna()
        when = pd.Series(periods[period], index=rows.index, dtype=object)
        if column == "value":  # a survey wave or published period names its own period
            when = own_period.where(own_period.notna() & ~windowed(rows), when)
        status = np.where(mark.eq(SUPPRESSED), "suppressed", np.where(mark.eq(NOT_AVAILABLE), "not_available",
                                                                       "available"))
        reason = np.where(status == "suppressed", "not published (small numbers)",
                          np.where(status == "not_available", reasons if reasons is not None else None, None))
        parts.append(pd.DataFrame({
            "indicator_id": rows["indicator_id"], "indicator_name": rows["indicator_name"],
            "area_code": rows["area_code"], "area_name": rows["area_name"], "period": when,
            "measure": measure, "value": mark.where(mark.notna(), values), "status": status,
            "status_reason": pd.Series(reason, index=rows.index, dtype=object)})[keep.to_numpy()])
    return pd.concat(parts, ignore_index=True).sort_values(["indicator_id", "area_code", "measure", "period"],
                                                           kind="stable").reset_index(drop=True)


def _write_long(ws, frame: pd.DataFrame) -> None:
    """The long-format sheet: an Excel table (filter buttons, banded rows) with a frozen header."""
    ws.append(LONG_HEADER)
    for record in frame.itertuples(index=False):
        ws.append([_cell_value(v) for v in record])
    last = len(frame) + 1
    table = Table(displayName="PublishedCells", ref=f"A1:{get_column_letter(len(LONG_HEADER))}{max(last, 2)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    for j, width in enumerate([30, 50, 12, 24, 22, 44, 12, 14, 36], start=1):
        ws.column_dimensions[get_column_letter(j)].width = width


def _position_legend(ws) -> None:
    """Rows 3-6 of the District comparison sheet: what the position fills mean."""
    ws.cell(row=3, column=1, value="Position against Lancashire-12 (fill of the rate and position cells; "
                                   "the words are in the 'Position' column):").font = Font(bold=True)
    legend = [("concern", "Worse than the county: above it where lower is better, below it where higher is better"),
              ("similar", "Similar to the county: no significant difference"),
              ("better", "Better than the county: below it where lower is better, above it where higher is better")]
    for r, (reading, text) in enumerate(legend, start=4):
        fill, font = POSITION_FILLS[reading]
        cell = ws.cell(row=r, column=1, value=reading)
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.font = Font(color=font, bold=True)
        ws.cell(row=r, column=2, value=text)
    ws.cell(row=7, column=1, value="RAG is the change over 12 months, shown only with the change columns.").font = Font(
        italic=True, color="5C6B7A")


PEER_SHEET = "Peer comparison"


def _write_peers(ws, peers: list[PeerTables], legend: str) -> None:
    """The peer comparison sheet: every controlled row of the report's peer groups (the force area
    with its most similar forces, each district's CSP with its most similar CSPs), one per
    indicator x group x member x period, numbers as numbers, "[c]" and "[x]" as everywhere."""
    frame = export_frame(*peers)
    periods = ", ".join(p.period_label for p in peers if p is not None and p.available) or "no period"
    _title(ws, f"Relative position: the force area and each district against their most similar areas ({periods})",
           legend)
    ws.cell(row=3, column=1, value="Rates per 1,000 residents from data.police.uk street-level files; rank 1 = the "
                                   "highest rate; the peer average is the mean of the members' rates. Traceable to "
                                   "marts.mart_peer_comparison by indicator, peer group, area and period."
            ).font = Font(italic=True, color="5C6B7A")
    start = 4
    for j, (_, header) in enumerate(EXPORT_COLUMNS, start=1):
        cell = ws.cell(row=start, column=j, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = {"count": "#,##0", "population": "#,##0", "rate_per_1000": "0.000", "group_average_rate": "0.000",
               "position_p_value": "0.0000", "funnel_lower_998": "0.000", "funnel_lower_95": "0.000",
               "funnel_upper_95": "0.000", "funnel_upper_998": "0.000"}
    columns = [c for c, _ in EXPORT_COLUMNS]
    for i, record in enumerate(frame[columns].itertuples(index=False), start=start + 1):
        for j, (column, value) in enumerate(zip(columns, record), start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            if column in formats and isinstance(cell.value, (int, float)):
                cell.number_format = formats[column]
            elif cell.value in (SUPPRESSED, NOT_AVAILABLE):
                cell.alignment = Alignment(horizontal="right")
    ws.freeze_panes = ws.cell(row=start + 1, column=3)
    ws.auto_filter.ref = f"A{start}:{get_column_letter(len(columns))}{max(start + len(frame), start)}"
    for j, (column, header) in enumerate(EXPORT_COLUMNS, start=1):
        width = max([len(header) * 0.7] + [len(str(v or "")) for v in frame[column].head(200)])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 42)
    ws.row_dimensions[start].height = 32


def write_workbook(tables: QuarterlyTables, target: Path, peers: list[PeerTables] | None = None) -> None:
    """The workbook; ``peers`` (the quarter's peer comparisons, controlled) adds the Peer
    comparison sheet after District comparison."""
    q = tables.quarter
    geo = tables.geography
    rows, hidden = with_changes(tables.scorecard, tables.hidden)
    wb = Workbook()
    used = {"summary", "district comparison", PEER_SHEET.lower(), "data (long)", "notes"}
    legend = (f"{q.long_label}. {SUPPRESSED} = not published to protect small numbers; "
              f"{NOT_AVAILABLE} = not available (see Notes).")

    ws = wb.active
    ws.title = "Summary"
    _title(ws, f"Community safety scorecard: {q.label}, {geo.name(geo.force_area)}", legend)
    force = rows[rows["area_code"] == geo.force_area].copy()
    order = {k: i for i, k in enumerate(tables.key_issues)}
    force = force.assign(order=force["key_issue"].map(order)).sort_values(["order", "indicator_name"])
    summary_cols = [("key_issue", "Key issue"), ("priority", "Priority")] + [
        c for c in SHEET_COLUMNS if c[0] not in ("area_type", "population_year", "p_value", "position_vs_county")]
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
    _position_legend(ws)
    districts = rows[rows["area_code"].isin(geo.districts["area_code"]) & windowed(rows)].copy()  # rates only
    county = rows[rows["area_code"] == geo.county].set_index("indicator_id")["rate_per_1000"]
    districts["county_rate_per_1000"] = districts["indicator_id"].map(county)
    districts["difference_from_county"] = districts["rate_per_1000"] - districts["county_rate_per_1000"]
    county_hidden = hidden.loc[rows["area_code"] == geo.county].set_axis(
        rows.loc[rows["area_code"] == geo.county, "indicator_id"])["rate_per_1000"]
    dh = hidden.loc[districts.index].copy()
    dh["county_rate_per_1000"] = districts["indicator_id"].map(county_hidden).astype("boolean").fillna(False).astype(bool)
    dh["difference_from_county"] = dh["rate_per_1000"] | dh["county_rate_per_1000"]
    districts = districts.sort_values(["indicator_name", "district_rank"])
    reading = position_reading(districts["position_vs_county"], districts["polarity"])
    comparison_cols = [("indicator_id", "Indicator id"), ("indicator_name", "Indicator"), ("area_code", "Area code"),
                       ("area_name", "Area"), ("financial_year", "Financial year"), ("fy_quarter", "Quarter"),
                       ("polarity", "Polarity"), ("rolling_12m", "Rolling 12 months"),
                       ("rate_per_1000", "Rate per 1,000"),
                       ("county_rate_per_1000", "Lancashire-12 rate per 1,000"),
                       ("difference_from_county", "Difference from Lancashire-12"),
                       ("position_vs_county", "Position against Lancashire-12"),
                       ("position_p_value", "p-value of the position"),
                       ("district_rank", "Rank of 14 (1 = highest rate)"),
                       ("change_12m_pct", "12-month change (%)"), ("change_12m_pp", "12-month change (pp)"),
                       ("rag", "RAG"),
                       ("value_status", "Value status"), ("value_status_reason", "Why not available")]
    _write_table(ws, districts, dh, comparison_cols, start_row=COMPARISON_HEADER_ROW, position_fill=reading)

    if peers is not None:
        _write_peers(wb.create_sheet(PEER_SHEET), peers, legend)

    ws = wb.create_sheet("Data (long)")
    _write_long(ws, long_cells(tables))

    ws = wb.create_sheet("Notes")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 120
    rules = tables.rules
    geo = tables.geography
    notes = [
        ("Period", q.long_label),
        ("Areas", f"Lancashire-14 ({geo.force_area}) = police force area (12 districts + Blackburn with Darwen + "
                  "Blackpool; police data: every crime the force recorded, including those without a location). "
                  f"Lancashire-12 ({geo.county}) = county council area (12 districts). Clusters = sums of members."),
        ("Quarter value", "The count in the three months of the quarter; 'Same quarter last year' the same three months a year earlier. "
                          "For a ratio (a percentage), the ratio of the period's sums (never a sum of monthly ratios). "
                          "For a survey estimate or a published figure (a 'Period of the value' is given): the value "
                          "of that survey wave or published period, with its 95% confidence interval, count or "
                          "respondents, and its change from the previous period."),
        ("Rolling 12 months", "The 12 months ending with the quarter, compared with the 12 months before."),
        ("Rate per 1,000", "Rolling 12-month count per 1,000 residents (ONS mid-year estimate; 'Population year' says which)."),
        ("Changes", "Percent change for counts and rates; for a percentage (e.g. a share or a survey estimate) the "
                    "change is in percentage points (pp): the difference of the two percentages."),
        ("Significance", "Test of the rolling 12 months against the previous 12, two-sided, at the configured "
                         "significance level (default 5%); see the notes on each test below."),
        ("RAG", "The 12-month change: red = significant deterioration, green = significant improvement, "
                "amber = no significant change. RAG describes change only, never position."),
        ("Position against Lancashire-12", "Above / similar / below: an exact test of the district's rate against "
                                           "the rest of the county (District comparison sheet, with its own "
                                           "legend). Above is a concern where lower is better, and better where "
                                           "higher is better; below the reverse."),
        ("District rank", "Rank of the rate among the 14 districts and unitaries, 1 = highest."),
        (SUPPRESSED, f"[c] = confidential, not published: counts 1 to {rules.threshold - 1} in the sensitive themes "
                     f"({', '.join(sorted(rules.sensitive_themes))}), and the other figures that would reveal them "
                     "(other areas, the same quarter last year); rates, changes and significance computed from a "
                     f"hidden count. {tables.suppressed_cells} counts are hidden in this workbook."),
        (NOT_AVAILABLE, "[x] = not available: the data was not received (a partner's return or file for the period has "
                        "not arrived), was received but quarantined (it broke the feed's rules), a ratio has no "
                        "denominator, or a repeat indicator has no full 12-month lookback. 'Value status' and "
                        "'Why not available' (and 'status_reason' in Data (long)) say which. A figure not available "
                        "is never counted as 0: totals and 12-month figures that include it are not available either."),
        (PEER_SHEET, "The force area against its most similar forces and each district's Community Safety "
                     "Partnership against its most similar CSPs (the rolling 12 months and the quarter): rate per "
                     "1,000 residents, the peer average (the mean of the members' rates), rank (1 = highest), the "
                     "exact test against the average and the funnel-plot position. A period is compared only when "
                     "every member has complete data; 'Why not shown or not compared' names the members that lack "
                     "it. A group with a member hidden (small numbers) shows no average, limits or positions."),
        ("Data (long)", "Every published cell, one row each (indicator, area, period, measure, value, status): an "
                        "Excel table to filter or pivot. Value is a number, [c] or [x]."),
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
