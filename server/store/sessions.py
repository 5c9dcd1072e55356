"""The sessions table: server-side sessions, keyed by the SHA-256 of the cookie value
(so a copy of the table holds no usable session ids)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from server.store.boundary import Repo
from server.store.client import all_items, get_item, update_if
from server.store.tables import SESSIONS_BY_EMAIL

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


# A session read is reused for this long by the process that read it: the revocation
# window (docs/decisions.md, "Payment speed"). Ending a session through this process
# (sign out, sign out everywhere, disable, new password) forgets it at once.
CACHE_SECONDS = 5.0
CACHE_MAX = 10_000


class SessionsRepo(Repo):
    """The sessions table: one item per signed-in browser, each read kept a few seconds."""

    def __init__(
        self,
        table: Table,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def create(self, session_key: str, user: dict[str, Any], now: int, expires_at: int) -> None:
        """Store a new session for `user` (never overwrites one)."""
        self.table.put_item(
            Item={
                "session_key": session_key,
                "email": user["email"],
                "name": user["name"],
                "role": user["role"],
                "created_at": now,
                "last_seen_at": now,
                "expires_at": expires_at,  # also the table's TTL attribute in AWS
            },
            ConditionExpression="attribute_not_exists(session_key)",
        )

    def get(self, session_key: str) -> dict[str, Any] | None:
        """The session with this key, or None (expiry is the caller's to check): as this
        process read it less than `cache_seconds` ago, else one GetItem."""
        found = self.cached(session_key)
        if found is not None:
            return found
        now = self.clock()
        item = get_item(self.table, {"session_key": session_key})
        if item is None:
            self._cache.pop(session_key, None)
        elif self.cache_seconds > 0:
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[session_key] = (now + self.cache_seconds, item)
        return item

    def cached(self, session_key: str) -> dict[str, Any] | None:
        """This process's copy of the session, if read less than `cache_seconds` ago;
        None otherwise (no call: `get` reads it)."""
        cached = self._cache.get(session_key)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        return None

    def forget(self, session_key: str | None = None, email: str | None = None) -> None:
        """Drop this process's copy of one session, or of every session of `email`."""
        if session_key is not None:
            self._cache.pop(session_key, None)
        if email is not None:
            for key, (_, item) in list(self._cache.items()):
                if item["email"] == email:
                    self._cache.pop(key, None)

    def touch(self, session_key: str, now: int) -> bool:
        """Record activity now (for the idle expiry); False if the session is gone (ended
        by another process since this one read it)."""
        if not update_if(
            self.table,
            {"session_key": session_key},
            "SET last_seen_at = :now",
            "attribute_exists(session_key)",
            values={":now": now},
        ):
            self.forget(session_key)
            return False
        cached = self._cache.get(session_key)
        if cached is not None:
            self._cache[session_key] = (cached[0], {**cached[1], "last_seen_at": now})
        return True

    def delete(self, session_key: str) -> None:
        """End one session (sign out)."""
        self.forget(session_key)
        self.table.delete_item(Key={"session_key": session_key})

    def delete_for_user(self, email: str) -> int:
        """End every session of one user (disable, sign out everywhere)."""
        self.forget(email=email)
        sessions = all_items(
            self.table.query,
            IndexName=SESSIONS_BY_EMAIL,
            KeyConditionExpression=Key("email").eq(email),
        )
        for item in sessions:
            self.delete(item["session_key"])
        return len(sessions)
