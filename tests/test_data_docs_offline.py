"""GE Data Docs open with no network.

GE's pages load jQuery, bootstrap-table and the rest from CDNs; offline, the index's table of
validation results (drawn by bootstrap-table) was empty. ``reporting.gx_data_docs`` points the
pages at vendored copies. These tests read the Data Docs the nightly job built for the shared
demo home, and open its index in headless Chromium with the network off.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reporting.gx_data_docs import SITE_VENDOR, make_offline
from reporting.gx_project import SUITES

pytestmark = pytest.mark.e2e

EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, file://, //host
ROW = re.compile(r'<tr\b[^>]*\bclass="clickable-row"[^>]*\bdata-href="(validations/[^"]+)"')
TOTAL = re.compile(r"Showing \d+ to \d+ of (\d+) rows")
CSS_URL = re.compile(r"url\(\s*['\"]?(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class _Resources(HTMLParser):
    """What a page loads: script src, link href (stylesheets, icons), img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "img": "src", "link": "href"}.get(tag)
        values = dict(attrs)
        if wanted and values.get(wanted):
            self.urls.append(values[wanted])


def _resources(page: Path) -> list[str]:
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


@pytest.fixture(scope="module")
def site(demo_home: Path) -> Path:
    """The Data Docs of the demo night (read only)."""
    docs = demo_home / "outputs" / "data_docs"
    assert (docs / "index.html").is_file()
    return docs


def test_every_page_loads_its_scripts_and_styles_from_the_site(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    validations = list((site / "validations").rglob("*.html"))
    assert len(pages) >= 1 + len(SUITES) and validations  # the index, a page per suite, the results
    loads = {page: _resources(page) for page in pages}
    external = {str(p.relative_to(site)): [u for u in urls if EXTERNAL.match(u)] for p, urls in loads.items()}
    assert not {p: urls for p, urls in external.items() if urls}
    in_styles = {str(p.relative_to(site)) for p in pages if CSS_URL.search(p.read_text(encoding="utf-8"))}
    assert not in_styles  # e.g. the dark theme's logo, a background image
    # each page loads jQuery and bootstrap-table, and every relative path (depth included) resolves
    for page, urls in loads.items():
        targets = {(page.parent / u.split("?")[0]).resolve() for u in urls}
        assert (site / SITE_VENDOR / "jquery-3.7.1" / "jquery.min.js").resolve() in targets, page
        assert (site / SITE_VENDOR / "bootstrap-table-1.19.1" / "bootstrap-table.min.js").resolve() in targets, page
        assert [t for t in targets if not t.is_file()] == [], page


def test_the_icon_font_the_pages_use_is_in_the_site(site: Path) -> None:
    """GE's status icons are Font Awesome solid (``fas``): the stylesheet's woff2 for it is there."""
    css = site / SITE_VENDOR / "fontawesome-free-6.6.0" / "css" / "all.min.css"
    fonts = set(re.findall(r"url\(([^)]+\.woff2)\)", css.read_text(encoding="utf-8")))
    used = {f for f in fonts if "brands" not in f}  # brand icons: not vendored (README), never used by GE
    assert any("fa-solid-900" in f for f in used)
    assert [f for f in used if not (css.parent / f).resolve().is_file()] == []


def test_making_a_site_offline_again_changes_nothing(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "data_docs"
    shutil.copytree(site, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*.html")}
    assert make_offline(copy) == []
    assert {p: p.read_bytes() for p in copy.rglob("*.html")} == before


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium on this machine (`make` installs it)")


def _open_offline(index: Path) -> tuple[str, list[str]]:
    """The index's DOM after its scripts ran in headless Chromium with no network, and the
    off-machine URLs it asked for (Playwright only; with the command line they are refused)."""
    chromium = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={index.parent.parent / 'chromium-profile'}",
             "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--virtual-time-budget=5000", "--dump-dom", index.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
        return dom, []
    asked: list[str] = []

    def only_local(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True)
            context.route("**/*", only_local)
            page = context.new_page()
            page.goto(index.as_uri(), wait_until="load")
            return page.content(), asked
        finally:
            browser.close()


def test_the_index_lists_the_validations_with_the_network_off(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "data_docs"  # the browser reads a copy: the shared home stays untouched
    shutil.copytree(site, copy)
    dom, asked = _open_offline(copy / "index.html")
    assert asked == []
    rows = ROW.findall(dom)
    assert rows, "the table of validation results is empty"
    assert all((copy / href).is_file() for href in rows)
    # the table holds every validation result of the site (10 to a page)
    totals = TOTAL.findall(dom)
    assert totals and int(totals[0]) == len(list((copy / "validations").rglob("*.html")))
