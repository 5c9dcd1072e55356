"""Cold init with and without bytecode (docs/performance.md, issue 23 item 12).

Each run is a fresh interpreter doing what the Lambda init does (import the handler,
start and warm the app), timed inside the process in CPU seconds (`time.process_time`:
a busy machine slows the wall clock far more), next to a bare `import boto3`.
"With bytecode": a pycache folder filled by a first run. "Without": an empty one
and `-B`, so every module is compiled from source, as from the zip (which ships none).

    .venv/bin/python bench/cold_import.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = """
import time
started = time.process_time()
from server import lambda_handler
from server.settings import Settings
app = lambda_handler.start(Settings.from_env({"SCC_SECRET_KEY": "x" * 40}))
print(time.process_time() - started)
"""
BOTO3 = (
    "import time\nstarted = time.process_time()\nimport boto3\nprint(time.process_time() - started)"
)


def run(code: str, prefix: Path, *, bytecode: bool) -> float:
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(prefix), "AWS_REGION": "us-east-1"}
    flags = [] if bytecode else ["-B"]
    out = subprocess.run(
        [sys.executable, *flags, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as warm, tempfile.TemporaryDirectory() as empty:
        run(APP, Path(warm), bytecode=True)  # fills the pycache
        for bytecode, prefix in ((True, Path(warm)), (False, Path(empty))):
            app = statistics.median(run(APP, prefix, bytecode=bytecode) for _ in range(runs))
            boto3 = statistics.median(run(BOTO3, prefix, bytecode=bytecode) for _ in range(runs))
            label = "with bytecode" if bytecode else "from source"
            print(
                f"{label:>14}: app init {app * 1000:.0f} ms, import boto3 {boto3 * 1000:.0f} ms"
                f" ({app / boto3:.1f}x), median of {runs}"
            )


if __name__ == "__main__":
    main()
