"""The financial calendar the partnership reports in, written once for every part that needs it.

Financial years run April to March ("2024/25" = April 2024 to March 2025); Q1 = Apr-Jun,
Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar. Used by the Board's outputs (reporting.periods) and by
``csw trace`` (warehouse.trace) so that both read a period the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_FY = re.compile(r"(\d{4})/(\d{2})")


def _start_year(financial_year: str) -> int:
    match = _FY.fullmatch(financial_year or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"not a financial year: {financial_year!r} (write it as 2024/25)")
    return int(match.group(1))


def add_months(month: dt.date, n: int) -> dt.date:
    """The first of the month ``n`` months after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(month: dt.date, short: bool = False) -> str:
    return month.strftime("%b %Y" if short else "%B %Y")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A financial year, April to March, named by its start year's "2024/25"."""

    label: str

    def __post_init__(self) -> None:
        _start_year(self.label)

    @classmethod
    def starting(cls, year: int) -> "FinancialYear":
        return cls(f"{year}/{(year + 1) % 100:02d}")

    @property
    def start_year(self) -> int:
        return _start_year(self.label)

    @property
    def slug(self) -> str:
        return self.label.replace("/", "-")

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def last_month(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 1)

    def previous(self, years: int = 1) -> "FinancialYear":
        return FinancialYear.starting(self.start_year - years)

    @property
    def long_label(self) -> str:
        return f"{self.label} (April {self.start_year} to March {self.start_year + 1})"


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: Q1 = Apr-Jun, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar."""

    year: FinancialYear
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError(f"not a quarter: {self.number!r} (1 to 4)")

    @classmethod
    def of(cls, financial_year: str, number: int) -> "Quarter":
        return cls(FinancialYear(financial_year), int(number))

    @property
    def first_month(self) -> dt.date:
        return add_months(self.year.first_month, 3 * (self.number - 1))

    @property
    def end_month(self) -> dt.date:
        return add_months(self.first_month, 2)

    def months_back(self, n: int) -> list[dt.date]:
        """The ``n`` months ending with the quarter's last month, oldest first."""
        return [add_months(self.end_month, -i) for i in range(n - 1, -1, -1)]

    @property
    def slug(self) -> str:
        return f"{self.year.slug}_Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year.label} Q{self.number}"

    @property
    def long_label(self) -> str:
        return (f"Quarter {self.number} of {self.year.label} "
                f"({self.first_month.strftime('%B')} to {month_label(self.end_month)})")
