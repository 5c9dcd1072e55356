"""Ship Captain Crew: dispatch, payments and waivers for a boat-charter business."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project folder: templates/, partials/, static/ and waivers/ sit here."""
