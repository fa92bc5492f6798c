"""Browser fixtures: the real server (`python main.py serve`, granian) on a free loopback
port, headless Debian Chromium driven by Playwright, and axe-core.

The server shares the test run's database and Redis, so the autouse `clean` fixture of
`tests/conftest.py` empties them before every test; the `edition` fixture re-creates the
current edition afterwards (the app seeds it only at its start-up).

Browser tests are skipped, with the reason, when /usr/bin/chromium is not installed
(`apt-get install chromium`). `playwright install` is never used.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import ENGINE
from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIP_REASON = f"no Chromium at {CHROMIUM} (install Debian's: apt-get install -y chromium)"
STAFF_EMAIL = "ada@example.org"
STAFF_NAME = "Ada Lovelace"
STAFF_PASSWORD = "correct horse battery staple"


def _axe_script() -> Path:
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).resolve().parent / "axe.min.js"


AXE_JS = _axe_script()


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test; without Chromium they are skipped.
    They run in one pass of `python -m tests`, the embedded one (which always runs): what they
    check — pages, forms, keyboard, axe-core — is the same on either engine, and what each page
    does to the data is tested on both by the page and API tests. That saves CI about four
    minutes; PRIZES_TEST_BROWSER_ON_POSTGRES=1 runs them in the PostgreSQL pass too."""
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason=SKIP_REASON)
    once = pytest.mark.skip(reason="browser tests run in the embedded pass (PRIZES_TEST_BROWSER_ON_POSTGRES=1: here too)")
    in_this_pass = ENGINE != "postgres" or os.environ.get("PRIZES_TEST_BROWSER_ON_POSTGRES") == "1"
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)
            elif not in_this_pass:
                item.add_marker(once)


@pytest.fixture(scope="package")
def live_server(database, redis_url):
    """The base URL of the site served by `python main.py serve` (granian, one worker) on a
    free loopback port, with the test run's database and Redis.

    Package scope: the server stops once the browser tests are done. It shares the database,
    and its mail worker would otherwise go on delivering (taking) the mails that later tests
    queue and deliver themselves."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    settings = Settings.from_env()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        REDIS_URL=redis_url,
        PRIZES_VAR_DIR=str(settings.var_dir),
        BASE_URL=base_url,
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
        # No phase ticker: tests move phases themselves and empty the tables between tests.
        PHASE_TICK_SECONDS="0",
        # No edition cache: tests change the database directly between pages.
        EDITION_CACHE_SECONDS="0",
        # Pages stay kept as in production, but the public version is read at every request:
        # the tests empty Redis (the version with it) between tests, and a page kept for the
        # previous test must not be served in the half second a worker trusts its last reading
        # (seen once: the catalogue of a voting edition shown to the next test's submission phase).
        PUBLIC_VERSION_SECONDS="0",
        # The mail worker runs (0 would turn it off): queued mails are delivered to the
        # outbox under PRIZES_VAR_DIR (no SMTP server), and their links start with BASE_URL.
        MAIL_POLL_SECONDS="0.5",
        SMTP_URL="",
        PYTHONUNBUFFERED="1",
    )
    log_path = settings.var_dir / f"browser-server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with serving("--no-migrate", "--workers", "1", env=env, port=port, ready_path="/static/site.css",
                 log_path=log_path) as (_base, process):
        yield base_url
    if process.returncode not in (0, -signal.SIGINT):
        print(f"server exit status {process.returncode}; log:\n{log_path.read_text(errors='replace')[-4000:]}",
              file=sys.stderr)


@pytest.fixture(scope="package")
async def browser(live_server):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser, live_server, edition):
    """A fresh browser context (no cookies), English, with the current edition in place."""
    # bypass_csp: axe-core is injected as an inline script, which the pages' CSP forbids.
    context = await browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900},
                                        bypass_csp=True)
    context.set_default_timeout(15_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest.fixture
async def edition(clean) -> int:
    """The current edition, re-created after `clean` emptied the tables. Its year."""
    from core.clock import utcnow
    from prizes.editions.services import ensure_current_edition

    now = utcnow()
    await ensure_current_edition(now)  # False only when the server's start-up just seeded it
    return now.year


@pytest.fixture
async def staff(clean):
    """A verified staff account (cheap argon2 parameters: the server verifies with its own)."""
    from accounts.passwords import Passwords
    from accounts.services import create_user

    return await create_user(
        Passwords(1, 1024, 1), STAFF_EMAIL, STAFF_PASSWORD, STAFF_NAME, verified=True, roles=("staff",)
    )


async def tab_to(page, selector: str, limit: int = 40) -> int:
    """Press Tab until the focused element matches `selector`; the number of presses."""
    for presses in range(1, limit + 1):
        await page.keyboard.press("Tab")
        if await focused(page, selector):
            return presses
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


async def focused(page, selector: str) -> bool:
    return await page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v.get("nodes", []):
            target = " ".join(json.dumps(t) if not isinstance(t, str) else t for t in node.get("target", []))
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


async def axe_results(page) -> dict:
    """axe-core's results for the page as it is now, with its default rule set (WCAG 2 A
    and AA, colour contrast included, and best practices)."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE_JS))
    return await page.evaluate("async () => await window.axe.run()")


async def axe_violations(page) -> list[dict]:
    return (await axe_results(page))["violations"]


async def _assert_accessible(page, what: str) -> None:
    violations = await axe_violations(page)
    assert not violations, f"axe found {len(violations)} violation(s) on {what} ({page.url}):\n{_describe(violations)}"


@pytest.fixture
def assert_accessible():
    """`await assert_accessible(page, "what")`: axe-core finds no violation on the page."""
    return _assert_accessible
