"""`scc serve --workers N` for the benchmark (run as a script, so it works from a
subprocess with the repository on sys.path).

    python bench/serve.py HOST PORT WORKERS
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # worker processes re-import this file (spawn)
    sys.path.insert(0, str(ROOT))


def main() -> None:
    from server.__main__ import main as scc

    host, port, workers = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        sys.exit(scc(["serve", "--host", host, "--port", port, "--workers", workers]))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
