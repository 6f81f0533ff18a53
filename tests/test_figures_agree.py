"""Every output gives the same four figures, and they are the figures the definitions say.

Hypothesis builds random datasets (brands, evidence, verification, operators, statuses,
removals confirmed through the moderators' functions, merges, retractions and their undoing,
across several boroughs). For each, the figures are counted here directly from the written
definitions, and compared with what every output says: the borough pages, /api/boroughs,
/api/boroughs.csv, the GeoJSON's features, a fresh snapshot's JSON and CSV, the motion pack
and the home page's total.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from hikwatch.evidence import snapshots
from hikwatch.moderation import merges, removals
from models import (
    Camera,
    CameraCorrection,
    CameraStatusChange,
    RemovalReport,
    Snapshot,
    User,
    db,
)
from tests.accounts import make_user
from tests.factories import CAMDEN, CITY, CROYDON, WESTMINSTER

# The definitions, written out again here on purpose (not imported from the app).
GROUP = {"hikvision", "hilook", "hiwatch", "ezviz"}
COUNCIL = {"council_street", "council_building", "council_housing"}
GONE = {"removed", "replaced", "covered"}
KEYS = ("verified", "council_operated", "unconfirmed", "removed")

PLACES = {
    "westminster": (WESTMINSTER, "E09000033"),
    "camden": (CAMDEN, "E09000007"),
    "city-of-london": (CITY, "E09000001"),
    "croydon": (CROYDON, "E09000008"),
}
UNTOUCHED = ("bexley", "E09000004")  # a borough no generated camera is in
BRANDS = ["hikvision", "hilook", "hiwatch", "ezviz", "other"]
EVIDENCE = ["logo", "label", "form_factor"]
OPERATORS = [
    "council_street",
    "council_building",
    "council_housing",
    "school",
    "business",
    "unknown",
]
FIGURE_CARD = re.compile(
    r'figure-card figure-(\w+)">\s*<span class="figure-number">(?:<a[^>]*>)?([\d,]+)<'
)


def expected_counts(cameras: list[dict]) -> dict[str, dict[str, int]]:
    """Count each borough's figures from the definitions, camera by camera."""
    result: dict[str, dict[str, int]] = {}
    for camera in cameras:
        figures = result.setdefault(camera["code"], dict.fromkeys(KEYS, 0))
        if camera["brand"] not in GROUP:
            continue
        if camera["status"] == "active" and camera["verified"]:
            figures["verified"] += 1
            figures["council_operated"] += camera["operator"] in COUNCIL
        if camera["status"] == "active" and not camera["verified"]:
            figures["unconfirmed"] += 1
        if camera["status"] in GONE and camera["verified"]:
            figures["removed"] += 1
    return result


cameras_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from(sorted(PLACES)),
            "brand": st.sampled_from(BRANDS),
            "evidence": st.sampled_from(EVIDENCE),
            "verified": st.booleans(),
            "operator": st.sampled_from(OPERATORS),
            "status": st.sampled_from(["active", "active", "removed", "replaced", "covered"]),
        }
    ),
    min_size=1,
    max_size=10,
)
operations_strategy = st.lists(
    st.tuples(
        st.sampled_from(["merge", "retract", "remove", "unmerge", "unretract"]),
        st.integers(0, 9),
        st.integers(0, 9),
        st.sampled_from(["removed", "replaced", "covered"]),
    ),
    max_size=6,
)


@dataclass
class World:
    """What the test expects, kept beside the database as operations are applied."""

    cameras: list[dict]
    ids: list[int] = field(default_factory=list)
    previous: dict[int, list[str]] = field(default_factory=dict)
    merged_into: dict[int, int] = field(default_factory=dict)

    def own(self, i: int) -> bool:
        return i < len(self.cameras) and self.cameras[i]["status"] not in ("merged", "retracted")


def reset(app) -> None:
    """Empty the camera tables (the audit trail is append-only and stays), the cache and
    the export files."""
    with app.app_context():
        db.session.execute(update(Camera).values(merged_into_id=None))
        for model in (CameraCorrection, CameraStatusChange, RemovalReport, Camera, Snapshot):
            db.session.execute(delete(model))
        db.session.commit()
    if "data_cache" in app.extensions:
        app.extensions["data_cache"].clear()
    # Deleting rows can bring the data version back to an earlier value: start the export
    # files afresh too.
    (Path(app.config["EXPORTS_FOLDER"]) / "manifest.json").unlink(missing_ok=True)


def build(app, world: World, moderator_id: int) -> None:
    with app.app_context():
        for spec in world.cameras:
            (lat, lon), code = PLACES[spec["place"]]
            camera = Camera(
                lat=lat, lon=lon, borough_code=code, status=spec["status"],
                status_changed_on=date(2026, 5, 1), status_recorded_on=date(2026, 5, 2),
                brand=spec["brand"], brand_evidence=spec["evidence"],
                brand_verified=spec["verified"], camera_type="dome", mount="wall",
                operator_type=spec["operator"], first_seen=date(2026, 3, 1),
                last_confirmed=date(2026, 4, 1),
            )  # fmt: skip
            db.session.add(camera)
            db.session.flush()
            world.ids.append(camera.id)
            spec["code"] = code
        db.session.commit()


def apply(app, world: World, operations, moderator_id: int) -> None:
    """Run each operation the app allows through the moderators' own functions, and keep
    the expected state beside it."""
    with app.app_context():
        user = db.session.get(User, moderator_id)
        for name, i, j, kind in operations:
            if name == "merge" and i != j and world.own(i) and world.own(j):
                merges.merge(world.ids[i], world.ids[j], user, None)
                world.previous.setdefault(i, []).append(world.cameras[i]["status"])
                world.cameras[i]["status"] = "merged"
                world.merged_into[i] = j
            elif name == "retract" and world.own(i):
                merges.retract(world.ids[i], user, "Recorded in error")
                world.previous.setdefault(i, []).append(world.cameras[i]["status"])
                world.cameras[i]["status"] = "retracted"
            elif name == "remove" and world.own(i):
                camera = db.session.get(Camera, world.ids[i])
                report = removals.create_removal_report(
                    camera, kind=kind, observed_on=None, note=None, contact_email=None, photo=None
                )
                db.session.flush()
                removals.confirm_removal(report.id, user, None)
                world.cameras[i]["status"] = kind
            elif (
                name == "unretract"
                and i < len(world.cameras)
                and (world.cameras[i]["status"] == "retracted")
            ):
                merges.unretract(world.ids[i], user, None)
                world.cameras[i]["status"] = world.previous[i].pop()
            elif (
                name == "unmerge"
                and i < len(world.cameras)
                and world.cameras[i]["status"] == "merged"
                and world.own(world.merged_into[i])
            ):
                merges.unmerge(world.ids[i], user, None)
                world.cameras[i]["status"] = world.previous[i].pop()
            db.session.commit()


def csv_counts(text: str, code_column: str = "code") -> dict[str, dict[str, int]]:
    assert not text.startswith("#"), "the first line of a CSV must be its header"
    return {
        row[code_column]: {key: int(row[key]) for key in KEYS}
        for row in csv.DictReader(io.StringIO(text))
    }


def page_figures(html: str) -> dict[str, int]:
    return {key: int(n.replace(",", "")) for key, n in FIGURE_CARD.findall(html) if key in KEYS}


@pytest.fixture
def moderator_id(app) -> int:
    return make_user(app, "property-moderator@example.org", "moderator")


SNAPSHOT_CLOCK = iter(datetime(2026, 6, 1, 9, 0) + timedelta(minutes=n) for n in range(10**6))


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cameras=cameras_strategy, operations=operations_strategy)
def test_every_output_gives_the_figures_the_definitions_give(
    app, client, moderator_id, cameras, operations
):
    reset(app)
    world = World([dict(spec) for spec in cameras])
    build(app, world, moderator_id)
    apply(app, world, operations, moderator_id)
    expected = expected_counts(world.cameras)
    zero = dict.fromkeys(KEYS, 0)

    def want(code: str) -> dict[str, int]:
        return expected.get(code, zero)

    api = client.get("/api/boroughs").get_json()
    assert len(api["boroughs"]) == 33
    for borough in api["boroughs"]:
        assert set(borough["counts"]) == set(KEYS)
        assert borough["counts"] == want(borough["code"]), borough["name"]
    totals = {key: sum(want(b["code"])[key] for b in api["boroughs"]) for key in KEYS}
    assert api["totals"] == totals

    listed = csv_counts(client.get("/api/boroughs.csv").get_data(as_text=True))
    assert len(listed) == 33 and all(listed[code] == want(code) for code in listed)

    features = client.get("/api/cameras.geojson").get_json()["features"]
    per_borough = Counter(f["properties"]["hikwatch:borough"] for f in features)
    assert all(per_borough[code] == want(code)["verified"] for code in listed)
    every = client.get("/api/cameras.geojson?status=all").get_json()["features"]
    assert len(every) == len(world.cameras)
    for key in KEYS:
        counted = Counter(
            f["properties"]["hikwatch:borough"]
            for f in every
            if key in f["properties"]["hikwatch:figures"].split()
        )
        assert all(counted[code] == want(code)[key] for code in listed), key

    with app.app_context():
        name = snapshots.take(db.session, None, now=next(SNAPSHOT_CLOCK)).name
    frozen = client.get(f"/snapshots/{name}.json").get_json()
    for row in frozen["boroughs"]:
        assert row["counts"] == want(row["code"])
        assert {key: len(ids) for key, ids in row["camera_ids"].items()} == want(row["code"])
    assert csv_counts(client.get(f"/snapshots/{name}.csv").get_data(as_text=True)) == {
        code: want(code) for code in listed
    }

    for slug, code in [(slug, code) for slug, (_, code) in PLACES.items()] + [UNTOUCHED]:
        page = client.get(f"/boroughs/{slug}").get_data(as_text=True)
        assert page_figures(page) == want(code), slug
        pack = client.get(f"/boroughs/{slug}/pack?snapshot={name}").get_data(as_text=True)
        assert page_figures(pack) == want(code), slug
        assert "since-snapshot" not in pack

    home = client.get("/").get_data(as_text=True)
    shown = re.search(r'id="london-verified">([\d,]+)<', home).group(1)
    assert int(shown.replace(",", "")) == totals["verified"]
