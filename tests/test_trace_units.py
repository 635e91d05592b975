"""Units of the trace: period parsing against the financial calendar, the git commit record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.build_record import git_commit
from warehouse.trace import TraceError, parse_period


def test_month() -> None:
    period = parse_period("2024-03")
    assert (period.kind, period.months) == ("month", (date(2024, 3, 1),))


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2024/25-Q1", date(2024, 4, 1), date(2024, 6, 1)),
    ("2024/25-Q2", date(2024, 7, 1), date(2024, 9, 1)),
    ("2024/25-Q3", date(2024, 10, 1), date(2024, 12, 1)),
    ("2024/25-Q4", date(2025, 1, 1), date(2025, 3, 1)),
    ("1999/00-Q4", date(2000, 1, 1), date(2000, 3, 1)),
])
def test_financial_quarter(text: str, first: date, last: date) -> None:
    period = parse_period(text)
    assert period.kind == "quarter" and len(period.months) == 3
    assert (period.months[0], period.months[-1]) == (first, last)
    assert period.financial_year == text[:7] and period.fy_quarter == int(text[-1])


def test_financial_year_is_april_to_march() -> None:
    period = parse_period("2024/25")
    assert period.kind == "financial_year" and len(period.months) == 12
    assert (period.months[0], period.months[-1]) == (date(2024, 4, 1), date(2025, 3, 1))


@pytest.mark.parametrize("text", ["2024-13", "2024/26", "2024/25-Q5", "Q2 2024", "2024"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(TraceError):
        parse_period(text)


def test_git_commit_outside_a_checkout_says_so(tmp_path: Path) -> None:
    record = git_commit(tmp_path)
    assert record["commit"] is None and "not a git checkout" in record["note"]
