"""Back at the dock, asked first and undoable: the confirmation page (JavaScript off;
with it the same box is a dialog) and Undo within UNDO_BACK_MINUTES of the back time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.clock import utc_now_iso
from server.domain.float_plan import (
    UNDO_BACK,
    UNDO_BACK_MINUTES,
    may_finish,
    notice_ref,
    seen_back,
    undo_back_cutoff,
)
from server.domain.forms import text_field
from server.domain.records import Departure
from server.domain.users import User
from server.store.float_plans import TripWriteRefused
from server.web.audit import audit
from server.web.auth import crew_only
from server.web.event_view import find_event, valid_event_id, view_of
from server.web.float_plan import NO_STORE, _done
from server.web.render import render
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()


@routes.get("/dispatch/events/{event_id}/back", "back_confirm")
@crew_only
async def back_confirm(request: Request) -> Response:
    """Without JavaScript, Back at the dock asks here first (with it, the same box opens
    as a dialog): the trip and who is aboard, named, before the alarm is switched off."""
    item = await run_in_threadpool(find_event, store_of(request), valid_event_id(request))
    user: User = request.state.user
    departure: Departure | dict[str, Any] = item.get("departure") or {}
    if "returned_at" in item or not departure:
        raise HTTPException(409, "This trip is not out: there is nothing to mark back.")
    if not may_finish(item, user.email, user.is_captain):
        raise HTTPException(403, "Only the crew aboard and the captain can do that.")
    on_dispatch = request.query_params.get("from") == "dispatch"
    context = {"kind": "back", "event": view_of(request, item), "on_dispatch": on_dispatch}
    return render(request, "confirm.html", context, headers=NO_STORE)


@routes.post("/dispatch/events/{event_id}/back/undo", "undo_back")
@crew_only
async def undo_back(request: Request) -> Response:
    """Undo Back at the dock within UNDO_BACK_MINUTES of it (decided in the one write):
    the float plan and its alarm are back; shore is told if it heard "back"."""
    valid_event_id(request)
    form = await request.form()
    item = await run_in_threadpool(find_event, store_of(request), request.path_params["event_id"])
    user: User = request.state.user
    departure_id = text_field(form, "departure_id")
    if item.get("departure", {}).get("departure_id") != departure_id:
        raise HTTPException(409, "This trip has not departed with that float plan.")
    if not may_finish(item, user.email, user.is_captain):
        raise HTTPException(403, "Only the crew aboard and the captain can do that.")
    seen = seen_back(text_field(form, "returned_at"))
    if seen is None:
        raise HTTPException(422, "This form is out of date or damaged: reload the trip, try again.")
    event_id = str(item["event_id"])
    now = datetime.now(UTC)
    try:
        _, first = await run_in_threadpool(
            store_of(request).events.undo_back,
            event_id,
            departure_id,
            seen,
            undo_back_cutoff(now),
            utc_now_iso(),
        )
    except TripWriteRefused:
        raise HTTPException(
            409,
            f"Too late to undo: Back at the dock stands {UNDO_BACK_MINUTES} minutes after "
            "it was saved. Reload the trip.",
        ) from None
    if first:
        await audit(request, "trip.back_undone", event_id)
    return _done(
        request,
        event_id,
        notice_ref(UNDO_BACK, departure_id, seen) if first else None,
        text_field(form, "from") == "dispatch",
        said="undone",
    )
