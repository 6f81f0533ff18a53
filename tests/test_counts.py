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
        "active": 1,
        "council": 1,
        "verified": 1,
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
    assert westminster["active"] == 7
    assert westminster["council"] == 3


def test_verified_counts_only_moderator_confirmed_brands(app):
    with app.app_context():
        make_camera(WESTMINSTER, brand_verified=True)
        make_camera(WESTMINSTER, brand_verified=False)
        make_camera(WESTMINSTER, brand_verified=False)
        db.session.commit()
    westminster = figures(app)[WESTMINSTER_CODE]
    assert (westminster["active"], westminster["verified"]) == (3, 1)


def test_removed_replaced_and_covered_leave_active_for_removed(app):
    with app.app_context():
        make_camera(WESTMINSTER)
        for status in ("removed", "replaced", "covered"):
            change_status(make_camera(WESTMINSTER), status)
        db.session.commit()
    westminster = figures(app)[WESTMINSTER_CODE]
    assert (westminster["active"], westminster["council"], westminster["removed"]) == (1, 1, 3)
    assert counts.progress(westminster) == 0.75


def test_cameras_count_in_their_own_borough_only(app):
    with app.app_context():
        make_camera(CITY)
        make_camera(CAMDEN)
        make_camera(CAMDEN, operator_type="business")
        db.session.commit()
    result = figures(app)
    assert result["E09000001"]["active"] == 1
    assert result["E09000007"] == {"active": 2, "council": 1, "verified": 2, "removed": 0}
    assert WESTMINSTER_CODE not in result
    assert counts.london_totals(result)["active"] == 3


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
    table = client.get("/boroughs?sort=active").get_data(as_text=True)
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"/boroughs/westminster\">.*?</tr>", table, re.S
    )
    numbers = re.findall(r'class="count-link"[^>]*>([\d,]+)</a>', row.group(0))
    assert numbers == ["2", "1", "2", "0"]  # active, council, verified, removed

    listing = client.get("/boroughs/westminster/cameras?count=council").get_data(as_text=True)
    assert re.findall(r'href="/cameras/(\d+)"', listing) == [str(council_id)]
    assert "Known minimum: coverage is incomplete" in listing
