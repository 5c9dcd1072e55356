"""The users table: crew and captains, keyed by lower-case email."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from server.store.client import all_items, error_code


class UserExists(Exception):
    """A user with this email is already stored."""


class UsersRepo:
    def __init__(self, table: Any) -> None:
        self.table = table

    def create(self, email: str, name: str, role: str, password_hash: str, now: str) -> None:
        try:
            self.table.put_item(
                Item={
                    "email": email,
                    "name": name,
                    "role": role,
                    "password_hash": password_hash,
                    "disabled": False,
                    "created_at": now,
                },
                ConditionExpression="attribute_not_exists(email)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise UserExists(email) from None
            raise

    def get(self, email: str) -> dict[str, Any] | None:
        if not email or len(email.encode()) > 1024:
            return None  # not a key DynamoDB accepts, so certainly not a user
        item: dict[str, Any] | None = self.table.get_item(
            Key={"email": email}, ConsistentRead=True
        ).get("Item")
        return item

    def set_disabled(self, email: str, disabled: bool) -> bool:
        """Flag the user; False when there is no such user."""
        return self._set(email, "disabled", disabled)

    def set_password(self, email: str, password_hash: str) -> bool:
        return self._set(email, "password_hash", password_hash)

    def _set(self, email: str, attribute: str, value: Any) -> bool:
        """One attribute of an existing user (never creates one)."""
        try:
            self.table.update_item(
                Key={"email": email},
                UpdateExpression="SET #a = :v",
                ConditionExpression="attribute_exists(email)",
                ExpressionAttributeNames={"#a": attribute},
                ExpressionAttributeValues={":v": value},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def all(self) -> list[dict[str, Any]]:
        """Every account (a paginated scan: a crew list is small)."""
        users = all_items(self.table.scan)
        return sorted(users, key=lambda u: str(u.get("name", "")).casefold())

    def any_exist(self) -> bool:
        return bool(self.table.scan(Limit=1, ProjectionExpression="email").get("Items"))
