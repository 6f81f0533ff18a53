"""Open data: cameras as GeoJSON and CSV, councils as JSON and CSV, and the Atom feeds."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from models import BoroughCampaign, db
from tests.factories import CAMDEN, CITY, WESTMINSTER, change_status, make_camera

ATOM = "{http://www.w3.org/2005/Atom}"


def seed(app) -> dict[str, int]:
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street", direction=45)
        private = make_camera(CAMDEN, operator_type="business", brand_verified=False)
        gone = make_camera(CITY, operator_type="council_building")
        change_status(gone, "removed")
        db.session.commit()
        return {"council": council.id, "private": private.id, "gone": gone.id}


def rows_of(text: str) -> list[dict]:
    assert not text.startswith("#"), "the header is the first line"
    return list(csv.DictReader(io.StringIO(text)))


def test_geojson_uses_openstreetmap_tags_and_hikwatch_properties(client, app):
    ids = seed(app)
    response = client.get("/api/cameras.geojson?status=all")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert 'rel="license"' in response.headers["Link"]
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["caveat"] == "Known minimum: coverage is incomplete."
    assert "ODbL" in body["licence"] and body["generated_at"].endswith("Z")
    by_id = {f["properties"]["hikwatch:id"]: f for f in body["features"]}
    assert set(by_id) == set(ids.values())  # every status when asked for all

    council = by_id[ids["council"]]
    assert council["geometry"] == {"type": "Point", "coordinates": [-0.12804, 51.50809]}
    expected = {
        "man_made": "surveillance",
        "surveillance": "public",
        "surveillance:type": "camera",
        "manufacturer": "Hikvision",
        "camera:type": "dome",
        "camera:mount": "wall",
        "camera:direction": "45",
        "operator:type": "government",
        "surveillance:zone": "town",
        "check_date": "2026-04-01",
        "hikwatch:borough": "E09000033",
        "hikwatch:status": "active",
        "hikwatch:figures": "verified council_operated",
        "hikwatch:verified": "yes",
        "hikwatch:url": f"http://localhost/cameras/{ids['council']}",
    }
    assert {key: council["properties"].get(key) for key in expected} == expected
    gone = by_id[ids["gone"]]["properties"]
    assert gone["disused:man_made"] == "surveillance" and "man_made" not in gone
    assert gone["hikwatch:status"] == "removed" and gone["hikwatch:figures"] == "removed"
    assert by_id[ids["private"]]["properties"]["hikwatch:verified"] == "no"
    assert by_id[ids["private"]]["properties"]["hikwatch:figures"] == "unconfirmed"


def test_geojson_by_default_holds_exactly_the_headline_cameras(client, app):
    ids = seed(app)
    features = client.get("/api/cameras.geojson").get_json()["features"]
    assert [f["properties"]["hikwatch:id"] for f in features] == [ids["council"]]
    per_borough = {b["code"]: b["counts"]["verified"] for b in
                   client.get("/api/boroughs").get_json()["boroughs"]}  # fmt: skip
    assert sum(per_borough.values()) == len(features)
    csv_ids = [r["id"] for r in rows_of(client.get("/api/cameras.csv").get_data(as_text=True))]
    assert csv_ids == [str(ids["council"])]


def test_geojson_filters_by_borough_code_or_slug_bbox_and_status(client, app):
    ids = seed(app)

    def ids_for(query: str) -> set[int]:
        features = client.get(f"/api/cameras.geojson?{query}").get_json()["features"]
        return {f["properties"]["hikwatch:id"] for f in features}

    assert ids_for("borough=E09000033") == {ids["council"]}
    assert ids_for("borough=camden") == set()  # its only camera is unconfirmed
    assert ids_for("borough=camden&status=all") == {ids["private"]}
    assert ids_for("status=active") == {ids["council"], ids["private"]}
    assert ids_for("status=gone") == {ids["gone"]}
    assert ids_for("bbox=-0.13,51.50,-0.12,51.51&status=all") == {ids["council"]}
    assert ids_for("count=council_operated") == {ids["council"]}
    assert ids_for("count=unconfirmed") == {ids["private"]}
    assert client.get("/api/cameras.geojson?bbox=1,2,3").status_code == 400
    assert client.get("/api/cameras.geojson?borough=atlantis").status_code == 400


def test_cameras_csv(client, app):
    ids = seed(app)
    response = client.get("/api/cameras.csv?borough=westminster")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("id,lat,lon,borough_code,")
    assert 'rel="license"' in response.headers["Link"]
    [row] = rows_of(text)
    assert row["id"] == str(ids["council"])
    assert (row["borough_name"], row["status"], row["council_operated"]) == (
        "Westminster",
        "active",
        "yes",
    )
    assert row["url"] == f"http://localhost/cameras/{ids['council']}"
    removed = rows_of(client.get("/api/cameras.csv?count=removed").get_data(as_text=True))
    assert [r["id"] for r in removed] == [str(ids["gone"])]


def test_boroughs_json_has_all_33_with_counts_and_campaign_fields(client, app):
    seed(app)
    body = client.get("/api/boroughs").get_json()
    assert body["caveat"] == "Known minimum: coverage is incomplete."
    assert body["generated_at"] and "ODbL" in body["licence"]
    assert len(body["boroughs"]) == 33
    assert body["headline"] == "verified"
    assert set(body["definitions"]) == {"verified", "council_operated", "unconfirmed", "removed"}
    assert body["totals"] == {"verified": 1, "council_operated": 1, "unconfirmed": 1, "removed": 1}
    westminster = next(b for b in body["boroughs"] if b["code"] == "E09000033")
    assert westminster["counts"] == {
        "verified": 1,
        "council_operated": 1,
        "unconfirmed": 0,
        "removed": 0,
    }
    assert westminster["foi_finding"] == "yes" and westminster["foi_source_url"].startswith("https")
    assert westminster["motion_status"] == "none" and westminster["progress_percent"] == 0.0
    city = next(b for b in body["boroughs"] if b["slug"] == "city-of-london")
    assert city["progress_percent"] == 100.0 and city["foi_finding"] == "unknown"
    # The existing borough endpoints still answer.
    assert client.get("/api/boroughs/locate?lat=51.5&lon=-0.12").status_code == 200
    assert len(client.get("/api/boroughs/boundaries.geojson").get_json()["features"]) == 33


def test_boroughs_csv_cannot_carry_spreadsheet_formulas(client, app):
    with app.app_context():
        db.session.get(BoroughCampaign, "E09000007").timetable_scope = "=HYPERLINK(evil)"
        db.session.commit()
    text = client.get("/api/boroughs.csv").get_data(as_text=True)
    rows = rows_of(text)
    assert len(rows) == 33
    camden = next(r for r in rows if r["code"] == "E09000007")
    assert camden["timetable_scope"] == "'=HYPERLINK(evil)"
    assert camden["foi_finding"] == "yes" and camden["verified"] == "0"
    assert list(rows[0])[3:7] == ["verified", "council_operated", "unconfirmed", "removed"]


def test_borough_feed_is_valid_escaped_atom(client, app):
    with app.app_context():
        odd = make_camera(WESTMINSTER, operator_type="x<y & 'z'>")
        gone = make_camera(WESTMINSTER)
        change_status(gone, "replaced")
        ids = (odd.id, gone.id)
        db.session.commit()
    response = client.get("/boroughs/westminster/feed.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.get_data())
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text == "Hikwatch: Hikvision cameras in Westminster"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert f"Camera {ids[1]} recorded as replaced by another brand" in titles
    assert any(t.startswith(f"New camera {ids[0]}") for t in titles)
    summaries = [e.find(f"{ATOM}summary").text for e in entries]
    assert any("x<y & 'z'>" in s for s in summaries)  # escaped in the XML, intact once parsed
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)
    assert client.get("/boroughs/atlantis/feed.atom").status_code == 404
    assert 'type="application/atom+xml"' in client.get("/boroughs/westminster").get_data(
        as_text=True
    )
