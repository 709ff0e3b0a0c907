"""The site in a real browser: Debian's Chromium driven by Playwright against the live test server.

Under CI a missing Chromium fails these tests; on a developer machine without it they are skipped
with the reason.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from personnel.models import PostType
from personnel.services import person_link_user
from portal.demo import DEMO_PASSWORD
from tests.factories import PersonFactory, UnitFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser(monkeypatch):
    """A Chromium for one test, started after the test database is ready.

    While Playwright's sync API runs, Django's connection handler sees an event loop and hands out
    separate connection objects; starting the browser per test keeps the database set-up and
    teardown (serialized rollback, flush) on the ordinary connection.
    """
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM must still run here. Set for
    # this test only, so subprocesses of other tests (manage.py check --deploy) never inherit it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Close the connections handed out inside Playwright's loop, or PostgreSQL keeps a session
        # open on the test database and it cannot be dropped at the end of the run.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=...) → a page in a fresh context, with a Chinese-language browser."""
    contexts = []

    def _open(**options):
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def _log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_officer_logs_in_through_the_form_and_sees_their_name(live_server, new_page):
    region = UnitFactory(code="120000", name="示例市", kind="region")
    unit = UnitFactory(code="12000001", name="示例市市场监督管理局", kind="department", parent=region)
    person = PersonFactory(name="赵雅琴", unit=unit, post_type=PostType.ENFORCEMENT)
    person_link_user(person=person, user=UserFactory(username="zhao_yaqin", first_name="赵雅琴"))

    page = new_page()
    _log_in(page, live_server.url, "zhao_yaqin", "correct-horse-battery")

    assert page.url == f"{live_server.url}/me/"
    assert page.title().startswith("我的信息")
    assert page.locator("main").inner_text().count("赵雅琴") >= 1
    assert "示例市市场监督管理局" in page.locator("main").inner_text()


def test_wrong_password_in_the_browser_shows_the_chinese_error(live_server, new_page):
    UserFactory(username="somebody")
    page = new_page()
    _log_in(page, live_server.url, "somebody", "wrong-password")
    assert page.locator(".form-error").inner_text() == "用户名或密码不正确，请重新输入。"


def test_site_fits_a_390px_phone_without_horizontal_scrolling(live_server, new_page):
    call_command("seed_demo", stdout=io.StringIO())
    page = new_page(viewport=PHONE)

    def overflow(path: str) -> int:
        page.goto(f"{live_server.url}{path}")
        return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow("/") <= 0
    assert overflow("/accounts/login/") <= 0
    _log_in(page, live_server.url, "officer", DEMO_PASSWORD)
    assert page.url.endswith("/me/")
    assert overflow("/me/") <= 0
    nav_box = page.locator(".main-nav").bounding_box()
    assert nav_box["x"] + nav_box["width"] <= PHONE["width"]


def test_wagtail_admin_login_page_is_in_chinese(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/admin/login/")
    assert "登录" in page.title()
    assert page.locator("button[type=submit]").inner_text().strip() == "登录"
