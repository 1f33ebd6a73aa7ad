"""The HMAC signature over what a template was prefilled with, so tampering shows."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def _canonical(round_code: str, unit_code: str, template_version: int, issue_id: int,
               prefill: list[dict[str, Any]]) -> bytes:
    payload = {
        "round": round_code,
        "unit": unit_code,
        "template_version": template_version,
        "issue": issue_id,
        "prefill": prefill,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_prefill(secret: str, *, round_code: str, unit_code: str, template_version: int,
                 issue_id: int, prefill: list[dict[str, Any]]) -> str:
    """Return the hex HMAC-SHA256 of a template's identity and prefilled rows."""
    message = _canonical(round_code, unit_code, template_version, issue_id, prefill)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_holds(secret: str, signature: str, **identity: Any) -> bool:
    """Tell whether `signature` was made with `secret` over exactly this identity and prefill."""
    return signature_matches(sign_prefill(secret, **identity), signature)


def signature_matches(expected: str, signature: str | None) -> bool:
    """Compare a signature with the one expected, in constant time.

    As bytes: a tampered workbook may hold any text there, and compare_digest refuses non-ASCII str.
    """
    return hmac.compare_digest(expected.encode(), (signature or "").encode())
