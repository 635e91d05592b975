"""Trace a published figure back to the source rows that make it.

``trace(con, indicator_id, area_code, period)`` answers an auditor's four questions about one
published number, reading the warehouse read-only:

1. the value and how it was computed: where it was published (table and column), the indicator's
   catalogue definition, and the dbt models it passed through from the raw tables to the mart, with
   the compiled SQL of each, as recorded in ``meta.dbt_nodes`` by the build that wrote this file;
2. the source files that contributed (feed, file name, SHA-256, received time, load run, rows);
3. the contributing source rows: every ``staging.int_indicator_events`` row of the indicator, period
   and area -- one per source row, with its file (sha256) and line number -- joined back to the raw
   table it was loaded into, so an auditor can re-count them;
4. the build that produced the file (Dagster run id, git commit), from ``meta.build_runs``.

The area rule is the mart's (mart_indicator_monthly.sql): the police force area counts every row
its force reported (``in_force_area``); every other area counts the rows attributed to its member
districts (``staging.int_area_district_members``: a district itself, Lancashire-12 its twelve
districts, a cluster its configured members).

The trace also re-counts the value from those rows and says whether it matches the published value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from warehouse.calendar import FinancialYear, Quarter, add_months

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})/(\d{2})-Q([1-4])$")
FY_RE = re.compile(r"^(\d{4})/(\d{2})$")

MONTHLY_MART = "marts.mart_indicator_monthly"
QUARTERLY_MART = "marts.mart_scorecard_quarterly"
EVENTS = "staging.int_indicator_events"


class TraceError(ValueError):
    """The question cannot be answered (unknown indicator, area or period, or no warehouse)."""


@dataclass(frozen=True)
class Period:
    """A month, a financial quarter or a financial year, as the months it spans."""

    kind: str  # month | quarter | financial_year
    label: str
    months: tuple[date, ...]
    financial_year: str | None = None
    fy_quarter: int | None = None


def parse_period(text: str) -> Period:
    """``2024-03`` (month), ``2024/25-Q2`` (financial quarter, Q1 = Apr-Jun) or ``2024/25`` (FY)."""
    text = text.strip()
    if m := MONTH_RE.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise TraceError(f"period {text!r}: month {month} is not 01-12")
        return Period("month", text, (date(year, month, 1),))
    fy = QUARTER_RE.match(text) or FY_RE.match(text)
    if fy is None:
        raise TraceError(f"period {text!r}: expected a month 2024-03, a quarter 2024/25-Q2 or a year 2024/25")
    try:
        year = FinancialYear(f"{fy[1]}/{fy[2]}")
    except ValueError:
        raise TraceError(f"period {text!r}: {fy[1]}/{fy[2]} is not a financial year (e.g. 2024/25)") from None
    if fy.re is QUARTER_RE:
        quarter = Quarter(year, int(fy[3]))
        return Period("quarter", text, tuple(quarter.months_back(3)), year.label, quarter.number)
    return Period("financial_year", text, tuple(add_months(year.first_month, i) for i in range(12)), year.label)


@dataclass
class Trace:
    """Everything ``csw trace`` prints; ``as_dict`` is the ``--format json`` document."""

    indicator: dict[str, Any]
    area: dict[str, Any]
    period: Period
    value: float | None
    value_source: str
    monthly: list[dict[str, Any]]
    recount_value: float | None
    recount_rows: int
    models: list[dict[str, Any]]
    files: list[dict[str, Any]]
    build: dict[str, Any] | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    rows_limit: int | None = None
    # Ratio indicators (catalogue numerator_id / denominator_id): each component's re-count.
    components: list[dict[str, Any]] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        """The re-count of the contributing rows gives the published value."""
        if self.value is None or self.recount_value is None:
            return False
        # The marts store ratios rounded to 6 decimals; counts match exactly.
        tolerance = 1e-6 if self.components else 1e-9 * max(1.0, abs(self.value))
        return abs(self.value - self.recount_value) <= tolerance

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator_id": self.indicator["indicator_id"],
            "area_code": self.area["area_code"],
            "period": {"kind": self.period.kind, "label": self.period.label,
                       "months": [m.isoformat()[:7] for m in self.period.months]},
            "value": self.value,
            "value_source": self.value_source,
            "recount": {"value": self.recount_value, "rows": self.recount_rows, "matches": self.matches,
                        "components": self.components},
            "definition": self.indicator,
            "area": self.area,
            "monthly": self.monthly,
            "models": self.models,
            "files": self.files,
            "build": self.build,
            "rows": self.rows,
            "rows_limit": self.rows_limit,
        }


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, table]).fetchone()[0])


def _indicator(con: duckdb.DuckDBPyConnection, indicator_id: str) -> dict[str, Any]:
    rows = _records(con, "select * from reference.indicator_catalogue where indicator_id = ?", [indicator_id])
    if not rows:
        known = [r[0] for r in con.execute("select indicator_id from reference.indicator_catalogue order by 1").fetchall()]
        raise TraceError(f"unknown indicator {indicator_id!r}; known: {', '.join(known)}")
    return rows[0]


def _area(con: duckdb.DuckDBPyConnection, area_code: str, force_area_code: str) -> dict[str, Any]:
    rows = _records(con, "select area_code, area_name, area_type from marts.dim_area where area_code = ?", [area_code])
    if not rows:
        known = [r[0] for r in con.execute("select area_code from marts.dim_area order by 1").fetchall()]
        raise TraceError(f"unknown area {area_code!r}; reporting areas: {', '.join(known)}")
    area = rows[0]
    members = [r[0] for r in con.execute(
        "select lad_code from staging.int_area_district_members where area_code = ? order by lad_code", [area_code]
    ).fetchall()]
    if area_code == force_area_code:
        area["rule"] = ("police force area: every row the force reported (in_force_area), including rows "
                        "with no location or outside the county")
    else:
        area["rule"] = f"rows attributed to its member district(s): {', '.join(members)}"
    area["member_districts"] = members
    return area


def _area_filter(area_code: str, force_area_code: str) -> tuple[str, list[Any]]:
    """The mart's rule as SQL over int_indicator_events (alias ``events``)."""
    if area_code == force_area_code:
        return "events.in_force_area", []
    return ("events.lad_code in (select members.lad_code from staging.int_area_district_members as members "
            "where members.area_code = ?)", [area_code])


def _published(con: duckdb.DuckDBPyConnection, indicator_id: str, area_code: str, period: Period
               ) -> tuple[float | None, str, list[dict[str, Any]]]:
    monthly = _records(
        con,
        f"""select strftime(month, '%Y-%m') as month, value, source_rows from {MONTHLY_MART}
            where indicator_id = ? and area_code = ? and month in (select unnest(?::date[])) order by month""",
        [indicator_id, area_code, list(period.months)],
    )
    if period.kind == "month":
        value = monthly[0]["value"] if monthly else None
        return value, f"{MONTHLY_MART}.value (month {period.label})", monthly
    if period.kind == "quarter":
        row = con.execute(
            f"""select value from {QUARTERLY_MART}
                where indicator_id = ? and area_code = ? and financial_year = ? and fy_quarter = ?""",
            [indicator_id, area_code, period.financial_year, period.fy_quarter],
        ).fetchone()
        source = f"{QUARTERLY_MART}.value (financial_year {period.financial_year}, fy_quarter {period.fy_quarter})"
        if row is None:
            source += ": no row (the quarter is not complete in the warehouse)"
        return (row[0] if row else None), source, monthly
    value = sum(m["value"] for m in monthly if m["value"] is not None) if monthly else None
    source = f"sum of {MONTHLY_MART}.value over the {len(monthly)} month(s) of {period.financial_year}"
    if monthly and len(monthly) < 12:
        source += f" (partial year: {len(monthly)} of 12 months loaded)"
    return value, source, monthly


def model_chain(con: duckdb.DuckDBPyConnection, source_model: str, mart: str) -> list[dict[str, Any]]:
    """The dbt nodes the figure passed through, sources first, from this build's meta.dbt_nodes.

    Those are the ancestors of the indicator's source model (e.g. fct_crime: raw tables, lookups,
    staging), the source model itself, and the models between it and the publishing mart.
    """
    if not _table_exists(con, "meta.dbt_nodes"):
        return []
    nodes = {n["unique_id"]: n for n in _records(
        con, "select * from meta.dbt_nodes where resource_type in ('model', 'seed', 'snapshot', 'source')")}
    by_name = {n["name"]: uid for uid, n in nodes.items() if n["resource_type"] != "source"}
    parents = {uid: [p for p in json.loads(n["parents"]) if p in nodes] for uid, n in nodes.items()}

    def ancestors(uid: str) -> set[str]:
        seen: set[str] = set()
        todo = [uid]
        while todo:
            for parent in parents.get(todo.pop(), []):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    start, end = by_name.get(source_model), by_name.get(mart.split(".")[-1])
    if start is None or end is None:
        return []
    between = {uid for uid in ancestors(end) | {end} if uid == start or start in ancestors(uid)}
    chain = ancestors(start) | between
    depth: dict[str, int] = {}

    def level(uid: str) -> int:
        if uid not in depth:
            depth[uid] = 1 + max((level(p) for p in parents[uid] if p in chain), default=-1)
        return depth[uid]

    ordered = sorted(chain, key=lambda uid: (level(uid), uid))
    return [{
        "unique_id": uid,
        "resource_type": nodes[uid]["resource_type"],
        "relation": f"{nodes[uid]['schema_name']}.{nodes[uid]['table_name']}",
        "materialized": nodes[uid]["materialized"],
        "file": nodes[uid]["original_file_path"],
        "parents": [nodes[p]["name"] for p in parents[uid] if p in chain],
        "status": nodes[uid]["status"],
        "compiled_sql": nodes[uid]["compiled_sql"],
    } for uid in ordered]


def _events_cte(area_code: str, force_area_code: str) -> tuple[str, list[Any]]:
    where, params = _area_filter(area_code, force_area_code)
    sql = f"""events as (
        select events.* from {EVENTS} as events
        where events.indicator_id in (select unnest(?::varchar[]))
            and events.month in (select unnest(?::date[])) and {where}
    )"""
    return sql, params


def _files(con: duckdb.DuckDBPyConnection, events_cte: str, params: list[Any]) -> list[dict[str, Any]]:
    return _records(con, f"""
        with {events_cte},
        per_file as (
            select source_file, count(*) as rows, sum(value) as value from events group by source_file
        ),
        files as (
            select * from meta.source_files
            qualify row_number() over (partition by sha256 order by status = 'loaded' desc, received_at desc) = 1
        )
        select files.feed, files.file_name, per_file.source_file as sha256, per_file.rows, per_file.value,
               files.received_at, files.run_id as load_run_id, files.status, files.partition_key,
               files.rows_loaded as file_rows_loaded
        from per_file left join files on per_file.source_file = files.sha256
        order by files.feed, files.file_name
    """, params)


def _rows(con: duckdb.DuckDBPyConnection, events_cte: str, params: list[Any], files: list[dict[str, Any]],
          raw_table_of: Callable[[str], str | None], limit: int | None) -> list[dict[str, Any]]:
    """The contributing rows, with every field of the raw row they were loaded as (by file, line)."""
    out: list[dict[str, Any]] = []
    for feed in sorted({f["feed"] for f in files if f["feed"]}):
        table = raw_table_of(feed)
        if table is None or not _table_exists(con, table):
            continue
        remaining = None if limit is None else limit - len(out)
        if remaining is not None and remaining <= 0:
            break
        cap = "" if remaining is None else f"limit {int(remaining)}"
        rows = _records(con, f"""
            with {events_cte},
            files as (select distinct sha256, file_name from meta.source_files where feed = ?)
            select files.file_name, events.source_file as sha256, events.source_row as line,
                   events.indicator_id, events.month,
                   events.lad_code, events.in_force_area, events.value, raw.* exclude (source_file, source_row)
            from events
            inner join {table} as raw
                on raw.source_file = events.source_file and raw.source_row = events.source_row
            inner join files on files.sha256 = events.source_file
            order by files.file_name, events.source_row
            {cap}
        """, [*params, feed])
        for row in rows:
            row["feed"] = feed
            row["month"] = row["month"].isoformat()[:7] if row["month"] else None
        out.extend(rows)
    return out


def _build(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    if not _table_exists(con, "meta.build_runs"):
        return None
    rows = _records(con, "select * from meta.build_runs order by built_at desc limit 1")
    return rows[0] if rows else None


def _ratio_parts(indicator: dict[str, Any]) -> tuple[str, str, float] | None:
    """(numerator id, denominator id, scale) of a ratio indicator, else None.

    A ratio (e.g. the domestic abuse share of violent crime) has no rows of its own: it is
    scale x numerator / denominator of two component indicators over the same months and area, so
    its trace re-counts both components' rows.
    """
    numerator, denominator = indicator.get("numerator_id"), indicator.get("denominator_id")
    if not numerator or not denominator:
        return None
    scale = indicator.get("ratio_scale")
    return str(numerator), str(denominator), float(scale) if scale is not None else 1.0


def _ratio(numerator: float, denominator: float, scale: float) -> float | None:
    return None if not denominator else scale * numerator / denominator


def _published_ratio_year(con: duckdb.DuckDBPyConnection, parts: tuple[str, str, float], area_code: str,
                          period: Period) -> tuple[float | None, str]:
    """A ratio over a financial year: the ratio of the components' yearly sums (never a sum of ratios)."""
    numerator, denominator, scale = parts
    sums = dict(con.execute(
        f"""select indicator_id, sum(value) from {MONTHLY_MART}
            where indicator_id in (?, ?) and area_code = ? and month in (select unnest(?::date[]))
            group by indicator_id""",
        [numerator, denominator, area_code, list(period.months)],
    ).fetchall())
    if numerator not in sums or denominator not in sums:
        return None, f"{MONTHLY_MART}: no months of {numerator} / {denominator} in {period.financial_year}"
    value = _ratio(float(sums[numerator]), float(sums[denominator]), scale)
    return value, (f"{scale:g} x sum of {MONTHLY_MART}.value of {numerator} / the same of {denominator} "
                   f"over the months of {period.financial_year}")


def trace(con: duckdb.DuckDBPyConnection, indicator_id: str, area_code: str, period_text: str, *,
          force_area_code: str, raw_table_of: Callable[[str], str | None],
          with_rows: bool = False, limit: int | None = None) -> Trace:
    """Trace one published figure (see the module docstring)."""
    period = parse_period(period_text)
    for table in (MONTHLY_MART, EVENTS, "meta.source_files"):
        if not _table_exists(con, table):
            raise TraceError(f"the warehouse has no {table}: run `csw run` first")
    indicator = _indicator(con, indicator_id)
    area = _area(con, area_code, force_area_code)
    value, value_source, monthly = _published(con, indicator_id, area_code, period)
    parts = _ratio_parts(indicator)
    if parts is not None and period.kind == "financial_year":
        value, value_source = _published_ratio_year(con, parts, area_code, period)
    counted = [parts[0], parts[1]] if parts is not None else [indicator_id]
    events_cte, area_params = _events_cte(area_code, force_area_code)
    params = [counted, list(period.months), *area_params]
    per_indicator = {ind: (float(v), int(n)) for ind, v, n in con.execute(
        f"with {events_cte} select indicator_id, coalesce(sum(value), 0), count(*) from events group by 1",
        params).fetchall()}
    recount_rows = sum(n for _, n in per_indicator.values())
    components: list[dict[str, Any]] = []
    if parts is None:
        recount_value: float | None = per_indicator.get(indicator_id, (0.0, 0))[0]
    else:
        numerator, denominator, scale = parts
        components = [{"role": role, "indicator_id": ind, "value": per_indicator.get(ind, (0.0, 0))[0],
                       "rows": per_indicator.get(ind, (0.0, 0))[1]}
                      for role, ind in (("numerator", numerator), ("denominator", denominator))]
        recount_value = _ratio(components[0]["value"], components[1]["value"], scale)
    files = _files(con, events_cte, params)
    mart = QUARTERLY_MART if period.kind == "quarter" else MONTHLY_MART
    result = Trace(
        indicator=indicator, area=area, period=period, value=value, value_source=value_source,
        monthly=monthly, recount_value=recount_value, recount_rows=int(recount_rows),
        models=model_chain(con, indicator["source_model"], mart), files=files, build=_build(con),
        rows_limit=limit, components=components,
    )
    if with_rows:
        result.rows = _rows(con, events_cte, params, files, raw_table_of, limit)
    return result
