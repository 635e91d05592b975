"""A corpus of bad deliveries, generated from the demo landing (nothing big is stored in the repository).

Every :class:`Case` is one thing a partner might land next to a good night: a file (or a zip
member, a link, a folder, a pipe) in ``landing/<feed>/``, made by mutating the demo files already
there, with the outcome the warehouse must give it:

* ``loaded`` (optionally with rows quarantined under named rules, ``rules`` / ``quarantined``),
* ``held`` (a resubmission that would replace good data with less; ``reason`` starts "held:"),
* ``rejected`` (the file as a whole; ``reason`` is a regex the recorded reason must match),
* ``ignored`` (never read: a link, a folder, a hidden file).

Nothing in the corpus may change a good month: files that load rows use months, years or areas
outside the demo's good data (police.uk months 2023-05..2023-12, STATS19 year 2018, MARAC quarters
of 2022/23, population mid-2019 of districts outside Lancashire, Welsh LSOAs and districts), or are held or
rejected. Restricted-data plants (``planted``) are values that must never appear outside
``landing/`` once the night has run (all start with ``PLANTED`` so one scan finds any of them).

Use::

    from tests.corpus.make_corpus import write_corpus
    cases = write_corpus(home / "landing")   # the demo landing must be there first

or ``python tests/corpus/make_corpus.py LANDING_DIR`` (``--readme`` prints the README table).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PLANT = "PLANTED"  # every planted restricted value starts with this (never in demo data, never hex)

# The demo's good data (ingestion.demo, months 2024-01..2024-06) that no corpus case may touch.
DEMO_POLICE_JAN = "2024-01-lancashire-street.csv"
DEMO_EXTRACT_JAN = "lancashire-crime-extract-2024-01.csv"
DEMO_DA_JAN = "lancashire-da-incidents-2024-01.csv"
DEMO_DA_MAR = "lancashire-da-incidents-2024-03.csv"
DEMO_MARAC = "marac-returns-2024-25.csv"
DEMO_COLLISION = "dft-road-casualty-statistics-collision-{year}.csv"
DEMO_VEHICLE = "dft-road-casualty-statistics-vehicle-{year}.csv"
DEMO_CASUALTY = "dft-road-casualty-statistics-casualty-{year}.csv"

Maker = Callable[[Path, Path], None]  # (landing root, path to create) -> None


@dataclass(frozen=True)
class Case:
    """One bad delivery and the outcome it must get."""

    name: str
    feed: str
    file_name: str  # as landed in landing/<feed>/
    make: Maker = field(repr=False)
    status: str  # loaded | held | rejected | ignored
    reason: str | None = None  # regex (re.search) the recorded reason must match
    rules: tuple[str, ...] = ()  # quarantine check names the file's quarantined rows must include
    quarantined: int | None = None  # rows quarantined (None: not checked); loaded without rules: 0
    member: str | None = None  # the zip member recorded as "<file_name>!<member>"
    what: str = ""
    planted: tuple[str, ...] = ()  # restricted values in the file that must never leave landing/

    @property
    def recorded_name(self) -> str:
        return f"{self.file_name}!{self.member}" if self.member else self.file_name


# --- reading and writing the demo files -------------------------------------------------------

def _demo(landing: Path, feed: str, name: str) -> bytes:
    return (landing / feed / name).read_bytes()


def _table(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], [r for r in rows[1:] if r]


def _csv(header: list[str], rows: list[list[str]], newline: str = "\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _hex_id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _write(data: bytes) -> Maker:
    def make(landing: Path, path: Path) -> None:
        path.write_bytes(data)
    return make


def _from(build: Callable[[Path], bytes]) -> Maker:
    def make(landing: Path, path: Path) -> None:
        path.write_bytes(build(landing))
    return make


def _gz(build: Callable[[Path], bytes]) -> Callable[[Path], bytes]:
    return lambda landing: gzip.compress(build(landing), mtime=0)


def _xlsx(text: str) -> bytes:
    """A minimal zip with an xlsx's first member (enough to be recognised as a zip archive)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{text}</sheetData></worksheet>")
    return buf.getvalue()


# --- police.uk street files -------------------------------------------------------------------

def police_rows(landing: Path, month: str, n: int, tag: str) -> tuple[list[str], list[list[str]]]:
    """``n`` of January's demo rows moved to ``month``, with new Crime IDs (unique per case)."""
    header, rows = _table(_demo(landing, "police_street", DEMO_POLICE_JAN))
    out = []
    for i, row in enumerate(rows[:n]):
        row = list(row)
        row[1] = month
        if row[0]:
            row[0] = _hex_id(tag, i)
        out.append(row)
    return header, out


def police(month: str, tag: str, n: int = 12, mutate: Callable[[list[str], list[list[str]]], None] | None = None,
           newline: str = "\n", bom: bool = False) -> Callable[[Path], bytes]:
    def build(landing: Path) -> bytes:
        header, rows = police_rows(landing, month, n, tag)
        if mutate:
            mutate(header, rows)
        data = _csv(header, rows, newline)
        return (b"\xef\xbb\xbf" + data) if bom else data
    return build


def _set(row_index: int, column: int, value: str):
    def mutate(header: list[str], rows: list[list[str]]) -> None:
        rows[row_index][column] = value
    return mutate


def _police_text(month: str, tag: str, edit: Callable[[str], str], n: int = 12) -> Callable[[Path], bytes]:
    """Police rows as text, edited as text (for what the csv module would not write)."""
    def build(landing: Path) -> bytes:
        return edit(police(month, tag, n)(landing).decode("utf-8")).encode("utf-8")
    return build


def _field_count_rows(text: str) -> str:
    lines = text.split("\n")
    lines[3] = lines[3] + ",an extra field"  # line 4: one field too many
    lines[6] = ",".join(lines[6].split(",")[:5])  # line 7: too few fields
    return "\n".join(lines)


def _january_as_february(landing: Path) -> bytes:
    """January's rows, unchanged, in a file named for February (every Month disagrees with the name)."""
    header, rows = _table(_demo(landing, "police_street", DEMO_POLICE_JAN))
    return _csv(header, rows)


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _zip_with_good_member(landing: Path) -> bytes:
    street = police("2023-05", "zip-good", 10)(landing)
    return _zip({"2023-05/2023-05-lancashire-street.csv": street,
                 "2023-05/2023-05-lancashire-outcomes.csv": b"Crime ID,Month,Outcome type\nx,2023-05,none\n"})


def _zip_bad_crc(landing: Path) -> bytes:
    member = "2022-11/2022-11-lancashire-street.csv"
    data = bytearray(_zip({member: police("2022-11", "zip-crc", 10)(landing)}, zipfile.ZIP_STORED))
    start = 30 + len(member)  # local header + name (no extra field): the stored bytes start here
    data[start + 200] ^= 0x5A  # one flipped byte: the CRC-32 no longer matches
    return bytes(data)


def _zip_truncated(landing: Path) -> bytes:
    return _zip({"2022-12/2022-12-lancashire-street.csv": police("2022-12", "zip-cut", 10)(landing)})[:120]


def _zip_no_street(landing: Path) -> bytes:
    return _zip({"2021-01/2021-01-lancashire-outcomes.csv": b"Crime ID,Month,Outcome type\ny,2021-01,none\n",
                 "2021-01/2021-01-lancashire-stop-and-search.csv": b"Type,Date\nPerson search,2021-01-02\n"})


def _make_fifo(landing: Path, path: Path) -> None:
    os.mkfifo(path)


def _make_symlink(landing: Path, path: Path) -> None:
    path.symlink_to(DEMO_POLICE_JAN)  # relative: the demo file next to it


def _make_folder(landing: Path, path: Path) -> None:
    path.mkdir()
    (path / "2021-05-lancashire-street.csv").write_bytes(police("2021-05", "in-folder", 5)(landing))


# --- restricted extracts ----------------------------------------------------------------------

def _prev(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def extract_rows(landing: Path, month: str, n: int, tag: str) -> tuple[list[str], list[list[str]]]:
    """The first ``n`` valid rows of the demo's January extract moved to ``month`` (the previous
    month's dates move to the month before it), with planted crime and victim references.
    ``month`` must follow a 31-day month and the rows are the month's first days, so every date holds."""
    header, rows = _table(_demo(landing, "police_crime_extract", DEMO_EXTRACT_JAN))
    code = header.index("HO Offence Code")
    good = [r for r in rows if r[code] != "999Z"][:n]  # the demo's own bad rows are left out
    crime, victim = header.index("Crime Reference"), header.index("Victim Reference")
    out = []
    for i, row in enumerate(good):
        row = [v.replace("2024-01-", f"{month}-").replace("2023-12-", f"{_prev(month)}-") for v in row]
        row[crime] = f"{PLANT}-CREF-{tag}-{i:04d}"
        if row[victim]:
            row[victim] = f"{PLANT}-VREF-{tag}-{i:04d}"
        out.append(row)
    return header, out


def extract(month: str, tag: str, n: int = 12, mutate=None) -> Callable[[Path], bytes]:
    def build(landing: Path) -> bytes:
        header, rows = extract_rows(landing, month, n, tag)
        if mutate:
            header, rows = mutate(header, rows) or (header, rows)
        return _csv(header, rows)
    return build


def _victim_name(header: list[str], rows: list[list[str]]):
    header = header + ["Victim Name"]
    rows = [r + [f"{PLANT}-NAME-{i:04d}"] for i, r in enumerate(rows)]
    rows[2][header.index("HO Offence Code")] = "999Z"  # one bad row: its raw_record must not hold the name
    return header, rows


def _bad_extract_rows(header: list[str], rows: list[list[str]]):
    rows[1][header.index("Crime Reference")] = f"{PLANT}/BAD!REF 0001"  # '!' is not in a reference
    rows[4][header.index("Victim Sex")] = "X"
    return header, rows


def _duplicate_victim_header(header: list[str], rows: list[list[str]]):
    header = header + ["VICTIM REFERENCE"]
    rows = [r + [f"{PLANT}-VREF-DUP-{i:04d}"] for i, r in enumerate(rows)]
    return header, rows


def _drop_outcome(header: list[str], rows: list[list[str]]):
    k = header.index("Outcome")
    return header[:k] + header[k + 1:], [r[:k] + r[k + 1:] for r in rows]


def _text_edit(build: Callable[[Path], bytes], edit: Callable[[bytes], bytes]) -> Callable[[Path], bytes]:
    return lambda landing: edit(build(landing))


def _unclosed_quote(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[-3] = lines[-3].replace(b",", b',"', 1)  # a quote opened on the second-last record, never closed
    return b"\n".join(lines)


def _latin1(data: bytes) -> bytes:
    """Line 4's last value gets an e-acute as one Latin-1 byte (not UTF-8)."""
    lines = data.split(b"\n")
    lines[3] = lines[3] + b" (r\xe9sum\xe9)"
    return b"\n".join(lines)


def _malformed_extract_line(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[5] = lines[5] + b"," + f"{PLANT}-CREF-MALFORMED-0001".encode()  # one field too many
    return b"\n".join(lines)


def da_rows(landing: Path, month: str, n: int, tag: str, source: str = DEMO_DA_JAN
            ) -> tuple[list[str], list[list[str]]]:
    header, rows = _table(_demo(landing, "police_da_incidents", source))
    src_month = source[-11:-4]
    inc, victim = header.index("Incident Reference"), header.index("Victim Reference")
    out = []
    for i, row in enumerate(rows[:n]):
        row = [v.replace(f"{src_month}-", f"{month}-") for v in row]
        row[inc] = f"{PLANT}-DREF-{tag}-{i:04d}"
        if row[victim]:
            row[victim] = f"{PLANT}-VREF-{tag}-{i:04d}"
        out.append(row)
    return header, out


def da(month: str, tag: str, n: int = 10, mutate=None, source: str = DEMO_DA_JAN) -> Callable[[Path], bytes]:
    def build(landing: Path) -> bytes:
        header, rows = da_rows(landing, month, n, tag, source)
        if mutate:
            mutate(header, rows)
        return _csv(header, rows)
    return build


def _malformed_da_line(data: bytes) -> bytes:
    lines = data.split(b"\n")
    # line 4: the victim reference field is lost (a comma missing), the planted reference stays in the record
    lines[3] = b",".join(lines[3].split(b",")[:4] + [f"{PLANT}-VREF-MALFORMED-0001".encode()])
    return b"\n".join(lines)


def _bad_dash(header: list[str], rows: list[list[str]]) -> None:
    rows[2][header.index("DASH Risk Level")] = "Severe"


# --- MARAC, STATS19, ONS, population ----------------------------------------------------------

def marac(quarter: str, mutate=None, header_edit=None) -> Callable[[Path], bytes]:
    def build(landing: Path) -> bytes:
        header, rows = _table(_demo(landing, "marac_returns", DEMO_MARAC))
        rows = [[quarter if v == "2024/25 Q1" else v for v in r] for r in rows]
        if mutate:
            mutate(header, rows)
        if header_edit:
            header, rows = header_edit(header, rows)
        return _csv(header, rows)
    return build


def _marac_huge_count(header: list[str], rows: list[list[str]]) -> None:
    rows[3][header.index("Cases Discussed")] = "99999999999"


def _marac_future_quarter(header: list[str], rows: list[list[str]]) -> None:
    rows[5][header.index("Quarter")] = "2027/28 Q2"


def _marac_case_duplicate(header: list[str], rows: list[list[str]]):
    return header + ["cases discussed"], [r + ["1"] for r in rows]


def _marac_no_quarter(header: list[str], rows: list[list[str]]) -> None:
    for r in rows:
        r[header.index("Quarter")] = "Q1 2022"


def _marac_drop_cases_male(header: list[str], rows: list[list[str]]):
    k = header.index("Cases Male")
    return header[:k] + header[k + 1:], [r[:k] + r[k + 1:] for r in rows]


def stats19(feed: str, pattern: str, to_year: str, mutate=None, from_year: str = "2022") -> Callable[[Path], bytes]:
    """A demo STATS19 file of ``from_year`` moved to ``to_year`` (index, year and date), then mutated."""
    def build(landing: Path) -> bytes:
        header, rows = _table(_demo(landing, feed, pattern.format(year=from_year)))
        names = [h.lower() for h in header]
        index = names.index("accident_index") if "accident_index" in names else names.index("collision_index")
        year = names.index("accident_year") if "accident_year" in names else names.index("collision_year")
        date = names.index("date") if "date" in names else None
        for r in rows:
            r[index] = to_year + r[index][4:]
            r[year] = to_year
            if date is not None:
                r[date] = r[date].replace(f"/{from_year}", f"/{to_year}")
        if mutate:
            mutate(header, rows)
        return _csv(header, rows)
    return build


def _col(header: list[str], *names: str) -> int:
    lower = [h.lower() for h in header]
    return next(lower.index(n) for n in names if n in lower)


def _collision_bad(header, rows) -> None:
    rows[2][_col(header, "police_force")] = "2"  # no force has code 2
    rows[5][_col(header, "date")] = "31/02/2021"


def _vehicle_bad(header, rows) -> None:
    rows[1][_col(header, "vehicle_reference")] = "0"
    rows[4][_col(header, "age_of_driver")] = "250"


def _casualty_bad(header, rows) -> None:
    rows[0][_col(header, "casualty_severity")] = "7"
    rows[3][_col(header, "age_of_casualty")] = "-5"


def _scientific_indexes(landing: Path) -> bytes:
    header, rows = _table(_demo(landing, "stats19_collision", DEMO_COLLISION.format(year="2024")))
    k = _col(header, "collision_index", "accident_index")
    for r in rows:
        r[k] = "2.02404E+12"  # what a spreadsheet makes of 2024040355028
    return _csv(header, rows)


def _undated_collisions(landing: Path) -> bytes:
    header, rows = _table(_demo(landing, "stats19_collision", DEMO_COLLISION.format(year="2023")))
    k, y = _col(header, "collision_index"), _col(header, "collision_year")
    for r in rows:
        r[k], r[y] = "UNKNOWN", ""
    return _csv(header, rows)


WELSH_LOOKUP = (
    "LSOA21CD,LSOA21NM,LAD22CD,LAD22NM\n"
    "W01000001,Isle of Anglesey 001A,W06000001,Isle of Anglesey\n"
    "W01000002,Isle of Anglesey 001B,W06000001,Isle of Anglesey\n"
    "W01000003,Gwynedd 001A,W06000002,Gwynedd\n"
    "W01000003,Gwynedd 001A,W06000003,Conwy\n"
    "W01000004,Conwy 001A,W06000003,Conwy\n"
    "W01000005,Conwy 001B,W06000003,Conwy\n"
).encode()
NOT_A_LOOKUP = b"LAD22CD,LAD22NM,PFA22CD,PFA22NM\nE07000117,Burnley,E23000003,Lancashire\n"
WELSH_IMD_LOOKUP = (  # an IMD rank that is not one: 'n/a', and 0 (ranks start at 1)
    "LSOA11CD,LSOA11NM,LAD19CD,LAD19NM,IMD19,FID\n"
    "W01000001,Isle of Anglesey 001A,W06000001,Isle of Anglesey,1201,1\n"
    "W01000002,Isle of Anglesey 001B,W06000001,Isle of Anglesey,n/a,2\n"
    "W01000003,Gwynedd 001A,W06000002,Gwynedd,0,3\n"
    "W01000004,Gwynedd 001B,W06000002,Gwynedd,,4\n"
).encode()
# District -> CSP -> police force area lookups of Welsh districts (outside the demo's force area),
# each of its own vintage so that none supersedes another or the demo's LAD23 England file.
WELSH_CSP_TWICE = (
    "FID,LAD22CD,LAD22NM,CSP22CD,CSP22NM,PFA22CD,PFA22NM\n"
    "1,W06000001,Isle of Anglesey,W14000001,Isle of Anglesey,W15000001,North Wales\n"
    "2,W06000002,Gwynedd,W14000002,Gwynedd,W15000001,North Wales\n"
    "3,W06000003,Conwy,W14000003,Conwy,W15000001,North Wales\n"
    "4,W06000003,Conwy,W14000004,Denbighshire,W15000001,North Wales\n"
    "5,W06000004,Denbighshire,W14000004,Denbighshire,W15000001,North Wales\n"
).encode()
WELSH_BAD_CODES = (
    "lad21cd,lad21nm,pfa21cd,pfa21nm,csp21cd,csp21nm\n"
    "W06000018,Caerphilly,W15000002,Gwent,W14000018,Caerphilly\n"
    "W06000019,Blaenau Gwent,W1500002,Gwent,W14000019,Blaenau Gwent\n"
    "W06000020,Torfaen,W15000002,Gwent,W22000020,Torfaen\n"
).encode()
LSOA_LOOKUP_AS_CSP = b"LSOA11CD,LSOA11NM,LAD19CD,LAD19NM\nW01000001,Isle of Anglesey 001A,W06000001,Isle of Anglesey\n"


def _boundaries(features: list[tuple[str, dict]], keys: tuple[str, str] = ("lad22cd", "lad22nm"),
                **top: object) -> bytes:
    """A GeoJSON FeatureCollection of (code, geometry) features, named after their codes."""
    return json.dumps({"type": "FeatureCollection", **top, "features": [
        {"type": "Feature", "properties": {"FID": i + 1, keys[0]: code, keys[1]: f"District {code}"},
         "geometry": geometry} for i, (code, geometry) in enumerate(features)]}).encode()


def _square(lon: float, lat: float) -> dict:
    return {"type": "MultiPolygon",
            "coordinates": [[[[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]]]}


# ONS district boundaries (GeoJSON) of Welsh districts: the demo draws Lancashire's tile map, and a
# choropleth needs every one of its districts, so none of these changes the demo's page.
WELSH_BOUNDARIES_BAD = _boundaries([
    ("W06000001", _square(-4.4, 53.2)),
    ("W0600002", _square(-4.0, 52.9)),  # a code one digit short
    ("W06000003", {"type": "Point", "coordinates": [-3.7, 53.1]}),  # not an area
    ("W06000004", {"type": "MultiPolygon", "coordinates": []}),  # nothing to draw
    ("W06000005", _square(-3.1, 53.2)),
    ("W06000005", _square(-3.0, 53.3)),  # the same district twice: neither outline is drawn
])
BOUNDARIES_AS_CSV = b"LAD22CD,LAD22NM,geometry\nW06000001,Isle of Anglesey,POLYGON((...))\n"
BOUNDARIES_NO_CODE = _boundaries([("Conwy", _square(-3.8, 53.1))], keys=("name", "label"))
BOUNDARIES_BNG = _boundaries([("W06000006", _square(330000, 350000))],
                             crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}})

POP_2019 = (
    "Code,Name,Population\n"
    "E06000001,Hartlepool,93663\n"
    "E06000002,Middlesbrough,n/a\n"
    "E06000003,Redcar and Cleveland,137150\n"
    "X06000004,Stockton-on-Tees,197419\n"
    "E06000005,Darlington,106803\n"
).encode()
POP_NO_YEAR = b"LSOA Code,Population\nE01025000,1247\nE01025001,1953\n"
POP_WIDE_OLD = b"Code,Name,Mid-1890,Mid-2019\nE06000001,Hartlepool,100,93663\n"
PSA_2019 = (
    "ladcode,laname,sex,age,population,year\n"
    "E06000001,Hartlepool,1,0,500,2019\n"
    "E06000001,Hartlepool,3,0,480,2019\n"
    "E06000001,Hartlepool,2,91,320,2019\n"
    "E06000001,Hartlepool,2,0,470,2019\n"
).encode()
PSA_NO_SEX = b"ladcode,laname,age,population,year\nE06000001,Hartlepool,0,500,2019\n"


def _police_header_row(landing: Path) -> bytes:
    return _demo(landing, "police_street", DEMO_POLICE_JAN).split(b"\n", 1)[0] + b"\n"


# --- the cases --------------------------------------------------------------------------------

P, X, D, M = "police_street", "police_crime_extract", "police_da_incidents", "marac_returns"
SC, SV, SK = "stats19_collision", "stats19_vehicle", "stats19_casualty"
ONS, POP, PSA = "ons_lsoa_lookup", "population", "population_sex_age"
CSP = "ons_lad_csp_pfa"
BND = "ons_boundaries"

CASES: list[Case] = [
    # police.uk: loaded, with rows quarantined (months of 2023: outside the good data)
    Case("police_field_count", P, "2023-07-lancashire-street.csv", _from(_police_text("2023-07", "fc", _field_count_rows)),
         "loaded", rules=("field_count",), quarantined=2, what="one record with a field too many, one with too few"),
    Case("police_nul_in_value", P, "2023-08-lancashire-street.csv",
         _from(police("2023-08", "nul", mutate=_set(2, 6, "On or near \x00Mill Way"))),
         "loaded", rules=("no_nul_bytes",), quarantined=1, what="a NUL byte inside a Location"),
    Case("police_future_month", P, "2023-09-lancashire-street.csv", _from(police("2023-09", "fut", mutate=_set(3, 1, "2027-01"))),
         "loaded", rules=("month_not_in_future",), quarantined=1, what="a row whose Month is after today"),
    Case("police_month_mismatch", P, "2023-10-lancashire-street.csv", _from(police("2023-10", "mm", mutate=_set(4, 1, "2023-11"))),
         "loaded", rules=("month_matches_file_name",), quarantined=1, what="a row of another month than the name's"),
    Case("police_unknown_crime_type", P, "2023-11-lancashire-street.csv",
         _from(police("2023-11", "ct", mutate=_set(1, 9, "Shoplifiting"))),
         "loaded", rules=("crime_type_known",), quarantined=1, what="a misspelt crime type"),
    Case("police_bad_lsoa", P, "2023-12-lancashire-street.csv", _from(police("2023-12", "ls", mutate=_set(5, 7, "E0102577"))),
         "loaded", rules=("lsoa_code_format",), quarantined=1, what="an LSOA code one digit short"),
    Case("police_bom_crlf", P, "2023-06-lancashire-street.csv", _from(police("2023-06", "bom", newline="\r\n", bom=True)),
         "loaded", quarantined=0, what="a BOM and CRLF line ends (Excel's CSV): loads as it is"),
    Case("police_zip_member", P, "police-archive-2023-05.zip", _from(_zip_with_good_member), "loaded", quarantined=0,
         member="2023-05/2023-05-lancashire-street.csv", what="a monthly archive: its street member loads, outcomes ignored"),
    # police.uk: held
    Case("police_held_wrong_month", P, "2024-02-lancashire-street.csv.gz", _from(_gz(_january_as_february)), "held",
         reason=r"^held: no row of it loads \(2024-02-lancashire-street\.csv stays live\)",
         rules=("month_matches_file_name",), what="January's rows landed as February's resubmission"),
    # police.uk: rejected
    Case("police_empty", P, "2022-01-lancashire-street.csv", _write(b""), "rejected", reason=r"^empty file",
         what="zero bytes"),
    Case("police_header_only", P, "2022-02-lancashire-street.csv", _from(_police_header_row), "rejected",
         reason=r"header but no data rows", what="the header and nothing else"),
    Case("police_xlsx_named_csv", P, "2023-03-lancashire-street.csv", _write(_xlsx("street 2023-03")), "rejected",
         reason=r"^not a CSV: the file is a zip archive", what="an Excel workbook saved with a .csv name"),
    Case("police_pdf_named_csv", P, "2023-04-lancashire-street.csv", _write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
         "rejected", reason=r"^not a CSV: the file is a PDF document", what="a PDF with a .csv name"),
    Case("police_gzip_without_gz", P, "2022-03-lancashire-street.csv", _from(_gz(police("2022-03", "gz-noext"))),
         "rejected", reason=r"gzip-compressed data without a \.gz name", what="gzipped bytes named .csv"),
    Case("police_not_utf8", P, "2022-04-lancashire-street.csv",
         _from(_text_edit(police("2022-04", "latin"), _latin1)), "rejected",
         reason=r"not UTF-8 \(line \d+, byte \d+\)", what="Latin-1 text (an é as one byte)"),
    Case("police_month_twice", P, "2022-05-lancashire-street.csv",
         _from(police("2022-05", "dup", mutate=lambda h, rows: (h.append(" Month"), [r.append("2022-05") for r in rows]))),
         "rejected", reason=r"the header names a column twice .*'Month'", what="'Month' and ' Month' in the header"),
    Case("police_quote_never_closes", P, "2022-06-lancashire-street.csv",
         _from(_text_edit(police("2022-06", "quote"), _unclosed_quote)), "rejected", reason=r"never closes \(line \d+",
         what="a quoted value opened and never closed"),
    Case("police_missing_crime_type", P, "2022-07-lancashire-street.csv",
         _from(police("2022-07", "miss", mutate=lambda h, rows: (h.__setitem__(9, "Category"),))), "rejected",
         reason=r"^missing required columns: Crime type", what="'Crime type' renamed 'Category'"),
    Case("police_no_month_in_name", P, "lancashire-street.csv", _from(police("2022-08", "noname")), "rejected",
         reason=r"is not YYYY-MM-<force>-street\.csv", what="a name without the month"),
    Case("police_marac_header", P, "2022-09-lancashire-street.csv", _from(marac("2022/23 Q1")), "rejected",
         reason=r"the header is a marac_returns file's", what="a MARAC return landed in the police folder"),
    Case("police_nul_in_header", P, "2022-10-lancashire-street.csv",
         _from(lambda landing: police("2022-10", "nulhdr")(landing).replace(b"Crime ID", b"Crime\x00ID", 1)),
         "rejected", reason=r"binary \(NUL\) bytes \(line 1\)", what="NUL bytes in the header line"),
    Case("police_no_comma_header", P, "2022-11-lancashire-street.csv",
         _from(lambda landing: police("2022-11", "tab")(landing).replace(b",", b"\t")), "rejected",
         reason=r"the first line has no comma-separated header", what="tab-separated"),
    Case("police_corrupt_gzip", P, "2022-12-lancashire-street.csv.gz",
         _from(lambda landing: _gz(police("2022-12", "cut"))(landing)[:-40]), "rejected",
         reason=r"^not a readable gzip file", what="a gzip stream cut short"),
    Case("police_wrong_extension", P, "2021-06-lancashire-street.xlsx", _write(_xlsx("street 2021-06")), "rejected",
         reason=r"^not a CSV: \.xlsx extension", what="an Excel workbook"),
    Case("police_zip_bad_crc", P, "police-archive-2022-11.zip", _from(_zip_bad_crc), "rejected",
         reason=r"^archive member cannot be unpacked \(BadZipFile", member="2022-11/2022-11-lancashire-street.csv",
         what="an archive member whose CRC-32 fails"),
    Case("police_zip_truncated", P, "police-archive-2022-12.zip", _from(_zip_truncated), "rejected",
         reason=r"^not a readable zip archive", what="an archive cut short"),
    Case("police_zip_no_street", P, "police-archive-2021-01.zip", _from(_zip_no_street), "rejected",
         reason=r"holds no street-level files", what="an archive of outcomes and stop-and-search only"),
    Case("police_fifo", P, "2021-02-lancashire-street.csv", _make_fifo, "rejected", reason=r"^not a regular file",
         what="a named pipe"),
    # police.uk: ignored
    Case("police_symlink", P, "2021-03-lancashire-street.csv", _make_symlink, "ignored", reason=r"^a symbolic link",
         what="a link to a good file (never followed)"),
    Case("police_folder", P, "old-deliveries", _make_folder, "ignored", reason=r"^a folder", what="a subfolder"),
    Case("police_hidden", P, ".2021-04-lancashire-street.csv", _from(police("2021-04", "hidden")), "ignored",
         reason=r"^a hidden file", what="a dotfile (an editor's copy)"),

    # police crime extract (restricted): references pseudonymised, nothing from a row in clear
    Case("extract_victim_name_column", X, "lancashire-crime-extract-2023-01.csv",
         _from(extract("2023-01", "VN", mutate=_victim_name)), "loaded", rules=("offence_code_known",), quarantined=1,
         what="an extra 'Victim Name' column (dropped, even from the quarantine) and one unknown offence code"),
    Case("extract_bad_rows", X, "lancashire-crime-extract-2023-02.csv",
         _from(extract("2023-02", "BR", mutate=_bad_extract_rows)), "loaded",
         rules=("crime_reference_format", "victim_sex_known"), quarantined=2,
         what="a malformed crime reference and an unknown victim sex"),
    Case("extract_malformed_line", X, "lancashire-crime-extract-2023-04.csv",
         _from(_text_edit(extract("2023-04", "ML"), _malformed_extract_line)), "loaded", rules=("field_count",),
         quarantined=1, what="a record with a field too many holding a reference (nothing of it kept)"),
    Case("extract_future_month", X, "lancashire-crime-extract-2027-02.csv", _from(extract("2027-02", "FM", n=5)),
         "loaded", rules=("month_not_in_future",), quarantined=5, what="a file for a month after today"),
    Case("extract_duplicate_victim_header", X, "lancashire-crime-extract-2023-06.csv",
         _from(extract("2023-06", "DH", mutate=_duplicate_victim_header)), "rejected",
         reason=r"the header names a column twice .*'Victim Reference'", what="'Victim Reference' and 'VICTIM REFERENCE'"),
    Case("extract_quote_never_closes", X, "lancashire-crime-extract-2023-08.csv",
         _from(_text_edit(extract("2023-08", "UQ"), _unclosed_quote)), "rejected", reason=r"never closes \(line \d+",
         what="an unparseable extract (a quote never closed)"),
    Case("extract_no_month_in_name", X, "lancashire-crime-extract-latest.csv", _from(extract("2023-09", "NM")),
         "rejected", reason=r"has no month: name the file like", what="a name without the month"),
    Case("extract_missing_column", X, "lancashire-crime-extract-2023-09.csv",
         _from(extract("2023-09", "MC", mutate=_drop_outcome)), "rejected", reason=r"^missing contract columns: Outcome",
         what="the Outcome column missing"),
    Case("extract_not_utf8", X, "lancashire-crime-extract-2023-11.csv", _from(_text_edit(extract("2023-11", "L1"), _latin1)),
         "rejected", reason=r"not UTF-8 \(line \d+, byte \d+\)", what="Latin-1 text"),
    Case("extract_wrong_extension", X, "lancashire-crime-extract-2023-10.xlsx",
         _write(_xlsx(f"{PLANT}-CREF-XLSX-0001")), "rejected", reason=r"^not a CSV: \.xlsx extension",
         what="an Excel workbook"),

    # DA incidents (restricted)
    Case("da_malformed_line", D, "lancashire-da-incidents-2023-01.csv",
         _from(_text_edit(da("2023-01", "DM"), _malformed_da_line)), "loaded", rules=("field_count",), quarantined=1,
         what="a record with a field missing, holding a victim reference"),
    Case("da_unknown_dash_level", D, "lancashire-da-incidents-2023-03.csv", _from(da("2023-03", "DS", mutate=_bad_dash)),
         "loaded", rules=("dash_risk_known",), quarantined=1, what="a DASH risk level of 'Severe'"),
    Case("da_no_month_in_name", D, "lancashire-da-incidents.csv", _from(da("2023-05", "DN")), "rejected",
         reason=r"has no month: name the file like", what="a name without the month"),
    Case("da_held_short_resubmission", D, "lancashire-da-incidents-2024-03-resubmitted.csv",
         _from(da("2024-03", "DH", n=3, source=DEMO_DA_MAR)), "held",
         reason=r"^held: it loads 3 rows, fewer than 50% of the \d+ of the live file \(lancashire-da-incidents-2024-03\.csv",
         quarantined=0, what="March resubmitted with 3 of its rows"),
    Case("da_extract_header", D, "lancashire-da-incidents-2023-07.csv", _from(extract("2023-07", "XH")), "rejected",
         reason=r"the header is a police_crime_extract file's", what="a crime extract landed as DA incidents"),

    # MARAC returns (quarters of 2022/23: outside the good data)
    Case("marac_count_beyond_integer", M, "marac-returns-2022-23-q1.csv", _from(marac("2022/23 Q1", _marac_huge_count)),
         "loaded", rules=("value_in_type_range",), quarantined=1, what="Cases Discussed of 99999999999"),
    Case("marac_future_quarter", M, "marac-returns-2022-23-q2.csv", _from(marac("2022/23 Q2", _marac_future_quarter)),
         "loaded", rules=("month_not_in_future",), quarantined=1, what="a row for a quarter after today"),
    Case("marac_column_twice_case", M, "marac-returns-2022-23-q3.csv",
         _from(marac("2022/23 Q3", header_edit=_marac_case_duplicate)), "rejected",
         reason=r"the header names a column twice .*'Cases Discussed'", what="'Cases Discussed' and 'cases discussed'"),
    Case("marac_no_quarter", M, "marac-returns-undated.csv", _from(marac("2022/23 Q4", _marac_no_quarter)), "rejected",
         reason=r"no row has a quarter written like 2024/25 Q1", what="quarters written 'Q1 2022'"),
    Case("marac_missing_column", M, "marac-returns-2021-22-q1.csv",
         _from(marac("2021/22 Q1", header_edit=_marac_drop_cases_male)), "rejected",
         reason=r"^missing contract columns: Cases Male", what="the Cases Male column missing"),

    # STATS19 (year 2021: outside the good data)
    Case("collision_rows_quarantined", SC, "dft-road-casualty-statistics-collision-2018.csv",
         _from(stats19(SC, DEMO_COLLISION, "2018", _collision_bad)), "loaded", rules=("code_known", "date_parseable"),
         quarantined=2, what="police force code 2 (none has it) and 31 February"),
    Case("collision_held_scientific_index", SC, "dft-road-casualty-statistics-collision-2024-resubmitted.csv",
         _from(_scientific_indexes), "held",
         reason=r"^held: no row of it loads \(dft-road-casualty-statistics-collision-2024\.csv stays live\)",
         rules=("collision_index_format",), what="2024 resubmitted with every index as 2.02404E+12"),
    Case("collision_no_year", SC, "dft-road-casualty-statistics-collision-undated.csv", _from(_undated_collisions),
         "rejected", reason=r"^cannot tell the data year", what="no year and no usable index"),
    Case("vehicle_rows_quarantined", SV, "dft-road-casualty-statistics-vehicle-2018.csv",
         _from(stats19(SV, DEMO_VEHICLE, "2018", _vehicle_bad)), "loaded", rules=("positive_integer", "age_in_range"),
         quarantined=2, what="vehicle reference 0 and a driver aged 250"),
    Case("vehicle_blank_lines_only", SV, "dft-road-casualty-statistics-vehicle-2016.csv", _write(b"\n\n   \n"),
         "rejected", reason=r"^empty file", what="blank lines only"),
    Case("casualty_rows_quarantined", SK, "dft-road-casualty-statistics-casualty-2018.csv",
         _from(stats19(SK, DEMO_CASUALTY, "2018", _casualty_bad)), "loaded", rules=("code_known", "age_in_range"),
         quarantined=2, what="casualty severity 7 and an age of -5"),
    Case("casualty_vehicle_header", SK, "dft-road-casualty-statistics-casualty-2016.csv",
         _from(lambda landing: _demo(landing, SV, DEMO_VEHICLE.format(year="2023"))), "rejected",
         reason=r"the header is a stats19_vehicle file's", what="a vehicle file landed as casualties"),

    # ONS lookups (Welsh LSOAs: outside the demo's geography)
    Case("lookup_lsoa_in_two_districts", ONS, "LSOA21_LAD22_Wales_lookup.csv", _write(WELSH_LOOKUP), "loaded",
         rules=("lsoa_maps_to_one_district",), quarantined=2, what="one LSOA given two districts: both rows quarantined"),
    Case("lookup_not_an_lsoa_lookup", ONS, "LAD22_PFA22_lookup.csv", _write(NOT_A_LOOKUP), "rejected",
         reason=r"^not an LSOA-to-district lookup: no LSOAxxCD column", what="a district-to-force lookup"),
    # population (mid-2019, districts outside Lancashire)
    Case("population_bad_values", POP, "district_population_mid2019.csv", _write(POP_2019), "loaded",
         rules=("population_integer", "area_code_format"), quarantined=2, what="a population of 'n/a' and a code X06..."),
    Case("population_no_year", POP, "lsoa_population_latest.csv", _write(POP_NO_YEAR), "rejected",
         reason=r"^cannot tell the mid-year", what="single-year LSOA file without a year in its name"),
    Case("population_wide_year_out_of_range", POP, "district_population_wide.csv", _write(POP_WIDE_OLD), "rejected",
         reason=r"^mid-year columns outside", what="a Mid-1890 column"),
    Case("population_sex_age_bad_rows", PSA, "mye_lad_sex_age_mid2019.csv", _write(PSA_2019), "loaded",
         rules=("sex_known", "age_in_range"), quarantined=2, what="sex code 3 and age 91"),
    Case("population_sex_age_missing_sex", PSA, "mye_lad_no_sex_mid2019.csv", _write(PSA_NO_SEX), "rejected",
         reason=r"^missing columns: sex", what="no sex column"),

    # issue 12: IMD ranks in an LSOA lookup (Welsh LSOAs), and ONS district -> CSP -> police force
    # area lookups (Welsh districts: outside the demo's force area)
    Case("lookup_imd_rank_not_a_rank", ONS, "IMD19_LSOA11_LAD19_Wales_lookup.csv", _write(WELSH_IMD_LOOKUP), "loaded",
         rules=("imd_rank_positive_integer",), quarantined=2, what="IMD ranks of 'n/a' and 0: both rows quarantined"),
    Case("csp_lookup_district_in_two_csps", CSP, "LAD22_CSP22_PFA22_Wales_lookup.csv", _write(WELSH_CSP_TWICE),
         "loaded", rules=("lad_maps_to_one_csp",), quarantined=2,
         what="one district given two CSPs: both its rows quarantined"),
    Case("csp_lookup_bad_codes", CSP, "LAD21_CSP21_PFA21_Gwent_lookup.csv", _write(WELSH_BAD_CODES), "loaded",
         rules=("pfa_code_format", "csp_code_format"), quarantined=2,
         what="lower-case header in another order; a force area code one digit short and a CSP code W22..."),
    Case("csp_lookup_lsoa_lookup", CSP, "LSOA11_LAD19_lookup.csv", _write(LSOA_LOOKUP_AS_CSP), "rejected",
         reason=r"^not a LAD-to-CSP-to-PFA lookup: no CSPxxCD or PFAxxCD column .*the header is a ons_lsoa_lookup",
         what="an LSOA-to-district lookup landed as a district-to-force lookup"),

    # issue 12: ONS district boundaries (GeoJSON) for the dashboard's choropleth (Welsh districts)
    Case("boundaries_bad_features", BND, "LAD22_Wales_boundaries.geojson", _write(WELSH_BOUNDARIES_BAD), "loaded",
         rules=("lad_code_format", "geometry_polygon", "geometry_not_empty", "lad_code_unique_in_file"), quarantined=5,
         what="lower-case properties; a code one digit short, a Point, an empty MultiPolygon, one district twice"),
    Case("boundaries_csv_named_geojson", BND, "LAD22_boundaries.geojson", _write(BOUNDARIES_AS_CSV), "rejected",
         reason=r"^not GeoJSON: invalid JSON at line 1, column 1", what="a CSV saved with a .geojson name"),
    Case("boundaries_no_code_property", BND, "districts_Conwy.geojson", _write(BOUNDARIES_NO_CODE), "rejected",
         reason=r"^not a district boundary file: no LADyyCD property and no property holding district codes",
         what="a FeatureCollection whose properties hold no district code"),
    Case("boundaries_british_national_grid", BND, "LAD21_Wales_BNG.geojson", _write(BOUNDARIES_BNG), "rejected",
         reason=r"^coordinates are British National Grid", what="eastings and northings (EPSG:27700), not WGS84"),
]


def write_corpus(landing_root: Path) -> list[Case]:
    """Write every case into ``landing_root/<feed>/`` next to the demo files (which must be there)."""
    landing_root = Path(landing_root)
    if not (landing_root / "police_street" / DEMO_POLICE_JAN).is_file():
        raise FileNotFoundError(f"{landing_root} holds no demo landing (write the demo data first)")
    names = [(c.feed, c.file_name) for c in CASES]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"two cases land the same file: {sorted(duplicated)}")
    for case in CASES:
        folder = landing_root / case.feed
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / case.file_name
        if target.exists() or target.is_symlink():
            raise FileExistsError(f"{target} exists: the corpus is written once, next to the demo files")
        case.make(landing_root, target)
    return list(CASES)


def planted_values(landing_root: Path) -> set[str]:
    """Every planted restricted value in the corpus files as written (read back from landing)."""
    found: set[str] = set()
    for case in CASES:
        path = Path(landing_root) / case.feed / case.file_name
        if case.feed in (X, D) and path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if data.startswith(b"PK"):
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    data = b"".join(zf.read(n) for n in zf.namelist())
            found |= set(re.findall(rb"PLANTED[A-Za-z0-9/!_.\-]*", data))
    return {v.decode() for v in found}


def readme_table() -> str:
    lines = ["| # | case | feed | file | outcome | rule(s) / reason |", "|---|---|---|---|---|---|"]
    for i, c in enumerate(CASES, 1):
        outcome = c.status + (f", {c.quarantined} quarantined" if c.status == "loaded" and c.quarantined else "")
        detail = ", ".join(f"`{r}`" for r in c.rules) if c.rules else ""
        if c.reason:
            detail = (detail + "; " if detail else "") + f"`{c.reason}`".replace("|", "\\|")
        lines.append(f"| {i} | {c.name}: {c.what} | {c.feed} | `{c.recorded_name}` | {outcome} | {detail} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1] == "--readme":
        print(readme_table(), end="")
        return 0
    if len(argv) != 2:
        print("usage: python tests/corpus/make_corpus.py LANDING_DIR  (or --readme)", file=sys.stderr)
        return 2
    cases = write_corpus(Path(argv[1]))
    print(f"wrote {len(cases)} corpus cases into {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
