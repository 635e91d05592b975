"""What the restricted partner extracts (police crime extract, DA incidents) share.

Their contracts are ours, so they are strict where the open feeds are forgiving: every contract
column must be in the header (found by name, case-insensitively, in any order; extra columns are
ignored), the month comes from the file name, and references are pseudonymised here, in
``prepare``, before anything is written (see :mod:`ingestion.pseudonymise`). A reference's format
is checked before it is hashed and the verdict travels in a helper column, so the row rule can
quarantine a bad reference without the quarantine ever holding the reference itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit
from ingestion.pseudonymise import key_for, pseudonymise_columns
from ingestion.feed_contract import Prepared
from schemas.rules import SCIENTIFIC_NOTATION

MONTH_IN_NAME = re.compile(r"(?<![0-9])([0-9]{4})-(0[1-9]|1[0-2])(?![0-9])")
# A force reference as exported (e.g. "06/123456/24", "MC-2024-001234"): letters, digits and / - _ .
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/_.\- ]{2,39}$"


def file_month(name: str, pattern_hint: str) -> str:
    """The YYYY-MM in a file name; the file is rejected without one (the month is its partition)."""
    match = MONTH_IN_NAME.search(name)
    if not match:
        raise FileRejected(f"file name {name!r} has no month: name the file like {pattern_hint}")
    return f"{match.group(1)}-{match.group(2)}"


def select_contract(text: pl.DataFrame, header: Mapping[str, str]) -> pl.DataFrame:
    """The contract's columns, renamed to snake_case; a file missing any of them is rejected."""
    by_lower = {c.lower(): c for c in text.columns}
    missing = [name for name in header if name.lower() not in by_lower]
    if missing:
        raise FileRejected(
            "missing contract columns: " + ", ".join(missing)
            + f" (found: {', '.join(text.columns[:8])}{'...' if text.width > 8 else ''})"
        )
    return text.select([pl.col(by_lower[name.lower()]).alias(dst) for name, dst in header.items()])


def reference_verdicts(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``_<column>_ok`` = "1" when the reference looks like one (null when empty), before hashing."""
    return frame.with_columns(
        [
            pl.when(pl.col(c).is_null()).then(None)
            .when(pl.col(c).str.contains(REFERENCE_PATTERN) & ~pl.col(c).str.contains(SCIENTIFIC_NOTATION))
            .then(pl.lit("1")).otherwise(pl.lit("0")).alias(f"_{c}_ok")
            for c in columns
        ]
    )


def pseudonymised(frame: pl.DataFrame, text: pl.DataFrame, header: Mapping[str, str], references: list[str],
                  unit: LandedUnit) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(frame, source text) with every reference column replaced by its keyed hash.

    The source text (the file's columns as sent, which the loader stores in the quarantine's
    ``raw_record``) is hashed with the same key, so no copy of a raw reference survives.
    """
    key = key_for(unit.path.parent.parent)
    frame = pseudonymise_columns(reference_verdicts(frame, references), references, key)
    by_lower = {c.lower(): c for c in text.columns}
    text_refs = [by_lower[name.lower()] for name, dst in header.items() if dst in references]
    return frame, pseudonymise_columns(contract_text(text, header), text_refs, key)


def contract_text(text: pl.DataFrame, header: Mapping[str, str]) -> pl.DataFrame:
    """The file's contract columns as sent (for the quarantine's ``raw_record``); columns outside the
    contract (a ``Victim Name`` someone added) are dropped and only their names are kept."""
    wanted = {name.lower() for name in header}
    kept = [c for c in text.columns if c.lower() in wanted]
    dropped = [c for c in text.columns if c.lower() not in wanted]
    out = text.select(kept)
    if dropped:
        out = out.with_columns(pl.lit("; ".join(dropped)).alias("_columns_not_kept"))
    return out


def yes_no(column: str) -> pl.Expr:
    """A Y/N flag as a boolean (validated before: only Y, N, y, n reach here)."""
    return pl.col(column).str.to_uppercase().replace_strict({"Y": True, "N": False}, default=None,
                                                           return_dtype=pl.Boolean)


@dataclass(frozen=True)
class MonthlyExtract:
    """How a monthly restricted extract is read: month from the file name, contract columns,
    references hashed. The police crime extract and the DA incidents differ only in these three."""

    name_hint: str  # an example file name, quoted when a name has no month
    header: Mapping[str, str]  # contract header -> snake_case column
    references: list[str]  # the columns to pseudonymise

    def partition_hint(self, unit: LandedUnit) -> str | None:
        """The file's month, or None when its name has none (prepare then rejects it, with the reason)."""
        try:
            return file_month(unit.logical_name, self.name_hint)
        except FileRejected:
            return None

    def prepare(self, text: pl.DataFrame, unit: LandedUnit) -> Prepared:
        month = file_month(unit.logical_name, self.name_hint)
        frame = select_contract(text, self.header).with_columns(pl.lit(month).alias("_file_month"))
        frame, source_text = pseudonymised(frame, text, self.header, self.references, unit)
        return Prepared(frame=frame, partition_key=month, source_text=source_text)
