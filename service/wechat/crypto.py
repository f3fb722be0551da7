"""Safe-mode (AES) message crypto through wechatpy, with our constant-time msg_signature check."""

from __future__ import annotations

import base64
import binascii
import struct

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from service.wechat.errors import BadMessageError, NotConfiguredError
from service.wechat.signature import verify


class MessageCrypto:
    """Decrypts incoming `Encrypt` values and encrypts passive replies for one Official Account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as error:
            raise NotConfiguredError("EncodingAESKey is not valid base64") from error
        if len(key) != 32 or not app_id:
            raise NotConfiguredError("safe mode needs a 43-character EncodingAESKey and the AppID")
        self._token = token
        self._key = key
        self._app_id = app_id
        self._wechat = WeChatCrypto(token, encoding_aes_key, app_id)

    def decrypt(self, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """Check msg_signature first (SignatureError), then decrypt to the inner XML (BadMessageError)."""
        verify(msg_signature, self._token, timestamp, nonce, encrypted)
        try:
            return str(PrpCrypto(self._key).decrypt(encrypted, self._app_id))
        except InvalidAppIdException as error:
            raise BadMessageError("message was encrypted for another AppID") from error
        except (ValueError, IndexError, struct.error) as error:  # base64, padding, length, UTF-8
            raise BadMessageError(f"cannot decrypt message: {type(error).__name__}") from error

    def encrypt(self, reply_xml: str, nonce: str, timestamp: str) -> str:
        """The encrypted envelope (<Encrypt>, <MsgSignature>, <TimeStamp>, <Nonce>) for a passive reply."""
        return str(self._wechat.encrypt_message(reply_xml, nonce, timestamp))
