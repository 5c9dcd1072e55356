"""Who is on the dock manifest: each signer and each minor on a waiver is a guest with
a check-in slot of its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.domain.languages import NAMES
from server.domain.records import WaiverMap
from server.domain.waiver_rules import age_on


@dataclass(frozen=True)
class Guest:
    """One person on the manifest: what crew may see (name, age, status), no more."""

    waiver_id: str
    key: str  # "signer" or "minor-N": the check-in slot on the waiver item
    name: str
    age: int
    guardian: str | None
    checked_in: bool
    language: str = "en"  # the language the waiver was signed in (issue 30)

    @property
    def language_name(self) -> str:
        return NAMES.get(self.language, self.language)

    @property
    def reference(self) -> str:
        return self.waiver_id[:8].upper()

    @property
    def dom_id(self) -> str:
        return f"guest-{self.waiver_id}-{self.key}"


def guests_of(waivers: Sequence[WaiverMap], trip_day: date) -> list[Guest]:
    guests = []
    for waiver in waivers:
        checkins = waiver.get("checkins", {})

        def checked(key: str, checkins: dict[str, Any] = checkins) -> bool:
            return bool(checkins.get(key, {}).get("checked_in"))

        adult = str(waiver["full_name"])
        language = str(waiver.get("language") or "en")
        guests.append(
            Guest(
                waiver_id=str(waiver["waiver_id"]),
                key="signer",
                name=adult,
                age=age_on(date.fromisoformat(str(waiver["date_of_birth"])), trip_day),
                guardian=None,
                checked_in=checked("signer"),
                language=language,
            )
        )
        for i, minor in enumerate(waiver.get("minors", [])):
            guests.append(
                Guest(
                    waiver_id=str(waiver["waiver_id"]),
                    key=f"minor-{i}",
                    name=str(minor["name"]),
                    age=age_on(date.fromisoformat(str(minor["date_of_birth"])), trip_day),
                    guardian=adult,
                    checked_in=checked(f"minor-{i}"),
                    language=language,
                )
            )
    return guests


def checkin_slots(waiver: WaiverMap) -> set[str]:
    """The check-in slots one waiver holds: its signer and each of its minors."""
    return {"signer"} | {f"minor-{i}" for i in range(len(waiver.get("minors", [])))}
