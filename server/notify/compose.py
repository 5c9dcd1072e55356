"""The email a notice sends, built from what is stored: the trip's float-plan news, a
payment, or a signer's copy of a waiver (with its sealed PDF attached, when a signing
key is set)."""

from __future__ import annotations

from email.message import EmailMessage

from server.documents.copies import waiver_copy
from server.documents.waiver_pdf import reference
from server.domain.float_plan import BACK, UNDO_BACK, notice_ref, split_ref
from server.domain.records import EventMap, NoticeMap
from server.notify.emails import (
    attach_pdf,
    pay_link_email,
    payment_email,
    trip_email,
    waiver_email,
)
from server.store import Store


class NotNeeded(Exception):
    """This notice has nothing left to tell (a Back at the dock since undone, or an
    undo of a back the shore never heard of): it is recorded as not sent, not failed."""


def _check_still_news(
    store: Store, kind: str, departure_id: str, detail: str, event: EventMap
) -> None:
    """An Undo of Back at the dock makes the back email stale, and the undo's own
    correction news only if the back email went out (one in flight: try later)."""
    if kind == BACK and ("returned_at" not in event or (detail and event["returned_at"] != detail)):
        raise NotNeeded("Back at the dock was undone")
    if kind == UNDO_BACK:
        back = store.outbox.get(notice_ref(BACK, departure_id, detail))
        if back is None or back.get("state") == "pending" and "lease_owner" not in back:
            raise NotNeeded("the back email had not gone out")
        if back.get("state") == "pending":
            raise RuntimeError("the back email is being sent; the correction follows it")
        if back.get("state") != "sent" or back.get("not_needed"):
            raise NotNeeded("the back email had not gone out")


def compose_notice(store: Store, notice: NoticeMap, event: EventMap) -> EmailMessage:
    """The email for `notice` about `event` (LookupError if what it tells of has gone)."""
    settings = store.settings
    if notice["kind"] == "trip":
        kind, departure_id, detail = split_ref(str(notice["ref_id"])) or ("", "", "")
        if "departure" not in event or not kind:
            raise LookupError("the trip's departure is no longer stored")
        _check_still_news(store, kind, departure_id, detail, event)
        return trip_email(
            event,
            kind,
            detail,
            settings.base_url,
            settings.mail_sender,
            settings.shore_contacts,
            settings.timezone,
            settings.uscg_sector_phone,
        )
    if notice["kind"] == "paylink":
        if not event.get("booker_email"):
            raise LookupError("the trip no longer names the booker's email")
        return pay_link_email(
            event,
            settings.base_url,
            settings.mail_sender,
            settings.operator_name,
            settings.timezone,
        )
    if notice["kind"] == "payment":
        return payment_email(
            event,
            str(notice["ref_id"]),
            settings.base_url,
            settings.mail_sender,
            settings.mail_recipients,
            settings.timezone,
        )
    waiver = store.waivers.get(str(event["event_id"]), str(notice["ref_id"]))
    if waiver is None:
        waiver = store.waivers.get(str(notice["event_id"]), str(notice["ref_id"]))
    if waiver is None:
        raise LookupError("the waiver is no longer stored")
    message = waiver_email(
        event,
        waiver,
        settings.base_url,
        settings.mail_sender,
        settings.timezone,
        settings.operator_name,
        settings.operator_phone,
        settings.operator_email,
    )
    # The sealed PDF is made here, in the outbox's send, never in the waiver's POST.
    pdf = waiver_copy(store, event, waiver)
    if pdf is not None:
        attach_pdf(message, pdf, f"waiver-{reference(waiver)}.pdf")
    return message
