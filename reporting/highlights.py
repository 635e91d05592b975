"""Plain-English highlights written from the controlled scorecard, e.g. "Violence and sexual
offences fell 8% in the 12 months to June 2024 (12,345 crimes, against 13,420 in the 12 months
before), a statistically significant fall." Only published (unsuppressed) numbers are used."""

from __future__ import annotations

import math
import numbers

import numpy as np

import pandas as pd


def count_text(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "[c]"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def change_sentence(name: str, now: float, before: float, unit: str, period: str, significant: bool | None,
                    polarity: str, before_label: str = "the 12 months before") -> str | None:
    """One sentence about the change between two published counts; None if it cannot be said."""
    if not all(isinstance(v, numbers.Real) and not math.isnan(v) for v in (now, before)) or before == 0:
        return None  # hidden ([c]) or not available: nothing can be said
    if not isinstance(significant, (bool, np.bool_)):
        significant = None
    pct = 100 * (now - before) / before
    if round(pct) == 0:
        movement = "was unchanged"
    else:
        movement = f"{'rose' if now > before else 'fell'} {abs(pct):.0f}%"
    sentence = (f"{name} {movement} in {period} ({count_text(now, unit)}, against "
                f"{count_text(before, '')} in {before_label})")
    if significant is None or round(pct) == 0:
        return sentence + "."
    if significant:
        better = (now < before) == (polarity != "higher_is_better")
        kind = "fall" if now < before else "rise"
        return sentence + f", a statistically significant {kind} ({'an improvement' if better else 'a deterioration'})."
    return sentence + ", not a statistically significant change."


def highlights(rows: pd.DataFrame, period: str, limit: int = 8, before_label: str = "the 12 months before") -> list[str]:
    """Sentences for one area's rows (published rolling 12-month counts), significant changes first,
    then the largest movements."""
    frame = rows.dropna(subset=["rolling_12m", "rolling_12m_previous"])
    frame = frame[frame["rolling_12m_previous"] > 0]
    if frame.empty:
        return []
    frame = frame.assign(
        size=(frame["rolling_12m"] - frame["rolling_12m_previous"]).abs() / frame["rolling_12m_previous"],
        sig=frame["significant_change"].fillna(False).astype(bool),
    ).sort_values(["sig", "size"], ascending=[False, False])
    out = []
    for row in frame.head(limit).itertuples():
        value = row.significant_change
        sig = None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
            else bool(value)  # NA (hidden or not testable): say nothing about significance
        sentence = change_sentence(row.indicator_name, row.rolling_12m, row.rolling_12m_previous, row.unit,
                                   period, sig, row.polarity, before_label)
        if sentence:
            out.append(sentence)
    return out
