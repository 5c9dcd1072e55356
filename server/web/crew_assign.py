"""The captain assigns crew to a trip (the crew section of the event page); the
workflow is server/services/crew.py."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.clock import utc_now_iso
from server.domain.forms import text_field
from server.domain.users import User, normalize_email
from server.services import crew as crew_service
from server.services.results import Refused
from server.web.auth import captain_only
from server.web.event_view import find_event
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()


def _refused_page(request: Request, event_id: str, refused: Refused) -> Response:
    """The event page again, the crew section saying what was refused."""
    from server.web.events import edit_context  # the page's other sections

    store = store_of(request)
    item = find_event(store, event_id, legacy_ok=True)
    context = edit_context(request, item)
    context["crew_errors"] = refused.errors
    return render(request, "admin_event_form.html", context, status_code=refused.status)


async def _change(request: Request, assign: bool) -> Response:
    form = await request.form()
    store = store_of(request)
    event_id = str(request.path_params["event_id"])
    item = await run_in_threadpool(find_event, store, event_id, legacy_ok=True)
    user: User = request.state.user
    email = normalize_email(text_field(form, "email"))
    common: dict[str, Any] = {"event_id": item["event_id"], "email": email}
    common.update(actor=user.email, now=utc_now_iso())
    if assign:
        role = text_field(form, "role")
        result = await run_in_threadpool(
            lambda: crew_service.assign(store.events, store.users, store.audit, role=role, **common)
        )
    else:
        result = await run_in_threadpool(
            lambda: crew_service.unassign(store.events, store.audit, **common)
        )
    if isinstance(result, Refused):
        if result.status == 404:
            raise HTTPException(404)
        return await run_in_threadpool(_refused_page, request, item["event_id"], result)
    url = request.app.url_path_for("admin_event_edit", event_id=item["event_id"])
    return redirect(request, f"{url}?done={'assigned' if assign else 'unassigned'}#crew")


@routes.post("/admin/events/{event_id}/crew", "admin_crew_assign")
@captain_only
async def crew_assign(request: Request) -> Response:
    return await _change(request, assign=True)


@routes.post("/admin/events/{event_id}/crew/remove", "admin_crew_unassign")
@captain_only
async def crew_unassign(request: Request) -> Response:
    return await _change(request, assign=False)
