"""Accessibility checks any browser test can run on the page it is on.

`assert_accessible(page)` runs axe-core (the copy `scripts/vendor_assets.py --test` pins)
and fails on serious or critical violations, naming each rule and the elements it found.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

STATIC = Path(__file__).resolve().parents[2] / "static"
AXE_SCRIPT = STATIC / "vendor" / "axe-core-4.10.3" / "axe.min.js"
# The pages' Content-Security-Policy refuses inline scripts, which is how
# add_script_tag(path=...) injects, so axe loads from the app's own static folder instead.
AXE_URL = "/" + AXE_SCRIPT.relative_to(STATIC.parent).as_posix()
BLOCKING_IMPACTS = ("serious", "critical")


def run_axe(page: Page) -> dict:
    """axe-core's full result for the page as it is now (WCAG 2.x A/AA and best practice)."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(
            f"{AXE_SCRIPT} is missing: run `python scripts/vendor_assets.py --test`."
        )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
    return page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                           "wcag22aa", "best-practice"]},
            resultTypes: ["violations", "passes"]
        })"""
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def assert_accessible(page: Page, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> dict:
    """Fail on axe violations of the given impacts; return the whole result for more checks."""
    results = run_axe(page)
    blocking = [v for v in results["violations"] if v["impact"] in impacts]
    assert not blocking, f"Accessibility violations on {page.url}:\n" + describe_violations(
        blocking
    )
    return results


def rule_checked_elements(results: dict, rule_id: str) -> int:
    """How many elements passed `rule_id`: proof a rule ran on something, not on nothing."""
    return sum(len(rule["nodes"]) for rule in results["passes"] if rule["id"] == rule_id)


# The focus ring of a visually hidden file input is drawn on its label, which looks like
# a button; every other control draws its own.
SHOWN_BY_JS = """(el) => (el.labels && el.labels.length && el.getBoundingClientRect().width <= 1)
    ? el.labels[el.labels.length - 1] : el"""
RING_JS = f"""(el) => {{
    const style = getComputedStyle(({SHOWN_BY_JS})(el));
    return {{outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
             boxShadow: style.boxShadow}};
}}"""
DESCRIBE_JS = """(el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.getAttribute("href") ? `[href="${el.getAttribute("href")}"]` : "")
    + (el.getAttribute("aria-label") ? `[aria-label="${el.getAttribute("aria-label")}"]` : "")"""


def focused_element(page: Page) -> str:
    """A short description of what has focus, such as `input#lat` or `a[href="/about"]`."""
    return page.evaluate(f"() => ({DESCRIBE_JS})(document.activeElement)")


def press_tab_until(page: Page, selector: str, max_presses: int = 60) -> int:
    """Press Tab until the element matching `selector` has focus; return how many presses."""
    stops = []
    for presses in range(1, max_presses + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
        stops.append(focused_element(page))
    raise AssertionError(f"Tab never reached {selector}; it went through {stops}")


# One Tab press of a walk through the page: records how each newly focused element draws
# its focus, and how the element just left draws itself at rest, for comparison.
FOCUS_WALK_STEP_JS = f"""() => {{
    const walk = window.hikwatchFocusWalk ||= {{elements: [], records: [], last: null}};
    const ring = {RING_JS};
    const current = document.activeElement;
    if (walk.last && walk.last !== current) {{
        const record = walk.records[walk.elements.indexOf(walk.last)];
        record.resting ||= ring(walk.last);
    }}
    walk.last = current;
    if (current === document.body || current === walk.elements[0]) {{
        return true;  // off the end of the page, or round to the start again
    }}
    if (!walk.elements.includes(current)) {{
        walk.elements.push(current);
        walk.records.push({{element: ({DESCRIBE_JS})(current), focused: ring(current),
                            resting: null}});
    }}
    return false;
}}"""


# Start the next Tab from the top of the page, wherever focus was: focus a throwaway
# element placed first in the body, then remove it.
RESTART_FOCUS_JS = """() => {
    delete window.hikwatchFocusWalk;
    const start = document.createElement("span");
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
    start.remove();
}"""


def focus_walk(page: Page, max_presses: int = 120) -> list[dict]:
    """Tab through the whole page from the top. For each element that takes focus, the
    style it shows when focused by keyboard and the style it shows at rest."""
    page.evaluate(RESTART_FOCUS_JS)
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS_WALK_STEP_JS):
            return page.evaluate("() => window.hikwatchFocusWalk.records")
    raise AssertionError(f"Focus never left the page after {max_presses} presses of Tab")


def has_visible_focus_ring(style: dict) -> bool:
    outlined = style["outlineStyle"] != "none" and style["outlineWidth"] >= 2
    return outlined or style["boxShadow"] not in ("", "none")


def assert_focus_rings_visible(page: Page, min_stops: int = 5) -> list[dict]:
    """Tab through the page: every stop must show a focus ring that differs from how it
    looks at rest. Returns the stops."""
    stops = focus_walk(page)
    assert len(stops) >= min_stops, f"Suspiciously few focus stops: {stops}"
    invisible = [stop["element"] for stop in stops if not has_visible_focus_ring(stop["focused"])]
    assert not invisible, f"No visible focus ring on {invisible}"
    unchanged = [stop["element"] for stop in stops if stop["focused"] == stop["resting"]]
    assert not unchanged, f"Focus does not change how these look: {unchanged}"
    return stops


# Every form control a person can reach, with the accessible name Chromium would give it
# from its <label>s, aria-labelledby or aria-label (the sources these pages use).
UNLABELLED_CONTROLS_SCRIPT = """() => {
    const controls = document.querySelectorAll(
        "input:not([type=hidden]), select, textarea, button, [role=button]");
    const missing = [];
    for (const control of controls) {
        const fromLabels = Array.from(control.labels || []).map(l => l.textContent).join(" ");
        const fromIds = (control.getAttribute("aria-labelledby") || "").split(/\\s+/)
            .map(id => document.getElementById(id)).filter(Boolean)
            .map(el => el.textContent).join(" ");
        const own = (control.getAttribute("aria-label") || "") + (control.alt || "");
        const buttonText = control.matches("button, [role=button]") ? control.textContent : "";
        if (!(fromLabels + fromIds + own + buttonText).trim()) {
            missing.push(control.outerHTML.slice(0, 120));
        }
    }
    return missing;
}"""


def unlabelled_controls(page: Page) -> list[str]:
    return page.evaluate(UNLABELLED_CONTROLS_SCRIPT)
