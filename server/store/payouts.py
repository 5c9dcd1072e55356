"""Tip payouts (issue 27): append-only, on the crew member's own account item in the
users table (docs/decisions.md): a list `tip_payouts` that one conditional UpdateItem
lengthens, with the entry's id in `payout_ids` so a repeated form is stored once.
A correction is a new entry (a negative amount), never an edit."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from server.store.boundary import Repo
from server.store.client import get_item, update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# About 250 bytes an entry: far below the 400 KB item limit with the account's fields.
MAX_PAYOUTS = 1000


class PayoutRefusal(StrEnum):
    NO_ACCOUNT = "no_account"
    DUPLICATE = "duplicate"
    FULL = "full"


class PayoutsRepo(Repo):
    """The payouts kept on the users table's account items."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def append(self, email: str, entry: dict[str, Any]) -> PayoutRefusal | None:
        """Append one payout in one conditional write: the account exists, does not hold
        this payout_id, and is under the cap. None when stored, else why not."""
        written = update_if(
            self.table,
            {"email": email},
            "SET tip_payouts = list_append(if_not_exists(tip_payouts, :empty), :new)"
            " ADD payout_ids :ids",
            "attribute_exists(email) AND NOT contains(payout_ids, :id)"
            " AND (attribute_not_exists(tip_payouts) OR size(tip_payouts) < :cap)",
            values={
                ":empty": [],
                ":new": [entry],
                ":ids": {entry["payout_id"]},
                ":id": entry["payout_id"],
                ":cap": MAX_PAYOUTS,
            },
        )
        if written:
            return None
        account = get_item(self.table, {"email": email})
        if account is None:
            return PayoutRefusal.NO_ACCOUNT
        if entry["payout_id"] in account.get("payout_ids", set()):
            return PayoutRefusal.DUPLICATE
        return PayoutRefusal.FULL

    def of(self, email: str) -> list[dict[str, Any]]:
        """One crew member's payouts, in the order recorded."""
        account = get_item(self.table, {"email": email}) or {}
        return list(account.get("tip_payouts", []))
