"""A reviewer in a real browser: headless Chromium (Debian's package) driven by Playwright, against the
real server. Signs in, approves through the review page using the keyboard, and an admin then sees the
audit entry. Also checks that the strict Content-Security-Policy blocks nothing the pages need."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance import reviews
from tests.plugins.services import require_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    require_or_skip(
        os.path.exists(CHROMIUM) or shutil.which("chromium") is not None,
        "Debian's chromium is not installed (scripts/system-deps.sh installs it)",
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{base}/reviews/")


def test_a_reviewer_approves_in_the_browser_and_the_admin_sees_the_audit_entry(
    browser, live_server, brand_reviewer, admin_member, make_output, submit, tmp_path: Path
):
    # given an output waiting for the brand stage
    output = make_output(prompt="a red bicycle on a beach", kind="generative")
    review = submit(output, comment="hero banner").json()
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)

    # when the brand reviewer signs in, the queue lists the review
    _sign_in(page, base, "brand", "pw-brand")
    assert page.get_by_role("heading", name="Waiting for you (1)").is_visible()
    link = page.get_by_role("link", name=output.title)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/reviews/acme/{review['id']}/")

    # and the review page shows the output beside its source, both loaded, with the prompt
    images = page.locator("figure img")
    assert images.count() == 2
    for i in range(2):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.get_by_text("a red bicycle on a beach").is_visible()
    # the stylesheet applied (a static file, allowed by the CSP): the skip link is moved off-screen
    assert page.locator(".skip-link").evaluate("el => getComputedStyle(el).position") == "absolute"

    # when they approve with the keyboard only: radio, comment, submit
    page.get_by_label("Approve").check()
    page.get_by_label("Comment").fill("On brand, colours match the guide.")
    page.screenshot(path=str(tmp_path / "review-page.png"), full_page=True)
    page.get_by_role("button", name="Record decision").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then the page confirms it, and the review moved on to the legal stage
    expect(page.get_by_role("status")).to_contain_text("Approve: recorded for the brand stage")
    expect(page.locator(".status-line")).to_contain_text("current stage: legal")
    summary = reviews.review_summary(output)
    assert summary["stages"][0]["approved_by"] == ["brand"]
    assert summary["decisions"][0]["comment"] == "On brand, colours match the guide."

    # and an admin sees the audit entry on the audit page
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _sign_in(page, base, "boss", "pw-boss")
    page.goto(f"{base}/audit/acme/")
    page.get_by_label("Event action").fill("review.approve")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    row = page.locator("#events tbody tr").first
    expect(row).to_contain_text("review.approve")
    expect(row).to_contain_text("brand")
    expect(row).to_contain_text("On brand, colours match the guide.")
    page.screenshot(path=str(tmp_path / "audit-page.png"), full_page=True)
    assert blocked == []
    context.close()
    if os.environ.get("PHOTAI_KEEP_SCREENSHOTS"):
        target = Path(os.environ["PHOTAI_KEEP_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        for png in tmp_path.glob("*.png"):
            shutil.copy(png, target / png.name)


def test_a_failed_sign_in_in_the_browser_is_announced_and_audited(browser, live_server, brand_reviewer):
    from django.core.cache import cache

    from governance.audit.models import AuditEvent

    cache.clear()  # earlier tests' failures from this address must not count against this one
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("brand")
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("Your username and password did not match")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    assert AuditEvent.objects.filter(action="auth.login_failed", object_id="brand").exists()
