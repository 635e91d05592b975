"""Synthetic demo files for the restricted partner feeds: the police crime extract, DA incidents,
MARAC returns, and ONS population by sex and single year of age.

EVERYTHING HERE IS SYNTHETIC. References look like a force's ("06/000123/24") so that the
pseudonymisation test can look for them, but they identify nobody. The files follow the
contracts in the README and carry the quirks an analyst's export has: lower-case flags,
offence codes with a leading zero, a handful of rows that break a rule (an offence code not in
the Home Office list, a crime recorded in another month, a duplicated reference), crimes without a
victim or without a location.

Volumes follow the police.uk demo (about 10,000 crimes a month at scale 1, DA about 14% of
crime), night-time violence concentrates on Friday and Saturday nights in the demo's town-centre
LSOAs (the LSOAs nearest each district's centre, written to the home's settings.toml so the demo
NTE indicator counts something), and MARAC cases run near the SafeLives benchmark of 40 a year
per 10,000 adult females. Generation is vectorised with numpy; loops run over months, quarters,
areas and files only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

# Home Office offence code, weight among recorded crimes, is violence, share domestic abuse
OFFENCES: tuple[tuple[str, str, float, bool, float], ...] = (
    ("8N", "Assault with injury", 9.0, True, 0.40),
    ("105A", "Assault without injury", 14.0, True, 0.38),
    ("8L", "Harassment", 6.0, True, 0.35),
    ("8S", "Controlling or coercive behaviour", 2.5, True, 0.98),
    ("8R", "Malicious communications", 5.0, True, 0.25),
    ("5D", "Assault with intent to cause serious harm", 0.6, True, 0.25),
    ("8P", "Racially or religiously aggravated assault with injury", 0.3, True, 0.0),
    ("1", "Murder", 0.02, True, 0.3),
    ("19C", "Rape of a female aged 16 and over", 0.8, False, 0.35),
    ("20A", "Sexual assault on a female aged 13 and over", 1.2, False, 0.1),
    ("71", "Abuse of children through sexual exploitation", 0.1, False, 0.0),
    ("34B", "Robbery of personal property", 0.9, False, 0.02),
    ("28E", "Burglary - residential", 3.5, False, 0.03),
    ("30C", "Burglary - business and community", 1.5, False, 0.0),
    ("48", "Theft or unauthorised taking of a motor vehicle", 1.5, False, 0.01),
    ("45", "Theft from a vehicle", 3.0, False, 0.0),
    ("39", "Theft from the person", 1.0, False, 0.0),
    ("46", "Shoplifting", 10.0, False, 0.0),
    ("49", "Other theft", 7.0, False, 0.02),
    ("44", "Theft or unauthorised taking of a pedal cycle", 1.3, False, 0.0),
    ("56B", "Arson not endangering life", 0.6, False, 0.02),
    ("58A", "Criminal damage to a dwelling", 3.5, False, 0.2),
    ("58C", "Criminal damage to a vehicle", 3.0, False, 0.05),
    ("10A", "Possession of article with blade or point", 0.8, False, 0.0),
    ("9B", "Public fear, alarm or distress", 6.0, False, 0.08),
    ("125", "Racially or religiously aggravated public fear, alarm or distress", 0.8, False, 0.0),
    ("92A", "Trafficking in controlled drugs", 0.8, False, 0.0),
    ("92D", "Possession of cannabis", 2.0, False, 0.0),
)
FLAG_HEADERS = ("Domestic Abuse", "Hate Race", "Hate Religion", "Hate Sexual Orientation", "Hate Transgender",
                "Hate Disability", "Alcohol Related", "Child Sexual Exploitation", "Child Criminal Exploitation",
                "Organised Crime Group", "Knife or Sharp Instrument")
CRIME_HEADER = ("Crime Reference", "Recorded Date", "Committed From", "Committed To", "HO Offence Code",
                "HO Offence Description", "LSOA Code", *FLAG_HEADERS, "Victim Reference", "Victim Age Band",
                "Victim Sex", "Outcome")
AGE_BANDS = np.array(["0-9", "10-14", "15-17", "18-20", "21-25", "26-34", "35-44", "45-54", "55-64", "65+",
                      "Unknown"])
AGE_P = np.array([3, 5, 7, 9, 12, 20, 17, 12, 7, 5, 3], dtype=float)
CRIME_OUTCOMES = np.array(["Charge/Summons", "Caution", "Community resolution", "Evidential difficulties",
                           "Investigation complete - no suspect identified", "Under investigation"])
MONTHLY_CRIMES = 10_000
UNKNOWN_CODE = "999Z"  # not a Home Office code: these rows are quarantined (offence_code_known)
DASH = np.array(["Standard", "Medium", "High"])
DASH_P = np.array([0.6, 0.28, 0.12])
DA_INCIDENT_HEADER = ("Incident Reference", "Incident Date Time", "LSOA Code", "DASH Risk Level", "Repeat Victim",
                      "Victim Reference")
MARAC_HEADER = ("MARAC Area", "Quarter", "Cases Discussed", "Repeat Cases", "Children in Households",
                "Referrals Police", "Referrals IDVA", "Referrals Health", "Referrals Childrens Services",
                "Referrals Other", "Cases BME", "Cases Disabled", "Cases LGBT", "Cases Male", "Cases Aged 16-17")
FORCE_CODE = "06"


def _yn(flags: np.ndarray) -> np.ndarray:
    return np.where(flags, "Y", "N")


def town_centre_lsoas(geo: pl.DataFrame, per_area: int = 2) -> list[str]:
    """The demo's town centres: each district's ``per_area`` LSOAs nearest its centre (both vintages' codes)."""
    from ingestion.demo_data import AREAS

    centres = pl.DataFrame({"lad_code": [a[0] for a in AREAS], "_clon": [a[4] for a in AREAS],
                            "_clat": [a[5] for a in AREAS]})
    near = (
        geo.filter("in_county").join(centres, on="lad_code")
        .with_columns(((pl.col("lon") - pl.col("_clon")) ** 2 + (pl.col("lat") - pl.col("_clat")) ** 2).alias("_d"))
        .sort("lad_code", "_d").group_by("lad_code", maintain_order=True).head(per_area)
    )
    return sorted(set(near["lsoa11_code"].to_list()) | set(near["lsoa21_code"].to_list()))


def _night_hours(rng: np.random.Generator, n: int, violent: np.ndarray) -> np.ndarray:
    """Hour of the day: violence peaks late evening and after midnight, other crime in the day."""
    day = rng.integers(7, 20, n)
    night = np.array([20, 21, 22, 23, 0, 1, 2, 3, 4, 5])[rng.integers(0, 10, n)]
    return np.where(violent & (rng.random(n) < 0.55), night, np.where(rng.random(n) < 0.2, night, day))


def _crime_month(ctx, geo_codes: np.ndarray, centres: np.ndarray, month: str, rng: np.random.Generator,
                 scale: float, victims: np.ndarray) -> pl.DataFrame:
    from ingestion.demo_data import _draw_lsoa

    y, m = map(int, month.split("-"))
    bad = max(1, round(3 * scale))  # rows that break the contract, so the quarantine has something to show
    n = max(bad + 1, int(rng.poisson(MONTHLY_CRIMES * scale)))  # a file always has a valid row
    weights = np.array([o[2] for o in OFFENCES])
    k = rng.choice(len(OFFENCES), n, p=weights / weights.sum())
    codes = np.array([o[0] for o in OFFENCES])[k]
    violent = np.array([o[3] for o in OFFENCES])[k]
    area = rng.choice(ctx.area_share.size, n, p=ctx.area_share)
    lsoa = _draw_lsoa(ctx.cum, area, rng)
    # night-time violence goes to the town centres
    in_centre = violent & (rng.random(n) < 0.3)
    lsoa_code = np.where(in_centre, centres[rng.integers(0, centres.size, n)], geo_codes[lsoa])
    lsoa_code = np.where(rng.random(n) < 0.01, "", lsoa_code)  # no location recorded
    days_in_month = (np.datetime64(f"{y + m // 12}-{m % 12 + 1:02d}-01") - np.datetime64(f"{month}-01")).astype(int)
    recorded = np.datetime64(f"{month}-01") + rng.integers(0, days_in_month, n).astype("timedelta64[D]")
    lag = np.minimum(rng.geometric(0.6, n) - 1, 5).astype("timedelta64[D]")
    hour = _night_hours(rng, n, violent)
    start = (recorded - lag).astype("datetime64[m]") + (hour * 60 + rng.integers(0, 60, n)).astype("timedelta64[m]")
    # a crime committed in the small hours is recorded that day at the earliest
    start = np.minimum(start, recorded.astype("datetime64[m]") + np.timedelta64(23 * 60 + 59, "m"))
    end = start + rng.integers(0, 180, n).astype("timedelta64[m]")
    has_end = rng.random(n) < 0.6
    da = rng.random(n) < np.array([o[4] for o in OFFENCES])[k]
    hate = rng.random((n, 5)) < np.array([0.020, 0.004, 0.003, 0.0015, 0.002]) * (1 + 2 * violent[:, None])
    alcohol = rng.random(n) < np.where(violent, 0.18, 0.03)
    sexual = np.isin(codes, ("19C", "20A", "71"))
    cse = (codes == "71") | (sexual & (rng.random(n) < 0.08))
    cce = rng.random(n) < np.where(np.isin(codes, ("92A", "10A")), 0.15, 0.002)
    ocg = rng.random(n) < np.where(np.isin(codes, ("92A", "48", "28E")), 0.08, 0.004)
    knife = (codes == "10A") | (rng.random(n) < np.where(violent | (codes == "34B"), 0.04, 0.0))
    flags = np.column_stack([da, hate, alcohol, cse, cce, ocg, knife])
    no_victim = np.isin(codes, ("92A", "92D", "10A", "9B", "46"))
    # repeat victims: domestic abuse victims come back from a smaller pool
    victim = np.where(da, victims[rng.integers(0, max(1, victims.size // 8), n)],
                      victims[rng.integers(0, victims.size, n)])
    yy = f"{y % 100:02d}"
    ref_no = rng.permutation(n) + 1 + (m - 1) * 40_000
    refs = np.char.add(np.char.add(f"{FORCE_CODE}/", np.char.zfill(ref_no.astype(str), 6)), f"/{yy}")
    df = pl.DataFrame({
        "Crime Reference": refs,
        "Recorded Date": np.datetime_as_string(recorded, unit="D"),
        "Committed From": np.char.replace(np.datetime_as_string(start, unit="m"), "T", " "),
        "Committed To": np.where(has_end, np.char.replace(np.datetime_as_string(end, unit="m"), "T", " "), ""),
        "HO Offence Code": np.where(rng.random(n) < 0.05, np.char.add("0", codes), codes),
        "HO Offence Description": np.array([o[1] for o in OFFENCES])[k],
        "LSOA Code": lsoa_code,
        **{h: _yn(flags[:, i]) for i, h in enumerate(FLAG_HEADERS)},
        "Victim Reference": np.where(no_victim, "", victim),
        "Victim Age Band": np.where(no_victim, "", AGE_BANDS[rng.choice(AGE_BANDS.size, n, p=AGE_P / AGE_P.sum())]),
        "Victim Sex": np.where(no_victim, "", np.where(da & (rng.random(n) < 0.78), "F",
                                                       np.array(["M", "F", "U"])[rng.choice(3, n, p=[.5, .45, .05])])),
        "Outcome": CRIME_OUTCOMES[rng.integers(0, CRIME_OUTCOMES.size, n)],
    })
    lower = rng.random(n) < 0.03  # some exports write flags in lower case
    df = df.with_columns([pl.when(pl.lit(lower)).then(pl.col(h).str.to_lowercase()).otherwise(pl.col(h)).alias(h)
                          for h in FLAG_HEADERS[:1]])
    df = df.with_columns(
        pl.when(pl.int_range(0, n) < bad).then(pl.lit(UNKNOWN_CODE)).otherwise(pl.col("HO Offence Code"))
        .alias("HO Offence Code")
    )
    return df.sort("Recorded Date", "Crime Reference")


def _da_incident_month(ctx, geo_codes: np.ndarray, month: str, rng: np.random.Generator, scale: float,
                       victims: np.ndarray) -> pl.DataFrame:
    from ingestion.demo_data import _draw_lsoa

    y, m = map(int, month.split("-"))
    n = max(1, int(rng.poisson(0.9 * 0.14 * MONTHLY_CRIMES * scale)))
    area = rng.choice(ctx.area_share.size, n, p=ctx.area_share)
    lsoa = _draw_lsoa(ctx.cum, area, rng)
    days_in_month = (np.datetime64(f"{y + m // 12}-{m % 12 + 1:02d}-01") - np.datetime64(f"{month}-01")).astype(int)
    at = (np.datetime64(f"{month}-01").astype("datetime64[m]")
          + rng.integers(0, days_in_month * 24 * 60, n).astype("timedelta64[m]"))
    refs = np.char.add(f"DA{y}{m:02d}-", np.char.zfill((rng.permutation(n) + 1).astype(str), 5))
    return pl.DataFrame({
        "Incident Reference": refs,
        "Incident Date Time": np.char.replace(np.datetime_as_string(at, unit="m"), "T", " "),
        "LSOA Code": np.where(rng.random(n) < 0.01, "", geo_codes[lsoa]),
        "DASH Risk Level": DASH[rng.choice(3, n, p=DASH_P)],
        "Repeat Victim": _yn(rng.random(n) < 0.3),
        "Victim Reference": victims[rng.integers(0, max(1, victims.size // 8), n)],
    }).sort("Incident Date Time", "Incident Reference")


def _quarters(months: list[str]) -> list[tuple[int, int]]:
    """(financial year start, quarter) of every financial quarter whose three months are all in ``months``."""
    have = set(months)
    out = []
    for month in months:
        y, m = map(int, month.split("-"))
        if m in (4, 7, 10, 1):
            q = {4: 1, 7: 2, 10: 3, 1: 4}[m]
            fy = y if q < 4 else y - 1
            trio = [f"{y}-{m + i:02d}" for i in range(3)]
            if all(t in have for t in trio):
                out.append((fy, q))
    return out


def adult_female_share() -> float:
    """Share of residents who are females aged 16+ in the demo population (about 0.41)."""
    ages = np.arange(91)
    w = _age_weights(ages)
    return float(0.51 * w[ages >= 16].sum() / w.sum())


def _age_weights(ages: np.ndarray) -> np.ndarray:
    return np.where(ages < 90, np.exp(-((ages - 38) / 45.0) ** 2) + 0.15, 1.2)


def _marac(areas, quarters: list[tuple[int, int]], pops: np.ndarray, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng([seed, 9])
    frames = []
    share = adult_female_share()
    for fy, q in quarters:
        lam = pops * share / 10_000 * 40 / 4 * rng.uniform(0.8, 1.2, len(areas))
        cases = rng.poisson(lam)
        repeat = rng.binomial(cases, 0.3)
        ref = np.stack([rng.multinomial(c, [0.62, 0.14, 0.08, 0.06, 0.10]) for c in cases])  # 14 areas, not rows
        frames.append(pl.DataFrame({
            "MARAC Area": [a[1] for a in areas], "Quarter": f"{fy}/{(fy + 1) % 100:02d} Q{q}",
            "Cases Discussed": cases, "Repeat Cases": repeat,
            "Children in Households": rng.binomial(cases * 2, 0.6),
            "Referrals Police": ref[:, 0], "Referrals IDVA": ref[:, 1], "Referrals Health": ref[:, 2],
            "Referrals Childrens Services": ref[:, 3], "Referrals Other": ref[:, 4],
            "Cases BME": rng.binomial(cases, 0.12), "Cases Disabled": rng.binomial(cases, 0.08),
            "Cases LGBT": rng.binomial(cases, 0.02), "Cases Male": rng.binomial(cases, 0.05),
            "Cases Aged 16-17": rng.binomial(cases, 0.02)}))
    return pl.concat(frames)


def _population_sex_age(areas, years: list[int], pops: np.ndarray, seed: int) -> pl.DataFrame:
    """ONS long format; each district-year's single-year-of-age figures add up to its all-ages figure."""
    rng = np.random.default_rng([seed, 10])
    ages = np.arange(91)
    w = _age_weights(ages)
    p = np.concatenate([0.49 * w, 0.51 * w])
    p = p / p.sum()
    frames = []
    for i, area in enumerate(areas):
        for j, year in enumerate(years):
            counts = rng.multinomial(int(pops[i, j]), p)
            frames.append(pl.DataFrame({"ladcode": area[0], "laname": area[1], "sex": np.repeat([1, 2], 91),
                                        "age": np.tile(ages, 2), "population": counts, "year": year}))
    return pl.concat(frames)


def _write_settings(home: Path, centres: list[str]) -> None:
    """The demo's town centres go in the home's settings.toml (appended; an existing section is kept)."""
    path = home / "settings.toml"
    text = path.read_text() if path.exists() else ""
    if "[night_time_economy]" in text:
        return
    body = ",\n".join(f'  "{c}"' for c in centres)
    path.write_text(
        text + ("\n" if text and not text.endswith("\n") else "")
        + "# Written by `csw demo-data`: the synthetic demo geography's town centres (LSOAs nearest each\n"
        + "# district's centre). Replace with the partnership's own list for real data.\n"
        + f"[night_time_economy]\ntown_centre_lsoas = [\n{body},\n]\n"
    )


def write_restricted_demo(landing: Path, geo: pl.DataFrame, seed: int, months: list[str], scale: float
                          ) -> dict[str, list[Path]]:
    """Write the four feeds under landing/<feed>/ and the demo town centres to the home's settings."""
    from ingestion.demo_data import AREAS, _PoliceContext, _area_population, _rng
    from ingestion.pseudonymise import mark_demo_landing

    mark_demo_landing(landing)
    ctx = _PoliceContext(geo, seed)
    centres = np.array(town_centre_lsoas(geo))
    _write_settings(landing.parent, centres.tolist())
    inc = geo.filter("in_county")
    victims = np.char.add("V", np.char.zfill(np.arange(1, 1 + max(50, round(60_000 * scale))).astype(str), 7))
    out: dict[str, list[Path]] = {f: [] for f in ("police_crime_extract", "police_da_incidents", "marac_returns",
                                                  "population_sex_age")}
    for feed in out:
        (landing / feed).mkdir(parents=True, exist_ok=True)
    for month in months:
        y, m = map(int, month.split("-"))
        v = 21 if month >= "2023-07" else 11
        codes = inc[f"lsoa{v}_code"].to_numpy().astype(str)
        crimes = _crime_month(ctx, codes, centres, month, _rng(seed, 7, y * 12 + m), scale, victims)
        path = landing / "police_crime_extract" / f"lancashire-crime-extract-{month}.csv"
        crimes.write_csv(path, null_value="")
        out["police_crime_extract"].append(path)
        incidents = _da_incident_month(ctx, codes, month, _rng(seed, 8, y * 12 + m), scale, victims)
        path = landing / "police_da_incidents" / f"lancashire-da-incidents-{month}.csv"
        incidents.write_csv(path, null_value="")
        out["police_da_incidents"].append(path)
    years = [2022, 2023, 2024]
    pops = _area_population(seed, years)
    quarters = _quarters(months)
    if quarters:
        marac = _marac(AREAS, quarters, pops[:, -1], seed)
        by_fy = marac.with_columns(pl.col("Quarter").str.slice(0, 7).alias("_fy")).partition_by("_fy", as_dict=True)
        for (fy,), frame in sorted(by_fy.items()):
            path = landing / "marac_returns" / f"marac-returns-{fy.replace('/', '-')}.csv"
            frame.drop("_fy").write_csv(path)
            out["marac_returns"].append(path)
    path = landing / "population_sex_age" / "mye_lad_sex_single_year_of_age_mid2022_mid2024.csv"
    _population_sex_age(AREAS, years, pops, seed).write_csv(path)
    out["population_sex_age"].append(path)
    return out
