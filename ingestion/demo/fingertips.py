"""Synthetic OHID Fingertips exports for the demo (``csw demo-data``): SYNTHETIC figures, not OHID's.

For every indicator of the seed ``fingertips_indicators`` (ids, names, headline sex and age come
from the seed, never from code), for Lancashire's 14 districts and unitaries, the county
(E10000017) and England (E92000001), over several periods, an export in Fingertips' own layout
(the 26 columns of "Export data"): values with 95% and 99.8% confidence limits, counts and
denominators, and small counts suppressed with a Value note as OHID does. A second, later export
revises the latest period of the first indicator for a few areas, so the demo shows a revision
replacing the earlier figure for its key only. Output is a pure function of the seed.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import numpy as np

from ingestion.demo.geography import AREAS
from ingestion.fingertips_periods import format_period
from ingestion.fingertips_periods import parse_period as _parse_period

SEED_CSV = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "fingertips_indicators.csv"
HEADER = ["Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
          "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
          "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
          "Compared to England value or percentiles", "Compared to Region value or percentiles",
          "Time period Sortable", "New data", "Compared to goal"]
ENGLAND = ("E92000001", "England", "England", 57_100_000)
COUNTY = ("E10000017", "Lancashire", "Counties & UAs (from Apr 2023)")
DISTRICT_TYPE = "Districts & UAs (from Apr 2023)"
SUPPRESSED = "Value suppressed for disclosure control due to small count"
# Period forms cycled over the seed's indicators (synthetic: real indicators have their own).
GRAIN_CYCLE = ("multi_financial_year", "year", "financial_year", "year", "multi_year", "financial_year", "year",
               "year")
N_PERIODS = 5
LAST_YEAR = 2023
Z95, Z998 = 1.959964, 3.090232


@functools.lru_cache(maxsize=None)
def parse_period(label: str):
    return _parse_period(label)


def _indicators() -> list[dict[str, str]]:
    with SEED_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _periods(grain: str) -> list[str]:
    labels = []
    for k in range(N_PERIODS):
        y = LAST_YEAR - (N_PERIODS - 1 - k)
        label = {"year": f"{y}", "financial_year": f"{y - 1}/{y % 100:02d}",
                 "multi_year": f"{y - 2} - {y % 100:02d}",
                 "multi_financial_year": f"{y - 3}/{(y - 2) % 100:02d} - {(y - 1) % 100:02d}/{y % 100:02d}"}[grain]
        start, end, parsed = parse_period(label)
        labels.append(format_period(start, end, parsed))
    return labels


def _scale(unit: str) -> float:
    if "percentage" in unit:
        return 100.0
    if "1,000" in unit:
        return 1_000.0
    if "per re-offender" in unit:
        return 1.0
    return 100_000.0


def _limits(count: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson interval of a count."""
    c = np.maximum(count, 1)
    lo = c * (1 - 1 / (9 * c) - z / (3 * np.sqrt(c))) ** 3
    hi = (c + 1) * (1 - 1 / (9 * (c + 1)) + z / (3 * np.sqrt(c + 1))) ** 3
    return np.where(count > 0, lo, 0.0), hi


def _areas(geo) -> list[tuple[str, str, str, int]]:
    districts = [(code, name, DISTRICT_TYPE, pop) for code, name, _kind, pop, *_ in AREAS]
    county_pop = sum(pop for code, _n, _k, pop, *_ in AREAS if code.startswith("E07"))
    return [*districts, (*COUNTY, county_pop), ENGLAND]


def _rows(rng: np.random.Generator, indicator: dict[str, str], position: int, geo) -> list[list[str]]:
    grain = GRAIN_CYCLE[position % len(GRAIN_CYCLE)]
    periods = _periods(grain)
    scale = _scale(indicator["unit"])
    # A national level and trend, and each area's own relative level.
    base = {100.0: 45.0, 1_000.0: 30.0, 1.0: 3.5}.get(scale, 150.0) * rng.uniform(0.6, 1.4)
    trend = rng.normal(0, 0.04)
    rows = []
    for area_code, area_name, area_type, pop in _areas(geo):
        relative = 1.0 if area_code == ENGLAND[0] else float(np.exp(rng.normal(0, 0.25)))
        share = 0.09 if scale in (100.0, 1.0) else (0.09 if indicator["headline_age"].startswith("10-17") else 0.8)
        for k, period in enumerate(periods):
            level = base * relative * float(np.exp(trend * k))
            denominator = max(int(pop * share * (0.02 if scale == 100.0 else 1)), 30)
            if scale == 1.0:  # re-offences per re-offender: the denominator is re-offenders
                denominator = max(int(pop * 0.002), 10)
            expected = level * denominator / scale if scale != 1.0 else level * denominator
            count = int(rng.poisson(max(expected, 0.5)))
            value = count / denominator * scale if scale != 1.0 else count / denominator
            lo95, hi95 = (x / denominator * (scale if scale != 1.0 else 1) for x in _limits(np.array(count), Z95))
            lo998, hi998 = (x / denominator * (scale if scale != 1.0 else 1) for x in _limits(np.array(count), Z998))
            if scale == 100.0:
                value, hi95, hi998 = min(value, 100.0), min(float(hi95), 100.0), min(float(hi998), 100.0)
            start, _end, _g = parse_period(period)
            # Small counts suppressed as OHID does (and Ribble Valley's first period, so every demo has some).
            suppressed = (count < 5 or (area_code == "E07000124" and k == 0)) and area_code != ENGLAND[0]
            figures = (["", "", "", "", "", "", str(denominator), SUPPRESSED] if suppressed else
                       [f"{value:.6g}", f"{float(lo95):.6g}", f"{float(hi95):.6g}", f"{float(lo998):.6g}",
                        f"{float(hi998):.6g}", str(count), str(denominator), ""])
            parent = ("E12000002", "North West region (statistical)") if area_code != ENGLAND[0] else ("", "")
            rows.append([
                indicator["fingertips_indicator_id"], indicator["indicator_name"], *parent, area_code, area_name,
                area_type, indicator["headline_sex"] or "Persons", indicator["headline_age"] or "All ages", "", "",
                period, *figures, "Cannot be calculated", "Not compared", "Not compared",
                f"{start.year}{0 if start.month == 1 else start.month:02d}00", "" if k < N_PERIODS - 1 else "New data",
                "Not compared",
            ])
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_fingertips_demo(landing: Path, geo=None, seed: int = 20240401) -> dict[str, list[Path]]:
    """Write the demo exports under ``landing/fingertips/``; return them as ``{"fingertips": [...]}``."""
    rng = np.random.default_rng([seed, 13])
    indicators = _indicators()
    rows = [r for i, ind in enumerate(indicators) for r in _rows(rng, ind, i, geo)]
    folder = Path(landing) / "fingertips"
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "fingertips-export-2024-09.csv"
    first.write_bytes(_csv(rows))
    # A later export revises the first indicator's latest period for three districts (and only those).
    first_id = indicators[0]["fingertips_indicator_id"]
    latest = max((r[11] for r in rows if r[0] == first_id), key=lambda p: parse_period(p)[1])
    revised = []
    for r in rows:
        if r[0] == first_id and r[11] == latest and r[4] in ("E07000117", "E07000123", "E06000009") and r[12]:
            r = list(r)
            factor = 1.04
            for i in (12, 13, 14, 15, 16):
                r[i] = f"{float(r[i]) * factor:.6g}"
            r[19] = "Revised"
            revised.append(r)
    second = folder / "fingertips-export-2024-12-revision.csv"
    second.write_bytes(_csv(revised))
    return {"fingertips": [first, second]}
