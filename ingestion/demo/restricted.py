"""Synthetic demo files for the restricted partner feeds: the police crime extract, DA incidents,
MARAC returns, and ONS population by sex and single year of age.

EVERYTHING HERE IS SYNTHETIC. References look like a force's ("06/000123/24") so that the
pseudonymisation test can look for them, but they identify nobody. The files follow the
contracts in the README and carry the quirks an analyst's export has: lower-case flags,
offence codes with a leading zero, a handful of rows that break a rule (an offence code not in
the Home Office list, a crime recorded in another month, a duplicated reference), crimes without a
victim or without a location.

Volumes follow the police.uk demo (about 5,500 crimes a month at scale 1, about half a real
force's, so the demo's six and a half years load as fast as three and a half did; DA about 14% of
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

from ingestion.demo.geography import AREAS, _area_population, _draw_lsoa, _PoliceContext, _quarters, _rng
from ingestion.pseudonymise import mark_demo_landing

# Home Office offence code, weight among recorded crimes, is violence, share domestic abuse
OFFENCES: tuple[tuple[str, str, float, bool, float], ...] = (
    ("8N", "Assault with injury", 9.0, True, 0.30),
    ("105A", "Assault without injury", 14.0, True, 0.27),
    ("8L", "Harassment", 6.0, True, 0.22),
    ("8S", "Controlling or coercive behaviour", 2.5, True, 0.98),
    ("8R", "Malicious communications", 5.0, True, 0.15),
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
MONTHLY_CRIMES = 5_500  # about half of Lancashire's: see the module docstring
# Distinct victims in the shared pool per crime a month: a victim is drawn about twice a year, so
# some DA victims come back within the 12-month repeat lookback whatever the monthly volume.
VICTIMS_PER_MONTHLY_CRIME = 6
POPULATION_YEARS = list(range(2019, 2025))  # by sex and single year of age: MARAC's denominators
UNKNOWN_CODE = "999Z"  # not a Home Office code: these rows are quarantined (offence_code_known)
DASH = np.array(["Standard", "Medium", "High"])
DASH_P = np.array([0.6, 0.28, 0.12])
DA_INCIDENT_HEADER = ("Incident Reference", "Incident Date Time", "LSOA Code", "DASH Risk Level", "Repeat Victim",
                      "Victim Reference")
MARAC_HEADER = ("MARAC Area", "Quarter", "Cases Discussed", "Repeat Cases", "Children in Households",
                "Referrals Police", "Referrals IDVA", "Referrals Health", "Referrals Childrens Services",
                "Referrals Other", "Cases BME", "Cases Disabled", "Cases LGBT", "Cases Male", "Cases Aged 16-17")
FORCE_CODE = "06"


def town_centre_lsoas(geo: pl.DataFrame, per_area: int = 2) -> list[str]:
    """The demo's town centres: each district's ``per_area`` LSOAs nearest its centre (both vintages' codes)."""
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


def _crime_month(ctx: _PoliceContext, geo_codes: pl.Series, centres: pl.Series, month: str,
                 rng: np.random.Generator, scale: float, victims: pl.Series) -> pl.DataFrame:
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
    # victims come from one pool shared with the DA incidents, so some DA victims come back within a year
    victim = rng.integers(0, victims.len(), n)
    ref_no = rng.permutation(n) + 1 + (m - 1) * 40_000
    age_band = rng.choice(AGE_BANDS.size, n, p=AGE_P / AGE_P.sum())
    sex = np.where(da & (rng.random(n) < 0.78), 1, rng.choice(3, n, p=[.5, .45, .05]))
    outcome = rng.integers(0, CRIME_OUTCOMES.size, n)
    leading_zero = rng.random(n) < 0.05
    no_location = rng.random(n) < 0.01
    centre_pick = rng.integers(0, centres.len(), n)
    lower = rng.random(n) < 0.03  # some exports write flags in lower case
    # Strings are built by Polars from indices (numpy string arrays are slow to hand over).
    pick = lambda values, index: pl.Series(list(values), dtype=pl.Utf8).gather(index)  # noqa: E731
    yes_no = lambda flag: pl.when(pl.lit(pl.Series(flag))).then(pl.lit("Y")).otherwise(pl.lit("N"))  # noqa: E731
    when = lambda flag, value, other: pl.when(pl.lit(pl.Series(flag))).then(value).otherwise(other)  # noqa: E731
    minutes = lambda t: pl.Series(t.astype("datetime64[ms]")).dt.strftime("%Y-%m-%d %H:%M")  # noqa: E731
    frame = pl.DataFrame({
        "_ref": ref_no, "_code": pick([o[0] for o in OFFENCES], k), "_lsoa": geo_codes.gather(lsoa),
        "_centre": centres.gather(centre_pick), "_victim": victims.gather(victim),
        "Recorded Date": pl.Series(recorded).dt.strftime("%Y-%m-%d"),
        "Committed From": minutes(start), "_to": minutes(end),
    })
    df = frame.select(
        pl.format(f"{FORCE_CODE}/{{}}/{y % 100:02d}", pl.col("_ref").cast(pl.Utf8).str.zfill(6)).alias("Crime Reference"),
        "Recorded Date",
        "Committed From",
        when(has_end, pl.col("_to"), pl.lit("")).alias("Committed To"),
        when(leading_zero, pl.lit("0") + pl.col("_code"), pl.col("_code")).alias("HO Offence Code"),
        pick([o[1] for o in OFFENCES], k).alias("HO Offence Description"),
        when(no_location, pl.lit(""), when(in_centre, pl.col("_centre"), pl.col("_lsoa"))).alias("LSOA Code"),
        *[yes_no(flags[:, i]).alias(h) for i, h in enumerate(FLAG_HEADERS)],
        when(no_victim, pl.lit(""), pl.col("_victim")).alias("Victim Reference"),
        when(no_victim, pl.lit(""), pick(AGE_BANDS, age_band)).alias("Victim Age Band"),
        when(no_victim, pl.lit(""), pick(["M", "F", "U"], sex)).alias("Victim Sex"),
        pick(CRIME_OUTCOMES, outcome).alias("Outcome"),
    ).with_columns(
        when(lower, pl.col("Domestic Abuse").str.to_lowercase(), pl.col("Domestic Abuse")).alias("Domestic Abuse"),
        pl.when(pl.int_range(0, n) < bad).then(pl.lit(UNKNOWN_CODE)).otherwise(pl.col("HO Offence Code"))
        .alias("HO Offence Code"),
    )
    return df.sort("Recorded Date", "Crime Reference")


def _da_incident_month(ctx: _PoliceContext, geo_codes: pl.Series, month: str, rng: np.random.Generator,
                       scale: float, victims: pl.Series) -> pl.DataFrame:
    y, m = map(int, month.split("-"))
    n = max(1, int(rng.poisson(0.9 * 0.14 * MONTHLY_CRIMES * scale)))
    area = rng.choice(ctx.area_share.size, n, p=ctx.area_share)
    lsoa = _draw_lsoa(ctx.cum, area, rng)
    days_in_month = (np.datetime64(f"{y + m // 12}-{m % 12 + 1:02d}-01") - np.datetime64(f"{month}-01")).astype(int)
    at = (np.datetime64(f"{month}-01").astype("datetime64[m]")
          + rng.integers(0, days_in_month * 24 * 60, n).astype("timedelta64[m]"))
    order = rng.permutation(n) + 1
    no_location = rng.random(n) < 0.01
    risk = rng.choice(3, n, p=DASH_P)
    repeat = rng.random(n) < 0.3
    victim = rng.integers(0, victims.len(), n)
    frame = pl.DataFrame({"_n": order, "_at": at.astype("datetime64[ms]"), "_lsoa": geo_codes.gather(lsoa),
                          "_victim": victims.gather(victim)})
    return frame.select(
        pl.format(f"DA{y}{m:02d}-{{}}", pl.col("_n").cast(pl.Utf8).str.zfill(5)).alias("Incident Reference"),
        pl.col("_at").dt.strftime("%Y-%m-%d %H:%M").alias("Incident Date Time"),
        pl.when(pl.lit(pl.Series(no_location))).then(pl.lit("")).otherwise(pl.col("_lsoa")).alias("LSOA Code"),
        pl.Series(list(DASH), dtype=pl.Utf8).gather(risk).alias("DASH Risk Level"),
        pl.when(pl.lit(pl.Series(repeat))).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("Repeat Victim"),
        pl.col("_victim").alias("Victim Reference"),
    ).sort("Incident Date Time", "Incident Reference")


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
    mark_demo_landing(landing)
    ctx = _PoliceContext(geo, seed)
    centre_list = town_centre_lsoas(geo)
    centres = pl.Series(centre_list, dtype=pl.Utf8)
    _write_settings(landing.parent, centre_list)
    inc = geo.filter("in_county")
    pool = max(50, round(VICTIMS_PER_MONTHLY_CRIME * MONTHLY_CRIMES * scale))
    victims = pl.select(pl.format("V{}", pl.int_range(1, 1 + pool).cast(pl.Utf8).str.zfill(7))).to_series()
    out: dict[str, list[Path]] = {f: [] for f in ("police_crime_extract", "police_da_incidents", "marac_returns",
                                                  "population_sex_age")}
    for feed in out:
        (landing / feed).mkdir(parents=True, exist_ok=True)
    for month in months:
        y, m = map(int, month.split("-"))
        v = 21 if month >= "2023-07" else 11
        codes = inc[f"lsoa{v}_code"]
        crimes = _crime_month(ctx, codes, centres, month, _rng(seed, 7, y * 12 + m), scale, victims)
        path = landing / "police_crime_extract" / f"lancashire-crime-extract-{month}.csv"
        crimes.write_csv(path, null_value="")
        out["police_crime_extract"].append(path)
        incidents = _da_incident_month(ctx, codes, month, _rng(seed, 8, y * 12 + m), scale, victims)
        path = landing / "police_da_incidents" / f"lancashire-da-incidents-{month}.csv"
        incidents.write_csv(path, null_value="")
        out["police_da_incidents"].append(path)
    years = POPULATION_YEARS
    pops = _area_population(seed, years)
    quarters = _quarters(months)
    if quarters:
        marac = _marac(AREAS, quarters, pops[:, -1], seed)
        by_fy = marac.with_columns(pl.col("Quarter").str.slice(0, 7).alias("_fy")).partition_by("_fy", as_dict=True)
        for (fy,), frame in sorted(by_fy.items()):
            path = landing / "marac_returns" / f"marac-returns-{fy.replace('/', '-')}.csv"
            frame.drop("_fy").write_csv(path)
            out["marac_returns"].append(path)
    path = landing / "population_sex_age" / f"mye_lad_sex_single_year_of_age_mid{years[0]}_mid{years[-1]}.csv"
    _population_sex_age(AREAS, years, pops, seed).write_csv(path)
    out["population_sex_age"].append(path)
    return out
