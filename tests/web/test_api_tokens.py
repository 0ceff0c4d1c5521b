"""API tokens carry a random per-user session version, never any part of the password hash, and expire by
the engine's clock."""

from __future__ import annotations

import json
from datetime import timedelta

from itsdangerous import URLSafeTimedSerializer

from monitoring.models import User
from tests.web.conftest import ApiClient


def cun(session) -> User:
    return session.query(User).filter_by(username="cun").one()


def test_the_token_payload_holds_the_session_version_and_nothing_of_the_password_hash(api, session):
    token = api("cun").headers["Authorization"].removeprefix("Bearer ")
    _, payload = URLSafeTimedSerializer("any key: the payload is only encoded").loads_unsafe(token)
    user = cun(session)
    assert payload == {"uid": user.id, "sv": user.session_version}
    secret_part = user.password_hash.partition("$")[2]  # salt and digest
    pieces = {secret_part[i:i + 8] for i in range(len(secret_part) - 7)}
    assert not any(piece in token or piece in json.dumps(payload) for piece in pieces)


def test_each_user_has_an_own_random_session_version(session, actors):
    versions = [u.session_version for u in session.query(User)]
    assert len(set(versions)) == len(versions) == len(actors)
    assert all(len(v) == 32 for v in versions)


def test_a_new_password_voids_the_token(api, session):
    client = api("cun")
    assert client.get("/tasks").status_code == 200
    cun(session).set_password("another-pass-2")
    session.commit()
    response = client.get("/tasks")
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_a_token_expires_by_the_engine_clock(app, actors, clock):
    client = ApiClient(app.test_client(), "cun")
    clock.advance(timedelta(seconds=app.config["TOKEN_MAX_AGE"]))
    assert client.get("/tasks").status_code == 200
    clock.advance(timedelta(seconds=1))
    assert client.get("/tasks").status_code == 401


def test_a_token_signed_after_now_by_the_engine_clock_is_refused_though_its_signature_was_checked(app, actors, clock):
    client = ApiClient(app.test_client(), "cun")
    assert client.get("/tasks").status_code == 200  # its signature now checked (and remembered)
    clock.advance(timedelta(seconds=-5))
    assert client.get("/tasks").status_code == 401


def test_a_token_with_our_payload_signed_by_another_key_or_overlong_is_refused(app, actors):
    client = ApiClient(app.test_client(), "cun")
    token = client.headers["Authorization"].removeprefix("Bearer ")
    _, payload = URLSafeTimedSerializer("x").loads_unsafe(token)
    forged = URLSafeTimedSerializer("another key", salt="fangpin-api-token").dumps(payload)
    for bad in (forged, token + "x" * 600):
        client.headers = {"Authorization": f"Bearer {bad}"}
        assert client.get("/tasks").status_code == 401
    client.headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/tasks").status_code == 200
