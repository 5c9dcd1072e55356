"""The captain's crew accounts: add, reset a password, disable and enable."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.clock import utc_now_iso
from server.domain.forms import FormErrors, form_values, text_field
from server.domain.users import (
    ROLES,
    disable_refusal,
    hash_password,
    normalize_email,
    validate_new_user,
    validate_password,
)
from server.store.users import UserExists
from server.web.audit import audit
from server.web.auth import captain_only
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()

# --- crew ----------------------------------------------------------------------------


def _crew_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    *,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    users = store_of(request).users.all()
    return render(
        request,
        "admin_crew.html",
        {
            "users": users,
            "errors": errors or {},
            "values": values or {"role": "crew"},
            "roles": ROLES,
            "notice": notice,
        },
        status_code=status_code,
    )


@routes.get("/admin/crew", "admin_crew")
@captain_only
async def crew_list(request: Request) -> Response:
    notice = request.query_params.get("done", "")
    return await run_in_threadpool(lambda: _crew_page(request, notice=notice))


@routes.post("/admin/crew", "admin_crew_add")
@captain_only
async def crew_add(request: Request) -> Response:
    form = await request.form()
    values = form_values(form, ("email", "name", "role"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    try:
        email, name = validate_new_user(values["email"], values["name"], password, values["role"])
    except FormErrors as invalid:
        errors = invalid.errors
        return await run_in_threadpool(lambda: _crew_page(request, errors, values, status_code=422))
    hashed = await run_in_threadpool(hash_password, password)
    try:
        await run_in_threadpool(
            store_of(request).users.create, email, name, values["role"], hashed, utc_now_iso()
        )
    except UserExists:
        errors = {"email": "An account with this email already exists."}
        return await run_in_threadpool(lambda: _crew_page(request, errors, values, status_code=422))
    await audit(request, "account.added", email, values["role"])
    return redirect(request, f"{request.app.url_path_for('admin_crew')}?done=added")


async def _posted_account(request: Request) -> tuple[FormData, dict[str, Any]]:
    """The posted form and the account its `email` field names (404 if none)."""
    form = await request.form()
    email = normalize_email(text_field(form, "email"))
    user = await run_in_threadpool(store_of(request).users.get, email)
    if user is None:
        raise HTTPException(404)
    return form, user


async def _changed(
    request: Request, email: str, action: str, done: str, *, sign_out: bool = True
) -> Response:
    """After a change to an account: end its sessions (a new password or a disabled
    account takes effect at once), record it, and show the crew page with a notice."""
    if sign_out:
        await run_in_threadpool(store_of(request).sessions.delete_for_user, email)
    await audit(request, action, email)
    # Back to that account, with the notice beside it (where the captain was looking).
    query = urlencode({"done": done, "email": email})
    return redirect(request, f"{request.app.url_path_for('admin_crew')}?{query}#account-{email}")


@routes.post("/admin/crew/password", "admin_crew_password")
@captain_only
async def crew_password(request: Request) -> Response:
    form, user = await _posted_account(request)
    store = store_of(request)
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    problem = validate_password(password)
    if problem:
        errors = {f"password-{user['email']}": problem}
        return await run_in_threadpool(lambda: _crew_page(request, errors, status_code=422))
    hashed = await run_in_threadpool(hash_password, password)
    await run_in_threadpool(store.users.set_password, user["email"], hashed)
    return await _changed(request, user["email"], "account.password_reset", "password")


@routes.post("/admin/crew/disable", "admin_crew_disable")
@captain_only
async def crew_disable(request: Request) -> Response:
    _, user = await _posted_account(request)
    users = await run_in_threadpool(store_of(request).users.all)
    refusal = disable_refusal(user["email"], users)
    if refusal:
        return await run_in_threadpool(
            lambda: _crew_page(request, {"form": refusal}, status_code=409)
        )
    return await _set_disabled(request, user["email"], True)


@routes.post("/admin/crew/enable", "admin_crew_enable")
@captain_only
async def crew_enable(request: Request) -> Response:
    _, user = await _posted_account(request)
    return await _set_disabled(request, user["email"], False)


async def _set_disabled(request: Request, email: str, disabled: bool) -> Response:
    """Disable (ending its sessions at once) or enable an account."""
    await run_in_threadpool(store_of(request).users.set_disabled, email, disabled)
    done = "disabled" if disabled else "enabled"
    return await _changed(request, email, f"account.{done}", done, sign_out=disabled)
