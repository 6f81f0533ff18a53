"""Is this report a camera we already know? Suggestions by place and by picture.

Campaigners cite counts of cameras, not of reports, so a moderator must see when a new
report is another photo of a camera already on the map, or the same photo sent twice.
Two kinds of evidence, both only suggestions for a person to confirm:

- place: cameras within a radius of the report's pin (a bounding-box query on the
  camera table's lat/lon index, refined with the exact great-circle distance);
- picture: earlier reports whose photo has the same bytes (sha256) or looks the same
  (64-bit perceptual hash within a Hamming distance; survives re-encoding and resizing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hikwatch.geo import bbox_around, distance_m
from hikwatch.vocab import SightingStatus
from models import Camera, Photo, Sighting, db

# Reports whose photos are compared by look. Rejected reports are compared only by their
# bytes: a photo rejected once and simply sent again is worth flagging, but a rejected
# report is no camera to confirm, so near-lookalikes of it would only add noise.
COMPARED_STATUSES = (SightingStatus.PENDING, SightingStatus.APPROVED)


@dataclass(frozen=True)
class NearbyCamera:
    camera: Camera
    distance_m: float


@dataclass(frozen=True)
class SimilarReport:
    sighting: Sighting
    hamming: int  # 0..64 bits differing between the perceptual hashes
    same_file: bool  # byte-for-byte the same upload


def cameras_near(lat: float, lon: float, radius_m: float) -> list[NearbyCamera]:
    """Every camera (any status) within radius_m of the point, nearest first."""
    min_lon, min_lat, max_lon, max_lat = bbox_around(lat, lon, radius_m)
    candidates = db.session.execute(
        db.select(Camera).where(
            Camera.lat.between(min_lat, max_lat), Camera.lon.between(min_lon, max_lon)
        )
    ).scalars()
    found = [
        NearbyCamera(camera, distance_m(lat, lon, camera.lat, camera.lon)) for camera in candidates
    ]
    return sorted((n for n in found if n.distance_m <= radius_m), key=lambda n: n.distance_m)


def hamming(hash_a: str, hash_b: str) -> int:
    """Bits that differ between two hex perceptual hashes of equal length."""
    return (int(hash_a, 16) ^ int(hash_b, 16)).bit_count()


def similar_reports(sighting: Sighting, max_hamming: int, limit: int = 10) -> list[SimilarReport]:
    """Other reports whose photo is the same file or looks the same, most alike first.

    Hashes are compared in Python: a 64-bit XOR per report is microseconds even for tens
    of thousands of reports, and SQLite has no popcount to do it in the database.
    """
    photo = sighting.photo
    rows = db.session.execute(
        db.select(Sighting.id, Sighting.status, Photo.phash, Photo.sha256)
        .join(Photo, Sighting.photo_id == Photo.id)
        .where(Sighting.id != sighting.id)
    ).all()
    scored: dict[int, tuple[int, bool]] = {}
    for other_id, status, phash, sha256 in rows:
        same_file = sha256 == photo.sha256
        distance = hamming(photo.phash, phash)
        if same_file or (status in COMPARED_STATUSES and distance <= max_hamming):
            scored[other_id] = (distance, same_file)
    best = sorted(scored.items(), key=lambda item: (not item[1][1], item[1][0], item[0]))[:limit]
    sightings = _load(other_id for other_id, _ in best)
    return [
        SimilarReport(sightings[other_id], distance, same_file)
        for other_id, (distance, same_file) in best
    ]


def _load(ids: Iterable[int]) -> dict[int, Sighting]:
    ids = list(ids)
    if not ids:
        return {}
    found = db.session.execute(db.select(Sighting).where(Sighting.id.in_(ids))).scalars()
    return {sighting.id: sighting for sighting in found}
