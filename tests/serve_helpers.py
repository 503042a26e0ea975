"""Starting a real `ragtune serve` app on 127.0.0.1 for tests: a free port, uvicorn in a thread, a small
project over examples/docs/policies with the tiny random llama as generator."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import uvicorn

DOCS = Path(__file__).resolve().parents[1] / "examples" / "docs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def small_project(root: Path, tiny_llama_path: Path, extra: str = "") -> Path:
    """`root` with docs/policies copied in and a ragtune.toml naming the tiny llama; returns the docs folder."""
    shutil.copytree(DOCS / "policies", root / "docs" / "policies")
    (root / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\ndevice = "cpu"\n'
                                       f'[generation]\nmax_new_tokens = 8\n{extra}')
    return root / "docs"


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def browser(tmp_path: Path, chromium: str, chromedriver: str, window: str = "1280,2000"):
    """Headless Chromium driven by selenium through the system's chromedriver (never a downloaded one)."""
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from ragtune.report.screenshot import CHROMIUM_FLAGS

    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--window-size={window}", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
