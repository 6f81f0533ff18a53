"""The scenario that showed the counts could not be defended, replayed through the pages a
moderator, an admin and a campaigner use: an "other" brand recognised by its shape, a
duplicate approved as a new camera, and a pack whose figures disagreed with its snapshot."""

from __future__ import annotations

import csv
import io
import re

from tests.conftest import resource_bytes
from tests.moderation_support import approve_new, page_token, post_form, submit_report

BEXLEY = {"lat": 51.4563, "lon": 0.1404}
TOWER_HAMLETS = {"lat": 51.5194, "lon": -0.0612}
TEN_METRES_AWAY = {"lat": 51.51949, "lon": -0.0612}  # the same camera, seen again
CANARY_WHARF = {"lat": 51.5054, "lon": -0.0235}
WHITECHAPEL = {"lat": 51.52, "lon": -0.055}
FIGURE = re.compile(r'figure-card figure-(\w+)">\s*<span class="figure-number">(?:<a[^>]*>)?(\d+)<')


def borough(client, slug: str) -> dict[str, int]:
    body = client.get("/api/boroughs").get_json()
    return next(b["counts"] for b in body["boroughs"] if b["slug"] == slug)


def borough_csv(client, slug: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(client.get("/api/boroughs.csv").get_data(as_text=True)))
    return next(row for row in rows if row["slug"] == slug)


def figures_on(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in FIGURE.findall(html)}


def approve(client, sighting_id: int, where: dict, **fields):
    return approve_new(client, sighting_id, where=where, brand_verified="y", **fields)


def test_the_scenario_now_gives_figures_that_stand_up(app, client, moderator_client, admin_client):
    # Bexley: "Other or unsure", recognised by its shape alone.
    bexley = submit_report(app, where=BEXLEY, brand="other", brand_evidence="form_factor")
    refused = approve(moderator_client, bexley, BEXLEY, brand="other", brand_evidence="form_factor")
    assert refused.status_code == 422
    shape_only = approve(moderator_client, bexley, BEXLEY, brand_evidence="form_factor")
    assert shape_only.status_code == 422
    assert "verified only from a logo or a label" in shape_only.get_data(as_text=True)
    rejected = post_form(
        moderator_client, f"/moderate/sightings/{bexley}/reject", {"reject-reason": "not_hikvision"}
    )
    assert rejected.status_code == 302

    # Tower Hamlets: two cameras, then a report 10 m from the first.
    first = submit_report(app, where=TOWER_HAMLETS)
    assert approve(moderator_client, first, TOWER_HAMLETS).status_code == 302
    second = submit_report(app, resource_bytes("gps.jpg"), where=CANARY_WHARF)
    assert approve(moderator_client, second, CANARY_WHARF).status_code == 302
    assert borough(client, "tower-hamlets")["verified"] == 2
    known = 1  # the first camera recorded

    again = submit_report(app, resource_bytes("newyear_london.jpg"), where=TEN_METRES_AWAY)
    refused = approve(moderator_client, again, TEN_METRES_AWAY)
    assert refused.status_code == 409
    assert f"camera #{known}</a> (10 m, active)" in refused.get_data(as_text=True)
    assert borough(client, "tower-hamlets")["verified"] == 2

    forced = approve(moderator_client, again, TEN_METRES_AWAY, different_camera="y")
    assert forced.status_code == 302
    assert borough(client, "tower-hamlets")["verified"] == 3
    duplicate = 3
    merged = post_form(
        moderator_client,
        f"/moderate/cameras/{duplicate}/merge",
        {"merge-into_id": str(known), "merge-note": "The same camera, photographed twice"},
    )
    assert merged.status_code == 302
    assert borough(client, "tower-hamlets")["verified"] == 2
    assert client.get(f"/cameras/{duplicate}").headers["Location"].endswith(f"/cameras/{known}")

    # Bexley: 0 verified, and the "other" camera counted nowhere.
    assert borough(client, "bexley") == {
        "verified": 0,
        "council_operated": 0,
        "unconfirmed": 0,
        "removed": 0,
    }
    assert borough_csv(client, "bexley")["verified"] == "0"
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'id="london-verified">2<', home)
    bexley_page = client.get("/boroughs/bexley").get_data(as_text=True)
    assert figures_on(bexley_page)["verified"] == 0
    assert "live figures of" in bexley_page  # no snapshot taken yet: said plainly

    # An admin takes a snapshot; the pack prints exactly its figures.
    token = page_token(admin_client, "/snapshots")
    taken = admin_client.post("/snapshots", data={"csrf_token": token})
    name = taken.headers["Location"].rsplit("/", 1)[1]
    frozen = client.get(f"/snapshots/{name}.json").get_json()
    row = next(b for b in frozen["boroughs"] if b["slug"] == "tower-hamlets")
    pack = client.get("/boroughs/tower-hamlets/pack").get_data(as_text=True)
    assert (
        figures_on(pack)
        == row["counts"]
        == {
            "verified": 2,
            "council_operated": 2,
            "unconfirmed": 0,
            "removed": 0,
        }
    )
    assert f"snapshot {name}" in pack and "since-snapshot" not in pack
    assert 'id="pack-headline">2<' in pack

    # Two more cameras are verified afterwards: the pack keeps the snapshot's figures and
    # says, labelled, how the live ones differ.
    for photo, where in (
        ("test_exif.jpg", WHITECHAPEL),
        ("gps.jpg", {"lat": 51.5137, "lon": -0.0405}),
    ):
        later = submit_report(app, resource_bytes(photo), where=where)
        assert approve(moderator_client, later, where).status_code == 302
    assert borough(client, "tower-hamlets")["verified"] == 4
    pack = client.get(f"/boroughs/tower-hamlets/pack?snapshot={name}").get_data(as_text=True)
    assert figures_on(pack) == row["counts"]
    since = re.sub(r"\s+", " ", pack.split('id="since-snapshot">', 1)[1].split("</p>", 1)[0])
    assert "Since this snapshot" in since and "+2 verified, +2 council-operated" in since
    cite = client.get("/boroughs/tower-hamlets").get_data(as_text=True)
    citation = cite.split('id="citation">', 1)[1].split("</blockquote>", 1)[0]
    assert f"snapshot {name}" in citation and "2 Hikvision-group cameras verified" in citation
    assert 'id="since-snapshot"' in cite
    assert client.get("/boroughs/tower-hamlets/pack?snapshot=2020-01-01T00-00Z").status_code == 404
