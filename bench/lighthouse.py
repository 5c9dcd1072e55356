"""`make lighthouse`: Lighthouse 12.2.3 (mobile profile) on the dashboard and the waiver
page of a throw-away local stack, in Debian's Chromium; prints the scores.

The dashboard needs a session: the script signs in through the real form first and
hands Lighthouse the session cookie with `--extra-headers`. The full reports are written
to var/lighthouse/ (git-ignored).

    CHROME_PATH=/usr/bin/chromium python bench/lighthouse.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from stack import ROOT, local_stack

LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking"
    " --disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices")
OUT = ROOT / "var" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def lighthouse(url: str, name: str, headers: dict[str, str] | None = None) -> dict[str, int]:
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / f"{name}.report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--form-factor=mobile",  # the default config's mobile profile, said out loud
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json",
        f"--output-path={report}",
    ]
    if headers:
        command.append(f"--extra-headers={json.dumps(headers)}")
    env = {**os.environ, "CHROME_PATH": CHROME}
    for attempt in (1, 2):  # a loaded machine can miss Chrome's start-up deadline once
        run = subprocess.run(
            command, env=env, cwd=ROOT, timeout=300, capture_output=True, text=True
        )
        if run.returncode == 0:
            break
        print(f"{name}: Lighthouse failed (attempt {attempt}):\n{run.stderr[-2000:]}")
    else:
        raise RuntimeError(f"Lighthouse failed twice on {url}")
    result = json.loads(report.read_text())
    if result.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not load {url}: {result['runtimeError']}")
    scores = {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}
    failing = [
        f"  {audit['id']}: {audit['title']} (score {audit['score']})"
        for audit in result["audits"].values()
        if audit.get("scoreDisplayMode") in ("binary", "numeric")
        and audit.get("score") is not None
        and audit["score"] < 0.9
    ]
    metrics = result["audits"]
    print(
        f"{name}: "
        + ", ".join(f"{c} {s}" for c, s in scores.items())
        + f" | FCP {metrics['first-contentful-paint']['displayValue']}"
        + f", LCP {metrics['largest-contentful-paint']['displayValue']}"
        + f", TBT {metrics['total-blocking-time']['displayValue']}"
        + f", CLS {metrics['cumulative-layout-shift']['displayValue']}"
    )
    if failing:
        print("  audits under 0.9:\n" + "\n".join(failing))
    return scores


def main() -> int:
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} is missing: run `make lighthouse`", file=sys.stderr)
        return 1
    with local_stack(workers=1) as stack:
        events = stack.add_events(4)
        client, _ = stack.signed_in()
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        package = LIGHTHOUSE.parent.parent / "lighthouse" / "package.json"
        version = json.loads(package.read_text())["version"]
        print(f"Lighthouse {version} on {stack.base_url}, mobile profile, {CHROME}")
        lighthouse(f"{stack.base_url}/dispatch", "dashboard", {"Cookie": cookie})
        lighthouse(f"{stack.base_url}/g/{events[0]}/waiver", "waiver")
    print(f"reports: {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
