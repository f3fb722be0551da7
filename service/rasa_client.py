"""HTTP client for Rasa's REST channel; the only way the gateway talks to Rasa."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from service.logs import REQUEST_ID_HEADER, current_request_id


class RasaUnavailableError(Exception):
    """Rasa could not be reached or did not answer in time."""


class RasaClient(Protocol):
    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]: ...

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]: ...

    async def healthy(self) -> bool: ...


class HttpRasaClient:
    """Sends one user message to `/webhooks/rest/webhook` and returns Rasa's bot messages.

    `token` is Rasa's `--auth-token`: its HTTP API (trackers) refuses requests without it.
    """

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        token: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._options: dict[str, Any] = {"base_url": base_url, "timeout": timeout_s, "transport": transport}
        self._client = httpx.AsyncClient(**self._options)
        self._token = token
        self._closing: set[asyncio.Task[None]] = set()

    async def _request(self, method: str, url: str, **options: Any) -> httpx.Response:
        client = self._client
        try:
            return await client.request(method, url, **options)
        except httpx.PoolTimeout:
            # httpcore 1.0.x can keep the pool slots of cancelled requests for good (encode/httpcore#1093),
            # after which every request times out waiting for a slot: start a new pool for the next ones.
            if self._client is client:
                self._client = httpx.AsyncClient(**self._options)
                task = asyncio.create_task(client.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
            raise

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        try:
            request_id = current_request_id()
            body: dict[str, Any] = {"sender": sender_id, "message": message}
            if request_id:  # Rasa keeps metadata on the user event: the action server can log the same id
                body["metadata"] = {"request_id": request_id}
            response = await self._request(
                "POST",
                "/webhooks/rest/webhook",
                json=body,
                headers={REQUEST_ID_HEADER: request_id} if request_id else None,
            )
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailableError(f"Rasa request failed: {error!r}") from error
        if not isinstance(data, list):
            raise RasaUnavailableError(f"unexpected Rasa response: {type(data).__name__}")
        return data

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """Every event of one conversation (the recovery of turns the gateway did not record)."""
        params = {"include_events": "ALL", **({"token": self._token} if self._token else {})}
        try:
            response = await self._request(
                "GET", f"/conversations/{quote(sender_id, safe='')}/tracker", params=params
            )
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailableError(f"Rasa tracker request failed: {type(error).__name__}") from error
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list):
            raise RasaUnavailableError("unexpected Rasa tracker response")
        return [event for event in events if isinstance(event, dict)]

    async def healthy(self) -> bool:
        return await probe(self._client, "/")

    async def aclose(self) -> None:
        await self._client.aclose()


async def probe(client: httpx.AsyncClient, url: str) -> bool:
    """True when GET url answers 2xx within the client's timeout."""
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return False
    return response.is_success
