"""Pseudonymisation of personal identifiers on ingest: HMAC-SHA256 with a key the partnership holds.

Crime and incident references and victim references identify people (a crime reference leads
straight to a victim's record), so the restricted feeds replace them in their ``prepare`` step,
before the loader writes anything: raw tables, ``meta.quarantine`` (``failure_case`` and
``raw_record``), log lines and error messages only ever see the keyed hash. A keyed hash (not a
plain SHA-256) because references are short and guessable: without the key nobody can rebuild the
table of hashes, and with it the same reference always gives the same pseudonym, so repeats and
duplicates can still be found.

The key comes from the environment variable ``CSW_PSEUDONYMISATION_KEY``. Demo mode: ``csw
demo-data`` (``write_demo_data``) leaves a marker file ``.csw_demo_mode`` in the landing area; a
landing area with that marker and no key set uses the published :data:`DEMO_KEY`, so the demo and
the tests run without a secret. Anywhere else a missing key stops the run with
:class:`PseudonymisationKeyMissing`, an error that names the variable; it is not a file rejection,
because the files are fine and must load once the key is set.

Hashing is vectorised in DuckDB (HMAC written out from ``sha256``, RFC 2104), so a national
extract is hashed without a Python loop over rows; :func:`hmac_hex` is the standard-library
reference the tests compare it with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import polars as pl

KEY_VARIABLE = "CSW_PSEUDONYMISATION_KEY"
DEMO_MARKER = ".csw_demo_mode"
# Public, and only ever used for synthetic demo data: never for a partner's files.
DEMO_KEY = "csw-demo-key-synthetic-data-only"
_BLOCK = 64  # SHA-256 block size in bytes


class PseudonymisationKeyMissing(RuntimeError):
    """The key is not set and the landing area is not a demo landing area."""


def is_demo_landing(landing_root: Path) -> bool:
    return (Path(landing_root) / DEMO_MARKER).is_file()


def mark_demo_landing(landing_root: Path) -> Path:
    """Record that this landing area holds synthetic demo data (so the demo key may be used)."""
    path = Path(landing_root) / DEMO_MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("This landing area holds synthetic demo data: references are hashed with the demo key.\n")
    return path


def key_for(landing_root: Path) -> bytes:
    """The HMAC key: the environment variable, else the demo key in a demo landing area."""
    key = os.environ.get(KEY_VARIABLE, "")
    if key:
        return key.encode("utf-8")
    if is_demo_landing(landing_root):
        return DEMO_KEY.encode("utf-8")
    raise PseudonymisationKeyMissing(
        f"{KEY_VARIABLE} is not set: restricted feeds carry crime, incident and victim references that "
        f"are pseudonymised on ingest with an HMAC-SHA256 key. Set {KEY_VARIABLE} to the partnership's "
        f"secret key (the same key every night, or pseudonyms will not match across files) and run again."
    )


def hmac_hex(key: bytes, value: str) -> str:
    """Reference implementation (standard library), for tests and one-off look-ups by key holders."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _pads(key: bytes) -> tuple[str, str]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    ipad = bytes(b ^ 0x36 for b in key)
    opad = bytes(b ^ 0x5C for b in key)
    return ipad.hex(), opad.hex()


def pseudonymise_columns(frame: pl.DataFrame, columns: list[str], key: bytes) -> pl.DataFrame:
    """``frame`` with each of ``columns`` (text) replaced by its HMAC-SHA256 hex digest; nulls stay null.

    Surrounding blanks are stripped first, so ``" 12/3456/24"`` and ``"12/3456/24"`` are the same person.
    """
    present = [c for c in columns if c in frame.columns]
    if not present or frame.height == 0:
        return frame
    ipad, opad = _pads(key)
    exprs = ", ".join(
        f"""case when "{c}" is null then null else lower(sha256(unhex('{opad}') ||
                unhex(sha256(unhex('{ipad}') || encode(trim("{c}")))))) end as "{c}" """
        for c in present
    )
    con = duckdb.connect(":memory:")
    try:
        con.register("_refs", frame.select(present).to_arrow())
        hashed = pl.from_arrow(con.execute(f"select {exprs} from _refs").fetch_arrow_table())
    finally:
        con.close()
    assert isinstance(hashed, pl.DataFrame)
    return frame.with_columns([hashed.get_column(c).cast(pl.Utf8).alias(c) for c in present])
