"""Fixtures for the real-browser tests: one Streamlit server and one Chromium per session, a fresh context per test.

The server is ``python -m streamlit run app.py`` from the repository root on 127.0.0.1 and a free port; its output
goes to ``test-artifacts/e2e-streamlit.log``. The browser is Debian's ``/usr/bin/chromium`` driven by Playwright
(``playwright install`` cannot download browsers here). A test that fails leaves a screenshot of its page in
``test-artifacts/FAILED-<test>.png``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
HOST = "127.0.0.1"
SERVER_START_TIMEOUT = 90.0
VIEWPORT = {"width": 1400, "height": 900}


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives the app in a real browser (deselect with -m 'not e2e')")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def streamlit_command(script: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> None:
    """End the server and whatever it started (its own process group: kaleido's browser, say)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextlib.contextmanager
def serve(script: str, log_path: Path):
    """``streamlit run script`` from the repository root on a free loopback port; yields its base URL once
    /_stcore/health answers, and stops it (and its children) on exit, also on failure."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            streamlit_command(script, port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode} before serving:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {SERVER_START_TIMEOUT:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.1)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def app_url(artifacts) -> str:
    """Base URL of the app, served for the whole session."""
    with serve("app.py", artifacts / "e2e-streamlit.log") as url:
        yield url


@pytest.fixture
def fresh_app_url(artifacts) -> str:
    """A server of its own, just started, that no session has visited yet."""
    with serve("app.py", artifacts / "e2e-streamlit-fresh.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    assert os.path.exists(CHROMIUM), (
        f"{CHROMIUM} not found: the browser tests need Debian's chromium. Install it with "
        "`apt-get install chromium` (`playwright install` cannot download browsers here)."
    )
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture
def new_page(browser, request, artifacts):
    """A factory of pages, each in its own browser context (so its own Streamlit session); closed after the
    test, with a screenshot of each if the test failed."""
    contexts = []

    def make(viewport: dict | None = None):
        ctx = browser.new_context(viewport=viewport or VIEWPORT, accept_downloads=True)
        ctx.set_default_timeout(30_000)
        ctx.set_default_navigation_timeout(60_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for i, ctx in enumerate(contexts):
        if failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
            for j, pg in enumerate(ctx.pages):
                try:
                    pg.screenshot(path=str(artifacts / f"FAILED-{name}-{i}{j}.png"), full_page=True)
                except PlaywrightError:  # the page may be gone; the report matters more than the picture
                    continue
        ctx.close()


@pytest.fixture
def page(new_page):
    """A fresh page (own context and session) at the desktop viewport."""
    return new_page()
