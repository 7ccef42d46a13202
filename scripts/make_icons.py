"""Draws the app's PNG icons from the logo (lucide heart-pulse) with Debian's Chromium.

Run at dev time only (`.venv/bin/python scripts/make_icons.py`); the PNGs are committed.
"""

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
TEAL = "#0f766e"
GLYPH = (
    '<path d="M2 9.5a5.5 5.5 0 0 1 9.591-3.676.56.56 0 0 0 .818 0A5.49 5.49 0 0 1 22 9.5c0 '
    '2.29-1.5 4-3 5.5l-5.492 5.313a2 2 0 0 1-3 .019L5 15c-1.5-1.5-3-3.2-3-5.5"/>'
    '<path d="M3.22 13H9.5l.5-1 2 4.5 2-7 1.5 3.5h5.27"/>'
)


def page_html(size: int, maskable: bool) -> str:
    # A maskable icon fills the square; its glyph stays inside the 80 % safe circle.
    radius = 0 if maskable else size * 0.22
    glyph = size * (0.5 if maskable else 0.62)
    return f"""<!doctype html><html><body style="margin:0;background:transparent">
<div style="width:{size}px;height:{size}px;border-radius:{radius}px;background:{TEAL};
display:grid;place-items:center">
<svg xmlns="http://www.w3.org/2000/svg" width="{glyph}" height="{glyph}" viewBox="0 0 24 24"
fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
{GLYPH}</svg></div></body></html>"""


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--headless", "--no-sandbox"])
        for name, size, maskable in [("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                     ("maskable-512.png", 512, True),
                                     ("apple-touch-icon.png", 180, True),
                                     ("icon-32.png", 32, False), ("icon-48.png", 48, False)]:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(size, maskable))
            page.screenshot(path=str(OUT / name), omit_background=True)
            page.close()
        browser.close()
    # /favicon.ico, for the browsers and tools that ask for it without reading the page.
    from PIL import Image

    Image.open(OUT / "icon-48.png").save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    (OUT / "icon-48.png").unlink()


if __name__ == "__main__":
    main()
