"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.

Screenshots of each step go to tests/artifacts/ (ignored by git).
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import need_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"


@pytest.fixture(autouse=True)
def _catalogue_first(catalogue):
    """Browser tests run on a transactional database; the catalogue comes back first."""


@pytest.fixture(scope="session")
def browser_type_launch_args():
    need_service("Chromium", os.path.exists(CHROMIUM), f"install Debian's chromium at {CHROMIUM}")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot named after the test and the step."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> Path:
        path = folder / f"{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(live_server):
    def log_in_as(page, username: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")

    return log_in_as


@pytest.fixture
def log_out():
    def log_out_of(page):
        page.get_by_role("button", name=re.compile("Signed in as")).click()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(re.compile(r"/accounts/login/"))

    return log_out_of
