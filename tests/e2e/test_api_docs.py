"""The API's reading page: Swagger UI, served from this site, renders the description under
the strict Content-Security-Policy, with no policy violation and no console error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import page_log

pytestmark = pytest.mark.e2e

# Registered before any page script runs; Playwright injects it outside the page's policy.
RECORD_VIOLATIONS = """
window.policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.policyViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_the_api_docs_render_with_no_policy_violation_or_console_error(page: Page):
    page.add_init_script(RECORD_VIOLATIONS)
    with page.expect_response(lambda r: r.url.endswith("/api/openapi.json")) as described:
        page.goto("/api/docs")
    assert described.value.ok
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hikwatch London")
    operation = page.locator("#operations-cameras-mapData")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    expect(operation.locator(".parameters-container")).to_contain_text("bbox")
    expect(page.locator("#operations-reports-submitSighting")).to_be_visible()

    assert page.evaluate("window.policyViolations") == []
    console = page_log(page.context).lines
    problems = [line for line in console if line.startswith(("console.error", "console.warning"))]
    assert problems == [], problems
    assert page_log(page.context).blocked_urls == []
