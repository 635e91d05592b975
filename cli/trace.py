"""``csw trace <indicator_id> <area_code> <period>``: a published figure, back to its source rows.

The tracing itself is ``warehouse.trace`` (plain DuckDB, read-only); this module adds what only
the orchestration knows -- which raw table each feed loads into, the Dagster run that built the
file (from the home's Dagster instance) -- and prints the answer for people or, with
``--format json``, for tools. Survey estimates and OHID Fingertips figures have their own text
(``render_survey``, ``render_health``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from warehouse.settings import Paths, load_settings
from warehouse.trace import Trace, TraceError, trace

MART_ASSET = ("marts", "mart_indicator_monthly")


def raw_table_of(feed: str) -> str | None:
    from ingestion import registry

    try:
        return registry.get(feed).raw_table
    except KeyError:
        return None


def dagster_run(paths: Paths, run_id: str | None) -> dict[str, Any]:
    """The run that built the file, as the home's Dagster instance remembers it (if it does)."""
    info: dict[str, Any] = {"instance": str(paths.dagster_home)}
    if not (paths.dagster_home / "dagster.yaml").exists():
        info["note"] = "no Dagster instance in this home"
        return info
    import dagster as dg

    with dg.DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        if run_id:
            record = instance.get_run_record_by_id(run_id)
            if record is None:
                info["note"] = f"run {run_id} is not in this instance"
            else:
                info.update(status=record.dagster_run.status.value, job_name=record.dagster_run.job_name,
                            started_at=_iso(record.start_time), ended_at=_iso(record.end_time),
                            tags={k: v for k, v in record.dagster_run.tags.items() if k.startswith("csw/")})
        latest = instance.get_latest_materialization_event(dg.AssetKey(list(MART_ASSET)))
        if latest is not None:
            info["latest_materialization_of_" + "/".join(MART_ASSET)] = latest.run_id
    return info


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds") if ts else None


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _number(value: float | None) -> str:
    if value is None:
        return "none published"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6f}".rstrip("0")


def render_text(t: Trace, show_sql: bool) -> str:
    if t.kind in RENDERERS:
        return RENDERERS[t.kind](t, show_sql)
    ind, area = t.indicator, t.area
    lines = [
        f"{ind['indicator_id']} ({ind['indicator_name']}) for {area['area_code']} {area['area_name']} "
        f"({area['area_type']}), {t.period.kind.replace('_', ' ')} {t.period.label}",
        "",
        "1. The value",
        f"   published value: {_number(t.value)}",
        f"   from: {t.value_source}",
        f"   re-count of the contributing rows: {_number(t.recount_value)} from {t.recount_rows:,} rows "
        f"-> {'MATCHES' if t.matches else 'DOES NOT MATCH'} the published value",
    ]
    for c in t.components:
        lines.append(f"     {c['role']}: {c['indicator_id']} = {_number(c['value'])} from {c['rows']:,} rows")
    if t.components:
        lines.append(f"     ratio: {_number(t.indicator.get('ratio_scale'))} x numerator / denominator")
    if len(t.monthly) > 1:
        lines.append("   by month: " + ", ".join(f"{m['month']} {_number(m['value'])}" for m in t.monthly))
    lines += _definition_lines(t, show_sql)
    lines += ["", f"2. Source files ({len(t.files)})"]
    lines.append(f"   {'feed':<18} {'file':<58} {'rows':>8} {'value':>12}  {'received':<19}  sha256 / load run")
    for f in t.files:
        received = f["received_at"].isoformat(sep=" ", timespec="seconds") if f["received_at"] else ""
        lines.append(f"   {f['feed'] or '?':<18} {f['file_name'] or '?':<58} {f['rows']:>8,} {_number(f['value']):>12}  "
                     f"{received:<19}  {f['sha256']} / {f['load_run_id']}")
    lines += ["", f"3. Contributing rows: {t.recount_rows:,}"]
    if t.rows:
        shown = len(t.rows)
        lines.append(f"   (showing {shown:,}{' (--limit)' if shown < t.recount_rows else ''}; file:line then the raw row)")
        for r in t.rows:
            fields = {k: v for k, v in r.items()
                      if k not in ("file_name", "sha256", "line", "feed", "month", "lad_code", "in_force_area", "value")}
            lines.append(f"   {r['file_name']}:{r['line']}  value={_number(r['value'])}  "
                         + json.dumps(fields, default=_json_default, ensure_ascii=False))
    else:
        lines.append("   (--rows prints them: file, line number and the raw row's fields; --limit N caps them)")
    lines += _build_lines(t)
    return "\n".join(lines)


def _definition_lines(t: Trace, show_sql: bool) -> list[str]:
    ind, area = t.indicator, t.area
    lines = [
        "   definition (marts.dim_indicator / reference.indicator_catalogue):",
        f"     source system {ind.get('source_system')}, source model {ind['source_model']}",
        f"     filter_sql: {ind['filter_sql']}",
        f"     value_sql:  {ind['value_sql']}",
        f"     unit {ind.get('unit')}, polarity {ind.get('polarity')}",
        f"   area rule: {area['rule']}",
        "   dbt models from source to mart (this build's manifest, meta.dbt_nodes):",
    ]
    if not t.models:
        lines.append("     (no build record in this warehouse: rebuild with `csw run`)")
    for m in t.models:
        sql = m["compiled_sql"]
        language = "Python" if (m["file"] or "").endswith(".py") else "SQL"
        sql_note = f"compiled {language} {len(sql.splitlines())} lines" if sql else "no compiled SQL (source/seed)"
        parents = f" <- {', '.join(m['parents'])}" if m["parents"] else ""
        lines.append(f"     {m['resource_type']:<6} {m['relation']:<45} {m['file'] or '':<55} {sql_note}{parents}")
        if show_sql and sql:
            lines += ["       | " + s for s in sql.splitlines()]
    if not show_sql:
        lines.append("   (--sql prints the compiled SQL of each model)")
    return lines


def _build_lines(t: Trace) -> list[str]:
    lines = ["", "4. Build"]
    b = t.build
    if b is None:
        lines.append("   no build record in this warehouse (built before build records existed)")
        return lines
    commit = b["git_commit"] or f"unknown ({b['git_note']})"
    dirty = " + uncommitted changes" if b.get("git_dirty") else ""
    lines.append(f"   Dagster run {b['run_id']} (job {b['job_name']}), built {b['built_at']}")
    lines.append(f"   git commit {commit}{dirty}; dbt {b['dbt_version']} invocation {b['dbt_invocation_id']}")
    d = b.get("dagster") or {}
    if d.get("status"):
        lines.append(f"   in the Dagster instance: {d['status']}, {d.get('started_at')} -> {d.get('ended_at')}")
    elif d.get("note"):
        lines.append(f"   Dagster instance: {d['note']}")
    return lines


def _received(f: dict[str, Any]) -> str:
    return f["received_at"].isoformat(sep=" ", timespec="seconds") if f.get("received_at") else ""


def _pct(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f}%"


def render_survey(t: Trace, show_sql: bool) -> str:
    """A residents' survey estimate: the published cell, its re-estimate from the respondents'
    rows (weighted percentage, respondents, effective size), the files and rows (no references)."""
    ind, area, d = t.indicator, t.area, t.detail
    pub, re = d["published"], d["recount"]
    shown = (f"{_pct(pub['value_pct'])} (95% CI {_pct(pub['ci_low_pct'])} to {_pct(pub['ci_high_pct'])})"
             if pub["is_published"] else f"not published: {pub['suppression_reason']}")
    lines = [
        f"{ind['indicator_id']} ({ind['indicator_name']}) for {area['area_code']} {area['area_name']} "
        f"({area['area_type']}), survey wave {d['wave']} ({d['wave_label']})",
        "",
        "1. The value",
        f"   published: {shown}",
        f"   from: {t.value_source}",
        f"   respondents {pub['n_unweighted']}, effective sample size {_number(pub['n_effective'])}"
        f" (minimum to publish {pub.get('min_respondents')})",
        (f"   re-estimate from the respondents' rows ({re['formula']}): {_pct(re['value_pct'])} from "
         if pub["is_published"] else "   re-count of the respondents (no percentage: the cell is suppressed): ")
        + f"{re['n_unweighted']:,} respondents, n_eff {_number(re['n_effective'])} "
        f"-> {'MATCHES' if t.matches else 'DOES NOT MATCH'} the published cell",
        f"   indicator: {d['indicator_flag']}",
    ]
    if pub.get("change_pp") is not None:
        lines.append(f"   change from wave {pub['previous_wave']}: {pub['change_pp']:+.2f} points, p = {pub['p_value']:.4f}")
    for cell in d.get("scorecard") or []:
        lines.append(f"   shown in the scorecard for {cell['financial_year']} Q{cell['fy_quarter']}: "
                     f"{_number(cell['value'])} ({cell['value_status']})")
    lines += _definition_lines(t, show_sql)
    lines += ["", f"2. Source files ({len(t.files)})"]
    lines.append(f"   {'feed':<18} {'file':<58} {'respondents':>11} {'sum weight':>12}  {'received':<19}  sha256 / load run")
    for f in t.files:
        lines.append(f"   {f['feed'] or '?':<18} {f['file_name'] or '?':<58} {f['rows']:>11,} {_number(f['weight']):>12}  "
                     f"{_received(f):<19}  {f['sha256']} / {f['load_run_id']}")
    lines += ["", f"3. Respondents: {t.recount_rows:,} with a valid answer (no references: rows are file and line)"]
    if t.rows:
        for r in t.rows:
            answer = f"answer={r['answer']} flag={r['value']}" if r["answer"] is not None else "(answer not shown)"
            lines.append(f"   {r['file_name']}:{r['line']}  {r['lad_code']} weight={_number(r['weight'])} "
                         f"{answer}  age {r['age_band']}, sex {r['sex']}")
        if len(t.rows) < t.recount_rows:
            lines.append(f"   (showing {len(t.rows):,} (--limit))")
    else:
        lines.append("   (--rows prints them: file, line, district, weight and answer; --limit N caps them)")
    lines += _build_lines(t)
    return "\n".join(lines)


def render_health(t: Trace, show_sql: bool) -> str:
    """An OHID Fingertips figure: the published row of the export (file, line, every value as
    published), the figure the warehouse holds, other exports of the same figure."""
    ind, area, d = t.indicator, t.area, t.detail
    row = d["published_row"]
    fields = row["fields"] or {}
    lines = [
        f"{ind['indicator_id']} ({ind['indicator_name']}) for {area['area_code']} {area['area_name']}, "
        f"Fingertips indicator {d['fingertips_indicator_id']}, {d['sex']}, {d['age']}, time period {d['time_period']}",
        "",
        "1. The value",
        f"   value: {_number(t.value)}",
        f"   from: {t.value_source}",
        f"   95% CI {_number(fields.get('lower_ci_95'))} to {_number(fields.get('upper_ci_95'))}, count "
        f"{_number(fields.get('numerator_count'))}, denominator {_number(fields.get('denominator'))}"
        + (f", note: {fields['value_note']}" if fields.get("value_note") else ""),
        f"   the published row gives {_number(t.recount_value)} -> "
        f"{'MATCHES' if t.matches else 'DOES NOT MATCH'} the warehouse"
        + (f" (differs in {', '.join(d['differences'])})" if d["differences"] else ""),
    ]
    lines += _definition_lines(t, show_sql)
    lines += ["", "2. Source file"]
    for f in t.files:
        lines.append(f"   {f['feed'] or '?'} {f['file_name'] or '?'} received {_received(f)}, sha256 {f['sha256']}, "
                     f"load run {f['load_run_id']}")
    lines += ["", f"3. The published row: {row['file_name']} line {row['line']} (header = line 1)"]
    for key, value in fields.items():
        lines.append(f"   {key:<24} {'' if value is None else value}")
    if d["other_exports"]:
        lines.append("   the same figure in other exports (the most recently received export carrying it is used):")
        for other in d["other_exports"]:
            lines.append(f"     {other['file_name']}:{other['line']} received {_received(other)}: "
                         f"value {_number(other['value'])}" + (f", note {other['value_note']}" if other["value_note"] else ""))
    lines += _build_lines(t)
    return "\n".join(lines)


RENDERERS = {"survey_estimate": render_survey, "published_figure": render_health}


def cmd_trace(args: argparse.Namespace, home: Path) -> int:
    from warehouse.database import connect

    paths = Paths(home)
    if not paths.warehouse.exists():
        print(f"No warehouse at {paths.warehouse} yet: run `csw run`.", file=sys.stderr)
        return 1
    settings = load_settings(home)
    try:
        with connect(paths.warehouse, read_only=True) as con:
            result = trace(con, args.indicator_id, args.area_code, args.period,
                           force_area_code=settings["geography"]["force_area_code"], raw_table_of=raw_table_of,
                           with_rows=args.rows, limit=args.limit)
    except TraceError as exc:
        print(f"csw trace: {exc}", file=sys.stderr)
        return 2
    if result.build is not None:
        result.build["dagster"] = dagster_run(paths, result.build["run_id"])
    if args.format == "json":
        print(json.dumps(result.as_dict(), default=_json_default, indent=2, ensure_ascii=False))
    else:
        print(render_text(result, args.sql))
    return 0 if result.matches else 3


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    trace_parser = sub.add_parser(
        "trace", help="trace a published figure to its source files and rows",
        description="Trace a published figure: its value and definition, the dbt models it passed through, "
                    "the source files and rows that make it, and the run and commit that built it. "
                    "Exit status 3 if the re-count of the rows does not give the published value.",
    )
    trace_parser.add_argument("indicator_id", help="e.g. all_crime (see reference.indicator_catalogue)")
    trace_parser.add_argument("area_code", help="e.g. E07000123 (Preston), E10000017 (Lancashire-12), E23000003")
    trace_parser.add_argument(
        "period", help="month 2024-03, financial quarter 2024/25-Q2 or financial year 2024/25; a survey indicator: "
                       "its wave (2024-25-Q1) or a quarter; a Fingertips indicator: its time period as published "
                       "('2020/21 - 22/23'), latest, or a quarter (the period the scorecard shows)")
    trace_parser.add_argument("--rows", action="store_true", help="print the contributing source rows")
    trace_parser.add_argument("--limit", type=int, default=None, help="print at most N rows")
    trace_parser.add_argument("--sql", action="store_true",
                              help="print the compiled SQL of each model (always in --format json)")
    trace_parser.add_argument("--format", choices=("text", "json"), default="text")
    return trace_parser
