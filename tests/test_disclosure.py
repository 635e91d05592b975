"""Disclosure control: primary suppression of small counts in sensitive themes, and secondary
suppression until no suppressed cell can be worked back from any total or difference shown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting import disclosure
from reporting.disclosure import DisclosureRules, area_constraints, combine, protect, time_constraints

RULES = DisclosureRules(threshold=5, sensitive_themes=frozenset({"domestic abuse", "sexual offences", "exploitation"}))


def _cells(values: dict[tuple[str, str, str, str], float], theme: str = "domestic abuse") -> pd.DataFrame:
    rows = [dict(zip(disclosure.CELL_KEY, key), value=v, theme=theme) for key, v in values.items()]
    return pd.DataFrame(rows)


def test_rules_from_settings_and_primary() -> None:
    rules = DisclosureRules.from_settings({"disclosure": {"threshold": 10, "sensitive_themes": ["Domestic Abuse"]}})
    assert rules.threshold == 10 and rules.sensitive_themes == {"domestic abuse"}
    assert DisclosureRules.from_settings({}).threshold == 5
    values = np.array([0, 1, 4, 5, 4.5, 2, np.nan])
    sensitive = np.array([True, True, True, True, True, False, True])
    # 0 is shown, 1..4 hidden, 5 shown, non-integers below 5 hidden, insensitive themes shown
    assert RULES.primary(values, sensitive).tolist() == [False, True, True, False, True, False, False]
    themes = pd.Series(["Domestic abuse", "violence", None, "exploitation "])
    assert RULES.is_sensitive(themes).tolist() == [True, False, False, True]


def test_one_small_district_hides_a_second_district_not_the_total() -> None:
    districts = {f"D{i}": v for i, v in enumerate([3, 40, 12, 9, 55])}
    values = {("da", code, "quarter", "Q"): v for code, v in districts.items()}
    values[("da", "COUNTY", "quarter", "Q")] = sum(districts.values())
    cells = _cells(values)
    constraints = area_constraints(cells, {"COUNTY": list(districts)}, ["da"])
    out = disclosure.control(cells, RULES, constraints)
    hidden = set(out.loc[out["suppressed"], "area_code"])
    assert hidden == {"D0", "D3"}  # the small one and the smallest other member
    assert out.loc[out["area_code"] == "D0", "primary"].item()
    assert disclosure.exposed_constraints(out["suppressed"].to_numpy(), constraints).size == 0


def test_insensitive_themes_and_non_additive_indicators() -> None:
    values = {("x", "D1", "quarter", "Q"): 2.0, ("x", "D2", "quarter", "Q"): 30.0, ("x", "T", "quarter", "Q"): 32.0}
    out = disclosure.control(_cells(values, theme="road safety"), RULES,
                             area_constraints(_cells(values), {"T": ["D1", "D2"]}, ["x"]))
    assert not out["suppressed"].any()
    # a rate-like indicator is not a sum of its districts: no constraint, only the primary cell
    cells = _cells(values)
    assert area_constraints(cells, {"T": ["D1", "D2"]}, []).empty
    assert disclosure.control(cells, RULES, area_constraints(cells, {"T": ["D1", "D2"]}, []))["suppressed"].sum() == 1


def test_months_quarter_and_twelve_months_chain() -> None:
    """A small month hides another month of its quarter; the quarter then stays safe."""
    months = {f"2024-{m:02d}-01": v for m, v in zip(range(1, 13), [20, 2, 30, 25, 26, 27, 28, 29, 31, 32, 33, 34])}
    values = {("da", "F", "month", m): v for m, v in months.items()}
    values[("da", "F", "quarter", "Q4")] = 52
    values[("da", "F", "12 months", "2024-12-01")] = sum(months.values())
    cells = _cells(values)
    comp = pd.DataFrame([("quarter", "Q4", m) for m in list(months)[:3]] +
                        [("12 months", "2024-12-01", m) for m in months], columns=["measure", "period", "month"])
    constraints = time_constraints(cells, comp)
    out = disclosure.control(cells, RULES, constraints)
    hidden = set(out.loc[out["suppressed"], "period"])
    assert hidden == {"2024-02-01", "2024-01-01"}
    assert disclosure.exposed_constraints(out["suppressed"].to_numpy(), constraints).size == 0


def test_constraints_need_every_member_published() -> None:
    values = {("da", "D1", "quarter", "Q"): 2.0, ("da", "T", "quarter", "Q"): 32.0}  # D2 is not shown
    cells = _cells(values)
    assert area_constraints(cells, {"T": ["D1", "D2"]}, ["da"]).empty


@st.composite
def _tables(draw):
    """A districts x months table with district totals, month totals and a grand total, as the
    reports show them: small counts are common so suppression chains through both directions."""
    n_rows = draw(st.integers(2, 6))
    n_cols = draw(st.integers(2, 5))
    grid = draw(st.lists(st.lists(st.integers(0, 12), min_size=n_cols, max_size=n_cols),
                         min_size=n_rows, max_size=n_rows))
    return np.array(grid)


@settings(max_examples=150, deadline=None)
@given(_tables(), st.integers(2, 8))
def test_no_suppressed_cell_is_recoverable_from_any_single_constraint(grid: np.ndarray, threshold: int) -> None:
    n_rows, n_cols = grid.shape
    values, cell_of = [], {}

    def cell(key, v):
        cell_of[key] = len(values)
        values.append(float(v))

    for r in range(n_rows):
        for c in range(n_cols):
            cell((r, c), grid[r, c])
        cell((r, "total"), grid[r].sum())
    for c in range(n_cols):
        cell(("total", c), grid[:, c].sum())
    cell(("total", "total"), grid.sum())
    rows = []
    k = 0
    for r in range(n_rows):  # each row: its total = the sum of its columns
        rows += [(k, cell_of[(r, c)], False) for c in range(n_cols)] + [(k, cell_of[(r, "total")], True)]
        k += 1
    for c in [*range(n_cols), "total"]:  # each column: its total = the sum of its rows
        rows += [(k, cell_of[(r, c)], False) for r in range(n_rows)] + [(k, cell_of[("total", c)], True)]
        k += 1
    constraints = pd.DataFrame(rows, columns=["constraint", "cell", "is_total"])
    v = np.array(values)
    primary = (v > 0) & (v < threshold)
    suppressed = protect(v, primary, constraints)
    assert (suppressed | ~primary).all()  # every primary cell is hidden
    hidden = pd.Series(suppressed[constraints["cell"]]).groupby(constraints["constraint"]).sum()
    assert not (hidden == 1).any()  # no equation has exactly one unknown
    if not primary.any():
        assert not suppressed.any()


def test_combine_keeps_constraints_apart() -> None:
    a = pd.DataFrame({"constraint": [0, 0], "cell": [0, 1], "is_total": [True, False]})
    b = pd.DataFrame({"constraint": [0, 0], "cell": [2, 3], "is_total": [True, False]})
    joined = combine(a, b, pd.DataFrame({"constraint": [], "cell": [], "is_total": []}))
    assert joined["constraint"].nunique() == 2
    assert combine().empty


@pytest.mark.parametrize("small", [1, 4])
def test_protect_is_vectorised_over_many_constraints(small: int) -> None:
    """Thousands of independent total/member groups in one call, each protected."""
    groups = 2000
    members = np.tile(np.array([small, 10, 20], float), groups)
    totals = np.full(groups, small + 30.0)
    v = np.concatenate([members, totals])
    rows = pd.DataFrame({
        "constraint": np.concatenate([np.repeat(np.arange(groups), 3), np.arange(groups)]),
        "cell": np.arange(len(v)),
        "is_total": np.concatenate([np.zeros(3 * groups, bool), np.ones(groups, bool)]),
    })
    suppressed = protect(v, (v > 0) & (v < 5), rows)
    assert suppressed[: 3 * groups].reshape(groups, 3).sum(axis=1).tolist() == [2] * groups
    assert not suppressed[3 * groups:].any()
