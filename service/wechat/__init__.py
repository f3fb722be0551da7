"""WeChat Official Account channel: signatures, crypto, parsing, replies, dedup and the message API."""
