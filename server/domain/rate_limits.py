"""Rate limits over a sliding window, counted per minute, and the keys they count.

A limit's counts for one key are kept per minute (bucket). A try is admitted only while
the key's buckets of the last `window_seconds` plus the current minute (16 buckets for
15 minutes) hold fewer than `most` tries, so no span of `window_seconds` ever holds more
than `most` admitted tries, however they are timed: any such span touches at most those
16 buckets. A try counts for between `window_seconds` and one minute more. The store
admits a try with one conditional write (`server.store.limits`), so parallel tries
cannot pass the limit together.

Client IPs are counted per host: an IPv4 address, or an IPv6 address's /64 network (one
host owns a whole /64, so counting single IPv6 addresses counts nothing).

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

BUCKET_SECONDS = 60
IPV6_HOST_PREFIX = 64


@dataclass(frozen=True)
class Limit:
    """At most `most` tries in any `window_seconds` for one key of this kind."""

    kind: str
    most: int
    window_seconds: int

    @property
    def buckets(self) -> int:
        """How many minute buckets one decision sums: the window's and the current one."""
        return self.window_seconds // BUCKET_SECONDS + 1

    def item_key(self, key: str) -> str:
        return f"{self.kind}:{key}"

    def counted(self, counts: dict[int, int], bucket: int) -> int:
        """The tries that count at minute `bucket` (later buckets, from a clock a little
        ahead, count too)."""
        first = bucket - self.buckets + 1
        return sum(hits for at, hits in counts.items() if at >= first)

    def free_at(self, counts: dict[int, int], bucket: int) -> int | None:
        """When this key may try again (epoch seconds), or None if it may at `bucket`."""
        remaining = self.counted(counts, bucket)
        if remaining < self.most:
            return None
        first = bucket - self.buckets + 1
        for at in sorted(b for b in counts if b >= first):
            remaining -= counts[at]
            if remaining < self.most:
                return (at + self.buckets) * BUCKET_SECONDS
        return (bucket + 1) * BUCKET_SECONDS  # only with a limit of 0


Spent = tuple[str, str]  # (limit_key, bucket attribute): one counted try, to give back


@dataclass(frozen=True)
class Taken:
    """The answer to one try against some limits. Admitted: every limit counted it, and
    `until` says when the key is free again if this try took a limit's last place.
    Refused: nothing is counted, and `until` is when the key may try again."""

    admitted: bool
    until: int | None
    spent: tuple[Spent, ...] = ()


def bucket_of(now: float) -> int:
    return int(now // BUCKET_SECONDS)


def ip_key(ip: str) -> str:
    """The key a client IP is counted under: an IPv4 address as it is (also when IPv6
    carries it: `::ffff:192.0.2.1`), an IPv6 address as its /64 network; anything that
    is not an IP address (a test client's name) as it is."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_HOST_PREFIX), strict=False))
    return str(address)


MINUTES_15 = 15 * 60

# Sign-in failures. The lockout counts one account from one client IP, so a stranger's
# guesses cannot lock the owner out from elsewhere; the account-wide limit is much
# higher and stops guessing spread over many IPs; the IP limit stops one address trying
# many accounts (higher than 5: a crew shares the dock's wifi). A device the account
# signed in from before (the known-device cookie) skips the account-wide limit, so
# strangers cannot lock the owner out with it; its own limit counts it instead.
SIGN_IN_ACCOUNT_AND_IP = Limit("signin-pair", 5, MINUTES_15)
SIGN_IN_ACCOUNT = Limit("signin-account", 50, MINUTES_15)
SIGN_IN_IP = Limit("signin-ip", 20, MINUTES_15)
SIGN_IN_KNOWN_DEVICE = Limit("signin-device", 10, MINUTES_15)

# Waivers stored from one client IP (a crew's tablet at the dock can sign a whole boat).
WAIVERS_PER_IP = Limit("waivers-ip", 30, MINUTES_15)

# Unknown-trip answers on /g/... from one client IP before /g/ answers 429 to it.
TRIP_MISSES_PER_IP = Limit("trip-misses-ip", 30, MINUTES_15)

# Pay-the-balance forms sent from one client IP (each creates a Stripe Checkout Session).
PAYS_PER_IP = Limit("pays-ip", 20, MINUTES_15)
