"""Bearer tokens: issued at random, stored only as a hash, checked on every request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from planround.models import ApiToken, User, utcnow
from planround.server.audit import record
from planround.server.errors import NotFound, Unauthorized

TOKEN_PREFIX = "pr_"


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest we store instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def get_user(session: Session, username: str) -> User:
    """Return the user with this username, or raise NotFound."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("user_not_found", user=username)
    return user


def issue_token(session: Session, *, user: User, days: int) -> str:
    """Create a new token for `user` valid for `days`, store its hash, return it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token),
                         expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return token


def user_for_token(session: Session, token: str | None) -> User:
    """Return the active user a valid, unexpired, unrevoked token belongs to."""
    if not token:
        raise Unauthorized()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at < now):
        raise Unauthorized()
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized()
    return user


def revoke_tokens(session: Session, *, user: User) -> int:
    """Revoke every token of the user that is still valid; return how many."""
    now = utcnow()
    active = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in active:
        token.revoked_at = now
        session.add(token)
    record(session, action="tokens.revoke", user=None, detail={"user": user.username, "count": len(active)})
    session.flush()
    return len(active)
