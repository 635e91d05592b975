"""Rendered charts kept on disk, so that a chart drawn from the same rows is not drawn again.

Most of the Board's charts do not change from one night to the next (a complete year's trends, a
district's profile), and turning a Vega-Lite specification into SVG is the costliest step of a
report (about a quarter of the annual update). The SVG is a function of the specification (its
rows inlined), the Vega-Lite version and vl-convert's version only, so it is kept under
``$CSW_HOME/cache/charts`` named by a hash of exactly those: a chart whose rows, wording or style
changed has another name and is drawn afresh. Files unused for ``KEEP_DAYS`` are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import vl_convert as vlc

KEEP_DAYS = 30
_folder: ContextVar[Path | None] = ContextVar("chart_cache_folder", default=None)


def _key(spec: dict[str, Any], vl_version: str) -> str:
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)
    material = f"{vl_version}\n{getattr(vlc, '__version__', '?')}\n{text}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def svg(spec: dict[str, Any], vl_version: str) -> str:
    """``vl_convert.vegalite_to_svg(spec)``, read from the cache folder when it was drawn before."""
    folder = _folder.get()
    if folder is None:
        return vlc.vegalite_to_svg(spec, vl_version=vl_version)
    path = folder / f"{_key(spec, vl_version)}.svg"
    try:
        drawn = path.read_text(encoding="utf-8")
        os.utime(path)  # used: kept another KEEP_DAYS
        return drawn
    except OSError:
        pass
    drawn = vlc.vegalite_to_svg(spec, vl_version=vl_version)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(drawn, encoding="utf-8")
        os.replace(partial, path)
    except OSError:  # a full or read-only disk costs time, never the chart
        pass
    return drawn


def prune(folder: Path, keep_days: float = KEEP_DAYS) -> int:
    """Remove the charts not used for ``keep_days``; how many were removed."""
    if not folder.is_dir():
        return 0
    oldest = time.time() - keep_days * 86400
    removed = 0
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


@contextmanager
def cached_in(folder: Path | None) -> Iterator[None]:
    """Charts drawn inside the block are kept in (and read from) ``folder``; None: not kept."""
    token = _folder.set(folder)
    try:
        yield
    finally:
        _folder.reset(token)
        if folder is not None:
            prune(folder)
