"""PDF by printing the report's own HTML in headless Chromium (Debian package ``chromium``,
installed by ``make install``): what the Board reads on paper is what it reads on screen."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfError(RuntimeError):
    pass


def chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError("no Chromium found to print the PDF: install the Debian package `chromium` (make install does)")


def html_to_pdf(html_file: Path, pdf_file: Path, timeout: int = 180) -> None:
    """Print ``html_file`` to ``pdf_file`` (A4, the page rules of the HTML's print stylesheet).

    Chromium's own header and footer (file URL, date) are off; the footer the Board reads, the
    report's title and "Page N of M", comes from the stylesheet's ``@page`` margin boxes, which
    Chromium lays out when printing (tests/test_report_pages.py reads them back with pdftotext)."""
    with tempfile.TemporaryDirectory(prefix="csw-chromium-") as profile:
        command = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-extensions", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={pdf_file}", html_file.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or not pdf_file.exists() or pdf_file.stat().st_size == 0:
        raise PdfError(f"Chromium could not print {html_file.name} to PDF (exit {result.returncode}): "
                       f"{result.stderr.strip()[-1000:]}")
