"""For the test suites only: every AWS API call the app's clients make, one JSON line
per distinct call in the file `SCC_AWS_CALL_LOG` names (unset, as on Lambda: nothing).

The suites check each line against the template's `AppRole` (`tests/app_role.py`): an
operation the role does not allow on that table (BatchGetItem was missing once, which
dynalite, having no IAM, never noticed) fails the test session. A line holds the
service, its IAM prefix (botocore's signing name), the operation, the tables and
indexes it names (never a key or a value), and the project files on the call's stack,
so the check can leave out the table set-up and the local tooling.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
_SKIP = ("/.venv", "/site-packages/", "/botocore/", "/boto3/")


def record(client: Any, path: Path) -> None:
    """Append every call `client` makes, once per distinct line, to `path`."""
    seen: set[str] = set()
    lock = threading.Lock()

    def write(params: dict[str, Any], model: Any, **_: Any) -> None:
        line = json.dumps(
            {
                "service": model.service_model.service_name,
                "iam": model.service_model.signing_name,
                "operation": model.name,
                "params": names_in(params),
                "frames": project_frames(),
            },
            sort_keys=True,
        )
        with lock:
            if line in seen:
                return
            seen.add(line)
            with path.open("a", encoding="utf-8") as log:
                log.write(line + "\n")

    client.meta.events.register("provide-client-params", write, unique_id="scc-call-log")


def names_in(params: dict[str, Any]) -> dict[str, Any]:
    """The resource names in a request's parameters, nothing else: `TableName`,
    `IndexName`, a batch's table names, each transaction item's kind and table."""
    names: dict[str, Any] = {k: params[k] for k in ("TableName", "IndexName") if k in params}
    if isinstance(params.get("RequestItems"), dict):
        names["RequestItems"] = sorted(params["RequestItems"])
    if isinstance(params.get("TransactItems"), list):
        names["TransactItems"] = [
            {kind: part.get("TableName") for kind, part in item.items()}
            for item in params["TransactItems"]
        ]
    return names


def project_frames() -> list[str]:
    """The project's files on the current stack, innermost first, each once."""
    frames: list[str] = []
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(str(_ROOT)) and not any(s in name for s in _SKIP):
            relative = Path(name).relative_to(_ROOT).as_posix()
            if relative not in frames and relative != "server/call_log.py":
                frames.append(relative)
        frame = frame.f_back  # type: ignore[assignment]
    return frames
