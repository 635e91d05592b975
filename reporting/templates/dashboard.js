{% raw %}
/* The dashboard's behaviour: read the embedded data, fill the tiles, draw the Vega-Lite templates for
   the chosen area, period and indicator, keep every chart's CSV download in step. Nothing is fetched. */
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("dashboard-data").textContent);
  const C = D.meta.suppressed;
  const POSITION = {above: "Above the county", similar: "Similar to the county", below: "Below the county"};
  const PEER = {above: "Above the peer average", similar: "Similar to the peer average", below: "Below the peer average"};
  const NOT_COMPARED = "Not compared";
  const SMALL = "not published (small numbers)";
  const STATUS = {a: "available", c: "suppressed", n: "not_available"};

  // ------------------------------------------------------------------ lookups
  const IND = D.indicators, QS = D.quarters;
  const AREA = Object.fromEntries(D.areas.map(a => [a.code, a]));
  const DISTRICTS = D.areas.filter(a => a.district);
  const SF = D.scorecard.fields;
  const SC = new Map();  // "quarter index|indicator_id|area_code" -> [quarter index, area_code, ...fields]
  Object.entries(D.scorecard.rows).forEach(([id, rows]) => rows.forEach(r => SC.set(r[0] + "|" + id + "|" + r[1], r)));
  const SER = new Map(D.series.rows.map(r => [r[0] + "|" + r[1], {value: r[2], status: r[3], rolling: r[4], reason: r[5]}]));
  const GRID = D.series.grid;
  const PEERS = new Map();  // "quarter index|indicator_id|focus area" -> members (with the group's average)
  if (D.peers.available) {
    const groups = D.peers.groups.map(g => Object.fromEntries(D.peers.group_fields.map((f, i) => [f, g[i]])));
    D.peers.members.forEach(r => {
      const m = Object.fromEntries(D.peers.member_fields.map((f, i) => [f, r[i]]));
      const g = groups[m.group];
      Object.assign(m, {q: g.q, indicator_id: g.indicator_id, focus_area_code: g.focus_area_code,
        group_average_rate: g.group_average_rate, ranked_of: g.ranked_of});
      const key = g.q + "|" + g.indicator_id + "|" + g.focus_area_code;
      if (!PEERS.has(key)) PEERS.set(key, []);
      PEERS.get(key).push(m);
    });
  }
  // the districts' ONS outlines when the warehouse has them all (a choropleth), else the hexagons
  const HEX = Object.fromEntries((D.boundaries || D.hex).map(f => [f.properties.area_code, f]));

  function row(q, ind, area) {
    const r = SC.get(q + "|" + ind + "|" + area);
    return r ? Object.fromEntries(SF.map((f, i) => [f, r[i + 2] === undefined ? null : r[i + 2]])) : null;
  }

  // ------------------------------------------------------------------ formatting
  const NF = {};
  function nf(d) { return NF[d] || (NF[d] = new Intl.NumberFormat("en-GB", {minimumFractionDigits: d, maximumFractionDigits: d})); }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function money(v) { return Math.abs(v) >= 1e6 ? "£" + nf(1).format(v / 1e6) + "m" : "£" + nf(0).format(v); }
  function count(v) { return nf(Number.isInteger(v) ? 0 : 1).format(v); }
  function figure(meta, v) {
    if (!isNum(v)) return v === C ? C : "n/a";
    if (meta.is_cost) return money(v);
    if (meta.is_percent) return nf(1).format(v) + "%";
    return count(v);
  }
  function rateText(v) { return isNum(v) ? nf(Math.abs(v) < 100 ? 2 : 1).format(v) : (v === C ? C : "n/a"); }
  function measureText(meta, v) { return meta.measure === "rate" && !meta.is_percent && !meta.is_cost ? rateText(v) : figure(meta, v); }
  function change(meta, v) {
    if (!isNum(v)) return v === C ? C : null;
    const sign = v > 0 ? "+" : v < 0 ? "−" : "±";
    return meta.is_percent ? sign + nf(1).format(Math.abs(v)) + " pp" : sign + nf(1).format(Math.abs(v)) + "%";
  }
  function plain(v) { return isNum(v) ? String(Math.round(v * 1e6) / 1e6) : (v === C ? C : ""); }

  // ------------------------------------------------------------------ state (kept in the address bar)
  const state = {area: D.meta.default_area, q: QS.length - 1, mapBy: "rate", chosen: {}, query: ""};
  D.issues.forEach(i => { state.chosen[i.key] = firstShown(i.indicators); });
  function firstShown(ids) { return ids.find(id => !IND[id].no_events) || ids[0]; }
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    if (AREA[h.get("area")]) state.area = h.get("area");
    const q = QS.findIndex(x => x.trace === h.get("period"));
    if (q >= 0) state.q = q;
  }
  function writeHash() {
    const h = "#area=" + state.area + "&period=" + QS[state.q].trace;
    if (location.hash !== h) history.replaceState(null, "", h);
  }

  // ------------------------------------------------------------------ CSV downloads
  function csvCell(v) {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function setCsv(figureEl, name, columns, rows) {
    const link = figureEl.querySelector("a.download");
    const text = [columns.join(",")].concat(rows.map(r => columns.map(c => csvCell(r[c])).join(","))).join("\n") + "\n";
    link.href = "data:text/csv;charset=utf-8," + encodeURIComponent(text);
    link.setAttribute("download", name + ".csv");
    link.hidden = rows.length === 0;
  }
  function slug(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }

  // ------------------------------------------------------------------ drawing
  let pending = 0;
  function busy(n) { pending += n; document.documentElement.dataset.pending = String(pending); }
  function draw(figureEl, spec, datasets, params, onPick) {
    const el = figureEl.querySelector(".vis");
    if (el._view) { el._view.finalize(); el._view = null; }
    if (!spec) { el.textContent = ""; el.parentElement.hidden = true; return Promise.resolve(); }
    el.parentElement.hidden = false;
    const s = JSON.parse(JSON.stringify(spec));
    s.config = D.specs.config;
    s.datasets = datasets;
    (s.params || []).forEach(p => { if (params && p.name in params) p.value = params[p.name]; });
    busy(1);
    return vegaEmbed(el, s, {actions: false, renderer: "svg", tooltip: {theme: "light"}})
      .then(res => {
        el._view = res.view;
        const svg = el.querySelector("svg");
        if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
        if (onPick) res.view.addEventListener("click", (event, item) => {
          const d = item && item.datum;
          const code = d && (d.area_code || (d.properties && d.properties.area_code));
          if (code && AREA[code]) onPick(code);
        });
      })
      .catch(err => { el.textContent = "This chart could not be drawn: " + err.message; })
      .finally(() => busy(-1));
  }
  function unavailable(figureEl, text) {
    draw(figureEl, null);
    figureEl.querySelector("[data-f=note]").textContent = text;
    figureEl.querySelector("p.visually-hidden").textContent = text;
    setCsv(figureEl, "none", [], []);
  }
  function setText(figureEl, title, description, note) {
    figureEl.querySelector("figcaption").textContent = title;
    figureEl.querySelector("p.visually-hidden").textContent = description;
    figureEl.querySelector("[data-f=note]").textContent = note || "";
  }
  function pickArea(code) {
    state.area = code;
    document.getElementById("area").value = code;
    renderAll();
  }

  // ------------------------------------------------------------------ tiles
  function tileFor(tile, id) {
    const meta = IND[id], area = AREA[state.area], q = QS[state.q];
    const r = row(state.q, id, state.area);
    const f = name => tile.querySelector("[data-f=" + name + "]");
    ["unit", "when", "rate", "change", "county", "peers"].forEach(n => { f(n).textContent = ""; });
    tile.classList.remove("red", "amber", "green", "quiet");
    const rag = f("rag");
    rag.className = "rag none"; rag.textContent = "";
    if (meta.no_events) { tile.classList.add("quiet"); f("headline").textContent = "no data in this period"; return null; }
    if (!r) { tile.classList.add("quiet"); f("headline").textContent = "not in this period"; f("when").textContent = "its source does not cover " + q.key; return null; }
    const missing = r.value_status && r.value_status !== "available";
    if (meta.windowed) {
      f("headline").textContent = figure(meta, r.rolling_12m);
      f("unit").textContent = meta.is_percent || meta.is_cost ? "" : meta.unit;
      f("when").textContent = q.long + (missing && !isNum(r.rolling_12m) ? ": not available (" + (r.value_status_reason || r.value_status.replace(/_/g, " ")) + ")" : "");
      if (meta.measure === "rate" && (isNum(r.rate) || r.rate === C)) f("rate").textContent = (meta.is_cost && isNum(r.rate) ? money(r.rate) : rateText(r.rate)) + " " + meta.rate_words;
      const ch = change(meta, r.change_12m);
      if (ch) f("change").textContent = ch + " on the 12 months before" + (r.direction && r.direction !== C && ch !== C ? " (" + r.direction + ")" : "");
    } else {
      f("headline").textContent = figure(meta, r.value);
      f("unit").textContent = meta.is_percent ? "" : meta.unit;
      const ci = isNum(r.lower_ci) && isNum(r.upper_ci) ? "; 95% interval " + figure(meta, r.lower_ci) + " to " + figure(meta, r.upper_ci) : "";
      f("when").textContent = (r.period_label ? String(r.period_label) : q.key) + ci + (missing ? " (" + (r.value_status_reason || r.value_status.replace(/_/g, " ")) + ")" : "");
      const ch = isNum(r.change_from_previous) ? (r.change_from_previous > 0 ? "+" : "") + nf(1).format(r.change_from_previous) + (meta.is_percent ? " pp" : "") : null;
      if (ch) f("change").textContent = ch + " on " + (r.previous_period_label || "the previous period");
      const england = {above: "Above England", within: "Similar to England", below: "Below England"}[r.against_benchmark];
      if (england) f("rate").textContent = england + " (95% intervals)";
    }
    if (r.rag === "red" || r.rag === "amber" || r.rag === "green") {
      tile.classList.add(r.rag); rag.className = "rag " + r.rag; rag.textContent = r.rag[0].toUpperCase() + r.rag.slice(1);
    } else if (r.rag === C) { rag.className = "rag"; rag.textContent = C; }
    else { rag.textContent = "not rated"; }
    if (area.district && r.position_vs_county && r.position_vs_county !== C) {
      const pos = f("county");
      pos.innerHTML = "";
      const span = document.createElement("span");
      span.className = "pos-" + r.position_vs_county;
      span.textContent = POSITION[r.position_vs_county] || r.position_vs_county;
      pos.append(span, isNum(r.district_rank) ? "; rank " + r.district_rank + " of " + DISTRICTS.length + " (1 = highest)" : "");
    }
    const peer = peerRows(id)?.find(m => m.area_code === D.peers.focus[state.area]);
    if (peer && (isNum(peer.rank_in_group) || peer.rank_in_group === C)) {
      f("peers").textContent = "Peers: " + (peer.rank_in_group === C ? C : "rank " + peer.rank_in_group + " of " + peer.ranked_of) +
        (peer.position_vs_peers && peer.position_vs_peers !== C ? ", " + PEER[peer.position_vs_peers].toLowerCase() : "");
    }
    return r;
  }

  function renderTiles(section, issue) {
    const counts = {red: 0, amber: 0, green: 0, other: 0};
    section.querySelectorAll(".tile").forEach(tile => {
      const id = tile.dataset.indicator;
      const r = tileFor(tile, id);
      const chosen = id === state.chosen[issue.key];
      tile.classList.toggle("chosen", chosen);
      tile.querySelector("button.show").setAttribute("aria-pressed", chosen ? "true" : "false");
      if (r && !IND[id].no_events) counts[["red", "amber", "green"].includes(r.rag) ? r.rag : "other"] += 1;
    });
    return counts;
  }

  // ------------------------------------------------------------------ trend
  function trendRows(id, code) {
    const g = GRID[id], s = SER.get(id + "|" + code), meta = IND[id];
    if (!g || !s) return [];
    const win = g.grain === "quarter" ? 4 : 12;
    return g.labels.map((label, k) => {
      const st = STATUS[s.status[k]];
      const v = st === "available" ? s.value[k] : null;
      const roll = s.rolling ? s.rolling[k] : null;
      const avg = isNum(roll) ? (meta.is_ratio ? roll : roll / win) : null;
      return {
        indicator_id: id, indicator_name: meta.name, area_code: code, area_name: AREA[code].name,
        period: g.trace[k], period_start: g.starts[k], period_label: label,
        value: v, status: st, status_reason: st === "suppressed" ? SMALL : (s.reason ? s.reason[k] : null) || "",
        note: st === "suppressed" ? SMALL : "",
        value_text: st === "available" ? figure(meta, v) : (st === "suppressed" ? C + " " + SMALL : "n/a"),
        status_text: st === "available" ? "published" : (st === "suppressed" ? SMALL : "not available"),
        rolling_12m: roll, rolling_avg: avg,
        rolling_text: isNum(roll) ? figure(meta, roll) : "not shown (a month in the window is not published or not available)",
      };
    });
  }
  function bandFor(id) {
    const g = GRID[id], q = QS[state.q];
    if (!g) return {band_from: null, band_to: null};
    const win = g.grain === "quarter" ? 4 : 12;
    const end = g.grain === "quarter" ? g.labels.indexOf(q.key) : g.starts.indexOf(q.end);
    return end < 0 ? {band_from: null, band_to: null} : {band_from: g.labels[Math.max(0, end - win + 1)], band_to: g.labels[end]};
  }
  function ranges(rows, status) {
    const out = [];
    rows.forEach((r, k) => {
      if (r.status !== status) return;
      const last = out[out.length - 1];
      if (last && last.k === k - 1) { last.to = r.period_label; last.k = k; } else out.push({from: r.period_label, to: r.period_label, k: k});
    });
    return out.map(x => x.from === x.to ? x.from : x.from + " to " + x.to).join(", ");
  }
  function describeTrend(meta, rows, areaName) {
    const shown = rows.filter(r => r.status === "available");
    const grain = GRID[rows[0].indicator_id].grain === "quarter" ? "quarterly" : "monthly";
    const parts = [`Line chart of ${meta.name} for ${areaName}, ${grain} from ${rows[0].period_label} to ${rows[rows.length - 1].period_label}, with the rolling 12-month average.`];
    if (shown.length) {
      const hi = shown.reduce((a, b) => (b.value > a.value ? b : a)), lo = shown.reduce((a, b) => (b.value < a.value ? b : a));
      const last = shown[shown.length - 1];
      parts.push(`Latest ${last.value_text} in ${last.period_label}; highest ${hi.value_text} in ${hi.period_label}; lowest ${lo.value_text} in ${lo.period_label}.`);
    } else parts.push("No figures are shown.");
    const hidden = ranges(rows, "suppressed"), na = ranges(rows, "not_available");
    if (hidden) parts.push(`Not published (small numbers): ${hidden}.`);
    if (na) parts.push(`Not available: ${na}.`);
    return parts.join(" ");
  }
  function renderTrend(fig, id) {
    const meta = IND[id], code = state.area, area = AREA[code];
    const spec = D.specs.trend[id];
    const rows = trendRows(id, code);
    if (!spec || !rows.length) return unavailable(fig, `${meta.name}: no ${meta.windowed ? "monthly series" : "series over time"} for ${area.name} (${meta.kind === "published_figure" ? "a figure published once a period by its source: see its tile" : "no data"}).`);
    const shown = rows.some(r => r.status !== "not_available");
    const grain = GRID[id].grain === "quarter" ? "each quarter" : "each month";
    const unit = meta.is_percent ? "%" : meta.unit;
    setText(fig, `${meta.name}: ${grain}, ${area.name} (${unit})`, describeTrend(meta, rows, area.name),
      shown ? (rows.some(r => r.status === "suppressed") ? "Dashed lines: periods not published (small numbers)." : "") : "No figure for this area in these periods.");
    setCsv(fig, `trend-${slug(id)}-${code}`, ["indicator_id", "indicator_name", "area_code", "area_name", "period", "period_label",
      "value", "status", "status_reason", "rolling_12m", "rolling_12m_average"],
      rows.map(r => Object.assign({}, r, {value: r.status === "suppressed" ? C : plain(r.value), rolling_12m: plain(r.rolling_12m), rolling_12m_average: plain(r.rolling_avg)})));
    const drawn = JSON.parse(JSON.stringify(spec));
    if (!rows.some(r => r.status === "suppressed")) drawn.layer = drawn.layer.filter(l => l.name !== "suppressed");
    const rolling = rows.some(r => isNum(r.rolling_avg));
    if (!rolling) drawn.layer = drawn.layer.filter(l => l.name !== "rolling");
    fig.querySelector("[data-key=rolling]").hidden = !rolling;
    return draw(fig, drawn, {rows: rows}, bandFor(id));
  }

  // ------------------------------------------------------------------ districts (bars) and the map
  function districtRows(id) {
    const meta = IND[id], q = QS[state.q];
    const county = row(state.q, id, D.meta.county);
    const countyValue = county ? county[meta.measure] : null;
    const rows = DISTRICTS.map(a => {
      const r = row(state.q, id, a.code) || {};
      const v = r[meta.measure];
      const status = isNum(v) ? "available" : (v === C ? "suppressed" : "not_available");
      const pos = status === "available" ? r.position_vs_county : null;
      const posLabel = status !== "available" ? null : (POSITION[pos] || NOT_COMPARED);
      return {
        indicator_id: id, indicator_name: meta.name, area_code: a.code, area_name: a.name, period: q.trace,
        measure: `${meta.measure === "rate" ? "rate " + meta.rate_words : meta.measure === "rolling_12m" ? "12 months" : "as published"}, ${q.long}`,
        value: status === "available" ? v : null, status: status,
        value_text: status === "available" ? measureText(meta, v) : (status === "suppressed" ? C : "n/a"),
        position: pos && pos !== C ? pos : null, position_label: posLabel,
        mark_text: status === "available" ? measureText(meta, v) + (POSITION[pos] ? " (" + pos + ")" : "") : (status === "suppressed" ? SMALL : "n/a"),
        district_rank: isNum(r.district_rank) ? r.district_rank : null,
        rank_text: isNum(r.district_rank) ? r.district_rank + " of " + DISTRICTS.length : "–",
        county_value: isNum(countyValue) ? countyValue : (countyValue === C ? C : null),
      };
    });
    const order = rows.slice().sort((a, b) => rank(a) - rank(b) || (b.value || 0) - (a.value || 0) || a.area_name.localeCompare(b.area_name));
    order.forEach((r, k) => { r.order = k; });
    return {rows: rows, county: isNum(countyValue) ? countyValue : null};
  }
  function publishedPeriod(id) {
    // a survey wave or a published period: the one the districts' figures are for
    const found = DISTRICTS.map(a => row(state.q, id, a.code)).find(r => r && r.period_label);
    return found ? String(found.period_label) : QS[state.q].key;
  }
  function rank(r) { return r.status === "available" ? 0 : r.status === "suppressed" ? 1 : 2; }
  const DISTRICT_CSV = ["indicator_id", "indicator_name", "area_code", "area_name", "period", "measure", "value", "status",
    "position_vs_county", "district_rank", "county_value"];
  function districtCsv(rows) {
    return rows.slice().sort((a, b) => a.order - b.order).map(r => Object.assign({}, r, {
      value: r.status === "suppressed" ? C : plain(r.value), position_vs_county: r.position || "", county_value: plain(r.county_value)}));
  }
  function renderDistricts(fig, id) {
    const meta = IND[id], q = QS[state.q], spec = D.specs.districts[id];
    const {rows, county} = districtRows(id);
    if (!spec || rows.every(r => r.status === "not_available")) return unavailable(fig, `${meta.name}: no district figures for ${q.long}.`);
    const countyName = D.meta.county_name;
    const shown = rows.filter(r => r.status === "available").sort((a, b) => a.order - b.order);
    const what = meta.measure === "rate" ? `rate ${meta.rate_words}` : meta.measure === "rolling_12m" ? "12 months" : "as published";
    const when = meta.windowed ? q.long : publishedPeriod(id);
    const desc = [`Bar chart of ${meta.name} by district (${what}), ${when}, highest first.`]
      .concat(isNum(county) ? [`${countyName}: ${measureText(meta, county)}.`] : [])
      .concat(shown.length ? [shown.map(r => `${r.area_name} ${r.value_text}${r.position ? ", " + POSITION[r.position].toLowerCase() : ""}`).join("; ") + "."] : [])
      .concat(rows.some(r => r.status === "suppressed") ? ["Not published (small numbers): " + rows.filter(r => r.status === "suppressed").map(r => r.area_name).join(", ") + "."] : [])
      .join(" ");
    const sel = AREA[state.area].district ? state.area : "";
    setText(fig, `${meta.name} by district: ${what}, ${when}`, desc,
      (sel ? `${AREA[sel].name} is outlined. ` : "") + "Select a bar to choose that district.");
    setCsv(fig, `districts-${slug(id)}-${q.trace}`, DISTRICT_CSV, districtCsv(rows));
    const top = Math.max(0, ...shown.map(r => r.value), isNum(county) ? county : 0);
    const reference = isNum(county) ? [{value: county, label: countyName + ": " + measureText(meta, county)}] : [];
    const xmax = top <= 0 ? 1 : meta.is_percent ? Math.min(top * 1.3, Math.max(100, top) * 1.12) : top * 1.3;
    // the county's label goes left of its rule when it would run past the plot (narrow screens)
    const plot = Math.max(120, fig.querySelector(".vis").clientWidth - 170);
    const right = reference.length > 0 && (county / xmax) * plot + reference[0].label.length * 6.5 + 8 > plot;
    return draw(fig, spec, {rows: rows, reference: reference},
      {xmax: xmax, selected_area: sel, selected_name: sel ? AREA[sel].name : "", reference_right: right}, pickArea);
  }
  function renderMap(fig, id) {
    const meta = IND[id], q = QS[state.q];
    const {rows} = districtRows(id);
    if (rows.every(r => r.status === "not_available")) return unavailable(fig, `${meta.name}: no district figures to map for ${q.long}.`);
    const byPosition = state.mapBy === "position";
    const values = rows.filter(r => r.status === "available").map(r => r.value);
    const lo = Math.min(...values), hi = Math.max(...values);
    const domain = values.length ? (hi > lo ? [lo, hi] : [0, hi || 1]) : [0, 1];
    const features = rows.filter(r => HEX[r.area_code]).map(r => {
      const f = HEX[r.area_code];
      const dark = byPosition && (r.position === "above" || r.position === "below");  // white on the darker fills
      return {type: "Feature", id: f.id, geometry: f.geometry, properties: Object.assign({}, f.properties, {
        value: r.value, value_text: r.value_text, position_label: r.position_label || (r.status === "suppressed" ? SMALL : "n/a"),
        text: f.properties.label + "\n" + r.value_text, dark: dark})};
    });
    const sel = AREA[state.area].district ? state.area : "";
    const what = byPosition ? "position against " + D.meta.county_name : (meta.measure === "rate" ? `rate ${meta.rate_words}` : meta.axis);
    setText(fig, `Map: ${meta.name}, ${what}, ${meta.windowed ? q.long : publishedPeriod(id)}`,
      (D.boundaries ? `Map of the ${rows.length} districts and unitary councils drawn with their boundaries, coloured by ${what}. `
        : `Tile map of the ${rows.length} districts and unitary councils, one hexagon each, coloured by ${what}. `) +
      rows.map(r => `${r.area_name}: ${r.value_text}${r.position ? " (" + r.position + ")" : ""}`).join("; ") + ".",
      (sel ? `${AREA[sel].name} is outlined. ` : "") + (D.boundaries ? "Select a district" : "Select a hexagon") + " to choose that district. Grey: not published or not available.");
    setCsv(fig, `map-${slug(id)}-${q.trace}`, DISTRICT_CSV, districtCsv(rows));
    return draw(fig, D.specs.map[byPosition ? "position" : "rate"], {rows: features},
      {selected_area: sel, domain: domain, legend_title: meta.measure === "rate" ? meta.axis : (meta.is_percent ? "%" : meta.axis),
        legend_format: meta.is_percent || meta.measure === "rate" ? ",.1f" : ",.0f"}, pickArea);
  }

  // ------------------------------------------------------------------ peers (funnel plot)
  function peerRows(id) {
    if (!D.peers.available) return null;
    const focus = D.peers.focus[state.area];
    return focus ? PEERS.get(state.q + "|" + id + "|" + focus) || null : null;
  }
  function renderPeers(fig, id) {
    const meta = IND[id], q = QS[state.q], area = AREA[state.area];
    if (!D.peers.available) return unavailable(fig, `Peer comparison is not available: ${D.peers.reason}.`);
    const focus = D.peers.focus[state.area];
    if (!focus) return unavailable(fig, `Peer groups are formed for the police force area and for each district's Community Safety Partnership: choose one of those to see ${area.name === undefined ? "its" : "their"} peers.`);
    if (!D.peers.quarters.includes(state.q)) return unavailable(fig, `The peer comparison is shown for the latest ${D.peers.quarters.length} quarter ends (from ${QS[D.peers.quarters[0]].end_label}): choose one of those.`);
    const members = peerRows(id);
    if (!members) return unavailable(fig, `No peer comparison of ${meta.name} for ${q.long} (the peer comparison covers the police.uk crime and anti-social behaviour indicators).`);
    const names = D.peers.names;
    const rows = members.map(m => ({
      indicator_id: id, indicator_name: meta.name, focus_area_code: focus, area_code: m.area_code, area_name: names[m.area_code] || m.area_code,
      period: q.trace, measure: "rate per 1,000 residents, " + q.long, is_focus: m.area_code === focus,
      population: m.population, rate: isNum(m.rate_per_1000) ? m.rate_per_1000 : null, rate_per_1000: m.rate_per_1000,
      count: m.count, rank_in_group: m.rank_in_group, ranked_of: m.ranked_of, position_vs_peers: m.position_vs_peers,
      position_label: PEER[m.position_vs_peers] || NOT_COMPARED, average: m.group_average_rate, group_average_rate: m.group_average_rate,
      lo95: m.funnel_lower_95, hi95: m.funnel_upper_95, lo998: m.funnel_lower_998, hi998: m.funnel_upper_998,
      rate_text: rateText(m.rate_per_1000), population_text: isNum(m.population) ? nf(0).format(m.population) : "n/a",
      rank_text: isNum(m.rank_in_group) ? m.rank_in_group + " of " + m.ranked_of : (m.rank_in_group === C ? C : "–"),
    }));
    const me = rows.find(r => r.is_focus);
    const avg = rows.find(r => isNum(r.average));
    const hidden = rows.some(r => r.rate_per_1000 === C);
    setText(fig, `${meta.name}: ${me ? me.area_name : area.name} among its peers, rate per 1,000 residents, ${q.long}`,
      `Funnel plot: the ${rows.length} members of the peer group at their population and rate per 1,000 residents. ` +
      (me ? `${me.area_name}: ${me.rate_text}, rank ${me.rank_text}, ${(PEER[me.position_vs_peers] || "not compared").toLowerCase()}. ` : "") +
      (avg ? `Peer average ${rateText(avg.average)}.` : "") + " Members: " + rows.map(r => `${r.area_name} ${r.rate_text}`).join("; ") + ".",
      hidden ? "A member's figure is not published (small numbers): the group average and limits are not shown." :
        "Dashed: 95% control limits; dotted: 99.8%; line: the peer average. Outside the limits = a real difference, not chance.");
    setCsv(fig, `peers-${slug(id)}-${focus}-${q.trace}`, ["indicator_id", "indicator_name", "focus_area_code", "area_code", "area_name",
      "period", "measure", "population", "rate_per_1000", "count", "rank_in_group", "ranked_of", "position_vs_peers", "group_average_rate",
      "lo95", "hi95", "lo998", "hi998"], rows.map(r => Object.assign({}, r, {rate_per_1000: plain(r.rate_per_1000), count: plain(r.count),
      rank_in_group: r.rank_in_group === C ? C : plain(r.rank_in_group), group_average_rate: plain(r.average)})));
    return draw(fig, D.specs.funnel, {rows: rows});
  }

  // ------------------------------------------------------------------ costs
  function renderCosts() {
    const costIds = Object.keys(IND).filter(id => IND[id].is_cost);
    const q = QS[state.q], area = AREA[state.area];
    const lines = costIds.map(id => {
      const r = row(state.q, id, state.area);
      if (!r) return null;
      const ch = change(IND[id], r.change_12m);
      return `${IND[id].name}, ${area.name}, ${q.long}: ${figure(IND[id], r.rolling_12m)}` + (ch ? ` (${ch} on the 12 months before)` : "") + ".";
    }).filter(Boolean);
    document.getElementById("costs-area").textContent = lines.join(" ") ||
      `The cost of crime is not available for ${area.name}, ${q.long}.`;
    if (!D.costs.available) return Promise.resolve();
    const fig = document.getElementById("costs-chart");
    const cf = D.costs.fields;
    const rows = D.costs.rows.map(r => Object.fromEntries(cf.map((f, i) => [f, r[i]]))).map(r => ({
      financial_year: D.costs.year, area_code: D.meta.force_area, category: r.category, crimes: r.crimes, unit_cost: r.unit_cost,
      total: isNum(r.total) ? r.total : null, total_or_zero: isNum(r.total) ? r.total : 0, per_head: r.per_head, order: r.order,
      status: r.total === C ? "suppressed" : "available", total_text: isNum(r.total) ? money(r.total) : C,
      crimes_text: isNum(r.crimes) ? nf(0).format(r.crimes) : C}));
    document.getElementById("costs-summary").textContent =
      `In ${D.costs.year} the ${nf(0).format(D.costs.crimes)} costed crimes of the force extract in the ${D.meta.force_name} cost an estimated ${money(D.costs.total)}` +
      (isNum(D.costs.per_head) ? ` (£${nf(2).format(D.costs.per_head)} per resident)` : "") + `, in ${D.costs.price_year} prices.` +
      (D.costs.not_costed ? ` ${nf(0).format(D.costs.not_costed)} crimes have no unit cost.` : "");
    fig.querySelector("p.visually-hidden").textContent = "Bar chart, largest first: " +
      rows.map(r => `${r.category} ${r.total_text}`).join("; ") + ".";
    setCsv(fig, `costs-${slug(D.costs.year)}`, ["financial_year", "area_code", "category", "crimes", "unit_cost", "total", "per_head", "status"],
      rows.map(r => Object.assign({}, r, {crimes: r.crimes === C ? C : plain(r.crimes), total: r.status === "suppressed" ? C : plain(r.total),
        per_head: r.per_head === C ? C : plain(r.per_head)})));
    const top = Math.max(1, ...rows.map(r => r.total || 0));
    const spec = JSON.parse(JSON.stringify(D.specs.costs));
    spec.height = Math.max(120, rows.length * 20);
    return draw(fig, spec, {rows: rows}, {xmax: top * 1.3});
  }

  // ------------------------------------------------------------------ sections, search, summary
  function renderIssue(issue) {
    const section = document.getElementById(issue.anchor);
    const counts = renderTiles(section, issue);
    const id = state.chosen[issue.key];
    section.querySelector("[data-f=chart-indicator]").textContent = IND[id].name + ", " + AREA[state.area].name;
    const fig = kind => section.querySelector("[data-chart=" + kind + "]");
    renderTrend(fig("trend"), id);
    renderDistricts(fig("districts"), id);
    renderMap(fig("map"), id);
    renderPeers(fig("peers"), id);
    return counts;
  }
  function words(n) { return ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"][n] || String(n); }
  function renderAll() {
    const area = AREA[state.area], q = QS[state.q];
    document.querySelectorAll("[data-bind=area]").forEach(e => { e.textContent = area.name; });
    document.querySelectorAll("[data-bind=period]").forEach(e => { e.textContent = q.long + " (" + q.key + ")"; });
    const total = {red: 0, amber: 0, green: 0, other: 0};
    D.issues.forEach(issue => { const c = renderIssue(issue); Object.keys(total).forEach(k => { total[k] += c[k]; }); });
    const n = total.red + total.amber + total.green + total.other;
    document.getElementById("summary-text").textContent =
      `Of ${words(n)} indicators for ${area.name} in the ${q.long.replace("12 months", "12 months")}, ${words(total.red)} ${total.red === 1 ? "is" : "are"} red ` +
      `(a statistically significant deterioration on the 12 months before), ${words(total.amber)} amber (no significant change), ` +
      `${words(total.green)} green (a significant improvement) and ${words(total.other)} not rated.`;
    const example = D.issues[0] && D.issues[0].indicators[0];
    document.querySelectorAll("[data-bind=trace-example]").forEach(e => { e.textContent = `${example} ${state.area} ${q.trace}`; });
    renderCosts();
    applySearch();
    writeHash();
  }
  function applySearch() {
    const terms = state.query.toLowerCase().split(/\s+/).filter(Boolean);
    let matches = 0;
    D.issues.forEach(issue => {
      const section = document.getElementById(issue.anchor);
      let any = false;
      section.querySelectorAll(".tile").forEach(tile => {
        const ok = terms.every(t => tile.dataset.search.includes(t));
        tile.hidden = !ok; any = any || ok; matches += ok ? 1 : 0;
      });
      section.hidden = !any;
      document.querySelector(`[data-issue-link="${issue.anchor}"]`).hidden = !any;
    });
    const status = document.getElementById("search-status");
    status.textContent = !terms.length ? "" : matches ? `${matches} indicator${matches === 1 ? "" : "s"} match “${state.query.trim()}”.`
      : `No indicator matches “${state.query.trim()}”.`;
  }
  function chooseIndicator(id) {
    const issue = D.issues.find(i => i.indicators.includes(id));
    state.chosen[issue.key] = id;
    renderIssue(issue);
  }

  // ------------------------------------------------------------------ wiring
  readHash();
  document.getElementById("area").value = state.area;
  document.getElementById("period").value = QS[state.q].key;
  document.getElementById("area").addEventListener("change", e => { state.area = e.target.value; renderAll(); });
  document.getElementById("period").addEventListener("change", e => { state.q = QS.findIndex(q => q.key === e.target.value); renderAll(); });
  document.getElementById("search").addEventListener("input", e => {
    state.query = e.target.value;
    applySearch();
    // a section's charts follow the search: its first matching indicator, if the chosen one is hidden
    D.issues.forEach(issue => {
      const section = document.getElementById(issue.anchor);
      const chosenTile = section.querySelector(`.tile[data-indicator="${state.chosen[issue.key]}"]`);
      const first = section.querySelector(".tile:not([hidden])");
      if (chosenTile && chosenTile.hidden && first) chooseIndicator(first.dataset.indicator);
    });
  });
  document.querySelectorAll("input[name=mapby]").forEach(r => r.addEventListener("change", e => {
    state.mapBy = e.target.value;
    D.issues.forEach(issue => renderMap(document.getElementById(issue.anchor).querySelector("[data-chart=map]"), state.chosen[issue.key]));
  }));
  document.querySelectorAll("button.show").forEach(b => b.addEventListener("click", () => chooseIndicator(b.dataset.show)));
  window.addEventListener("hashchange", () => { readHash(); document.getElementById("area").value = state.area;
    document.getElementById("period").value = QS[state.q].key; renderAll(); });
  renderAll();
})();
{% endraw %}
