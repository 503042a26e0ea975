"""The report rendered in headless Chromium (driven by selenium through the system's chromedriver): every
section, chart and table is on the page, the per-question filter works, nothing is fetched from anywhere."""

from __future__ import annotations

import shutil

import pytest

from ragtune.report import write_report
from ragtune.report.screenshot import find_chromium, screenshot
from serve_helpers import browser as open_browser

from test_report_html import CHARTS, SECTIONS, TABLES

CHROMIUM, CHROMEDRIVER = find_chromium(), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium and chromedriver not installed: `make test` installs them "
           "(apt-get install -y chromium chromium-driver)")


@pytest.fixture
def browser(tmp_path):
    pytest.importorskip("selenium.webdriver", reason="selenium not installed: pip install -e '.[dev]'")
    driver = open_browser(tmp_path, CHROMIUM, CHROMEDRIVER, window="1280,4000")
    yield driver
    driver.quit()


def visible_rows(driver) -> int:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#table-questions tbody tr')).filter(r => !r.hidden"
        " && r.offsetHeight > 0).length")


def test_rendered_report(runs, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    path = write_report(runs[0], after=runs[1])
    browser.get(path.as_uri())
    for sid in SECTIONS:
        assert browser.find_element(By.CSS_SELECTOR, f"section#{sid} > h2").text, sid
    for cid in CHARTS:
        svg = browser.find_element(By.CSS_SELECTOR, f"figure.chart#{cid} svg")
        drawn = browser.execute_script("return arguments[0].querySelectorAll('path, use, text').length", svg)
        assert drawn > 10 and svg.size["width"] > 200 and svg.size["height"] > 100, (cid, drawn, svg.size)
    for tid in TABLES:
        assert len(browser.find_elements(By.CSS_SELECTOR, f"table#{tid} tbody tr")) > 0, tid
    # Nothing loaded besides the page itself: no script, style, font or image from any URL.
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0

    total, count = visible_rows(browser), browser.find_element(By.ID, "q-count")
    assert total == 6 and count.text == "6 of 6 questions"
    box = browser.find_element(By.ID, "q-filter-text")
    box.send_keys("kettle")
    assert visible_rows(browser) == 2 and count.text == "2 of 6 questions"  # price and capacity
    box.clear()
    box.send_keys("nothing matches this")
    assert visible_rows(browser) == 0
    browser.execute_script("const b = document.getElementById('q-filter-text'); b.value = '';"
                           " b.dispatchEvent(new Event('input'));")
    Select(browser.find_element(By.ID, "q-filter-tag")).select_by_value("product")
    assert visible_rows(browser) == 2
    Select(browser.find_element(By.ID, "q-filter-tag")).select_by_value("")
    browser.find_element(By.ID, "q-filter-disagree").click()
    disagree = len(browser.find_elements(By.CSS_SELECTOR, "#table-questions tbody tr[data-disagree='1']"))
    assert 0 < visible_rows(browser) == disagree < total
    # Verdict colours: a correct answer renders green, a wrong one red.
    ok = browser.find_element(By.CSS_SELECTOR, "td.answer.ok").value_of_css_property("background-color")
    bad = browser.find_element(By.CSS_SELECTOR, "td.answer.bad").value_of_css_property("background-color")
    assert ok != bad


def test_escaped_script_in_an_answer_does_not_run(runs, browser):
    from selenium.webdriver.common.by import By

    browser.get(write_report(runs[0]).as_uri())  # ft answered "<script>alert('x')</script> overheated"
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "td.answer .text")]
    assert "<script>alert('x')</script> overheated" in cells
    assert browser.execute_script("return document.scripts.length") == 1


def test_screenshot_of_the_top_of_the_report(runs, tmp_path):
    from PIL import Image

    png = screenshot(write_report(runs[0], after=runs[1]), tmp_path / "shot.png", height=1200)
    with Image.open(png) as image:
        assert image.size == (1280, 1200)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 20  # drawn, not a blank page
    assert png.stat().st_size < 1_000_000
