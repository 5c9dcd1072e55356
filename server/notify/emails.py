"""The notification emails, built with the standard library's `email` package: a
plain-text part and an HTML part from templates in `templates/email/`."""

from __future__ import annotations

import functools
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import jinja2

from server import ROOT
from server.domain.money import format_money
from server.domain.payments import ledger
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
    return env


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
    event: dict[str, Any], payment_id: str, base_url: str, sender: str, recipients: list[str]
) -> EmailMessage:
    """To the operator: the payment, who logged it, and paid / balance due after it."""
    entries = list(event.get("payments", []))
    position = next(i for i, e in enumerate(entries) if e.get("payment_id") == payment_id)
    entry = entries[position]
    after = ledger(event.get("total_price", 0), entries[: position + 1])
    context = {
        "event": event,
        "entry": entry,
        "paid": after.paid,
        "balance_due": after.balance_due,
        "link": f"{base_url}/dispatch/events/{event['event_id']}",
    }
    subject = (
        f"Payment {format_money(entry['amount'])} {entry['method']} · "
        f"{event.get('patron_first_name', '')} {event['event_id']}"
    )
    return _message(subject, sender, recipients, "payment", context)


def waiver_email(
    event: dict[str, Any], waiver: dict[str, Any], base_url: str, sender: str
) -> EmailMessage:
    """To the signer: what they signed (version and text), when, the reference number,
    and the ESIGN copy notice."""
    context = {
        "event": event,
        "waiver": waiver,
        "reference": str(waiver["waiver_id"])[:8].upper(),
        "text": load_text(str(waiver["waiver_version"])),
        "esign": load_text(str(waiver["esign_version"])),
        "link": f"{base_url}/g/{event['event_id']}/waiver/signed/{waiver['waiver_id']}",
    }
    subject = f"Your signed waiver, reference {context['reference']}"
    return _message(subject, sender, [str(waiver["email"])], "waiver", context)
