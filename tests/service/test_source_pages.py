"""/sources/<doc_id>: the live build's passages of a cited source, anchored; a publish changes the page."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.chat import with_page
from service.main import create_app
from service.settings import Settings

SOURCE = {
    "title": "杨浦区试点工作方案",
    "number": "杨府发〔2024〕4号",
    "date": "2024-03-15",
    "status": "current",
    "url": "https://www.shyp.gov.cn/plan",
    "demo": False,
}


def write_build(index_dir: Path, name: str, passages: list[tuple[str, str]]) -> None:
    """A build directory holding chunks.jsonl, made live by pointing `current` at it."""
    build = index_dir / "builds" / name
    build.mkdir(parents=True)
    lines = [
        {
            "chunk_id": f"document:plan#{n:03d}",
            "doc_id": "plan",
            "kind": "document",
            "title": SOURCE["title"],
            "section": section,
            "body": body,
            "text": body,
            "source": SOURCE,
        }
        for n, (section, body) in enumerate(passages)
    ]
    (build / "chunks.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    link = index_dir / "current"
    if link.is_symlink():
        link.unlink()
    os.symlink(Path("builds") / name, link)


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    index_dir = tmp_path / "index"
    write_build(
        index_dir,
        "b1",
        [("一、总体要求", "到2026年，建成试点城区。"), ("四、（二）6.", "给予贷款利率50%的贴息。")],
    )
    app = create_app(Settings(var_dir=tmp_path / "var", index_dir=index_dir, action_port=1))
    with TestClient(app) as client:
        yield client, index_dir


def test_a_cited_passage_is_served_anchored_with_the_sources_facts(pages: tuple[TestClient, Path]) -> None:
    client, _ = pages
    url = str(with_page({**SOURCE, "doc_id": "plan", "chunk_id": "document:plan#001"})["url"])
    assert url == "/sources/plan#p001"
    response = client.get(url)
    assert response.status_code == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert "<section id=p001><h2>四、（二）6.</h2><p>给予贷款利率50%的贴息。</p></section>" in html
    assert "杨府发〔2024〕4号 · 2024年3月15日 · 现行 · 政策文件" in html
    assert "href='https://www.shyp.gov.cn/plan'" in html


def test_an_unknown_or_unpublished_source_is_a_chinese_404(pages: tuple[TestClient, Path]) -> None:
    client, index_dir = pages
    assert client.get("/sources/plan").status_code == 200
    for bad in ("/sources/nothing-here", "/sources/%3Cscript%3E"):
        response = client.get(bad)
        assert response.status_code == 404 and "没有找到这份出处" in response.text
    assert client.get("/sources/..%2F..%2Fetc").status_code == 404
    write_build(index_dir, "b2", [("一、总体要求", "新版本的文字。")])  # a publish replaces the build
    assert "新版本的文字。" in client.get("/sources/plan").text
    assert "50%" not in client.get("/sources/plan").text


def test_markup_in_a_source_is_text(pages: tuple[TestClient, Path]) -> None:
    client, index_dir = pages
    write_build(index_dir, "b3", [("<b>节</b>", "<script>alert(1)</script>")])
    html = client.get("/sources/plan").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
