"""The patron's pages: the trip page and waiver signing (no sign-in; the link is the
event's). Waiver pages hold personal data: never cached, nothing from them in URLs."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.forms import text_field
from server.domain.languages import N_
from server.domain.rate_limits import TRIP_MISSES_PER_IP, ip_key
from server.domain.waiver_rules import (
    CURRENT_ESIGN,
    CURRENT_WAIVER,
    MAX_MINORS,
    WaiverText,
    minor_rows,
    shown_text,
    text_of,
)
from server.domain.waiver_signing import closed_refusal
from server.notify.outbox import Notifier
from server.services import waivers as services
from server.services.results import Refused
from server.services.waivers import Repos, Signing
from server.web.client_address import client_ip
from server.web.cookies import signed_cookie_name
from server.web.event_view import EventView, find_event
from server.web.language import language_of
from server.web.manifest import parse_waiver_id
from server.web.pay_offer import pay_headers, pay_offer
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import sends_after_response, settings_of, store_of, today_of
from server.web.waiver_admission import refuse_if_full, too_many

routes = Routes()

NO_STORE = {"Cache-Control": "no-store"}


TOO_MANY_MISSES = N_(
    "Too many trip links from this connection did not match a trip. Check the link the "
    "captain sent you, and try again in a few minutes."
)
# How long the form asks "another guest?" after a waiver was signed in this browser.
SIGNED_COOKIE_SECONDS = 30 * 60


def trip_event(request: Request) -> EventView:
    """The trip at the path's id. Unknown ids count against the client IP: after too
    many, every /g/ page answers 429 to it until its window ends (links are guessable).
    The lookup is counted before it is made and given back when the trip is there, so
    parallel guesses get no more answers than the limit, and a 429 says nothing about
    whether a trip exists."""
    store = store_of(request)
    ip, now = ip_key(client_ip(request)), time.time()
    taken = store.limits.take([(TRIP_MISSES_PER_IP, ip)], now)
    if not taken.admitted:
        raise too_many(TOO_MANY_MISSES, taken.until or now, now)
    missed = False
    try:
        item = find_event(store, request.path_params["event_id"])
    except HTTPException as missing:
        missed = missing.status_code == 404
        raise
    finally:
        if not missed:
            store.limits.give_back(taken.spent)
    return EventView(item=item, today=today_of(request))


def _refuse_if_closed(request: Request, event: EventView) -> None:
    """Cancelled trips and trips long past take no more waivers (410, a clear page)."""
    closed = closed_refusal(event.item, event.today, settings_of(request).waiver_close_days)
    if closed:
        raise HTTPException(*closed)


def trip_context(request: Request, event: EventView) -> dict[str, Any]:
    closes = event.day + timedelta(days=settings_of(request).waiver_close_days)
    return {
        "event": event,
        "stage": event.stage,
        # The last day the waiver can be signed (a past trip's guests may still sign).
        "waiver_closes": closes if closes >= event.today else None,
        "pay": pay_offer(request, event),
    }


@routes.get("/g/{event_id}", "trip")
async def trip_page(request: Request) -> Response:
    event = await run_in_threadpool(trip_event, request)
    context = trip_context(request, event)
    headers = pay_headers(request) if context["pay"] else {}
    return render(request, "trip.html", context, headers=headers)


def _published(version: str, current: str, language: str) -> WaiverText:
    """The text version a form showed (in the patron's language when translated), or
    the current one if that is not published."""
    try:
        return shown_text(version or current, language)
    except KeyError:
        return shown_text(current, language)


def _form(
    request: Request,
    event: EventView,
    form: Any = None,
    errors: dict[str, str] | None = None,
    *,
    rows: int | None = None,
    status_code: int = 200,
) -> Response:
    form = form or {}
    values = {k: text_field(form, k) for k in form if k != "csrf_token"}
    language = language_of(request)
    waiver_id = text_field(values, "waiver_id") or str(uuid.uuid4())
    waiver = _published(text_field(values, "waiver_version"), CURRENT_WAIVER, language)
    context = {
        "event": event,
        "values": values,
        "errors": errors or {},
        "rows": minor_rows(values) if rows is None else rows,
        "max_minors": MAX_MINORS,
        "waiver": waiver,
        "original": text_of(waiver.original_version),  # a tap away on a translation
        "esign": _published(text_field(values, "esign_version"), CURRENT_ESIGN, language),
        "waiver_id": waiver_id,
        # A translation says which text governs, with the English original a tap away.
        "governing": settings_of(request).waiver_governing_language,
    }
    return render(
        request,
        "waiver.html",
        context,
        fragment="_waiver_form.html",
        status_code=status_code,
        headers=NO_STORE,
    )


@routes.get("/g/{event_id}/waiver", "waiver_form")
async def waiver_form(request: Request) -> Response:
    event = await run_in_threadpool(trip_event, request)
    _refuse_if_closed(request, event)
    await run_in_threadpool(refuse_if_full, request, event)
    signed_here = _signed_here(request, event)
    if signed_here and signed_here != request.query_params.get("after"):
        # Back after signing, or the trip's link again: never the browser's restored
        # copy of the signed form; ask first ("Sign for another guest" is ?after=id).
        context = {"event": event, "waiver_id": signed_here}
        return render(request, "waiver_signed_here.html", context, headers=NO_STORE)
    return _form(request, event)


def _signed_here(request: Request, event: EventView) -> str | None:
    """The waiver id this browser last signed for this trip (the signed cookie), if any."""
    raw = request.cookies.get(signed_cookie_name(settings_of(request)), "")
    event_id, _, waiver_id = raw.rpartition(":")
    if event_id != event.event_id:
        return None
    try:
        return parse_waiver_id(waiver_id)
    except HTTPException:
        return None


@routes.post("/g/{event_id}/waiver", "sign_waiver")
async def sign_waiver(request: Request) -> Response:
    form = await request.form()
    event = await run_in_threadpool(trip_event, request)
    action = text_field(form, "action")
    rows = minor_rows(form)
    # "+ add a minor" and "remove" are submit buttons, so they work without JavaScript.
    if action == "add_minor" or action.startswith("remove_minor_"):
        _refuse_if_closed(request, event)
        if action == "add_minor":
            return _form(request, event, form, rows=min(rows + 1, MAX_MINORS))
        return _form(request, event, _without_minor(form, action, rows), rows=max(rows - 1, 0))
    signing = Signing(
        event=event.item,
        form=form,
        today=event.today,
        close_days=settings_of(request).waiver_close_days,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        now=time.time(),
        language=language_of(request),
    )
    store = store_of(request)
    result = await run_in_threadpool(
        services.sign_waiver, signing, Repos(store.waivers, store.limits)
    )
    if isinstance(result, Refused):
        return _refused(request, event, form, result)
    background = None
    if result.owed and sends_after_response(request):  # on Lambda the stream sends it
        notifier: Notifier = request.app.state.notifier
        background = BackgroundTask(notifier.after_waiver, result.event_id, result.waiver_id)
    url = request.app.url_path_for(
        "waiver_signed", event_id=result.event_id, waiver_id=result.waiver_id
    )
    response = redirect(request, str(url))
    response.background = background
    response.set_cookie(
        signed_cookie_name(settings_of(request)),
        f"{result.event_id}:{result.waiver_id}",
        max_age=SIGNED_COOKIE_SECONDS,
        httponly=True,
        secure=settings_of(request).secure_cookies,
        samesite="lax",
    )
    return response


def _refused(request: Request, event: EventView, form: Any, refused: Refused) -> Response:
    """The form again with its errors (422; 409 and a fresh reference when another
    signer used this one), or the error page of a closed trip or a flood limit."""
    if refused.code == "invalid":
        return _form(request, event, form, refused.errors, status_code=422)
    if refused.code == "reused":
        fresh = {k: v for k, v in form.items() if k != "waiver_id"}
        return _form(request, event, fresh, refused.errors, status_code=409)
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
    raise HTTPException(refused.status, refused.errors["form"], headers=headers)


def _without_minor(form: Any, action: str, rows: int) -> dict[str, str]:
    """The form's values with one minor row taken out and the rest moved up."""
    try:
        gone = int(action.rsplit("_", 1)[1])
    except ValueError:
        gone = -1
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    kept = [
        (values.get(f"minor_name_{i}", ""), values.get(f"minor_dob_{i}", ""))
        for i in range(rows)
        if i != gone
    ]
    for i in range(rows):
        values.pop(f"minor_name_{i}", None)
        values.pop(f"minor_dob_{i}", None)
    for i, (name, dob) in enumerate(kept):
        values[f"minor_name_{i}"] = name
        values[f"minor_dob_{i}"] = dob
    values["minor_rows"] = str(len(kept))
    return values


@routes.get("/g/{event_id}/waiver/signed/{waiver_id}", "waiver_signed")
async def waiver_signed(request: Request) -> Response:
    """The confirmation: what was signed, when, and the reference number. Shows names
    only (no birth dates or contact details), since the link can be shared."""
    event = await run_in_threadpool(trip_event, request)
    waiver_id = parse_waiver_id(request.path_params["waiver_id"])
    waiver = await run_in_threadpool(store_of(request).waivers.get, event.event_id, waiver_id)
    if waiver is None:
        raise HTTPException(404)
    return render(
        request,
        "waiver_signed.html",
        {
            "event": event,
            "waiver": waiver,
            "text": text_of(str(waiver["waiver_version"]), str(waiver.get("language", "en"))),
            "pay": pay_offer(request, event),
        },
        headers={**NO_STORE, **pay_headers(request)},
    )
