"""Counting: cameras not sightings, each figure traced to exactly its cameras."""

from __future__ import annotations

import re

from hikwatch.evidence import counts
from models import db
from tests.factories import CAMDEN, CITY, WESTMINSTER, change_status, make_camera, make_sighting

WESTMINSTER_CODE = "E09000033"


def figures(app) -> dict[str, dict[str, int]]:
    with app.app_context():
        return counts.counts_by_borough(db.session)


def test_three_approved_sightings_of_one_camera_count_once(app):
    with app.app_context():
        camera = make_camera(WESTMINSTER)
        for _ in range(3):
            make_sighting(camera)
        # Reports not (yet) made into cameras count for nothing.
        make_sighting(None, status="pending", at=WESTMINSTER)
        make_sighting(None, status="rejected", at=WESTMINSTER)
        db.session.commit()
    assert figures(app)[WESTMINSTER_CODE] == {
        "verified": 1,
        "council_operated": 1,
        "unconfirmed": 0,
        "removed": 0,
    }


def test_council_operated_counts_only_council_operator_types(app):
    with app.app_context():
        for operator in ("council_street", "council_building", "council_housing"):
            make_camera(WESTMINSTER, operator_type=operator)
        for operator in ("school", "police", "business", "unknown"):
            make_camera(WESTMINSTER, operator_type=operator)
        db.session.commit()
    westminster = figures(app)[WESTMINSTER_CODE]
    assert westminster["verified"] == 7
    assert westminster["council_operated"] == 3


def test_verified_counts_only_moderator_confirmed_brands(app):
    """Unconfirmed cameras are shown beside the headline, never added into it."""
    with app.app_context():
        make_camera(WESTMINSTER, brand_verified=True)
        make_camera(WESTMINSTER, brand_verified=False)
        make_camera(WESTMINSTER, brand_verified=False, operator_type="council_street")
        db.session.commit()
    westminster = figures(app)[WESTMINSTER_CODE]
    assert westminster == {"verified": 1, "council_operated": 1, "unconfirmed": 2, "removed": 0}


def test_brands_outside_the_group_are_in_no_figure(app):
    with app.app_context():
        make_camera(WESTMINSTER, brand="other")
        make_camera(WESTMINSTER, brand="other", brand_verified=False)
        change_status(make_camera(WESTMINSTER, brand="other"), "removed")
        for brand in ("hikvision", "hilook", "hiwatch", "ezviz"):
            make_camera(WESTMINSTER, brand=brand)
        db.session.commit()
    assert figures(app)[WESTMINSTER_CODE] == {
        "verified": 4,
        "council_operated": 4,
        "unconfirmed": 0,
        "removed": 0,
    }


def test_merged_and_retracted_records_are_in_no_figure(app):
    with app.app_context():
        kept = make_camera(WESTMINSTER)
        for status in ("merged", "retracted"):
            make_camera(WESTMINSTER, status=status)
            make_camera(WESTMINSTER, status=status, brand_verified=False)
        db.session.commit()
        assert counts.figures_of(kept) == ["verified", "council_operated"]
    assert figures(app)[WESTMINSTER_CODE] == {
        "verified": 1,
        "council_operated": 1,
        "unconfirmed": 0,
        "removed": 0,
    }


def test_unverified_cameras_that_go_are_not_counted_as_removed(app):
    with app.app_context():
        change_status(make_camera(WESTMINSTER, brand_verified=False), "removed")
        change_status(make_camera(WESTMINSTER), "covered")
        db.session.commit()
    assert figures(app)[WESTMINSTER_CODE]["removed"] == 1


def test_the_figures_are_the_four_defined_once_in_order():
    assert list(counts.COUNT_KINDS) == ["verified", "council_operated", "unconfirmed", "removed"]
    assert counts.HEADLINE.key == "verified"
    for kind in counts.COUNT_KINDS.values():
        assert (
            kind.definition
            and kind.example
            and kind.brands
            == {
                "hikvision",
                "hilook",
                "hiwatch",
                "ezviz",
            }
        )


def test_removed_replaced_and_covered_leave_active_for_removed(app):
    with app.app_context():
        make_camera(WESTMINSTER)
        for status in ("removed", "replaced", "covered"):
            change_status(make_camera(WESTMINSTER), status)
        db.session.commit()
    westminster = figures(app)[WESTMINSTER_CODE]
    assert (westminster["verified"], westminster["council_operated"], westminster["removed"]) == (
        1,
        1,
        3,
    )
    assert counts.progress(westminster) == 0.75


def test_cameras_count_in_their_own_borough_only(app):
    with app.app_context():
        make_camera(CITY)
        make_camera(CAMDEN)
        make_camera(CAMDEN, operator_type="business")
        db.session.commit()
    result = figures(app)
    assert result["E09000001"]["verified"] == 1
    assert result["E09000007"] == {
        "verified": 2,
        "council_operated": 1,
        "unconfirmed": 0,
        "removed": 0,
    }
    assert WESTMINSTER_CODE not in result
    assert counts.london_totals(result)["verified"] == 3


def test_every_figure_equals_the_list_of_cameras_behind_it(app):
    """The aggregate and the id lists come from one definition, so they always agree."""
    with app.app_context():
        variants = [
            dict(operator_type="council_housing", brand_verified=False),
            dict(operator_type="nhs", brand_verified=True),
            dict(operator_type="council_street", brand_verified=True),
        ]
        for i, variant in enumerate(variants * 3):
            camera = make_camera(WESTMINSTER if i % 2 else CAMDEN, **variant)
            if i % 4 == 0:
                change_status(camera, ("removed", "covered")[i % 2])
        db.session.commit()
        aggregate = counts.counts_by_borough(db.session)
        frozen = counts.ids_by_borough_and_kind(db.session)
        for code, by_kind in aggregate.items():
            for key, kind in counts.COUNT_KINDS.items():
                listed = counts.camera_ids(db.session, code, kind)
                assert len(listed) == by_kind[key], (code, key)
                assert frozen[code][key] == listed


def test_borough_table_and_lists_show_the_same_cameras(client, app):
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street")
        make_camera(WESTMINSTER, operator_type="business")
        council_id = council.id
        db.session.commit()
    table = client.get("/boroughs?sort=verified").get_data(as_text=True)
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"/boroughs/westminster\">.*?</tr>", table, re.S
    )
    numbers = re.findall(r'class="count-link"[^>]*>([\d,]+)</a>', row.group(0))
    assert numbers == ["2", "1", "0", "0"]  # verified, council_operated, unconfirmed, removed

    listing = client.get("/boroughs/westminster/cameras?count=council_operated").get_data(
        as_text=True
    )
    assert re.findall(r'href="/cameras/(\d+)"', listing) == [str(council_id)]
    assert "Known minimum: coverage is incomplete" in listing
