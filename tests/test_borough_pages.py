"""The home map page, the 33-council table, each council's page, lists and motion pack."""

from __future__ import annotations

import re

from models import db
from tests.factories import (
    CAMDEN,
    WESTMINSTER,
    change_status,
    make_camera,
    make_sighting,
)

CAVEAT = "Known minimum: coverage is incomplete"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(html), f"{url} has an inline script"
    assert " style=" not in html, f"{url} has an inline style"
    return html


def seed(app) -> dict[str, int]:
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street", direction=90)
        make_sighting(council)
        make_camera(WESTMINSTER, operator_type="business", brand_verified=False)
        gone = make_camera(WESTMINSTER, operator_type="council_housing")
        change_status(gone, "replaced")
        make_camera(CAMDEN)
        db.session.commit()
        return {"council": council.id, "gone": gone.id}


def test_home_keeps_the_intro_and_call_to_action_and_adds_the_map(client, app):
    seed(app)
    html = page(client, "/")
    assert "Hikvision is on the US entity list" in html
    assert html.count('href="/submit"') >= 2  # header and hero
    assert 'id="camera-map"' in html and 'data-map-url="/api/map"' in html
    assert 'data-camera-url="/api/cameras/{id}"' in html
    assert "js/camera-map.js" in html
    assert CAVEAT in html
    # London-wide figures: 2 verified (1 in Westminster, 1 in Camden), both council-operated;
    # the unconfirmed Westminster camera is shown beside the headline, not in it.
    assert re.search(r'<strong class="figure" id="london-verified">2</strong> verified', html)
    assert re.search(r'<strong class="figure">2</strong> of them council-operated', html)
    assert re.search(r"<strong>1</strong> unconfirmed", html)
    # The filters and the legend.
    for name in ('name="status" value="removed"', 'name="borough"', 'name="operator"',
                 'name="verified"', 'id="locate-me"', 'id="map-legend"'):  # fmt: skip
        assert name in html


def test_borough_table_lists_all_33_sortable_with_chart(client, app):
    seed(app)
    html = page(client, "/boroughs")
    rows = re.findall(r'<th scope="row"><a href="/boroughs/([a-z-]+)">', html)
    assert len(rows) == 33 and rows[0] == "barking-and-dagenham"
    assert CAVEAT in html
    assert '<svg class="bar-chart"' in html and html.count('class="segment-council"') == 2
    assert "top10vpn.com" in html  # FOI finding with its source

    by_unconfirmed = page(client, "/boroughs?sort=unconfirmed&order=desc")
    rows = re.findall(r'<th scope="row"><a href="/boroughs/([a-z-]+)">', by_unconfirmed)
    assert rows[0] == "westminster"
    assert 'aria-sort="descending"' in by_unconfirmed
    ascending = re.findall(
        r'<th scope="row"><a href="/boroughs/([a-z-]+)">',
        page(client, "/boroughs?sort=verified&order=asc"),
    )
    assert ascending[-2:] == ["camden", "westminster"]


def test_borough_page_figures_link_to_their_cameras(client, app):
    ids = seed(app)
    html = page(client, "/boroughs/westminster")
    assert "<h1>Westminster</h1>" in html
    assert CAVEAT in html
    for key, n in (("verified", 1), ("council_operated", 1), ("unconfirmed", 1), ("removed", 1)):
        assert re.search(rf'href="/boroughs/westminster/cameras\?count={key}"[^>]*>{n}</a>', html)
    assert re.search(r"Hikvision cameras in Westminster: <strong[^>]*>1</strong> verified", html)
    # Breakdowns (of the verified cameras) link to refined lists.
    assert 'href="/boroughs/westminster/cameras?count=verified&amp;operator=council_street"' in html
    assert 'href="/boroughs/westminster/cameras?count=verified&amp;type=dome"' in html
    # FOI finding with its source, the record, the pack, the cite block and the map.
    assert "Yes: the council reported Hikvision equipment" in html
    assert "No removal timetable committed yet" in html
    assert 'href="/boroughs/westminster/pack"' in html
    assert 'id="citation"' in html and "http://localhost/boroughs/westminster" in html
    assert 'data-borough="E09000033"' in html
    # Latest cameras with the thumbnail of the approved report; removals listed.
    assert f'href="/cameras/{ids["council"]}"' in html and "/thumb.jpg" in html
    assert f"camera {ids['gone']}</a> replaced" in html

    removed = page(client, "/boroughs/westminster/cameras?count=removed")
    assert re.findall(r'href="/cameras/(\d+)"', removed) == [str(ids["gone"])]
    refined = page(client, "/boroughs/westminster/cameras?count=unconfirmed&operator=business")
    assert len(re.findall(r'href="/cameras/(\d+)"', refined)) == 1


def test_unknown_borough_and_list_are_not_found(client):
    assert client.get("/boroughs/atlantis").status_code == 404
    assert client.get("/boroughs/westminster/cameras?count=everything").status_code == 404
    # The figures' old names are gone with their definitions.
    assert client.get("/boroughs/westminster/cameras?count=active").status_code == 404
    assert (
        client.get("/boroughs/westminster/cameras?count=verified&operator=aliens").status_code
        == 404
    )


def test_empty_borough_says_so_honestly(client):
    html = page(client, "/boroughs/sutton")
    assert "No verified cameras are known here yet" in html
    assert CAVEAT in html


def test_motion_pack_is_a_printable_a4_document(client, app):
    ids = seed(app)
    html = page(client, "/boroughs/westminster/pack")
    assert '<svg class="static-map"' in html
    assert re.search(r'<path d="M[\d. L]+Z', html)  # the borough outline
    assert html.count("<circle cx=") >= 3  # active dots, council dots, legend
    assert f"Camera {ids['council']}</strong>" in html
    assert "Dome camera on a wall, facing east (90°)" in html
    assert "51.50809, -0.12804" in html
    assert "https://www.openstreetmap.org/?mlat=51.50809&amp;mlon=-0.12804&amp;zoom=19" in html
    assert "How these figures are made" in html and CAVEAT in html
    assert "http://localhost/boroughs/westminster" in html
    assert "leaflet" not in html.lower()  # the pack's map is static, for print
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "@page { size: A4" in css and "@media print" in css


def test_methodology_explains_how_a_camera_is_counted(client):
    html = page(client, "/methodology")
    assert CAVEAT in html
    assert "does not count again" in html
    for label in ("Verified cameras", "Council-operated", "Unconfirmed", "For example:"):
        assert label in html
    assert "not a Hikvision-group camera" in html and "form factor only" in html


def test_nav_links_to_boroughs(client):
    html = page(client, "/about")
    assert '<a href="/boroughs"' in html
