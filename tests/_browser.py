"""Find the system Chromium for the Playwright browser test; fail (never skip) with install instructions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# The headless flags the CI box needs: no sandbox (root in a container), no GPU, and nothing that phones home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Debian's /usr/bin/chromium is a shell wrapper; the binary it starts is this one.
_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "/usr/bin/chromium")
INSTALL_HELP = (
    "The browser test needs Chromium and Playwright: `apt-get install -y chromium fonts-wqy-microhei` (Debian, as "
    "root; `make install` does it) and `pip install playwright` (no browser download needed: the system Chromium "
    "is used). Or point $CHROMIUM_PATH at a Chromium binary."
)


def chromium_path() -> str:
    """The Chromium binary to drive: $CHROMIUM_PATH, else the first one found; pytest.fail when there is none."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not Path(configured).is_file():
            pytest.fail(f"$CHROMIUM_PATH={configured!r} is not a file. {INSTALL_HELP}")
        return configured
    for candidate in _CANDIDATES:
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    pytest.fail(f"No Chromium found (tried {', '.join(_CANDIDATES)}). {INSTALL_HELP}")


def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        pytest.fail(f"Playwright is not installed. {INSTALL_HELP}")
    return start()
