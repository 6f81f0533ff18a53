"""What a moderator's decision must satisfy before it is recorded, so the counts hold up:
a Hikvision-group brand, a verification from a logo or a label, a camera of its own (not
merged or retracted), and no known camera close by unless the moderator says it is a
different one. Refusals are ModerationError; no Flask.
"""

from __future__ import annotations

from hikwatch.errors import ModerationError
from hikwatch.moderation.duplicates import NearbyCamera, cameras_near
from hikwatch.vocab import (
    HIKVISION_GROUP,
    VERIFYING_EVIDENCE,
    WITHDRAWN_STATUSES,
    BrandEvidence,
    CameraStatus,
    RejectReason,
)
from models import Camera, db

NOT_GROUP_MESSAGE = (
    "Only Hikvision-group cameras (Hikvision, HiLook, HiWatch, EZVIZ) are recorded. Choose "
    "the brand the photo shows, or reject the report as "
    f"'{RejectReason.NOT_HIKVISION.label}'."
)
FORM_FACTOR_MESSAGE = (
    "A brand can be verified only from a logo or a label readable in the photo. With "
    f"'{BrandEvidence.FORM_FACTOR.label}' leave 'Brand verified' unticked: the camera counts "
    "as unconfirmed."
)


def check_brand(brand: str, brand_evidence: str, verified: bool) -> None:
    """422 unless the brand is in the Hikvision group and a verification has a logo or label."""
    if brand not in HIKVISION_GROUP:
        raise ModerationError(422, NOT_GROUP_MESSAGE, "brand")
    if verified and brand_evidence not in VERIFYING_EVIDENCE:
        raise ModerationError(422, FORM_FACTOR_MESSAGE, "brand_verified")


def counted_camera(camera_id: int, doing: str) -> Camera:
    """A camera that is a camera of its own: 404 if none, 409 if merged or retracted."""
    camera = db.session.get(Camera, camera_id)
    if camera is None:
        raise ModerationError(404 if doing == "edit" else 422, f"There is no camera #{camera_id}.")
    if camera.status == CameraStatus.MERGED:
        raise ModerationError(
            409, f"Camera #{camera.id} was merged into camera #{camera.merged_into_id}: "
            f"{doing} camera #{camera.merged_into_id} instead."
        )  # fmt: skip
    if camera.status == CameraStatus.RETRACTED:
        raise ModerationError(
            409, f"Camera #{camera.id} was retracted (recorded in error); an admin can undo that."
        )
    return camera


def duplicate_candidates(lat: float, lon: float, radius_m: float) -> list[NearbyCamera]:
    """Known cameras (active or gone) this close: merged and retracted records are none."""
    return [
        near
        for near in cameras_near(lat, lon, radius_m)
        if near.camera.status not in WITHDRAWN_STATUSES
    ]
