"""Lancashire's police force area against other forces whose police.uk street files are landed.

Counts per financial year for every catalogue indicator built on ``fct_crime`` (evaluating the
catalogue's own filter_sql / value_sql on every force's rows), for the forces named in
``[peers] forces`` (its most similar forces), where a force has all 12 months of the year. Populations of
other forces are not loaded, so the comparison is of change (this year against last), not of rates.
Small counts in sensitive themes are suppressed as everywhere else.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from reporting.disclosure import DisclosureRules
from reporting.periods import FinancialYear
from warehouse.settings import settings_of


def force_comparison(con: duckdb.DuckDBPyConnection, catalogue: pd.DataFrame, year: FinancialYear,
                     settings: dict[str, Any], rules: DisclosureRules) -> pd.DataFrame:
    """indicator_id, force, this_year, last_year, pct_change (NaN where hidden or incomplete)."""
    model = settings_of(settings)
    own = model.geography.police_uk_force
    forces = [own] + [f for f in model.peers.forces if f != own]
    crime = catalogue[catalogue["source_model"] == "fct_crime"]
    if "source_system" in crime.columns:  # other forces publish police.uk street files only
        crime = crime[crime["source_system"].fillna("police.uk") == "police.uk"]
    has_system = bool(con.execute(
        "select count(*) from information_schema.columns where table_schema = 'marts' and table_name = 'fct_crime' "
        "and column_name = 'source_system'").fetchone()[0])
    only_street = "and c.source_system = 'police.uk'" if has_system else ""
    if crime.empty:
        return pd.DataFrame(columns=["indicator_id", "force", "this_year", "last_year", "pct_change"])
    years = [year.label, year.previous().label]
    selects = ",\n".join(
        f"sum(case when ({r.filter_sql}) then ({r.value_sql}) else 0 end) as \"{r.indicator_id}\""
        for r in crime.itertuples())
    wide = con.execute(
        f"""select c.force, d.financial_year, count(distinct c.month) as months, {selects}
            from marts.fct_crime c join marts.dim_month d using (month)
            where c.force in (select unnest(?)) and d.financial_year in (select unnest(?)) {only_street}
            group by all""", [forces, years]).df()
    if wide.empty:
        return pd.DataFrame(columns=["indicator_id", "force", "this_year", "last_year", "pct_change"])
    wide = wide[wide["months"] == 12]
    long = wide.melt(id_vars=["force", "financial_year", "months"], var_name="indicator_id", value_name="value")
    table = long.pivot_table(index=["indicator_id", "force"], columns="financial_year", values="value").reset_index()
    table = table.rename(columns={year.label: "this_year", year.previous().label: "last_year"})
    for column in ("this_year", "last_year"):
        if column not in table.columns:
            table[column] = np.nan
    table = table.merge(catalogue[["indicator_id", "theme"]], on="indicator_id")
    sensitive = rules.is_sensitive(table["theme"])
    for column in ("this_year", "last_year"):
        table[column] = table[column].astype(float).mask(rules.primary(table[column].to_numpy(float), sensitive))
    table["pct_change"] = 100 * (table["this_year"] - table["last_year"]) / table["last_year"].replace(0, np.nan)
    order = {f: i for i, f in enumerate(forces)}
    table = table.assign(order=table["force"].map(order)).sort_values(["indicator_id", "order"])
    return table[["indicator_id", "force", "this_year", "last_year", "pct_change"]].reset_index(drop=True)
