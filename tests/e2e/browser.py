"""Debian's Chromium under Playwright: launch it, size it like a phone, keep it on this machine.

Shared by the browser tests and `scripts/screenshots.py`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Route

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A mid-size phone (iPhone 12–15 class) and an ordinary laptop window.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}


class ChromiumMissing(RuntimeError):
    pass


def chromium_missing() -> str | None:
    """Why the browser cannot start, with what to do about it; None when it can."""
    if os.path.exists(CHROMIUM):
        return None
    return (
        f"The browser tests need Chromium at {CHROMIUM} (Playwright cannot download its own "
        "browser here). Install it with `sudo apt-get install -y chromium`, or run "
        "`python scripts/install_browser.py` as root."
    )


def launch_chromium(playwright: Playwright) -> Browser:
    problem = chromium_missing()
    if problem:
        raise ChromiumMissing(problem)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass
class PageLog:
    """What the pages of one browser context said and tried: kept for failure reports."""

    pages: list[Page] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_urls: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        self.pages.append(page)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        self.lines.append(f"console.{message.type}: {message.text}  ({message.location})")

    def _page_error(self, error: Exception) -> None:
        self.page_errors.append(str(error))
        self.lines.append(f"uncaught error: {error}")

    def _request_failed(self, request) -> None:
        self.lines.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def save(self, folder: Path, stem: str) -> list[Path]:
        """A full-page screenshot of every open page, and the log; returns the files written."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for number, page in enumerate(self.pages):
            if page.is_closed():
                continue
            path = folder / f"{stem}-page{number}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=5000)
                written.append(path)
            except Exception as error:  # a crashed page must not hide the test's own failure
                self.lines.append(f"screenshot of page {number} failed: {error}")
        log = folder / f"{stem}-console.log"
        urls = [f"{page.url}" for page in self.pages if not page.is_closed()]
        blocked = [f"blocked off-site request: {url}" for url in self.blocked_urls]
        log.write_text("\n".join([*(f"page: {url}" for url in urls), *self.lines, *blocked]) + "\n")
        written.append(log)
        return written


def new_context(browser: Browser, origin: str, device: dict, **options) -> BrowserContext:
    """A fresh profile that may only talk to `origin`; every other request is aborted."""
    # A London resident's phone: British dates in the date picker, London time.
    settings = {"locale": "en-GB", "timezone_id": "Europe/London", **device, **options}
    context = browser.new_context(base_url=origin, **settings)
    log = PageLog()
    context.on("page", log.watch)

    def keep_local(route: Route) -> None:
        if route.request.url.startswith(origin + "/"):
            route.fallback()
        else:
            log.blocked_urls.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", keep_local)
    context.page_log = log  # type: ignore[attr-defined]  # read back by page_log()
    return context


def page_log(context: BrowserContext) -> PageLog:
    return context.page_log  # type: ignore[attr-defined]
