"""The notification emails, built with the standard library's `email` package: a
plain-text part and an HTML part from templates in `templates/email/`.

Each is a complete RFC 5322 message: `Date` (now, in the operator's zone) and a
`Message-ID` on the operator's own domain, the host of `SCC_BASE_URL` (the address the
app answers at is theirs; the sender may be a shared gmail.com mailbox, whose domain
is not the operator's to mint ids on). Header text passes through the one text cleaner,
so a stored value with a line break (U+2028, from an older item) cannot break one."""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

import jinja2

from server import ROOT
from server.domain.clock import clock_time_in, human_time_in
from server.domain.float_plan import BACK, FLOAT, LATE, OVERDUE, UNDO_BACK
from server.domain.forms import MAX_EMAIL, clean_text
from server.domain.languages import DEFAULT, translator
from server.domain.languages import install_gettext as _install_gettext
from server.domain.legal_text import legal_html
from server.domain.money import format_money, to_money
from server.domain.payments import book_of, ledger
from server.domain.records import AboardPerson, EventMap, WaiverMap
from server.domain.waiver_rules import text_of
from server.settings import tel_uri

TEMPLATES = ROOT / "templates" / "email"


@functools.cache
def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    _install_gettext(env)  # the signer's copy is in the language they signed in
    env.filters["money"] = format_money
    env.filters["when"] = _when
    env.filters["clock"] = _clock
    env.filters["legal_html"] = legal_html
    return env


def _said(moment: str, timezone: tzinfo, language: str = DEFAULT) -> str:
    """An email is read later, maybe elsewhere: the day and the zone are always said
    (`Sat 28 Nov, 5:10 pm PST`), in the operator's zone."""
    return human_time_in(moment, timezone, language, always_day=True, zone=True)


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, moment: str) -> str:
    """`{{ entry.logged_at | when }}` in an email: `_said` in the context's `timezone`."""
    return _said(moment, context["timezone"], context.get("language") or DEFAULT)


@jinja2.pass_context
def _clock(context: jinja2.runtime.Context, hhmm: object) -> str:
    return clock_time_in(hhmm, context.get("language") or DEFAULT)


_DOT_ATOM_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def message_id_domain(base_url: str) -> str:
    """The right side of a `Message-ID`: SCC_BASE_URL's host (an IP as `[literal]`)."""
    host = urlsplit(base_url).hostname or ""
    try:
        return f"[{ipaddress.IPv6Address(host)}]"
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii")  # bücher.example -> xn--bcher-kva.example
    except UnicodeError:
        host = ""
    return host if _DOT_ATOM_HOST.fullmatch(host) else "localhost"


def _message(
    subject: str,
    sender: str,
    to: list[str],
    name: str,
    context: dict[str, Any],
    base_url: str,
    timezone: tzinfo,
) -> EmailMessage:
    subject = clean_text(subject)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = clean_text(sender, max_length=MAX_EMAIL)
    message["To"] = ", ".join(clean_text(a, max_length=MAX_EMAIL) for a in to)
    message["Date"] = format_datetime(datetime.now(timezone))
    message["Message-ID"] = make_msgid(domain=message_id_domain(base_url))
    context = {**context, "subject": subject}
    message.set_content(_environment(False).get_template(f"{name}.txt").render(context))
    message.add_alternative(
        _environment(True).get_template(f"{name}.html").render(context), subtype="html"
    )
    return message


def payment_email(
    event: EventMap,
    payment_id: str,
    base_url: str,
    sender: str,
    recipients: list[str],
    timezone: tzinfo,
) -> EmailMessage:
    """To the operator: the payment, who logged it, and paid / balance due after it."""
    if "payments" not in event and event.get("appended", {}).get("payment_id") == payment_id:
        # The append's answer: the entry it wrote and the totals right after it.
        entry, after = event["appended"], book_of(event)
    else:
        entries = list(event.get("payments", []))
        position = next(i for i, e in enumerate(entries) if e.get("payment_id") == payment_id)
        entry = entries[position]
        after = ledger(event.get("total_price", 0), entries[: position + 1])
    context = {
        "event": event,
        "entry": entry,
        "paid": after.paid,
        "balance_due": after.balance_due,
        "timezone": timezone,
        "link": f"{base_url}/dispatch/events/{event['event_id']}",
    }
    tip = to_money(entry.get("tip", 0))  # the crew's, beside the price (online tips too)
    with_tip = f" + {format_money(tip)} tip" if tip > 0 else ""
    subject = (
        f"Payment {format_money(entry['amount'])}{with_tip} {entry['method']} · "
        f"{event.get('patron_first_name', '')} {event['event_id']}"
    )
    return _message(subject, sender, recipients, "payment", context, base_url, timezone)


TRIP_SUBJECTS = {
    FLOAT: "Float plan: {boat} out, back by {back}",
    LATE: "Running late: {boat} now back by {back}",
    BACK: "Back at the dock: {boat}",
    UNDO_BACK: "Correction: {boat} NOT back, still out, back by {back}",
    OVERDUE: "OVERDUE: {boat} not back, expected {back}",
}


def trip_email(
    event: EventMap,
    kind: str,
    detail: str,
    base_url: str,
    sender: str,
    recipients: list[str],
    timezone: tzinfo,
    uscg_phone: str | None = None,
) -> EmailMessage:
    """To the shore contact: the float plan (who is aboard, where, back when, each
    guest's emergency contact, the minors, the crew and master), or that it runs late,
    is back, or is OVERDUE (with the boat's description for a search and the Coast
    Guard sector's number when it is set)."""
    departure = event["departure"]
    # A late or overdue notice names the expected return it was about (`detail`).
    back = detail if kind in (LATE, OVERDUE) and detail else str(departure["expected_back"])
    context = {
        "kind": kind,
        "event": event,
        "departure": departure,
        "guests": [p for p in departure.get("aboard", []) if p.get("role") == "guest"],
        "crew": departure.get("crew_aboard") or _crew_in(departure.get("aboard", [])),
        "boat": departure.get("boat_checked") or {},
        "uscg_phone": uscg_phone,
        "departed": _said(str(departure["departed_at"]), timezone),
        "back": _said(back, timezone),
        "returned": _said(str(event["returned_at"]), timezone) if "returned_at" in event else "",
        "link": f"{base_url}/dispatch/events/{event['event_id']}",
    }
    boat = departure.get("boat") or event["event_id"]
    subject = TRIP_SUBJECTS[kind].format(boat=boat, back=context["back"])
    subject = f"{subject} · {event['event_id']}"
    return _message(subject, sender, recipients, "trip", context, base_url, timezone)


def waiver_email(
    event: EventMap,
    waiver: WaiverMap,
    base_url: str,
    sender: str,
    timezone: tzinfo,
    operator: str = "your charter operator",
    operator_phone: str | None = None,
    operator_email: str | None = None,
) -> EmailMessage:
    """To the signer: what they signed (version and text), when, the reference number,
    the ESIGN copy notice, and how to reach the operator (phone, email) when set; in
    the language they signed in (the record's `language`), with that text."""
    language = str(waiver.get("language") or DEFAULT)
    context = {
        "language": language,
        "event": event,
        "operator": operator,
        "operator_phone": operator_phone,
        "operator_tel": tel_uri(operator_phone) if operator_phone else None,
        "operator_email": operator_email,
        "waiver": waiver,
        "reference": str(waiver["waiver_id"])[:8].upper(),
        "text": text_of(str(waiver["waiver_version"]), language),
        "esign": text_of(str(waiver["esign_version"]), language),
        "timezone": timezone,
        "link": f"{base_url}/g/{event['event_id']}/waiver/signed/{waiver['waiver_id']}",
    }
    _ = translator(language)
    subject = _("Your signed waiver, reference {reference}").format(reference=context["reference"])
    to = [str(waiver["email"])]
    return _message(subject, sender, to, "waiver", context, base_url, timezone)


def pay_link_email(
    event: EventMap, base_url: str, sender: str, operator: str, timezone: tzinfo
) -> EmailMessage:
    """To the booker (the event's `booker_email`): the balance due now and the trip
    page's link, where they pay it online (issue 28)."""
    book = book_of(event)
    context = {
        "event": event,
        "balance_due": book.balance_due,
        "operator": operator,
        "timezone": timezone,
        "link": f"{base_url}/g/{event['event_id']}",
    }
    subject = f"Pay the balance of your trip with {operator}"
    to = [str(event["booker_email"])]
    return _message(subject, sender, to, "paylink", context, base_url, timezone)


def attach_pdf(message: EmailMessage, pdf: bytes, filename: str) -> None:
    """Attach a PDF: the message becomes multipart/mixed, its text and HTML parts the
    first part (base64, so lines stay within RFC 5322's 998 characters)."""
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)


def _crew_in(aboard: list[AboardPerson]) -> list[AboardPerson]:
    """The crew of a departure recorded before `crew_aboard` was kept."""
    return [p for p in aboard if p.get("role") == "crew"]
