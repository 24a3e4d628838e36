"""The console's server side: the page, its assets and config, open like /docs, nothing external."""

from __future__ import annotations

import re

from api.console import CONSOLE_DIR
from tests.api.conftest import ClientFactory


def test_root_redirects_to_the_console(make_client: ClientFactory):
    """GET / answers a redirect to /console, which serves the page."""
    client = make_client()
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/console")
    page = client.get("/console")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Dispatch console" in page.text


def test_console_loads_only_files_of_this_server(make_client: ClientFactory):
    """No http(s) URL in the page, its stylesheet or modules; every file it names is served."""
    client = make_client()
    html = client.get("/console").text
    assets = re.findall(r"(?:src|href)=\"(console/assets/[^\"]+)\"", html)
    assert {"console/assets/app.js", "console/assets/console.css"} <= set(assets)
    for path in CONSOLE_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), path.name
        imports = re.findall(r"from \"\./([\w.]+)\"", text)
        assert all((CONSOLE_DIR / name).is_file() for name in imports), path.name
        response = client.get(f"/console/assets/{path.name}")
        assert response.status_code == 200, path.name


def test_config_says_tiles_and_keys(make_client: ClientFactory):
    """The config has no tile server by default; DISPATCH_MAP_TILES_URL and keys show in it."""
    assert make_client().get("/console/config.json").json() == {
        "map_tiles_url": None,
        "map_tiles_attribution": "",
        "auth_required": False,
        "default_time_limit_s": 5.0,
        "max_time_limit_s": 30.0,
        "max_job_time_limit_s": 3600.0,
    }
    client = make_client(
        map_tiles_url="https://tiles.example/{z}/{x}/{y}.png",
        map_tiles_attribution="© tiles",
        read_api_keys=["r-1"],
    )
    config = client.get("/console/config.json").json()
    assert config["map_tiles_url"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert (config["map_tiles_attribution"], config["auth_required"]) == ("© tiles", True)


def test_console_is_open_and_the_api_still_needs_a_key(make_client: ClientFactory):
    """With keys configured, /, /console and its files need none; /v1 still answers 401."""
    client = make_client(read_api_keys=["r-1"], write_api_keys=["w-1"])
    for path in ("/", "/console", "/console/config.json", "/console/assets/app.js"):
        assert client.get(path, follow_redirects=False).status_code in (200, 307), path
    assert client.get("/v1/scenarios").status_code == 401
    assert client.get("/v1/scenarios", headers={"X-API-Key": "r-1"}).status_code == 200


def test_console_is_not_in_the_openapi_schema(make_client: ClientFactory):
    """The page, the redirect and the config are not API operations."""
    paths = make_client().get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith("/console")]


def test_vendored_map_libraries_are_served_with_their_licences(make_client: ClientFactory):
    """Leaflet and leaflet.markercluster, named by the page, are served from /console/vendor/."""
    client = make_client()
    html = client.get("/console").text
    vendored = re.findall(r"(?:src|href)=\"console/vendor/([^\"]+)\"", html)
    assert {"leaflet/leaflet.js", "leaflet.markercluster/leaflet.markercluster.js"} <= set(vendored)
    for name in [*vendored, "leaflet/LICENSE", "leaflet.markercluster/MIT-LICENCE.txt"]:
        assert client.get(f"/console/vendor/{name}").status_code == 200, name
