import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.web.assets import IMMUTABLE, Assets, hashed_name


def test_pages_link_hashed_assets_served_with_an_immutable_cache(client: TestClient) -> None:
    page = client.get("/login").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(urls) == 4  # stylesheet, web app manifest, htmx, app.js
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|webmanifest)$", url), url
        response = client.get(url)
        assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE
        assert len(response.content) > 100


def test_a_stale_or_made_up_hash_or_a_plain_name_is_404(client: TestClient) -> None:
    """The bucket holds hashed names only, so the local server refuses the others too
    (a link to a plain name would work here and 403 in production)."""
    assert client.get("/static/app.0123456789ab.css").status_code == 404
    assert client.get("/static/../server/settings.py").status_code == 404
    for plain in ("app.css", "icon.svg", "manifest.webmanifest", "vendor/htmx.min.js"):
        assert client.get(f"/static/{plain}").status_code == 404, plain


def test_the_web_manifest_links_hashed_names(client: TestClient) -> None:
    """Issue 23 item 10: the manifest's icon was /static/icon.svg, which S3 lacks."""
    page = client.get("/login").text
    (url,) = re.findall(r'rel="manifest" href="(/static/[^"]+)"', page)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    links = [icon["src"] for icon in json.loads(response.text)["icons"]]
    assert links
    for link in links:
        assert re.fullmatch(r"/static/[\w./-]+\.[0-9a-f]{12}\.\w+", link), link
        assert client.get(link).status_code == 200, link


def test_the_manifest_is_hashed_as_served_and_a_missing_link_is_an_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "icon.svg").write_text("<svg/>")
    (tmp_path / "manifest.webmanifest").write_text('{"icons": [{"src": "/static/icon.svg"}]}')
    assets = Assets(tmp_path)
    served = assets.content("manifest.webmanifest")
    assert assets.url("icon.svg").encode() in served
    assert assets.names["manifest.webmanifest"] == hashed_name("manifest.webmanifest", served)
    (tmp_path / "icon.svg").write_text("<svg></svg>")  # a new icon: a new manifest name
    assert Assets(tmp_path).names["manifest.webmanifest"] != assets.names["manifest.webmanifest"]
    (tmp_path / "manifest.webmanifest").write_text('{"icons": [{"src": "/static/gone.png"}]}')
    with pytest.raises(ValueError, match="links /static/gone.png, which does not exist"):
        Assets(tmp_path)
