"""A camera as OpenStreetMap tags: the one place the mapping is defined.

Follows the OpenStreetMap wiki's conventions for `man_made=surveillance`
(https://wiki.openstreetmap.org/wiki/Tag:man_made=surveillance) and its keys:

| tag | when | value |
| --- | --- | --- |
| `man_made` | active, replaced | `surveillance` |
| `disused:man_made` | removed, covered | `surveillance` (lifecycle prefix: not in use) |
| `surveillance:type` | always | `camera` |
| `surveillance` | mount ceiling | `indoor` |
| | mount lamp or pole; operator council street, police, TfL | `public` |
| | any other known operator (council building, school, shop…) | `outdoor` |
| | operator unknown, not on a lamp or pole | left out |
| `surveillance:zone` | operator council street CCTV | `town` (documented) |
| | anything else | left out (`street`, `public`: undocumented) |
| `camera:type` | fixed, dome, panning | the same; panorama, unknown left out |
| `camera:mount` | wall, pole, ceiling, street lamp | `wall` … `street_lamp` |
| `camera:direction` | a direction is recorded | degrees, e.g. `90` |
| `manufacturer` | brand in the Hikvision group | `Hikvision`, `HiLook`, … |
| `was:manufacturer` | replaced (another brand now) | instead of `manufacturer` |
| `operator:type` | operator known | `government`, `public`, `private` |
| `check_date` | active | the day it was last confirmed |
| | removed, replaced, covered | the day the removal was confirmed |

Merged and retracted records are no camera of their own: they carry no OpenStreetMap tags
at all (only `hikwatch:*` properties, in `?status=all` exports), so nobody imports them.
"""

from __future__ import annotations

from hikwatch.vocab import (
    Brand,
    CameraStatus,
    CameraType,
    Mount,
    OperatorType,
)
from models import Camera

MANUFACTURER: dict[str, str] = {
    Brand.HIKVISION: "Hikvision",
    Brand.HILOOK: "HiLook",
    Brand.HIWATCH: "HiWatch",
    Brand.EZVIZ: "EZVIZ",
}
CAMERA_TYPES = frozenset({CameraType.FIXED, CameraType.DOME, CameraType.PANNING})
MOUNTS = frozenset({Mount.WALL, Mount.POLE, Mount.CEILING, Mount.STREET_LAMP})
OPERATOR_TYPE: dict[str, str] = {
    OperatorType.COUNCIL_STREET: "government",
    OperatorType.COUNCIL_BUILDING: "government",
    OperatorType.COUNCIL_HOUSING: "government",
    OperatorType.SCHOOL: "public",
    OperatorType.NHS: "public",
    OperatorType.POLICE: "government",
    OperatorType.TRANSPORT: "public",
    OperatorType.PUBLIC_OTHER: "public",
    OperatorType.BUSINESS: "private",
    OperatorType.RESIDENTIAL: "private",
}
# Operators whose cameras watch streets and other public places.
PUBLIC_SPACE_OPERATORS = frozenset(
    {OperatorType.COUNCIL_STREET, OperatorType.POLICE, OperatorType.TRANSPORT}
)
PUBLIC_SPACE_MOUNTS = frozenset({Mount.STREET_LAMP, Mount.POLE})
# Only values the wiki documents (town, parking, traffic, shop, bank, building, entrance).
SURVEILLANCE_ZONE: dict[str, str] = {OperatorType.COUNCIL_STREET: "town"}
# Statuses whose camera is still on the wall but no longer watching (or gone altogether).
DISUSED_STATUSES = frozenset({CameraStatus.REMOVED, CameraStatus.COVERED})
UNTAGGED_STATUSES = frozenset({CameraStatus.MERGED, CameraStatus.RETRACTED})


def surveillance(camera: Camera) -> str | None:
    """`public`, `outdoor` or `indoor`, from the mount and the operator; None if unknown."""
    if camera.mount == Mount.CEILING:
        return "indoor"
    if camera.mount in PUBLIC_SPACE_MOUNTS or camera.operator_type in PUBLIC_SPACE_OPERATORS:
        return "public"
    if camera.operator_type in OPERATOR_TYPE:
        return "outdoor"
    return None


def check_date(camera: Camera) -> str:
    """When the camera was last checked: confirmed in place, or confirmed gone."""
    if camera.status != CameraStatus.ACTIVE and camera.status_recorded_on is not None:
        return camera.status_recorded_on.isoformat()
    return camera.last_confirmed.isoformat()


def osm_tags(camera: Camera) -> dict[str, str]:
    """The camera's OpenStreetMap tags, as the table in this module's docstring says."""
    if camera.status in UNTAGGED_STATUSES:
        return {}
    lifecycle = "disused:" if camera.status in DISUSED_STATUSES else ""
    tags: dict[str, str] = {f"{lifecycle}man_made": "surveillance", "surveillance:type": "camera"}
    kind = surveillance(camera)
    if kind:
        tags["surveillance"] = kind
    if camera.operator_type in SURVEILLANCE_ZONE:
        tags["surveillance:zone"] = SURVEILLANCE_ZONE[camera.operator_type]
    if camera.camera_type in CAMERA_TYPES:
        tags["camera:type"] = camera.camera_type
    if camera.mount in MOUNTS:
        tags["camera:mount"] = camera.mount
    if camera.direction is not None:
        tags["camera:direction"] = str(camera.direction)
    manufacturer = MANUFACTURER.get(camera.brand)
    if manufacturer:
        key = "was:manufacturer" if camera.status == CameraStatus.REPLACED else "manufacturer"
        tags[key] = manufacturer
    if camera.operator_type in OPERATOR_TYPE:
        tags["operator:type"] = OPERATOR_TYPE[camera.operator_type]
    tags["check_date"] = check_date(camera)
    return tags
