"""The scorecard CSV: exactly the columns of marts.mart_scorecard_quarterly for one quarter, hidden
cells empty. Whole counts are written as integers (adjusted KSI is not whole), percentages and
rates rounded for reading; the mart keeps full precision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reporting.tables import COUNT_COLUMNS, QuarterlyTables

ROUNDED = {"pct_change": 2, "rate_per_1000": 3, "rate": 3}


def scorecard_frame(tables: QuarterlyTables) -> pd.DataFrame:
    out = tables.scorecard[tables.mart_columns].copy()
    for column in COUNT_COLUMNS:
        v = out[column].astype(float)
        whole = v.notna() & (v == np.trunc(v))
        text = v.round(2).map(lambda x: "" if pd.isna(x) else f"{x:g}" if abs(x) < 1e15 else str(x))
        text[whole] = v[whole].astype("int64").astype(str)
        out[column] = text
    for column, digits in ROUNDED.items():
        out[column] = out[column].astype(float).round(digits)
    for column in ("significant_change", "is_additive"):
        out[column] = out[column].map(lambda x: "" if pd.isna(x) else str(bool(x)).lower())
    out["quarter_end_month"] = pd.to_datetime(out["quarter_end_month"]).dt.strftime("%Y-%m-%d")
    out["district_rank"] = out["district_rank"].astype("Int64")
    return out.sort_values(["indicator_id", "area_code"])


def write_csv(tables: QuarterlyTables, target: Path) -> int:
    frame = scorecard_frame(tables)
    frame.to_csv(target, index=False, na_rep="")
    return len(frame)
