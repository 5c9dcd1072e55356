"""The notification emails, built with the standard library's `email` package: a
plain-text part and an HTML part from templates in `templates/email/`."""

from __future__ import annotations

import functools
from datetime import tzinfo
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import jinja2

from server import ROOT
from server.domain.clock import human_time
from server.domain.float_plan import BACK, FLOAT, LATE, OVERDUE
from server.domain.legal_text import legal_html
from server.domain.money import format_money
from server.domain.payments import book_of, ledger
from server.domain.waiver_rules import load_text

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
    env.filters["money"] = format_money
    env.filters["when"] = _when
    env.filters["legal_html"] = legal_html
    return env


def _said(moment: str, timezone: tzinfo) -> str:
    """An email is read later, maybe elsewhere: the day and the zone are always said
    (`Sat 28 Nov, 5:10 pm PST`), in the operator's zone."""
    return human_time(moment, timezone, always_day=True, zone=True)


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, moment: str) -> str:
    """`{{ entry.logged_at | when }}` in an email: `_said` in the context's `timezone`."""
    return _said(moment, context["timezone"])


def _message(
    subject: str, sender: str, to: list[str], name: str, context: dict[str, Any]
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Message-ID"] = make_msgid(domain="shipcaptaincrew.invalid")
    message.set_content(_environment(False).get_template(f"{name}.txt").render(context))
    message.add_alternative(
        _environment(True).get_template(f"{name}.html").render(context), subtype="html"
    )
    return message


def payment_email(
    event: dict[str, Any],
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
    subject = (
        f"Payment {format_money(entry['amount'])} {entry['method']} · "
        f"{event.get('patron_first_name', '')} {event['event_id']}"
    )
    return _message(subject, sender, recipients, "payment", context)


TRIP_SUBJECTS = {
    FLOAT: "Float plan: {boat} out, back by {back}",
    LATE: "Running late: {boat} now back by {back}",
    BACK: "Back at the dock: {boat}",
    OVERDUE: "OVERDUE: {boat} not back, expected {back}",
}


def trip_email(
    event: dict[str, Any],
    kind: str,
    detail: str,
    base_url: str,
    sender: str,
    recipients: list[str],
    timezone: tzinfo,
) -> EmailMessage:
    """To the shore contact: the float plan (who is aboard, where, back when, each
    guest's emergency contact), or that it runs late, is back, or is OVERDUE."""
    departure = event["departure"]
    # A late or overdue notice names the expected return it was about (`detail`).
    back = detail if kind in (LATE, OVERDUE) and detail else str(departure["expected_back"])
    context = {
        "kind": kind,
        "event": event,
        "departure": departure,
        "guests": [p for p in departure.get("aboard", []) if p.get("role") == "guest"],
        "crew": [p for p in departure.get("aboard", []) if p.get("role") == "crew"],
        "departed": _said(str(departure["departed_at"]), timezone),
        "back": _said(back, timezone),
        "returned": _said(str(event["returned_at"]), timezone) if "returned_at" in event else "",
        "link": f"{base_url}/dispatch/events/{event['event_id']}",
    }
    boat = departure.get("boat") or event["event_id"]
    subject = TRIP_SUBJECTS[kind].format(boat=boat, back=context["back"])
    return _message(f"{subject} · {event['event_id']}", sender, recipients, "trip", context)


def waiver_email(
    event: dict[str, Any],
    waiver: dict[str, Any],
    base_url: str,
    sender: str,
    timezone: tzinfo,
    operator: str = "your charter operator",
) -> EmailMessage:
    """To the signer: what they signed (version and text), when, the reference number,
    and the ESIGN copy notice."""
    context = {
        "event": event,
        "operator": operator,
        "waiver": waiver,
        "reference": str(waiver["waiver_id"])[:8].upper(),
        "text": load_text(str(waiver["waiver_version"])),
        "esign": load_text(str(waiver["esign_version"])),
        "timezone": timezone,
        "link": f"{base_url}/g/{event['event_id']}/waiver/signed/{waiver['waiver_id']}",
    }
    subject = f"Your signed waiver, reference {context['reference']}"
    return _message(subject, sender, [str(waiver["email"])], "waiver", context)
