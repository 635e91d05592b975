"""Great Expectations Data Docs that open with no network.

GE 1.24's page templates load jQuery, Bootstrap, bootstrap-table, its filter-control and
datepicker extensions, Popper, the bootstrap-dark theme, Font Awesome and Vega from public CDNs,
and the logo from GE's own web bucket (with the data context id in its query string). Opened
offline -- an auditor's laptop, a council network that blocks CDNs -- the index's list of
validations is empty, because the table that lists them is drawn by bootstrap-table.

So the same releases are vendored under ``reporting/static/data_docs/`` (with their licences; see
the README there), and every time GE writes pages into a site this project's index builder
(``gx/great_expectations.yml``: ``site_index_builder: OfflineSiteIndexBuilder``) copies them into
the site's ``static/vendor/`` and points the pages at them with relative paths. The rewrite is
plain string replacement of the known URLs, deterministic and without any network at run time.
A GE upgrade that changes a URL leaves it external, and ``tests/test_data_docs_offline.py``
fails, so the table below is updated with the upgrade.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlparse

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder

log = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).parent / "static" / "data_docs"
SITE_VENDOR = "static/vendor"  # where a site keeps its copy, relative to its index.html

# Each external script or stylesheet of GE's templates -> the vendored file of the same release
# (``@1.19.0``'s filter-control CSS is 1.19.0's; the dark theme's unminified CSS is served minified).
ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
# GE's web bucket serves the logo (a copy of which GE puts in the site's static/images/)
WEB_BUCKET = r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/"
WEB_ASSETS = WEB_BUCKET + r"(?P<image>[\w.-]+)(?:\?[^\"]*)?"

# One pass per page: an attribute naming a known URL, with the CDN's subresource-integrity and
# CORS attributes that follow it (a CORS request for a file:// script is refused, so they go);
# and GE's own relative links into static/, whose depth GE gets wrong for a result's favicon.
_PATTERN = re.compile(
    r'(?P<attr>src|href)="(?:(?P<asset>' + "|".join(map(re.escape, ASSETS)) + r")|" + WEB_ASSETS
    + r'|(?:\.\./)*(?P<static>static/[^"]*))"'
    r'(?:\s+integrity="[^"]*")?(?:\s+crossorigin="[^"]*")?'
)
# The dark theme swaps the logo for a background image from the bucket (no copy of it here):
# offline it shows the page's own logo, inverted, instead.
_DARK_LOGO = re.compile(r"url\('" + WEB_BUCKET + r"[\w.-]+'\)")
_DARK_LOGO_STYLE = (
    '<style id="csw-offline-logo">@media (prefers-color-scheme: dark) '
    "{.navbar-brand a img {visibility: visible; filter: invert(1) hue-rotate(180deg)}}</style>"
)


def _localise(html: str, prefix: str) -> str:
    """``html`` with every known external asset replaced by its copy, ``prefix`` being the way up
    from the page to the site root (``""``, ``"../"``, ...)."""

    def local(match: re.Match[str]) -> str:
        if match["asset"]:
            path = f"{SITE_VENDOR}/{ASSETS[match['asset']]}"
        else:
            path = match["static"] or f"static/images/{match['image']}"
        return f'{match["attr"]}="{prefix}{path}"'

    html = _PATTERN.sub(local, html)
    if _DARK_LOGO.search(html):
        html = _DARK_LOGO.sub("none", html)
        if _DARK_LOGO_STYLE not in html:
            html = html.replace("</head>", f"{_DARK_LOGO_STYLE}\n</head>", 1)
    return html


_EXTERNAL = re.compile(r'<(?:script|link|img)\b[^>]*?\s(?:src|href)="((?:https?:)?//[^"]+)"', re.IGNORECASE)


def external_resources(html: str) -> list[str]:
    """The URLs a page still loads from the network (scripts, stylesheets, images)."""
    return _EXTERNAL.findall(html)


def copy_vendored_assets(site: Path) -> Path:
    """Copy the vendored files (and their licences) into ``site/static/vendor``; return that folder."""
    target = Path(site) / SITE_VENDOR
    shutil.copytree(VENDOR_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    return target


def make_offline(site: Path, pages: Iterable[Path] | None = None) -> list[Path]:
    """Make a Data Docs site open with no network: copy the assets in and rewrite ``pages``
    (default: every page of the site) to load them. Returns the pages rewritten; pages already
    offline are left untouched, so running it twice changes nothing."""
    site = Path(site).resolve()
    copy_vendored_assets(site)
    rewritten = []
    for page in (site.rglob("*.html") if pages is None else pages):
        page = Path(page).resolve()
        if not page.is_file() or site not in page.parents:
            continue
        html = page.read_text(encoding="utf-8")
        offline = _localise(html, "../" * (len(page.relative_to(site).parts) - 1))
        if offline != html:
            page.write_text(offline, encoding="utf-8")
            rewritten.append(page)
        if remaining := external_resources(offline):
            log.warning("Data Docs page %s still loads %s from the network", page, ", ".join(sorted(set(remaining))))
    return rewritten


class OfflineSiteIndexBuilder(DefaultSiteIndexBuilder):
    """GE's index builder, then :func:`make_offline` on the pages this build wrote.

    GE calls the index builder last in every site build (a checkpoint's UpdateDataDocsAction as
    well as ``context.build_data_docs``), after the section pages and GE's own static files are
    written, so every page reaches the reader offline. A site that has no ``static/vendor`` yet
    (built before this) has all its pages rewritten once.
    """

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True):
        result = super().build(skip_and_clean_missing=skip_and_clean_missing, build_index=build_index)
        base = getattr(self.target_store.store_backends["index_page"], "full_base_directory", None)
        if base is None:  # not a filesystem site: nothing to copy next to
            return result
        site = Path(base)
        if not (site / SITE_VENDOR).is_dir():
            make_offline(site)
            return result
        written = [site / "index.html"]
        for key in self.target_store.keys:  # this build's pages (the store is new per build)
            url = self.target_store.get_url_for_resource(key.resource_identifier, only_if_exists=False)
            if url and url.startswith("file:"):
                written.append(Path(unquote(urlparse(url).path)))
        make_offline(site, written)
        return result
