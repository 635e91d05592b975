"""Trace a published figure back to the source rows that make it.

``trace(con, indicator_id, area_code, period)`` answers an auditor's four questions about one
published number, reading the warehouse read-only:

1. the value and how it was computed: where it was published (table and column), the indicator's
   catalogue definition, and the dbt models it passed through from the raw tables to the mart, with
   the compiled SQL of each, as recorded in ``meta.dbt_nodes`` by the build that wrote this file;
2. the source files that contributed (feed, file name, SHA-256, received time, load run, rows);
3. the contributing source rows: every ``marts.fct_indicator_area_event`` row of the indicator,
   period and area -- one per source row, with its file (sha256) and line number -- joined back to
   the raw table it was loaded into, so an auditor can re-count them;
4. the build that produced the file (Dagster run id, git commit), from ``meta.build_runs``.

Which rows count for an area is not written here: ``marts.fct_indicator_area_event`` (the dbt view
mart_indicator_monthly sums) lists each event once per reporting area it counts in, and the trace
reads an area's rows from it (the police force area: every row its force reported; any other area:
the rows attributed to its member districts, ``staging.int_area_district_members``).

The trace also re-counts the value from those rows and says whether it matches the published value.

Figures that are not counts of events are traced by their indicator's ``source_model`` (``TRACERS``):

* ``mart_survey_indicators`` (residents' survey): the cell of the mart for a wave (or the wave the
  scorecard shows for a financial quarter), re-estimated from the respondents of
  ``marts.fct_survey_response`` in the area's member districts (weighted percentage, respondents,
  Kish effective size), their files and, with rows, each respondent's file, line, district, weight
  and answer; never a reference or pseudonym, and no answer or percentage of a suppressed cell;
* ``mart_health_indicators`` (OHID Fingertips): the figure of the indicator's headline sex and age
  for a time period as published (or ``latest``, or the period the scorecard shows for a quarter),
  to the published row of the export it was loaded from: file, line and every value as loaded, the
  warehouse's figure compared with it, and the other exports of the same figure (revisions).
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
# each event once per reporting area it counts in: the area rule, written once (dbt)
AREA_EVENTS = "marts.fct_indicator_area_event"
INDICATORS = "marts.dim_indicator"
CATALOGUE = "reference.indicator_catalogue"


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
    # count (events re-counted), survey_estimate (re-estimated from the respondents) or
    # published_figure (OHID Fingertips: the published row of the export); ``detail`` holds what
    # the latter two show (the published cell, the re-estimate, the published row ...).
    kind: str = "count"
    detail: dict[str, Any] = field(default_factory=dict)
    # Set by the survey and Fingertips traces, which decide what matching means for them.
    match: bool | None = None

    @property
    def matches(self) -> bool:
        """The re-count of the contributing rows gives the published value."""
        if self.match is not None:
            return self.match
        if self.value is None or self.recount_value is None:
            return False
        # The marts store ratios rounded to 6 decimals; counts match exactly.
        tolerance = 1e-6 if self.components else 1e-9 * max(1.0, abs(self.value))
        return abs(self.value - self.recount_value) <= tolerance

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator_id": self.indicator["indicator_id"],
            "kind": self.kind,
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
            "detail": self.detail,
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
    """The indicator's definition: marts.dim_indicator (the catalogue's rows and the Fingertips
    indicators derived from the seed fingertips_indicators), else reference.indicator_catalogue."""
    table = INDICATORS if _table_exists(con, INDICATORS) else CATALOGUE
    rows = _records(con, f"select * from {table} where indicator_id = ?", [indicator_id])
    if not rows:
        known = [r[0] for r in con.execute(f"select indicator_id from {table} order by 1").fetchall()]
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


def _events_cte(area_code: str) -> tuple[str, list[Any]]:
    """The area's events of the indicators and months (parameters: ids, months, then these)."""
    sql = f"""events as (
        select area_events.* exclude (area_code, area_rule) from {AREA_EVENTS} as area_events
        where area_events.indicator_id in (select unnest(?::varchar[]))
            and area_events.month in (select unnest(?::date[])) and area_events.area_code = ?
    )"""
    return sql, [area_code]


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
    for table in ("meta.source_files", "marts.dim_area"):
        if not _table_exists(con, table):
            raise TraceError(f"the warehouse has no {table}: run `csw run` first")
    indicator = _indicator(con, indicator_id)
    tracer = TRACERS.get(indicator["source_model"])
    if tracer is not None:
        try:
            area = _area(con, area_code, force_area_code)
        except TraceError:
            if indicator["source_model"] != HEALTH_MODEL:
                raise
            # OHID publishes areas the partnership does not report on (England, the comparator)
            area = {"area_code": area_code, "area_name": None, "area_type": None, "member_districts": []}
        return tracer(con, indicator, area, period_text, raw_table_of=raw_table_of, with_rows=with_rows, limit=limit)
    period = parse_period(period_text)
    for table in (MONTHLY_MART, AREA_EVENTS):
        if not _table_exists(con, table):
            raise TraceError(f"the warehouse has no {table}: run `csw run` first")
    area = _area(con, area_code, force_area_code)
    value, value_source, monthly = _published(con, indicator_id, area_code, period)
    parts = _ratio_parts(indicator)
    if parts is not None and period.kind == "financial_year":
        value, value_source = _published_ratio_year(con, parts, area_code, period)
    counted = [parts[0], parts[1]] if parts is not None else [indicator_id]
    events_cte, area_params = _events_cte(area_code)
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


# --- figures that are not counts of events: survey estimates, OHID Fingertips figures -----------
# Dispatched on the indicator's source_model (the catalogue's, or dim_indicator's for the
# Fingertips indicators it derives from the seed fingertips_indicators): no indicator id is
# written here.

SURVEY_MODEL = "mart_survey_indicators"
HEALTH_MODEL = "mart_health_indicators"
SURVEY_MART = "marts.mart_survey_indicators"
SURVEY_FACT = "marts.fct_survey_response"
HEALTH_MART = "marts.mart_health_indicators"
HEALTH_FACT = "marts.fct_health_indicator"
HEALTH_FEED = "fingertips"
# fct_survey_response columns shown for a respondent's row (never a reference or pseudonym: the
# fact has none, and the raw table is not read)
SURVEY_ROW_COLUMNS = ("wave", "lad_code", "lad_name", "age_band", "sex", "weight")


def _file_records(con: duckdb.DuckDBPyConnection, shas: Sequence[str]) -> dict[str, dict[str, Any]]:
    """meta.source_files by sha256 (the loaded record when a file was landed more than once)."""
    rows = _records(con, """
        select feed, file_name, sha256, received_at, run_id as load_run_id, status, partition_key,
               rows_loaded as file_rows_loaded
        from meta.source_files where sha256 in (select unnest(?::varchar[]))
        qualify row_number() over (partition by sha256 order by status = 'loaded' desc, received_at desc) = 1
    """, [list(shas)])
    return {r["sha256"]: r for r in rows}


def _survey_flag(indicator_id: str) -> tuple[str, str]:
    from warehouse import survey

    for ind, flag, answer, _ in survey.INDICATORS:
        if ind == indicator_id:
            return flag, answer
    raise TraceError(f"indicator {indicator_id!r} has source model {SURVEY_MODEL} but warehouse.survey does not "
                     f"define it (known: {', '.join(i[0] for i in survey.INDICATORS)})")


def _survey_wave(con: duckdb.DuckDBPyConnection, indicator_id: str, text: str) -> tuple[dict[str, Any], str]:
    """The wave a period names: a wave key (``2024-25-Q1``, ``2024-05``) or label (``2024/25 Q1``),
    or a financial quarter ``2024/25-Q1``: the latest wave ending in it, the one the scorecard shows."""
    waves = _records(con, f"""
        select distinct wave, wave_label, wave_kind, wave_start, wave_end_month, financial_year, fy_quarter
        from {SURVEY_MART} where indicator_id = ? order by wave_start, wave_end_month, wave""", [indicator_id])
    if not waves:
        raise TraceError(f"no survey wave of {indicator_id} in {SURVEY_MART}")
    wanted = text.strip().lower()
    for wave in waves:
        if wanted in (wave["wave"].lower(), str(wave["wave_label"]).lower()):
            return wave, f"wave {wave['wave']}"
    known = ", ".join(w["wave"] for w in waves)
    try:
        period = parse_period(text)
    except TraceError:
        raise TraceError(f"period {text!r}: not a survey wave of {indicator_id} (waves: {known}) nor a "
                         "financial quarter 2024/25-Q1") from None
    if period.kind != "quarter":
        raise TraceError(f"period {text!r}: survey figures are per wave ({known}) or financial quarter (2024/25-Q1)")
    ending = [w for w in waves if w["financial_year"] == period.financial_year and w["fy_quarter"] == period.fy_quarter]
    if not ending:
        raise TraceError(f"no survey wave ended in {period.label} (waves: {known})")
    wave = max(ending, key=lambda w: (w["wave_end_month"], w["wave_start"], w["wave"]))
    return wave, f"the latest wave ending in {period.label} (as the scorecard shows it): {wave['wave']}"


def _trace_survey(con: duckdb.DuckDBPyConnection, indicator: dict[str, Any], area: dict[str, Any], period_text: str,
                  *, with_rows: bool, limit: int | None, **_: Any) -> Trace:
    """A residents' survey estimate, re-estimated from the respondents' rows of fct_survey_response."""
    for table in (SURVEY_MART, SURVEY_FACT):
        if not _table_exists(con, table):
            raise TraceError(f"the warehouse has no {table}: run `csw run` first")
    indicator_id, area_code = indicator["indicator_id"], area["area_code"]
    flag, answer = _survey_flag(indicator_id)
    wave, chosen = _survey_wave(con, indicator_id, period_text)
    cells = _records(con, f"select * from {SURVEY_MART} where indicator_id = ? and area_code = ? and wave = ?",
                     [indicator_id, area_code, wave["wave"]])
    if not cells:
        raise TraceError(f"{SURVEY_MART} has no row for {indicator_id} {area_code} wave {wave['wave']}")
    cell = cells[0]
    area["rule"] = (f"the respondents of its member district(s), pooled with their survey weights as supplied: "
                    f"{', '.join(area['member_districts'])}; valid answers only (don't know and no answer excluded)")
    respondents = f"""respondents as (
        select * from {SURVEY_FACT}
        where wave = ? and {flag} is not null and lad_code in (
            select members.lad_code from staging.int_area_district_members as members where members.area_code = ?)
    )"""
    params = [wave["wave"], area_code]
    n, sum_w, sum_w2, sum_wy = con.execute(
        f"with {respondents} select count(*), sum(weight), sum(weight * weight), sum(weight * {flag}) from respondents",
        params).fetchone()
    # a suppressed cell is not re-estimated either (the trace would publish what the mart hides):
    # its re-count confirms the small base only
    recount = 100.0 * sum_wy / sum_w if n and sum_w and cell["is_published"] else None
    n_eff = sum_w * sum_w / sum_w2 if n and sum_w2 else None
    published = cell["value_pct"] if cell["is_published"] else None
    same_base = int(n) == int(cell["n_unweighted"] or 0) and (
        n_eff is None or cell["n_effective"] is None or abs(n_eff - cell["n_effective"]) <= 1e-6 * max(1.0, n_eff))
    if cell["is_published"]:
        match = same_base and recount is not None and abs(recount - published) <= 1e-6
    else:  # suppressed: no value shown, and the re-count confirms the base the reason gives
        match = same_base
    per_file = _records(con, f"""
        with {respondents}
        select source_file as sha256, count(*) as rows, sum(weight) as weight
        from respondents group by source_file""", params)
    known = _file_records(con, [f["sha256"] for f in per_file])
    files = [{**{"feed": None, "file_name": None, "received_at": None, "load_run_id": None},
              **known.get(f["sha256"], {}), **f, "value": None} for f in per_file]
    files.sort(key=lambda f: (f["feed"] or "", f["file_name"] or ""))
    detail = {
        "wave": wave["wave"], "wave_label": wave["wave_label"], "chosen": chosen,
        "indicator_flag": f"{SURVEY_FACT}.{flag} (1 / 0 from {answer}; null = excluded)",
        "published": {k: cell.get(k) for k in ("value_pct", "ci_low_pct", "ci_high_pct", "n_unweighted", "n_effective",
                                               "is_published", "suppression_reason", "previous_wave", "change_pp",
                                               "p_value", "significant_change", "min_respondents")},
        "recount": {"value_pct": recount, "n_unweighted": int(n), "n_effective": n_eff,
                    "sum_weights": sum_w if cell["is_published"] else None,
                    "sum_weighted_yes": sum_wy if cell["is_published"] else None,
                    "formula": "100 x sum(weight x flag) / sum(weight); n_eff = sum(weight)^2 / sum(weight^2)"},
    }
    if _table_exists(con, QUARTERLY_MART):
        shown = _records(con, f"""select financial_year, fy_quarter, value, value_status from {QUARTERLY_MART}
                                  where indicator_id = ? and area_code = ? and period_label = ?""",
                         [indicator_id, area_code, wave["wave_label"]]) if _has_column(
                             con, QUARTERLY_MART, "period_label") else []
        detail["scorecard"] = shown
    result = Trace(
        indicator=indicator, area=area, period=Period("wave", wave["wave"], _months(wave["wave_start"],
                                                                                   wave["wave_end_month"])),
        value=published,
        value_source=f"{SURVEY_MART}.value_pct ({chosen})" + (
            "" if cell["is_published"] else f": not published, {cell['suppression_reason']}"),
        monthly=[], recount_value=recount, recount_rows=int(n),
        models=model_chain(con, indicator["source_model"], SURVEY_MART), files=files, build=_build(con),
        rows_limit=limit, kind="survey_estimate", detail=detail, match=bool(match),
    )
    if with_rows:
        cap = "" if limit is None else f"limit {int(limit)}"
        rows = _records(con, f"""
            with {respondents},
            files as (select distinct sha256, file_name from meta.source_files where feed = 'residents_survey')
            select files.file_name, respondents.source_file as sha256, respondents.source_row as line,
                   {', '.join(f'respondents.{c}' for c in SURVEY_ROW_COLUMNS)},
                   {f'respondents.{answer}' if cell['is_published'] else 'null'} as answer,
                   {f'respondents.{flag}' if cell['is_published'] else 'null'} as value
            from respondents left join files on files.sha256 = respondents.source_file
            order by files.file_name, respondents.source_row {cap}""", params)
        for row in rows:
            row["feed"] = "residents_survey"
        result.rows = rows
    return result


def _months(first: date, last: date) -> tuple[date, ...]:
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return tuple(months)


def _has_column(con: duckdb.DuckDBPyConnection, qualified: str, column: str) -> bool:
    schema, table = qualified.split(".")
    return bool(con.execute("""select count(*) from information_schema.columns
                               where table_schema = ? and table_name = ? and column_name = ?""",
                            [schema, table, column]).fetchone()[0])


def _normalise_period(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).lower()


def _health_figure(con: duckdb.DuckDBPyConnection, fingertips_id: int, area_code: str, text: str
                   ) -> tuple[dict[str, Any], str, Period | None]:
    """The published figure a period names, of the indicator's headline sex and age (seed
    fingertips_indicators) for the area's overall figure (no category): a Fingertips time period as
    published (``2020/21 - 22/23``, ``2023``), ``latest``, or a month, financial quarter or year of
    the scorecard: the latest period ended by its end, as the scorecard shows it."""
    figures = _records(con, f"""
        select facts.* from {HEALTH_FACT} as facts
        left join reference.fingertips_indicators as seed on seed.fingertips_indicator_id = facts.fingertips_indicator_id
        where facts.fingertips_indicator_id = ? and facts.area_code = ? and facts.category_type = ''
            and facts.category = '' and coalesce(seed.headline_sex, '') in ('', facts.sex)
            and coalesce(seed.headline_age, '') in ('', facts.age)
        order by facts.period_end desc, facts.period_start desc, facts.sex, facts.age""", [fingertips_id, area_code])
    if not figures:
        raise TraceError(f"OHID Fingertips publishes no figure of indicator {fingertips_id} for {area_code} "
                         "in the loaded exports")
    wanted = _normalise_period(text)
    known = ", ".join(dict.fromkeys(f["time_period"] for f in figures))
    for figure in figures:
        if _normalise_period(figure["time_period"]) == wanted:
            return figure, f"time period {figure['time_period']} as published", None
    if wanted == "latest":
        return figures[0], f"the latest period published: {figures[0]['time_period']}", None
    try:
        period = parse_period(text)
    except TraceError:
        raise TraceError(f"period {text!r}: not a published time period of indicator {fingertips_id} for "
                         f"{area_code} ({known}), `latest`, a month, a financial quarter or a year") from None
    end = add_months(period.months[-1], 1)
    ended = [f for f in figures if f["period_end"] < end]
    if not ended:
        raise TraceError(f"no period of indicator {fingertips_id} for {area_code} ended by the end of {period.label} "
                         f"(published: {known})")
    return ended[0], (f"the latest period ended by the end of {period.label} (as the scorecard shows it): "
                      f"{ended[0]['time_period']}"), period


def _trace_health(con: duckdb.DuckDBPyConnection, indicator: dict[str, Any], area: dict[str, Any], period_text: str,
                  *, raw_table_of: Callable[[str], str | None], with_rows: bool, limit: int | None, **_: Any
                  ) -> Trace:
    """An OHID Fingertips figure, to the published row of the export it was loaded from."""
    if not _table_exists(con, HEALTH_FACT):
        raise TraceError(f"the warehouse has no {HEALTH_FACT}: run `csw run` first")
    fingertips_id = indicator.get("fingertips_indicator_id")
    if fingertips_id is None:
        raise TraceError(f"indicator {indicator['indicator_id']} (source model {HEALTH_MODEL}) has no "
                         "fingertips_indicator_id in marts.dim_indicator")
    area_code = area["area_code"]
    figure, chosen, period = _health_figure(con, int(fingertips_id), area_code, period_text)
    area["rule"] = "OHID's own figure for the area, as published (the warehouse computes nothing from it)"
    area["area_name"] = area.get("area_name") or figure.get("area_name")
    area["area_type"] = area.get("area_type") or figure.get("area_type")
    raw_table = raw_table_of(HEALTH_FEED) or f"raw.{HEALTH_FEED}"
    raw = _records(con, f"select * exclude (source_file, source_row) from {raw_table} "
                        "where source_file = ? and source_row = ?",
                   [figure["source_file"], figure["source_row"]]) if _table_exists(con, raw_table) else []
    published_row = raw[0] if raw else None
    file = _file_records(con, [figure["source_file"]]).get(figure["source_file"], {})
    compared = ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "numerator_count",
                "denominator", "value_note")
    differences = [c for c in compared if published_row is not None and published_row.get(c) != figure.get(c)]
    match = published_row is not None and not differences
    value, value_source = figure["value"], f"{HEALTH_FACT}.value ({chosen})"
    shown: list[dict[str, Any]] = []
    if period is not None and period.kind == "quarter" and _has_column(con, QUARTERLY_MART, "period_label"):
        shown = _records(con, f"""select value, value_status, period_label from {QUARTERLY_MART}
                                  where indicator_id = ? and area_code = ? and financial_year = ? and fy_quarter = ?""",
                         [indicator["indicator_id"], area_code, period.financial_year, period.fy_quarter])
        if shown:
            value, value_source = shown[0]["value"], (
                f"{QUARTERLY_MART}.value (financial_year {period.financial_year}, fy_quarter {period.fy_quarter}): "
                f"{chosen}")
            match = match and shown[0]["period_label"] == figure["time_period"] and (
                (value is None and figure["value"] is None) or value == figure["value"])
    revisions = _records(con, f"""
        select files.file_name, raw.source_file as sha256, raw.source_row as line, files.received_at,
               raw.value, raw.lower_ci_95, raw.upper_ci_95, raw.value_note
        from {raw_table} as raw
        left join (select distinct sha256, file_name, received_at from meta.source_files) as files
            on files.sha256 = raw.source_file
        where raw.indicator_id = ? and raw.area_code = ? and raw.sex = ? and raw.age = ?
            and coalesce(raw.category_type, '') = ? and coalesce(raw.category, '') = ?
            and raw.period_start = ? and raw.period_end = ? and raw.period_grain = ?
            and not (raw.source_file = ? and raw.source_row = ?)
        order by files.received_at""",
        [int(fingertips_id), area_code, figure["sex"], figure["age"], figure["category_type"], figure["category"],
         figure["period_start"], figure["period_end"], figure["period_grain"], figure["source_file"],
         figure["source_row"]]) if _table_exists(con, raw_table) else []
    detail = {
        "fingertips_indicator_id": int(fingertips_id),
        "chosen": chosen,
        "time_period": figure["time_period"],
        "period_start": figure["period_start"], "period_end": figure["period_end"],
        "period_grain": figure["period_grain"], "sex": figure["sex"], "age": figure["age"],
        "published_row": {"file_name": file.get("file_name"), "sha256": figure["source_file"],
                          "line": figure["source_row"], "fields": published_row},
        "warehouse": {c: figure.get(c) for c in compared},
        "differences": differences,
        "other_exports": revisions,
        "scorecard": shown,
    }
    files = [{"feed": file.get("feed", HEALTH_FEED), "file_name": file.get("file_name"), "sha256": figure["source_file"],
              "rows": 1, "value": figure["value"], "received_at": file.get("received_at"),
              "load_run_id": file.get("load_run_id"), "status": file.get("status"),
              "partition_key": file.get("partition_key"), "file_rows_loaded": file.get("file_rows_loaded")}]
    mart = QUARTERLY_MART if shown else HEALTH_MART
    result = Trace(
        indicator=indicator, area=area,
        period=period or Period("fingertips_period", figure["time_period"],
                                _months(figure["period_start"], figure["period_end"])),
        value=value, value_source=value_source, monthly=[],
        recount_value=published_row.get("value") if published_row else None, recount_rows=1 if published_row else 0,
        models=model_chain(con, "fct_health_indicator", mart), files=files, build=_build(con),
        rows_limit=limit, kind="published_figure", detail=detail, match=bool(match),
    )
    if with_rows and published_row is not None:
        result.rows = [{"feed": HEALTH_FEED, "file_name": file.get("file_name"), "sha256": figure["source_file"],
                        "line": figure["source_row"], "value": published_row.get("value"), **published_row}]
    return result


# source_model -> how a figure of its indicators is traced (any other model: a count of events)
TRACERS: dict[str, Callable[..., Trace]] = {SURVEY_MODEL: _trace_survey, HEALTH_MODEL: _trace_health}
