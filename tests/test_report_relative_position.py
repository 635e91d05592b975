"""The reports' relative position (issue 12): Lancashire against its most similar forces and each
district against its most similar CSPs and against the county, from ``marts.mart_peer_comparison``,
with funnel plots, under the same disclosure control as every published table.

Units first (a small hand-made peer frame: the disclosure rule, the reasons a period is not
compared, the one funnel specification the reports and the dashboard share), then the reports of the
30-month demo night built by ``csw report`` (``controlled_reports``: the annual update of 2023/24 and
the quarterly report of 2024/25 Q2), read back and compared with the mart read here with SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from reporting import charts, dashboard_specs, peer_control, relative_context
from reporting import relative_position as rp
from reporting.disclosure import DisclosureRules
from reporting.tables import Geography

FORCE = "E23000003"
YEAR, QUARTER = "2023-24", "2024-25_Q2"


# --------------------------------------------------------------------------- a hand-made peer group


def _catalogue() -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": ["crimes", "abuse"], "indicator_name": ["Crimes", "Abuse"],
                         "theme": ["all crime", "domestic abuse"], "key_issue": ["all crime", "domestic abuse"],
                         "priority": ["Context", "Protect the vulnerable"]})


def _rows(**overrides) -> pd.DataFrame:
    """Two comparisons (one per indicator) of a force group of three: the focus area F and peers A, B."""
    members = ["F", "A", "B"]
    frame = pd.DataFrame({
        "group_id": "force_area:F", "focus_area_code": "F", "focus_area_type": "force_area",
        "indicator_id": np.repeat(["crimes", "abuse"], 3), "indicator_name": np.repeat(["Crimes", "Abuse"], 3),
        "area_code": members * 2, "area_name": ["Focus", "Alpha", "Beta"] * 2, "area_type": "force_area",
        "is_focus_area": [True, False, False] * 2, "member_rank": [0, 1, 2] * 2, "period_type": "financial_year",
        "period_label": "2023/24", "financial_year": "2023/24", "fy_quarter": None,
        "period_end_month": dt.date(2024, 3, 1), "count": [900.0, 500.0, 700.0, 40.0, 3.0, 60.0],
        "population": [10000, 8000, 9000] * 2, "population_year": 2023,
        "rate_per_1000": [90.0, 62.5, 77.8, 4.0, 0.375, 6.667], "member_status": "available",
        "is_comparable": True, "not_comparable_reason": None, "group_members": 3, "group_members_with_data": 3,
        "group_average_rate": [76.8] * 3 + [3.68] * 3, "rank_in_group": [1, 3, 2, 2, 3, 1], "ranked_of": 3,
        "position_vs_peers": ["above", "below", "similar", "similar", "below", "above"],
        "position_p_value": 0.01, "funnel_lower_95": 70.0, "funnel_upper_95": 84.0, "funnel_lower_998": 66.0,
        "funnel_upper_998": 88.0, "funnel_position": ["above 99.8%", "below 99.8%", "within"] * 2})
    for k, v in overrides.items():
        frame[k] = v
    return frame


def test_peer_control_hides_a_small_sensitive_count_and_its_groups_figures() -> None:
    rows = _rows()
    out = peer_control.control(rows, _catalogue(), DisclosureRules(threshold=5, sensitive_themes=frozenset(
        {"domestic abuse"})), np.zeros(len(rows), dtype=bool), ["group_id", "indicator_id"])
    abuse, crimes = out[out["indicator_id"] == "abuse"], out[out["indicator_id"] == "crimes"]
    alpha = abuse[abuse["area_code"] == "A"].iloc[0]
    assert alpha["hidden"] and np.isnan(alpha["count"]) and np.isnan(alpha["rate_per_1000"])
    assert abuse["group_hidden"].all() and abuse["group_average_rate"].isna().all()  # the average gives it back
    assert abuse["position_vs_peers"].isna().all() and abuse["funnel_upper_95"].isna().all()
    assert abuse.loc[abuse["area_code"] != "A", "rate_per_1000"].notna().all()  # the others' own rates stay
    assert not crimes["hidden"].any() and crimes["group_average_rate"].notna().all()  # another comparison: shown
    # a count the report hides elsewhere (its scorecard) is hidden here too
    own = peer_control.own_hidden(rows, pd.DataFrame({"indicator_id": ["crimes"], "area_code": ["F"]}),
                                  ["indicator_id", "area_code"])
    out = peer_control.control(rows, _catalogue(), DisclosureRules(), own, ["group_id", "indicator_id"])
    assert out.loc[own, "hidden"].all() and out.loc[out["indicator_id"] == "crimes", "group_average_rate"].isna().all()


def _peers(rows: pd.DataFrame) -> rp.PeerTables:
    focus = pd.DataFrame({"area_code": ["F"], "peer_code": ["F"], "area_name": ["Focus"], "kind": ["force"]})
    rows = peer_control.control(rows, _catalogue(), DisclosureRules(sensitive_themes=frozenset()),
                                np.zeros(len(rows), dtype=bool), rp.GROUP)  # nothing hidden
    return rp.PeerTables("financial_year", "2023/24", rows, focus, group_names={"force_area:F": "Focus and peers"})


def test_a_period_not_compared_says_which_member_lacks_data_and_why() -> None:
    reason = "Beta: months not received (Feb 2024, Mar 2024)"
    rows = _rows(is_comparable=False, not_comparable_reason=reason, group_average_rate=np.nan, rank_in_group=np.nan,
                 position_vs_peers=None, funnel_position=None)
    rows.loc[rows["area_code"] == "B", ["count", "rate_per_1000"]] = np.nan
    rows.loc[rows["area_code"] == "B", "member_status"] = "not_received"
    peers = _peers(rows)
    table = rp.display(rp.focus_rows(peers))
    assert table["reason"].tolist() == [reason, reason] and table["rate"].tolist() == [90.0, 4.0]
    assert table[["average", "rank", "position", "funnel"]].isna().all().all()  # no figure: the reason instead
    assert relative_context.area_phrases(table)[("crimes", "F")] == f"not compared: {reason}"
    members = rp.group_members(peers, "force_area:F", "crimes")
    beta = members[members["area_code"] == "B"].iloc[0]
    assert beta["status"] == "not_available" and beta["status_reason"] == reason
    chart = rp.funnel(peers, "force_area:F", "crimes", indicator_name="Crimes", group_name="Focus and peers",
                      focus_name="Focus", chart_id="chart-t")
    assert "not compared for this period" in chart.description and f"Beta ({reason})" in chart.description
    exported = rp.export_frame(peers)
    assert (exported.loc[exported["area_code"] == "B", "rate_per_1000"] == "[x]").all()
    assert (exported["group_average_rate"] == "[x]").all() and exported["status_reason"].notna().all()


def test_display_and_phrases_of_a_compared_period() -> None:
    table = rp.display(rp.focus_rows(_peers(_rows())))
    crimes = table[table["indicator_id"] == "crimes"].iloc[0]
    assert (crimes["rate"], crimes["average"], crimes["rank"]) == (90.0, 76.8, "1 of 3")
    assert crimes["position"] == "Above" and crimes["funnel"] == "above the 99.8% limit"
    assert crimes["reason"] is None
    assert relative_context.area_phrases(table)[("crimes", "F")] == "rank 1 of 3, above the peer average"


def test_one_funnel_specification_for_the_reports_and_the_dashboard() -> None:
    peers = _peers(_rows())
    chart = rp.funnel(peers, "force_area:F", "crimes", indicator_name="Crimes", group_name="Focus and peers",
                      focus_name="Focus", chart_id="chart-peers")
    assert chart.svg.startswith("<svg") and 'role="img"' in chart.svg and "<title>Crimes: Focus among its peers" in chart.svg
    label = re.search(r'aria-label="([^"]*)"', chart.svg).group(1)
    assert "Funnel plot of Crimes" in label and "Focus: 90.00, rank 1 of 3" in label and "Peer average 76.80" in label
    assert "peer average 76.80" in chart.svg  # the subtitle says what the solid line is
    static, interactive = chart.spec, dashboard_specs.funnel_spec(charts._config(False), rp.UNIT)
    strip = lambda layer: {k: ({c: e for c, e in v.items() if c != "tooltip"} if k == "encoding" else v)  # noqa: E731
                           for k, v in layer.items()}
    assert [strip(layer) for layer in interactive["layer"]] == [
        {**strip(layer), **({"encoding": {**strip(layer)["encoding"], "color": {
            **layer["encoding"]["color"], "scale": interactive["layer"][i]["encoding"]["color"]["scale"]}}}
            if "color" in layer.get("encoding", {}) and "field" in layer["encoding"]["color"] else {})}
        for i, layer in enumerate(static["layer"])]
    assert interactive["data"] == {"name": dashboard_specs.ROWS} and interactive["width"] == "container"


def test_the_funnel_spec_is_valid_vega_lite_and_every_text_is_legible() -> None:
    """Rendering skips Altair's validation (tests/test_charts.py), so the funnel's spec is checked
    against the schema here, static and interactive, and every text against WCAG AA on white."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import core

    chart = rp.funnel(_peers(_rows()), "force_area:F", "crimes", indicator_name="Crimes",
                      group_name="Focus and peers", focus_name="Focus", chart_id="chart-peers")
    interactive = {**dashboard_specs.funnel_spec(charts._config(False), rp.UNIT), "data": {"values": []}}
    for spec in (chart.spec, interactive):
        assert validate_jsonschema(spec, core.load_schema(), raise_error=False) is None
    fills = [re.search(r'fill="(#[0-9a-fA-F]{6})"', t) for t in re.findall(r"<text\b[^>]*>", chart.svg)]
    assert fills and all(fills)
    lum = [[int(f.group(1)[i:i + 2], 16) / 255 for i in (1, 3, 5)] for f in fills]
    lum = [0.2126 * a + 0.7152 * b + 0.0722 * c for a, b, c in
           ([x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in rgb] for rgb in lum)]
    assert min(1.05 / (v + 0.05) for v in lum) >= 4.5


def test_disclosure_problems_find_a_leak() -> None:
    rows = _rows()
    rows["hidden"], rows["group_hidden"] = False, False
    rows.loc[4, ["hidden"]] = True  # hidden but its count left in
    rows.loc[3:5, "group_hidden"] = True  # and the group's average left in
    scorecard = pd.DataFrame({"indicator_id": ["crimes"], "area_code": ["F"]})

    class Tables:  # what disclosure_problems reads of a report's tables
        catalogue, rules = _catalogue(), DisclosureRules()
        hidden = pd.DataFrame({"rolling_12m": [True]})

    Tables.scorecard = scorecard
    focus = pd.DataFrame({"area_code": ["F"], "peer_code": ["F"], "area_name": ["Focus"], "kind": ["force"]})
    bad = rp.disclosure_problems(Tables, rp.PeerTables("financial_year", "2023/24", rows, focus))
    assert set(bad.index) == {0, 3, 4, 5}  # the focus area's hidden scorecard count shown, and the leaky group
    with pytest.raises(rp.PeerDisclosureFailed):
        rp.check_disclosure(Tables, rp.PeerTables("financial_year", "2023/24", rows, focus))


def test_headline_indicators_come_from_the_catalogue() -> None:
    peers = _peers(_rows())
    assert rp.headline_indicators(peers, _catalogue(), {"crimes", "abuse"}) == ["crimes", "abuse"]
    assert rp.headline_indicators(peers, _catalogue(), {"abuse"}) == ["abuse"]


# --------------------------------------------------------------------------- the demo night's reports


@pytest.fixture(scope="module")
def home(controlled_reports: Path) -> Path:
    return controlled_reports


@pytest.fixture(scope="module")
def mart(home: Path) -> pd.DataFrame:
    """The peer mart's focus rows of the annual update's year and the quarterly report's 12 months."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            """select p.*, a.area_code as district_code, a.area_name as district_name
               from marts.mart_peer_comparison p left join marts.dim_area a on a.csp_code = p.focus_area_code
               where p.is_focus_area and ((p.period_type = 'financial_year' and p.financial_year = '2023/24')
                  or (p.period_type = 'rolling_12m' and p.period_end_month = date '2024-09-01'))""").df()


def _section(page: str, anchor: str = "relative-position") -> str:
    start = page.index(f'<section class="section major" id="{anchor}"')
    return page[start:page.index("</section>", start)]


def _cells(table_html: str) -> dict[str, list[str]]:
    """Row header text -> the row's cell texts."""
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table_html, re.S):
        head = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if head:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            out[unescape(re.sub(r"<[^>]+>", "", head.group(1))).strip()] = [
                unescape(re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]
    return out


def _rate(v: float) -> str:
    return f"{v:,.2f}" if v < 100 else f"{v:,.1f}"


@pytest.mark.parametrize("kind", ["annual", "quarterly"])
def test_the_force_table_shows_the_marts_figures(home: Path, mart: pd.DataFrame, kind: str) -> None:
    page = (home / "outputs" / (f"annual_update_{YEAR}.html" if kind == "annual"
                                else f"quarterly_report_{QUARTER}.html")).read_text(encoding="utf-8")
    section = _section(page)
    force_table = section[:section.index("</table>")]
    rows = _cells(force_table)
    period = "financial_year" if kind == "annual" else "rolling_12m"
    truth = mart[(mart["focus_area_code"] == FORCE) & (mart["period_type"] == period)]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        members = con.execute(
            """select indicator_id, avg(rate_per_1000) as average, count(*) as n from marts.mart_peer_comparison
               where group_id = ? and period_type = ? and period_end_month = ? group by all""",
            [truth["group_id"].iloc[0], period, truth["period_end_month"].iloc[0]]).df().set_index("indicator_id")
    checked = 0
    for r in truth.itertuples():
        if r.indicator_name not in rows:
            continue  # an indicator with no events in the period is not listed
        cells = rows[r.indicator_name]
        assert cells[0] == _rate(r.rate_per_1000), (r.indicator_name, cells)
        if r.is_comparable:
            # the peer average is the mean of the members' rates: recomputed here from the member rows
            assert members.loc[r.indicator_id, "average"] == pytest.approx(r.group_average_rate, rel=1e-9)
            assert cells[1] == _rate(r.group_average_rate)
            assert cells[2] == f"{r.rank_in_group} of {r.ranked_of}"
            assert cells[3] == r.position_vs_peers.capitalize()
            assert cells[4] == charts.FUNNEL_POSITION_WORDS[r.funnel_position]
        else:
            assert "Not compared:" in cells[1] and r.not_comparable_reason in cells[1]
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("kind", ["annual", "quarterly"])
def test_funnel_plots_are_drawn_and_named(home: Path, kind: str) -> None:
    page = (home / "outputs" / (f"annual_update_{YEAR}.html" if kind == "annual"
                                else f"quarterly_report_{QUARTER}.html")).read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="chart[^"]*" id="(chart-peers-[^"]+)">\s*<svg([^>]*)>\s*<title>([^<]+)</title>',
                         page)
    force = [f for f in figures if f[0].endswith("-force")]
    assert force, "no funnel plot of the force area"
    assert len(figures) - len(force) == 14  # one per district (the first headline indicator)
    for chart_id, attrs, title in figures:
        assert 'role="img"' in attrs and "Funnel plot of" in re.search(r'aria-label="([^"]*)"', attrs).group(1)
        assert "among its peers" in title
        assert f'download="{chart_id}.csv"' in page


def test_every_district_against_its_csps_and_the_county(home: Path, mart: pd.DataFrame) -> None:
    page = (home / "outputs" / f"annual_update_{YEAR}.html").read_text(encoding="utf-8")
    section = _section(page)
    tables = re.findall(r"<h4>([^<]+)</h4>\s*<div class=\"table-wrap\"><table class=\"peers\">(.*?)</table>", section,
                        re.S)
    assert tables
    truth = mart[(mart["period_type"] == "financial_year") & mart["district_code"].notna()]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        county = con.execute("""select indicator_id, area_name, position_vs_county from marts.mart_scorecard_quarterly
                                where financial_year = '2023/24' and fy_quarter = 4""").df()
    for name, html in tables:
        rows = _cells(html)
        assert len(rows) == 14, name
        sub = truth[truth["indicator_name"] == unescape(name)].set_index("district_name")
        assert set(rows) == set(sub.index)
        for district, cells in rows.items():
            r = sub.loc[district]
            assert cells[0] == _rate(r["rate_per_1000"])
            if r["is_comparable"]:
                assert cells[2] == f"{r['rank_in_group']} of {r['ranked_of']}"
                assert cells[3] == r["position_vs_peers"].capitalize()
            position = county[(county["indicator_id"] == r["indicator_id"]) & (county["area_name"] == district)]
            expected = charts.POSITION_LABELS.get(position["position_vs_county"].iloc[0], "–")
            assert cells[-1] == expected


def test_the_workbook_has_the_peer_rows_under_control(home: Path) -> None:
    book = load_workbook(home / "outputs" / f"quarterly_report_{QUARTER}.xlsx", read_only=True)
    ws = book["Peer comparison"]
    values = list(ws.values)
    header = list(values[3])
    frame = pd.DataFrame(values[4:], columns=header)
    assert set(frame["Period type"]) == {"rolling_12m", "quarter"}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        truth = con.execute(
            """select indicator_id, group_id, area_code, period_type, rate_per_1000 from marts.mart_peer_comparison
               where period_end_month = date '2024-09-01' and period_type in ('rolling_12m', 'quarter')""").df()
    merged = frame.merge(truth, left_on=["Indicator id", "Peer group", "Area code", "Period type"],
                         right_on=["indicator_id", "group_id", "area_code", "period_type"], how="left")
    assert merged["rate_per_1000"].notna().sum() == len(frame)  # every row is a mart row
    shown = merged["Rate per 1,000"].map(lambda v: isinstance(v, (int, float)))
    assert np.allclose(merged.loc[shown, "Rate per 1,000"].astype(float), merged.loc[shown, "rate_per_1000"])
    assert not merged["Rate per 1,000"].isna().any()  # "[c]" or "[x]", never a blank


def test_disclosure_holds_when_the_peer_indicators_are_sensitive(home: Path, tmp_path: Path) -> None:
    """With violence and anti-social behaviour made sensitive (threshold 50), the reports' peer
    rows hide the small counts, the groups they are in, and every count the scorecard hides."""
    from reporting.periods import Quarter
    from reporting.tables import quarterly_tables

    settings = {"disclosure": {"threshold": 50, "sensitive_themes": ["violence", "anti-social behaviour",
                                                                     "weapons", "drugs"]}}
    quarter = Quarter.of("2024/25", 2)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = quarterly_tables(con, quarter, settings)
        peers = rp.peer_tables(con, tables, "quarter", quarter.end_month, quarter.label)
    rows = peers.rows
    assert rows["hidden"].any() and rows["group_hidden"].any()
    rp.check_disclosure(tables, peers)  # raises on any leak
    hidden = rows[rows["hidden"]]
    assert hidden[["count", "rate_per_1000", "rank_in_group"]].isna().all().all()
    assert rows.loc[rows["group_hidden"], "group_average_rate"].isna().all()
    exported = rp.export_frame(peers)
    assert (exported.loc[rows["hidden"].to_numpy(), "rate_per_1000"] == "[c]").all()
    context = relative_context.relative_context(tables, peers, set(rows["indicator_id"]), district_funnels=False)
    shown = [r for t in context["district_tables"] for r in t["rows"]] + context["force_rows"]
    assert any(r["rate"] == "[c]" for r in shown)
    assert all(r["average"] == "[c]" for r in shown if r["rate"] == "[c]")


def test_focus_areas_are_the_force_area_and_the_fourteen_districts(home: Path) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        areas = con.execute("select area_code, area_name, area_type, is_district from marts.dim_area "
                            "where is_reporting_area").df()
        geo = Geography(areas, "E10000017", FORCE, {})
        focus = rp.focus_areas(con, geo)
    assert focus["kind"].tolist() == ["force"] + ["district"] * 14
    assert focus["peer_code"].iloc[1:].str.startswith("E22").all()
