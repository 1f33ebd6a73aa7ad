"""Tokens: who the caller is, and a clear 401 when we cannot tell."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sqlmodel import Session, select

from planround.models import ApiToken, User, utcnow
from planround.server.auth import hash_token


def test_me_names_the_caller_and_their_roles(client, world):
    answer = client.get("/api/v1/me", headers=world.auth("economist"))
    assert answer.status_code == 200
    assert answer.json["username"] == "eva.ekonom"
    assert answer.json["roles"] == [{"role": "economist", "unit": "D101",
                                     "unit_name": "Institutionen för data"}]


def test_a_request_without_a_token_gets_401_in_swedish(client, world):
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401
    assert "token" in answer.json["message"] and "inte inloggad" in answer.json["message"]


def test_an_unknown_token_gets_401(client, world):
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer pr_nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_only_the_hash_of_a_token_is_stored(world, engine):
    with Session(engine) as session:
        hashes = set(session.exec(select(ApiToken.token_hash)).all())
    assert world.tokens["economist"] not in hashes
    assert hash_token(world.tokens["economist"]) in hashes


def test_an_expired_or_revoked_token_gets_401(client, world, engine):
    with Session(engine) as session:
        rows = {r.token_hash: r for r in session.exec(select(ApiToken)).all()}
        expired = rows[hash_token(world.tokens["economist"])]
        expired.expires_at = utcnow() - timedelta(seconds=1)
        revoked = rows[hash_token(world.tokens["head"])]
        revoked.revoked_at = utcnow()
        session.add_all([expired, revoked])
        session.commit()
    assert client.get("/api/v1/me", headers=world.auth("economist")).status_code == 401
    assert client.get("/api/v1/me", headers=world.auth("head")).status_code == 401


def test_a_deactivated_user_gets_401(client, world, engine):
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "eva.ekonom")).one()
        user.active = False
        session.add(user)
        session.commit()
    assert client.get("/api/v1/me", headers=world.auth("economist")).status_code == 401


def test_an_unknown_route_answers_json_404(client, world):
    answer = client.get("/api/v1/nothing-here", headers=world.auth("economist"))
    assert answer.status_code == 404
    assert answer.json["error"] == "not_found"


def test_repeated_wrong_tokens_from_one_address_are_slowed_down(app, client, world):
    limit = app.extensions["planround"]["settings"].login_failures
    for _ in range(limit):
        assert client.get("/api/v1/me", headers={"Authorization": "Bearer pr_guess"}).status_code == 401
    blocked = client.get("/api/v1/me", headers={"Authorization": "Bearer pr_guess"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "sekunder" in blocked.json["message"]
    # Even the right token waits: the address is what is slowed down, not the token.
    assert client.get("/api/v1/me", headers=world.auth("economist")).status_code == 429
    other = client.get("/api/v1/me", headers=world.auth("economist"), environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200


def test_the_throttle_forgets_failures_after_the_window():
    from planround.server.errors import TooManyRequests
    from planround.server.throttle import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(limit=2, window_seconds=60, clock=lambda: now[0])
    throttle.record_failure("a")
    throttle.record_failure("a")
    with pytest.raises(TooManyRequests):
        throttle.check("a")
    now[0] = 61.0
    throttle.check("a")
