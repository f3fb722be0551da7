"""The Official Account's custom menu: read from menu.yml, printed as WeChat's JSON or pushed to its API.

    python -m service.wechat.menu          # print the menu JSON to paste into the 公众号 admin
    python -m service.wechat.menu --push   # create the menu through WeChat's API (app id and secret set)

A CLICK button's key maps to the words it says to the bot (`clicks`), which the responder uses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.settings import Settings
from service.wechat.api import CustomerServiceApi
from service.wechat.errors import WeChatApiError, WeChatApiUnavailableError

MENU_FILE = Path(__file__).with_name("menu.yml")
CHAT_PAGE = "{chat_page}"
# WeChat's limits: 3 top-level buttons of 16 bytes, 5 sub-buttons of 60 bytes, keys of 128 bytes.
TOP_BUTTONS, SUB_BUTTONS = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES = 16, 60


class MenuFormatError(Exception):
    """menu.yml breaks the format or WeChat's limits; names the file, the button and the field."""

    def __init__(self, file: Path, button: str, field: str, message: str) -> None:
        self.file, self.button, self.field = file, button, field
        super().__init__(f"{file}: 按钮“{button}” {field}：{message}")


class Button(BaseModel):
    """One menu button: says words to the bot (key + says), opens a page (url), or holds sub-buttons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    key: str = Field(default="", pattern=r"^[A-Z0-9_]{0,128}$")
    says: str = Field(default="", max_length=200)
    url: str = ""
    sub: list[Button] = Field(default_factory=list)


class Menu(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    menu: list[Button] = Field(min_length=1, max_length=TOP_BUTTONS)


def _problems(button: Button, top: bool) -> list[tuple[str, str]]:
    """(field, Chinese message) for every way one button breaks the rules."""
    problems = []
    limit = TOP_NAME_BYTES if top else SUB_NAME_BYTES
    if len(button.name.encode("utf-8")) > limit:
        problems.append(("name", f"超过{limit}字节（{'一' if top else '二'}级菜单）"))
    actions = [bool(button.key or button.says), bool(button.url), bool(button.sub)]
    if sum(actions) != 1:
        problems.append(("name", "须写 key 和 says、url、sub 三者之一"))
    if bool(button.key) != bool(button.says):
        problems.append(("key" if button.says else "says", "key 和 says 须同时写"))
    if button.url and not (button.url == CHAT_PAGE or button.url.startswith("https://")):
        problems.append(("url", f"应为 https:// 网址或 {CHAT_PAGE}"))
    if button.sub and not top:
        problems.append(("sub", "二级菜单不能再有子菜单"))
    if len(button.sub) > SUB_BUTTONS:
        problems.append(("sub", f"最多{SUB_BUTTONS}个按钮"))
    return problems


def validate(raw: Any, file: Path = MENU_FILE) -> Menu:
    """The menu, or MenuFormatError for its first problem."""
    try:
        menu = Menu.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MenuFormatError(file, where, str(first["loc"][-1]), f"格式不正确（{first['msg']}）") from error
    seen: set[str] = set()
    for top in menu.menu:
        for button, is_top in [(top, True), *((sub, False) for sub in top.sub)]:
            problems = _problems(button, is_top)
            if button.key in seen:
                problems.append(("key", f"重复的 key：{button.key}"))
            if problems:
                raise MenuFormatError(file, button.name, *problems[0])
            seen |= {button.key} - {""}
    return menu


def load(file: Path = MENU_FILE) -> Menu:
    return validate(yaml.safe_load(file.read_text(encoding="utf-8")), file)


def _buttons(menu: Menu) -> list[Button]:
    return [button for top in menu.menu for button in (top, *top.sub)]


def clicks(menu: Menu) -> dict[str, str]:
    """Event key → the words a click says to the bot."""
    return {button.key: button.says for button in _buttons(menu) if button.key}


@lru_cache(maxsize=1)
def shipped_clicks() -> dict[str, str]:
    """The clicks of the shipped menu.yml, read once."""
    return clicks(load())


def wechat_json(menu: Menu, chat_page_url: str) -> dict[str, Any]:
    """The body of WeChat's menu/create call."""

    def one(button: Button) -> dict[str, Any]:
        if button.sub:
            return {"name": button.name, "sub_button": [one(sub) for sub in button.sub]}
        if button.url:
            return {"type": "view", "name": button.name, "url": button.url.replace(CHAT_PAGE, chat_page_url)}
        return {"type": "click", "name": button.name, "key": button.key}

    return {"button": [one(button) for button in menu.menu]}


class MenuApi(CustomerServiceApi):
    """The menu endpoint next to the message API, sharing its access token handling."""

    async def create_menu(self, body: dict[str, Any]) -> None:
        await self._call(
            "POST",
            "/cgi-bin/menu/create",
            params={"access_token": await self.access_token()},
            content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )


async def push(
    settings: Settings, body: dict[str, Any], transport: httpx.AsyncBaseTransport | None = None
) -> None:
    """Create the menu on the Official Account (WeChatApiError / WeChatApiUnavailableError on failure)."""
    async with httpx.AsyncClient(timeout=10.0, transport=transport) as client:
        api = MenuApi(
            settings.wechat_api_base_url, settings.wechat_app_id, settings.wechat_app_secret, client
        )
        await api.create_menu(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.wechat.menu", description="公众号自定义菜单")
    parser.add_argument(
        "--push", action="store_true", help="调用微信菜单接口创建菜单（需要 app id 和 secret）"
    )
    parser.add_argument(
        "--file", type=Path, default=MENU_FILE, help="菜单文件（默认 service/wechat/menu.yml）"
    )
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        menu = load(args.file)
    except MenuFormatError as error:
        print(f"菜单文件有误：{error}", file=sys.stderr)
        return 2
    body = wechat_json(menu, settings.chat_page_url)
    if not settings.public_url and any(button.url == CHAT_PAGE for button in _buttons(menu)):
        print(f"提示：未设置 IPGP_PUBLIC_URL，网页咨询按钮指向 {settings.chat_page_url}", file=sys.stderr)
    if not args.push:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    if not settings.wechat_api_enabled:
        print(
            "未设置 IPGP_WECHAT_APP_ID 和 IPGP_WECHAT_APP_SECRET，无法推送；"
            "请去掉 --push 运行，把打印的JSON贴到公众号后台",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(push(settings, body))
    except (WeChatApiError, WeChatApiUnavailableError) as error:
        print(f"推送失败：{error}", file=sys.stderr)
        return 1
    print(f"已创建公众号菜单（{len(body['button'])}个一级菜单）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
