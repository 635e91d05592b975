"""Reading a landed unit as text.

Every value is read as text (nothing is inferred), so validation sees exactly what the partner
sent and a quarantined row can be shown as it was. Line numbers are kept: the header is line 1.
"""

from __future__ import annotations

import io

import polars as pl

from ingestion.errors import FileRejected

BOM = b"\xef\xbb\xbf"
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive (xlsx or zip)",
    b"\x1f\x8b": "gzip-compressed data without a .gz name",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office document",
}


def read_csv_text(data: bytes) -> pl.DataFrame:
    """Parse CSV bytes into an all-text frame with the header as published.

    Rejects, with a reason, what is not a CSV: empty files, binary files, undecodable text,
    a header and no rows, ragged rows.
    """
    return read_csv_lines(data)[0]


def read_csv_lines(data: bytes) -> tuple[pl.DataFrame, pl.Series]:
    """As :func:`read_csv_text`, plus the line number on which each record starts.

    A quoted value may span lines, so a record's line is not simply its index + 2: the newlines
    inside earlier records are added (vectorised, from the values as read).
    """
    if data.startswith(BOM):
        data = data[len(BOM):]
    if not data.strip():
        raise FileRejected("empty file: no header and no rows")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileRejected(f"not a CSV: the file is {what}")
    head = data[:65536]
    if b"\x00" in head:
        raise FileRejected("not a CSV: the file contains binary (NUL) bytes")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the sample's end
            raise FileRejected(f"not a CSV: the text is not UTF-8 (byte {exc.start})") from exc
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            has_header=True,
            truncate_ragged_lines=False,
            raise_if_empty=True,
            encoding="utf8",
        )
    except pl.exceptions.NoDataError as exc:
        raise FileRejected("empty file: no header and no rows") from exc
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError) as exc:
        message = str(exc).splitlines()[0][:300]
        raise FileRejected(f"not a readable CSV: {message}") from exc
    if frame.width <= 1 and b"," not in data.split(b"\n", 1)[0]:
        raise FileRejected("not a CSV: the first line has no comma-separated header")
    if frame.height == 0:
        raise FileRejected("the file has a header but no data rows")
    # Header names lose stray whitespace (and the CR of CRLF endings); values lose surrounding blanks.
    frame.columns = [c.strip() for c in frame.columns]
    newlines = frame.select(
        pl.sum_horizontal(pl.all().str.count_matches("\n").fill_null(0)).cast(pl.Int64).alias("n")
    ).get_column("n")
    lines = (pl.int_range(0, frame.height, dtype=pl.Int64, eager=True) + 2 + newlines.cum_sum() - newlines)
    # Empty strings are treated as missing, as every partner's export means them.
    return frame.with_columns(pl.all().str.strip_chars().replace("", None)), lines.alias("_line")
