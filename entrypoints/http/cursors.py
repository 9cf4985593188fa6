"""Sync cursors: the owner's position and when it was issued, signed for that owner alone.

A cursor is 16 bytes of payload and a 16-byte HMAC-SHA256 tag over the owner id and the payload,
base64url without padding. The key is derived from BETTER_AUTH_SECRET; another user's cursor, an
altered one or garbage fails verification, which the API answers like an expired cursor (410).
It carries only the caller's own numbers, never another user's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import UTC, datetime
from typing import Final

from domain.changes import CursorExpired, SyncPoint

_PAYLOAD: Final = struct.Struct(">QQ")  # position, issued at (Unix milliseconds)
_TAG_BYTES: Final = 16
_PURPOSE: Final = b"todo-api sync cursor v1"


class CursorCodec:
    def __init__(self, secret: str) -> None:
        # A key of its own, so that a cursor is never also a valid signature of anything else.
        self._key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()

    def encode(self, owner_id: str, point: SyncPoint) -> str:
        payload = _PAYLOAD.pack(point.position, int(point.issued_at.timestamp() * 1000))
        raw = payload + self._tag(owner_id, payload)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def decode(self, owner_id: str, cursor: str) -> SyncPoint:
        """Raises CursorExpired for anything that is not a cursor we issued to this owner."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise CursorExpired() from None
        payload, tag = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        if len(raw) != _PAYLOAD.size + _TAG_BYTES or not hmac.compare_digest(
            tag, self._tag(owner_id, payload)
        ):
            raise CursorExpired()
        position, issued_ms = _PAYLOAD.unpack(payload)
        return SyncPoint(position, datetime.fromtimestamp(issued_ms / 1000, UTC))

    def _tag(self, owner_id: str, payload: bytes) -> bytes:
        # The owner id is length-prefixed, so no two (owner, payload) pairs sign the same bytes.
        message = len(owner_id.encode()).to_bytes(2, "big") + owner_id.encode() + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_TAG_BYTES]
