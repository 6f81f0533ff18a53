"""Browser fixtures: one Chromium and one live Hikwatch server per test session.

Each test gets fresh browser contexts (no shared cookies or uploads), sized like a phone
unless it asks otherwise, that may only reach the live server. When a test fails, a
screenshot of each of its pages and their console log go to test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.browser import PHONE, chromium_missing, launch_chromium, new_context, page_log
from tests.e2e.live_server import LiveServer, live_server, seed_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CONTEXTS_KEY = pytest.StashKey[list[BrowserContext]]()

# Fail fast: a step that takes 10 s on this machine is broken, not slow.
STEP_TIMEOUT_MS = 10_000
expect.set_options(timeout=STEP_TIMEOUT_MS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    problem = chromium_missing()
    if problem:
        # A failure, not a skip: a suite that quietly stops testing the pages looks green.
        pytest.fail(problem, pytrace=False)
    chromium = launch_chromium(playwright)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory, migrated_database: Path) -> Iterator[LiveServer]:
    """One server for the session. Tests find their own rows by reference or upload id,
    so they never depend on what other tests stored."""
    with live_server(tmp_path_factory.mktemp("live-server"), migrated_database) as running:
        yield running


@pytest.fixture(scope="session")
def seeded_reference(server: LiveServer) -> str:
    """A pending report submitted before any browser opens, for pages that show one."""
    return seed_report(server.app)


@pytest.fixture
def make_context(
    request: pytest.FixtureRequest, browser: Browser, server: LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (phone-sized by default; pass device=DESKTOP or any
    new_context option) that are closed, and reported on failure, with the test."""
    contexts: list[BrowserContext] = []
    request.node.stash[CONTEXTS_KEY] = contexts

    def open_context(device: dict = PHONE, **options) -> BrowserContext:
        context = new_context(browser, server.url, device, **options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    errors = [error for context in contexts for error in page_log(context).page_errors]
    for context in contexts:
        context.close()
    # Checked for every test: a page that throws has a bug even if the journey got through.
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(make_context: Callable[..., BrowserContext]) -> Page:
    """A phone-sized page."""
    return make_context().new_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep a screenshot and the console log of every page of a failed test."""
    report = yield
    if report.failed and report.when == "call":
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
        written = []
        for number, context in enumerate(item.stash.get(CONTEXTS_KEY, [])):
            written += page_log(context).save(ARTIFACTS, f"{stem}-context{number}")
        if written:
            report.sections.append(("browser artifacts", "\n".join(str(path) for path in written)))
    return report
