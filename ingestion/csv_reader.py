"""Reading a landed unit as text.

Every value is read as text (nothing is inferred), so validation sees exactly what the partner
sent and a quarantined row can be shown as it was. Line numbers are kept: the header is line 1.

One bad record costs one record. Before the values are parsed, the file is split into its physical
lines and the lines into records (a quoted value may span lines: a record goes on while its quotes
are unbalanced), and each record's fields are counted outside quotes, all vectorised in Polars. A
record with more or fewer fields than the header is set aside (:attr:`CsvText.bad_records`, for the
loader to quarantine under the rule ``field_count``); the rest is parsed strictly. Only what cannot
be read as a CSV at all rejects the file (empty, binary, not UTF-8, a header with no rows, two
columns of one name, a quote that never closes), and the reason says where: line and byte.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import polars as pl

from ingestion.errors import FileRejected

BOM = b"\xef\xbb\xbf"
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive (xlsx or zip)",
    b"\x1f\x8b": "gzip-compressed data without a .gz name",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office document",
}
# The byte that splits a file into physical lines without splitting them further; a file that
# holds it is not split on it (see _physical_lines).
_NO_SEPARATOR = "\x1f"
_QUOTED = r'"[^"]*"'
_DUPLICATED = re.compile(r"^(.*)_duplicated_[0-9]+$")
FIELD_COUNT_RULE = "field_count"


@dataclass(frozen=True)
class CsvText:
    """A unit read as text: the records that split into the header's columns, and the others."""

    frame: pl.DataFrame  # all text, header names as published (trimmed), empty values null
    lines: pl.Series  # the line on which each frame row starts (header = line 1)
    bad_records: pl.DataFrame  # line, fields, expected, text: records that do not split into the header's columns

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.bad_records.height


BAD_RECORDS_SCHEMA = {"line": pl.Int64, "fields": pl.Int64, "expected": pl.Int64, "text": pl.Utf8}


def read_csv_text(data: bytes) -> pl.DataFrame:
    """Parse CSV bytes into an all-text frame with the header as published (records that do not
    split into the header's columns are left out; :func:`read_csv` says which)."""
    return read_csv(data).frame


def read_csv_lines(data: bytes) -> tuple[pl.DataFrame, pl.Series]:
    """As :func:`read_csv_text`, plus the line number on which each record starts."""
    text = read_csv(data)
    return text.frame, text.lines


def _where(data: bytes, byte: int) -> str:
    line = data.count(b"\n", 0, byte) + 1
    return f"line {line}, byte {byte}"


def _check_bytes(data: bytes) -> None:
    if not data.strip():
        raise FileRejected("empty file: no header and no rows")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileRejected(f"not a CSV: the file is {what}")
    first_line = data.split(b"\n", 1)[0]
    if b"\x00" in first_line:
        raise FileRejected("not a CSV: the header line contains binary (NUL) bytes (line 1)")
    head = data[:65536]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(data) == len(head) or exc.start < len(head) - 4:  # not merely a character cut at the sample's end
            raise FileRejected(f"not a CSV: the text is not UTF-8 ({_where(data, exc.start)})") from exc


def _physical_lines(data: bytes) -> pl.Series:
    """Every physical line as text (null for an empty line), CR of CRLF endings removed."""
    if _NO_SEPARATOR.encode() in data or data.count(b"\r") != data.count(b"\r\n"):
        # Rare: split in Python's C code instead (a bare CR is a line end for no CSV reader we follow).
        text = data.decode("utf-8", errors="replace").split("\n")
        if text and text[-1] == "":
            text.pop()
        series = pl.Series("l", text, dtype=pl.Utf8).str.strip_chars_end("\r")
        return series.replace("", None)
    frame = pl.read_csv(io.BytesIO(data), has_header=False, separator=_NO_SEPARATOR, quote_char=None,
                        new_columns=["l"], infer_schema=False, encoding="utf8-lossy")
    return frame.get_column("l").str.strip_chars_end("\r").replace("", None)


def _records(lines: pl.Series, data: bytes) -> pl.DataFrame:
    """One row per record: ``line`` (where it starts), ``fields`` (0 for a blank line) and ``text``.

    A record ends at the first line end where its quotes balance (a doubled quote inside a quoted
    value counts twice, so parity is all that matters).
    """
    frame = pl.DataFrame({"text": lines}).with_row_index("i").with_columns(
        (pl.col("i").cast(pl.Int64) + 1).alias("line"),
        pl.col("text").str.count_matches('"', literal=True).fill_null(0).alias("_quotes"),
    )
    if (frame.get_column("_quotes") % 2).sum():
        frame = frame.with_columns((pl.col("_quotes").cum_sum() % 2).alias("_open"))
        if frame.get_column("_open")[-1]:
            opened = frame.filter((pl.col("_open") == 1) & (pl.col("_open").shift(1, fill_value=0) == 0))
            line = int(opened.get_column("line")[-1])
            raise FileRejected(f"not a readable CSV: a quoted value opened on line {line} never closes "
                               f"({_where(data, _line_start(data, line))})")
        frame = (
            frame.with_columns((pl.col("_open").shift(1, fill_value=0) == 0).cum_sum().alias("_record"))
            .group_by("_record", maintain_order=True)
            .agg(pl.col("line").first(), pl.col("text").fill_null("").str.join("\n"),
                 pl.col("_quotes").sum())
            .with_columns(pl.col("text").replace("", None))
        )
    outside = pl.when(pl.col("_quotes") > 0).then(pl.col("text").str.replace_all(_QUOTED, "")).otherwise(pl.col("text"))
    return frame.select(
        "line",
        pl.when(pl.col("text").is_null()).then(0)
        .otherwise(outside.str.count_matches(",", literal=True) + 1).cast(pl.Int64).alias("fields"),
        "text",
    )


def _line_start(data: bytes, line: int) -> int:
    """The byte offset at which ``line`` starts (only on the way to a rejection)."""
    return sum(len(part) + 1 for part in data.split(b"\n", line - 1)[: line - 1])


def _parse(data: bytes) -> pl.DataFrame:
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema=False, has_header=True, truncate_ragged_lines=False,
                           raise_if_empty=True, encoding="utf8")
    except pl.exceptions.NoDataError as exc:
        raise FileRejected("empty file: no header and no rows") from exc
    except pl.exceptions.PolarsError as exc:
        raise FileRejected(f"not a readable CSV: {_diagnose(data)}") from exc


def _diagnose(data: bytes) -> str:
    """Where a file that the CSV parser refused goes wrong, in our own words (never its values)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the text is not UTF-8 ({_where(data, exc.start)})"
    return "the parser could not split it into fields"


def _check_header(columns: list[str]) -> list[str]:
    names = [c.strip() for c in columns]
    bases = [m.group(1).strip() if (m := _DUPLICATED.match(c)) and m.group(1) in columns else c for c in names]
    folded = [b.casefold() for b in bases]
    dupes = sorted({b for b, f in zip(bases, folded) if folded.count(f) > 1}, key=str.casefold)
    if dupes:
        raise FileRejected(
            "the header names a column twice (names are compared trimmed and case-insensitively): "
            + ", ".join(repr(d) for d in dupes) + " (line 1)"
        )
    if any(not n for n in names):
        raise FileRejected(f"the header has an unnamed column (column {names.index('') + 1}, line 1)")
    return names


def _fast(data: bytes, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series] | None:
    """The strictly parsed frame and its lines when every record provably has the header's fields.

    The parser refuses a record with too many fields but pads one with too few, so the commas are
    counted: a well-formed file has (fields - 1) commas on every non-blank record plus those inside
    quoted values. None when that does not add up (the slow path then finds the records).
    """
    width = frame.width
    if width < 2:
        return None
    header_commas = sum(c.count(",") for c in frame.columns)
    quoted = b'"' in data
    if quoted:
        counts = frame.select(
            pl.sum_horizontal(pl.all().str.count_matches(",", literal=True).fill_null(0)).cast(pl.Int64).alias("c"),
            pl.sum_horizontal(pl.all().str.count_matches("\n", literal=True).fill_null(0)).cast(pl.Int64).alias("n"),
        )
        value_commas = int(counts.get_column("c").sum())
        newlines = counts.get_column("n")
    else:
        value_commas, newlines = 0, None
    structural = data.count(b",") - value_commas - header_commas
    if structural % (width - 1):
        return None
    blank_lines = 1 + frame.height - structural // (width - 1)
    empty = frame.select(pl.all_horizontal(pl.all().is_null()).alias("e")).get_column("e")
    if blank_lines not in (0, int(empty.sum())):
        return None
    index = pl.int_range(0, frame.height, dtype=pl.Int64, eager=True)
    lines = index + 2 if newlines is None else index + 2 + newlines.cum_sum() - newlines
    if blank_lines:
        frame, lines = frame.filter(~empty), lines.filter(~empty)
    return frame, lines


def _slow(data: bytes) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame, int]:
    """Split the file into records first, set aside those with the wrong number of fields, parse the rest."""
    records = _records(_physical_lines(data), data)
    expected = int(records.get_column("fields")[0])
    body = records.slice(1)
    bad = body.filter((pl.col("fields") != expected) & (pl.col("fields") > 0))
    keep = body.filter(pl.col("fields") == expected)
    header_text = records.get_column("text")[0]
    good = "\n".join([header_text, *keep.get_column("text").to_list()]).encode("utf-8") + b"\n"
    frame = _parse(good)
    if frame.height != keep.height:
        raise FileRejected("not a readable CSV: its quotes do not pair up, so its records cannot be told apart")
    return frame, keep.get_column("line"), bad, expected


def read_csv(data: bytes) -> CsvText:
    """Parse CSV bytes: the records that split into the header's columns, and those that do not."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    _check_bytes(data)
    if b"," not in data.split(b"\n", 1)[0]:
        raise FileRejected("not a CSV: the first line has no comma-separated header")
    bad = pl.DataFrame(schema=BAD_RECORDS_SCHEMA)
    fast = None
    try:
        frame = _parse(data)
        fast = _fast(data, frame)
    except FileRejected:
        pass
    if fast is not None:
        frame, lines = fast
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRejected(f"not a CSV: the text is not UTF-8 ({_where(data, exc.start)})") from exc
        frame, lines, records, expected = _slow(data)
        bad = records.select(
            "line", "fields", pl.lit(expected, dtype=pl.Int64).alias("expected"), "text"
        ).cast(BAD_RECORDS_SCHEMA)
    if frame.height == 0 and bad.height == 0:
        raise FileRejected("the file has a header but no data rows")
    frame.columns = _check_header(frame.columns)
    # Empty strings are treated as missing, as every partner's export means them.
    frame = frame.with_columns(pl.all().str.strip_chars().replace("", None))
    return CsvText(frame=frame, lines=lines.alias("_line"), bad_records=bad)
