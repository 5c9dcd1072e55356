"""Notifications without dual writes.

A payment's `UpdateItem` and a waiver's `PutItem` mark the email as owed in the same
write. The notifier turns each mark into an outbox item (idempotent: the notice id is
the payment's or waiver's own UUID), clears the mark, and sends: right after the
response (a background task, only when Gmail is set up: otherwise the mark itself is
the queue) and from `scc outbox send` on a schedule. Each send is
claimed with a lease, so two senders never send one email twice; failures back off
and give up after `MAX_ATTEMPTS`, shown to the captain, who can resend. A broken mailer
(see server.notify.mailer) burns nothing: the notice stays pending, the mailer is marked
broken for the captain's Emails page, and the MailerBroken metric alarms.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import StrEnum

from server import observe
from server.domain.clock import utc_iso
from server.domain.float_plan import split_ref
from server.domain.records import Event, EventMap, Notice, NoticeMap
from server.notify import failures
from server.notify.compose import NotNeeded, compose_notice
from server.notify.failures import MAX_ATTEMPTS, STALLED
from server.notify.mailer import TIMEOUT_SECONDS, Mailer, MailerBroken
from server.notify.overdue import mark_overdue_trips
from server.notify.stream import Owed
from server.store import Store

log = logging.getLogger(__name__)

LEASE_SECONDS = 120
# A send is started only with this much time left (Gmail's timeout and its writes).
SEND_RESERVE_SECONDS = TIMEOUT_SECONDS + 3
# After a broken mailer's refusal this sender tries no send for this long (one probe a
# minute at most, so a sweep of 300 pending notices makes one token request, not 300).
BROKEN_PAUSE_SECONDS = 60


class SendOutcome(StrEnum):
    """What one attempt at one notice came to (`scc outbox send` prints the counts)."""

    SENT = "sent"
    RETRY = "retry"  # failed; pending again after a back-off
    FAILED = "failed"  # failed at the attempt cap; the captain can resend
    BUSY = "busy"  # leased by another sender, not due, or no longer pending
    UNCONFIGURED = "unconfigured"  # no Gmail settings: it stays pending
    DEFERRED = "deferred"  # not attempted: too little time left in this invocation
    BROKEN = "broken"  # the mailer refuses every send: it stays pending, not counted
    ERROR = "error"  # interrupted (the store failed): tried again once the lease runs out


def payment_notice(payment_id: str) -> str:
    return f"payment:{payment_id}"


def waiver_notice(waiver_id: str) -> str:
    return f"waiver:{waiver_id}"


def owed_notice(ref: str) -> tuple[str, str]:
    """(notice id, kind) of one ref on an event's owed set: a payment id, or a float
    plan ref (`float:…`, `late:…`, `back:…`, `overdue:…`), which is its own notice id."""
    if split_ref(ref) is not None:
        return ref, "trip"
    return payment_notice(ref), "payment"


class Notifier:
    def __init__(
        self,
        store: Store,
        mailer: Mailer | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.clock = clock
        self.owner = uuid.uuid4().hex  # this sender's name on its leases
        self.paused_until = 0.0  # the mailer refused every send: no attempt until then
        self.mailer_ok = False  # a send went through since this sender started

    def renew_owner(self) -> None:
        """A new lease name (after a SnapStart restore: one per environment)."""
        self.owner = uuid.uuid4().hex

    # --- owed marks -> outbox items ---------------------------------------------

    def collect_payments(self, event_id: str, payment_ids: set[str] | None = None) -> list[str]:
        """Queue the emails an event owes, its payments' and its float plan's (all, or
        these: the caller knows they were just marked, so no read is needed) and clear
        the marks."""
        if payment_ids is None:
            item = self.store.events.get(event_id)
            owed = set(item.get("notices_owed", set())) if item else set()
        else:
            owed = set(payment_ids)
        now = self.clock()
        for ref in sorted(owed):
            notice_id, kind = owed_notice(ref)
            self.store.outbox.ensure(notice_id, kind, event_id, ref, now, utc_iso(now))
        if owed:
            self.store.events.clear_notices(event_id, owed)
        return [owed_notice(ref)[0] for ref in sorted(owed)]

    def collect_waiver(self, event_id: str, waiver_id: str) -> str:
        now = self.clock()
        notice = waiver_notice(waiver_id)
        self.store.outbox.ensure(notice, "waiver", event_id, waiver_id, now, utc_iso(now))
        self.store.waivers.clear_notice(event_id, waiver_id)
        return notice

    def collect_owed(self, owed: Owed) -> list[str]:
        """Queue what one write made owed (a stream record, see server.notify.stream)."""
        if owed.kind == "payment":
            return self.collect_payments(owed.event_id, set(owed.refs))
        return [self.collect_waiver(owed.event_id, ref) for ref in sorted(owed.refs)]

    def mark_overdue_trips(self) -> int:
        """The sweep's overdue check (server.notify.overdue), as of this clock."""
        return mark_overdue_trips(self.store, datetime.fromtimestamp(self.clock(), UTC))

    def collect(self) -> int:
        """Queue everything marked as owed (e.g. after a crash before the send)."""
        queued = 0
        for event_id in self.store.events.owing_notices():
            with _alone(f"owed notices of {event_id}"):
                queued += len(self.collect_payments(event_id))
        for event_id, waiver_id in self.store.waivers.owing_notices():
            with _alone(f"owed copy of waiver {event_id}/{waiver_id}"):
                self.collect_waiver(event_id, waiver_id)
                queued += 1
        return queued

    # --- sending --------------------------------------------------------------------

    def send(self, notice_id: str) -> SendOutcome:
        """One attempt at one notice; the outcome says what came of it."""
        if self.mailer is None:
            return SendOutcome.UNCONFIGURED
        now = self.clock()
        if now < self.paused_until:
            return SendOutcome.BROKEN
        notice = self.store.outbox.claim(notice_id, self.owner, now, LEASE_SECONDS, MAX_ATTEMPTS)
        if notice is None:
            return SendOutcome.BUSY
        return self._deliver(notice, now)

    def _deliver(self, notice: Notice, now: float, event: EventMap | None = None) -> SendOutcome:
        """Send a notice this sender has claimed and record what came of it."""
        if self.mailer is None:
            return SendOutcome.UNCONFIGURED
        notice_id = str(notice["notice_id"])
        # Anything that goes wrong building or sending this email is this notice's
        # failed attempt alone (a stored record the templates cannot take, a provider's
        # odd error): it backs off and is finally `failed`; the sweep goes on.
        try:
            message = self.compose(notice, event)
        except NotNeeded as stale:
            self.store.outbox.mark_sent(notice_id, "", utc_iso(self.clock()), str(stale))
            return SendOutcome.SENT
        except Exception as exc:
            return self._failed_attempt(notice, now, failures.not_built(exc))
        try:
            message_id = self.mailer.send(message)
        except MailerBroken as exc:
            self._broken(notice_id, str(exc), now)
            return SendOutcome.BROKEN
        except Exception as exc:
            return self._failed_attempt(notice, now, failures.not_sent(exc))
        self.store.outbox.mark_sent(notice_id, message_id, utc_iso(self.clock()))
        if not self.mailer_ok:
            # The first send through since this sender started: the mailer works (its
            # token refreshed), so a broken mark (this sender's or another's) is cleared.
            self.store.outbox.clear_mailer_broken()
            self.mailer_ok = True
        return SendOutcome.SENT

    def _broken(self, notice_id: str, reason: str, now: float) -> None:
        """The mailer refused every send: give the notice back uncounted, mark the mailer
        broken (the captain's Emails page), alarm (MailerBroken, infra/template.yaml)."""
        assert self.mailer is not None
        self.store.outbox.release(notice_id, self.owner, reason)
        self.store.outbox.mark_mailer_broken(self.mailer.name, reason, utc_iso(now))
        self.paused_until = now + BROKEN_PAUSE_SECONDS
        self.mailer_ok = False
        observe.emit_metric("MailerBroken", 1, {"TablePrefix": self.store.settings.table_prefix})
        log.error("the %s mailer is broken; notices stay pending: %s", self.mailer.name, reason)

    def _failed_attempt(self, notice: Notice, now: float, why: str) -> SendOutcome:
        notice_id, attempts = str(notice["notice_id"]), int(notice["attempts"])
        retry_at = failures.next_attempt_at(attempts, now)
        self.store.outbox.mark_unsent(notice_id, why, retry_at)
        log.warning("notice %s not sent (attempt %s): %s", notice_id, attempts, why)
        if retry_at is None:
            failures.alarm(self.store.settings.table_prefix)
            return SendOutcome.FAILED
        return SendOutcome.RETRY

    def give_up_stalled(self, pending: Sequence[NoticeMap]) -> int:
        """Mark failed (and alarm) each pending notice whose last allowed attempt died
        before recording its outcome: no sender may claim it again, so without this it
        would wait, pending, forever."""
        now, failed = self.clock(), 0
        for notice in pending:
            stalled = int(notice.get("attempts", 0)) >= MAX_ATTEMPTS
            notice_id = str(notice["notice_id"])
            if stalled and self.store.outbox.give_up(notice_id, now, MAX_ATTEMPTS, STALLED):
                failures.alarm(self.store.settings.table_prefix)
                failed += 1
        return failed

    def send_due(self, time_left: Callable[[], float] | None = None) -> Counter[SendOutcome]:
        """Mark overdue trips, queue what is owed, then attempt every pending notice
        that is due."""
        self.mark_overdue_trips()
        self.collect()
        now = self.clock()
        pending = self.store.outbox.in_state("pending")
        stalled = self.give_up_stalled(pending)
        due = [
            str(notice["notice_id"])
            for notice in pending
            if int(notice.get("next_attempt_at", 0)) <= now
            and int(notice.get("attempts", 0)) < MAX_ATTEMPTS
        ]
        outcomes = self.send_each(due, time_left)
        if stalled:
            outcomes[SendOutcome.FAILED] += stalled
        return outcomes

    def send_each(
        self, notice_ids: list[str], time_left: Callable[[], float] | None = None
    ) -> Counter[SendOutcome]:
        """Attempt each notice in turn. With `time_left` (seconds, e.g. from the Lambda
        context) it stops while one more Gmail call could still finish: the rest stay
        pending, due now, for the next sweep ("deferred")."""
        outcomes: Counter[SendOutcome] = Counter()
        for notice_id in notice_ids:
            if time_left is not None and time_left() < SEND_RESERVE_SECONDS:
                outcomes[SendOutcome.DEFERRED] += 1
                continue
            try:
                outcomes[self.send(notice_id)] += 1
            except Exception:  # the store failed mid-attempt: the lease runs out, and a
                # later sweep tries again; the other notices go on regardless
                log.exception("notice %s: attempt interrupted", notice_id)
                outcomes[SendOutcome.ERROR] += 1
        return outcomes

    def compose(self, notice: NoticeMap, event: EventMap | None = None) -> EmailMessage:
        """The email for a notice (LookupError if what it tells of has gone); `event` is
        the trip as just written, when the caller holds it."""
        if event is None:
            event = self._event(str(notice["event_id"]))
        return compose_notice(self.store, notice, event)

    def _event(self, event_id: str) -> Event:
        item = self.store.events.get(event_id)
        if item is not None and "moved_to" in item:  # renamed since: follow it once
            item = self.store.events.get(str(item["moved_to"]))
        if item is None:
            raise LookupError("the event is no longer stored")
        return item

    # --- right after a response ------------------------------------------------------

    def after_payment(self, event: EventMap, payment_id: str) -> None:
        """Background task, with the trip as the payment's write returned it: queue and
        try to send at once; whatever fails stays pending. Without Gmail nothing could
        be sent, so it makes no call at all: the owed mark written with the payment is
        the queue, and `scc outbox send` collects it."""
        if self.mailer is not None:
            self._quietly(lambda: self._send_new_payment(event, payment_id))

    def _send_new_payment(self, event: EventMap, payment_id: str) -> SendOutcome:
        # Three calls: the outbox item created already leased to this sender (a sweep
        # or stream record racing it finds it leased), the mark cleared, the outcome
        # recorded. A crash after the first leaves it pending: the lease runs out and
        # the sweep sends it.
        event_id = str(event["event_id"])
        now = self.clock()
        if now < self.paused_until:
            return SendOutcome.BROKEN  # the owed mark stays: the sweep queues it
        notice_id = payment_notice(payment_id)
        notice = self.store.outbox.create_claimed(
            (notice_id, "payment", event_id, payment_id),
            now,
            utc_iso(now),
            self.owner,
            LEASE_SECONDS,
        )
        self.store.events.clear_notices(event_id, {payment_id})
        if notice is None:
            return SendOutcome.BUSY
        return self._deliver(notice, now, event)

    def after_trip(self, event_id: str, ref: str) -> None:
        """Background task after a depart, late or back: queue and try to send."""
        self._quietly(lambda: [self.send(n) for n in self.collect_payments(event_id, {ref})])

    def after_waiver(self, event_id: str, waiver_id: str) -> None:
        """Background task: queue the signer's copy and try to send it at once."""
        self._quietly(lambda: self.send(self.collect_waiver(event_id, waiver_id)))

    def after_resend(self, notice_id: str) -> None:
        self._quietly(lambda: self.send(notice_id))

    @staticmethod
    def _quietly(attempt: Callable[[], object]) -> None:
        # The response has gone out already; a failure here must only be logged (the
        # mark or the pending item stays, and `scc outbox send` picks it up).
        try:
            attempt()
        except Exception:
            log.exception("immediate notification attempt failed; it stays owed")


@contextmanager
def _alone(what: str) -> Iterator[None]:
    """One item's failure is logged and is that item's alone: the loop goes on."""
    try:
        yield
    except Exception:
        log.exception("%s: failed; the others go on", what)
