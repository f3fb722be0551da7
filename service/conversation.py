"""One user turn, shared by every channel: record the intent, send to Rasa, convert, store.

A turn is written as pending before Rasa is asked and recorded (turn log and referrals, one
transaction) after it answered. If that last write fails or the gateway dies in between, the pending
row stays and `recover_pending` later reads Rasa's answer back from its tracker: a referral Rasa has
confirmed to the user is stored exactly once (its key is the turn's), under the reference number the
confirmation gave. A question about a handover by its number (service/handover/) is answered here,
without Rasa, and logged like any turn.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from retrieval.normalize import to_simplified
from service.chat import Conversion, convert, present
from service.checkup_page import CHECKUP_LINK, checkup_path
from service.handover.command import HandoverCommand, read_command
from service.handover.desk import answer as handover_answer
from service.metrics import FALLBACKS, TURNS, UPSTREAM_FAILURES
from service.rasa_client import RasaClient, RasaUnavailableError
from service.redaction import redact
from service.schemas import ChatReply, ChatResponse
from service.store import CONTACT_HIDDEN, PendingTurnRow, Store

log = logging.getLogger(__name__)
CHANNELS = ("web", "wechat")


def conversation_id(channel: str, sender_id: str) -> str:
    """The id Rasa and the store know a sender by: channels live in separate namespaces.

    A website visitor who types a WeChat openid as sender_id reaches "web:<openid>", never the WeChat
    user's conversation.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{channel}:{sender_id}"


async def handle_turn(
    rasa: RasaClient, store: Store, *, sender_id: str, message: str, channel: str
) -> ChatResponse:
    """Raises RasaUnavailableError when Rasa cannot answer; channels decide how to apologise.

    A database that refuses the pending row fails the turn before Rasa is asked (nothing to lose).
    """
    conversation = conversation_id(channel, sender_id)
    message = to_simplified(message)  # NLU learnt simplified Chinese; the pending row matches Rasa's
    turn_key = uuid.uuid4().hex
    command = read_command(message)
    if command is not None:
        return await _answer_command(store, command, sender_id, channel, message, turn_key)
    await run_in_threadpool(store.begin_turn, turn_key, conversation, channel, message)
    try:
        messages = await rasa.send(conversation, message)
    except RasaUnavailableError:
        UPSTREAM_FAILURES.labels("rasa").inc()
        await run_in_threadpool(store.abandon_turn, turn_key)
        raise
    if not messages:  # Rasa answers [] when its action server or lock store failed mid-turn
        UPSTREAM_FAILURES.labels("actions").inc()
        await run_in_threadpool(store.abandon_turn, turn_key)
        raise RasaUnavailableError("Rasa returned no messages")
    conversion = convert(sender_id, messages)
    TURNS.labels(channel).inc()
    if conversion.response.fallback:
        FALLBACKS.labels(channel).inc()
    try:
        renumbered = await run_in_threadpool(
            _record, store, turn_key, conversation, channel, message, messages, conversion.response.fallback
        )
    except SQLAlchemyError as error:
        # The pending row and Rasa's tracker both hold this turn; recovery records it later.
        log.warning("turn %s not recorded yet, left for recovery: %s", turn_key, type(error).__name__)
    else:
        _tell_stored_numbers(conversion.response, renumbered)
    await _link_checkups(store, conversation, conversion)
    return conversion.response.model_copy(update={"turn_id": turn_key})


async def _answer_command(
    store: Store, command: HandoverCommand, sender_id: str, channel: str, message: str, turn_key: str
) -> ChatResponse:
    """A question about a handover by its number: answered from the store, logged like any turn."""
    conversation = conversation_id(channel, sender_id)
    text = await run_in_threadpool(handover_answer, store, conversation, command)
    await run_in_threadpool(store.log_gateway_turn, turn_key, conversation, channel, redact(message), text)
    TURNS.labels(channel).inc()
    return ChatResponse(sender_id=sender_id, replies=[present(ChatReply(text=text))], turn_id=turn_key)


def _tell_stored_numbers(response: ChatResponse, renumbered: dict[str, str]) -> None:
    """A reference number that was already taken (rare) was stored under a new one: say that one."""
    for told, stored in renumbered.items():
        log.warning("reference number taken, stored under a new one")
        for reply in response.replies:
            reply.text, reply.body = reply.text.replace(told, stored), reply.body.replace(told, stored)


async def _link_checkups(store: Store, conversation: str, conversion: Conversion) -> None:
    """Keep each check-up report for the dashboard and its print page, and add the page's link to the
    reply; a report with nothing matched is kept for the dashboard only (no page to print)."""
    for index, report in conversion.checkups:
        try:
            token = await run_in_threadpool(store.add_checkup_report, conversation, report)
        except SQLAlchemyError as error:
            log.warning("check-up report not kept, no print link: %s", type(error).__name__)
            continue
        if not report.get("sections"):
            continue
        reply = conversion.response.replies[index]
        reply.report_url = checkup_path(token)
        reply.text = f"{reply.text}\n{CHECKUP_LINK.format(path=reply.report_url)}"


def _record(
    store: Store,
    turn_key: str,
    conversation: str,
    channel: str,
    message: str,
    messages: list[dict[str, Any]],
    fallback: bool,
) -> dict[str, str]:
    """Returns the reference numbers stored under another number than the one told ({told: stored})."""
    # The turn log is for staff review of questions: contact details stay only in consented referrals.
    conversion = convert(conversation, messages)
    return store.finish_turn(
        turn_key,
        conversation,
        channel,
        redact(message),
        fallback=fallback,
        asked_contact=asks_contact(messages),
        referrals=conversion.referrals,
        answer=_answer_text(messages),
        tier=turn_tier(conversion.response),
    )


def turn_tier(response: ChatResponse) -> str:
    """The turn's answer tier for the dashboard: the best tier among its replies, "" when none had one."""
    tiers = {reply.tier for reply in response.replies}
    return next((tier for tier in ("certain", "closest", "none") if tier in tiers), "")


def _answer_text(messages: list[dict[str, Any]]) -> str:
    """The bot's words for the turn log; a contact question (the read-back repeats the details) is
    not kept."""
    if asks_contact(messages):
        return CONTACT_HIDDEN
    return redact("\n".join(str(m.get("text") or "") for m in messages if m.get("text")))


def asks_contact(messages: list[dict[str, Any]]) -> bool:
    """True when the bot's reply asks for a name, company or phone (the form's `contact_step` marker)."""
    return any(isinstance(m.get("custom"), dict) and m["custom"].get("contact_step") for m in messages)


async def recover_pending(rasa: RasaClient, store: Store, *, min_age_s: float = 60.0) -> int:
    """Records pending turns older than min_age_s from Rasa's tracker; returns how many were settled."""
    cutoff = datetime.now(UTC) - timedelta(seconds=min_age_s)
    settled = 0
    for pending in await run_in_threadpool(store.pending_turns, cutoff):
        try:
            events = await rasa.tracker_events(pending.sender_id)
        except RasaUnavailableError as error:
            log.warning("recovery postponed, Rasa unavailable: %s", error)
            return settled
        messages = bot_messages_after(events, pending.message)
        if messages is None:  # Rasa never saw the message: nothing was confirmed to the user
            await run_in_threadpool(store.abandon_turn, pending.turn_key)
        else:
            await run_in_threadpool(_record_recovered, store, pending, messages)
        settled += 1
    return settled


def _record_recovered(store: Store, pending: PendingTurnRow, messages: list[dict[str, Any]]) -> None:
    conversion = convert(pending.sender_id, messages)
    _record(
        store,
        pending.turn_key,
        pending.sender_id,
        pending.channel,
        pending.message,
        messages,
        conversion.response.fallback,
    )


def bot_messages_after(events: list[dict[str, Any]], text: str) -> list[dict[str, Any]] | None:
    """Rasa's REST-shaped messages answering the last user event with `text`; None when there is none."""
    last = None
    for index, event in enumerate(events):
        if event.get("event") == "user" and event.get("text") == text:
            last = index
    if last is None:
        return None
    messages: list[dict[str, Any]] = []
    for event in events[last + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data") or {}
            messages.append(
                {"text": event.get("text"), "buttons": data.get("buttons"), "custom": data.get("custom")}
            )
    return messages
