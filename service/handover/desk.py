"""Answers a handover command from the store: only the sender who made a referral sees or cancels it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.admin.review import local_time
from service.handover.command import HandoverCommand
from service.present.wording import read_wording
from service.store import ReferralRow, Store

CANCELLABLE = ("new", "contacted")


WORDING_FILE = Path(__file__).with_name("wording.yml")


def wording() -> dict[str, Any]:
    return read_wording(WORDING_FILE)


def status_labels() -> dict[str, str]:
    """Referral statuses in Chinese, in their order (新建, 已联系, 已结案, 已取消)."""
    return dict(wording()["status"])


def answer(store: Store, sender_id: str, command: HandoverCommand) -> str:
    """The reply to a command of `sender_id` (channel-qualified: "web:…", "wechat:…")."""
    words = wording()
    if command.kind == "list":
        return _list(store, sender_id)
    if command.kind == "cancel":
        old = store.cancel_referral(sender_id, command.reference, CANCELLABLE)
        if old in CANCELLABLE:
            return str(words["cancelled"]).format(reference=command.reference)
        if old is not None:
            key = "already_cancelled" if old == "cancelled" else "not_cancellable"
            return str(words[key]).format(reference=command.reference)
    row = store.sender_referral(sender_id, command.reference)
    if row is None:  # a wrong number and another person's number read the same
        return str(words["not_found"]).format(reference=command.reference)
    return _found(row)


def _found(row: ReferralRow) -> str:
    words = wording()
    text = str(words["found"]).format(
        reference=row.reference,
        status=status_labels().get(row.status, row.status),
        hint=words["status_hint"].get(row.status, ""),
        created=local_time(row.created_at),
    )
    if row.status in CANCELLABLE:
        text += "\n" + str(words["may_cancel"]).format(reference=row.reference)
    return text


def _list(store: Store, sender_id: str) -> str:
    words = wording()
    rows = store.sender_referrals(sender_id)
    if not rows:
        return f"{words['how']}\n{words['none_here']}"
    lines = [
        str(words["yours_line"]).format(
            reference=row.reference,
            status=status_labels().get(row.status, row.status),
            created=local_time(row.created_at),
        )
        for row in rows
    ]
    return "\n".join([words["how"], words["yours"], *lines])
