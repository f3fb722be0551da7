"""Security fixtures: a fake Rasa that echoes what it is sent (markup included) with a cited source."""

from __future__ import annotations

from typing import Any

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


class EchoRasa:
    """Answers like the answer action would: the user's text back, buttons, and a source with markup."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        self.sent.append((sender_id, message))
        source = {
            "title": f"《{HOSTILE}》",
            "number": HOSTILE,
            "snippet": message,
            "url": "javascript:alert(1)",
        }
        return [
            {
                "recipient_id": sender_id,
                "text": f"您问的是：{message}",
                "buttons": [{"title": HOSTILE, "payload": "/x"}],
            },
            {
                "recipient_id": sender_id,
                "custom": {"reply": {"body": f"您问的是：{message}", "sources": [source]}, "fallback": False},
            },
        ]

    async def healthy(self) -> bool:
        return True
