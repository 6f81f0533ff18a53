"""GET /api/postcodes/<postcode> and GET /api/postcodes?q=: the postcode box's answers."""

from __future__ import annotations

import random
from urllib.parse import quote

import pytest

WESTMINSTER = {"code": "E09000033", "name": "Westminster"}


@pytest.fixture
def client(app, london_postcodes):
    """The real London postcode file is built before the app answers."""
    return app.test_client()


@pytest.mark.parametrize("typed", ["SW1A 1AA", "sw1a1aa", "Sw1a  1aA", " SW1A 1AA ", "SW 1A1 AA"])
def test_a_london_postcode_in_any_case_and_spacing(client, typed):
    response = client.get("/api/postcodes/" + quote(typed))
    assert response.status_code == 200
    body = response.get_json()
    assert body["postcode"] == "SW1A 1AA"
    assert body["lat"] == pytest.approx(51.50101, abs=1e-5)
    assert body["lon"] == pytest.approx(-0.141563, abs=1e-5)
    assert body["borough"] == WESTMINSTER
    assert set(body) == {"postcode", "lat", "lon", "borough"}
    # The data changes only with a new edition: browsers and proxies may keep answers.
    assert response.cache_control.public and response.cache_control.max_age >= 3600


@pytest.mark.parametrize(
    ("typed", "borough"),
    [
        ("EC2N 2DB", {"code": "E09000001", "name": "City of London"}),
        ("E20 1EJ", {"code": "E09000025", "name": "Newham"}),
        ("CR0 1NX", {"code": "E09000008", "name": "Croydon"}),
        ("TW6 1AP", {"code": "E09000017", "name": "Hillingdon"}),
    ],
)
def test_the_council_area_is_the_one_the_ons_gives(client, typed, borough):
    assert client.get("/api/postcodes/" + quote(typed)).get_json()["borough"] == borough


@pytest.mark.parametrize("typed", ["M1 1AE", "WD17 1AA", "SW1A 9ZZ", "ZZ99 9ZZ"])
def test_a_postcode_not_in_londons_data_is_404(client, typed):
    response = client.get("/api/postcodes/" + quote(typed))
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"].startswith(typed.upper())
    assert "not a London postcode" in body["error"]


@pytest.mark.parametrize("typed", ["hello", "SW1A", "SW1A 1A", "12345", "SW1A-1AA", "x" * 300])
def test_something_that_is_not_a_postcode_is_400(client, typed):
    response = client.get("/api/postcodes/" + quote(typed))
    assert response.status_code == 400
    assert "not a postcode" in response.get_json()["error"]


def test_every_sampled_postcode_answers_with_its_own_place(client, london_postcodes):
    """A sample in random case and spacing; bench/bench_postcodes.py asks for every one."""
    chooser = random.Random(14)
    lons, lats = london_postcodes.coordinates()
    all_postcodes = london_postcodes.postcodes
    for row in chooser.sample(range(len(london_postcodes)), 300):
        written = all_postcodes[row]
        typed = chooser.choice([written, written.lower(), written.replace(" ", "")])
        body = client.get("/api/postcodes/" + quote(typed)).get_json()
        assert body["postcode"] == written
        assert (body["lat"], body["lon"]) == (lats[row], lons[row])
        assert body["borough"]["code"].startswith("E09")


@pytest.mark.parametrize(
    ("query", "first", "count"),
    [
        ("SW1A 1", "SW1A 1AA", 10),
        ("sw1a1", "SW1A 1AA", 10),
        ("SW1A 1AA", "SW1A 1AA", 1),
        ("e20 1e", "E20 1EA", 10),
        ("W1A 1", "W1A 1AA", 10),
    ],
)
def test_search_suggests_up_to_ten_postcodes(client, query, first, count):
    response = client.get("/api/postcodes?q=" + quote(query))
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == query
    found = [place["postcode"] for place in body["postcodes"]]
    assert len(found) == count
    assert found[0] == first
    assert found == sorted(found)
    compact = query.replace(" ", "").upper()
    assert all(postcode.replace(" ", "").startswith(compact) for postcode in found)
    assert set(body["postcodes"][0]) == {"postcode", "lat", "lon", "borough"}


def test_search_reads_a_missing_space_both_ways(client):
    found = [p["postcode"] for p in client.get("/api/postcodes?q=N11").get_json()["postcodes"]]
    assert any(p.startswith("N1 1") for p in found) and any(p.startswith("N11 ") for p in found)


def test_search_with_no_match_is_an_empty_list(client):
    response = client.get("/api/postcodes?q=M1 1")
    assert response.status_code == 200
    assert response.get_json()["postcodes"] == []


@pytest.mark.parametrize("query", ["", " ", "Buckingham Palace", "<script>", "1AA", "SW1A--"])
def test_search_refuses_what_no_postcode_starts_with(client, query):
    response = client.get("/api/postcodes?q=" + quote(query))
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_search_without_q_says_how_to_ask(client):
    response = client.get("/api/postcodes")
    assert response.status_code == 400
    assert "?q=" in response.get_json()["error"]


def test_without_the_built_file_the_api_says_so_and_the_rest_works(app, tmp_path):
    app.config["POSTCODES_FILE"] = str(tmp_path / "not-built.npz")
    client = app.test_client()
    response = client.get("/api/postcodes/SW1A%201AA")
    assert response.status_code == 503
    assert "not available" in response.get_json()["error"]
    assert client.get("/api/postcodes?q=SW1A").status_code == 503
    assert client.get("/api/postcodes/hello").status_code == 400  # still checked first
    assert client.get("/submit").status_code == 200


def test_the_about_page_carries_the_attribution_the_onspd_licence_asks_for(client):
    html = client.get("/about").get_data(as_text=True)
    for line in (
        "Source: Office for National Statistics licensed under the",
        "Open Government Licence v.3.0",
        "Contains OS data © Crown copyright and database right 2025",
        "Contains Royal Mail data © Royal Mail copyright and database right 2025",
        "Contains GeoPlace data © Local Government Information House Limited copyright and "
        "database right 2025",
        "ONS Postcode Directory</a> (November 2025 edition)",
    ):
        assert line in html


@pytest.mark.parametrize(("path", "map_id"), [("/", "camera-map"), ("/submit", "submit-map")])
def test_the_map_pages_have_a_postcode_box_for_their_map(client, path, map_id):
    html = client.get(path).get_data(as_text=True)
    assert f'data-map="{map_id}"' in html
    assert 'data-lookup-url="/api/postcodes/{postcode}"' in html
    assert 'data-search-url="/api/postcodes"' in html
    assert "js/postcode-search.js" in html
