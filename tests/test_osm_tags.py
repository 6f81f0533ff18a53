"""The OpenStreetMap tags of a camera, as hikwatch/evidence/osm.py's table documents them."""

from __future__ import annotations

from datetime import date

import pytest

from hikwatch.evidence.osm import osm_tags
from models import Camera


def camera(**fields) -> Camera:
    values = {
        "status": "active",
        "brand": "hikvision",
        "camera_type": "dome",
        "mount": "wall",
        "direction": None,
        "operator_type": "council_street",
        "last_confirmed": date(2026, 4, 1),
        "status_recorded_on": None,
        **fields,
    }
    return Camera(**values)


def test_an_active_council_street_camera():
    assert osm_tags(camera(direction=90)) == {
        "man_made": "surveillance",
        "surveillance:type": "camera",
        "surveillance": "public",
        "surveillance:zone": "town",
        "camera:type": "dome",
        "camera:mount": "wall",
        "camera:direction": "90",
        "manufacturer": "Hikvision",
        "operator:type": "government",
        "check_date": "2026-04-01",
    }


@pytest.mark.parametrize(
    ("fields", "surveillance"),
    [
        ({"mount": "ceiling", "operator_type": "council_street"}, "indoor"),
        ({"mount": "street_lamp", "operator_type": "unknown"}, "public"),
        ({"mount": "pole", "operator_type": "business"}, "public"),
        ({"operator_type": "police"}, "public"),
        ({"operator_type": "transport"}, "public"),
        ({"operator_type": "council_housing"}, "outdoor"),
        ({"operator_type": "council_building"}, "outdoor"),
        ({"operator_type": "business"}, "outdoor"),
        ({"operator_type": "residential"}, "outdoor"),
        ({"operator_type": "unknown"}, None),
    ],
)
def test_surveillance_comes_from_the_mount_and_the_operator(fields, surveillance):
    assert osm_tags(camera(**fields)).get("surveillance") == surveillance


DOCUMENTED_ZONES = {"town", "parking", "traffic", "shop", "bank", "building", "entrance"}


@pytest.mark.parametrize(
    "operator",
    ["council_street", "council_building", "council_housing", "school", "nhs", "police",
     "transport", "public_other", "business", "residential", "unknown"],
)  # fmt: skip
def test_surveillance_zone_only_with_a_documented_value(operator):
    zone = osm_tags(camera(operator_type=operator)).get("surveillance:zone")
    assert zone is None or zone in DOCUMENTED_ZONES
    assert (zone is not None) == (operator == "council_street")


@pytest.mark.parametrize("status", ["removed", "covered"])
def test_a_camera_gone_or_covered_is_disused_checked_when_confirmed(status):
    tags = osm_tags(camera(status=status, status_recorded_on=date(2026, 7, 9)))
    assert tags["disused:man_made"] == "surveillance" and "man_made" not in tags
    assert tags["check_date"] == "2026-07-09"
    assert tags["manufacturer"] == "Hikvision"


def test_a_replaced_camera_keeps_the_mast_but_not_the_maker():
    tags = osm_tags(camera(status="replaced", status_recorded_on=date(2026, 7, 9)))
    assert tags["man_made"] == "surveillance"
    assert tags["was:manufacturer"] == "Hikvision" and "manufacturer" not in tags
    assert tags["check_date"] == "2026-07-09"


@pytest.mark.parametrize(
    ("brand", "maker"),
    [("hikvision", "Hikvision"), ("hilook", "HiLook"), ("hiwatch", "HiWatch"),
     ("ezviz", "EZVIZ"), ("other", None)],
)  # fmt: skip
def test_manufacturer_from_the_brand(brand, maker):
    assert osm_tags(camera(brand=brand)).get("manufacturer") == maker


def test_types_and_mounts_osm_does_not_know_are_left_out():
    tags = osm_tags(camera(camera_type="panorama", mount="other"))
    assert "camera:type" not in tags and "camera:mount" not in tags


@pytest.mark.parametrize("status", ["merged", "retracted"])
def test_records_that_are_no_camera_carry_no_tags(status):
    assert osm_tags(camera(status=status)) == {}
