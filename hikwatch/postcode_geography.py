"""Check the borough boundaries against the ONS: does each London postcode's point fall in
the local authority the ONS Postcode Directory gives it?

The ONS assigns a postcode to a local authority from its own boundaries and the
postcode's address-weighted position; BoroughIndex answers from the GLA boundaries in
data/. Where they differ, the postcode's point is usually metres from a boundary, which
is what :class:`Disagreement` records. Flask-free: `flask postcodes check` prints it, a
test pins the agreement, and scripts can call :func:`compare` directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from hikwatch.geo import EARTH_RADIUS_M, BoroughIndex
from hikwatch.postcodes import PostcodeDirectory

# Local flat metres around the middle of London (equirectangular): within ±0.5% across
# Greater London, plenty to say how far a point is from a boundary.
_ORIGIN_LAT = 51.5
_METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True)
class Disagreement:
    postcode: str
    ons_code: str
    index_code: str | None  # None: the point is outside all 33 areas
    lat: float
    lon: float
    boundary_m: float  # to the nearest borough boundary, London's edge included


@dataclass(frozen=True)
class GeographyCheck:
    total: int
    agreeing: int
    disagreements: tuple[Disagreement, ...]  # farthest from a boundary first

    @property
    def share(self) -> float:
        """Agreeing postcodes as a fraction of all (1.0 when there are none)."""
        return self.agreeing / self.total if self.total else 1.0

    def outside_london(self) -> int:
        return sum(1 for d in self.disagreements if d.index_code is None)

    def within(self, metres: float) -> int:
        """Disagreements whose point is at most this far from a boundary."""
        return sum(1 for d in self.disagreements if d.boundary_m <= metres)


def compare(directory: PostcodeDirectory, index: BoroughIndex) -> GeographyCheck:
    """Locate every postcode with BoroughIndex and compare with the ONS's code."""
    lons, lats = directory.coordinates()
    ons_codes = directory.authority_codes_of_all()
    located = index.locate_many(lons, lats)
    index_codes = np.array([b.code for b in index.boroughs] + [""])[located]  # -1: ""
    differ = np.flatnonzero(index_codes != ons_codes)
    distances = _distance_to_boundaries(index, lons[differ], lats[differ])
    postcodes = directory.postcodes
    disagreements = [
        Disagreement(
            postcode=postcodes[row],
            ons_code=str(ons_codes[row]),
            index_code=str(index_codes[row]) or None,
            lat=float(lats[row]),
            lon=float(lons[row]),
            boundary_m=float(distance),
        )
        for row, distance in zip(differ.tolist(), distances.tolist(), strict=True)
    ]
    disagreements.sort(key=lambda d: (-d.boundary_m, d.postcode))
    return GeographyCheck(
        total=len(directory),
        agreeing=len(directory) - len(disagreements),
        disagreements=tuple(disagreements),
    )


def _to_metres(lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray[np.float64]:
    scale_x = _METRES_PER_DEGREE * math.cos(math.radians(_ORIGIN_LAT))
    return np.column_stack((lons * scale_x, (lats - _ORIGIN_LAT) * _METRES_PER_DEGREE))


def _distance_to_boundaries(
    index: BoroughIndex, lons: NDArray[np.float64], lats: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Metres from each point to the nearest edge of any of the 33 areas."""
    if lons.size == 0:
        return np.zeros(0)
    segments = []
    for borough in index.boroughs:
        for line in shapely.get_parts(shapely.boundary(index.geometry(borough.code))):
            ring = shapely.get_coordinates(line)
            metres = _to_metres(ring[:, 0], ring[:, 1])
            segments.append(shapely.linestrings(np.stack((metres[:-1], metres[1:]), axis=1)))
    tree = shapely.STRtree(np.concatenate(segments))
    points = shapely.points(_to_metres(lons, lats))
    _, distances = tree.query_nearest(points, return_distance=True, all_matches=False)
    return distances
