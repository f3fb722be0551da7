"""The website chat page, embed example, widget.js and static files: served locally, nothing external."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.routers.web import STATIC_DIR
from service.settings import Settings

URL = re.compile(r"https?://[^\s\"'`)<]+|[\"'(=]//[A-Za-z0-9]")  # absolute or protocol-relative
SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # an XML namespace name, never fetched


def test_chat_page_loads_only_local_assets(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert '<script src="/widget.js" data-mode="page" defer></script>' in html
    assert 'name="viewport"' in html
    assert URL.findall(html) == []
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http" not in policy and "unsafe" not in policy


def test_embed_example_shows_the_one_line_snippet(client: TestClient) -> None:
    html = client.get("/embed").text
    assert '<script src="/widget.js" defer></script>' in html
    assert "&lt;script src=" in html  # the copyable snippet is escaped, not executed


def test_widget_js_is_served_with_no_type_table_and_no_external_url(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    source = response.text
    assert "商标品牌指导站" not in source  # labels come with each reply's stations (type_label)
    assert [url for url in URL.findall(source) if url != SVG_NAMESPACE] == []


def test_widget_never_inserts_markup() -> None:
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
    assert "textContent" in source


@pytest.mark.parametrize("name", ["widget.css", "page.css", "index.html", "embed.html"])
def test_static_files_reference_nothing_external(client: TestClient, name: str) -> None:
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    assert URL.findall(text) == []
    assert "@import" not in text
    if name.endswith(".css"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")


def test_favicon_is_the_local_svg_icon(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith(f'<svg xmlns="{SVG_NAMESPACE}"')
    assert [url for url in URL.findall(response.text) if url != SVG_NAMESPACE] == []
    for page in ("/", "/embed"):
        assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in client.get(page).text


def test_static_mount_does_not_escape_its_directory(client: TestClient) -> None:
    assert client.get("/static/../settings.py").status_code == 404
    assert client.get("/static/%2e%2e/settings.py").status_code == 404


@pytest.fixture
def cors_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path, cors_origins="https://www.shyp.gov.cn, https://park.example.cn")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_cross_origin_embedding_is_allowed_only_for_configured_sites(cors_client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = cors_client.options("/api/chat", headers={"Origin": "https://www.shyp.gov.cn", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "https://www.shyp.gov.cn"
    other = cors_client.options("/api/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers


def test_no_cors_by_default(client: TestClient) -> None:
    headers = {"Origin": "https://www.shyp.gov.cn", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/api/chat", headers=headers).headers
