"""XSS: markup from a user's message and from a knowledge document is shown as text in the widget, never run;
no script of the widget or the admin uses an HTML sink; pages forbid inline script."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from rasa_sdk.executor import CollectingDispatcher

from actions.compose import answer_reply
from actions.resources import replies
from actions.respond import send
from retrieval.chunking import chunk_document
from retrieval.hits import Hit
from retrieval.knowledge import load_document
from service.deps import get_rasa
from service.main import create_app
from service.settings import Settings
from tests.e2e.conftest import chromium, free_port, gateway_in_thread, new_page
from tests.security.conftest import HOSTILE

__all__ = ["chromium", "new_page"]  # browser fixtures shared with the e2e tests

STATIC = Path(__file__).resolve().parents[2] / "service" / "static"
HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\(|srcdoc"
    r"|setAttribute\(\s*[\"']on|\.on\w+\s*=\s*[\"'`]"
)
DOCUMENT = f"""---
id: hostile-doc
title: '恶意标题{HOSTILE}'
issuer: "<b>某机构</b>"
number: "测试〔2099〕<i>1</i>号"
date: 2099-01-01
source_url: 'javascript:window.__xss=3'
status: current
---
# 第一章 <svg onload="window.__xss=4">

专利资助的测试说明<img src=x onerror="window.__xss=5">：本段为安全测试数据，不是政策内容。
"""


def test_no_script_uses_an_html_sink() -> None:
    scripts = sorted(STATIC.rglob("*.js"))
    assert any(path.name == "widget.js" for path in scripts) and len(scripts) > 1
    found = [
        f"{path.relative_to(STATIC)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HTML_SINKS.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_widget_links_only_http_urls() -> None:
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    link = source.index('className: "source-link"')
    assert "/^https?:\\/\\//i.test(url)" in source[link - 400 : link]


@pytest.mark.parametrize("path", ["/", "/embed", "/admin"])
def test_pages_forbid_inline_and_foreign_script(tmp_path: Path, path: str) -> None:
    app = create_app(Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1))
    with TestClient(app) as client:
        response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    scripts = re.search(r"script-src ([^;]+)", policy) or re.search(r"default-src ([^;]+)", policy)
    assert scripts is not None and scripts.group(1).strip() == "'self'", policy


class KnowledgeRasa:
    """Rasa as the answer action would speak: a reply composed from a hostile knowledge document."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        send(dispatcher, answer_reply(message, self.hits, replies()))
        out: list[dict[str, Any]] = [{"recipient_id": sender_id, "text": f"您问：{message}"}]
        for sent in dispatcher.messages:  # Rasa's REST channel splits text and custom JSON
            out.append(
                {"recipient_id": sender_id, "text": sent["text"], "buttons": sent.get("buttons") or []}
            )
            if sent.get("custom"):
                out.append({"recipient_id": sender_id, "custom": sent["custom"]})
        return out

    async def healthy(self) -> bool:
        return True


@pytest.fixture(scope="module")
def hostile_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("xss")
    (tmp / "hostile-doc.md").write_text(DOCUMENT, encoding="utf-8")
    document = load_document(tmp / "hostile-doc.md")
    hits = [Hit.from_chunk(chunk, 1.0) for chunk in chunk_document(document)]
    assert any(HOSTILE in hit.source.title for hit in hits)
    settings = Settings(port=free_port(), var_dir=tmp / "var", index_dir=tmp / "index", action_port=1)
    with gateway_in_thread(settings) as (url, app):
        app.dependency_overrides[get_rasa] = lambda: KnowledgeRasa(hits)
        yield url


def test_markup_from_chat_and_knowledge_is_text_in_the_browser(
    new_page: Callable[..., Page], hostile_gateway: str
) -> None:
    page = new_page()
    page.goto(hostile_gateway + "/")
    box = page.get_by_label("输入您的问题")
    question = '专利资助<img src=x onerror="window.__xss=6">'
    box.fill(question)
    box.press("Enter")
    answer = page.locator(".turn.bot:not(.welcome):not(.typing)").last
    expect(answer.locator(".bubble").first).to_contain_text(f"您问：{question}")
    expect(page.locator(".turn.user .bubble")).to_have_text(question)
    answer.locator(".sources summary").click()
    expect(answer.locator(".source-title")).to_contain_text(HOSTILE)
    expect(answer.locator(".snippet")).to_contain_text('<img src=x onerror="window.__xss=5">')
    assert answer.locator(".source-link").count() == 0  # the javascript: URL is never a link
    expect(answer.locator(".citation")).to_contain_text(HOSTILE)  # the citation line: text, not markup
    hrefs = answer.locator(".citation a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all("/sources/" in href and "javascript" not in href for href in hrefs)  # our page only
    assert page.locator(".turn img, .turn svg[onload], .turn script, .turn b, .turn i").count() == 0
    page.wait_for_timeout(300)  # give any injected handler the chance to fire
    assert page.evaluate("window.__xss") is None
