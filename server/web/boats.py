"""The captain's boats (/admin/boats): list, add, edit. A boat's limits may change; a
departure keeps the numbers it was checked against (server/services/depart.py)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.boats import Boat, new_boat_id, parse_boat_form
from server.domain.forms import form_values
from server.store.boats import BoatExists
from server.web.audit import audit
from server.web.auth import captain_only
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()

BOAT_FIELDS = ("name", "number", "passengers", "min_crew", "description", "home_port")
NEW = {"passengers": "6", "min_crew": "1"}  # an uninspected six-pack, one operator


def _page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    boat: Boat | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "boats": store_of(request).boats.all(),
        "values": values or NEW,
        "errors": errors or {},
        "editing": boat,
        "saved": request.query_params.get("saved", ""),
    }
    return render(request, "admin_boats.html", context, status_code=status_code)


def _values(boat: Boat) -> dict[str, str]:
    return {k: str(getattr(boat, k)) for k in BOAT_FIELDS}


@routes.get("/admin/boats", "admin_boats")
@captain_only
async def boats_list(request: Request) -> Response:
    return await run_in_threadpool(lambda: _page(request))


@routes.post("/admin/boats", "admin_boat_add")
@captain_only
async def boat_add(request: Request) -> Response:
    values = form_values(await request.form(), BOAT_FIELDS)
    boat, errors = parse_boat_form(values, new_boat_id())
    if boat is None:
        return await run_in_threadpool(
            lambda: _page(request, values=values, errors=errors, status_code=422)
        )
    try:
        await run_in_threadpool(store_of(request).boats.add, boat)
    except BoatExists:  # a new random id already taken: say so, never overwrite
        errors = {"form": "That boat could not be added; try again."}
        return await run_in_threadpool(
            lambda: _page(request, values=values, errors=errors, status_code=409)
        )
    await audit(request, "boat.added", boat.boat_id, boat.name)
    return redirect(
        request, str(request.app.url_path_for("admin_boats")) + f"?saved={boat.boat_id}"
    )


def _boat(request: Request) -> Boat:
    boat = store_of(request).boats.get(str(request.path_params["boat_id"]))
    if boat is None:
        raise HTTPException(404)
    return boat


@routes.get("/admin/boats/{boat_id}/edit", "admin_boat_edit")
@captain_only
async def boat_edit(request: Request) -> Response:
    boat = await run_in_threadpool(_boat, request)
    return await run_in_threadpool(lambda: _page(request, values=_values(boat), boat=boat))


@routes.post("/admin/boats/{boat_id}", "admin_boat_save")
@captain_only
async def boat_save(request: Request) -> Response:
    old = await run_in_threadpool(_boat, request)
    values = form_values(await request.form(), BOAT_FIELDS)
    boat, errors = parse_boat_form(values, old.boat_id)
    if boat is None:
        return await run_in_threadpool(
            lambda: _page(request, values=values, errors=errors, boat=old, status_code=422)
        )
    if not await run_in_threadpool(store_of(request).boats.save, boat):
        raise HTTPException(404)
    detail = f"{boat.name}: {boat.passengers} passengers, min crew {boat.min_crew}"
    await audit(request, "boat.edited", boat.boat_id, detail)
    return redirect(
        request, str(request.app.url_path_for("admin_boats")) + f"?saved={boat.boat_id}"
    )
