"""Tips (issue 27): the captain's /admin/tips (earned by trip, paid out, owed, overdue
card tips), the payouts recorded there, the CSV, and each crew member's own tips."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.clock import utc_now_iso
from server.domain.forms import FormErrors, form_values
from server.domain.money import money_str
from server.domain.reconcile import csv_cell
from server.domain.tip_report import (
    PAYOUT_METHODS,
    CrewTips,
    tips_by_crew,
    tips_csv_rows,
    validate_payout,
)
from server.domain.tips import crew_of, validate_trip_shares
from server.domain.users import User
from server.store.payouts import PayoutRefusal
from server.web.audit import audit
from server.web.auth import captain_only, crew_only
from server.web.event_view import crew_names, find_event, valid_event_id, view_of
from server.web.render import redirect, render
from server.web.reports import _range, typed_param
from server.web.routing import Routes
from server.web.state import settings_of, store_of, today_of

routes = Routes()

PAYOUT_FIELDS = ("email", "amount", "method", "paid_on", "note", "correction")


def _everyone(request: Request) -> tuple[dict[str, CrewTips], list[dict[str, Any]]]:
    """Every crew member's tips (all time) and the accounts: one scan of each table."""
    store, settings = store_of(request), settings_of(request)
    accounts = store.users.all()
    names = {str(a["email"]): str(a.get("name") or a["email"]) for a in accounts}
    payouts = {str(a["email"]): list(a.get("tip_payouts", [])) for a in accounts}
    crew = tips_by_crew(
        store.events.scan_all(), payouts, names, dict(settings.tip_shares), settings.payday
    )
    return crew, accounts


def _page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    today = today_of(request)
    start, end, range_errors = _range(request)
    shown = {
        "from": typed_param(request, "from", start.isoformat()),
        "to": typed_param(request, "to", end.isoformat()),
    }
    context: dict[str, Any] = {
        "range_errors": range_errors,
        "range": shown,
        "errors": errors or {},
        "values": values or {"paid_on": today.isoformat(), "method": "cash"},
        "payout_id": str(uuid.uuid4()),
        "payout_methods": PAYOUT_METHODS,
        "today": today,
        "recorded": request.query_params.get("recorded", ""),
        "crew": [],
        "accounts": [],
        "anchor": uuid_of,
    }
    if range_errors:
        return render(request, "admin_tips.html", context, status_code=422)
    crew, accounts = _everyone(request)
    context.update(
        crew=[(c, c.within(start, end)) for c in crew.values()],
        accounts=[a for a in accounts if not a.get("disabled")],
        start=start,
        end=end,
        payday=settings_of(request).payday.next_after(today - timedelta(days=1)),
    )
    return render(request, "admin_tips.html", context, status_code=status_code)


@routes.get("/admin/tips", "admin_tips")
@captain_only
async def tips_page(request: Request) -> Response:
    return await run_in_threadpool(_page, request)


@routes.post("/admin/tips/payouts", "admin_tip_payout")
@captain_only
async def record_payout(request: Request) -> Response:
    form = await request.form()
    store = store_of(request)
    user: User = request.state.user
    values = form_values(form, PAYOUT_FIELDS)
    accounts = await run_in_threadpool(store.users.all)
    try:
        payout = validate_payout(form, [str(a["email"]) for a in accounts])
    except FormErrors as invalid:
        errors = invalid.errors
        return await run_in_threadpool(
            lambda: _page(request, errors=errors, values=values, status_code=422)
        )
    entry = payout.entry(user.email, utc_now_iso())
    refused = await run_in_threadpool(store.payouts.append, payout.email, entry)
    if refused is PayoutRefusal.NO_ACCOUNT:
        raise HTTPException(404, "There is no such crew account.")
    if refused is PayoutRefusal.FULL:
        message = {"form": "This account holds the most payouts one account can. Ask for help."}
        return await run_in_threadpool(
            lambda: _page(request, errors=message, values=values, status_code=409)
        )
    if refused is None:  # a repeated form (PayoutRefusal.DUPLICATE) is already recorded
        detail = f"{money_str(payout.amount)} {payout.method} on {payout.paid_on.isoformat()}"
        await audit(request, "account.tip_payout", payout.email, detail)
    url = request.app.url_path_for("admin_tips")
    shown = urlencode(
        {k: typed_param(request, k) for k in ("from", "to") if request.query_params.get(k)}
        | {"recorded": payout.payout_id}
    )
    return redirect(request, f"{url}?{shown}#tips-{uuid_of(payout.email)}")


def uuid_of(email: str) -> str:
    """A stable, id-safe anchor for a crew member's section."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mailto:" + email))


@routes.get("/admin/tips.csv", "admin_tips_csv")
@captain_only
async def tips_csv(request: Request) -> Response:
    start, end, errors = _range(request)
    if errors:
        raise HTTPException(422, " ".join(errors.values()))
    crew, _ = await run_in_threadpool(_everyone, request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(tips_csv_rows(crew.values(), start, end, csv_cell))
    filename = f"tips-{start.isoformat()}-to-{end.isoformat()}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def tips_of(request: Request, email: str) -> CrewTips:
    """This member's tips, worked out as the captain's page does (the same names break
    the split's ties, so a left-over cent lands with the same person on both pages)."""
    crew, accounts = _everyone(request)
    name = next((str(a.get("name") or email) for a in accounts if a["email"] == email), email)
    return crew.get(email) or CrewTips(email=email, name=name)


@routes.get("/account/tips", "my_tips")
@crew_only
async def my_tips(request: Request) -> Response:
    """The signed-in crew member's own tips: earned by trip, paid out, owed. Nobody
    else's (the captain sees everyone's on /admin/tips)."""
    user: User = request.state.user
    mine = await run_in_threadpool(tips_of, request, user.email)
    today = today_of(request)
    return render(request, "my_tips.html", {"mine": mine, "today": today})


@routes.post("/admin/events/{event_id}/tip-shares", "admin_tip_shares")
@captain_only
async def set_tip_shares(request: Request) -> Response:
    """The captain's per-trip split weights, set on the trip page (blank: the role's
    default from SCC_TIP_SHARES, else equal)."""
    event_id = valid_event_id(request)
    form = await request.form()
    store = store_of(request)
    item = await run_in_threadpool(find_event, store, event_id)
    names = await run_in_threadpool(crew_names, store, item)
    crew = crew_of(item, names)
    try:
        shares = validate_trip_shares(form, crew)
    except FormErrors as invalid:
        view = view_of(request, item)
        context = {
            "event": view,
            "share_errors": invalid.errors,
            "share_values": {k: str(v) for k, v in form.items()},
            "crew_names": names,
        }
        return render(
            request, "event.html", context, fragment="_event_detail.html", status_code=422
        )
    if not await run_in_threadpool(store.events.set_tip_shares, event_id, shares):
        raise HTTPException(409, "This trip cannot be changed right now. Try again.")
    detail = ", ".join(f"{e} {w}" for e, w in sorted(shares.items())) or "the defaults"
    await audit(request, "event.tip_shares", event_id, detail)
    url = request.app.url_path_for("event_detail", event_id=event_id)
    return redirect(request, f"{url}?shares=saved#tip-shares")
