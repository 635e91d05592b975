"""Row validation: run a feed's Pandera schema over the whole file at once (lazily, so every
failure is collected) and turn Pandera's failure cases into one row per failed row and rule."""

from __future__ import annotations

import pandera.errors as pa_errors
import pandera.polars as pa
import polars as pl

from ingestion.errors import FileRejected

FAILURE_SCHEMA = {"_row": pl.Int64, "check_name": pl.Utf8, "column_name": pl.Utf8, "failure_case": pl.Utf8}


def row_failures(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame:
    """Failures as ``_row`` (0-based row index), ``check_name``, ``column_name``, ``failure_case``.

    A failure without a row index (a missing column, a wrong type) means the file does not match
    the contract at all, so the file is rejected.
    """
    try:
        schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    whole_file = cases.filter(pl.col("index").is_null())
    if whole_file.height:
        first = whole_file.row(0, named=True)
        raise FileRejected(f"file does not match the {schema.name} contract: {first['check']} on {first['column']}")
    # Pandera names built-in checks like "str_matches('^...$')": keep the rule's name only.
    return (
        cases.select(
            pl.col("index").cast(pl.Int64).alias("_row"),
            pl.col("check").str.split("(").list.first().alias("check_name"),
            pl.when(pl.col("schema_context") == "Column").then(pl.col("column")).otherwise(None).alias("column_name"),
            pl.col("failure_case").cast(pl.Utf8),
        )
        .unique(subset=["_row", "check_name", "column_name"], maintain_order=True)
        .sort("_row")
    )
