"""One user turn through Rasa, shared by every channel: send, convert, store."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from service.chat import Conversion, convert
from service.rasa_client import RasaClient, RasaUnavailableError
from service.redaction import redact
from service.schemas import ChatResponse
from service.store import Store


async def handle_turn(
    rasa: RasaClient, store: Store, *, sender_id: str, message: str, channel: str
) -> ChatResponse:
    """Raises RasaUnavailableError when Rasa cannot answer; channels decide how to apologise."""
    messages = await rasa.send(sender_id, message)
    if not messages:  # Rasa answers [] when its action server or lock store failed mid-turn
        raise RasaUnavailableError("Rasa returned no messages")
    conversion = convert(sender_id, messages)
    await run_in_threadpool(_persist, store, sender_id, message, channel, conversion)
    return conversion.response


def _persist(store: Store, sender_id: str, message: str, channel: str, conversion: Conversion) -> None:
    for referral in conversion.referrals:
        store.add_referral(sender_id, referral)
    # The turn log is for staff review of questions: contact details stay only in consented referrals.
    store.log_turn(sender_id, channel, redact(message), conversion.response.fallback)
