"""The page of `ragtune serve` in headless Chromium (selenium, the system's chromedriver) against a real server
on 127.0.0.1 (tiny random llama, so the answers are gibberish: the wiring is checked, not the answers): it
loads nothing from elsewhere, asks every checked variant side by side with sources, timings and tokens,
uploads, finds and deletes a document, and asks for the API key when the server needs one."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.report.screenshot import find_chromium
from ragtune.serve import create_app
from serve_helpers import browser as open_browser
from serve_helpers import serving as serve_app
from serve_helpers import small_project

KEYS_ENV = "RAGTUNE_TEST_PAGE_KEYS"
KEY = "page-key-1"
WAIT_S = 60

CHROMIUM, CHROMEDRIVER = find_chromium(), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium and chromedriver not installed: `make test` installs them "
           "(apt-get install -y chromium chromium-driver)")


def make_project(root: Path, generator: Path) -> Project:
    """examples/docs/policies copied into `root/docs` and ingested; the tiny llama answers in 8 tokens."""
    docs = small_project(root, generator)
    proj = Project(root)
    proj.ingest(docs)
    return proj


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_llama_path):
    return make_project(tmp_path_factory.mktemp("page"), tiny_llama_path)


@contextmanager
def serving(proj: Project, keys: str = ""):
    """The app on a free loopback port, with `keys` (comma-separated) in the environment at creation."""
    os.environ[KEYS_ENV] = keys
    try:
        app = create_app(proj, ServeSettings(api_key_env=KEYS_ENV, max_tokens=16), ["base", "rag"],
                         documents=proj.settings.root / "docs")
    finally:
        del os.environ[KEYS_ENV]
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def server(project):
    with serving(project) as url:
        yield url


@pytest.fixture
def browser(tmp_path):
    pytest.importorskip("selenium.webdriver", reason="selenium not installed: pip install -e '.[dev]'")
    driver = open_browser(tmp_path, CHROMIUM, CHROMEDRIVER)
    yield driver
    driver.quit()


def wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1).until(lambda d: condition(d), message=what)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def variants_loaded(driver) -> dict[str, bool]:
    boxes = wait(driver, lambda d: css(d, "#variants input[type=checkbox]"), "the variants never appeared")
    return {b.get_attribute("value"): b.is_selected() for b in boxes}


def ask(driver, question: str) -> dict[str, object]:
    """Ask through the page (Ctrl+Enter) and wait until every card has its answer; the cards by variant."""
    from selenium.webdriver.common.keys import Keys

    box = css(driver, "#question")[0]
    box.clear()
    box.send_keys(question, Keys.CONTROL, Keys.ENTER)
    wait(driver, lambda d: css(d, "#answers .answer") and not css(d, "#answers .answer[aria-busy]")
         and not d.find_element("id", "ask").get_attribute("disabled"), "the answers never arrived")
    return {c.get_attribute("data-variant"): c for c in css(driver, "#answers .answer")}


def passage_docs(card) -> list[str]:
    return [p.get_attribute("data-doc-id") for p in card.find_elements("css selector", ".passages details.passage")]


def index_version(driver) -> int:
    return int(wait(driver, lambda d: d.find_element("id", "index-version").get_attribute("data-version"),
                    "no index version shown"))


def test_ask_every_checked_variant_side_by_side(server, browser):
    browser.get(server + "/")
    assert variants_loaded(browser) == {"base": True, "rag": True}
    assert "hybrid" in css(browser, "#variants label")[1].text  # what each variant is made of
    # Nothing but this server: no script, style, font or image from any other origin.
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert names and all(n.startswith(server + "/") for n in names), names

    cards = ask(browser, "How long is the warranty?")
    assert list(cards) == ["base", "rag"]
    for name, card in cards.items():
        assert not card.find_element("css selector", ".error").is_displayed(), name
        assert re.fullmatch(r"\d+ ms", card.find_element("css selector", ".latency").text), name
        assert re.fullmatch(r"\d+ prompt · \d+ completion tokens", card.find_element("css selector", ".tokens").text)
        assert card.find_elements("css selector", ".text") and card.find_elements("css selector", ".timings dt")
    rag = cards["rag"]
    assert passage_docs(rag) and all(d.startswith("policies/") for d in passage_docs(rag))
    assert passage_docs(cards["base"]) == []
    # A passage opens to its text: the list, then the passage.
    rag.find_element("css selector", ".passages > summary").click()
    first = rag.find_element("css selector", ".passages details.passage")
    first.find_element("css selector", "summary").click()
    assert first.find_element("css selector", ".passage-text").text.strip()

    css(browser, "#variants input[value=base]")[0].click()
    assert list(ask(browser, "What does the warranty cover?")) == ["rag"]

    css(browser, "#report-link")[0].click()  # no run in this project
    wait(browser, lambda d: "no report yet" in d.find_element("id", "status").text.lower(), "no 404 message")


def test_upload_find_and_delete_a_document(server, browser, tmp_path):
    browser.get(server + "/")
    variants_loaded(browser)
    wait(browser, lambda d: css(d, '#docs tr[data-id="policies/warranty.md"]'), "the documents never appeared")
    before = index_version(browser)
    upload = tmp_path / "zorblax.md"
    # Markup in a document must reach the page as text, never run.
    upload.write_text("# Zorblax descaling\n\nZorblax descaling tablets dissolve limescale in a Zorblax kettle "
                      "within 12 minutes. <img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>\n")
    css(browser, "#upload-file")[0].send_keys(str(upload))
    css(browser, "#upload-id")[0].send_keys("notes/zorblax.md")
    css(browser, "#upload")[0].click()
    row = wait(browser, lambda d: css(d, '#docs tr[data-id="notes/zorblax.md"]'), "the upload is not listed")[0]
    assert int(row.find_elements("css selector", "td")[-2].text) > 0  # chunks in the index
    after = index_version(browser)
    assert after > before

    css(browser, "#variants input[value=base]")[0].click()
    cards = ask(browser, "Zorblax descaling tablets for the Zorblax kettle?")
    assert "notes/zorblax.md" in passage_docs(cards["rag"])
    assert browser.execute_script("return window.pwned === undefined && document.scripts.length === 2"
                                  " && document.images.length === 0")

    css(browser, "#new-id")[0].send_keys("notes/typed.md")
    css(browser, "#new-text")[0].send_keys("A typed note about the Quibbleflux toaster.")
    css(browser, "#new-save")[0].click()
    wait(browser, lambda d: css(d, '#docs tr[data-id="notes/typed.md"]'), "the typed document is not listed")
    assert index_version(browser) > after

    for doc_id in ("notes/zorblax.md", "notes/typed.md"):
        button = css(browser, f'#docs tr[data-id="{doc_id}"] button.delete')[0]
        button.click()
        assert button.text == "Really delete?" and css(browser, f'#docs tr[data-id="{doc_id}"]')
        button.click()
        wait(browser, lambda d: not css(d, f'#docs tr[data-id="{doc_id}"]'), f"{doc_id} is still listed")
    assert css(browser, '#docs tr[data-id="policies/warranty.md"]')
    assert "index version" in browser.find_element("id", "status").text


def test_the_page_asks_for_the_api_key(tmp_path, tiny_llama_path, browser):
    from selenium.webdriver.common.keys import Keys

    # A project of its own: an app takes its project over (the embedder is wrapped for one thread at a time).
    with serving(make_project(tmp_path / "keyed", tiny_llama_path), f"{KEY}, other-key") as url:
        browser.get(url + "/")
        key = wait(browser, lambda d: [e for e in css(d, "#api-key") if e.is_displayed()], "no API key field")[0]
        assert key.get_attribute("type") == "password"
        assert "API key" in browser.find_element("id", "status").text
        assert not css(browser, "#variants input[type=checkbox]")
        key.send_keys("wrong-key", Keys.ENTER)
        wait(browser, lambda d: "refused" in d.find_element("id", "status").text, "a wrong key is not reported")
        key.clear()
        key.send_keys(KEY, Keys.ENTER)
        assert variants_loaded(browser) == {"base": True, "rag": True}
        wait(browser, lambda d: css(d, '#docs tr[data-id="policies/warranty.md"]'), "no documents with the key")
        assert browser.execute_script("return sessionStorage.getItem('ragtune.apiKey')") == KEY
        cards = ask(browser, "How long is the warranty?")
        assert set(cards) == {"base", "rag"} and passage_docs(cards["rag"])
