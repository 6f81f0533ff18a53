"""Geometry for the charts and maps drawn as inline SVG on the server.

Server-side SVG needs no JavaScript, prints sharply and reads the same in a PDF. This
module only computes numbers (coordinates, widths); templates draw them, so every text
in a chart goes through the template engine's escaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Segment:
    key: str
    value: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    label: str
    href: str
    y: float
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_width: int
    row_height: int
    scale_max: int
    bars: list[Bar]


def stacked_bars(
    rows: Sequence[tuple[str, str, Sequence[tuple[str, int]]]],
    *,
    # A narrow drawing so labels stay about 10 px tall when scaled to a 360 px phone;
    # the stylesheet caps its width on large screens.
    width: int = 400,
    label_width: int = 150,
    number_width: int = 44,
    row_height: int = 22,
) -> BarChart:
    """One horizontal stacked bar per row: (label, link, [(segment key, value), ...])."""
    bar_width = width - label_width - number_width
    scale_max = max([sum(v for _, v in parts) for _, _, parts in rows] + [1])
    bars = []
    for i, (text, href, parts) in enumerate(rows):
        x = float(label_width)
        segments = []
        for key, value in parts:
            w = bar_width * value / scale_max
            segments.append(Segment(key, value, round(x, 2), round(w, 2)))
            x += w
        bars.append(Bar(text, href, i * row_height, sum(v for _, v in parts), segments))
    return BarChart(width, len(rows) * row_height + 4, label_width, bar_width, row_height,
                    scale_max, bars)  # fmt: skip


@dataclass(frozen=True)
class Projection:
    """Lon/lat to SVG pixels: equirectangular, scaled by cos(latitude) so shapes look right."""

    min_lon: float
    max_lat: float
    scale: float
    x_factor: float
    width: int
    height: int
    pad: int

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.pad + (lon - self.min_lon) * self.x_factor * self.scale
        y = self.pad + (self.max_lat - lat) * self.scale
        return round(x, 1), round(y, 1)


def projection_for(geometry: BaseGeometry, width: int = 640, pad: int = 8) -> Projection:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (width - 2 * pad) / max((max_lon - min_lon) * x_factor, 1e-9)
    height = math.ceil((max_lat - min_lat) * scale) + 2 * pad
    return Projection(min_lon, max_lat, scale, x_factor, width, height, pad)


def outline_path(geometry: BaseGeometry, projection: Projection) -> str:
    """An SVG path `d` for the outline, simplified to about half a pixel."""
    simple = shapely.simplify(geometry, 0.5 / projection.scale, preserve_topology=True)
    parts = []
    for polygon in shapely.get_parts(simple):
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [projection.xy(lon, lat) for lon, lat in ring.coords]
            parts.append("M" + " L".join(f"{x} {y}" for x, y in points) + " Z")
    return " ".join(parts)


def dot_radius(count: int) -> float:
    """Area grows with the number of cameras a dot stands for."""
    return round(min(2.5 + 1.5 * math.sqrt(max(count, 1) - 1), 8.0), 1)


def shading_breaks(maximum: int, classes: int = 5) -> list[int]:
    """Thresholds for shading boroughs by count: 1, then round numbers up to the maximum.

    Zero always stands alone ("none known yet" is not "few"); the rest are 1-2-5 numbers
    at 1/16, 1/8, 1/4 and 1/2 of the largest count, so the legend reads naturally.
    """
    result = [1]
    for share in (2 ** -(classes - 1 - i) for i in range(classes - 1)):
        value = nice_floor(maximum * share)
        if value > result[-1]:
            result.append(value)
    return result


def nice_floor(value: float) -> int:
    """The largest of 1, 2, 5, 10, 20, 50, … not above `value` (0 below 1)."""
    if value < 1:
        return 0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * magnitude <= value:
            return int(step * magnitude)
    return int(magnitude)


# Light to dark; the first is for "no cameras known yet". Shared with the map script
# through a data- attribute, so the legend and the map cannot disagree.
SHADES = ("#eeeeee", "#fcd5c9", "#f9a98f", "#f07b5c", "#d44b33", "#a3241a", "#6b0f0b")


def legend(breaks: list[int]) -> list[tuple[str, str]]:
    """(label, colour) per shading class, e.g. ('None known', …), ('2–4', …), ('20 or more', …)."""
    classes = [("None known", SHADES[0])]
    for i, low in enumerate(breaks):
        high = breaks[i + 1] - 1 if i + 1 < len(breaks) else None
        text = f"{low} or more" if high is None else (str(low) if high == low else f"{low}–{high}")
        classes.append((text, SHADES[min(i + 1, len(SHADES) - 1)]))
    return classes
