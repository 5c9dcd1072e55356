"""`uvicorn e2e.nu_app:app`: the app itself (`server.app:app`), each text/html answer
also written for the Nu Html Checker (tests/nu.py) into the folder NU_CAPTURE_DIR names.
The browser suite's local stage runs this, so every page and fragment the browser saw
is checked when the session ends."""

from __future__ import annotations

import os
from pathlib import Path

from server.app import app as server_app
from tests.nu import CAPTURE_DIR_VAR, Capture, CaptureHtml

app = CaptureHtml(server_app, Capture(Path(os.environ[CAPTURE_DIR_VAR])))
