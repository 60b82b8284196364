"""End to end in Debian's headless Chromium (driven by Playwright): the web UI runs a query,
a term page and the search page render, and axe-core finds no serious accessibility problem.

Screenshots are kept in tests/artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import Server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parent / "data" / "axe" / "axe.min.js"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make browser` installs Debian's package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_home_runs_an_example_query_and_shows_rows(bundled_server: Server, page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(bundled_server.url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click(".yasqe .yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr td", timeout=30_000)
    rows = page.locator(".yasr table.dataTable tbody tr")
    assert rows.count() > 5
    table = page.locator(".yasr table.dataTable tbody").inner_text()
    assert "atmp:" in table and '"@en' in table
    screenshot(page, "home-query")
    # Everything came from this service: no CDN, no prefix.cc, no LOV.
    assert requests and all(url.startswith(bundled_server.url) or url.startswith("data:") for url in requests)


def test_home_has_a_tab_per_named_query(bundled_server: Server, page: Page) -> None:
    catalogue = bundled_server.client().get("/queries").json()["queries"]
    page.goto(bundled_server.url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    tabs = page.locator(".tabsList .tab").all_inner_texts()
    for query in catalogue:
        assert any(query["title"] in tab for tab in tabs), (query["title"], tabs)


def test_term_page_reads_well_and_passes_axe(bundled_server: Server, page: Page) -> None:
    page.goto(bundled_server.url + "/ontology/CytokineReleaseSyndrome")
    assert page.locator("h1").inner_text() == "cytokine release syndrome"
    text = page.locator("main").inner_text()
    assert "Zytokin-Freisetzungssyndrom" in text and "CRS" in text
    screenshot(page, "term-page")
    assert serious_violations(page) == []
    page.click("text=CAR T-cell-associated toxicity")
    page.wait_for_url("**/ontology/CarTCellAssociatedToxicity")
    assert "cytokine release syndrome" in page.locator("main").inner_text()


def test_search_from_the_header_finds_german_labels_and_passes_axe(bundled_server: Server, page: Page) -> None:
    page.goto(bundled_server.url + "/ontology")
    page.fill("#site-q", "Zytokin")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/search?q=Zytokin*")
    first = page.locator("ol.results li a").first
    assert first.inner_text() == "cytokine release syndrome"
    screenshot(page, "search")
    assert serious_violations(page) == []
    first.click()
    page.wait_for_url("**/ontology/CytokineReleaseSyndrome")


def test_navigator_form_shows_grouped_requirements_and_passes_axe(bundled_server: Server, page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(bundled_server.url + "/navigator")
    assert page.locator("h1").inner_text() == "Regulatory navigator"
    assert serious_violations(page) == []
    page.select_option("#nav-kind", "CAR-T")
    page.select_option("#nav-gene_transfer", "gammaretroviral")
    page.fill("#nav-target", "CD19")
    page.fill("#nav-country", "DE")
    page.select_option("#nav-route", "clinical-trial")
    page.select_option("#nav-phase", "I")
    page.click("form.navigator button[type=submit]")
    page.wait_for_selector("#answer-heading")
    headings = page.locator(".navigator-answer h3").all_inner_texts()
    assert any(h.startswith("quality and release testing") for h in headings)
    assert any(h.startswith("What the knowledge base does not know") for h in headings)
    quality = page.locator("section.category", has=page.locator("#cat-quality")).inner_text()
    assert "replication-competent retrovirus (RCR)" in quality and "lentivirus" not in quality
    assert "gammaretroviral" in quality and "pmc.ncbi.nlm.nih.gov" in quality  # reasons and sources shown
    screenshot(page, "navigator")
    assert serious_violations(page) == []
    assert requests and all(url.startswith(bundled_server.url) or url.startswith("data:") for url in requests)
