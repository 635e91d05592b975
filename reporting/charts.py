"""Charts as inline SVG strings: the reports open offline, print to PDF unchanged and need no
JavaScript or plotting library. Hidden (suppressed) values are drawn as gaps and said so."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Sequence

INK = "#1f2933"
GRID = "#d9dee3"
LINE = "#1d5fa8"
MUTED = "#8a96a3"
HIGHLIGHT = "#d97706"
FONT = "font-family='Segoe UI, Arial, sans-serif'"


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if v == int(v):
        return f"{int(v)}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def _nice_max(v: float) -> float:
    if v <= 0 or math.isnan(v):
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        if step * exp >= v:
            return step * exp
    return 10 * exp


def _ticks(top: float, n: int = 4) -> list[float]:
    return [top * i / n for i in range(n + 1)]


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: not published (suppressed) or not available
    hidden: bool = False  # True: the value exists but is suppressed


def line_chart(points: Sequence[Point], title: str, unit: str, width: int = 460, height: int = 200,
               label_every: int = 6) -> str:
    """A monthly trend: a line with gaps where a value is hidden; x labels every ``label_every``."""
    left, right, top, bottom = 56, 16, 28, 40
    w, h = width - left - right, height - top - bottom
    known = [p.value for p in points if p.value is not None]
    ymax = _nice_max(max(known) if known else 1.0)
    n = max(len(points) - 1, 1)
    x = lambda i: left + w * i / n  # noqa: E731
    y = lambda v: top + h - h * v / ymax  # noqa: E731
    parts = [f"<svg role='img' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}' {FONT} font-size='11'>",
             f"<title>{escape(title)}</title>",
             f"<text x='{left}' y='14' font-size='12' font-weight='600' fill='{INK}'>{escape(title)}</text>"]
    for t in _ticks(ymax):
        parts.append(f"<line x1='{left}' x2='{left + w}' y1='{y(t):.1f}' y2='{y(t):.1f}' stroke='{GRID}'/>")
        parts.append(f"<text x='{left - 6}' y='{y(t) + 4:.1f}' text-anchor='end' fill='{MUTED}'>{_fmt(t)}</text>")
    parts.append(f"<text x='12' y='{top + h / 2:.0f}' transform='rotate(-90 12 {top + h / 2:.0f})' "
                 f"text-anchor='middle' fill='{MUTED}'>{escape(unit)} per month</text>")
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, p in enumerate(points):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(p.value):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) == 1:
            cx, cy = seg[0].split(",")
            parts.append(f"<circle cx='{cx}' cy='{cy}' r='2.5' fill='{LINE}'/>")
        else:
            parts.append(f"<polyline fill='none' stroke='{LINE}' stroke-width='2' points='{' '.join(seg)}'/>")
    for i, p in enumerate(points):
        last = i == len(points) - 1 and i % label_every >= label_every // 2  # not on top of the one before
        if i % label_every == 0 or last:
            parts.append(f"<text x='{x(i):.1f}' y='{top + h + 16}' text-anchor='middle' fill='{MUTED}'>"
                         f"{escape(p.label)}</text>")
    notes = []
    if any(p.value is None and p.hidden for p in points) and known:
        notes.append("small numbers not published")
    if any(p.value is None and not p.hidden for p in points) and known:
        notes.append("no data for the month")
    if notes:
        parts.append(f"<text x='{left}' y='{height - 4}' fill='{MUTED}'>Gaps: {'; '.join(notes)}.</text>")
    if not known:
        why = "Not published (small numbers)" if any(p.hidden for p in points) else "No data"
        parts.append(f"<text x='{left + w / 2}' y='{top + h / 2}' text-anchor='middle' fill='{MUTED}'>{why}</text>")
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    highlight: bool = False


def bar_chart(bars: Sequence[Bar], title: str, unit: str, reference: tuple[float | None, str] | None = None,
              width: int = 520, bar_height: int = 15) -> str:
    """Horizontal bars (e.g. districts' rates, highest first), with an optional reference line
    (e.g. the county rate) marked and labelled. Hidden values are listed as "not published"."""
    head, _, sub = title.partition(": ")  # "Indicator: what is shown" is drawn on two lines
    left, right, top = 130, 60, 46 + (14 if sub else 0)
    height = top + len(bars) * (bar_height + 4) + 34
    w = width - left - right
    known = [b.value for b in bars if b.value is not None]
    ref_value = reference[0] if reference else None
    xmax = _nice_max(max(known + ([ref_value] if ref_value is not None else [])) if known else 1.0)
    x = lambda v: left + w * v / xmax  # noqa: E731
    parts = [f"<svg role='img' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}' {FONT} font-size='11'>",
             f"<title>{escape(title)}</title>",
             f"<text x='4' y='14' font-size='12' font-weight='600' fill='{INK}'>{escape(head)}</text>"]
    if sub:
        parts.append(f"<text x='4' y='29' font-size='11.5' fill='{INK}'>{escape(sub)}</text>")
    for t in _ticks(xmax):
        parts.append(f"<line x1='{x(t):.1f}' x2='{x(t):.1f}' y1='{top - 4}' y2='{height - 30}' stroke='{GRID}'/>")
        parts.append(f"<text x='{x(t):.1f}' y='{height - 18}' text-anchor='middle' fill='{MUTED}'>{_fmt(t)}</text>")
    parts.append(f"<text x='{left + w / 2:.0f}' y='{height - 4}' text-anchor='middle' fill='{MUTED}'>"
                 f"{escape(unit)}</text>")
    for i, b in enumerate(bars):
        yy = top + i * (bar_height + 4)
        weight = "700" if b.highlight else "400"
        parts.append(f"<text x='{left - 6}' y='{yy + bar_height - 3}' text-anchor='end' fill='{INK}' "
                     f"font-weight='{weight}'>{escape(b.label)}</text>")
        if b.value is None:
            parts.append(f"<text x='{left + 4}' y='{yy + bar_height - 3}' fill='{MUTED}' font-style='italic'>"
                         "not published (small numbers)</text>")
            continue
        colour = HIGHLIGHT if b.highlight else LINE
        parts.append(f"<rect x='{left}' y='{yy}' width='{max(x(b.value) - left, 0.5):.1f}' height='{bar_height}' "
                     f"fill='{colour}'/>")
        parts.append(f"<text x='{x(b.value) + 4:.1f}' y='{yy + bar_height - 3}' fill='{INK}'>{_fmt(b.value)}</text>")
    if reference and ref_value is not None:
        rx = x(ref_value)
        parts.append(f"<line x1='{rx:.1f}' x2='{rx:.1f}' y1='{top - 8}' y2='{height - 30}' stroke='{INK}' "
                     "stroke-width='1.5' stroke-dasharray='4 3'/>")
        anchor = "end" if rx > left + w * 0.6 else "start"
        parts.append(f"<text x='{rx + (-4 if anchor == 'end' else 4):.1f}' y='{top - 10}' text-anchor='{anchor}' "
                     f"fill='{INK}' font-size='10.5'>{escape(reference[1])}: {_fmt(ref_value)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def column_chart(points: Sequence[Point], title: str, unit: str, width: int = 300, height: int = 170) -> str:
    """A few vertical columns (e.g. five financial years), value labelled on each."""
    left, right, top, bottom = 48, 8, 28, 34
    w, h = width - left - right, height - top - bottom
    known = [p.value for p in points if p.value is not None]
    ymax = _nice_max(max(known) if known else 1.0)
    slot = w / max(len(points), 1)
    y = lambda v: top + h - h * v / ymax  # noqa: E731
    parts = [f"<svg role='img' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}' {FONT} font-size='10'>",
             f"<title>{escape(title)}</title>",
             f"<text x='4' y='14' font-size='11.5' font-weight='600' fill='{INK}'>{escape(title)}</text>"]
    for t in _ticks(ymax):
        parts.append(f"<line x1='{left}' x2='{left + w}' y1='{y(t):.1f}' y2='{y(t):.1f}' stroke='{GRID}'/>")
        parts.append(f"<text x='{left - 4}' y='{y(t) + 3:.1f}' text-anchor='end' fill='{MUTED}'>{_fmt(t)}</text>")
    for i, p in enumerate(points):
        cx = left + slot * i + slot * 0.15
        bw = slot * 0.7
        parts.append(f"<text x='{cx + bw / 2:.1f}' y='{top + h + 13}' text-anchor='middle' fill='{MUTED}'>"
                     f"{escape(p.label)}</text>")
        if p.value is None:
            mark = "[c]" if p.hidden else "–"  # hidden to protect small numbers, or no data
            parts.append(f"<text x='{cx + bw / 2:.1f}' y='{top + h - 4}' text-anchor='middle' fill='{MUTED}'>{mark}</text>")
            continue
        parts.append(f"<rect x='{cx:.1f}' y='{y(p.value):.1f}' width='{bw:.1f}' height='{top + h - y(p.value):.1f}' "
                     f"fill='{LINE if i < len(points) - 1 else HIGHLIGHT}'/>")
        parts.append(f"<text x='{cx + bw / 2:.1f}' y='{y(p.value) - 3:.1f}' text-anchor='middle' fill='{INK}'>"
                     f"{_fmt(p.value)}</text>")
    parts.append(f"<text x='{left}' y='{height - 4}' fill='{MUTED}'>{escape(unit)} per financial year</text>")
    parts.append("</svg>")
    return "".join(parts)
