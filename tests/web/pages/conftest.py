"""A browser-like client for the pages: logs in through the login form and posts with the CSRF token."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import PASSWORD
from tests.web.test_identification import forms_dir, world  # noqa: F401  (the real forms; identification deployed)

_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class PageClient:
    """Each request runs in its own app context, as in production (the tests' context would share ``g``)."""

    def __init__(self, app, username: str | None = None) -> None:
        self.app = app
        self.client = app.test_client()
        self.token = ""
        if username:
            response = self.post("/login", {"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.text

    def get(self, url: str, **kwargs):
        with self.app.app_context():
            response = self.client.get(url, **kwargs)
        self._remember_token(response)
        return response

    def post(self, url: str, data=None, **kwargs):
        """Post a form with the session's CSRF token (read from the last page, or the login page)."""
        if not self.token:
            self.get("/login")
        if isinstance(data, list):  # repeated keys: a list of (name, value) pairs
            data = MultiDict([*data, ("csrf_token", self.token)])
        else:
            data = dict(data or {})
            data.setdefault("csrf_token", self.token)
        with self.app.app_context():
            response = self.client.post(url, data=data, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response) -> None:
        match = _TOKEN.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if match:
            self.token = match.group(1)


@pytest.fixture
def pages(app, actors):
    """``pages("cun")`` is a fresh browser session logged in as cun."""
    return lambda username=None: PageClient(app, username)
