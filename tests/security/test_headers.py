"""Every HTML response carries a content security policy with frame-ancestors; nosniff everywhere;
no API documentation in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings

HTML_PATHS = ["/", "/embed", "/static/index.html", "/static/embed.html", "/static/admin/index.html", "/admin"]


@pytest.fixture
def dev_client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "i", action_port=1)))


@pytest.fixture
def prod_client(tmp_path: Path) -> TestClient:
    settings = Settings(
        env="production",
        secret_key="a-real-production-secret-0123456789",
        var_dir=tmp_path / "var",
        index_dir=tmp_path / "i",
        action_port=1,
    )
    return TestClient(create_app(settings))


@pytest.mark.parametrize("path", HTML_PATHS)
def test_every_html_page_has_a_policy_with_frame_ancestors_and_nosniff(
    dev_client: TestClient, path: str
) -> None:
    response = dev_client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), path
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_admin_page_under_static_may_not_be_framed_at_all(dev_client: TestClient) -> None:
    policy = dev_client.get("/static/admin/index.html").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy


def test_json_errors_and_edge_refusals_are_nosniff_too(dev_client: TestClient) -> None:
    assert dev_client.get("/no-such-page").headers["x-content-type-options"] == "nosniff"
    json_type = {"content-type": "application/json"}
    too_large = dev_client.post("/api/chat", content=b"x" * 70_000, headers=json_type)
    assert too_large.status_code == 413 and too_large.headers["x-content-type-options"] == "nosniff"


def test_development_docs_pages_have_a_policy(dev_client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        response = dev_client.get(path)
        assert response.status_code == 200
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_production_serves_no_api_documentation(prod_client: TestClient, path: str) -> None:
    assert prod_client.get(path).status_code == 404
