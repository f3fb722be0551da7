"""Customer-service message API client with a cached, refreshed access token."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from service.wechat.errors import WeChatApiError, WeChatApiUnavailableError
from service.wechat.reply import clean

# errcodes meaning "this access token is no longer valid": refresh once and retry.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})


class CustomerServiceApi:
    """Sends text messages to a user outside the passive-reply window."""

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._client = client
        self._clock = clock
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def access_token(self, *, rejected: str = "") -> str:
        """Cached until shortly before WeChat's expires_in; one fetch even when many sends wait.

        `rejected` is a token WeChat refused: it is replaced unless another send already did that.
        """
        async with self._lock:
            if self._token and self._clock() < self._expires_at and self._token != rejected:
                return self._token
            data = await self._call(
                "GET",
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self._app_id, "secret": self._app_secret},
            )
            token = data.get("access_token")
            expires_in = data.get("expires_in", 7200)
            if not isinstance(token, str) or not token or not isinstance(expires_in, int):
                raise WeChatApiUnavailableError("token response without access_token")
            self._token = token
            self._expires_at = self._clock() + expires_in - min(300, expires_in / 10)
            return token

    async def send_text(self, openid: str, content: str) -> None:
        body = {"touser": openid, "msgtype": "text", "text": {"content": clean(content)}}
        token = await self.access_token()
        try:
            await self._send(token, body)
        except WeChatApiError as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
            await self._send(await self.access_token(rejected=token), body)

    async def _send(self, token: str, body: dict[str, Any]) -> None:
        await self._call(
            "POST",
            "/cgi-bin/message/custom/send",
            params={"access_token": token},
            content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(method, self._base_url + path, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise WeChatApiUnavailableError(f"{path}: {error!r}") from error
        if not isinstance(data, dict):
            raise WeChatApiUnavailableError(f"{path}: answer is not a JSON object")
        errcode = data.get("errcode", 0)
        if errcode:
            code = errcode if isinstance(errcode, int) else -1
            raise WeChatApiError(code, str(data.get("errmsg", "")))
        return data
