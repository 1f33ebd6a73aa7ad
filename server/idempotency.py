"""Idempotency keys on writes: a retry with the same key gets the first answer, never a second write.

A client sends `Idempotency-Key: <up to 255 visible ASCII characters>` with a write. The
answer to it is stored in the same transaction as the write, so after a crash there is
either both or neither; the unique (user, key) constraint lets only one of two twins in
flight commit. A key is the calling user's own, and it stays bound to the request it came
with (method, path, query and body): sent again with anything else it is refused (422).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from planround.models import IdempotencyRecord, User, utcnow
from planround.server.errors import BadRequest, IdempotencyKeyReused

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x20-\x7e]{1,255}")


@dataclass(frozen=True)
class StoredAnswer:
    """The answer first given to a request: its HTTP status and JSON body."""

    status: int
    body: str


def parse_key(raw: str | None) -> str | None:
    """Return the key of an Idempotency-Key header, None without one; a 400 when it is malformed.

    The draft standard makes it a structured-field string ("..."); a bare token is taken too.
    """
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not KEY.fullmatch(key) or not key.strip():
        raise BadRequest("invalid_idempotency_key")
    return key


def fingerprint(*, method: str, path: str, query: list[tuple[str, str]], parts: list[tuple[str, bytes]]) -> str:
    """Return the SHA-256 of a request: method, path, query and each named part of its body."""
    digest = hashlib.sha256()
    def encoded(text: str) -> bytes:
        return text.encode("utf-8", "surrogatepass")

    fields = [encoded(method), encoded(path)] + [encoded(f"{name}={value}") for name, value in sorted(query)]
    for name, content in parts:
        fields += [encoded(name), hashlib.sha256(content).digest()]
    for field in fields:  # length-prefixed, so no two different requests run together alike
        digest.update(len(field).to_bytes(8, "big") + field)
    return digest.hexdigest()


def find_answer(session: Session, *, user: User, key: str, fingerprint: str, hours: int) -> StoredAnswer | None:
    """Return the answer stored for the user's key, or None; refuse the key sent with another request.

    A record older than `hours` counts as gone: the key may be used afresh.
    """
    record = session.exec(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key,
        IdempotencyRecord.created_at >= utcnow() - timedelta(hours=hours))).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(method=record.method, path=record.path)
    return StoredAnswer(record.status, record.body)


def remember_answer(session: Session, *, user: User, key: str, method: str, path: str, fingerprint: str,
                    answer: StoredAnswer, hours: int) -> None:
    """Add the answer to the session, to be committed with the write it answers.

    The user's records older than `hours` go in the same transaction: that is how they are purged.
    """
    purge_expired(session, hours=hours, user=user)
    session.add(IdempotencyRecord(user_id=user.id, key=key, method=method[:10], path=path[:1000],
                                  fingerprint=fingerprint, status=answer.status, body=answer.body))


def purge_expired(session: Session, *, hours: int, user: User | None = None) -> int:
    """Delete the records older than `hours`, of one user or of everyone; return how many."""
    expired = delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - timedelta(hours=hours))
    if user is not None:
        expired = expired.where(IdempotencyRecord.user_id == user.id)
    return session.execute(expired).rowcount
