"""WeChat signatures: sha1 over the sorted parts, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from service.wechat.errors import SignatureError


def sign(*parts: str) -> str:
    """sha1 hex digest of the parts sorted and concatenated (WeChat's scheme for both signatures)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def verify(signature: str, *parts: str) -> None:
    """Raise SignatureError unless `signature` equals sign(*parts); never short-circuits on content."""
    expected = sign(*parts).encode("ascii")
    if not hmac.compare_digest(expected, signature.lower().encode("utf-8", "replace")):
        raise SignatureError("signature mismatch")


def verify_url(token: str, signature: str, timestamp: str, nonce: str) -> None:
    """The `signature` query parameter every WeChat request carries: sha1(sorted token, timestamp, nonce)."""
    verify(signature, token, timestamp, nonce)
