"""Login throttling through the API: per account, per address, Retry-After, and the lock kept in the database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from monitoring.models import LoginFailure
from tests.conftest import PASSWORD, START
from web import config
from web.app import create_app
from web.auth.login import client_address
from web.auth.throttle import ACCOUNT_LIMIT, lock_end
from web.config import ConfigError
from web.extensions import db

HERE, THERE = "192.0.2.10", "198.51.100.20"


def token(client, username: str, password: str, address: str = HERE):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def fail(client, username: str, times: int, address: str = HERE) -> list[int]:
    return [token(client, username, "wrong-password", address).status_code for _ in range(times)]


@pytest.fixture
def client(app, actors):
    return app.test_client()


def test_sixty_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(client):
    assert fail(client, "cun", 60) == [401] * 5 + [429] * 55
    response = token(client, "cun", PASSWORD)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_attempts"
    assert response.json["error"]["message"] == "登录失败次数过多，请5 分钟后再试"
    assert response.headers["Retry-After"] == "300" and response.json["error"]["retry_after"] == 300


def test_retry_after_counts_down_by_the_clock_and_the_lock_then_lifts(client, clock):
    fail(client, "cun", 5)
    clock.advance(timedelta(minutes=3, seconds=20))
    response = token(client, "cun", PASSWORD)
    assert response.headers["Retry-After"] == "100" and "2 分钟" in response.json["error"]["message"]
    clock.advance(timedelta(seconds=99))
    assert token(client, "cun", PASSWORD).headers["Retry-After"] == "1"
    clock.advance(timedelta(seconds=1))
    assert token(client, "cun", PASSWORD).status_code == 200


def test_each_further_lock_lasts_twice_as_long(client, clock):
    fail(client, "cun", 5)
    clock.advance(timedelta(minutes=5))
    assert fail(client, "cun", 5) == [401] * 5
    assert token(client, "cun", PASSWORD).headers["Retry-After"] == "600"
    clock.advance(timedelta(minutes=10))
    fail(client, "cun", 5)
    assert token(client, "cun", PASSWORD).headers["Retry-After"] == "1200"


def test_the_account_lock_holds_from_every_address(client):
    fail(client, "cun", 5, HERE)
    assert token(client, "cun", PASSWORD, THERE).status_code == 429
    assert token(client, "cun2", PASSWORD, HERE).status_code == 200  # other accounts from here may log in


def test_a_success_clears_the_account_failures(client):
    assert fail(client, "cun", 4) == [401] * 4
    assert token(client, "cun", PASSWORD).status_code == 200
    assert fail(client, "cun", 4) == [401] * 4
    assert token(client, "cun", PASSWORD).status_code == 200


def test_failures_older_than_the_window_do_not_count(client, clock):
    fail(client, "cun", 4)
    clock.advance(ACCOUNT_LIMIT.window)
    fail(client, "cun", 4)
    assert token(client, "cun", PASSWORD).status_code == 200


def test_twenty_failures_from_one_address_lock_it_and_a_success_there_does_not_reset_it(client):
    assert fail(client, "cun", 4) + [s for i in range(15) for s in fail(client, f"nobody{i}", 1)] == [401] * 19
    assert token(client, "cun", PASSWORD).status_code == 200  # 19: not yet; and this success clears only "cun"
    assert fail(client, "nobody-else", 1) == [401]
    response = token(client, "cun", PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "900"
    assert token(client, "cun", PASSWORD, THERE).status_code == 200  # the account itself is not locked


def test_an_unknown_name_answers_exactly_like_a_real_one(client):
    real = [token(client, "cun", "wrong-password", HERE) for _ in range(6)]
    unknown = [token(client, "no-such-user", "wrong-password", THERE) for _ in range(6)]
    assert [(r.status_code, r.json, r.headers.get("Retry-After")) for r in real] == \
        [(r.status_code, r.json, r.headers.get("Retry-After")) for r in unknown]


def test_a_name_no_account_can_have_is_refused_and_counted_against_the_address(client, session):
    assert fail(client, "x" * 200, 2) == [401, 401]
    assert session.execute(select(LoginFailure.kind, LoginFailure.key)).all() == [("address", HERE)] * 2


def test_a_name_with_nul_is_refused_at_the_door(client, session):
    """PostgreSQL can neither store nor compare NUL: the body is refused before any login rule runs."""
    assert fail(client, "cun\x00", 2) == [422, 422]
    assert session.execute(select(LoginFailure.id)).all() == []


def test_a_lock_holds_in_every_server_process_on_the_database(client, database_url, clock, tmp_path, forms_dir):
    other_process = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                                "FORMS_DIR": str(forms_dir), "DOCUMENTS_DIR": str(tmp_path / "documents")},
                               clock=clock)
    fail(client, "cun", 5)
    assert token(other_process.test_client(), "cun", PASSWORD).status_code == 429
    with other_process.app_context():
        db.engine.dispose()


def test_the_lock_replayed_from_failures_doubles_up_to_the_longest():
    failures: list[datetime] = []
    for _ in range(6):  # a burst of five at the end of each lock
        after = lock_end(failures, ACCOUNT_LIMIT) or START
        failures += [after + timedelta(seconds=i) for i in range(ACCOUNT_LIMIT.threshold)]
    assert lock_end(failures[:4], ACCOUNT_LIMIT) is None
    assert lock_end(failures[:5], ACCOUNT_LIMIT) - failures[4] == ACCOUNT_LIMIT.first_lock
    assert lock_end(failures[:10], ACCOUNT_LIMIT) - failures[9] == 2 * ACCOUNT_LIMIT.first_lock
    assert lock_end(failures, ACCOUNT_LIMIT) - failures[-1] == ACCOUNT_LIMIT.longest_lock


@pytest.mark.parametrize(("proxies", "forwarded", "counted"), [
    (0, "203.0.113.5", "10.0.0.1"),  # no proxy trusted: the header is anyone's to write
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # what the client put in front is not believed
    (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
    (2, "203.0.113.5", "10.0.0.1"),  # fewer entries than proxies: not from our proxies
    (1, "6.6.6.6, 203.0.113.5x" + "9" * 100, "10.0.0.1"),  # no address: not from our proxies either
])
def test_the_counted_address_behind_trusted_proxies(app, proxies, forwarded, counted):
    app.config["TRUSTED_PROXIES"] = proxies
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.1"}, headers={"X-Forwarded-For": forwarded}):
        assert client_address() == counted


def test_behind_a_proxy_one_clients_failures_do_not_lock_the_others(app, client):
    app.config["TRUSTED_PROXIES"] = 1

    def via_proxy(username: str, password: str, forwarded: str):
        return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": forwarded})

    assert {via_proxy(f"nobody{i}", "wrong-password", f"6.6.6.{i}, {HERE}").status_code for i in range(20)} == {401}
    assert via_proxy("cun", PASSWORD, THERE).status_code == 200
    assert via_proxy("cun2", PASSWORD, HERE).status_code == 429


def test_the_trusted_proxies_setting_is_a_count(monkeypatch, tmp_path):
    monkeypatch.setenv("FANGPIN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("FANGPIN_TRUSTED_PROXIES", raising=False)
    assert config.from_environment()["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("FANGPIN_TRUSTED_PROXIES", "2")
    assert config.from_environment()["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("FANGPIN_TRUSTED_PROXIES", "yes")
    with pytest.raises(ConfigError, match="FANGPIN_TRUSTED_PROXIES"):
        config.from_environment()
