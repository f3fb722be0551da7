"""The staff page and its assets are served locally with a strict content security policy."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.admin.routes.page import ASSETS

pytest_plugins = ["tests.service.test_admin_helpers"]


def test_admin_page_is_chinese_and_loads_only_local_assets(admin_client: TestClient) -> None:
    response = admin_client.get("/admin")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "知识库管理后台" in response.text and 'lang="zh-CN"' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', response.text) if not s.startswith("#")]
    assert sources and all(s.startswith("/admin/assets/") for s in sources)
    for source in sources:
        asset = admin_client.get(source)
        assert asset.status_code == 200, source
        text = asset.text.replace("http://www.w3.org/2000/svg", "")  # the SVG namespace name, never fetched
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, source


def test_no_script_writes_html_from_data() -> None:
    for script in ASSETS.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text, script


def test_assets_outside_the_folder_are_not_served(admin_client: TestClient) -> None:
    assert admin_client.get("/admin/assets/..%2Fadmin.css").status_code == 404
    assert admin_client.get("/admin/assets/missing.js").status_code == 404
    assert admin_client.get("/admin/assets/index.html").status_code == 404  # only js, css, svg
    assert admin_client.get("/admin/", follow_redirects=False).headers["location"] == "/admin"
