"""Server-rendered SVG charts for the dashboards (R32): weekly shares 0–100 % as lines with the targets
dashed, and a small horizontal bar for one share. Pure Python, no JavaScript: the markup is the chart,
with <title>/<desc> for screen readers and a tooltip <title> on every point.

The charts only draw numbers they are given (from sreda.stats.indicators); an unknown week (None) leaves
a gap in the line, never a made-up zero.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"

# Geometry of the line chart, in user units (the SVG scales to its container by viewBox).
WIDTH = 640
HEIGHT = 240
LEFT = 48
RIGHT = 16
TOP = 14
BOTTOM = 34
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
MAX_LABELS = 7

# Colours distinguishable for colour-blind readers (Okabe–Ito) and a dash pattern per series, so the
# lines differ without colour too.
PALETTE = ("#0072B2", "#D55E00", "#009E73")
DASHES = ("", "6 3", "2 3")


@dataclass(frozen=True)
class Series:
    """One line: its Russian label and one share (fraction 0–1, or None when unknown) per date."""

    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Target:
    """A dashed horizontal target line, e.g. 0.75 «цель 75 %», labelled at the left of the plot."""

    share: float
    label: str


def format_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def format_share(share: float | None) -> str:
    """«76,5 %» (Russian decimal comma, a narrow no-break space before %), «нет данных» for None."""
    if share is None:
        return "нет данных"
    text = f"{share * 100:.1f}".replace(".", ",")
    if text.endswith(",0"):
        text = text[:-2]
    return f"{text}\u00a0%"


def y_of(share: float) -> float:
    """The vertical coordinate of a share; shares outside 0–1 are clipped to the plot."""
    share = min(max(share, 0.0), 1.0)
    return round(TOP + (1.0 - share) * PLOT_H, 2)


def x_of(index: int, count: int) -> float:
    if count <= 1:
        return round(LEFT + PLOT_W / 2, 2)
    return round(LEFT + index * PLOT_W / (count - 1), 2)


def _segments(values: Sequence[float | None]) -> list[list[int]]:
    """Runs of consecutive known values: [[0, 1, 2], [4, 5]] for a None at index 3."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def line_chart(*, dates: Sequence[date], series: Sequence[Series], targets: Sequence[Target] = (),
               title: str, desc: str = "") -> str:
    """An SVG line chart of weekly shares. Up to three series; every date gets an x position, a None value
    leaves a gap. Targets are dashed horizontal lines labelled at the left."""
    if len(series) > len(PALETTE):
        raise ValueError(f"Не больше {len(PALETTE)} линий на одном графике.")
    for s in series:
        if len(s.values) != len(dates):
            raise ValueError("Число значений линии не совпадает с числом дат.")
    count = len(dates)
    if not desc:
        desc = _describe(dates, series, targets)
    out: list[str] = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" class="chart line-chart" '
        f'preserveAspectRatio="xMidYMid meet" '
        f'style="max-width:{WIDTH}px;height:auto;font-family:sans-serif">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]
    # Grid and the y axis: 0, 25, 50, 75, 100 %.
    out.append('<g class="grid" stroke="#ddd" stroke-width="1">')
    for pct in (0, 25, 50, 75, 100):
        y = y_of(pct / 100)
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
    out.append("</g>")
    out.append('<g class="y-labels" font-size="11" fill="#555" text-anchor="end">')
    for pct in (0, 25, 50, 75, 100):
        out.append(f'<text x="{LEFT - 6}" y="{y_of(pct / 100) + 4}">{pct}\u00a0%</text>')
    out.append("</g>")
    # X labels: at most MAX_LABELS dates, always the last one.
    step = max(1, math.ceil(count / MAX_LABELS))
    shown = [i for i in range(count) if (count - 1 - i) % step == 0]
    out.append('<g class="x-labels" font-size="10" fill="#555" text-anchor="middle">')
    for i in shown:
        # The edge labels are anchored inwards so that they are never cut off.
        anchor = "" if count == 1 else (' text-anchor="start"' if i == 0 else ' text-anchor="end"' if i == count - 1 else "")
        out.append(f'<text x="{x_of(i, count)}" y="{HEIGHT - BOTTOM + 16}"{anchor}>{format_date(dates[i])}</text>')
    out.append("</g>")
    # Targets.
    for target in targets:
        y = y_of(target.share)
        out.append(
            f'<g class="target" data-share="{target.share}">'
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#B00020" stroke-width="1.5" '
            f'stroke-dasharray="5 4"><title>{escape(target.label)}</title></line>'
            f'<text x="{LEFT + 4}" y="{y - 4}" font-size="10" fill="#B00020">'
            f"{escape(target.label)}</text></g>"
        )
    # Series.
    for n, s in enumerate(series):
        colour, dash = PALETTE[n], DASHES[n]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-label={quoteattr(s.label)}>')
        for run in _segments(s.values):
            if len(run) < 2:
                continue
            coords = " ".join(f"{x_of(i, count)},{y_of(s.values[i])}" for i in run)
            out.append(f'<polyline class="segment" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr} '
                       f'points="{coords}"/>')
        for i, value in enumerate(s.values):
            if value is None:
                continue
            tip = f"{s.label}, {format_date(dates[i])}: {format_share(value)}"
            out.append(f'<circle class="pt" cx="{x_of(i, count)}" cy="{y_of(value)}" r="3.5" fill="{colour}">'
                       f"<title>{escape(tip)}</title></circle>")
        out.append("</g>")
    # Legend under the plot, left-aligned.
    if len(series) > 1:
        out.append('<g class="legend" font-size="11" fill="#222">')
        x = LEFT
        for n, s in enumerate(series):
            dash_attr = f' stroke-dasharray="{DASHES[n]}"' if DASHES[n] else ""
            out.append(f'<line x1="{x}" y1="{HEIGHT - 6}" x2="{x + 18}" y2="{HEIGHT - 6}" stroke="{PALETTE[n]}" '
                       f'stroke-width="2.5"{dash_attr}/>')
            out.append(f'<text x="{x + 22}" y="{HEIGHT - 2}">{escape(s.label)}</text>')
            x += 30 + 7 * len(s.label)
        out.append("</g>")
    if count == 0 or all(v is None for s in series for v in s.values):
        out.append(f'<text class="empty" x="{LEFT + PLOT_W / 2}" y="{TOP + PLOT_H / 2}" font-size="13" '
                   f'fill="#555" text-anchor="middle">Нет данных за эти недели</text>')
    out.append("</svg>")
    return "".join(out)


def _describe(dates: Sequence[date], series: Sequence[Series], targets: Sequence[Target]) -> str:
    """A text version of the chart for screen readers: the period and each line's last known value."""
    if not dates:
        return "Нет данных."
    parts = [f"Недели с {format_date(dates[0])} по {format_date(dates[-1])}."]
    for s in series:
        known = [(d, v) for d, v in zip(dates, s.values) if v is not None]
        if known:
            day, value = known[-1]
            parts.append(f"{s.label}: {format_share(value)} на {format_date(day)}.")
        else:
            parts.append(f"{s.label}: нет данных.")
    for t in targets:
        parts.append(f"Цель: {t.label}.")
    return " ".join(parts)


BAR_WIDTH = 110
BAR_HEIGHT = 14


def share_bar(share: float | None, *, target: float | None = None, label: str = "") -> str:
    """A small horizontal bar for one share, with the target as a dark tick. None draws an empty frame
    with «нет данных» as its title."""
    text = format_share(share)
    title = f"{label}: {text}" if label else text
    if target is not None:
        title += f" (цель {format_share(target)})"
    parts = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
        f'role="img" class="chart share-bar">',
        f"<title>{escape(title)}</title>",
        f'<rect class="frame" x="0.5" y="0.5" width="{BAR_WIDTH - 1}" height="{BAR_HEIGHT - 1}" fill="#f2f2f2" stroke="#bbb"/>',
    ]
    if share is not None:
        filled = round(min(max(share, 0.0), 1.0) * (BAR_WIDTH - 2), 2)
        meets = target is None or share >= target
        colour = "#009E73" if meets else "#D55E00"
        parts.append(f'<rect class="fill" x="1" y="1" width="{filled}" height="{BAR_HEIGHT - 2}" fill="{colour}"/>')
    if target is not None:
        tx = round(1 + target * (BAR_WIDTH - 2), 2)
        parts.append(f'<line class="target" x1="{tx}" y1="0" x2="{tx}" y2="{BAR_HEIGHT}" stroke="#222" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)
