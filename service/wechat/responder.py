"""Answers one WeChat message: dedup, digit options, the Rasa turn, passive reply or message API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from typing import Any

import httpx

from service.chat import BadRasaMessageError
from service.conversation import handle_turn
from service.metrics import WECHAT_DEFERRED
from service.rasa_client import RasaClient, RasaUnavailableError
from service.settings import Settings
from service.store import Store
from service.wechat import text
from service.wechat.api import CustomerServiceApi
from service.wechat.dedup import Answer, Deduplicator, Flight, InMemoryDeduplicator
from service.wechat.errors import WeChatApiError, WeChatApiUnavailableError
from service.wechat.held import HeldReplies
from service.wechat.menu import shipped_clicks
from service.wechat.options import InMemoryOptions, OptionMemory
from service.wechat.parse import Incoming
from service.wechat.split import LIMIT_BYTES, size, split_message

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000  # same limit as the website's /api/chat


class Responder:
    """Channel logic between the webhook router and the shared conversation path."""

    def __init__(
        self,
        *,
        chat_page_url: str,
        dedup: Deduplicator,
        options: OptionMemory,
        api: CustomerServiceApi | None = None,
        http: httpx.AsyncClient | None = None,
        held: HeldReplies | None = None,
        clicks: Mapping[str, str] | None = None,
    ) -> None:
        """clicks: menu event key → the words the click says (default: service/wechat/menu.yml)."""
        self._chat_page_url = chat_page_url
        self._dedup = dedup
        self._options = options
        self._api = api
        self._http = http
        self._background: set[asyncio.Task[None]] = set()
        self._held = held or HeldReplies()
        self._clicks = shipped_clicks() if clicks is None else clicks

    @classmethod
    def from_settings(cls, settings: Settings) -> Responder:
        http = api = None
        if settings.wechat_api_enabled:
            http = httpx.AsyncClient(timeout=5.0)
            api = CustomerServiceApi(
                settings.wechat_api_base_url, settings.wechat_app_id, settings.wechat_app_secret, http
            )
        return cls(
            chat_page_url=settings.chat_page_url,
            dedup=InMemoryDeduplicator(settings.wechat_dedup_ttl_s),
            options=InMemoryOptions(settings.wechat_option_ttl_s),
            api=api,
            http=http,
        )

    async def respond(
        self, incoming: Incoming, rasa: RasaClient, store: Store, *, deadline: float
    ) -> str | None:
        """Passive reply text, or None to answer `success` (nothing to say now, or the API delivers later).

        `deadline` is a loop.time() by which the passive reply must be ready.
        """
        if incoming.kind == "subscribe":
            return text.WELCOME
        if incoming.kind == "click" and incoming.event_key in self._clicks:  # a menu button says its words
            incoming = replace(incoming, kind="text", content=self._clicks[incoming.event_key])
        if incoming.kind in ("click", "event"):  # an unknown button, or an event with nothing to say
            return None
        if incoming.kind == "unsupported":
            return text.ONLY_TEXT
        message = incoming.content.strip()
        if not message:
            return text.EMPTY_MESSAGE
        if len(message) > MAX_MESSAGE_CHARS:
            return text.TOO_LONG
        if self._api is None:
            return await self._respond_passively(incoming, rasa, store, message, deadline)
        flight, _ = self._dedup.start(
            incoming.dedup_key, lambda: self._answer(rasa, store, incoming.openid, message)
        )
        answer = await flight.wait(deadline - asyncio.get_running_loop().time())
        if answer is None:
            if flight.defer():
                WECHAT_DEFERRED.labels("api").inc()
                self._spawn(self._deliver_later(incoming.openid, flight))
            return None
        if flight.deferred:  # an earlier attempt already answered `success`; the API owns delivery
            return None
        if len(answer) > 1 and flight.claim_overflow():
            self._spawn(self._send(incoming.openid, answer[1:]))
        return answer[0]

    async def _respond_passively(
        self, incoming: Incoming, rasa: RasaClient, store: Store, message: str, deadline: float
    ) -> str:
        """Without the message API every reply rides on a user's message: nothing finished is lost.

        「继续」 sends the next part of a long answer; any other message gets, before its own answer,
        the answer to a question that missed its deadline earlier.
        """
        openid = incoming.openid
        if message == text.CONTINUE_WORD:
            following = self._held.next_part(openid)
            if following is not None:
                part, remaining = following
                return part + ("\n\n" + text.MORE_PARTS.format(count=remaining) if remaining else "")
        self._held.drop_more(openid)  # a new question: the rest of the old answer is not wanted
        flight, _ = self._dedup.start(incoming.dedup_key, lambda: self._answer(rasa, store, openid, message))
        answer = await flight.wait(deadline - asyncio.get_running_loop().time())
        late = await self._held.take_late(openid, current=flight)
        sections = [text.LATE_ANSWER.format(answer="\n\n".join(late))] if late else []
        if answer is None:
            WECHAT_DEFERRED.labels("next_message").inc()
            self._held.keep_late(openid, flight)
            sections.append(text.STILL_WORKING)
        else:
            sections.extend(answer)
        return self._first_part_keeping_the_rest(openid, "\n\n".join(sections))

    def _first_part_keeping_the_rest(self, openid: str, reply: str) -> str:
        if size(reply) <= LIMIT_BYTES:  # one message: no room needed for the "继续" hint
            return reply
        hint = text.MORE_PARTS.format(count=99)
        parts = split_message(reply, LIMIT_BYTES - size(hint) - 2)
        if len(parts) == 1:
            return parts[0]
        self._held.keep_more(openid, parts[1:])
        return parts[0] + "\n\n" + text.MORE_PARTS.format(count=len(parts) - 1)

    async def aclose(self, grace_s: float = 5.0) -> None:
        """Let pending deliveries finish (bounded), then close the API client."""
        if self._background:
            _, pending = await asyncio.wait(self._background, timeout=grace_s)
            for task in pending:
                task.cancel()
        if self._http is not None:
            await self._http.aclose()

    async def idle(self) -> None:
        """Wait until every background delivery has finished (tests and shutdown)."""
        while self._background:
            await asyncio.wait(set(self._background))

    async def _answer(self, rasa: RasaClient, store: Store, openid: str, message: str) -> Answer:
        resolved = self._options.resolve(openid, message)
        try:
            response = await handle_turn(rasa, store, sender_id=openid, message=resolved, channel="wechat")
        except (RasaUnavailableError, BadRasaMessageError) as error:
            log.warning("WeChat turn failed: %s", error)
            return (text.RASA_DOWN,)
        rendered = text.render(response, self._chat_page_url)
        self._options.remember(openid, rendered.options)
        if self._api is None:  # split when replying: a late answer may go first
            return (rendered.text,)
        return tuple(split_message(rendered.text))

    async def _deliver_later(self, openid: str, flight: Flight) -> None:
        await self._send(openid, await flight.result())

    async def _send(self, openid: str, parts: Answer) -> None:
        if self._api is None:
            return
        for part in parts:
            try:
                await self._api.send_text(openid, part)
            except (WeChatApiError, WeChatApiUnavailableError) as error:
                log.error("customer-service message failed, %d part(s) not sent: %s", len(parts), error)
                return

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("WeChat background delivery crashed", exc_info=task.exception())
