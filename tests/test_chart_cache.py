"""Rendered charts kept on disk (reporting/chart_cache.py): the same specification is drawn once and
read back byte for byte; anything that changes the chart draws it again; unused charts are removed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import vl_convert as vlc

from reporting import chart_cache, charts


def _spec(values: list[int], title: str = "Crimes") -> dict:
    return {"title": title, "data": {"values": [{"x": i, "y": v} for i, v in enumerate(values)]}, "mark": "bar",
            "encoding": {"x": {"field": "x", "type": "ordinal"}, "y": {"field": "y", "type": "quantitative"}}}


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every specification vl-convert is asked to draw."""
    calls: list[dict] = []
    real = vlc.vegalite_to_svg

    def counting(spec: dict, **kwargs: object) -> str:
        calls.append(spec)
        return real(spec, **kwargs)

    monkeypatch.setattr(chart_cache.vlc, "vegalite_to_svg", counting)
    return calls


def test_the_same_chart_is_drawn_once_and_read_back_exactly(tmp_path: Path, drawn: list[dict]) -> None:
    plain = chart_cache.svg(_spec([3, 1]), charts.VL_VERSION)  # no cache folder: drawn every time
    with chart_cache.cached_in(tmp_path):
        first = chart_cache.svg(_spec([3, 1]), charts.VL_VERSION)
        again = chart_cache.svg(_spec([3, 1]), charts.VL_VERSION)
    assert len(drawn) == 2 and first == again == plain and "<svg" in first
    assert len(list(tmp_path.glob("*.svg"))) == 1
    with chart_cache.cached_in(tmp_path):  # another night
        assert chart_cache.svg(_spec([3, 1]), charts.VL_VERSION) == plain
    assert len(drawn) == 2


def test_other_rows_words_or_version_draw_again(tmp_path: Path, drawn: list[dict]) -> None:
    with chart_cache.cached_in(tmp_path):
        chart_cache.svg(_spec([3, 1]), charts.VL_VERSION)
        changed = chart_cache.svg(_spec([3, 2]), charts.VL_VERSION)
        chart_cache.svg(_spec([3, 1], title="Crimes recorded"), charts.VL_VERSION)
        chart_cache.svg(_spec([3, 1]), "5.21")
    assert len(drawn) == 4 and len(list(tmp_path.glob("*.svg"))) == 4
    assert changed == vlc.vegalite_to_svg(_spec([3, 2]), vl_version=charts.VL_VERSION)


def test_a_report_chart_is_the_same_with_or_without_the_cache(tmp_path: Path) -> None:
    import pandas as pd

    series = pd.DataFrame({"period_start": pd.date_range("2023-04-01", periods=3, freq="MS").date,
                           "period_label": ["Apr", "May", "Jun"], "value": [12.0, 15.0, 9.0],
                           "status": ["available"] * 3})
    args = dict(chart_id="t", title="Violence", indicator_name="Violence", area_name="Burnley",
                unit_label="crimes", is_percent=False, grain="month")
    plain = charts.trend_chart(series, **args).svg
    with chart_cache.cached_in(tmp_path):
        assert charts.trend_chart(series, **args).svg == plain
        assert charts.trend_chart(series, **args).svg == plain  # read from the cache
    assert len(list(tmp_path.glob("*.svg"))) == 1


def test_charts_unused_for_the_keep_days_are_removed(tmp_path: Path) -> None:
    with chart_cache.cached_in(tmp_path):
        chart_cache.svg(_spec([1]), charts.VL_VERSION)
        chart_cache.svg(_spec([2]), charts.VL_VERSION)
    one, two = (tmp_path / f"{chart_cache._key(_spec([v]), charts.VL_VERSION)}.svg" for v in (1, 2))
    stale = time.time() - (chart_cache.KEEP_DAYS + 1) * 86400
    os.utime(one, (stale, stale))
    assert chart_cache.prune(tmp_path) == 1
    assert not one.exists() and two.exists()
    os.utime(two, (stale, stale))
    with chart_cache.cached_in(tmp_path):  # read again: kept another KEEP_DAYS (pruned at the block's end)
        chart_cache.svg(_spec([2]), charts.VL_VERSION)
    assert two.exists()
