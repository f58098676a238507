"""Helpers for browser tests."""

import os
import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


def save_screenshot(pg, name):
    """Save a full-page screenshot under test-artifacts/ (and docs/screenshots/ when asked)."""
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / f"{name}.png", SCREENSHOT_DIR / f"{name}.png")


def login(pg, base_url, email, password):
    """Sign in through the real login form."""
    pg.goto(f"{base_url}/accounts/login/")
    pg.fill("input[name=username]", email)
    pg.fill("input[name=password]", password)
    pg.click("form button[type=submit]")
