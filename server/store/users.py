"""The users table: crew and captains, keyed by lower-case email."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr

from server.store.boundary import Repo
from server.store.client import all_items, get_item, put_new, update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class UserExists(Exception):
    """A user with this email is already stored."""


class UsersRepo(Repo):
    """The users table: crew and captain accounts."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, email: str, name: str, role: str, password_hash: str, now: str) -> None:
        """Store a new, enabled account; raises UserExists rather than overwrite one."""
        account = {"email": email, "name": name, "role": role, "password_hash": password_hash}
        if not put_new(self.table, {**account, "disabled": False, "created_at": now}, "email"):
            raise UserExists(email)

    def get(self, email: str) -> dict[str, Any] | None:
        """The account with this (lower-case) email, or None."""
        if not email or len(email.encode()) > 1024:
            return None  # not a key DynamoDB accepts, so certainly not a user
        return get_item(self.table, {"email": email})

    def set_disabled(self, email: str, disabled: bool) -> bool:
        """Flag the user; False when there is no such user."""
        return self._set(email, "disabled", disabled)

    def set_password(self, email: str, password_hash: str) -> bool:
        """Replace the password hash; False when there is no such user."""
        return self._set(email, "password_hash", password_hash)

    def set_credentials(self, email: str, credentials: dict[str, Any]) -> bool:
        """Replace the crew member's credentials map; False when there is no such user."""
        return self._set(email, "credentials", credentials)

    def set_feed_token(self, email: str, token: str | None) -> bool:
        """Give the account a new calendar-feed token, or revoke it (None); False when
        there is no such user."""
        if token is None:
            return update_if(
                self.table, {"email": email}, "REMOVE feed_token", "attribute_exists(email)"
            )
        return self._set(email, "feed_token", token)

    def by_feed_token(self, token: str) -> dict[str, Any] | None:
        """The enabled account whose calendar feed this token opens, or None. A filtered
        scan: the crew list is small and the token is 256 random bits (no index)."""
        if not token:
            return None
        found = all_items(
            self.table.scan,
            FilterExpression=Attr("feed_token").eq(token),
        )
        live = [u for u in found if not u.get("disabled")]
        return live[0] if len(live) == 1 else None

    def _set(self, email: str, attribute: str, value: Any) -> bool:
        """One attribute of an existing user (never creates one)."""
        return update_if(
            self.table,
            {"email": email},
            "SET #a = :v",
            "attribute_exists(email)",
            values={":v": value},
            names={"#a": attribute},
        )

    def all(self) -> list[dict[str, Any]]:
        """Every account (a paginated scan: a crew list is small)."""
        users = all_items(self.table.scan)
        return sorted(users, key=lambda u: str(u.get("name", "")).casefold())

    def any_exist(self) -> bool:
        """True when at least one account is stored (a one-item scan)."""
        return bool(self.table.scan(Limit=1, ProjectionExpression="email").get("Items"))
