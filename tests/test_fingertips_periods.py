"""Property tests of the Fingertips time-period parser (``ingestion.fingertips_periods``).

Periods are generated from years, ranges, quarters and months, written as Fingertips writes them,
parsed (vectorised, many at once), and checked: the dates are the period's own, start <= end, the
grain's length holds, and the canonical label round-trips. Arbitrary text never raises and either
parses consistently or gives nulls.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingestion.fingertips_periods import GRAINS, format_period, parse_period, parse_series

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")

years = st.integers(1900, 2090)
spans = st.integers(1, 9)  # years added to the first (a range of 2..10 years)
dashes = st.sampled_from([" - ", "-", " -", "- "])
spaces = st.sampled_from([" ", "  ", ""])


def fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def parse_all(labels: list[str]) -> list[dict]:
    """Parse many labels at once (the vectorised path the feed uses)."""
    return parse_series(pl.Series(labels, dtype=pl.Utf8)).to_dicts()


def last_day(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


@st.composite
def periods(draw) -> tuple[str, dt.date, dt.date, str]:
    """(label as Fingertips may write it, expected start, expected end, grain)."""
    kind = draw(st.sampled_from(GRAINS))
    y = draw(years)
    if kind == "year":
        return str(y), dt.date(y, 1, 1), dt.date(y, 12, 31), kind
    if kind == "financial_year":
        return fy(y), dt.date(y, 4, 1), dt.date(y + 1, 3, 31), kind
    if kind == "multi_year":
        last = y + draw(spans)
        end = draw(st.sampled_from([f"{last % 100:02d}", str(last)]))
        return f"{y}{draw(dashes)}{end}", dt.date(y, 1, 1), dt.date(last, 12, 31), kind
    if kind == "multi_financial_year":
        last = y + draw(spans)
        end = draw(st.sampled_from([f"{last % 100:02d}/{(last + 1) % 100:02d}", fy(last)]))
        return f"{fy(y)}{draw(dashes)}{end}", dt.date(y, 4, 1), dt.date(last + 1, 3, 31), kind
    q = draw(st.integers(1, 4))
    q_letter = draw(st.sampled_from(["Q", "q"]))
    if kind == "quarter":  # calendar: Q1 = January-March
        return f"{y}{draw(spaces)}{q_letter}{q}", dt.date(y, 3 * q - 2, 1), last_day(y, 3 * q), kind
    if kind == "financial_quarter":  # financial: Q1 = April-June ... Q4 = January-March of the next year
        start_month = 3 * q + 1
        sy, sm = (y + 1, 1) if start_month > 12 else (y, start_month)
        return f"{fy(y)}{draw(spaces)}{q_letter}{q}", dt.date(sy, sm, 1), last_day(sy, sm + 2), kind
    m = draw(st.integers(1, 12))
    name = draw(st.sampled_from([MONTH_ABBR[m - 1], MONTH_NAMES[m - 1], MONTH_ABBR[m - 1].upper()]))
    label = draw(st.sampled_from([f"{y} {name}", f"{name} {y}"]))
    return label, dt.date(y, m, 1), last_day(y, m), "month"


def months_between(start: dt.date, end: dt.date) -> int:
    after = end + dt.timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


GRAIN_MONTHS = {"year": 12, "financial_year": 12, "quarter": 3, "financial_quarter": 3, "month": 1}


@SETTINGS
@given(st.lists(periods(), min_size=1, max_size=20))
@example([("2022", dt.date(2022, 1, 1), dt.date(2022, 12, 31), "year"),
          ("2022/23", dt.date(2022, 4, 1), dt.date(2023, 3, 31), "financial_year"),
          ("2020 - 22", dt.date(2020, 1, 1), dt.date(2022, 12, 31), "multi_year"),
          ("2021/22 - 23/24", dt.date(2021, 4, 1), dt.date(2024, 3, 31), "multi_financial_year"),
          ("2023 Q1", dt.date(2023, 1, 1), dt.date(2023, 3, 31), "quarter"),
          ("2023/24 Q4", dt.date(2024, 1, 1), dt.date(2024, 3, 31), "financial_quarter"),
          ("1999/00", dt.date(1999, 4, 1), dt.date(2000, 3, 31), "financial_year"),
          ("1998 - 02", dt.date(1998, 1, 1), dt.date(2002, 12, 31), "multi_year")])
def test_generated_periods_parse_to_their_dates(cases):
    parsed = parse_all([c[0] for c in cases])
    for (label, start, end, grain), got in zip(cases, parsed):
        assert (got["period_start"], got["period_end"], got["period_grain"]) == (start, end, grain), label


@SETTINGS
@given(periods())
def test_canonical_label_round_trips(case):
    label, start, end, grain = case
    canonical = format_period(start, end, grain)
    assert parse_period(canonical) == (start, end, grain)
    assert format_period(*parse_period(label)) == canonical


@SETTINGS
@given(periods())
def test_start_before_end_and_grain_consistent(case):
    start, end, grain = parse_period(case[0])
    assert start <= end and start.day == 1
    assert (end + dt.timedelta(days=1)).day == 1  # ends on a month's last day
    n = months_between(start, end)
    if grain in GRAIN_MONTHS:
        assert n == GRAIN_MONTHS[grain]
    else:
        assert n % 12 == 0 and n >= 24
    if grain in ("year", "multi_year", "quarter"):
        assert start.month in (1, 4, 7, 10) and (grain == "quarter" or start.month == 1)
    if grain in ("financial_year", "multi_financial_year"):
        assert start.month == 4 and end.month == 3
    if grain == "financial_quarter":
        assert start.month in (4, 7, 10, 1)


@SETTINGS
@given(st.lists(st.one_of(st.text(max_size=25), st.from_regex(r"[0-9 /Qq-]{1,20}", fullmatch=True)), max_size=20))
@example(["2022/24", "2020 - 19", "2023 Q5", "2023/25 Q1", "13 2023", "", "2021/22 - 22/24", "2098 - 01"])
def test_any_text_parses_consistently_or_not_at_all(labels):
    for label, got in zip(labels, parse_all(labels)):
        if got["period_grain"] is None:
            assert got["period_start"] is None and got["period_end"] is None
        else:
            assert got["period_grain"] in GRAINS
            assert got["period_start"] <= got["period_end"], label
            assert parse_period(format_period(got["period_start"], got["period_end"], got["period_grain"])) == (
                got["period_start"], got["period_end"], got["period_grain"])


@SETTINGS
@given(years, st.integers(1, 98).filter(lambda d: d != 1))
def test_financial_years_must_be_consecutive(year, gap):
    assert parse_period(f"{year}/{(year + gap) % 100:02d}") is None
