"""The scorecard CSV: the columns of marts.mart_scorecard_quarterly for one quarter (plus the
position against the county where the mart predates it, and the changes in percentage points of
percentage indicators: change_pp, change_12m_pp; their pct_change is left empty, as a percent change
of a percentage misleads), one row per indicator and area.

A hidden cell is written "[c]" and a cell not available "[x]" (the ONS conventions; value_status
and value_status_reason say why it is not available), never a blank that could be read as 0 or as
"no data". Whole counts are written as integers (adjusted KSI is not whole), percentages and rates
rounded for reading; the mart keeps full precision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reporting.tables import COUNT_COLUMNS, OPTIONAL_COLUMNS, QuarterlyTables, markers, with_changes

ROUNDED = {"pct_change": 2, "rate_per_1000": 3, "rate": 3, "change_pp": 2, "change_12m_pp": 2, "position_p_value": 4}
# columns written after the mart's: percentage-point changes of percentage indicators
ADDED = ["change_pp", "change_12m_pp"]


def _text(values: pd.Series) -> pd.Series:
    """Numbers as text: whole numbers as integers, others to 2 decimals; missing as ""."""
    v = values.astype(float)
    whole = v.notna() & (v == np.trunc(v))
    text = v.round(2).map(lambda x: "" if pd.isna(x) else f"{x:g}" if abs(x) < 1e15 else str(x))
    text[whole] = v[whole].astype("int64").astype(str)
    return text


def scorecard_frame(tables: QuarterlyTables) -> pd.DataFrame:
    rows, hidden = with_changes(tables.scorecard, tables.hidden)
    columns = tables.mart_columns + [c for c in OPTIONAL_COLUMNS if c not in tables.mart_columns] + ADDED
    out = rows[columns].copy()
    for column in COUNT_COLUMNS:
        out[column] = _text(out[column])
    for column, digits in ROUNDED.items():
        if column in out.columns:
            out[column] = out[column].astype(float).round(digits)
    for column in ("significant_change", "is_additive"):
        out[column] = out[column].map(lambda x: "" if pd.isna(x) else str(bool(x)).lower())
    out["quarter_end_month"] = pd.to_datetime(out["quarter_end_month"]).dt.strftime("%Y-%m-%d")
    out["district_rank"] = out["district_rank"].astype("Int64")
    marks = markers(rows, hidden)
    for column in marks.columns.intersection(out.columns):
        marked = marks[column].notna()
        if marked.any():
            out[column] = out[column].astype(object).where(~marked, marks[column])
    return out.sort_values(["indicator_id", "area_code"])


def write_csv(tables: QuarterlyTables, target: Path) -> int:
    frame = scorecard_frame(tables)
    frame.to_csv(target, index=False, na_rep="")
    return len(frame)
