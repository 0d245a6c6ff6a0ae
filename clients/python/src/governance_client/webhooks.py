"""Verifying a webhook delivery's signature, per the Standard Webhooks specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).

A delivery carries ``webhook-id``, ``webhook-timestamp`` (seconds since the Unix epoch) and ``webhook-signature`` (one or
more space-separated ``v1,<base64 HMAC-SHA256>``) headers; the signed content is ``{id}.{timestamp}.{body}``. The secret is
``whsec_<base64 key>`` as the specification writes it (bytes are used as the key as they are). Subscriptions are set up
by an administrator: see docs/webhooks.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from .errors import VerificationFailed

TOLERANCE_SECONDS = 300


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError("the secret must be whsec_<base64> (as shown when the subscription was made)") from e


def verify_webhook(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> str:
    """Checks a delivery and returns its ``webhook-id`` (de-duplicate on it: deliveries are at least once).

    ``headers`` are matched without regard to case. Raises :class:`VerificationFailed` with code ``webhook_headers_missing``,
    ``webhook_timestamp_invalid``, ``webhook_timestamp_outside_window`` (more than ``tolerance_seconds`` from ``now``: a
    replay) or ``webhook_signature_invalid``. The comparison is constant-time.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, timestamp, signatures = lower.get("webhook-id"), lower.get("webhook-timestamp"), lower.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise VerificationFailed("webhook_headers_missing", "webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        sent = int(timestamp)
    except ValueError as e:
        raise VerificationFailed("webhook_timestamp_invalid", f"webhook-timestamp '{timestamp}' is not an integer") from e
    if abs((time.time() if now is None else now) - sent) > tolerance_seconds:
        raise VerificationFailed("webhook_timestamp_outside_window", f"webhook-timestamp {sent} is outside the {tolerance_seconds} s window")
    expected = base64.b64encode(
        hmac.new(_key(secret), f"{msg_id}.{sent}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id
    raise VerificationFailed("webhook_signature_invalid", "no v1 signature of the delivery matches the secret")
