"""Opening a page in Debian's headless Chromium and reading back what it laid out.

The page is copied with a probe script appended; Chromium runs it after layout and ``--dump-dom``
prints the DOM with the probe's findings (computed colours, widths) in it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PROBE = """
<script>
(function () {
  var banner = document.getElementById("banner");
  var widest = 0, widestWhat = "";
  document.querySelectorAll("body *").forEach(function (el) {
    var right = el.getBoundingClientRect().right;
    if (right > widest) { widest = right; widestWhat = el.tagName + "." + el.className; }
  });
  var found = {
    verdict: banner ? banner.dataset.verdict : null,
    banner_text: banner ? banner.innerText : null,
    banner_colour: banner ? getComputedStyle(banner).backgroundColor : null,
    page_width: document.documentElement.clientWidth,
    scroll_width: document.documentElement.scrollWidth,
    widest_right: widest,
    widest_element: widestWhat,
    records: document.querySelectorAll("details.record").length,
    charts: document.querySelectorAll("svg.chart").length
  };
  var out = document.createElement("pre");
  out.id = "probe-result";
  out.textContent = "PROBE" + JSON.stringify(found) + "PROBE";
  document.body.appendChild(out);
})();
</script>
"""


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is not None


def chromium(url: str, profile: Path, *extra: str, timeout: float = 90) -> str:
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"chromium exited {result.returncode}: {result.stderr[-2000:]}")
    return result.stdout


def probe(page: Path, workdir: Path, width: int = 1024) -> dict[str, Any]:
    """Lay ``page`` out at ``width`` CSS pixels and report the banner and the widest element."""
    html = page.read_text(encoding="utf-8")
    probed = workdir / f"probed-{page.name}"
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(
        probed.as_uri(),
        workdir / "chromium-profile",
        f"--window-size={width},900",
        "--dump-dom",
    )
    match = re.search(r"PROBE(\{.*?\})PROBE", dom)
    if match is None:
        raise RuntimeError("the probe did not run: " + dom[-500:])
    found: dict[str, Any] = json.loads(match.group(1))
    return found


def screenshot(page: Path, workdir: Path, out: Path, width: int = 1024) -> None:
    chromium(
        page.as_uri(),
        workdir / "chromium-profile",
        f"--window-size={width},1600",
        f"--screenshot={out}",
    )
