"""How the report is opened in headless Chromium: shared by the screenshot script and the browser test.

Debian's Chromium, never a browser download; the flags keep it from reaching for the network
at start (background updates, sync), which this machine's closed network would refuse.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
