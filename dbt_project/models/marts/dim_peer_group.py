"""Every peer group relative position compares, its members and how it was formed.

Two kinds of group, one row per member (the focus area itself included, member_rank 0):

* the partnership's police force area (var('force_area_code'), its force var('police_uk_force'))
  with its most similar forces, the data.police.uk force slugs of the setting `[peers] forces` in
  their order (method `setting`), placed in their force areas by the police_forces seed;
* each of the partnership's Community Safety Partnerships (the csp_code of the districts and
  unitaries of the lancashire_areas seed, and any other CSP the settings list) with its most
  similar CSPs: the setting `[peers.csp]` list where the partnership has the Home Office's group
  (method `setting`), otherwise the var('peer_csp_k') nearest CSPs of England and Wales
  (method `nearest_neighbours`) by warehouse.peer_statistics.nearest_peers on the standardised
  variables of int_csp_peer_variables that any CSP has (log population, population-weighted
  average IMD rank, share of residents aged 15-24): Euclidean distance, a variable an area lacks
  left out of its distances (scaled to the full number), equal distances in order of CSP code.

Reproducible: the same loaded data and settings give the same groups to the last digit of every
distance (nearest_peers works in area-code order). A group the data cannot form (no lookup loaded,
a focus CSP without any variable, a force slug the seed does not know) keeps its focus row and
says why in group_note.
"""

import json

import numpy as np
import pandas as pd

# The project's own package (installed with `make`): the one implementation of the method.
from warehouse import peer_statistics

VARIABLES = ("log_population", "imd_average_rank", "share_aged_15_24")
CSP_VALUE_COLUMNS = ("population", "population_year", "log_population", "imd_average_rank", "share_aged_15_24")
COLUMNS = {
    "group_id": "varchar",
    "group_name": "varchar",
    "focus_area_code": "varchar",
    "focus_area_name": "varchar",
    "focus_area_type": "varchar",
    "member_area_code": "varchar",
    "member_area_name": "varchar",
    "member_area_type": "varchar",
    "member_force": "varchar",
    "is_focus_area": "boolean",
    "member_rank": "integer",
    "distance": "double",
    "method": "varchar",
    "variables": "varchar",
    "k": "integer",
    "group_size": "integer",
    "group_note": "varchar",
    "population": "bigint",
    "population_year": "integer",
    "log_population": "double",
    "imd_average_rank": "double",
    "share_aged_15_24": "double",
}


def _setting(value):
    """A list or table setting as dbt renders it into the model's config (JSON text, or the value)."""
    return json.loads(value) if isinstance(value, str) else value


def _force_group(force_area_code: str, own_force: str, peer_forces: list[str], forces: pd.DataFrame) -> list[dict]:
    with_area = forces[forces["pfa_code"].notna()].drop_duplicates("force_slug").set_index("force_slug")
    by_area = forces[forces["pfa_code"].notna()].drop_duplicates("pfa_code").set_index("pfa_code")
    focus_name = by_area["pfa_name"].get(force_area_code)
    group_id = f"force_area:{force_area_code}"
    unknown = [f for f in peer_forces if f not in with_area.index]
    members = [f for f in dict.fromkeys(peer_forces) if f in with_area.index and f != own_force]
    note = None
    if unknown:
        note = ("[peers] forces names force slugs with no police force area in the police_forces seed, left out: "
                + ", ".join(unknown))
    base = {"group_id": group_id, "group_name": f"{focus_name or force_area_code} and its most similar forces",
            "focus_area_code": force_area_code, "focus_area_name": focus_name, "focus_area_type": "force_area",
            "member_area_type": "force_area", "method": "setting", "variables": None, "k": len(members),
            "group_size": len(members) + 1, "group_note": note, "distance": np.nan}
    rows = [{**base, "member_area_code": force_area_code, "member_area_name": focus_name, "member_force": own_force,
             "is_focus_area": True, "member_rank": 0}]
    for rank, slug in enumerate(members, 1):
        rows.append({**base, "member_area_code": with_area.at[slug, "pfa_code"],
                     "member_area_name": with_area.at[slug, "pfa_name"], "member_force": slug,
                     "is_focus_area": False, "member_rank": rank})
    return rows


def _csp_groups(focus: pd.DataFrame, settings: dict[str, list[str]], variables: pd.DataFrame, k: int) -> list[dict]:
    names = variables.set_index("csp_code")["csp_name"].to_dict()
    used = [v for v in VARIABLES if variables[v].notna().any()]
    peers = pd.DataFrame(columns=["area", "peer", "rank", "distance"])
    if used and len(variables) >= 2:
        peers = peer_statistics.nearest_peers(variables["csp_code"], variables[list(used)].astype(float), k=k)
    by_focus = {code: table for code, table in peers.groupby("area")}
    known = set(variables["csp_code"])
    has_any = set(variables.loc[variables[list(used)].notna().any(axis=1), "csp_code"]) if used else set()
    rows = []
    for code, seed_name in focus.itertuples(index=False):
        name = names.get(code) or seed_name
        base = {"group_id": f"csp:{code}", "group_name": f"{name or code} and its most similar CSPs",
                "focus_area_code": code, "focus_area_name": name, "focus_area_type": "csp", "member_area_type": "csp",
                "member_force": None}
        if code in settings:
            members = [m for m in dict.fromkeys(settings[code]) if m != code]
            base |= {"method": "setting", "variables": None, "k": len(members), "group_note": None}
            table = pd.DataFrame({"peer": members, "rank": range(1, len(members) + 1), "distance": np.nan})
        else:
            table = by_focus.get(code, pd.DataFrame(columns=["peer", "rank", "distance"]))
            if not used:
                note = "no peers computed: no CSP has any of the variables (is the LAD -> CSP -> PFA lookup loaded?)"
            elif code not in known:
                note = "no peers computed: the CSP is not in the loaded LAD -> CSP -> PFA lookup"
            elif code not in has_any:
                note = "no peers computed: the CSP has none of the variables (no population or IMD rank loaded)"
            elif len(table) < k:
                note = f"{len(table)} CSPs share a variable with it, fewer than k = {k}"
            else:
                missing = [v for v in used if pd.isna(variables.set_index("csp_code").at[code, v])]
                note = (f"compared without {', '.join(missing)} (not available for the CSP)" if missing else None)
            base |= {"method": "nearest_neighbours", "variables": ", ".join(used), "k": k, "group_note": note}
        base["group_size"] = len(table) + 1
        rows.append({**base, "member_area_code": code, "member_area_name": name, "is_focus_area": True,
                     "member_rank": 0, "distance": np.nan})
        for peer in table.itertuples(index=False):
            rows.append({**base, "member_area_code": peer.peer, "member_area_name": names.get(peer.peer),
                         "is_focus_area": False, "member_rank": int(peer.rank), "distance": float(peer.distance)})
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    force_area_code = str(dbt.config.get("force_area_code"))
    own_force = str(dbt.config.get("police_uk_force"))
    peer_forces = [str(f) for f in _setting(dbt.config.get("peer_forces"))]
    k = int(dbt.config.get("peer_csp_k"))
    csp_settings = {str(c): [str(m) for m in ms] for c, ms in _setting(dbt.config.get("peer_csp_groups")).items()}

    forces = dbt.ref("police_forces").df()
    areas = dbt.ref("lancashire_areas").df()
    variables = dbt.ref("int_csp_peer_variables").df().sort_values("csp_code", kind="stable").reset_index(drop=True)

    districts = areas[areas["area_type"].isin(["district", "unitary"]) & areas["csp_code"].notna()]
    focus = districts[["csp_code", "area_name"]].drop_duplicates("csp_code")
    extra = sorted(set(csp_settings) - set(focus["csp_code"]))
    focus = pd.concat([focus, pd.DataFrame({"csp_code": extra, "area_name": [None] * len(extra)})], ignore_index=True)
    focus = focus.sort_values("csp_code", kind="stable")

    rows = _force_group(force_area_code, own_force, peer_forces, forces)
    rows += _csp_groups(focus, csp_settings, variables, k)
    frame = pd.DataFrame(rows)
    values = variables.set_index("csp_code")[list(CSP_VALUE_COLUMNS)]
    is_csp = frame["member_area_type"] == "csp"
    for column in CSP_VALUE_COLUMNS:
        frame[column] = np.where(is_csp, frame["member_area_code"].map(values[column]), np.nan)
    frame = frame.astype({c: object for c in frame.columns if COLUMNS[c] == "varchar"})
    frame = frame.where(frame.notna(), None)
    relation = session.from_df(frame[list(COLUMNS)])
    return relation.project(", ".join(f"cast({c} as {t}) as {c}" for c, t in COLUMNS.items())).order(
        "focus_area_type desc, focus_area_code, member_rank")
