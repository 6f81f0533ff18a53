"""The browser tests' own set-up: they must fail loudly, never skip, without Chromium."""

from __future__ import annotations

import pytest

from tests.e2e import browser
from tests.e2e.browser import ChromiumMissing, launch_chromium


def test_missing_chromium_is_an_error_that_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(ChromiumMissing, match="apt-get install -y chromium"):
        launch_chromium(playwright=None)
