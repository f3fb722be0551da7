"""The website chat in a real browser: widget behaviour against a scripted Rasa, then the real bot."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Locator, Page, expect

from service.errors import RASA_DOWN_DETAIL
from service.settings import Settings
from service.store import Store
from tests.e2e.conftest import RunningBot, free_port, gateway_in_thread

pytestmark = pytest.mark.e2e

SOURCE = {
    "title": "测试文件甲",
    "number": "测试〔2024〕1号",
    "section": "四、（二）",
    "date": "2024-03-15",
    "status": "current",
    "snippet": "测试原文片段：对质押贷款给予贴息。",
}
STATION_SOURCE = {"title": "测试机构名录", "section": "测试技术转移中心", "date": "2024", "status": "current"}
STATIONS = [  # the actions send each type's Chinese label (knowledge/station_types.yml) with the code
    {
        "type": "trademark_station",
        "type_label": "商标品牌指导站",
        "name": "测试商标指导站（演示）",
        "address": "园区地址：测试路9号（演示，未核实）",
        "phone": "",
        "demo": True,
    },
    {
        "type": "service_center",
        "type_label": "综合服务",
        "name": "测试公共服务中心",
        "address": "",
        "phone": "",
    },
    {
        "type": "tech_transfer",
        "type_label": "技术转移与交易",
        "name": "测试技术转移中心",
        "address": "测试路1号",
        "phone": "021-12345678",
        "hours": "工作日 9:00-17:00",
        "demo": False,
    },
    {"type": "tech_transfer", "type_label": "技术转移与交易", "name": "测试交易所", "phone": "021-87654321"},
]
RELATED = ["质押贷款贴息比例是多少？", "贴息怎么申请？"]
LONG_BODY = "\n".join(f"测试回答第{n}段：申请材料、流程和时限的示例说明。" for n in range(1, 16))
CONTRAST = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")  # text under 4.5:1
README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
HOSTILE = '<img src=x onerror="window.__xss=1">'


def parts(text: str, **reply: Any) -> list[dict[str, Any]]:
    """A text message and the custom parts the actions send after it."""
    return [{"text": text}, {"custom": {"reply": reply}}]


def scripted_reply(message: str) -> list[dict[str, Any]]:
    """What the fake Rasa answers; plainly labelled test data, not facts."""
    if message == "/ask_how_to_apply":
        return [{"text": "测试回答：申请步骤一、二、三。"}]
    if message == "/request_human" or "称呼" in message:
        return [{"text": "好的，为您转接人工服务。请问怎么称呼您？"}]
    if "再见" in message:
        return [{"text": "感谢您的咨询，再见！"}]
    if "相关" in message:
        answer = "测试回答：贴息的示例说明。"
        return parts(answer, body=answer, sources=[SOURCE], tier="certain", related=RELATED)
    if "贴息" in message:
        answer = "测试回答：贴息的示例说明。"
        buttons = [{"title": "怎么申请？", "payload": "/ask_how_to_apply"}]
        return [
            {"text": answer, "buttons": buttons},
            {"custom": {"reply": {"body": answer, "sources": [SOURCE], "tier": "certain"}}},
        ]
    if "五角场" in message:
        lead = "测试回答：为您找到以下机构。"
        return parts(
            lead, lead=lead, stations=STATIONS, sources=[STATION_SOURCE], notes=["测试提示：请带好材料。"]
        )
    if "长" in message:
        return parts(LONG_BODY, body=LONG_BODY, stations=STATIONS[2:], sources=[SOURCE], tier="certain")
    if "<" in message:
        source = {**SOURCE, "title": "<script>window.__xss=2</script>", "snippet": HOSTILE}
        return parts(f"您说：{message} {HOSTILE}", body=f"您说：{message} {HOSTILE}", sources=[source])
    if "慢" in message:
        time.sleep(1.5)
    return [{"text": "测试回答：您好。"}]


@dataclass
class FakeRasa:
    """A tiny HTTP server speaking Rasa's REST channel; records (sender, message) pairs."""

    port: int
    received: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._reply(200, {"version": "fake"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.received.append((body["sender"], body["message"]))
            self._reply(200, [{"recipient_id": body["sender"], **m} for m in scripted_reply(body["message"])])

        def _reply(self, status: int, data: object) -> None:
            raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", fake.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def gateway(fake_rasa: FakeRasa, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FastAPI]]:
    settings = Settings(port=free_port(), rasa_port=fake_rasa.port, var_dir=tmp_path_factory.mktemp("gw"))
    with gateway_in_thread(settings) as running:
        yield running


@pytest.fixture
def url(gateway: tuple[str, FastAPI]) -> str:
    return gateway[0]


def ask(page: Page, question: str) -> None:
    box = page.get_by_label("输入您的问题")
    box.fill(question)
    box.press("Enter")


def bot_turns(page: Page) -> Any:
    return page.locator(".turn.bot:not(.welcome):not(.typing)")


def test_answer_citation_quick_reply_station_and_feedback(
    new_page: Callable[..., Page],
    url: str,
    gateway: tuple[str, FastAPI],
    fake_rasa: FakeRasa,
    artifacts: Path,
) -> None:
    page = new_page()
    page.goto(url + "/")
    expect(page.locator(".welcome .bubble")).to_contain_text("杨浦知识产权全科医生")
    expect(page.locator(".suggestions .chip")).to_have_count(5)
    expect(page.locator(".suggestions .chip").first).to_have_text("知识产权体检")  # starts the check-up

    ask(page, "知识产权质押贷款有贴息吗？")
    expect(bot_turns(page)).to_have_count(1)
    answer = bot_turns(page).first
    expect(answer.locator(".bubble")).to_have_text("测试回答：贴息的示例说明。")
    snippet = answer.locator(".snippet")
    expect(snippet).to_be_hidden()
    answer.locator(".sources summary").click()
    expect(snippet).to_have_text(SOURCE["snippet"])
    expect(answer.locator(".source-title")).to_contain_text("测试文件甲")
    expect(answer.locator(".status")).to_have_text("现行")
    expect(answer.locator(".source-meta")).to_have_text("测试〔2024〕1号 · 四、（二） · 2024-03-15")

    answer.get_by_role("button", name="怎么申请？").click()
    expect(page.locator(".turn.user .bubble").last).to_have_text("怎么申请？")
    expect(bot_turns(page).last.locator(".bubble")).to_have_text("测试回答：申请步骤一、二、三。")
    assert fake_rasa.received[-1][1] == "/ask_how_to_apply"
    expect(page.locator(".quick:not(.suggestions)")).to_have_count(0)  # old quick replies are retired

    answer.get_by_role("button", name="有帮助").click()
    expect(answer.locator(".feedback-note")).to_have_text("感谢您的反馈！")
    expect(answer.get_by_role("button", name="有帮助")).to_have_attribute("aria-pressed", "true")
    store: Store = gateway[1].state.store
    [row] = [row for row in store.feedback() if row.question == "知识产权质押贷款有贴息吗？"]
    assert (row.rating, row.answer) == ("up", "测试回答：贴息的示例说明。")
    page.screenshot(path=artifacts / "chat-desktop.png", full_page=True)


def test_history_and_sender_survive_a_reload(
    new_page: Callable[..., Page], url: str, fake_rasa: FakeRasa
) -> None:
    page = new_page()
    page.goto(url + "/")
    ask(page, "知识产权质押贷款有贴息吗？")
    expect(bot_turns(page)).to_have_count(1)
    first_sender = fake_rasa.received[-1][0]
    assert first_sender.startswith("web:web-")  # the gateway puts web senders in their namespace
    page.reload()
    expect(bot_turns(page)).to_have_count(1)
    expect(page.locator(".turn.user .bubble")).to_have_text(["知识产权质押贷款有贴息吗？"])
    expect(page.get_by_role("button", name="怎么申请？")).to_be_visible()  # latest quick replies stay usable
    ask(page, "你好")
    expect(bot_turns(page)).to_have_count(2)
    assert fake_rasa.received[-1] == (first_sender, "你好")

    page.get_by_role("button", name="新对话").click()
    page.get_by_role("button", name="清空并开始").click()
    expect(bot_turns(page)).to_have_count(0)
    ask(page, "你好")
    expect(bot_turns(page)).to_have_count(1)
    assert fake_rasa.received[-1][0] not in ("", first_sender)


def test_phone_layout_fits_390_pixels(new_page: Callable[..., Page], url: str, artifacts: Path) -> None:
    page = new_page(width=390, height=844, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(url + "/")
    ask(page, "我们在五角场，想注册商标")
    expect(bot_turns(page).last.locator(".card")).to_have_count(len(STATIONS))
    ask(page, "知识产权质押贷款有贴息吗？")
    expect(bot_turns(page)).to_have_count(2)
    bot_turns(page).last.locator(".sources summary").click()
    expect(bot_turns(page).last.locator(".snippet")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    send = page.get_by_role("button", name="发送")
    box = send.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    page.screenshot(path=artifacts / "chat-phone-390.png")


def test_typing_indicator_while_waiting(new_page: Callable[..., Page], url: str) -> None:
    page = new_page()
    page.goto(url + "/")
    ask(page, "请慢一点回答")
    typing = page.get_by_role("status", name="正在输入…")
    expect(typing).to_be_visible()
    expect(bot_turns(page)).to_have_count(1, timeout=10000)
    expect(typing).to_have_count(0)


def test_network_error_then_retry(new_page: Callable[..., Page], url: str, artifacts: Path) -> None:
    page = new_page()
    page.goto(url + "/")
    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    ask(page, "你好")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("网络连接失败")
    page.screenshot(path=artifacts / "chat-network-error.png")
    page.unroute("**/api/chat")
    alert.get_by_role("button", name="重试").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(bot_turns(page)).to_have_count(1)
    expect(page.locator(".turn.user")).to_have_count(1)  # the retry does not repeat the question


def test_bot_unavailable_shows_the_gateways_chinese_detail(
    new_page: Callable[..., Page], tmp_path: Path, artifacts: Path
) -> None:
    settings = Settings(port=free_port(), rasa_port=free_port(), var_dir=tmp_path)  # nothing listens there
    with gateway_in_thread(settings) as (dead_url, _):
        page = new_page()
        page.goto(dead_url + "/")
        ask(page, "知识产权质押贷款有贴息吗？")
        alert = page.get_by_role("alert")
        expect(alert.locator(".error-text")).to_have_text(RASA_DOWN_DETAIL)
        expect(alert.get_by_role("button", name="重试")).to_be_visible()
        page.screenshot(path=artifacts / "chat-bot-unavailable.png")


def test_untrusted_text_is_shown_never_run(new_page: Callable[..., Page], url: str) -> None:
    page = new_page()
    page.goto(url + "/")
    ask(page, "<b>你好</b>")
    answer = bot_turns(page).last
    expect(answer.locator(".bubble")).to_contain_text(HOSTILE)
    answer.locator(".sources summary").click()
    expect(answer.locator(".source-title")).to_contain_text("<script>")
    expect(page.locator(".turn.user .bubble")).to_have_text("<b>你好</b>")
    assert page.locator("img, b, .bubble script").count() == 0
    assert page.evaluate("window.__xss") is None


def test_embedded_widget_opens_by_keyboard(new_page: Callable[..., Page], url: str, artifacts: Path) -> None:
    page = new_page()
    page.goto(url + "/embed")
    launcher = page.get_by_role("button", name="打开在线咨询")
    panel = page.get_by_role("dialog", name="杨浦知识产权全科医生")
    expect(panel).to_be_hidden()
    launcher.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    focused = "document.getElementById('ipgp-widget-host').shadowRoot.activeElement.id"
    assert page.evaluate(focused) == "ipgp-input"
    page.keyboard.type("知识产权质押贷款有贴息吗？")
    page.keyboard.press("Enter")
    expect(bot_turns(page)).to_have_count(1)
    page.screenshot(path=artifacts / "widget-open.png")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate(
        "document.getElementById('ipgp-widget-host').shadowRoot.activeElement.className"
    ) == ("launcher")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="打开在线咨询").click()
    expect(bot_turns(page)).to_have_count(1)  # same conversation as before
    page.screenshot(path=artifacts / "widget-phone-390.png")
    page.get_by_role("button", name="关闭咨询窗口").click()
    expect(panel).to_be_hidden()


# ---- the real bot: Rasa + actions + retrieval behind the gateway -------------------------------------


def warm_up(bot: RunningBot, timeout_s: float = 180) -> None:
    """The action server loads its embedding model on the first question; wait for that outside the page."""
    deadline = time.monotonic() + timeout_s
    while True:
        body = {"sender_id": "e2e-browser-warm-up", "message": "专利资助怎么申请？"}
        if httpx.post(f"{bot.url}/api/chat", json=body, timeout=30).status_code == 200:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the bot did not answer within {timeout_s:.0f}s; see {bot.log_dir}")
        time.sleep(2)


def opens_at_its_start(page: Page, turn: Locator) -> None:
    """A new answer is read from its start: its top is in view, at the top when it is taller than the log."""
    box, log = turn.bounding_box(), page.locator(".log").bounding_box()
    assert box is not None and log is not None
    assert log["y"] <= box["y"] <= log["y"] + max(24, log["height"] - box["height"]), (box, log)


def readme_shot(target: Page | Locator, artifacts: Path, name: str, around: Sequence[Locator] = ()) -> None:
    """A picture for the README's Screens section, of `target` or of the part of the page `around` some
    elements: under test-artifacts/, and copied to docs/img/ when IPGP_README_IMAGES=1 (then committed)."""
    path = artifacts / f"readme-{name}.png"
    boxes = [box for box in (element.bounding_box() for element in around) if box]
    if boxes and isinstance(target, Page):
        top = min(b["y"] for b in boxes) - 12
        left, right = min(b["x"] for b in boxes) - 12, max(b["x"] + b["width"] for b in boxes) + 12
        bottom = max(b["y"] + b["height"] for b in boxes) + 12
        target.screenshot(
            path=path, clip={"x": left, "y": top, "width": right - left, "height": bottom - top}
        )
    else:
        target.screenshot(path=path)
    assert path.stat().st_size < 150_000, f"{path}: {path.stat().st_size} bytes"
    if os.environ.get("IPGP_README_IMAGES") == "1":
        shutil.copyfile(path, README_IMAGES / f"{name}.png")


def open_cited_page(new_page: Callable[..., Page], href: str, artifacts: Path) -> None:
    """The citation's link opens the gateway's source page at the cited passage, highlighted."""
    assert "/sources/" in href and "#p" in href, href
    for width, height in ((1280, 800), (390, 844)):
        source_page = new_page(width, height)
        source_page.goto(href)
        cited = source_page.locator("section:target")
        expect(cited).to_have_count(1)
        expect(cited).to_be_in_viewport()
        assert cited.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 244, 194)"
        assert source_page.evaluate(CONTRAST)["failures"] == []
        source_page.screenshot(path=artifacts / f"source-page-{width}.png")
        if width == 1280:
            readme_shot(source_page, artifacts, "source-page", around=[source_page.locator("main")])


def test_real_bot_answers_with_citation_quick_reply_and_station(
    new_page: Callable[..., Page], running_bot: RunningBot, artifacts: Path
) -> None:
    warm_up(running_bot)
    page = new_page(1280, 800)
    page.goto(running_bot.url + "/")
    ask(page, "知识产权质押贷款，区里给贴息吗？")
    answer = bot_turns(page).last
    expect(answer.locator(".citation a").first).to_be_visible(timeout=30000)
    readme_shot(page, artifacts, "chat-answer", around=[page.locator(".turn.user").last, answer])
    expect(answer.locator(".sources")).to_have_count(1)
    answer.locator(".sources summary").click()
    expect(answer.locator(".source-title").first).to_be_visible()
    expect(answer.locator(".sources")).to_contain_text("杨府发〔2024〕4号")
    expect(answer.locator(".status").first).to_have_text("未注明")  # the subsidy's status is not verified
    page.screenshot(path=artifacts / "real-bot-answer.png")
    open_cited_page(new_page, answer.locator(".citation a").first.get_attribute("href") or "", artifacts)

    quick = answer.locator(".quick .chip")
    expect(quick.first).to_be_visible()
    title = quick.first.inner_text()
    quick.first.click()
    expect(page.locator(".turn.user .bubble").last).to_have_text(title)
    expect(bot_turns(page)).to_have_count(2, timeout=30000)

    ask(page, "我们在五角场，想注册商标")
    expect(bot_turns(page)).to_have_count(3, timeout=30000)
    stations = bot_turns(page).last
    cards = stations.locator(".card")
    expect(cards.first).to_be_visible()
    expect(cards.first.locator(".card-fields")).to_contain_text("商标")
    expect(cards.first.locator(".badge.demo")).to_have_count(1 if "演示" in cards.first.inner_text() else 0)
    expect(stations.get_by_role("button", name="转人工")).to_have_count(cards.locator(".card-human").count())
    page.screenshot(path=artifacts / "real-bot-station.png")

    ask(page, "我想找高校专利做转化")
    expect(bot_turns(page)).to_have_count(4, timeout=30000)
    turn = bot_turns(page).last
    verified, unknown = turn.locator(".card").first, turn.locator(".card").nth(1)
    expect(verified.locator("a[href^='tel:']")).to_have_count(1)
    expect(verified.locator(".card-human")).to_have_count(0)
    expect(unknown.locator(".card-note")).to_contain_text("暂无公开联系方式")
    expect(unknown.get_by_role("button", name="转人工")).to_be_visible()
    page.locator(".log").evaluate("log => { log.scrollTop -= 24; }")  # clear of the header
    around = [turn.locator(".avatar"), turn.locator(".bubble").first, turn.locator(".stations")]
    readme_shot(page, artifacts, "station-card", around=around)


def test_real_bot_on_a_phone(new_page: Callable[..., Page], running_bot: RunningBot, artifacts: Path) -> None:
    warm_up(running_bot)
    page = new_page(390, 844, is_mobile=True, has_touch=True)
    page.goto(running_bot.url + "/")
    ask(page, "区知识产权公共服务中心在哪里？")
    answer = bot_turns(page).last
    expect(answer.locator(".bubble").first).to_be_visible(timeout=30000)
    opens_at_its_start(page, answer)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    readme_shot(page, artifacts, "chat-phone")
