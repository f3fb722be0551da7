"""Staff in a real browser edit a station's phone and publish; the running bot answers with the new number.
Also: a publish during continuous chat traffic fails no request, and the new answer goes live."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml
from playwright.sync_api import Page, expect

from retrieval.searcher import Searcher
from retrieval.store import live_knowledge_dir
from service import admin
from service.admin.settings import AdminSettings
from service.admin.state import AdminState
from service.main import create_app
from service.schemas import Referral
from service.settings import Settings
from service.store import Store
from tests.e2e.conftest import RunningBot, free_port
from tests.service.test_admin_files import PROPOSED, signed_notice_docx
from tests.service.test_admin_helpers import FAKE_ENCODER, FAST_HASHER, write_knowledge

pytestmark = pytest.mark.e2e

STATION = "ntttc-east"  # 国家技术转移东部中心, phone 021-35363288 in knowledge/stations.yml
QUESTION = "国家技术转移东部中心的联系电话是多少？"
OLD_NUMBER = "35363288"
PUBLISH_TIMEOUT_S = 120


@dataclass
class StaffLogin:
    username: str
    password: str
    client: httpx.Client = field(repr=False)
    csrf: str = ""

    def call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf} if method != "GET" else {}
        return self.client.request(method, "/admin/api" + path, headers=headers, **kwargs)  # type: ignore[arg-type]


def bot_reply(url: str, message: str, sender: str | None = None) -> str:
    response = httpx.post(
        f"{url}/api/chat", json={"sender_id": sender or secrets.token_hex(6), "message": message}, timeout=30
    )
    response.raise_for_status()
    return response.text  # reply texts and structured station cards alike


def wait_published(staff: StaffLogin, publish_id: int) -> dict[str, object]:
    deadline = time.monotonic() + PUBLISH_TIMEOUT_S
    while time.monotonic() < deadline:
        run: dict[str, object] = staff.call("GET", f"/publish/{publish_id}").json()
        if run["status"] != "running":
            return run
        time.sleep(0.3)
    pytest.fail(f"publish {publish_id} still running after {PUBLISH_TIMEOUT_S}s")


def replace_stale(staff: StaffLogin, warnings: list[dict[str, str]], old: str, new: str) -> None:
    """What staff do with the save warnings: fix each entry that still states the old number."""
    plural = {"station": "stations", "rule": "rules", "faq": "faq", "document": "documents"}
    for warning in warnings:
        path = f"/{plural[warning['kind']]}/{warning['key']}"
        data = staff.call("GET", path).json()["data"]
        fixed = {k: v.replace(old, new) if isinstance(v, str) else v for k, v in data.items()}
        assert staff.call("PUT", path, json=fixed).status_code == 200


def warm_up(url: str, timeout_s: float = 180) -> None:
    """The first answers load the embedding model in the action server; wait until the bot answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.post(
                f"{url}/api/chat", json={"sender_id": "warm-up", "message": QUESTION}, timeout=30
            ).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(2)
    pytest.fail(f"the bot did not answer within {timeout_s:.0f}s")


@pytest.fixture(scope="module")
def staff(running_bot: RunningBot) -> Iterator[StaffLogin]:
    """An admin account in the bot's store; afterwards changed entries are restored and republished."""
    if httpx.get(f"{running_bot.url}/admin", timeout=10).status_code != 200:
        pytest.fail("the gateway does not serve /admin: service.admin.install(app, settings) is not wired")
    warm_up(running_bot.url)
    state = AdminState.build(running_bot.settings, AdminSettings(warm_model=False))
    username, password = "e2e-admin-" + secrets.token_hex(3), secrets.token_urlsafe(16)
    state.accounts.create_user(username, password, "admin")
    state.engine.dispose()
    client = httpx.Client(base_url=running_bot.url, timeout=30)
    login = client.post("/admin/api/login", json={"username": username, "password": password})
    login.raise_for_status()
    login_state = StaffLogin(username, password, client, login.json()["csrf_token"])
    before = login_state.call("GET", "/versions", params={"limit": 1000}).json()
    latest_at_start: dict[tuple[str, str], int] = {}
    for version in reversed(before):
        latest_at_start[(version["kind"], version["key"])] = version["id"]
    start = max(v["id"] for v in before)
    try:
        yield login_state
    finally:  # every entry the tests changed goes back to its version at the start, then live again
        changed = login_state.call("GET", "/versions", params={"limit": 1000}).json()
        for kind_key in {(v["kind"], v["key"]) for v in changed if v["id"] > start}:
            login_state.call("POST", f"/versions/{latest_at_start[kind_key]}/restore")
        run = login_state.call("POST", "/publish")
        if run.status_code == 202:
            wait_published(login_state, run.json()["id"])
        client.close()


def test_staff_edit_a_phone_number_in_the_browser_and_the_bot_answers_with_it(
    running_bot: RunningBot, staff: StaffLogin, new_page: Callable[..., Page]
) -> None:
    assert OLD_NUMBER in bot_reply(running_bot.url, QUESTION)
    page = new_page()
    page.goto(f"{running_bot.url}/admin")
    page.fill("#login-form input[name=username]", staff.username)
    page.fill("#login-form input[name=password]", staff.password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav a[href='#publish']")

    page.goto(f"{running_bot.url}/admin#stations/{STATION}")
    phone = page.locator("#main input[name=phone]")
    phone.fill("12-34")  # first a typo: the error appears next to the field
    page.click("#main form.entry-form button[type=submit]")
    error = page.locator("#main .field-error[data-for=phone]")
    page.wait_for_selector("#main .field-error[data-for=phone]:has-text('电话格式不正确')")  # no eval: CSP
    assert "电话格式不正确" in error.inner_text()

    phone.fill("021-35363299")
    page.click("#main form.entry-form button[type=submit]")
    page.wait_for_selector("#toast:has-text('已保存')")
    # The shipped FAQ repeats the number: the page lists those entries, and staff fix them too.
    page.wait_for_selector("#stale-warnings .stale-link")
    links = [link.get_attribute("href") for link in page.locator("#stale-warnings .stale-link").all()]
    assert links and all(links)
    for link in links:
        page.goto(f"{running_bot.url}/admin{link}")
        page.wait_for_selector("#main form.entry-form")
        for control in page.locator(
            "#main form.entry-form textarea, #main form.entry-form input[type=text]"
        ).all():
            value = control.input_value()
            if OLD_NUMBER in value:
                control.fill(value.replace("021-35363288", "021-35363299").replace(OLD_NUMBER, "35363299"))
        page.click("#main form.entry-form button[type=submit]")
        page.wait_for_selector("#main form.entry-form", state="detached")  # saved: back to the list

    page.goto(f"{running_bot.url}/admin#publish")
    warnings: list[str] = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    page.click("#publish-button")
    page.wait_for_selector("#toast:has-text('已上线')", timeout=PUBLISH_TIMEOUT_S * 1000)
    assert warnings and "仍然发布" in warnings[0]  # entries are overdue for review: staff were asked
    reply = bot_reply(running_bot.url, QUESTION)
    assert "35363299" in reply and OLD_NUMBER not in reply, reply


def test_a_publish_during_chat_traffic_fails_no_request_and_goes_live(
    running_bot: RunningBot, staff: StaffLogin
) -> None:
    current = staff.call("GET", f"/stations/{STATION}").json()["data"]
    new_number = "021-35363277"
    saved = staff.call("PUT", f"/stations/{STATION}", json={**current, "phone": new_number})
    assert saved.status_code == 200
    replace_stale(staff, saved.json()["warnings"], current["phone"], new_number)
    failures: list[str] = []
    answered = [0]
    live_at: list[float] = []
    stop = threading.Event()

    def chat(worker: int) -> None:
        questions = [QUESTION, "知识产权质押贷款，区里给贴息吗？", "杨浦有几个商标品牌指导站？"]
        with httpx.Client(timeout=30) as client:
            n = 0
            while not stop.is_set() and n < 2000:
                message = questions[n % len(questions)]
                try:
                    response = client.post(
                        f"{running_bot.url}/api/chat",
                        json={"sender_id": f"load-{worker}-{n}", "message": message},
                    )
                except httpx.HTTPError as error:
                    failures.append(f"{type(error).__name__}: {error}")
                else:
                    if response.status_code != 200:
                        failures.append(f"{response.status_code}: {response.text[:200]}")
                    elif message == QUESTION and "35363277" in response.text and not live_at:
                        live_at.append(time.monotonic())
                    answered[0] += 1
                n += 1
                stop.wait(0.4)  # three workers stay under the per-IP limit (10/s): a 429 is by design

    workers = [threading.Thread(target=chat, args=(i,)) for i in range(3)]
    for worker in workers:
        worker.start()
    time.sleep(2)
    started = time.monotonic()
    run = staff.call("POST", "/publish")
    assert run.status_code == 202, run.text
    result = wait_published(staff, run.json()["id"])
    deadline = time.monotonic() + 60
    while not live_at and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    for worker in workers:
        worker.join(60)
    assert result["status"] == "succeeded", result
    assert failures == [], failures[:5]
    assert answered[0] > 10
    assert live_at, "the new number never reached a chat reply"
    print(
        f"\npublish-to-live {live_at[0] - started:.1f} s (build {result['duration_s']} s), "
        f"{answered[0]} chat requests, 0 failed"
    )
    assert live_at[0] - started <= 60


# ---- Without Rasa: the admin page against an in-thread gateway with a fake embedding model ----------


@dataclass
class AdminSite:
    url: str
    state: AdminState
    gateway_store: Store


@pytest.fixture
def admin_site(tmp_path: Path) -> Iterator[AdminSite]:
    settings = Settings(
        var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1, port=free_port()
    )
    app = create_app(settings)
    state = admin.install(
        app,
        settings,
        AdminSettings(knowledge_dir=write_knowledge(tmp_path / "knowledge"), smoke_questions=["贴息"]),
        encoder=lambda: FAKE_ENCODER,
        hasher=FAST_HASHER,
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("in-thread gateway did not start")
        time.sleep(0.05)
    state.accounts.create_user("boss", "correct-horse-battery", "admin")
    try:
        yield AdminSite(f"http://127.0.0.1:{settings.port}", state, app.state.store)
    finally:
        server.should_exit = True
        thread.join(15)


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/admin")
    page.fill("#login-form input[name=username]", "boss")
    page.fill("#login-form input[name=password]", "correct-horse-battery")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#nav a[href='#publish']")


def test_browser_edit_and_publish_reach_the_live_index(
    admin_site: AdminSite, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    log_in(page, admin_site.url)
    page.goto(f"{admin_site.url}/admin#stations/north-station")
    page.fill("#main input[name=phone]", "021-35363299")
    page.click("#main form.entry-form button[type=submit]")
    page.wait_for_selector("#toast:has-text('已保存')")
    page.goto(f"{admin_site.url}/admin#publish")
    page.once("dialog", lambda dialog: dialog.accept())  # overdue entries: the page asks first
    page.click("#publish-button")
    page.wait_for_selector("#toast:has-text('已上线')", timeout=60_000)
    page.wait_for_selector("#main table td:has-text('成功')")  # the run is listed in the history
    reader = Searcher(admin_site.state.settings.index_dir, FAKE_ENCODER)
    assert "021-35363299" in reader.search("北区商标品牌指导站", k=1).hits[0].text
    page.goto(f"{admin_site.url}/admin#versions/station/north-station")
    page.click("#main button:has-text('查看差异') >> nth=0")
    page.wait_for_selector("#main .version-detail ins.seg.insert")
    assert page.locator("#main .version-detail del.seg.delete").inner_text() == "11112222"
    assert page.locator("#main .version-detail ins.seg.insert").inner_text() == "35363299"


MARKUP = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


def test_markup_from_the_knowledge_base_and_chat_is_shown_as_text(
    admin_site: AdminSite, new_page: Callable[..., Page]
) -> None:
    entry = admin_site.state.store.get("station", "north-station")
    admin_site.state.store.update("station", "north-station", {**entry.data, "name": MARKUP}, "attacker")
    admin_site.gateway_store.log_turn("u1", "web", MARKUP, fallback=True)
    page = new_page()
    log_in(page, admin_site.url)
    title = page.title()
    for view in ("stations", "stations/north-station", "versions", "conversations"):
        page.goto(f"{admin_site.url}/admin#{view}")
        page.wait_for_selector("#main table, #main form.entry-form")
        time.sleep(0.3)
        assert page.title() == title, view
        assert page.locator("#main img").count() == 0 and page.locator("#main script").count() == 0, view
    assert MARKUP in page.locator("#main").inner_text()


# ---- Check-up rules: the form, its errors, publishing; the dashboard's check-up charts ---------------

PROFILES = [
    {"industry": ["人工智能"], "plans": ["融资", "开拓海外市场"], "dispute": ["没有"]},
    {"industry": ["人工智能"], "plans": ["融资"], "dispute": ["海外纠纷"]},
    {"industry": ["创意设计"], "plans": ["品牌建设"], "dispute": ["国内纠纷"]},
]


def save_form(page: Page) -> None:
    page.click("#main form.entry-form button[type=submit]")


def test_staff_write_a_checkup_rule_in_the_form_and_publish_it(
    admin_site: AdminSite, new_page: Callable[..., Page], artifacts: Path
) -> None:
    page = new_page(1280, 800)
    log_in(page, admin_site.url)
    page.click("#nav a[href='#checkup']")
    page.wait_for_selector("#main td.empty")
    page.click("#main a:has-text('新建')")
    form = page.locator("#main form.entry-form")
    form.locator("input[name=id]").fill("plan-pledge")
    form.locator("select[name=section]").select_option(label="可以申请/可以利用")
    form.locator("select[name='ref.kind']").select_option(label="文件条款")
    assert form.locator("[data-field='ref.fields']").is_hidden()  # only rules and FAQ quote fields
    form.locator("select[name='ref.id']").select_option(label="杨浦区示例工作方案")
    form.locator("textarea[name='ref.quote']").fill("对所有企业给予贴息")  # not the document's words
    form.locator("textarea[name=reason]").fill("您有融资打算。方案提出对符合条件的企业给予质押贷款贴息。")
    save_form(page)  # no condition and a quote that is not in the document: both shown in place
    page.wait_for_selector("#main .field-error[data-for='ref.quote']:has-text('找不到')")
    assert "至少要写一个条件" in form.locator(".field-error[data-for='when.industry']").inner_text()
    page.screenshot(path=str(artifacts / "admin-checkup-form-errors-1280.png"), full_page=True)

    form.locator("[data-field='when.plans'] label:has-text('融资') input").check()
    form.locator("[data-field='when.location'] label:has-text('五角场街道') input").check()
    form.locator("textarea[name='ref.quote']").fill("对符合条件的企业给予质押贷款贴息")
    save_form(page)
    page.wait_for_selector("#toast:has-text('已保存')")
    row = page.locator("#main table tr:has-text('plan-pledge')")
    row.wait_for()
    assert (
        "街道或园区：五角场街道；近期打算：融资" in row.inner_text()
        and "文件条款 demo-plan" in row.inner_text()
    )
    page.screenshot(path=str(artifacts / "admin-checkup-list-1280.png"), full_page=True)

    row.locator("a.entry-title").click()  # edit: a rule needs a rule entry and its fields
    form.locator("select[name='ref.kind']").select_option(label="政策条目")
    assert form.locator("[data-field='ref.quote']").is_hidden()
    form.locator("select[name='ref.id']").select_option(label="质押贷款贴息")
    form.locator("[data-field='ref.fields'] label:has-text('标准与上限') input").check()
    save_form(page)  # 可以申请 from a rule must also say who may apply
    page.wait_for_selector("#main .field-error[data-for='ref.fields']:has-text('eligible')")
    form.locator("[data-field='ref.fields'] label:has-text('申请对象') input").check()
    page.screenshot(path=str(artifacts / "admin-checkup-form-1280.png"), full_page=True)
    save_form(page)
    page.wait_for_selector("#main form.entry-form", state="detached")

    page.goto(f"{admin_site.url}/admin#publish")
    page.once("dialog", lambda dialog: dialog.accept())  # overdue entries: the page asks first
    page.click("#publish-button")
    page.wait_for_selector("#toast:has-text('已上线')", timeout=60_000)
    live = live_knowledge_dir(admin_site.state.settings.index_dir)
    assert live is not None
    [rule] = yaml.safe_load((live / "checkup.yml").read_text(encoding="utf-8"))["checkup"]
    assert rule["when"]["plans"] == ["融资"] and rule["ref"] == {
        "kind": "rule",
        "id": "pledge-subsidy",
        "quote": "",
        "fields": ["eligible", "rate_and_cap"],
    }


def test_the_dashboard_charts_checkups_by_industry_and_need(
    admin_site: AdminSite, new_page: Callable[..., Page], artifacts: Path
) -> None:
    for n, profile in enumerate(PROFILES):
        admin_site.gateway_store.add_checkup_report(f"web:visitor-{n}", {"profile": profile, "sections": []})
    page = new_page(1280, 800)
    log_in(page, admin_site.url)
    page.wait_for_selector("#checkup-needs svg")
    assert page.locator("#checkup-stat b").inner_text() == "3"
    industries = page.locator("#checkup-industries svg").text_content() or ""
    assert "人工智能" in industries and "创意设计" in industries
    needs = page.locator("#checkup-needs svg").text_content() or ""
    assert "融资" in needs and "海外纠纷" in needs and "没有" not in needs
    assert "visitor" not in page.locator("#main").inner_text()
    page.locator("#checkup-industries").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "admin-dashboard-checkups-1280.png"), full_page=True)


# ---- Issue 15 item 5: the admin for district staff, at 1280×800 and 390×844 ----------------------------

@pytest.fixture(params=[(1280, 800), (390, 844)], ids=["desktop", "phone"])
def open_view(
    request: pytest.FixtureRequest, admin_site: AdminSite, new_page: Callable[..., Page]
) -> Callable[[str], Page]:
    """Opens a view of the admin, logged in, on a desktop and on a phone screen."""

    def open_(view: str) -> Page:
        page = new_page(*request.param)
        log_in(page, admin_site.url)
        page.goto(f"{admin_site.url}/admin#{view}")
        return page

    return open_


def shot(page: Page, artifacts: Path, name: str) -> None:
    """A full-page screenshot named by view and width; on a phone the page must not scroll sideways."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(artifacts / f"admin-{name}-{width}.png"), full_page=True)
    if width < 500:
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name}: the page is {wide}px wide on a {width}px screen"


def test_lists_show_chinese_titles_with_search_and_filters(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    page = open_view("stations")
    titles = page.locator("#main table a.entry-title")
    titles.first.wait_for()
    assert titles.all_inner_texts() == ["北区商标品牌指导站", "版权工作站"]  # names, not slug ids
    page.fill("#main .list-filter input[type=search]", "版权")
    assert titles.all_inner_texts() == ["版权工作站"]
    page.fill("#main .list-filter input[type=search]", "")
    page.select_option("#main .list-filter select[aria-label=状态]", label="未知")
    assert titles.all_inner_texts() == ["版权工作站"]
    assert "显示 1 / 2 条" in page.locator("#main .list-filter .count").inner_text()
    shot(page, artifacts, "stations-filtered")
    titles.first.click()
    page.wait_for_selector("#main form.entry-form input[name=id][readonly]")
    assert page.locator("#main form.entry-form input[name=id]").input_value() == "copyright-desk"


def test_the_version_diff_highlights_the_changed_words(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    store = admin_site.state.store
    faq = store.get("faq", "pledge-faq")
    answer = "有，按贷款利率的60%给予贴息，每家企业每年最高50万元。"
    store.update("faq", "pledge-faq", {**faq.data, "answer": answer}, "editor")
    page = open_view("versions/faq/pledge-faq")
    page.click("#main button:has-text('查看差异') >> nth=0")
    page.wait_for_selector("#main .version-detail .word-diff")
    detail = page.locator("#main .version-detail")
    assert "质押贷款有贴息吗？" in detail.locator("h3").inner_text()  # the title, not the id
    assert detail.locator("del.seg.delete").all_inner_texts() == ["50"]  # only the changed words
    inserted = detail.locator("ins.seg.insert").all_inner_texts()
    assert inserted[0] == "60" and "每家企业每年最高50万元" in inserted[1]
    assert "answer:" not in detail.inner_text() and "答案" in detail.inner_text()  # no YAML
    shot(page, artifacts, "version-diff")


def test_hit_testing_speaks_plain_chinese(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    page = open_view("search")
    page.fill("#main input[name=q]", "质押贷款贴息")
    page.click("#main form button[type=submit]")
    page.wait_for_selector("#main article.hit", timeout=60_000)
    tags = page.locator("#main article.hit .tag").all_inner_texts()
    assert tags and set(tags) <= {"文档", "政策条目", "服务站点", "常见问答"}
    scores = page.locator("#main article.hit .score").all_inner_texts()
    assert scores[0] == "匹配度 100%" and all(re.fullmatch(r"匹配度 \d{1,3}%", s) for s in scores)
    assert re.search(r"（把握 \d{1,3}%）", page.locator("#hit-verdict").inner_text())
    shot(page, artifacts, "hit-test")


def test_the_publish_page_lists_what_changed_since_the_live_version(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    page = open_view("publish")
    page.wait_for_selector("#publish-summary:has-text('草稿与线上一致')")  # nothing edited yet
    store = admin_site.state.store
    station = store.get("station", "north-station")
    store.update("station", "north-station", {**station.data, "phone": "021-35363299"}, "editor")
    store.delete("station", "copyright-desk", "editor")
    page.reload()
    page.wait_for_selector("#publish-summary:has-text('2 条改动')")
    rows = page.locator("#main table").first.locator("tbody tr")
    texts = rows.all_inner_texts()
    assert any("修改" in t and "北区商标品牌指导站" in t and "电话" in t for t in texts), texts
    assert any("删除" in t and "版权工作站" in t for t in texts), texts
    shot(page, artifacts, "publish-changes")


def test_review_opens_whole_conversations_and_referrals_keep_notes(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    gateway = admin_site.gateway_store
    gateway.finish_turn("k1", "web:visitor", "web", "专利资助怎么申请？", fallback=False, asked_contact=False,
                        referrals=[], answer="按《示例资助办法》申报。", tier="certain")  # fmt: skip
    handover = Referral(name="王小明", company="示例科技", phone="13912345678", station_id="north-station",
                        question="商标被抢注", reference="YP-20261201-K7Q3MX")  # fmt: skip
    gateway.finish_turn("k2", "web:visitor", "web", "商标被抢注了怎么办", fallback=False, asked_contact=False,
                        referrals=[handover], answer="以下是最接近的信息……", tier="closest")  # fmt: skip
    gateway.add_feedback("web:visitor", "down", "商标被抢注了怎么办", "以下是最接近的信息……", turn_key="k2")
    page = open_view("conversations")
    page.wait_for_selector("#main .conversation-link")
    assert "最接近匹配" in page.locator("#main table").inner_text()
    shot(page, artifacts, "review-list")
    page.locator("#main .conversation-link").first.click()
    page.wait_for_selector("#main .transcript")
    bubbles = page.locator("#main .transcript .bubble.user").all_inner_texts()
    assert len(bubbles) == 2 and "专利资助怎么申请？" in bubbles[0] and "商标被抢注了怎么办" in bubbles[1]
    assert "被点踩" in page.locator("#main .transcript").inner_text()
    assert "转介 YP-20261201-K7Q3MX" in page.locator("#main").inner_text()  # the number the user was told
    shot(page, artifacts, "conversation")

    page.click("#main a:has-text('查看转介记录')")  # the conversation links its referral, and back
    page.wait_for_selector("#referral-1")
    referral = page.locator("#referral-1")
    assert "王小明" in referral.inner_text() and referral.locator(".conversation-link").count() == 1
    assert referral.locator("b.reference").inner_text() == "YP-20261201-K7Q3MX"
    referral.locator("select[aria-label=状态]").select_option(label="已联系")
    page.wait_for_selector("#referral-1 .history li.status")
    referral.locator("textarea[name=note]").fill("已电话联系，约周三面谈")
    referral.locator("button:has-text('添加备注')").click()
    page.wait_for_selector("#referral-1 .history li.note")
    history = referral.locator(".history li").all_inner_texts()
    assert "状态：新建 → 已联系" in history[0]
    assert "已电话联系，约周三面谈" in history[1] and "boss" in history[1]
    shot(page, artifacts, "referral-notes")

    page.fill("#main input[name=q]", "yp-20261201-k7q3")  # staff search by the number a caller reads out
    page.click("#main button:has-text('筛选')")
    expect(page.locator("#main tbody tr[id^=referral-]")).to_have_count(1)
    page.fill("#main input[name=q]", "YP-20261201-XXXX")
    page.click("#main button:has-text('筛选')")
    expect(page.locator("#main tbody td.empty")).to_have_text("暂无数据")


def test_the_dashboard_separates_answered_closest_fallback_and_thumbs_down(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    gateway = admin_site.gateway_store
    outcomes = [(False, "certain")] * 5 + [(False, "closest")] * 3 + [(True, "none")] * 2
    for n, (fallback, tier) in enumerate(outcomes):
        gateway.log_turn(f"web:v{n}", "web", "专利资助", fallback=fallback, tier=tier)
    gateway.log_turn("web:hello", "web", "你好", fallback=False, tier="")
    gateway.add_feedback("web:v5", "down", "专利资助", "……")
    page = open_view("dashboard")
    page.wait_for_selector("#closest-stat")
    keys = ("answered", "closest", "fallback", "thumbs")
    stats = {key: page.locator(f"#{key}-stat").inner_text() for key in keys}
    assert stats["answered"].startswith("50%") and "已回答（5）" in stats["answered"]
    assert stats["closest"].startswith("30%") and stats["fallback"].startswith("20%")
    assert stats["thumbs"].startswith("1") and "点踩" in stats["thumbs"]
    assert page.locator("#questions-stat b").inner_text() == "11"
    shot(page, artifacts, "dashboard")


def test_an_uploaded_word_file_proposes_its_title_number_and_date(
    admin_site: AdminSite, open_view: Callable[[str], Page], artifacts: Path
) -> None:
    page = open_view("documents")
    page.wait_for_selector("#main form.upload")
    page.set_input_files(
        "#main form.upload input[type=file]",
        files={"name": "通知.docx", "mimeType": "application/octet-stream", "buffer": signed_notice_docx()},
    )
    page.wait_for_selector("#upload-proposed:has-text('已从文件中识别')")
    form = page.locator("#main form.upload")
    for name in ("title", "number", "date", "issuer", "id"):
        assert form.locator(f"input[name={name}]").input_value() == PROPOSED[name], name
    shot(page, artifacts, "upload-proposed")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#main form.entry-form input[name=id][readonly]")
    assert page.locator("#main form.entry-form input[name=title]").input_value() == PROPOSED["title"]


def test_a_new_entry_gets_its_id_from_the_title(admin_site: AdminSite, new_page: Callable[..., Page]) -> None:
    page = new_page(1280, 800)
    log_in(page, admin_site.url)
    page.goto(f"{admin_site.url}/admin#faq/new")
    page.fill("#main form.entry-form input[name=question]", "商标被抢注怎么办？")
    expect(page.locator("#main input[name=id]")).to_have_value("shangbiao-bei-qiangzhu-zenmeban")
    page.fill("#main input[name=id]", "my-own-id")  # typed by staff: the title no longer changes it
    page.fill("#main form.entry-form input[name=question]", "商标被抢注了怎么办？")
    time.sleep(0.6)
    assert page.locator("#main input[name=id]").input_value() == "my-own-id"


def test_an_admin_resets_a_forgotten_password_and_the_editor_changes_it(
    admin_site: AdminSite, open_view: Callable[[str], Page], new_page: Callable[..., Page], artifacts: Path
) -> None:
    admin_site.state.accounts.create_user("clerk", "forgotten-password-1", "editor")
    page = open_view("users")
    row = page.locator("#main table tr:has-text('clerk')")
    row.wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('重置密码')").click()
    temporary = page.locator("#temporary-password code").inner_text()
    assert len(temporary) >= 10
    shot(page, artifacts, "password-reset")
    audit = admin_site.state.store.audit_log()
    assert any(r.action == "password_reset" and r.target == "用户 clerk" for r in audit)

    clerk = new_page(page.viewport_size["width"], page.viewport_size["height"])  # type: ignore[index]
    clerk.goto(f"{admin_site.url}/admin")
    assert "忘记密码？请联系管理员" in clerk.locator("#login-view").inner_text()
    clerk.fill("#login-form input[name=username]", "clerk")
    clerk.fill("#login-form input[name=password]", temporary)
    clerk.click("#login-form button[type=submit]")
    clerk.wait_for_selector("#nav a[href='#publish']")
    clerk.click("#who a[href='#password']")
    clerk.fill("#main input[name=current]", temporary)
    clerk.fill("#main input[name=new]", "clerk-own-password-9")
    clerk.fill("#main input[name=again]", "clerk-own-password-9")
    clerk.click("#main form.password-form button[type=submit]")
    clerk.wait_for_selector("#toast:has-text('密码已修改')")
    assert admin_site.state.accounts.login("clerk", "clerk-own-password-9").user.username == "clerk"


VIEWS = ["dashboard", "documents", "rules", "stations", "faq", "checkup", "terms", "station-types",
         "search", "publish", "versions", "freshness", "conversations", "referrals", "users", "audit",
         "password"]  # fmt: skip


def test_every_view_fits_a_phone(
    admin_site: AdminSite, new_page: Callable[..., Page], artifacts: Path
) -> None:
    page = new_page(390, 844)
    log_in(page, admin_site.url)
    for view in VIEWS:
        page.goto(f"{admin_site.url}/admin#{view}")
        page.wait_for_selector("#main h2")
        page.wait_for_load_state("networkidle")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"#{view} is {wide}px wide on a 390px phone"
    page.goto(f"{admin_site.url}/admin#stations/north-station")
    page.wait_for_selector("#main form.entry-form")
    shot(page, artifacts, "station-form")
