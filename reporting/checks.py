"""The one place outputs call the Great Expectations suite before anything is written.

``reporting.expectations`` (the GE 1.x suite and its file data context in ``gx/``) validates an
output's scorecard table and builds the Data Docs. Publication without it is not allowed: if the
module is missing the output fails with a clear message rather than being published unchecked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


class OutputChecksUnavailable(RuntimeError):
    """The Great Expectations suite is not installed in this checkout: nothing is published."""


def check_output_table(name: str, frame: pd.DataFrame, settings: dict[str, Any], home: Path | None = None) -> None:
    """Validate one output table with the GE suite; raises ``OutputCheckFailed`` (and so stops
    publication) on failure. ``home``: the warehouse home whose ``outputs/data_docs`` gets the result."""
    try:
        from reporting.expectations import check_output_table as run_suite
    except ImportError as exc:  # the suite is built on its own branch; never publish without it
        raise OutputChecksUnavailable(
            f"cannot check output table {name!r}: the Great Expectations suite (reporting/expectations.py) "
            "is not available, so the output is not published") from exc
    run_suite(name, frame, settings, home=home)
