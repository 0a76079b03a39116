"""Screenshots of an HTML report in headless Chromium, for the README.

python scripts/screenshot.py out/report.html docs/story-view.png --story s5582
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page")
    parser.add_argument("output")
    parser.add_argument("--story", help="a story id to open (default: the index)")
    parser.add_argument("--size", default="1400,900")
    args = parser.parse_args()
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={args.size}"):
        options.add_argument(arg)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
    try:
        from pathlib import Path

        browser.get(Path(args.page).resolve().as_uri() + (f"#{args.story}" if args.story else ""))
        while browser.execute_script("return document.body.dataset.ready") != "1":
            time.sleep(0.05)
        browser.save_screenshot(args.output)
    finally:
        browser.quit()
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
