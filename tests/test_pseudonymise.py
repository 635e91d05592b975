"""Pseudonymisation: the vectorised HMAC equals the standard library's; the key and demo mode;
and a property test of the crime extract's parser (references never survive, rows never lost)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.csv_reader import read_csv_text
from ingestion.feeds import police_crime_extract
from ingestion.landing import LandedUnit
from ingestion.pseudonymise import (
    DEMO_KEY,
    KEY_VARIABLE,
    PseudonymisationKeyMissing,
    hmac_hex,
    key_for,
    mark_demo_landing,
    pseudonymise_columns,
)
from ingestion.validation import row_failures

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@given(values=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=30),
       key=st.binary(min_size=1, max_size=100))
@SETTINGS
def test_vectorised_hmac_equals_the_standard_library(values, key) -> None:
    frame = pl.DataFrame({"ref": values, "other": list(range(len(values)))}, schema={"ref": pl.Utf8, "other": pl.Int64})
    out = pseudonymise_columns(frame, ["ref"], key)
    expected = [None if v is None else hmac_hex(key, v.strip()) for v in values]
    assert out["ref"].to_list() == expected
    assert out["other"].to_list() == list(range(len(values)))


def test_key_from_environment_else_demo_marker_else_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(PseudonymisationKeyMissing, match=KEY_VARIABLE):
        key_for(tmp_path)
    mark_demo_landing(tmp_path)
    assert key_for(tmp_path) == DEMO_KEY.encode()
    monkeypatch.setenv(KEY_VARIABLE, "partnership-secret")
    assert key_for(tmp_path) == b"partnership-secret"  # a set key always wins, demo or not


HEADER = list(police_crime_extract.HEADER)
REFERENCE = st.from_regex(r"[0-9]{2}/[0-9]{6}/[0-9]{2}", fullmatch=True)
FLAG = st.sampled_from(["Y", "N", "y", "n", "", "Yes", "1"])


@st.composite
def extract_rows(draw) -> list[dict[str, str]]:
    n = draw(st.integers(1, 12))
    rows = []
    for _ in range(n):
        r = {h: draw(FLAG) for h in HEADER[7:18]}
        r.update({
            "Crime Reference": draw(st.one_of(REFERENCE, TEXT)),
            "Recorded Date": draw(st.sampled_from(["2024-01-31", "2024-02-01", "31/01/2024", "", "2024-01-05"])),
            "Committed From": draw(st.sampled_from(["2024-01-05 22:00", "2024-01-30T01:15:00", "", "garbage"])),
            "Committed To": draw(st.sampled_from(["", "2024-01-05 23:00", "2024-01-01 00:00"])),
            "HO Offence Code": draw(st.sampled_from(["8N", "0105A", "999Z", "", "4.1", "19c"])),
            "HO Offence Description": draw(TEXT),
            "LSOA Code": draw(st.sampled_from(["E01025000", "", "X"])),
            "Victim Reference": draw(st.one_of(st.just(""), st.from_regex(r"V[0-9]{7}", fullmatch=True))),
            "Victim Age Band": draw(st.sampled_from(["18-20", "", "99"])),
            "Victim Sex": draw(st.sampled_from(["M", "F", "U", "", "x"])),
            "Outcome": draw(TEXT),
        })
        rows.append(r)
    return rows


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@given(rows=extract_rows())
@SETTINGS
def test_extract_parser_never_loses_a_row_nor_keeps_a_reference(rows, tmp_path_factory) -> None:
    root = tmp_path_factory.mktemp("landing")
    mark_demo_landing(root)
    data = _csv(rows)
    unit = LandedUnit("police_crime_extract", root / "police_crime_extract" / "extract-2024-01.csv", None, len(data), 0)
    text = read_csv_text(data)
    prepared = police_crime_extract.FEED.prepare(text, unit)
    failures = row_failures(prepared.frame, police_crime_extract.SCHEMA)
    assert prepared.frame.height == text.height == len(rows)
    bad = set(failures["_row"].to_list())
    valid = prepared.frame.with_row_index("_row").filter(~pl.col("_row").is_in(list(bad)))
    raw = police_crime_extract.to_raw(valid)
    assert raw.height + len(bad) == len(rows)
    # no reference survives: not in the raw rows, the quarantine's raw record (source_text) nor a failure case
    stored = re.sub(r"[0-9a-f]{64}", "#", raw.write_csv() + prepared.source_text.write_csv() + failures.write_csv())
    for r in rows:
        for column in ("Crime Reference", "Victim Reference"):
            value = r[column].strip()
            if re.fullmatch(r"[0-9]{2}/[0-9]{6}/[0-9]{2}|V[0-9]{7}", value):
                assert value not in stored, value
    # every valid row has a hash, a month and a known offence code
    assert raw["crime_reference"].str.contains(r"^[0-9a-f]{64}$").all()

