import re

from starlette.testclient import TestClient

from server.web.assets import IMMUTABLE


def test_pages_link_hashed_assets_served_with_an_immutable_cache(client: TestClient) -> None:
    page = client.get("/login").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(urls) == 4  # stylesheet, web app manifest, htmx, app.js
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|webmanifest)$", url), url
        response = client.get(url)
        assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE
        assert len(response.content) > 100


def test_a_stale_or_made_up_hash_is_404_and_plain_names_revalidate(client: TestClient) -> None:
    assert client.get("/static/app.0123456789ab.css").status_code == 404
    assert client.get("/static/../server/settings.py").status_code == 404
    plain = client.get("/static/app.css")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"
