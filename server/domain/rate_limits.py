"""Rate limits counted in two overlapping fixed windows.

Each limit is counted in two windows of the same length, the second offset by half a
window. A burst straddling one window's boundary lies inside the other window, so no
burst gets more than `most` tries however it is timed (one fixed window let a burst at
its boundary have twice the limit). A key is blocked while either window's count has
reached `most`, until that window ends.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """At most `most` hits per `window_seconds` for one key of this kind."""

    kind: str
    most: int
    window_seconds: int

    def counters(self, key: str, now: float) -> list[tuple[str, int]]:
        """The two counters that hold `now`: (counter key, end of its window)."""
        size, half = self.window_seconds, self.window_seconds // 2
        first = int(now // size)
        second = int((now + half) // size)
        return [
            (f"{self.kind}:{key}:a{first}", (first + 1) * size),
            (f"{self.kind}:{key}:b{second}", (second + 1) * size - half),
        ]

    def blocked_until(self, counts: dict[str, int], key: str, now: float) -> int | None:
        """When this key may try again (epoch seconds), or None if it may now."""
        ends = [end for name, end in self.counters(key, now) if counts.get(name, 0) >= self.most]
        return max(ends) if ends else None


MINUTES_15 = 15 * 60

# Sign-in failures. The lockout counts one account from one client IP, so a stranger's
# guesses cannot lock the owner out from elsewhere; the account-wide limit is much
# higher and stops guessing spread over many IPs; the IP limit stops one address trying
# many accounts (higher than 5: a crew shares the dock's wifi).
SIGN_IN_ACCOUNT_AND_IP = Limit("signin-pair", 5, MINUTES_15)
SIGN_IN_ACCOUNT = Limit("signin-account", 50, MINUTES_15)
SIGN_IN_IP = Limit("signin-ip", 20, MINUTES_15)

# Waivers stored from one client IP (a crew's tablet at the dock can sign a whole boat).
WAIVERS_PER_IP = Limit("waivers-ip", 30, MINUTES_15)

# Unknown-trip answers on /g/... from one client IP before /g/ answers 429 to it.
TRIP_MISSES_PER_IP = Limit("trip-misses-ip", 30, MINUTES_15)
