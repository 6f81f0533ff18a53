"""The words Hikwatch uses to describe a camera, with OpenStreetMap's where it has them.

One table per field: stored value → label shown to people. The order is the
order forms offer. Nothing here imports Flask, so models, forms, exports and
tests share one source of truth.
"""

from __future__ import annotations

BRANDS = {
    "hikvision": "Hikvision",
    "hilook": "HiLook (a Hikvision brand)",
    "hiwatch": "HiWatch (a Hikvision brand)",
    "ezviz": "EZVIZ (a Hikvision brand)",
    "other": "Other or unsure",
}

BRAND_EVIDENCE = {
    "logo": "Logo visible in the photo",
    "label": "Label or model number read",
    "form_factor": "Form factor only",
}

CAMERA_TYPES = {
    "fixed": "Fixed (points one way)",
    "dome": "Dome",
    "panning": "Panning (PTZ, moves)",
    "panorama": "Panorama (fisheye, 360°)",
    "unknown": "Not sure",
}

MOUNTS = {
    "wall": "Wall",
    "pole": "Pole",
    "ceiling": "Ceiling",
    "street_lamp": "Street lamp",
    "other": "Other",
}

OPERATOR_TYPES = {
    "council_street": "Council: street CCTV",
    "council_building": "Council: a council building",
    "council_housing": "Council: housing estate",
    "school": "School",
    "nhs": "NHS",
    "police": "Police",
    "transport": "TfL or transport",
    "public_other": "Another public body",
    "business": "Private business",
    "residential": "Residential (a home)",
    "unknown": "Not sure",
}

# Operator types campaigners count as "council-operated" in a motion.
COUNCIL_OPERATOR_TYPES = frozenset({"council_street", "council_building", "council_housing"})

LOCATION_SOURCES = {
    "exif": "From the photo's GPS",
    "device": "From the phone's location",
    "map": "Placed on the map",
    "typed": "Typed coordinates",
}

SIGHTING_STATUSES = ("pending", "approved", "rejected")
CAMERA_STATUSES = ("active", "removed", "replaced", "covered")

DEFAULTS = {
    "brand": "hikvision",
    "brand_evidence": "logo",
    "camera_type": "unknown",
    "mount": "other",
    "operator_type": "unknown",
}

# OpenStreetMap tag values for the fields OSM has vocabulary for
# (https://wiki.openstreetmap.org/wiki/Tag:man_made=surveillance).
OSM_MANUFACTURER = {
    "hikvision": "Hikvision",
    "hilook": "HiLook",
    "hiwatch": "HiWatch",
    "ezviz": "EZVIZ",
}
OSM_OPERATOR_TYPE = {
    "council_street": "government",
    "council_building": "government",
    "council_housing": "government",
    "school": "public",
    "nhs": "public",
    "police": "government",
    "transport": "public",
    "public_other": "public",
    "business": "private",
    "residential": "private",
}
OSM_SURVEILLANCE_ZONE = {
    "council_street": "street",
    "council_housing": "public",
    "residential": "building",
}
