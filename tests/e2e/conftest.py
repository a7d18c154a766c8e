"""Fixtures the browser tests share: headless Chromium per test module, and fresh pages in it."""

from __future__ import annotations

import pytest

from .browser import DESKTOP, launch_browser


@pytest.fixture(scope="module")
def browser():
    pw, chromium = launch_browser()
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture
def open_page(browser):
    """``open_page(**context_options)``: a page in a fresh context (own cookies); closed after the test."""
    contexts = []

    def make(**opts):
        ctx = browser.new_context(locale="vi-VN", **(opts or DESKTOP))
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
