"""Playwright driving Debian's Chromium against ``fangpin serve``; screenshots land in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                                                   "--lang=zh-CN"])
        try:
            yield browser
        finally:
            browser.close()


def open_window(browser: Browser, root: str, username: str, password: str, phone: bool = False) -> Page:
    """A separate browser window (its own cookies) logged in as ``username`` through the login page."""
    context = browser.new_context(base_url=root, viewport=PHONE if phone else DESKTOP, is_mobile=phone,
                                  has_touch=phone, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/tasks/")
    return page


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
