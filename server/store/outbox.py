"""The outbox table: one item per notification, with its delivery state.

States: `pending` (to send; `next_attempt_at` says when), `sent`, `failed` (gave up
after the attempt cap; the captain can resend). A sender claims an item with a
conditional lease before sending, so two senders never send the same email.

One more item, `MAILER_STATUS`, holds the mailer's health: present while the mailer is
broken (Gmail's `invalid_grant`, SES sending paused), deleted by the next successful
send. It has no `state`, so the by-state index (and every sweep) never sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from boto3.dynamodb.conditions import Key

from server.domain.records import MailerStatus, Notice
from server.store.boundary import Repo
from server.store.client import all_items, conditional, get_item, put_new, update_if
from server.store.tables import OUTBOX_BY_STATE

# The key of the mailer's health item; no notice id starts with "#".
MAILER_STATUS = "#mailer"

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class OutboxRepo(Repo):
    """The outbox table: notifications, their leases and their delivery state."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def ensure(
        self, notice_id: str, kind: str, event_id: str, ref_id: str, now: float, created_at: str
    ) -> None:
        """Create the item once; a second call (a re-run, a retry) changes nothing."""
        put_new(
            self.table, _pending(notice_id, kind, event_id, ref_id, now, created_at), "notice_id"
        )

    def create_claimed(
        self,
        notice: tuple[str, str, str, str],
        now: float,
        created_at: str,
        owner: str,
        lease_seconds: int,
    ) -> Notice | None:
        """Create the item (`notice_id, kind, event_id, ref_id`) already claimed by
        `owner`, as `ensure` then `claim` would leave it, in one PutItem; None when it
        exists (another sender queued it and sends it)."""
        item: Notice = {
            **_pending(*notice, now, created_at),
            "attempts": 1,
            "lease_owner": owner,
            "lease_until": int(now) + lease_seconds,
        }
        return item if put_new(self.table, item, "notice_id") else None

    def get(self, notice_id: str) -> Notice | None:
        """One notification as stored now, or None."""
        return cast("Notice | None", get_item(self.table, {"notice_id": notice_id}))

    def in_state(
        self, state: str, limit: int | None = None, newest_first: bool = False
    ) -> list[Notice]:
        """Notifications in one state, oldest first (or newest), at most `limit`."""
        return cast(
            "list[Notice]",
            all_items(
                self.table.query,
                limit=limit,
                IndexName=OUTBOX_BY_STATE,
                KeyConditionExpression=Key("state").eq(state),
                ScanIndexForward=not newest_first,
            ),
        )

    def claim(
        self, notice_id: str, owner: str, now: float, lease_seconds: int, max_attempts: int
    ) -> Notice | None:
        """Take a due, unleased pending item for `lease_seconds`; None if another sender
        holds it, it is not due, or it is no longer pending."""
        response = conditional(
            lambda: self.table.update_item(
                Key={"notice_id": notice_id},
                UpdateExpression="SET lease_owner = :me, lease_until = :until ADD attempts :one",
                ConditionExpression="#state = :pending AND next_attempt_at <= :now"
                " AND attempts < :cap"
                " AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":me": owner,
                    ":until": int(now) + lease_seconds,
                    ":one": 1,
                    ":pending": "pending",
                    ":now": int(now),
                    ":cap": max_attempts,
                },
                ReturnValues="ALL_NEW",
            )
        )
        if response is None:
            return None
        return cast("Notice", response["Attributes"])

    def mark_sent(
        self, notice_id: str, message_id: str, sent_at: str, not_needed: str = ""
    ) -> None:
        """Record the delivery and release the lease; `not_needed` says why nothing
        was sent (the news went stale), and the notice is done all the same."""
        values = {":sent": "sent", ":at": sent_at, ":mid": message_id}
        sets = "SET #state = :sent, sent_at = :at, message_id = :mid"
        if not_needed:
            sets += ", not_needed = :why"
            values[":why"] = not_needed
        self.table.update_item(
            Key={"notice_id": notice_id},
            UpdateExpression=sets + " REMOVE lease_owner, lease_until, last_error",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=values,
        )

    def mark_unsent(self, notice_id: str, error: str, next_attempt_at: float | None) -> None:
        """After a failed attempt: pending again at `next_attempt_at`, or failed (None)."""
        state = "pending" if next_attempt_at is not None else "failed"
        self.table.update_item(
            Key={"notice_id": notice_id},
            UpdateExpression="SET #state = :state, last_error = :error, next_attempt_at = :next"
            " REMOVE lease_owner, lease_until",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":state": state,
                ":error": error[:300],
                ":next": int(next_attempt_at or 0),
            },
        )

    def release(self, notice_id: str, owner: str, error: str) -> bool:
        """Undo `owner`'s claim as if it had not been made: the attempt is not counted,
        the item stays pending and due (the mailer was broken, not this notice)."""
        return update_if(
            self.table,
            {"notice_id": notice_id},
            "SET last_error = :error ADD attempts :minus REMOVE lease_owner, lease_until",
            "lease_owner = :me",
            values={":error": error[:300], ":minus": -1, ":me": owner},
        )

    def mark_mailer_broken(self, mailer: str, reason: str, at: str) -> None:
        """Record that `mailer` refuses every send (kept since the first time seen)."""
        self.table.update_item(
            Key={"notice_id": MAILER_STATUS},
            UpdateExpression="SET mailer = :mailer, reason = :reason, last_seen_at = :at,"
            " broken_at = if_not_exists(broken_at, :at)",
            ExpressionAttributeValues={":mailer": mailer, ":reason": reason[:300], ":at": at},
        )

    def mailer_broken(self) -> MailerStatus | None:
        """The mailer's broken mark (mailer, reason, broken_at, last_seen_at), or None."""
        return cast("MailerStatus | None", get_item(self.table, {"notice_id": MAILER_STATUS}))

    def clear_mailer_broken(self) -> None:
        """A send went through: the mailer works (a no-op when it was not marked)."""
        self.table.delete_item(Key={"notice_id": MAILER_STATUS})

    def give_up(self, notice_id: str, now: float, max_attempts: int, error: str) -> bool:
        """Failed: a pending item at the attempt cap whose last attempt never recorded
        its outcome (its sender died mid-send) and whose lease has run out, so no
        sender may claim it again. False when that is not so (another sender did it)."""
        return update_if(
            self.table,
            {"notice_id": notice_id},
            "SET #state = :failed, last_error = :error REMOVE lease_owner, lease_until",
            "#state = :pending AND attempts >= :cap"
            " AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            values={
                ":failed": "failed",
                ":pending": "pending",
                ":cap": max_attempts,
                ":now": int(now),
                ":error": error[:300],
            },
            names={"#state": "state"},
        )

    def reset(self, notice_id: str, now: float) -> bool:
        """The captain's resend: pending, due now, attempts from zero."""
        return update_if(
            self.table,
            {"notice_id": notice_id},
            "SET #state = :pending, attempts = :zero, next_attempt_at = :now"
            " REMOVE lease_owner, lease_until",
            "attribute_exists(notice_id)",
            values={":pending": "pending", ":zero": 0, ":now": int(now)},
            names={"#state": "state"},
        )


def _pending(
    notice_id: str, kind: str, event_id: str, ref_id: str, now: float, created_at: str
) -> Notice:
    """A new notification, pending and due now."""
    return {
        "notice_id": notice_id,
        "kind": kind,
        "event_id": event_id,
        "ref_id": ref_id,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": int(now),
        "created_at": created_at,
    }
